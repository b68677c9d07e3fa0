"""The 新生儿出生 matters, as the portal tests and the browser journeys need them."""

from __future__ import annotations

import pytest

from tests.catalog.factories import DepartmentFactory, MaterialFactory, MatterFactory, TopicFactory
from yishi.catalog.models import Material, Matter
from yishi.catalog.search import index_matter


def make_birth_matters() -> dict[str, Matter]:
    topic = TopicFactory(code="birth", name="出生", audience="person", order=1)
    health = DepartmentFactory(code="LZH-WJJ", name="梁子湖区卫生健康局", short_name="区卫健局")
    police = DepartmentFactory(
        code="LZH-GAJ", name="鄂州市公安局梁子湖分局", short_name="梁子湖分局"
    )

    certificate = MatterFactory(
        code="GG00101000-420702-LZH-WJJ",
        name="出生医学证明签发",
        keywords="新生儿出生 出生证 出生医学证明",
        matter_type="public_service",
        department=health,
        legal_limit_days=None,
        promised_limit_days=0,
        handling=Matter.Handling.INSTANT,
        result_name="出生医学证明",
        result_type=Matter.ResultType.CERTIFICATE,
        visits=1,
        version=1,
    )
    MaterialFactory(matter=certificate, order=1, name="母亲居民身份证", kind="id_card_mother")
    MaterialFactory(matter=certificate, order=2, name="父亲居民身份证", kind="id_card_father")
    MaterialFactory(
        matter=certificate,
        order=3,
        name="结婚证",
        kind="marriage_certificate",
        source=Material.Source.LICENCE,
        licence_type="结婚证",
    )

    registration = MatterFactory(
        code="QR00102000-420702-LZH-GAJ",
        basic_code="QR00102000",
        name="出生登记",
        keywords="新生儿出生 报户口 落户 上户口",
        matter_type="confirmation",
        department=police,
        legal_limit_days=20,
        promised_limit_days=3,
        handling=Matter.Handling.PROMISED,
        fee_required=False,
        result_name="居民户口簿（户口登记）",
        result_type=Matter.ResultType.CERTIFICATE,
        place="梁子湖区政务服务中心公安窗口（太和镇）",
        consult_phone="0711-5061110",
        complaint_phone="0711-12345",
        visits=1,
        mobile=True,
        cross_region="province",
        version=2,
    )
    MaterialFactory(
        matter=registration,
        order=1,
        name="出生医学证明",
        kind="birth_certificate",
        source=Material.Source.SHARED,
    )
    MaterialFactory(
        matter=registration,
        order=2,
        name="监护人居民户口簿",
        kind="household_register",
        form=Material.Form.ORIGINAL_AND_COPY,
        copies=2,
        note="新生儿随父或随母落户均可",
    )
    MaterialFactory(
        matter=registration,
        order=3,
        name="父母双方居民身份证",
        kind="id_card_parents",
        form=Material.Form.COPY,
        copies=1,
        deferrable=True,
    )
    MaterialFactory(
        matter=registration,
        order=4,
        name="非婚生育说明",
        kind="non_marital_statement",
        required=False,
        note="非婚生育的提供",
    )
    for matter in (certificate, registration):
        matter.topics.add(topic)
        index_matter(matter)
    return {"certificate": certificate, "registration": registration}


@pytest.fixture
def birth_matters(db) -> dict[str, Matter]:
    return make_birth_matters()
