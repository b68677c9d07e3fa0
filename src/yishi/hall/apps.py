from django.apps import AppConfig


class HallConfig(AppConfig):
    name = "yishi.hall"
    label = "hall"
    verbose_name = "服务大厅"

    def ready(self) -> None:
        from yishi.core.metrics import register_gauge
        from yishi.hall.queries import waiting_by_outlet

        register_gauge(
            "yishi_hall_tickets_waiting",
            "Tickets waiting today at each outlet (waiting or transferred).",
            waiting_by_outlet,
            labels=("outlet",),
        )
