"""Demo partner: 梁子湖区 (420702) and 武汉市江夏区 (420115, a 武汉都市圈 district) exchange
matters marked 全省通办 / 一圈通办 in the catalog, signed with the public test keys in
docs/exchange/test-keys/. The same loader runs on both instances (`make run`, `make partner`):
it reads our region from the exchange settings and registers the other one."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from yishi.catalog.models import Department, Matter
from yishi.catalog.services import matter_upsert
from yishi.exchange import conf
from yishi.exchange.models import AgreedMatter, Mode, Partner
from yishi.themes.models import Theme
from yishi.themes.services import theme_upsert

REGIONS = {
    "420702": ("鄂州市梁子湖区", "http://127.0.0.1:8000"),
    "420115": ("武汉市江夏区", "http://127.0.0.1:8001"),
}
# (matter code in the demo catalog, which region decides it, modes, delivery)
AGREED = [
    ("GG00108000-420702-LZH-RS", "420115", ["online", "proxy"], ["mail", "pickup"]),
    ("JF00163000-420702-LZH-RS", "420115", ["online", "proxy"], ["online"]),
    ("QR00160000-420702-LZH-GA", "420115", ["proxy"], ["mail", "pickup"]),
    ("GG00171000-420702-LZH-RS", "420702", ["online", "proxy"], ["online"]),
    # 多地联办 户口迁移: 迁出 at 江夏区, 迁入 here (the theme below).
    ("QR00170000-420702-LZH-GA", "420115", ["joint"], ["online", "pickup"]),
    ("QR00171000-420702-LZH-GA", "420702", ["joint"], ["online", "pickup"]),
]

LEAVE, ARRIVE = "QR00170000-420702-LZH-GA", "QR00171000-420702-LZH-GA"
JOINT_THEME = "hukou-move"
_HOURS = "法定工作日 上午8:30—12:00，下午14:30—17:30（夏季）；下午14:00—17:00（冬季）"
_MATERIALS = [
    {
        "name": "居民身份证",
        "kind": "id_card",
        "required": True,
        "form": "original",
        "copies": 1,
        "spec": "",
        "source": "applicant",
        "licence_type": "",
        "deferrable": False,
        "note": "本人居民身份证，网上申请时上传正反面照片或扫描件。",
    },
    {
        "name": "居民户口簿",
        "kind": "household_register",
        "required": True,
        "form": "original",
        "copies": 1,
        "spec": "",
        "source": "applicant",
        "licence_type": "",
        "deferrable": False,
        "note": "迁出地户口簿首页及本人页。",
    },
    {
        "name": "迁入地合法稳定住所证明",
        "kind": "residence_proof",
        "required": True,
        "form": "original",
        "copies": 1,
        "spec": "",
        "source": "applicant",
        "licence_type": "",
        "deferrable": False,
        "note": "房屋所有权证（不动产权证书）或经备案的租赁合同。",
    },
]


def _hukou_matter(code: str, name: str, short: str, process: str, result: str) -> dict[str, Any]:
    return {
        "code": code,
        "basic_code": code.split("-")[0],
        "name": name,
        "short_name": short,
        "matter_type": "confirmation",
        "level": 3,
        "region": "420702",
        "department": "LZH-GA",
        "base": None,
        "audience": "person",
        "topics": ["p-household"],
        "keywords": "户口迁移 迁户口 户口迁出 户口迁入 落户 跨域通办 一圈通办",
        "legal_basis": "《中华人民共和国户口登记条例》第十条、第十三条；"
        "《湖北省户籍管理规定》；武汉都市圈“一圈通办”事项清单。",
        "conditions": "1. 在迁入地有合法稳定住所，符合迁入地落户条件；\n"
        "2. 户口迁出地在武汉市江夏区（跨域通办合作地区），迁入地在梁子湖区；\n"
        "3. 本人申请；未成年人由监护人申请。",
        "process": process,
        "legal_limit_days": 20,
        "promised_limit_days": 5,
        "handling": "promised",
        "fee_required": False,
        "fee_standard": "不收费",
        "fee_basis": "",
        "result_name": result,
        "result_type": "certificate",
        "result_delivery": "电子送达；纸质证明可到收件地窗口领取",
        "place": "鄂州市梁子湖区政务服务中心跨域通办窗口；或网上申请",
        "hours": _HOURS,
        "consult_phone": "12345（政务服务便民热线）",
        "complaint_phone": "12345（政务服务便民热线）",
        "online_depth": "online_apply",
        "visits": 0,
        "mobile": True,
        "cross_region": "metro",
        "materials": _MATERIALS,
    }


JOINT_MATTERS = [
    _hukou_matter(
        LEAVE,
        "户口迁出（跨区域迁移，迁出地办理）",
        "户口迁出",
        "1. 在迁入地（梁子湖区）网上或窗口提交“户口迁移”一件事申请；\n"
        "2. 迁出地（武汉市江夏区）公安户政部门审核并办理迁出，电子迁移证明经跨域通办"
        "平台签章回传；\n3. 纸质证明需要时送达收件地窗口领取。",
        "户口迁移证明",
    ),
    _hukou_matter(
        ARRIVE,
        "户口迁入（跨区域迁移，迁入地办理）",
        "户口迁入",
        "1. 与户口迁出一并申请；\n2. 梁子湖区公安户政部门审核迁入条件，"
        "收到迁出地回传的迁移证明后办理落户；\n3. 落户后打印户口簿本人页。",
        "准予迁入（居民户口簿本人页）",
    ),
]

JOINT_THEME_DATA = {
    "code": JOINT_THEME,
    "name": "户口迁移",
    "audience": "person",
    "category": "upgrade",
    "lead_department": "LZH-GA",
    "summary": "从武汉市江夏区迁入梁子湖区的户口迁移，一次申请：迁出由江夏区办理、迁入由梁子湖区"
    "办理（多地联办），两地按统一材料、统一时限办理，迁移证明经签章电子回传，无需两地往返。",
    "conditions": "1. 户口在武汉市江夏区，迁入梁子湖区，在梁子湖区有合法稳定住所；\n"
    "2. 本人申请；未成年人由监护人申请。",
    "keywords": "户口迁移 迁户口 落户 多地联办 跨域通办 一圈通办",
    "promised_days": 5,
    "order": 90,
    "status": Theme.Status.PUBLISHED,
    "questions": [],
    "items": [
        {"matter": LEAVE, "condition": {}, "depends_on": [], "note": "迁出地武汉市江夏区办理"},
        {"matter": ARRIVE, "condition": {}, "depends_on": [], "note": "迁入地梁子湖区办理"},
    ],
    "fields": [],
}


def load_joint_demo() -> int:
    """The 多地联办 theme 户口迁移 and its two matters (same codes on both instances, so each
    side's agreement names them); nothing without the demo catalog's 公安 department."""
    if not Department.objects.filter(code="LZH-GA").exists():
        return 0
    with transaction.atomic():
        for data in JOINT_MATTERS:
            matter_upsert(data)
        theme_upsert(JOINT_THEME_DATA)
    return 1


def _materials(matter: Matter) -> list[str]:
    return [m.name for m in matter.materials.all()]


def load_exchange_demo() -> dict[str, int]:
    """Idempotent: the partner region, the agreed matters with their unified elements, and
    (with the demo catalog) the 多地联办 theme 户口迁移 with a step in each region."""
    us = conf.region()
    others = [code for code in REGIONS if code != us]
    if us not in REGIONS or not others:
        return {"跨域通办合作地区": 0, "跨域通办事项": 0}
    themes = load_joint_demo()
    other = others[0]
    name, endpoint = REGIONS[other]
    public_pem = (conf.TEST_KEY_DIR / f"{other}-TEST-public.pem").read_text("ascii")
    partner, _ = Partner.objects.update_or_create(
        code=other,
        defaults={
            "name": name,
            "endpoint": endpoint,
            "public_key_pem": public_pem,
            "scope": "metro",
            "active": True,
        },
    )
    count = 0
    for code, decider, modes, delivery in AGREED:
        matter = Matter.objects.filter(code=code).first()
        if matter is None:
            continue
        AgreedMatter.objects.update_or_create(
            partner=partner,
            code=matter.basic_code,
            decided_by=(
                AgreedMatter.DecidedBy.US if decider == us else AgreedMatter.DecidedBy.PARTNER
            ),
            defaults={
                "name": matter.name,
                "matter": matter,
                "modes": [m for m in modes if m in Mode.values],
                "materials": _materials(matter),
                "promised_days": matter.promised_limit_days,
                "legal_days": matter.legal_limit_days or matter.promised_limit_days,
                "result_name": matter.result_name,
                "delivery": delivery,
            },
        )
        count += 1
    result = {"跨域通办合作地区": 1, "跨域通办事项": count}
    if themes:
        result["多地联办主题"] = themes
    return result
