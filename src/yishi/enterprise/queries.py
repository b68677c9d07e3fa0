"""Reads of 企业一类事与增值服务: published packages, offers, a run's tracking view, a
company's requests and a provider's inbox (only requests its company shared)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, QuerySet
from django.urls import reverse

from yishi.people.models import Company

from .models import (
    Module,
    Offer,
    Package,
    PackageRun,
    ProviderAccount,
    ServiceRequest,
    ShareConsent,
)


def published_packages() -> QuerySet[Package]:
    return Package.objects.filter(published=True).prefetch_related("modules")


def package_by_code(code: str) -> Package | None:
    return published_packages().filter(code=code).first()


def active_offers() -> QuerySet[Offer]:
    return Offer.objects.filter(active=True, provider__active=True).select_related("provider")


def offer_by_code(code: str) -> Offer | None:
    return active_offers().filter(code=code).first()


@dataclass(frozen=True)
class TrackRow:
    """One line of the tracking view: what a ticked module started and where it stands."""

    kind: str
    kind_label: str
    name: str
    reference: str  # the case number, or ""
    state: str  # the engine's own state label
    url: str


def track_rows(run: PackageRun) -> list[TrackRow]:
    rows = []
    items = run.items.select_related(
        "module",
        "module__theme",
        "module__matter",
        "module__policy",
        "module__offer",
        "application",
        "policy_application",
        "policy_application__application",
        "service_request",
    )
    for item in items:
        module = item.module
        label = str(Module.Kind(module.kind).label)
        if item.application is not None:
            app = item.application
            rows.append(
                TrackRow(
                    module.kind,
                    label,
                    module.name,
                    app.number,
                    app.get_status_display(),
                    reverse("apply:detail", args=[app.number]),
                )
            )
        elif item.policy_application is not None:
            pa = item.policy_application
            rows.append(
                TrackRow(
                    module.kind,
                    label,
                    module.name,
                    pa.application.number,
                    pa.get_state_display(),
                    reverse("policies_portal:application", args=[pa.pk]),
                )
            )
        elif item.service_request is not None:
            sr = item.service_request
            state = sr.get_state_display()
            if sr.consents.filter(revoked_at__isnull=True).first() is None:
                state = f"{state}（待共享企业信息）" if sr.state == "open" else state
            rows.append(
                TrackRow(
                    module.kind,
                    label,
                    module.name,
                    "",
                    state,
                    reverse("enterprise:request", args=[sr.pk]),
                )
            )
    return rows


def runs_of(company: Company) -> QuerySet[PackageRun]:
    return PackageRun.objects.filter(company=company).select_related("package")


def requests_of(company: Company) -> QuerySet[ServiceRequest]:
    return ServiceRequest.objects.filter(company=company).select_related("offer", "offer__provider")


def provider_inbox(account: ProviderAccount) -> list[ServiceRequest]:
    """The provider's requests a consent currently opens, newest first."""
    live = ShareConsent.objects.filter(request=OuterRef("pk"), revoked_at__isnull=True)
    return list(
        ServiceRequest.objects.filter(Exists(live), offer__provider=account.provider)
        .select_related("offer", "company")
        .order_by("-created_at", "-id")[:200]
    )
