"""Validation of the national identifiers the platform takes as input.

- 居民身份证号 (GB 11643) through `stdnum.cn.ric`
- 统一社会信用代码 (GB 32100) through `stdnum.cn.uscc`
- mainland mobile numbers
- GB/T 2260 region codes (format only: whether a region exists is the catalog's business)

Each validator returns a small frozen dataclass with the normalised value and what the value
tells (birth date, sex, region …), or raises `ValidationFailed` with a Chinese message that
names the field's Chinese label and says exactly what is wrong.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from django.utils import timezone
from stdnum.cn import ric, uscc
from stdnum.exceptions import (
    InvalidChecksum,
    InvalidComponent,
    InvalidFormat,
    InvalidLength,
    ValidationError,
)
from stdnum.util import isdigits

from yishi.core.errors import ValidationFailed

# The 34 provincial-level codes of GB/T 2260 (incl. 台湾 71, 香港 81, 澳门 82).
PROVINCES: dict[str, str] = {
    "11": "北京市",
    "12": "天津市",
    "13": "河北省",
    "14": "山西省",
    "15": "内蒙古自治区",
    "21": "辽宁省",
    "22": "吉林省",
    "23": "黑龙江省",
    "31": "上海市",
    "32": "江苏省",
    "33": "浙江省",
    "34": "安徽省",
    "35": "福建省",
    "36": "江西省",
    "37": "山东省",
    "41": "河南省",
    "42": "湖北省",
    "43": "湖南省",
    "44": "广东省",
    "45": "广西壮族自治区",
    "46": "海南省",
    "50": "重庆市",
    "51": "四川省",
    "52": "贵州省",
    "53": "云南省",
    "54": "西藏自治区",
    "61": "陕西省",
    "62": "甘肃省",
    "63": "青海省",
    "64": "宁夏回族自治区",
    "65": "新疆维吾尔自治区",
    "71": "台湾省",
    "81": "香港特别行政区",
    "82": "澳门特别行政区",
}

RIC_LABEL = "居民身份证号"
USCC_LABEL = "统一社会信用代码"
MOBILE_LABEL = "手机号码"
REGION_LABEL = "行政区划代码"

# GB 32100 code alphabet: digits and capitals without I, O, Z, S, V.
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_FORBIDDEN_LETTERS = "IOZSV"

_SEPARATORS = str.maketrans("", "", " \t\u3000-")
_FULLWIDTH = str.maketrans(
    "０１２３４５６７８９ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺｘ",
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZx",
)
_MOBILE_RE = re.compile(r"1[3-9]\d{9}")


def clean_identifier(value: object) -> str:
    """Strip separators and fold full-width characters (people type ID numbers on phones)."""
    text = "" if value is None else str(value)
    return text.translate(_FULLWIDTH).translate(_SEPARATORS).strip().upper()


def _fail(message: str, field: str) -> ValidationFailed:
    return ValidationFailed(message, field=field)


def _position_list(positions: list[int]) -> str:
    return "、".join(f"第{p}位" for p in positions)


# ---------------------------------------------------------------- 居民身份证号 (GB 11643)


@dataclass(frozen=True)
class RicInfo:
    """A valid 居民身份证号 and what it encodes."""

    number: str
    birth_date: datetime.date
    sex: str  # "M" / "F" (the 17th digit: odd = male)
    region_code: str  # the 6-digit address code
    province: str


def _ric_structure(number: str) -> None:
    """stdnum's `ric.validate` up to the check digit: length, digits, check digit. Not its
    county lookup: the birth date and the address code are judged by `validate_ric` itself
    (the lookup also failed with KeyError on a prefix without counties in stdnum 2.2's
    table, 71 台湾, and cost as much as the rest of the validation)."""
    if len(number) != 18:
        raise InvalidLength()
    if not isdigits(number[:-1]):
        raise InvalidFormat()
    if number[-1] != ric.calc_check_digit(number):
        raise InvalidChecksum()


def validate_ric(value: object, field: str = "id_number") -> RicInfo:
    """Validate a 18-digit 居民身份证号; raise ValidationFailed naming `field` otherwise.

    The address code is checked only for its province: stdnum's county table is keyed by the
    birth year, which would refuse real residents of 梁子湖区 (420702, created 1987) born
    earlier, whose address code is where they first registered rather than where they were
    born.
    """
    number = clean_identifier(value)
    if not number:
        raise _fail(f"{RIC_LABEL}不能为空", field)
    try:
        _ric_structure(number)
    except InvalidLength:
        raise _fail(f"{RIC_LABEL}应为18位，实际为{len(number)}位", field) from None
    except InvalidFormat:
        bad = [i + 1 for i, c in enumerate(number[:17]) if not c.isdigit()]
        raise _fail(f"{RIC_LABEL}前17位只能是数字，{_position_list(bad)}不是数字", field) from None
    except InvalidChecksum:
        if not (number[17].isdigit() or number[17] == "X"):
            raise _fail(f"{RIC_LABEL}第18位（校验位）只能是数字或X", field) from None
        raise _fail(f"{RIC_LABEL}校验位错误", field) from None

    try:
        birth = ric.get_birth_date(number)
    except InvalidComponent:
        raise _fail(
            f"{RIC_LABEL}中的出生日期{number[6:10]}-{number[10:12]}-{number[12:14]}不是有效日期",
            field,
        ) from None
    if birth > timezone.localdate():
        raise _fail(f"{RIC_LABEL}中的出生日期{birth.isoformat()}晚于今天", field)
    if birth.year < 1900:
        raise _fail(f"{RIC_LABEL}中的出生日期{birth.isoformat()}早于1900年", field)
    province = PROVINCES.get(number[:2])
    if province is None:
        raise _fail(f"{RIC_LABEL}前两位“{number[:2]}”不是有效的省级行政区划代码", field)
    return RicInfo(
        number=number,
        birth_date=birth,
        sex="M" if int(number[16]) % 2 else "F",
        region_code=number[:6],
        province=province,
    )


# ---------------------------------------------------------------- 统一社会信用代码 (GB 32100)


@dataclass(frozen=True)
class UsccInfo:
    """A valid 统一社会信用代码 and its parts."""

    code: str
    authority: str  # 登记管理部门代码 (1st character)
    entity_type: str  # 机构类别代码 (2nd character)
    region_code: str  # 登记管理机关行政区划码 (3rd–8th)
    organisation_code: str  # 主体标识码 (9th–17th, the former 组织机构代码)


def _uscc_checked(code: str, field: str) -> str:
    if code[-1] != uscc.calc_check_digit(code):
        raise _fail(f"{USCC_LABEL}校验位错误", field)
    return code


def validate_uscc(value: object, field: str = "credit_code") -> UsccInfo:
    """Validate an 18-character 统一社会信用代码; raise ValidationFailed naming `field`."""
    code = clean_identifier(value)
    if not code:
        raise _fail(f"{USCC_LABEL}不能为空", field)
    try:
        uscc.validate(code)
    except InvalidLength:
        raise _fail(f"{USCC_LABEL}应为18位，实际为{len(code)}位", field) from None
    except InvalidFormat:
        forbidden = [(i + 1, c) for i, c in enumerate(code) if c in USCC_FORBIDDEN_LETTERS]
        if forbidden:
            where = "、".join(f"第{p}位“{c}”" for p, c in forbidden)
            raise _fail(f"{USCC_LABEL}不能包含字母I、O、Z、S、V，{where}不允许", field) from None
        illegal = [(i + 1, c) for i, c in enumerate(code) if c not in USCC_ALPHABET]
        if illegal:
            where = "、".join(f"第{p}位“{c}”" for p, c in illegal)
            raise _fail(f"{USCC_LABEL}只能由数字和大写字母组成，{where}不允许", field) from None
        if not code[2:8].isdigit():
            raise _fail(f"{USCC_LABEL}第3至8位（登记管理机关行政区划码）应为数字", field) from None
        # GB 32100 also allows letters as 登记管理部门代码/机构类别代码 (e.g. N for
        # 农业农村部门-registered 农村集体经济组织, Y for others), which stdnum refuses:
        # the check character decides.
        _uscc_checked(code, field)
    except InvalidChecksum:
        raise _fail(f"{USCC_LABEL}校验位错误", field) from None
    except ValidationError:  # pragma: no cover - stdnum raises only the subclasses above
        raise _fail(f"{USCC_LABEL}格式不正确", field) from None
    return UsccInfo(
        code=code,
        authority=code[0],
        entity_type=code[1],
        region_code=code[2:8],
        organisation_code=code[8:17],
    )


# ---------------------------------------------------------------- mobile


@dataclass(frozen=True)
class MobileInfo:
    number: str


def validate_mobile(value: object, field: str = "phone") -> MobileInfo:
    """A mainland mobile number: 11 digits starting 13–19; a +86/0086 prefix is dropped."""
    number = clean_identifier(value).removeprefix("+")
    if not number:
        raise _fail(f"{MOBILE_LABEL}不能为空", field)
    if len(number) == 13 and number.startswith("86"):
        number = number[2:]
    elif len(number) == 15 and number.startswith("0086"):
        number = number[4:]
    if not number.isdigit():
        raise _fail(f"{MOBILE_LABEL}只能包含数字", field)
    if len(number) != 11:
        raise _fail(f"{MOBILE_LABEL}应为11位，实际为{len(number)}位", field)
    if not _MOBILE_RE.fullmatch(number):
        raise _fail(f"{MOBILE_LABEL}应以13至19开头，“{number[:2]}”开头的不是手机号码", field)
    return MobileInfo(number=number)


# ---------------------------------------------------------------- GB/T 2260 region codes


@dataclass(frozen=True)
class RegionCodeInfo:
    code: str
    province_code: str
    province: str
    level: int  # 1 省级, 2 市级, 3 县级, 4 乡级, 5 村级 (as catalog.RegionLevel)


def _region_level(code: str) -> int:
    if len(code) == 12:
        if code[9:] != "000":
            return 5
        code = code[:9]
    if len(code) == 9:
        if code[6:] != "000":
            return 4
        code = code[:6]
    if code[2:] == "0000":
        return 1
    if code[4:] == "00":
        return 2
    return 3


def validate_region_code(value: object, field: str = "region_code") -> RegionCodeInfo:
    """Check the format of a GB/T 2260 code (6 digits, or 9/12 for 统计用区划代码)."""
    code = clean_identifier(value)
    if not code:
        raise _fail(f"{REGION_LABEL}不能为空", field)
    if not code.isdigit():
        raise _fail(f"{REGION_LABEL}只能包含数字", field)
    if len(code) not in (6, 9, 12):
        raise _fail(f"{REGION_LABEL}应为6位、9位或12位数字，实际为{len(code)}位", field)
    province = PROVINCES.get(code[:2])
    if province is None:
        raise _fail(f"{REGION_LABEL}前两位“{code[:2]}”不是有效的省级行政区划代码", field)
    return RegionCodeInfo(
        code=code, province_code=code[:2], province=province, level=_region_level(code)
    )
