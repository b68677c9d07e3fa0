from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from yishi.hall.demo import load_hall_demo

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "model",
    [
        "outlet",
        "window",
        "windowsession",
        "ticket",
        "appointmentslot",
        "appointment",
        "greenchannelrequest",
    ],
)
def test_admin_lists_and_forms_open(client, model):
    load_hall_demo()
    client.force_login(get_user_model().objects.create_superuser("root", password="x-Pw-2026"))
    assert client.get(f"/admin/hall/{model}/").status_code == 200
    assert client.get(f"/admin/hall/{model}/add/").status_code == 200


def test_outlet_photos_are_checked_by_content(settings, tmp_path):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.forms import modelform_factory
    from PIL import Image

    from tests.core.upload_samples import pdf_bytes
    from yishi.hall.admin import OutletForm
    from yishi.hall.models import Outlet

    settings.MEDIA_ROOT = tmp_path
    form_class = modelform_factory(Outlet, form=OutletForm, fields=["entrance_photo"])
    fake = SimpleUploadedFile("door.png", pdf_bytes("x"), content_type="image/png")
    form = form_class(data={}, files={"entrance_photo": fake})
    assert not form.is_valid()
    assert (
        "PNG" in str(form.errors["entrance_photo"])
        or "图片" in str(form.errors["entrance_photo"])
        or "文件" in str(form.errors["entrance_photo"])
    )

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(buffer, "PNG")
    real = SimpleUploadedFile("door.png", buffer.getvalue(), content_type="image/png")
    assert form_class(data={}, files={"entrance_photo": real}).is_valid()
