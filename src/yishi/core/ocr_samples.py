"""SYNTHETIC 身份证 (front) and 营业执照 images, for the OCR tests and bench/ocr_fields.py.

Drawn with Pillow in the CJK font the PDFs use, laid out like the real documents (labels and
values, addresses wrapped over lines, the licence's two columns), with a seeded amount of
variation: font size, position, background tint, light noise, blur and a rotation of at most
2°. Every person and company is made up; numbers come from yishi.core.synthetic and are
valid by construction.
"""

from __future__ import annotations

import datetime
import functools
import io
import random
from typing import Any

from PIL import Image, ImageDraw, ImageFilter, ImageFont

from yishi.core.synthetic import make_name, make_ric, make_uscc

# Extra given-name characters, so names are 2 or 3 characters and not only make_name's list.
_GIVEN_EXTRA = "志建国文华晓丽红梅海燕春秀英玉兰子涵俊宇思雨欣怡浩然嘉诚佳琪梓萱博文"
_ETHNICITIES = ["汉"] * 8 + ["回", "土家", "苗", "满", "壮"]

_TOWNS = ["太和镇", "东沟镇", "梁子镇", "涂家垴镇", "沼山镇", "梧桐湖新区"]
_VILLAGES = ["万秀村", "东港村", "梁湖村", "高塘村", "沼山村", "胡进村", "石山村", "新桥村"]
_STREETS = ["梁子大道", "东沟大道", "太和街", "涂镇路", "沼山大道", "凤凰路", "湖滨路"]

_SHOP_NAMES = ["梁湖", "鑫盛", "恒达", "润华", "楚天", "惠民", "江南", "兴旺", "瑞丰", "东湖"]
_TRADES = [
    ("农业科技", "农业技术推广服务；蔬菜、水果种植及销售"),
    ("水产养殖", "淡水鱼类、螃蟹养殖及销售；水产品初加工"),
    ("建材贸易", "建筑材料、五金交电批发零售；装饰装修工程施工"),
    ("餐饮管理", "餐饮服务；食品销售；餐饮管理咨询"),
    ("生态旅游", "旅游开发；农家乐经营；会议及展览服务"),
    ("物流运输", "普通货物道路运输；仓储服务；装卸搬运"),
    ("电子商务", "互联网销售；农副产品销售；广告设计与制作"),
]
_COMPANY_TYPES = [
    "有限责任公司（自然人投资或控股）",
    "有限责任公司（自然人独资）",
    "其他有限责任公司",
    "个人独资企业",
]


def _name(rng: random.Random, seq: int) -> str:
    base = make_name(seq)
    if rng.random() < 0.45:
        return base + rng.choice(_GIVEN_EXTRA)
    if rng.random() < 0.4:
        return base[0] + rng.choice(_GIVEN_EXTRA)
    return base


def _address(rng: random.Random, *, long: bool) -> str:
    town = rng.choice(_TOWNS)
    head = "湖北省鄂州市梁子湖区" if long or rng.random() < 0.7 else "鄂州市梁子湖区"
    if rng.random() < 0.5:
        tail = f"{rng.choice(_VILLAGES)}{rng.randint(1, 12)}组{rng.randint(1, 99)}号"
    else:
        tail = f"{rng.choice(_STREETS)}{rng.randint(1, 399)}号"
        if rng.random() < 0.4:
            tail += f"{rng.randint(1, 9)}栋{rng.randint(1, 6)}0{rng.randint(1, 4)}室"
    return f"{head}{town}{tail}"


