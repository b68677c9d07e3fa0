"""Daily: invite applicants to rate their completed applications (once each)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from yishi.ratings.services import invitations_send


class Command(BaseCommand):
    help = "向办结后仍未评价的申请人发送一次评价邀请（站内消息和短信）"

    def handle(self, *args, **options):
        sent = invitations_send()
        self.stdout.write(f"已发送评价邀请 {sent} 条。")
