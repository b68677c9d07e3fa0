"""SYNTHETIC identifiers with valid check digits, for tests, demo data and benchmarks.

Never put a real person's or company's number in the repository: these generators build
numbers from a sequence, so they are valid by construction and belong to nobody we know of.
Names come from a small fixed list for the same reason.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Iterator

from stdnum.cn import ric, uscc

DEFAULT_REGION = "420702"  # 梁子湖区
DEFAULT_BIRTH = datetime.date(1990, 1, 1)

_SURNAMES = "张王李赵刘陈杨黄周吴徐孙胡朱高林何郭马罗"
_GIVEN = ["伟", "芳", "娜", "敏", "静", "强", "磊", "洋", "艳", "勇", "军", "杰", "娟", "涛", "明"]


def make_ric(
    region_code: str = DEFAULT_REGION,
    birth: datetime.date = DEFAULT_BIRTH,
    seq: int = 1,
    sex: str | None = None,
) -> str:
    """A 居民身份证号 for `region_code`, `birth` and order number `seq` (1–499 gives a distinct
    number per sex). `sex` "M"/"F" forces the parity of the order code; None keeps `seq`'s."""
    if len(region_code) != 6 or not region_code.isdigit():
        raise ValueError("region_code must be 6 digits")
    order = seq % 1000
    if sex is not None:
        if sex not in ("M", "F"):
            raise ValueError("sex must be 'M', 'F' or None")
        # odd order codes are men's, even ones women's; 000 is never issued
        order = (seq % 500) * 2 + 1 if sex == "M" else (seq % 499 + 1) * 2
    body = f"{region_code}{birth:%Y%m%d}{order:03d}"
    return body + ric.calc_check_digit(body + "0")


def make_uscc(
    region_code: str = DEFAULT_REGION,
    seq: int = 1,
    authority: str = "9",
    entity_type: str = "1",
) -> str:
    """A 统一社会信用代码: 91 (工商, 企业) by default, 420702 region, organisation code from
    `seq` (the 9-digit 主体标识码 is written as "MA" + 7 digits like newly issued ones)."""
    if len(region_code) != 6 or not region_code.isdigit():
        raise ValueError("region_code must be 6 digits")
    org = f"MA{seq % 10_000_000:07d}"
    body = f"{authority}{entity_type}{region_code}{org}"
    return body + uscc.calc_check_digit(body)


def make_mobile(seq: int = 1) -> str:
    """A mobile number in 199 0000 xxxx, a range kept for synthetic data here."""
    return f"1990000{seq % 10_000:04d}"


def make_name(seq: int) -> str:
    return _SURNAMES[seq % len(_SURNAMES)] + _GIVEN[(seq // len(_SURNAMES)) % len(_GIVEN)]


def iter_persons(
    count: int, *, region_code: str = DEFAULT_REGION, seed: int = 0
) -> Iterator[dict[str, object]]:
    """`count` distinct synthetic persons (name, id_number, phone, birth_date, sex) for demo
    data and benchmarks; deterministic for a given seed."""
    rng = random.Random(seed)
    seen: set[str] = set()
    n = 0
    while len(seen) < count:
        n += 1
        birth = DEFAULT_BIRTH.replace(year=1950) + datetime.timedelta(days=rng.randrange(25_000))
        sex = "M" if n % 2 else "F"
        number = make_ric(region_code, birth, seq=rng.randrange(500), sex=sex)
        if number in seen:
            continue
        seen.add(number)
        yield {
            "name": make_name(n),
            "id_number": number,
            "phone": make_mobile(n),
            "birth_date": birth,
            "sex": sex,
        }


def ric_with_check_digit(first17: str) -> str:
    """Append the right check digit to any 17 digits: lets tests build numbers whose only
    fault is elsewhere (a 13th month, a future birth date, an unknown province)."""
    return first17 + ric.calc_check_digit(first17 + "0")


def uscc_with_check_char(first17: str) -> str:
    """Append the right check character to any 17 GB 32100 characters."""
    return first17 + uscc.calc_check_digit(first17)
