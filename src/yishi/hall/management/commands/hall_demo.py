from django.core.management.base import BaseCommand

from yishi.hall.demo import load_hall_demo


class Command(BaseCommand):
    help = "创建服务大厅演示数据：梁子湖区政务服务中心（10个窗口）及5个镇便民服务中心"

    def handle(self, *args, **options) -> None:
        counts = load_hall_demo()
        self.stdout.write(f"服务网点 {counts['outlets']} 个，窗口 {counts['windows']} 个")
