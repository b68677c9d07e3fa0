"""`python -m yishi load_demo`: load the 梁子湖区 demo catalog, demo staff accounts and the 14
"一件事" themes, in one transaction. It lives in portal, the top layer, because it calls the
loaders of both catalog and themes (catalog must not import themes)."""

from __future__ import annotations

import datetime as dt
import unicodedata

from django.core.management.base import BaseCommand
from django.db import transaction

from yishi.catalog.demo.loader import PASSWORD_ENV, load_demo
from yishi.hall.demo import load_hall_demo
from yishi.licences.demo.instant import load_instant_rules
from yishi.people.registry import generate_registry
from yishi.policies.demo import policies_demo
from yishi.portal.demo import load_demo_applicant
from yishi.themes.demo.loader import load_themes


def _pad(text: str, width: int) -> str:
    """Left-justify by display width: CJK characters take two terminal columns."""
    shown = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return text + " " * max(width - shown, 1)


class Command(BaseCommand):
    help = (
        "加载梁子湖区示范数据（区划、部门、主题分类、事项、一件事主题）和示范账号；"
        "可重复运行，不会重复写入。"
    )

    def handle(self, *args, **options):
        with transaction.atomic():
            result = load_demo()
            themes = load_themes()
            instant = load_instant_rules()
            policies = policies_demo()
            hall = load_hall_demo()
            applicant = load_demo_applicant()
            # A small synthetic registry (persons, companies) for the benefits to run over.
            registry = generate_registry(
                persons=2000, companies=200, seed=0, today=dt.date(2026, 11, 1)
            )
        self.stdout.write(result.summary())
        accounts = list(result.new_accounts)
        if applicant is not None:
            accounts.append((applicant[0], "申请人（在门户用手机号登录）", applicant[1]))
        if accounts:
            self.stdout.write("新建示范账号（密码只显示这一次，请妥善保存）：")
            self.stdout.write(_pad("账号", 16) + _pad("角色", 22) + "密码")
            for username, role, password in accounts:
                shown = password if password is not None else f"（见环境变量 {PASSWORD_ENV}）"
                self.stdout.write(_pad(username, 16) + _pad(role, 22) + shown)
            self.stdout.write("注：示范账号仅供演示，请勿用于生产环境；首次登录后请修改密码。")
        if result.existing_accounts:
            self.stdout.write("示范账号已存在，密码见首次运行时的输出")
        # Last, so the account table keeps its place right under the catalog summary.
        self.stdout.write(themes.summary())
        if instant:
            self.stdout.write(f"秒批秒办规则：新建 {instant} 条")
        self.stdout.write(registry.summary())
        self.stdout.write(policies.summary())
        self.stdout.write(f"服务大厅：网点 {hall['outlets']} 个，窗口 {hall['windows']} 个")
