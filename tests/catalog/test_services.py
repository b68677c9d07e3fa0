from __future__ import annotations

import pytest

from tests.catalog.factories import MaterialFactory, MatterFactory
from yishi.catalog.services import matter_to_dict, matter_upsert


@pytest.mark.django_db
def test_upsert_publishes_a_new_version_only_when_content_changes():
    source = MatterFactory()
    MaterialFactory(matter=source)
    data = matter_to_dict(source)
    data["code"] = "QR99999000-420702-NEW"

    matter, changed = matter_upsert(data)
    assert (changed, matter.version) == (True, 1)

    matter, changed = matter_upsert(data)
    assert (changed, matter.version) == (False, 1)

    data["name"] = "改名后的事项"
    matter, changed = matter_upsert(data)
    assert (changed, matter.version) == (True, 2)
    assert matter.versions.get(number=1).snapshot["name"] == source.name
