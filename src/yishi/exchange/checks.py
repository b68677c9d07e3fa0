"""`check --deploy`: a configured exchange key is not a public test key in production. A
deployment with no key of its own has not set up 跨域通办 (nothing is sent or accepted)."""

from __future__ import annotations

from django.core import checks
from django.core.exceptions import ImproperlyConfigured


@checks.register(checks.Tags.security, deploy=True)
def exchange_key_check(app_configs=None, **kwargs):
    from yishi.exchange import conf

    try:
        conf.private_key()
    except conf.ExchangeKeyMissing:
        return []
    except (ImproperlyConfigured, OSError, ValueError) as exc:
        return [checks.Error(str(exc), id="exchange.E001")]
    return []
