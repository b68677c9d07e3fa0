"""Someone scans a licence's QR code: the link it holds opens the public verification page in
a real Chromium, which says 有效 with the issuer; after a change to the stored data it says
被篡改."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.catalog.factories import DepartmentFactory
from tests.licences.factories import issue
from yishi.licences.models import Licence
from yishi.licences.pdf import verify_url

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_qr_link_of_a_licence_opens_the_page_that_says_valid(page, live_server, settings):
    settings.YISHI_PUBLIC_URL = live_server.url
    licence = issue(issuer=DepartmentFactory(name="梁子湖区人民医院"), today=timezone.localdate())
    url = verify_url(licence)
    assert url.startswith(live_server.url + "/licences/verify/")

    page.goto(url)
    expect(page.get_by_role("heading", level=1)).to_have_text("电子证照核验")
    expect(page.locator("[data-verify-state]")).to_have_text("有效")
    expect(page.locator("[data-issuer]")).to_have_text("梁子湖区人民医院")

    Licence.objects.filter(pk=licence.pk).update(data={"holder_name": "别人"})
    page.reload()
    expect(page.locator("[data-verify-state]")).to_have_text("被篡改")
