"""The tailored notice and the apply flow's materials step follow one decision
(themes.materials.requirement): a material the department shares itself is 免提交 on both,
with the same reason, and the materials step neither offers a file input for it nor refuses
to go on without it."""

from __future__ import annotations

import re

import pytest

from tests.catalog.factories import MaterialFactory
from tests.portal.test_apply_pages import _logged_in, _to_materials, make_small_theme
from yishi.catalog.models import Material

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_a_shared_record_is_free_on_the_notice_and_not_asked_for_when_applying(client):
    theme = make_small_theme()
    first = theme.items.order_by("order").first().matter
    MaterialFactory(
        matter=first,
        order=3,
        name="住院分娩记录",
        kind="delivery_record",
        source=Material.Source.SHARED,
        note="由助产机构内部调取，申请人无需提交。",
    )
    notice = client.get(f"/themes/{theme.code}/notice/", {"want_b": "yes"}).content.decode()
    row = re.search(r"<tr[^>]*>(?:(?!</tr>).)*住院分娩记录(?:(?!</tr>).)*</tr>", notice, re.S)
    assert "免提交（已由部门共享获取）" in row.group(0)
    assert "需提交" not in row.group(0).replace("无需提交", "")

    _logged_in(client)
    draft_id = _to_materials(client, theme)
    page = client.get(f"/apply/draft/{draft_id}/materials/").content.decode()
    item = re.search(r'<li[^>]*id="m-delivery_record".*?</li>', page, re.S).group(0)
    assert 'type="file"' not in item
    assert "已由部门共享获取，无需提交" in item
    response = client.post(f"/apply/draft/{draft_id}/materials/", {"action": "next"})
    assert "住院分娩记录" not in " ".join(
        re.findall(r'role="alert">([^<]*)<', response.content.decode())
    )