def synthetic_people(n: int, seed: int = 0) -> list[dict[str, Any]]:
    """`n` made-up residents of 梁子湖区: name, sex (男/女), ethnicity, birth_date, address,
    id_number (its birth date and sex digit agree with the other fields)."""
    rng = random.Random(seed)
    people = []
    for i in range(n):
        sex = rng.choice("MF")
        birth = datetime.date(1950, 1, 1) + datetime.timedelta(days=rng.randrange(26_000))
        people.append(
            {
                "name": _name(rng, seed * 7919 + i),
                "sex": "男" if sex == "M" else "女",
                "ethnicity": rng.choice(_ETHNICITIES),
                "birth_date": birth.isoformat(),
                "address": _address(rng, long=True),
                "id_number": make_ric("420702", birth, seq=rng.randrange(1, 499), sex=sex),
            }
        )
    return people


def _capital(rng: random.Random) -> str:
    amount = rng.choice([10, 30, 50, 100, 200, 300, 500, 800, 1000, 2000])
    return f"{amount}万元人民币"


def synthetic_companies(n: int, seed: int = 0) -> list[dict[str, Any]]:
    """`n` made-up companies of 梁子湖区: name, uscc, legal_representative, type, address,
    registered_capital, established_on, business_scope."""
    rng = random.Random(seed)
    companies = []
    for i in range(n):
        shop = rng.choice(_SHOP_NAMES)
        if rng.random() < 0.5:
            shop += rng.choice(_SHOP_NAMES)[0]
        trade, scope = rng.choice(_TRADES)
        kind = rng.choice(_COMPANY_TYPES)
        prefix = rng.choice(["鄂州市梁子湖区", "鄂州", "湖北"])
        suffix = "有限公司" if "有限" in kind else "店" if rng.random() < 0.3 else "中心"
        established = datetime.date(2000, 1, 1) + datetime.timedelta(days=rng.randrange(9_300))
        companies.append(
            {
                "name": f"{prefix}{shop}{trade}{suffix}",
                "uscc": make_uscc("420702", seq=rng.randrange(10_000_000)),
                "legal_representative": _name(rng, seed * 104_729 + i),
                "type": kind,
                "address": _address(rng, long=rng.random() < 0.5),
                "registered_capital": _capital(rng),
                "established_on": established.isoformat(),
                "business_scope": scope,
            }
        )
    return companies


# ---------------------------------------------------------------- drawing


def _font(size: int) -> ImageFont.FreeTypeFont:
    from yishi.core.pdf import font_spec

    spec = font_spec()
    return _load_font(str(spec.path), spec.face, size)


@functools.cache
def _load_font(path: str, face: int, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size=size, index=face)


def _wrap(text: str, per_line: int) -> list[str]:
    return [text[i : i + per_line] for i in range(0, len(text), per_line)] or [""]


def _finish(image: Image.Image, rng: random.Random) -> bytes:
    """Light blur, sensor noise and a small rotation, as a phone photo of a flat document."""
    import numpy as np

    angle = rng.uniform(-2.0, 2.0)
    background = image.getpixel((2, 2))
    image = image.rotate(
        angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=background
    )
    if rng.random() < 0.5:
        image = image.filter(ImageFilter.GaussianBlur(radius=rng.uniform(0.3, 0.8)))
    pixels = np.asarray(image, dtype=np.int16)
    noise = np.random.default_rng(rng.randrange(2**32)).normal(
        0, rng.uniform(4, 9), size=(*pixels.shape[:2], 1)
    )
    pixels = np.clip(pixels + noise.astype(np.int16), 0, 255).astype(np.uint8)
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, format="PNG", compress_level=1)
    return out.getvalue()


def _tint(rng: random.Random, base: tuple[int, int, int]) -> tuple[int, int, int]:
    return tuple(max(0, min(255, c + rng.randint(-12, 8))) for c in base)  # type: ignore[return-value]


def _spaced(label: str, rng: random.Random) -> str:
    """Licence labels are printed letter-spaced ("名　　称"); how wide varies by template."""
    if len(label) >= 4:
        return label
    gap = rng.choice(["", " ", "\u3000"]) if len(label) == 2 else rng.choice(["", " "])
    return gap.join(label)


