"""A 跨域通办 world for one side: the partner region, the agreed matters (one decided by each
side, plus a 多地联办 theme with a step in each region), and the staff who act. The same
builder runs in the test database (梁子湖区, 420702) and, through `python -m yishi shell`, in the
partner instance's own database (武汉市江夏区, 420115)."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from tongsuopy.crypto import serialization

from yishi.exchange import protocol
from yishi.exchange.conf import TEST_KEY_DIR

US, THEM = "420702", "420115"
NAMES = {US: "鄂州市梁子湖区", THEM: "武汉市江夏区"}
# matter code -> region that decides it
MATTERS = {
    "QR90001000-X-PROXY": THEM,  # 异地代收代办: walk in here, decided there
    "QR90002000-X-ONLINE": THEM,  # 全程网办: applied for here online, decided there
    "QR90003000-X-LEAVE": THEM,  # 多地联办: 迁出 there
    "QR90004000-X-ARRIVE": US,  # 多地联办: 迁入 here
}
MATERIALS = ["居民身份证", "申请表"]
THEME_CODE = "X-MOVE"


def private_key(region: str) -> Any:
    pem = (TEST_KEY_DIR / f"{region}-TEST-private.pem").read_bytes()
    return serialization.load_pem_private_key(pem, password=None)


def public_pem(region: str) -> str:
    return (TEST_KEY_DIR / f"{region}-TEST-public.pem").read_text("ascii")


def build_side(region: str, partner_endpoint: str) -> dict[str, Any]:
    """Everything one side needs; returns the records by name."""
    from tests.cases.factories import ApplicantFactory, StaffFactory
    from tests.catalog.factories import DepartmentFactory, MaterialFactory, MatterFactory
    from tests.themes.factories import ThemeFactory, ThemeMatterFactory
    from yishi.exchange.models import AgreedMatter, Partner

    other = THEM if region == US else US
    partner = Partner.objects.create(
        code=other,
        name=NAMES[other],
        endpoint=partner_endpoint,
        public_key_pem=public_pem(other),
    )
    out: dict[str, Any] = {"partner": partner, "matters": {}, "reviewers": {}, "agreed": {}}
    for n, (code, decider) in enumerate(MATTERS.items()):
        department = DepartmentFactory(name=f"{NAMES[region]}跨域测试部门{n}")
        matter = MatterFactory(
            code=code, name=f"跨域测试事项{code.split('-')[-1]}", department=department
        )
        for order, name in enumerate(MATERIALS):
            MaterialFactory(matter=matter, name=name, order=order)
        out["matters"][code] = matter
        out["reviewers"][code] = StaffFactory(reviewer=True, department=department).user
        out["agreed"][code] = AgreedMatter.objects.create(
            partner=partner,
            code=matter.basic_code,
            name=matter.name,
            matter=matter,
            decided_by="us" if decider == region else "partner",
            modes=["online", "proxy", "joint"],
            materials=MATERIALS,
            promised_days=5,
            legal_days=20,
            result_name="准予许可决定书",
            delivery=["mail", "pickup"],
        )
    theme = ThemeFactory(name="户口迁移一件事", code=THEME_CODE)
    ThemeMatterFactory(theme=theme, matter=out["matters"]["QR90003000-X-LEAVE"], order=1)
    ThemeMatterFactory(theme=theme, matter=out["matters"]["QR90004000-X-ARRIVE"], order=2)
    out["theme"] = theme
    out["clerk"] = StaffFactory().user
    out["applicant"] = ApplicantFactory()
    return out


def scans() -> list[tuple[str, str, bytes]]:
    return [(name, "image/png", f"扫描件：{name}".encode()) for name in MATERIALS]


def signed_from_partner(
    kind: str,
    body: dict[str, Any],
    *,
    files: dict[str, bytes] | None = None,
    sender: str = THEM,
    receiver: str = US,
    created: str | None = None,
    key_region: str | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """A validly signed wrapper as the partner would send it (files: name -> bytes)."""
    files = files or {}
    entries = [
        {"name": name, "media_type": "application/octet-stream", "sm3": protocol.file_sm3(data)}
        for name, data in files.items()
    ]
    env = protocol.envelope(
        kind=kind,
        sender=sender,
        receiver=receiver,
        body=body,
        files=entries,
        created=created,
        **fields,
    )
    return protocol.wrap(
        env,
        private_key(key_region or sender),
        {protocol.file_sm3(data): data for data in files.values()},
    )


def resign(signed: dict[str, Any], region: str = THEM) -> dict[str, Any]:
    return {**signed, "signature": protocol.sign(signed["envelope"], private_key(region))}


def attachment_bytes(signed: dict[str, Any]) -> dict[str, bytes]:
    return {k: base64.b64decode(v) for k, v in (signed.get("attachments") or {}).items()}


def example() -> dict[str, Any]:
    path = Path(TEST_KEY_DIR).parent / "example-signed.json"
    return json.loads(path.read_text("utf-8"))


# ---------------------------------------------------------------- partner-side actions


def partner_decide(ref: str, *, approved: bool = True, method: str = "mail") -> str:
    """At the deciding side: the reviewer decides and the result is sent on its way."""
    from yishi.exchange.models import Crossing
    from yishi.exchange.services import crossing_decide, crossing_deliver

    crossing = Crossing.objects.get(ref=ref)
    from yishi.core.roles import Role, has_role

    reviewer = next(
        p for p in crossing.subcase.department.staff.all() if has_role(p.user, Role.REVIEWER)
    )
    crossing_decide(
        crossing=crossing,
        reviewer=reviewer.user,
        approved=approved,
        result_name="准予许可决定书",
        reason="" if approved else "不符合条件",
    )
    crossing.refresh_from_db()
    crossing_deliver(
        crossing=crossing,
        staff=reviewer.user,
        method=method,
        tracking_number="SF1234567890" if method == "mail" else "",
        carrier="顺丰速运" if method == "mail" else "",
        pickup_place="梁子湖区政务服务中心跨域通办窗口" if method == "pickup" else "",
    )
    return crossing.status


def partner_licence(
    person: Any,
    *,
    number: str = "420115-JX-0001",
    name: str = "准予许可决定书",
    type_code: str = "QR90001000",
    issuer: str = THEM,
    key_region: str = THEM,
    data: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A result document sealed as the partner seals it (see yishi.exchange.results)."""
    from tongsuopy.crypto import hashes
    from tongsuopy.crypto.asymciphers import ec

    from yishi.core.crypto import sm3_hex
    from yishi.exchange.results import _signed_bytes, seal_key_id

    document: dict[str, Any] = {
        "number": number,
        "name": name,
        "type": type_code,
        "holder": {"kind": "person", "id": str(person.id_number), "name": person.name},
        "issuer": issuer,
        "issuer_name": "武汉市江夏区跨域测试部门",
        "issued_on": "2026-12-08",
        "valid_from": "2026-12-08",
        "valid_until": None,
        "data": data if data is not None else {"办理结果": name, "办理事项": "跨域测试事项"},
    }
    raw = _signed_bytes(document)
    document["signature"] = {
        "algorithm": "SM2-SM3",
        "key_id": seal_key_id(public_pem(key_region)),
        "digest": sm3_hex(raw),
        "value": private_key(key_region).sign(raw, ec.ECDSA(hashes.SM3())).hex(),
    }
    return document


def build_hall(code: str = "lzh-centre") -> dict[str, Any]:
    """The district's service centre with its outlet (a 跨域通办 window) and one of its
    window clerks: where a pickup result waits and who hands it over."""
    from tests.cases.factories import StaffFactory
    from tests.catalog.factories import DepartmentFactory, RegionFactory
    from tests.hall.factories import OutletFactory, WindowFactory
    from yishi.catalog.centres import forget_district_centre
    from yishi.catalog.models import Department
    from yishi.hall.models import Window

    forget_district_centre()
    centre = DepartmentFactory(
        code=f"{code.upper()}-ZWZX",
        name="梁子湖区政务服务中心",
        kind=Department.Kind.SERVICE_CENTRE,
        region=RegionFactory(code="420702", name="梁子湖区", level=3),
    )
    outlet = OutletFactory(code=code, name="梁子湖区政务服务中心", department=centre)
    WindowFactory(outlet=outlet, kind=Window.Kind.CROSS_REGION)
    clerk = StaffFactory(service_centre=centre).user
    return {"centre": centre, "outlet": outlet, "clerk": clerk}
