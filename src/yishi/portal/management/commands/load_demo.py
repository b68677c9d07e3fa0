"""`python -m yishi load_demo`: load the 梁子湖区 demo catalog, the 14 "一件事" themes, the
service hall and demo accounts enough to walk every theme to the end, in one transaction, then
print the table of demo accounts. It lives in portal, the top layer, because it calls the
loaders of catalog, themes, hall and the staff derived from them (catalog must not import
themes)."""

from __future__ import annotations

import datetime as dt
import os
import secrets

from django.core.management.base import BaseCommand
from django.db import transaction

from yishi.assist.demo import load_assist_demo
from yishi.catalog.demo.loader import PASSWORD_ENV, load_demo
from yishi.catalog.search_synonyms import seed_synonyms
from yishi.enterprise.demo import load_enterprise_demo
from yishi.exchange.demo import load_exchange_demo
from yishi.governance.demo import load_governance_demo
from yishi.hall.demo import load_hall_demo
from yishi.licences.demo.instant import load_instant_rules
from yishi.people.registry import generate_registry
from yishi.policies.demo import policies_demo
from yishi.portal.demo import PHONE, load_demo_applicant
from yishi.portal.demo_staff import demo_table_rows, load_demo_staff, render_table
from yishi.ratings.demo import load_ratings_demo
from yishi.remote.demo import load_remote_demo
from yishi.reports.demo import load_reports_demo
from yishi.themes.demo.loader import load_themes


class Command(BaseCommand):
    help = (
        "加载梁子湖区示范数据（区划、部门、主题分类、事项、一件事主题、服务大厅）和示范账号，"
        "并列出示范账号；可重复运行，不会重复写入。"
    )

    def handle(self, *args, **options):
        # One password for every account this run creates: easy to pass on, shown once.
        fixed = os.environ.get(PASSWORD_ENV) or None
        password = fixed or secrets.token_urlsafe(9)
        with transaction.atomic():
            result = load_demo(password=password)
            themes = load_themes()
            seed_synonyms()  # the search's everyday phrasings (idempotent; also a migration)
            instant = load_instant_rules()
            policies = policies_demo()
            hall = load_hall_demo()
            applicant = load_demo_applicant(password=password)
            # After themes and hall: the staff are derived from where they route work.
            staff = load_demo_staff(password)
            # A small synthetic registry (persons, companies) for the benefits to run over.
            registry = generate_registry(
                persons=2000, companies=200, seed=0, today=dt.date(2026, 11, 1)
            )
            # After staff and the applicant: who rated, asked for help and reported what.
            # Help requests first, so that some of them are rated.
            feedback = {
                **load_assist_demo(),
                **load_ratings_demo(),
                **load_reports_demo(),
            }
            # 跨域通办: the demo partner region (武汉市江夏区, `make partner`) and the matters
            # agreed with it.
            feedback.update(load_exchange_demo())
            feedback.update(load_remote_demo())
            feedback.update(load_enterprise_demo())
            # 数据治理: after the registry, staff and cases it catalogues and checks.
            feedback.update(load_governance_demo(password=password))
        self.stdout.write(result.summary())
        created = len(result.new_accounts) + len(staff) + (applicant is not None)
        if created:
            if fixed:
                self.stdout.write(
                    f"新建示范账号 {created} 个，密码均为环境变量 {PASSWORD_ENV} 的值"
                )
            else:
                self.stdout.write(
                    f"新建示范账号 {created} 个，密码均为：{password}"
                    "（只显示这一次，请妥善保存；也可用环境变量 "
                    f"{PASSWORD_ENV} 指定）"
                )
            self.stdout.write("注：示范账号仅供演示，请勿用于生产环境。")
        if result.existing_accounts:
            self.stdout.write("示范账号已存在，密码见首次运行时的输出")
        self.stdout.write(themes.summary())
        if instant:
            self.stdout.write(f"秒批秒办规则：新建 {instant} 条")
        self.stdout.write(registry.summary())
        self.stdout.write(policies.summary())
        self.stdout.write(f"服务大厅：网点 {hall['outlets']} 个，窗口 {hall['windows']} 个")
        if feedback:
            self.stdout.write(
                "好差评、帮办、办不成事反映与跨域通办："
                + "，".join(f"{label} {n} 条" for label, n in feedback.items())
            )
        # Last, where a newcomer looks: who to sign in as, and what to try.
        self.stdout.write("")
        self.stdout.write(
            "示范账号（工作人员在 /admin/login/ 登录后进入 /workbench/；申请人在 "
            "/account/login/ 用手机号登录；示范流程见 README「Demo data」）："
        )
        for line in render_table(demo_table_rows(PHONE)):
            self.stdout.write(line)