def render_id_card(person: dict[str, Any], seed: int = 0) -> bytes:
    """The front of a 居民身份证 for `person` (as synthetic_people makes), as PNG bytes."""
    rng = random.Random(seed)
    scale = rng.uniform(1.0, 1.25)
    width, height = int(856 * scale), int(540 * scale)
    image = Image.new("RGB", (width, height), _tint(rng, (236, 240, 244)))
    draw = ImageDraw.Draw(image)
    # The card's pale pattern and the photo panel.
    for y in range(0, height, int(18 * scale)):
        draw.line([(0, y), (width, y + int(40 * scale))], fill=_tint(rng, (226, 232, 238)))
    px, py = int(600 * scale), int(70 * scale)
    draw.rectangle([px, py, px + int(210 * scale), py + int(260 * scale)], fill=(214, 222, 230))
    draw.ellipse(
        [px + int(60 * scale), py + int(40 * scale), px + int(150 * scale), py + int(150 * scale)],
        fill=(170, 180, 190),
    )

    label_size = int(rng.randint(22, 25) * scale)
    value_size = int(rng.randint(27, 31) * scale)
    label_font, value_font = _font(label_size), _font(value_size)
    label_colour, value_colour = (40, 110, 170), (20, 20, 20)
    x0 = int((60 + rng.randint(-8, 12)) * scale)
    xv = x0 + int(100 * scale)
    y = int((60 + rng.randint(-8, 12)) * scale)
    line = int(rng.randint(58, 64) * scale)

    def row(label: str, value: str, at_y: int, x_label: int = x0, x_value: int = xv) -> None:
        ly = at_y + (value_size - label_size) // 2
        draw.text((x_label, ly), label, font=label_font, fill=label_colour)
        draw.text((x_value, at_y), value, font=value_font, fill=value_colour)

    row("姓名", person["name"], y)
    y += line
    row("性别", person["sex"], y)
    row(
        "民族", person["ethnicity"], y, x_label=xv + int(120 * scale), x_value=xv + int(220 * scale)
    )
    y += line
    birth = datetime.date.fromisoformat(person["birth_date"])
    ly = y + (value_size - label_size) // 2
    draw.text((x0, ly), "出生", font=label_font, fill=label_colour)
    bx = xv
    for value, unit, gap in (
        (birth.year, "年", 85),
        (birth.month, "月", 50),
        (birth.day, "日", 50),
    ):
        draw.text((bx, y), str(value), font=value_font, fill=value_colour)
        bx += int(gap * scale) if unit != "年" else int(gap * scale)
        draw.text((bx, ly), unit, font=label_font, fill=value_colour)
        bx += int(40 * scale)
    y += line
    per_line = 11
    lines = _wrap(person["address"], per_line)
    row("住址", lines[0], y)
    for extra in lines[1:]:
        y += int(value_size * 1.35)
        draw.text((xv, y), extra, font=value_font, fill=value_colour)
    y = max(y + line, int(420 * scale))
    id_font = _font(int(rng.randint(31, 35) * scale))
    draw.text((x0, y + int(6 * scale)), "公民身份号码", font=label_font, fill=label_colour)
    draw.text((x0 + int(200 * scale), y), person["id_number"], font=id_font, fill=value_colour)
    return _finish(image, rng)


