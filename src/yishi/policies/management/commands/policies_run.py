"""`python -m yishi policies_run [--period YYYY-MM] [--match]`: the monthly 免申即享 run of every
active policy (a period already run is left as it is), and optionally the matching push."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from yishi.core.errors import DomainError
from yishi.policies.models import Policy
from yishi.policies.services import matching_push_all, period_of, policy_run


class Command(BaseCommand):
    help = "按月运行免申即享兑现（同一期间重复运行不会重复发放），可选同时推送政策匹配。"

    def add_arguments(self, parser):
        parser.add_argument("--period", default="", help="兑现期间 YYYY-MM，默认本月")
        parser.add_argument("--match", action="store_true", help="同时推送新匹配的政策")

    def handle(self, *args, **options):
        period = options["period"] or period_of(timezone.localdate())
        for policy in Policy.objects.filter(active=True, proactive=True).order_by("code"):
            try:
                run = policy_run(policy=policy, period=period, actor="policies_run")
            except DomainError as exc:
                raise CommandError(f"{policy.name}：{exc.message}") from exc
            self.stdout.write(
                f"{policy.name} {run.period}：新增 {run.new_count}，继续 {run.continuing_count}，"
                f"终止 {run.ended_count}，金额 {run.total_amount}"
            )
        if options["match"]:
            for code, count in matching_push_all().items():
                self.stdout.write(f"匹配推送 {code}：{count}")
