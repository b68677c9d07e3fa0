"""The demo policies: seeded with sample amounts marked as such, granting departments from the
catalog, idempotent (a second load changes nothing and makes no new rule version)."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tests.policies.factories import PersonFactory, born_aged, demo_departments
from yishi.policies.models import Policy, RuleVersion, Run

pytestmark = pytest.mark.django_db


def test_policies_demo_seeds_every_policy_with_sample_amounts_and_is_idempotent():
    demo_departments()
    out = StringIO()
    call_command("policies_demo", stdout=out)
    assert "新增 7" in out.getvalue()
    assert set(Policy.objects.values_list("name", flat=True)) == {
        "高龄津贴",
        "困难残疾人生活补贴",
        "重度残疾人护理补贴",
        "失业保险金",
        "稳岗返还",
        "小微企业创业补贴",
        "招用重点群体税费减免",
    }
    assert set(Policy.objects.values_list("amount_note", flat=True)) == {"示例金额，由管理员设定"}
    assert Policy.objects.get(code="elderly-allowance").department.code == "LZH-MZ"
    bands = Policy.objects.get(code="unemployment-benefit").amount_bands
    assert [b["months"] for b in bands] == [12, 18, 24]

    call_command("policies_demo", stdout=(again := StringIO()))
    assert "未变 7" in again.getvalue()
    assert RuleVersion.objects.count() == 7


def test_policies_demo_without_the_catalog_departments_says_what_to_do():
    with pytest.raises(CommandError, match="load_demo"):
        call_command("policies_demo", stdout=StringIO())
    assert not Policy.objects.exists()


def test_policies_run_command_runs_every_proactive_policy_once_per_period(demo_policies):
    PersonFactory(birth=born_aged(88, dt.date(2026, 10, 1)))
    call_command("policies_run", "--period", "2026-10", stdout=(out := StringIO()))
    call_command("policies_run", "--period", "2026-10", stdout=StringIO())
    assert Run.objects.count() == 7
    assert "高龄津贴 2026-10：新增 1" in out.getvalue()
