"""SYNTHETIC, deliberately hard photographs of 身份证 fronts and 营业执照, for measuring OCR.

The easy set (yishi.core.ocr_samples) draws flat scans in one font. This one imitates phone
photos of the real documents: 身份证 fronts on a patterned card with rounded corners, and
营业执照 正本 (landscape, two columns), 副本 (portrait, one column), 个体工商户 and 合伙企业
licences with their own labels (经营者 / 执行事务合伙人, 出资额, 组成形式, 经营场所 ...), labels
letter-spaced like the printed forms ("名　　称"), a QR-like block, footers and a red seal that
overlaps the issue date.

Seeded variation per image: one of six CJK typefaces (黑体, 明体/宋体, 楷体 styles), rotation
within ±5°, a mild perspective warp, a desk-like background, a drop shadow, a cast shadow or
an uneven lighting gradient, blur, sensor noise, a colour cast, JPEG quality 50–80, photo
long side 1200–2000 px; about 15 % of images carry a rare character (喆 堃 塆 垸 ...) in a
name or an address. Everything applied is listed in `HardCase.notes`.

Every person, company and number is made up; 身份证号 and 统一社会信用代码 carry valid check
characters. The text always stays legible to a person: the smallest field text is kept at
18 px or more in the final image and no degradation is strong enough to hide it.
"""

from __future__ import annotations

import datetime
import functools
import io
import math
import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

from yishi.core.ocr_samples import _ETHNICITIES, _SHOP_NAMES, _TRADES, _address, _name
from yishi.core.synthetic import make_ric, uscc_with_check_char

VARIANTS = ("id_front", "company_original", "company_copy", "individual", "partnership")

RARE_NAME_CHARS = "喆堃犇淼翀玥珺祎彧昇燚嫣婧"
RARE_PLACE_CHARS = "塆垸垴澴沄"
RARE_CHARS = frozenset(RARE_NAME_CHARS + RARE_PLACE_CHARS)

ID_FIELDS = ("name", "sex", "ethnicity", "birth_date", "address", "id_number")
LICENCE_FIELDS = (
    "name",
    "uscc",
    "legal_representative",
    "type",
    "address",
    "established_on",
    "business_scope",
)


@dataclass(frozen=True)
class HardCase:
    document: str  # "id_card" or "business_licence"
    variant: str  # one of VARIANTS
    image: bytes  # JPEG
    truth: dict[str, str]
    font: str  # typeface name
    notes: tuple[str, ...]


# ---------------------------------------------------------------- fonts


@dataclass(frozen=True)
class _Face:
    path: str
    index: int
    name: str


