"""Demo partner: 梁子湖区 (420702) and 武汉市江夏区 (420115, a 武汉都市圈 district) exchange
matters marked 全省通办 / 一圈通办 in the catalog, signed with the public test keys in
docs/exchange/test-keys/. The same loader runs on both instances (`make run`, `make partner`):
it reads our region from the exchange settings and registers the other one."""

from __future__ import annotations

from yishi.catalog.models import Matter
from yishi.exchange import conf
from yishi.exchange.models import AgreedMatter, Mode, Partner

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
]


def _materials(matter: Matter) -> list[str]:
    return [m.name for m in matter.materials.all()]


def load_exchange_demo() -> dict[str, int]:
    """Idempotent: the partner region and the agreed matters with their unified elements."""
    us = conf.region()
    others = [code for code in REGIONS if code != us]
    if us not in REGIONS or not others:
        return {"跨域通办合作地区": 0, "跨域通办事项": 0}
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
    return {"跨域通办合作地区": 1, "跨域通办事项": count}
