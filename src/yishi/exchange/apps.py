from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "yishi.exchange"
    label = "exchange"
    verbose_name = "跨域通办"

    def ready(self) -> None:
        from yishi.core.outbox import register_deliverer
        from yishi.exchange import (
            checks,  # noqa: F401 - registers the deploy check
            handlers,  # noqa: F401 - registers the event handlers
        )
        from yishi.exchange.services import DESTINATION_KIND, deliver_to_partner

        register_deliverer(DESTINATION_KIND, deliver_to_partner)