def render_business_licence(company: dict[str, Any], seed: int = 0) -> bytes:
    """A 营业执照 (正本, 2019 layout) for `company` (as synthetic_companies makes), as PNG."""
    rng = random.Random(seed)
    scale = rng.uniform(0.95, 1.1)
    width, height = int(1400 * scale), int(1000 * scale)
    image = Image.new("RGB", (width, height), _tint(rng, (250, 246, 238)))
    draw = ImageDraw.Draw(image)
    border = (190, 60, 50)
    m = int(24 * scale)
    draw.rectangle([m, m, width - m, height - m], outline=border, width=int(6 * scale))
    draw.rectangle(
        [m + 12, m + 12, width - m - 12, height - m - 12], outline=border, width=int(2 * scale)
    )
    # National emblem placeholder.
    cx = width // 2
    draw.ellipse([cx - 45, int(50 * scale), cx + 45, int(140 * scale)], fill=(220, 170, 60))

    title_font = _font(int(72 * scale))
    draw.text(
        (cx - int(160 * scale), int(150 * scale)), "营业执照", font=title_font, fill=(20, 20, 20)
    )
    small = _font(int(rng.randint(21, 24) * scale))
    code_font = _font(int(rng.randint(25, 28) * scale))
    top = int((120 + rng.randint(-6, 6)) * scale)
    draw.text((int(80 * scale), top), "统一社会信用代码", font=small, fill=(20, 20, 20))
    draw.text(
        (int(80 * scale), top + int(36 * scale)), company["uscc"], font=code_font, fill=(20, 20, 20)
    )
    # QR code placeholder at the top right.
    qx = width - int(230 * scale)
    draw.rectangle(
        [qx, int(80 * scale), qx + int(120 * scale), int(200 * scale)], fill=(40, 40, 40)
    )

    label_size = int(rng.randint(24, 27) * scale)
    value_size = int(rng.randint(24, 27) * scale)
    label_font, value_font = _font(label_size), _font(value_size)
    colour = (20, 20, 20)
    line = int(rng.randint(60, 66) * scale)
    individual = company["type"] == "个体工商户"
    left_x = int((90 + rng.randint(-8, 8)) * scale)
    right_x = int((760 + rng.randint(-8, 8)) * scale)
    value_dx = int(170 * scale)
    y_start = int((300 + rng.randint(-8, 10)) * scale)

    def column(x: int, rows: list[tuple[str, str, int]]) -> None:
        y = y_start
        for label, value, per_line in rows:
            draw.text((x, y), _spaced(label, rng), font=label_font, fill=colour)
            for i, part in enumerate(_wrap(value, per_line)):
                draw.text(
                    (x + value_dx, y + i * int(value_size * 1.4)),
                    part,
                    font=value_font,
                    fill=colour,
                )
            y += line + (len(_wrap(value, per_line)) - 1) * int(value_size * 1.4)

    column(
        left_x,
        [
            ("名称", company["name"], 16),
            ("类型", company["type"], 16),
            ("经营者" if individual else "法定代表人", company["legal_representative"], 16),
            ("经营范围", company.get("business_scope", ""), 15),
        ],
    )
    right_rows = [("注册资本", company["registered_capital"], 16)] if not individual else []
    right_rows += [
        ("注册日期" if individual else "成立日期", _cn_date(company["established_on"]), 16),
        ("营业期限", _cn_date(company["established_on"]) + "至长期", 16),
        ("经营场所" if individual else "住所", company["address"], 14),
    ]
    column(right_x, right_rows)

    # The registration authority and the date, bottom right, with a seal outline.
    reg = _font(int(24 * scale))
    bottom = height - int(170 * scale)
    draw.text((right_x + int(120 * scale), bottom), "登记机关", font=reg, fill=colour)
    draw.ellipse(
        [right_x + int(260 * scale), bottom - int(60 * scale), right_x + int(420 * scale),
         bottom + int(100 * scale)],
        outline=(210, 60, 50), width=int(4 * scale),
    )  # fmt: skip
    issued = datetime.date.fromisoformat(company["established_on"]) + datetime.timedelta(days=3)
    draw.text(
        (right_x + int(120 * scale), bottom + int(60 * scale)),
        _cn_date(issued.isoformat()),
        font=reg,
        fill=colour,
    )
    return _finish(image, rng)


def _cn_date(iso: str) -> str:
    day = datetime.date.fromisoformat(iso)
    return f"{day.year}年{day.month:02d}月{day.day:02d}日"
