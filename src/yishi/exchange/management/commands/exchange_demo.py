from django.core.management.base import BaseCommand

from yishi.exchange.demo import load_exchange_demo


class Command(BaseCommand):
    help = "加载跨域通办示范数据：合作地区（测试密钥）与约定的通办事项；可重复运行。"

    def handle(self, *args, **options):
        for label, count in load_exchange_demo().items():
            self.stdout.write(f"{label}：{count}")
