"""What tests/test_routes_by_role.py needs for the 企业一类事与增值服务 routes (this file is
not collected as tests).

`enterprise_world(w)`: given the world of tests/access_world.py, a provider (示例) with an
offer and a staff account, a package of one offer module started by the company's legal
representative (the world's `owner`), and a service request of the company shared with the
provider; returns the values the paths use.

The policy the lines write down (yishi.enterprise.access):
- packages, their combined notice and the offers are public;
- a package run, a service request and the company-side writes (start, request, share,
  revoke, rate) are the company's own: its verified legal representative and agents holding
  申请办理. Other applicants, a pending claim, staff and anonymous visitors get 404 (pages
  asking for a company; anonymous visitors the login page where no company is named) or
  401/403 (API). The POST probes send what the checks after access refuse (no module ticked,
  a rating of 9, a share of an unknown field, a message over 1000 characters): nothing is
  created or changed.
- provider pages and the provider API are for provider accounts (a new kind of user, not
  among the world's roles): every role of the world is refused them (403, anonymous the
  login page or 401). The provider's own access — its provider's requests only, and only
  while the company's consent holds (404 before sharing and after revoking) — is tested in
  tests/enterprise/test_zone_access.py.

Its rows are in tests/test_routes_by_role.py (PROBES).
"""

from __future__ import annotations

from typing import Any

from yishi.enterprise import services
from yishi.enterprise.models import Module, Offer, Package, Provider, ProviderAccount


def enterprise_world(w: Any) -> dict[str, str]:
    from tests.cases.factories import UserFactory

    provider = Provider.objects.create(
        code="probe-bank", name="探针示例银行（示例）", kind="bank", demo=True
    )
    offer = Offer.objects.create(
        provider=provider,
        code="probe-account",
        name="开户预约",
        summary="示例",
        stages=["open"],
    )
    ProviderAccount.objects.create(user=UserFactory(), provider=provider, name="客户经理")
    package = Package.objects.create(
        code="probe-open", name="开办示例一类事", stage="open", summary="示例"
    )
    Module.objects.create(package=package, kind="offer", offer=offer, order=1)
    run = services.package_start(
        package=package, user=w.owner.user, company=w.company, modules=None, form_data={}
    )
    shared = services.request_create(
        offer=offer, company=w.company, user=w.owner.user, message="预约开户", share=["contact"]
    )
    unshared = run.items.get().service_request
    return {
        "package": package.code,
        "package_run": str(run.pk),
        "enterprise_offer": offer.code,
        "service_request": str(shared.pk),
        "service_request_unshared": str(unshared.pk),
    }
