from django.core.management.base import BaseCommand

from yishi.exchange.inbox import envelope_process
from yishi.exchange.models import Envelope


class Command(BaseCommand):
    help = "重新处理已接收但处理失败或尚未处理的跨域通办信封。"

    def handle(self, *args, **options):
        rows = Envelope.objects.filter(
            direction=Envelope.Direction.IN,
            status__in=[Envelope.Status.STORED, Envelope.Status.FAILED],
        ).order_by("id")
        done = sum(envelope_process(r).status == Envelope.Status.PROCESSED for r in rows)
        self.stdout.write(f"已处理 {done} 个信封")