_FACES = (
    _Face("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0, "WenQuanYi Zen Hei"),
    _Face("/usr/share/fonts/truetype/arphic/uming.ttc", 0, "AR PL UMing CN"),
    _Face("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2, "Noto Sans CJK SC"),
    _Face("/usr/share/fonts/truetype/arphic/ukai.ttc", 0, "AR PL UKai CN"),
    _Face("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0, "WenQuanYi Micro Hei"),
    _Face("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", 2, "Noto Serif CJK SC"),
)


@functools.cache
def _faces() -> tuple[_Face, ...]:
    """The typefaces, checked once: a missing file or an unexpected face is an error (the
    tests must not pass by quietly drawing everything in one font)."""
    for face in _FACES:
        if not Path(face.path).is_file():
            raise RuntimeError("CJK fonts missing: run make fonts")
        actual = ImageFont.truetype(face.path, size=12, index=face.index).getname()[0]
        if actual != face.name:
            raise RuntimeError(f"CJK fonts missing: run make fonts ({face.path}: {actual})")
    return _FACES


@functools.cache
def _coverage(face: _Face) -> frozenset[int]:
    from fontTools.ttLib import TTFont

    font = TTFont(face.path, fontNumber=face.index, lazy=True)
    return frozenset(font["cmap"].getBestCmap())


@functools.cache
def _font(face: _Face, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(face.path, size=max(8, size), index=face.index)


class _MissingGlyph(Exception):
    pass


class _Pen:
    """Draws text in one face, refusing any character the face has no glyph for."""

    def __init__(self, image: Image.Image, face: _Face, ink: tuple[int, int, int]) -> None:
        self.draw = ImageDraw.Draw(image)
        self.face = face
        self.ink = ink
        self.cmap = _coverage(face)

    def font(self, size: float) -> ImageFont.FreeTypeFont:
        return _font(self.face, round(size))

    def check(self, text: str) -> None:
        missing = [c for c in text if ord(c) not in self.cmap and not c.isspace()]
        if missing:
            raise _MissingGlyph("".join(missing))

    def width(self, text: str, size: float, tracking: float = 0.0) -> float:
        font = self.font(size)
        return sum(font.getlength(c) for c in text) + tracking * size * max(0, len(text) - 1)

    def text(
        self,
        xy: tuple[float, float],
        text: str,
        size: float,
        fill: tuple[int, int, int] | None = None,
        tracking: float = 0.0,
        stroke: int = 0,
        anchor: str = "ls",
    ) -> float:
        """Draw `text` with its baseline at xy[1] (by default); letter-spaced by `tracking`
        ems. Returns the x after the text."""
        self.check(text)
        font = self.font(size)
        fill = fill or self.ink
        x, y = xy
        if not tracking:
            self.draw.text((x, y), text, font=font, fill=fill, anchor=anchor, stroke_width=stroke,
                           stroke_fill=fill)  # fmt: skip
            return x + font.getlength(text)
        for ch in text:
            self.draw.text((x, y), ch, font=font, fill=fill, anchor=anchor, stroke_width=stroke,
                           stroke_fill=fill)  # fmt: skip
            x += font.getlength(ch) + tracking * size
        return x - tracking * size


_NO_LINE_START = set("，。；、：）》”’,.;:)")


def _wrap(pen: _Pen, text: str, size: float, width: float) -> list[str]:
    """Break `text` into lines no wider than `width` (Chinese breaks anywhere, but a line
    never starts with closing punctuation)."""
    font = pen.font(size)
    lines: list[str] = []
    current = ""
    for ch in text:
        if current and font.getlength(current + ch) > width and ch not in _NO_LINE_START:
            lines.append(current)
            current = ch
        else:
            current += ch
    lines.append(current)
    return lines


# ---------------------------------------------------------------- made-up data

_COMPOUND_SURNAMES = ["欧阳", "司马", "上官", "诸葛"]
_SURNAMES = "张王李赵刘陈杨黄周吴徐孙胡朱高林何郭马罗涂梁邓余"
_COMMON_GIVEN = "子思雨浩文佳欣晓俊宇明红华丽"
_MORE_ETHNICITIES = ["侗", "瑶", "蒙古", "彝", "布依", "维吾尔"]
_RARE_PLACES = [
    ("village", "何家塆"),
    ("village", "李家塆"),
    ("village", "新垸村"),
    ("village", "大垸村"),
    ("village", "澴水村"),
    ("village", "沄湖村"),
    ("town", "涂家垴镇"),
]
_SAFE_TOWNS = ["太和镇", "东沟镇", "梁子镇", "沼山镇", "梧桐湖新区"]
_SAFE_VILLAGES = ["万秀村", "东港村", "梁湖村", "高塘村", "胡进村", "石山村", "新桥村"]
_RARE_SHOPS = ["淼鑫", "犇腾", "燚旺", "堃泰", "喆誉"]
_REGIONS = ["420702", "420703", "420704"]
_SCOPE_EXTRAS = [
    "日用百货销售",
    "预包装食品销售",
    "农副产品销售",
    "五金产品零售",
    "信息技术咨询服务",
    "园林绿化工程施工",
    "苗木花卉种植",
    "农业机械服务",
    "劳务服务（不含劳务派遣）",
    "仓储服务（不含危险化学品）",
    "互联网销售（除销售需要许可的商品）",
    "广告设计、代理",
    "家禽饲养",
    "保洁服务",
    "针纺织品销售",
    "会议及展览服务",
]
_APPROVAL = "（依法须经批准的项目，经相关部门批准后方可开展经营活动）"
_COMPANY_KINDS = [
    "有限责任公司（自然人投资或控股）",
    "有限责任公司（自然人独资）",
    "其他有限责任公司",
    "有限责任公司（非自然人投资或控股的法人独资）",
    "股份有限公司（非上市、自然人投资或控股）",
]
_SHOP_KINDS = ["便利店", "农家乐", "水产养殖场", "建材经营部", "餐馆", "种植专业户", "五金店"]
_AUTHORITIES = [
    "鄂州市梁子湖区市场监督管理局",
    "鄂州市市场监督管理局",
    "鄂州市华容区市场监督管理局",
    "鄂州市鄂城区市场监督管理局",
]
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def _person_name(rng: random.Random, rare: bool) -> str:
    if rare:
        surname = rng.choice(_SURNAMES)
        chars = RARE_NAME_CHARS
        pattern = rng.choice(["r", "rr", "cr", "rc"])
        given = "".join(
            rng.choice(chars) if p == "r" else rng.choice(_COMMON_GIVEN) for p in pattern
        )
        return surname + given
    if rng.random() < 0.05:
        return rng.choice(_COMPOUND_SURNAMES) + rng.choice(_COMMON_GIVEN) + rng.choice("伟芳杰敏")
    return _name(rng, rng.randrange(1_000_000))


def _plain_address(rng: random.Random) -> str:
    """An address of ocr_samples' kind without any rare character (its towns include 涂家垴镇)."""
    while True:
        address = _address(rng, long=rng.random() < 0.6)
        if not RARE_CHARS & set(address):
            if rng.random() < 0.25:  # a longer one, so that it wraps over three lines
                address += f"{rng.randint(1, 6)}单元{rng.randint(1, 18)}0{rng.randint(1, 4)}室"
            return address


def _rare_address(rng: random.Random) -> str:
    kind, place = rng.choice(_RARE_PLACES)
    head = rng.choice(["湖北省鄂州市梁子湖区", "鄂州市梁子湖区", "湖北省鄂州市华容区"])
    if kind == "town":
        return (
            f"{head}{place}{rng.choice(_SAFE_VILLAGES)}{rng.randint(1, 12)}组{rng.randint(1, 99)}号"
        )
    town = rng.choice(_SAFE_TOWNS)
    if place.endswith("塆"):
        return f"{head}{town}{rng.choice(_SAFE_VILLAGES)}{place}{rng.randint(1, 60)}号"
    return f"{head}{town}{place}{rng.randint(1, 12)}组{rng.randint(1, 99)}号"


def _person(rng: random.Random, rare: bool) -> dict[str, str]:
    sex = rng.choice("MF")
    birth = datetime.date(1950, 1, 1) + datetime.timedelta(days=rng.randrange(20_000))
    rare_in_name = rare and rng.random() < 0.55
    ethnicities = _ETHNICITIES + _MORE_ETHNICITIES
    return {
        "name": _person_name(rng, rare_in_name),
        "sex": "男" if sex == "M" else "女",
        "ethnicity": rng.choice(ethnicities),
        "birth_date": birth.isoformat(),
        "address": _rare_address(rng) if rare and not rare_in_name else _plain_address(rng),
        "id_number": make_ric(rng.choice(_REGIONS), birth, seq=rng.randrange(1, 499), sex=sex),
    }


def _uscc(rng: random.Random, entity_type: str) -> str:
    """A 统一社会信用代码 with a GB 11714-checked organisation code ("MA" + 6 + check)."""
    body = "MA" + "".join(rng.choice(_USCC_ALPHABET) for _ in range(6))
    values = [int(c) if c.isdigit() else ord(c) - 55 for c in body]
    check = 11 - sum(v * w for v, w in zip(values, (3, 7, 9, 10, 5, 8, 4, 2), strict=True)) % 11
    org = body + ("X" if check == 10 else "0" if check == 11 else str(check))
    return uscc_with_check_char(f"9{entity_type}{rng.choice(_REGIONS)}{org}")


def _scope(rng: random.Random, trade_scope: str, budget: int, structured: bool) -> str:
    """经营范围 of at most about `budget` characters, as a licence prints it."""
    items = trade_scope.split("；")
    extras = [e for e in rng.sample(_SCOPE_EXTRAS, k=len(_SCOPE_EXTRAS)) if e not in items]
    while extras and sum(len(i) + 1 for i in items) + len(extras[0]) < budget * 0.6:
        items.append(extras.pop())
    if structured and budget >= 90:
        cut = max(1, len(items) // 2)
        text = f"许可项目：{'；'.join(items[:cut])}。一般项目：{'；'.join(items[cut:])}。"
    else:
        text = "；".join(items) + "。"
    if len(text) + len(_APPROVAL) <= budget and rng.random() < 0.7:
        text += _APPROVAL
    return text


def _company(rng: random.Random, variant: str, rare: bool, budget: int) -> dict[str, str]:
    shop = rng.choice(_SHOP_NAMES)
    if rng.random() < 0.5:
        shop += rng.choice(_SHOP_NAMES)[0]
    rare_where = rng.choice(["name", "person", "address"]) if rare else ""
    if rare_where == "name":
        shop = rng.choice(_RARE_SHOPS)
    trade, trade_scope = rng.choice(_TRADES)
    prefix = rng.choice(["鄂州市梁子湖区", "鄂州市", "湖北", "鄂州"])
    established = datetime.date(2003, 1, 1) + datetime.timedelta(days=rng.randrange(8_000))
    truth: dict[str, str] = {}
    if variant == "individual":
        truth["name"] = f"{prefix}{shop}{rng.choice(_SHOP_KINDS)}"
        kind = "个体工商户"
        entity = "2"
    elif variant == "partnership":
        kind = rng.choice(["普通合伙企业", "有限合伙企业"])
        tail = "（普通合伙）" if kind == "普通合伙企业" else "（有限合伙）"
        truth["name"] = f"{prefix}{shop}{trade}合伙企业{tail}"
        entity = "1"
    else:
        kind = rng.choice(_COMPANY_KINDS)
        suffix = "股份有限公司" if kind.startswith("股份") else "有限公司"
        truth["name"] = f"{prefix}{shop}{trade}{suffix}"
        entity = "1"
    truth["uscc"] = _uscc(rng, entity)
    truth["legal_representative"] = _person_name(rng, rare_where == "person")
    truth["type"] = kind
    truth["address"] = _rare_address(rng) if rare_where == "address" else _plain_address(rng)
    if variant == "individual":
        truth["composition"] = rng.choice(["个人经营", "家庭经营"])
    else:
        amounts = [10, 20, 50, 100, 300] if variant == "partnership" else [
            10, 30, 50, 100, 200, 300, 500, 800, 1000, 2000, 5000]  # fmt: skip
        truth["registered_capital"] = f"{rng.choice(amounts)}万元人民币"
    truth["established_on"] = established.isoformat()
    budget = budget if variant != "individual" else min(budget, 70)
    truth["business_scope"] = _scope(rng, trade_scope, budget, rng.random() < 0.4)
    return truth


# ---------------------------------------------------------------- photo geometry


@dataclass
class _Plan:
    canvas: tuple[int, int]
    doc: tuple[int, int]
    corners: list[tuple[float, float]]  # where the doc's corners land, clockwise from top-left
    notes: list[str]


def _plan(rng: random.Random, aspect: float, fill: tuple[float, float]) -> _Plan:
    """Choose the photo size, rotation, perspective and placement, and from them the size to
    draw the document at (so that it is resampled once, at about 1:1)."""
    notes: list[str] = []
    long_side = rng.randint(1200, 2000)
    ratio = rng.choice([4 / 3, 4 / 3, 3 / 2])
    short_side = round(long_side / ratio)
    canvas = (long_side, short_side) if aspect >= 1 else (short_side, long_side)
    angle = rng.uniform(-5.0, 5.0)
    notes.append(f"rotate {angle:+.1f}")
    w, h = 1.0, 1.0 / aspect
    unit = [(-w / 2, -h / 2), (w / 2, -h / 2), (w / 2, h / 2), (-w / 2, h / 2)]
    if rng.random() < 0.5:
        notes.append("perspective")
        # A phone held a little off-axis: one edge shorter (keystone) plus corner jitter.
        keystone = rng.uniform(-0.03, 0.03)
        edge = rng.randrange(4)
        moved = []
        for i, (x, y) in enumerate(unit):
            dx = rng.uniform(-0.02, 0.02) * w
            dy = rng.uniform(-0.02, 0.02) * h
            if edge in (0, 2) and (i in (0, 1)) == (edge == 0):
                dx += keystone * w * (1 if x < 0 else -1)
            if edge in (1, 3) and (i in (1, 2)) == (edge == 1):
                dy += keystone * h * (1 if y < 0 else -1)
            moved.append((x + dx, y + dy))
        unit = moved
    c, s = math.cos(math.radians(-angle)), math.sin(math.radians(-angle))
    turned = [(x * c - y * s, x * s + y * c) for x, y in unit]
    xs, ys = [p[0] for p in turned], [p[1] for p in turned]
    bw, bh = max(xs) - min(xs), max(ys) - min(ys)
    share = rng.uniform(*fill)
    scale = min(canvas[0] * share / bw, canvas[1] * share / bh)
    slack_x = canvas[0] - bw * scale
    slack_y = canvas[1] - bh * scale
    cx = canvas[0] / 2 + rng.uniform(-0.35, 0.35) * slack_x
    cy = canvas[1] / 2 + rng.uniform(-0.35, 0.35) * slack_y
    mid_x, mid_y = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
    corners = [(cx + (x - mid_x) * scale, cy + (y - mid_y) * scale) for x, y in turned]
    doc = (round(scale), round(scale / aspect))
    notes.append(f"size {canvas[0]}x{canvas[1]}")
    return _Plan(canvas, doc, corners, notes)


def _perspective_coeffs(
    src: list[tuple[float, float]], dst: list[tuple[float, float]]
) -> tuple[float, ...]:
    """PIL's PERSPECTIVE data: maps output (dst) points back to input (src) points."""
    rows, rhs = [], []
    for (xs, ys), (xd, yd) in zip(src, dst, strict=True):
        rows.append([xd, yd, 1, 0, 0, 0, -xs * xd, -xs * yd])
        rows.append([0, 0, 0, xd, yd, 1, -ys * xd, -ys * yd])
        rhs += [xs, ys]
    return tuple(np.linalg.solve(np.array(rows, float), np.array(rhs, float)).tolist())


def _smooth_noise(rng: np.random.Generator, shape: tuple[int, int], cells: int) -> np.ndarray:
    """Low-frequency noise in [0, 1] of `shape` (height, width)."""
    h, w = shape
    small = rng.random((max(2, h // cells), max(2, w // cells))).astype(np.float32)
    img = Image.fromarray((small * 255).astype(np.uint8)).resize((w, h), Image.Resampling.BICUBIC)
    return np.asarray(img, dtype=np.float32) / 255.0


def _background(
    rng: random.Random, nrng: np.random.Generator, size: tuple[int, int]
) -> tuple[Image.Image, str]:
    """A desk-like surface: wood grain, a plain desk or a woven cloth. Drawn at half size and
    scaled up, as the background is out of focus anyway."""
    w, h = (size[0] + 1) // 2, (size[1] + 1) // 2
    kind = rng.choice(["wood", "wood", "desk", "cloth"])
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    if kind == "wood":
        base = rng.choice([(150, 104, 68), (120, 80, 50), (176, 134, 92), (92, 62, 42)])
        if rng.random() < 0.5:
            xx, yy = yy, xx
        warp = _smooth_noise(nrng, (h, w), 48) * rng.uniform(6, 18)
        pos = yy + warp + 3 * np.sin(xx / rng.uniform(80, 200))
        grain = 0.5 * np.sin(pos / rng.uniform(1.5, 3.5)) + 0.5 * np.sin(
            pos / rng.uniform(6, 12) + 1.3
        )
        shade = 1 + 0.08 * grain + 0.14 * (_smooth_noise(nrng, (h, w), 64) - 0.5)
    elif kind == "desk":
        base = rng.choice(
            [(205, 205, 200), (60, 62, 66), (40, 70, 60), (226, 220, 206), (48, 52, 70)]
        )
        shade = 1 + 0.12 * (_smooth_noise(nrng, (h, w), 48) - 0.5)
    else:
        base = rng.choice([(180, 60, 50), (70, 90, 130), (200, 190, 170), (90, 120, 90)])
        period = rng.uniform(2, 4)
        weave = 0.07 * np.sin(xx * 2 * np.pi / period) * np.sin(yy * 2 * np.pi / period)
        shade = 1 + weave + 0.08 * (_smooth_noise(nrng, (h, w), 40) - 0.5)
    shade = shade + nrng.standard_normal((h, w), dtype=np.float32) * 0.012
    img = np.asarray(base, np.float32)[None, None, :] * shade[..., None]
    small = Image.fromarray(np.clip(img, 0, 255).astype(np.uint8))
    return small.resize(size, Image.Resampling.BILINEAR), f"bg {kind}"


def _photograph(doc: Image.Image, plan: _Plan, rng: random.Random) -> tuple[bytes, list[str]]:
    """Put the flat RGBA document into a phone photo of it and encode it as JPEG."""
    notes = list(plan.notes)
    nrng = np.random.default_rng(rng.randrange(2**32))
    w, h = doc.size
    cw, ch = plan.canvas
    coeffs = _perspective_coeffs([(0, 0), (w, 0), (w, h), (0, h)], plan.corners)
    warped = doc.transform(
        plan.canvas, Image.Transform.PERSPECTIVE, coeffs, resample=Image.Resampling.BICUBIC
    )
    photo, bg_note = _background(rng, nrng, plan.canvas)
    notes.append(bg_note)
    alpha = warped.getchannel("A")
    if rng.random() < 0.65:
        notes.append("drop-shadow")
        q = 4  # blurred at a quarter size: a soft shadow has no detail to lose
        small = alpha.resize((cw // q, ch // q), Image.Resampling.BILINEAR)
        small = small.filter(ImageFilter.GaussianBlur(rng.uniform(1.5, 4.5)))
        mask = ImageChops.offset(small, rng.randint(-3, 3), rng.randint(1, 5))
        strength = rng.uniform(0.3, 0.55)
        mask = mask.resize(plan.canvas, Image.Resampling.BILINEAR).point(
            lambda v: round(v * strength)
        )
        photo = Image.composite(Image.new("RGB", plan.canvas, (0, 0, 0)), photo, mask)
    photo.paste(warped, (0, 0), alpha)

    # Lighting: an uneven gradient and/or a soft cast shadow, computed small and scaled up.
    sw, sh = max(2, cw // 8), max(2, ch // 8)
    light = np.ones((sh, sw), np.float32)
    if rng.random() < 0.5:
        notes.append("gradient")
        theta = rng.uniform(0, 2 * math.pi)
        yy, xx = np.mgrid[0:sh, 0:sw].astype(np.float32)
        ramp = xx * math.cos(theta) + yy * math.sin(theta)
        ramp = (ramp - ramp.min()) / max(1e-6, float(ramp.max() - ramp.min()))
        light *= 1 - rng.uniform(0.15, 0.32) * ramp
    if rng.random() < 0.3:
        notes.append("shadow")
        shade = Image.new("L", (sw, sh), 0)
        depth = rng.uniform(0.2, 0.5)
        a, b = depth * rng.uniform(0.5, 1.5), depth * rng.uniform(0.5, 1.5)
        side = rng.randrange(4)
        if side == 0:  # from the left edge
            poly = [(0, 0), (sw * a, 0), (sw * b, sh), (0, sh)]
        elif side == 1:
            poly = [(sw, 0), (sw * (1 - a), 0), (sw * (1 - b), sh), (sw, sh)]
        elif side == 2:
            poly = [(0, 0), (sw, 0), (sw, sh * a), (0, sh * b)]
        else:
            poly = [(0, sh), (sw, sh), (sw, sh * (1 - a)), (0, sh * (1 - b))]
        ImageDraw.Draw(shade).polygon(poly, fill=255)
        shade = shade.filter(ImageFilter.GaussianBlur(rng.uniform(2, 6)))
        light *= 1 - rng.uniform(0.2, 0.35) * np.asarray(shade, np.float32) / 255.0
    cast = [rng.uniform(0.94, 1.06) for _ in range(3)]
    notes.append("cast {:.2f}/{:.2f}/{:.2f}".format(*cast))
    if light.min() < 0.999:
        lmap = Image.fromarray(np.clip(light * 255, 0, 255).astype(np.uint8))
        lmap = lmap.resize(plan.canvas, Image.Resampling.BILINEAR)
        photo = ImageChops.multiply(photo, Image.merge("RGB", (lmap, lmap, lmap)))
    photo = photo.convert("RGB", (cast[0], 0, 0, 0, 0, cast[1], 0, 0, 0, 0, cast[2], 0))
    radius = rng.uniform(0.0, 1.2)
    if radius >= 0.1:
        photo = photo.filter(ImageFilter.GaussianBlur(radius))
    notes.append(f"blur {radius:.2f}")
    sigma = rng.uniform(2.0, 7.0)
    pixels = np.asarray(photo, dtype=np.int16)
    grain = nrng.standard_normal((ch, cw, 1), dtype=np.float32) * sigma
    chroma = nrng.integers(-2, 3, size=(ch, cw, 3), dtype=np.int16)
    pixels = pixels + grain.astype(np.int16) + chroma
    photo = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
    notes.append(f"noise {sigma:.1f}")
    quality = rng.randint(50, 80)
    notes.append(f"jpeg {quality}")
    out = io.BytesIO()
    photo.save(out, format="JPEG", quality=quality)
    return out.getvalue(), notes


# ---------------------------------------------------------------- 身份证


def _guilloche(draw: ImageDraw.ImageDraw, rng: random.Random, w: int, h: int) -> None:
    """The card's fine wavy pattern, in pale colours."""
    for family in range(3):
        colour = rng.choice([(214, 226, 236), (236, 222, 214), (220, 234, 222), (226, 222, 238)])
        wavelength = rng.uniform(0.18, 0.45) * w
        amplitude = rng.uniform(0.02, 0.06) * h
        step = rng.uniform(0.018, 0.03) * h
        phase = rng.uniform(0, 6.3)
        y0 = -amplitude
        k = 0
        while y0 < h + amplitude:
            pts = [
                (
                    x,
                    y0
                    + amplitude
                    * math.sin(2 * math.pi * x / wavelength + phase + k * 0.35 + family),
                )
                for x in range(0, w + 8, 8)
            ]
            draw.line(pts, fill=colour, width=1)
            y0 += step
            k += 1


def _render_id(person: dict[str, str], face: _Face, plan: _Plan, rng: random.Random) -> Image.Image:
    w, h = plan.doc
    u = w / 85.6  # pixels per millimetre
    paper = (rng.randint(238, 248), rng.randint(238, 246), rng.randint(228, 240))
    card = Image.new("RGB", (w, h), paper)
    draw = ImageDraw.Draw(card)
    _guilloche(draw, rng, w, h)
    # The portrait: a grey panel with a head-and-shoulders silhouette.
    px0, py0, px1, py1 = round(55 * u), round(7 * u), round(80 * u), round(40 * u)
    grey = rng.randint(196, 214)
    photo = Image.new("RGB", (px1 - px0, py1 - py0), (grey, grey, grey + 4))
    sil = ImageDraw.Draw(photo)
    mid = (px1 - px0) / 2
    dark = (grey - 60, grey - 58, grey - 52)
    sil.ellipse([mid - 6.5 * u, 6 * u, mid + 6.5 * u, 22 * u], fill=dark)
    sil.ellipse([mid - 12 * u, 24 * u, mid + 12 * u, 60 * u], fill=dark)
    card.paste(photo, (px0, py0))

    pen = _Pen(card, face, (rng.randint(10, 35),) * 3)  # type: ignore[arg-type]
    blue = (rng.randint(20, 60), rng.randint(95, 125), rng.randint(150, 185))
    label_size = u * rng.uniform(2.5, 2.8)
    value_size = max(20.0, u * rng.uniform(3.0, 3.3))
    jx, jy = rng.uniform(-1, 1) * u, rng.uniform(-1, 1) * u
    lx, vx = 6.5 * u + jx, 17 * u + jx
    y = 11.5 * u + jy
    pen.text((lx, y), "姓名", label_size, blue)
    pen.text((vx, y), person["name"], value_size * 1.05)
    y += 7.5 * u
    pen.text((lx, y), "性别", label_size, blue)
    pen.text((vx, y), person["sex"], value_size)
    pen.text((vx + 13 * u, y), "民族", label_size, blue)
    pen.text((vx + 23 * u, y), person["ethnicity"], value_size)
    y += 7.5 * u
    birth = datetime.date.fromisoformat(person["birth_date"])
    pen.text((lx, y), "出生", label_size, blue)
    x = pen.text((vx, y), str(birth.year), value_size)
    x = pen.text((x + 0.6 * u, y), "年", label_size, blue)
    x = pen.text((x + 1.8 * u, y), str(birth.month), value_size)
    x = pen.text((x + 0.6 * u, y), "月", label_size, blue)
    x = pen.text((x + 1.8 * u, y), str(birth.day), value_size)
    pen.text((x + 0.6 * u, y), "日", label_size, blue)
    y += 7.5 * u
    pen.text((lx, y), "住址", label_size, blue)
    lines = _wrap(pen, person["address"], value_size, px0 - vx - 2 * u)
    for line in lines:
        pen.text((vx, y), line, value_size)
        y += value_size * 1.32
    y = max(y + 2 * u, 47.5 * u + jy)
    pen.text((lx, y), "公民身份号码", label_size, blue)
    number_size = max(22.0, u * rng.uniform(3.4, 3.8))
    pen.text(
        (lx + 20 * u, y + 0.3 * u),
        person["id_number"],
        number_size,
        tracking=rng.uniform(0.08, 0.2),
    )

    # Rounded corners, as a card has.
    mask = Image.new("L", (w, h), 0)
    ImageDraw.Draw(mask).rounded_rectangle([0, 0, w - 1, h - 1], radius=int(3.2 * u), fill=255)
    doc = card.convert("RGBA")
    doc.putalpha(mask)
    return doc


# ---------------------------------------------------------------- 营业执照


@dataclass
class _Row:
    label: str
    value: str
    scope: bool = False


def _label_text(label: str, spaced: bool, gap3: str) -> str:
    if not spaced:
        return label
    if len(label) == 2:
        return "\u3000\u3000".join(label)
    if len(label) == 3:
        return gap3.join(label)
    return label


def _label_lines(label: str, spaced: bool, gap3: str, broken: bool) -> list[str]:
    if broken and len(label) >= 6:
        return [label[:4], label[4:]]
    return [_label_text(label, spaced, gap3)]


def _rows(truth: dict[str, str], variant: str, rng: random.Random) -> dict[str, _Row]:
    individual = variant == "individual"
    partnership = variant == "partnership"
    est = datetime.date.fromisoformat(truth["established_on"])
    term_end = rng.choice(["长期", "长期", "长期", "date"])
    if term_end == "date":
        end = est.replace(year=est.year + rng.choice([20, 30, 50])) - datetime.timedelta(days=1)
        term = f"{_cn(est)}至{_cn(end)}"
    else:
        term = rng.choice([f"{_cn(est)}至长期", "长期"])
    rows = {
        "name": _Row("名称", truth["name"]),
        "type": _Row("类型", truth["type"]),
        "person": _Row(
            "经营者" if individual else "执行事务合伙人" if partnership else "法定代表人",
            truth["legal_representative"],
        ),
        "established": _Row("注册日期" if individual else "成立日期", _cn(est)),
        "address": _Row(
            "经营场所" if individual else "主要经营场所" if partnership else "住所",
            truth["address"],
        ),
        "scope": _Row("经营范围", truth["business_scope"], scope=True),
    }
    if individual:
        rows["composition"] = _Row("组成形式", truth["composition"])
    else:
        rows["capital"] = _Row("出资额" if partnership else "注册资本", truth["registered_capital"])
        rows["term"] = _Row("合伙期限" if partnership else "营业期限", term)
    return rows


def _cn(day: datetime.date) -> str:
    return f"{day.year}年{day.month:02d}月{day.day:02d}日"


def _emblem(draw: ImageDraw.ImageDraw, cx: float, cy: float, r: float) -> None:
    """A stand-in for the national emblem: a red disc in a gold ring with five stars."""
    gold, red = (214, 168, 58), (196, 38, 34)
    draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=gold)
    draw.ellipse([cx - 0.8 * r, cy - 0.8 * r, cx + 0.8 * r, cy + 0.8 * r], fill=red)
    for (sx, sy), sr in [((0, -0.3), 0.3), ((-0.45, 0.05), 0.12), ((-0.2, 0.25), 0.12),
                         ((0.2, 0.25), 0.12), ((0.45, 0.05), 0.12)]:  # fmt: skip
        draw.polygon(_star(cx + sx * r, cy + sy * r, sr * r), fill=gold)


def _star(cx: float, cy: float, r: float) -> list[tuple[float, float]]:
    pts = []
    for i in range(10):
        rad = r if i % 2 == 0 else r * 0.4
        a = -math.pi / 2 + i * math.pi / 5
        pts.append((cx + rad * math.cos(a), cy + rad * math.sin(a)))
    return pts


def _qr(draw: ImageDraw.ImageDraw, rng: random.Random, x: float, y: float, size: float) -> None:
    """A QR-code-like block: random modules and three finder squares."""
    n = 29
    m = size / n
    ink = (25, 25, 25)
    for i in range(n):
        for j in range(n):
            if rng.random() < 0.5:
                draw.rectangle([x + j * m, y + i * m, x + (j + 1) * m, y + (i + 1) * m], fill=ink)
    for fi, fj in [(0, 0), (0, n - 7), (n - 7, 0)]:
        fx, fy = x + fj * m, y + fi * m
        draw.rectangle([fx - m, fy - m, fx + 8 * m, fy + 8 * m], fill=(255, 255, 255))
        draw.rectangle([fx, fy, fx + 7 * m, fy + 7 * m], fill=ink)
        draw.rectangle([fx + m, fy + m, fx + 6 * m, fy + 6 * m], fill=(255, 255, 255))
        draw.rectangle([fx + 2 * m, fy + 2 * m, fx + 5 * m, fy + 5 * m], fill=ink)


def _frame(draw: ImageDraw.ImageDraw, rng: random.Random, w: int, h: int) -> float:
    """The licence's decorative border; returns its inner margin."""
    colour = rng.choice([(178, 72, 48), (160, 90, 40), (190, 60, 60)])
    m = 0.025 * min(w, h) + 0.01 * max(w, h)
    band = 0.012 * max(w, h)
    draw.rectangle([m, m, w - m, h - m], outline=colour, width=max(2, int(band * 0.35)))
    inner = m + band
    draw.rectangle(
        [inner, inner, w - inner, h - inner], outline=colour, width=max(1, int(band * 0.12))
    )
    step = band * 1.2
    mid = m + band / 2
    t = m + step
    while t < w - m - step / 2:
        for yy in (mid, h - mid):
            draw.regular_polygon((t, yy, band * 0.32), 4, rotation=45, outline=colour)
        t += step
    t = m + step
    while t < h - m - step / 2:
        for xx in (mid, w - mid):
            draw.regular_polygon((xx, t, band * 0.32), 4, rotation=45, outline=colour)
        t += step
    return inner


def _seal(face: _Face, rng: random.Random, r: int, authority: str) -> Image.Image:
    """An L mask of a round red seal: ring, star and the authority's name round the top."""
    d = 2 * r + 4
    mask = Image.new("L", (d, d), 0)
    draw = ImageDraw.Draw(mask)
    c = d / 2
    ring = max(3, int(r * 0.065))
    draw.ellipse([c - r, c - r, c + r, c + r], outline=255, width=ring)
    draw.polygon(_star(c, c, r * 0.3), fill=255)
    size = r * 0.24
    font = _font(face, round(size))
    span = 230.0
    n = len(authority)
    for k, ch in enumerate(authority):
        theta = 270 - span / 2 + span * (k + 0.5) / n
        glyph = Image.new("L", (round(size * 1.6), round(size * 1.6)), 0)
        ImageDraw.Draw(glyph).text((size * 0.8, size * 0.8), ch, font=font, fill=255, anchor="mm")
        glyph = glyph.rotate(-(theta - 270), resample=Image.Resampling.BICUBIC, expand=True)
        gx = c + r * 0.7 * math.cos(math.radians(theta)) - glyph.width / 2
        gy = c + r * 0.7 * math.sin(math.radians(theta)) - glyph.height / 2
        mask.paste(ImageChops.lighter(mask.crop((round(gx), round(gy), round(gx) + glyph.width,
                                                 round(gy) + glyph.height)), glyph),
                   (round(gx), round(gy)))  # fmt: skip
    return mask


def _stamp(
    doc: Image.Image, mask: Image.Image, at: tuple[float, float], rng: random.Random
) -> None:
    """Press the seal onto `doc` at centre `at`: red ink multiplied over what is printed."""
    nrng = np.random.default_rng(rng.randrange(2**32))
    mottle = 0.65 + 0.35 * _smooth_noise(nrng, (mask.height, mask.width), 12)
    a = np.asarray(mask, np.float32) / 255.0 * mottle * rng.uniform(0.7, 0.9)
    x0, y0 = round(at[0] - mask.width / 2), round(at[1] - mask.height / 2)
    region = doc.crop((x0, y0, x0 + mask.width, y0 + mask.height))
    rgb = np.asarray(region.convert("RGB"), np.float32)
    ink = (
        np.array([rng.randint(200, 228), rng.randint(30, 60), rng.randint(35, 60)], np.float32)
        / 255.0
    )
    out = rgb * (1 - a[..., None]) + rgb * ink[None, None, :] * a[..., None]
    doc.paste(Image.fromarray(np.clip(out, 0, 255).astype(np.uint8)), (x0, y0))


def _layout(
    pen: _Pen,
    rows: list[_Row],
    size: float,
    x: float,
    right: float,
    style: dict[str, object],
) -> tuple[list[tuple[float, float, str, float]], float, float]:
    """Lay out label/value rows starting at y=0: (x, baseline offset, text, size) items, the
    total height and the value column's x. Labels share one column width."""
    spaced, gap3, broken = bool(style["spaced"]), str(style["gap3"]), bool(style["broken"])
    label_w = max(
        pen.width(line, size)
        for row in rows
        for line in _label_lines(row.label, spaced, gap3, broken)
    )
    vx = x + label_w + size * float(style["gap"])  # type: ignore[arg-type]
    items: list[tuple[float, float, str, float]] = []
    y = 0.0
    line_h = size * float(style["leading"])  # type: ignore[arg-type]
    for row in rows:
        y += size
        labels = _label_lines(row.label, spaced, gap3, broken)
        for k, line in enumerate(labels):
            items.append((x, y + k * line_h, line, size))
        values = _wrap(pen, row.value, size, right - vx)
        for k, line in enumerate(values):
            items.append((vx, y + k * line_h, line, size))
        y += (max(len(values), len(labels)) - 1) * line_h + size * float(style["row_gap"])  # type: ignore[arg-type]
    return items, y, vx


def _render_licence(
    truth: dict[str, str],
    variant: str,
    landscape: bool,
    face: _Face,
    plan: _Plan,
    rng: random.Random,
) -> tuple[Image.Image, list[str]]:
    notes: list[str] = ["landscape" if landscape else "portrait"]
    w, h = plan.doc
    paper = (rng.randint(244, 252), rng.randint(240, 248), rng.randint(228, 240))
    page = Image.new("RGB", (w, h), paper)
    draw = ImageDraw.Draw(page)
    inner = _frame(draw, rng, w, h)
    ink = (rng.randint(15, 35), rng.randint(15, 35), rng.randint(15, 35))
    pen = _Pen(page, face, ink)
    spaced = rng.random() < 0.5
    style: dict[str, object] = {
        "spaced": spaced,
        "gap3": rng.choice([" ", "\u3000"]),
        "broken": rng.random() < 0.4,
        "gap": rng.uniform(0.8, 1.6),
        "leading": rng.uniform(1.35, 1.55),
        "row_gap": rng.uniform(0.9, 1.3),
    }
    if spaced:
        notes.append("spaced-labels")
    est = datetime.date.fromisoformat(truth["established_on"])
    issued = est + datetime.timedelta(days=rng.randrange(2, 4000))
    issued = min(issued, datetime.date(2025, 11, 30))
    rows = _rows(truth, variant, rng)
    small = max(13.0, 0.013 * w if landscape else 0.017 * w)

    # Head: emblem, title, code, QR.
    if landscape:
        _emblem(draw, w / 2, inner + 0.075 * h, 0.045 * h)
        title_size, title_y = 0.062 * w, inner + 0.23 * h
        code_x, code_y = inner + 0.04 * w, inner + 0.12 * h
        qr_size = 0.09 * w
        qr_x, qr_y = w - inner - 0.05 * w - qr_size, inner + 0.05 * h
    else:
        _emblem(draw, w / 2, inner + 0.05 * h, 0.03 * h)
        title_size, title_y = 0.085 * w, inner + 0.22 * h
        code_x, code_y = inner + 0.035 * w, inner + 0.04 * h
        qr_size = 0.13 * w
        qr_x, qr_y = w - inner - 0.04 * w - qr_size, inner + 0.01 * h
    tracking = rng.uniform(0.25, 0.45)
    title_w = pen.width("营业执照", title_size, tracking)
    pen.text(
        ((w - title_w) / 2, title_y),
        "营业执照",
        title_size,
        tracking=tracking,
        stroke=max(1, round(title_size / 40)),
    )
    if not landscape:
        copy = "（副本）"
        cs = title_size * 0.42
        pen.text(((w - pen.width(copy, cs)) / 2, title_y + title_size * 0.75), copy, cs)
        if rng.random() < 0.6:
            pen.text(
                (w - inner - 0.04 * w - pen.width("（1-1）", small), title_y + title_size * 0.75),
                "（1-1）",
                small,
            )
    code_size = max(18.0, 0.021 * w if landscape else 0.027 * w)
    code_label_size = code_size * 0.85
    if rng.random() < 0.7 or not landscape:
        pen.text((code_x, code_y), "统一社会信用代码", code_label_size)
        pen.text((code_x, code_y + code_size * 1.45), truth["uscc"], code_size, tracking=0.05)
        notes.append("code-below")
    else:  # on one line, left of the emblem
        notes.append("code-beside")
        code_size = max(18.0, 0.019 * w)
        code_y = inner + 0.1 * h
        x = pen.text((code_x, code_y), "统一社会信用代码", code_size * 0.85)
        pen.text((x + code_size * 0.5, code_y), truth["uscc"], code_size, tracking=0.04)
    _qr(draw, rng, qr_x, qr_y, qr_size)
    hint = ["扫描二维码登录“国家企业", "信用信息公示系统”了解更", "多登记、备案、许可、监管信息"]
    for k, line in enumerate(hint):
        if landscape:
            hx = qr_x - pen.width(hint[2], small) - small
            hy = qr_y + qr_size * 0.35 + k * small * 1.3
        else:
            hx = qr_x + qr_size - pen.width(hint[2], small)
            hy = qr_y + qr_size + small * (1.5 + 1.3 * k)
        pen.text((hx, hy), line, small)

    # Fields.
    if landscape:
        left = [rows["name"], rows["type"], rows["person"], rows["scope"]]
        if variant == "individual":
            right = [rows["composition"], rows["established"], rows["address"]]
        else:
            right = [rows["capital"], rows["established"], rows["term"], rows["address"]]
        columns = [
            (left, inner + 0.04 * w, w * 0.50, h - inner - 0.10 * h),
            (right, w * 0.535, w - inner - 0.04 * w, h - inner - 0.25 * h),
        ]
        top = inner + 0.31 * h
        size = max(18.0, rng.uniform(0.02, 0.023) * w)
    else:
        order = [
            "name",
            "type",
            "person",
            "capital",
            "composition",
            "established",
            "term",
            "address",
            "scope",
        ]
        one = [rows[k] for k in order if k in rows]
        columns = [(one, inner + 0.05 * w, w - inner - 0.05 * w, h - inner - 0.21 * h)]
        top = inner + 0.285 * h
        size = max(18.0, rng.uniform(0.028, 0.033) * w)
    while True:
        laid = [_layout(pen, rows_, size, x, right, style) for rows_, x, right, _ in columns]
        if all(
            top + height <= bottom
            for (_, height, _), (*_, bottom) in zip(laid, columns, strict=True)
        ):
            break
        if size <= 18.0:
            raise _Overflow
        size = max(18.0, size * 0.95)
    if style["broken"] and any(len(r.label) >= 6 for rows_, *_ in columns for r in rows_):
        notes.append("label-break")
    notes.append(f"field-font {size:.0f}px")
    for items, _, _ in laid:
        for x, y, text, s in items:
            pen.text((x, top + y), text, s)

    # Foot: authority, date, seal, footers.
    authority = rng.choice(_AUTHORITIES)
    reg_size = size * 1.05
    date_y = h - inner - (0.12 * h if landscape else 0.11 * h)
    ay = date_y - reg_size * 2.6
    ax = w * (0.64 if landscape else 0.52)
    r = round(0.055 * w if landscape else 0.1 * w)
    pen.text((ax, ay), "登记机关", reg_size, tracking=0.4)
    date_text = _cn(issued)
    date_x = ax - reg_size * 0.5
    pen.text((date_x, date_y), date_text, reg_size)
    pen.check(authority)
    seal = _seal(face, rng, r, authority)
    date_w = pen.width(date_text, reg_size)
    _stamp(
        page,
        seal,
        (date_x + date_w * rng.uniform(0.45, 0.8), date_y - r * rng.uniform(0.2, 0.6)),
        rng,
    )
    foot = max(13.0, 0.011 * w if landscape else 0.017 * w)
    rise = 0.0 if landscape else 1.3
    fx = inner + 0.04 * w
    pen.text((fx, h - inner - foot * (3.2 + rise)), "市场主体应当于每年1月1日至6月30日通过", foot)
    pen.text(
        (fx, h - inner - foot * (1.9 + rise)), "国家企业信用信息公示系统报送公示年度报告。", foot
    )
    site = "国家企业信用信息公示系统网址：http://www.gsxt.gov.cn"
    pen.text((w - inner - 0.04 * w - pen.width(site, foot), h - inner - foot * 1.9), site, foot)
    made = "国家市场监督管理总局监制"
    pen.text(((w - pen.width(made, foot)) / 2, h - inner - foot * 0.6), made, foot)
    return page.convert("RGBA"), notes


class _Overflow(Exception):
    pass


# ---------------------------------------------------------------- the set


def _rare_note(truth: dict[str, str]) -> list[str]:
    found = "".join(dict.fromkeys(c for v in truth.values() for c in v if c in RARE_CHARS))
    return [f"rare:{found}"] if found else []


def _case(seed: int, index: int, variant: str, rare: bool, first_face: int) -> HardCase:
    faces = _faces()
    face_step = draw_step = 0
    while face_step < len(faces) and draw_step < 8:
        face = faces[(first_face + face_step) % len(faces)]
        rng = random.Random(f"{seed}:{index}:{draw_step}")
        try:
            if variant == "id_front":
                truth = _person(rng, rare)
                plan = _plan(rng, 85.6 / 54, (0.6, 0.88))
                doc = _render_id(truth, face, plan, rng)
                notes: list[str] = []
                document = "id_card"
            else:
                landscape = variant == "company_original" or (
                    variant in ("individual", "partnership") and rng.random() < 0.5
                )
                aspect = 420 / 297 if landscape else 210 / 297
                plan = _plan(rng, aspect, (0.8, 0.93))
                budget = 110 if landscape else 170
                truth = _company(rng, variant, rare, budget)
                doc, notes = _render_licence(truth, variant, landscape, face, plan, rng)
                document = "business_licence"
        except _MissingGlyph:
            face_step += 1  # this face lacks a character: draw the same case in the next one
            continue
        except _Overflow:
            draw_step += 1  # the fields did not fit at a legible size: draw another case
            continue
        image, photo_notes = _photograph(doc, plan, rng)
        return HardCase(
            document=document,
            variant=variant,
            image=image,
            truth=truth,
            font=face.name,
            notes=tuple(photo_notes + notes + _rare_note(truth)),
        )
    raise RuntimeError(f"no installed CJK font can draw case {index}")


def case_plan(n: int = 120, seed: int = 20261207) -> list[tuple[str, bool]]:
    """(variant, rare) for each of the `n` cases of hard_cases(n, seed), without drawing:
    about 45 % id_front, the rest spread evenly over the four licence variants, and
    ceil(15 %) of the cases carrying a rare character."""
    rng = random.Random(seed)
    n_id = round(n * 0.45)
    others = list(VARIANTS[1:])
    rng.shuffle(others)
    variants = ["id_front"] * n_id + [others[i % 4] for i in range(n - n_id)]
    rng.shuffle(variants)
    rare = set(rng.sample(range(n), k=min(n, math.ceil(n * 0.15))))
    return [(variant, i in rare) for i, variant in enumerate(variants)]


def hard_cases(n: int = 120, seed: int = 20261207) -> list[HardCase]:
    """`n` SYNTHETIC hard photos (see case_plan for the mix; typefaces taken in turn),
    deterministic for (n, seed)."""
    _faces()
    first = random.Random(f"{seed}:faces").randrange(len(_FACES))
    return [
        _case(seed, i, variant, rare, (first + i) % len(_FACES))
        for i, (variant, rare) in enumerate(case_plan(n, seed))
    ]
