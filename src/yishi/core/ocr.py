"""智能识别填单: read a photo or scan of a 居民身份证 (front) or a 营业执照 and return its fields
for the applicant to confirm, each with a check.

RapidOCR runs on the CPU with the models its wheel ships (their paths are passed explicitly,
so nothing is ever downloaded), loaded once per process. Text boxes are parsed by layout: a
label ("住址", "法定代表人" …) takes the boxes to its right on its row, and multi-line fields
the lines below that start under its value. Codes are checked by their check digits
(GB 11643, GB 32100); characters OCR commonly confuses (O/0, I/1 …) are replaced only where
the code's alphabet rules the character out and the check digit confirms the repair. A field
that fails its check is returned with ok=False and the reason in Chinese, never trusted
silently.
"""

from __future__ import annotations

import datetime
import io
import itertools
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from django.conf import settings
from django.utils import timezone

from yishi.core.errors import ValidationFailed
from yishi.core.uploads import JPEG, PNG, check_upload
from yishi.core.validators import USCC_ALPHABET, validate_ric, validate_uscc

ID_CARD = "id_card"
BUSINESS_LICENCE = "business_licence"

MAX_SIDE = 2000  # larger images are scaled down before recognition: no gain, much more time
LOW_CONFIDENCE = 0.5
# Detection works on the image scaled to this long side. A licence's lines are long and
# well apart and are all found at 800 px; an ID card's one-character values (性别 "女")
# need 960.
DET_SIDE = 960
DET_SIDE_LICENCE = 800

# ---------------------------------------------------------------- the engine


class _Engine:
    """One RapidOCR per process: built on first use under a lock; recognitions are serialised
    (RapidOCR keeps per-call options on the instance, and the CPU is the bottleneck anyway)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._run_lock = threading.Lock()
        self._ocr: Any = None
        self.loads = 0
        self.load_seconds = 0.0

    def get(self) -> Any:
        if self._ocr is None:
            with self._lock:
                if self._ocr is None:
                    started = time.perf_counter()
                    self._ocr = _build_rapidocr()
                    self.load_seconds = time.perf_counter() - started
                    self.loads += 1
        return self._ocr

    def run(
        self, image: Any, *, det_side: int = DET_SIDE
    ) -> list[tuple[str, float, tuple[float, float, float, float]]]:
        ocr = self.get()
        with self._run_lock:
            detector = getattr(ocr, "text_det", None)
            if detector is not None and hasattr(detector, "limit_side_len"):
                # Read by rapidocr 3.10's detector on every call.
                detector.limit_side_len = det_side
            result = ocr(image)
        boxes = getattr(result, "boxes", None)
        if boxes is None:
            return []
        items = []
        for text, score, box in zip(result.txts, result.scores, boxes, strict=True):
            xs, ys = [float(p[0]) for p in box], [float(p[1]) for p in box]
            items.append((str(text), float(score), (min(xs), min(ys), max(xs), max(ys))))
        return items


def _model_paths() -> dict[str, str]:
    import rapidocr

    models = Path(rapidocr.__file__).resolve().parent / "models"
    paths = {
        "Det.model_path": models / "PP-OCRv6_det_small.onnx",
        "Rec.model_path": models / "PP-OCRv6_rec_small.onnx",
        "Cls.model_path": models / "ch_ppocr_mobile_v2.0_cls_mobile.onnx",
    }
    for path in paths.values():
        if not path.is_file():
            raise RuntimeError(f"OCR model missing from the rapidocr package: {path}")
    return {key: str(path) for key, path in paths.items()}


def _threads() -> int:
    from django.conf import settings

    return int(getattr(settings, "OCR_THREADS", 1))


def _build_rapidocr() -> Any:
    from rapidocr import RapidOCR

    ocr = RapidOCR(
        params={
            **_model_paths(),
            "Global.log_level": "warning",
            # Documents are photographed upright or nearly so; the angle classifier would
            # cost time on every text box.
            "Global.use_cls": False,
            # Detection at most DET_SIDE px on the long side (the default upscales to 736 px on
            # the short side): document text stays well above the detector's minimum size and
            # detection takes half the time.
            "Det.limit_type": "max",
            "Det.limit_side_len": DET_SIDE,
            # A lone character (性别 "女", 民族 "回") scores low as a box at the default 0.5.
            "Det.box_thresh": 0.3,
            # One thread per recognition: web workers recognise in parallel processes, and on
            # a busy CPU onnxruntime's spinning thread pool made each image twice as slow.
            "EngineConfig.onnxruntime.intra_op_num_threads": _threads(),
            "EngineConfig.onnxruntime.inter_op_num_threads": 1,
        }
    )
    # RapidOCR loads each model on first use; load them now so the first applicant does not
    # wait and `load_seconds` holds the whole cost.
    for loader in ("_load_det_model", "_load_rec_model"):
        if hasattr(ocr, loader):
            getattr(ocr, loader)()
    return ocr


engine = _Engine()


# ---------------------------------------------------------------- results


@dataclass
class Field:
    """One recognised field: the value to prefill and whether its check passed."""

    label: str
    value: str = ""
    confidence: float = 0.0
    ok: bool = True
    message: str = ""

    def fail(self, message: str) -> None:
        self.ok = False
        self.message = message if not self.message else f"{self.message}；{message}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "value": self.value,
            "ok": self.ok,
            "message": self.message,
            "confidence": round(self.confidence, 3),
        }


@dataclass
class Recognition:
    document: str
    fields: dict[str, Field] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return all(f.ok for f in self.fields.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "document": self.document,
            "ok": self.ok,
            "seconds": round(self.seconds, 3),
            "fields": {name: f.as_dict() for name, f in self.fields.items()},
        }


# ---------------------------------------------------------------- input


def load_image(image: bytes | BinaryIO, *, field_name: str = "image") -> Any:
    """The upload (bytes or a file such as Django's UploadedFile, read at most to the upload
    size limit) as an RGB Pillow image: a real JPEG or PNG, decodable, not absurdly large;
    otherwise ValidationFailed naming the field."""
    from PIL import Image, ImageOps

    checked = check_upload(name="", data=image, field=field_name, allowed=(JPEG, PNG))
    try:
        with Image.open(io.BytesIO(checked.content)) as probe:
            width, height = probe.size
            limit = settings.YISHI_MAX_IMAGE_PIXELS
            if width * height > limit:
                raise ValidationFailed(
                    f"图片尺寸过大（{width}×{height}），请上传不超过{limit // 10000}万像素的照片或扫描件",
                    field=field_name,
                    code="image_too_large",
                )
            picture = ImageOps.exif_transpose(probe).convert("RGB")
    except ValidationFailed:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        # check_upload refused large PNG/JPEG from their headers already; this is the backstop.
        raise ValidationFailed(
            f"图片尺寸过大，请上传不超过{settings.YISHI_MAX_IMAGE_PIXELS // 10000}万像素的照片或扫描件",
            field=field_name,
            code="image_too_large",
        ) from None
    except (OSError, ValueError):
        raise ValidationFailed(
            "图片无法解码，请重新拍照或扫描后上传", field=field_name, code="image_damaged"
        ) from None
    if width < 200 or height < 120:
        raise ValidationFailed(
            f"图片太小（{width}×{height}），无法识别文字，请上传更清晰的照片",
            field=field_name,
            code="image_too_small",
        )
    side = max(picture.size)
    if side > MAX_SIDE:
        factor = MAX_SIDE / side
        picture = picture.resize(
            (round(picture.width * factor), round(picture.height * factor)),
            Image.Resampling.LANCZOS,
        )
    return picture


# ---------------------------------------------------------------- layout


@dataclass
class _Box:
    text: str
    score: float
    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2

    @property
    def h(self) -> float:
        return self.y1 - self.y0


@dataclass
class _Found:
    """A label found on the page, and the value boxes it took."""

    key: str
    box: _Box
    inline: str  # text after the label inside the label's own box
    parts: list[_Box] = field(default_factory=list)


def _clean(text: str) -> str:
    return re.sub(r"\s+", "", text.replace("\u3000", " "))


def _same_row(a: _Box, b: _Box) -> bool:
    return abs(a.cy - b.cy) < 0.55 * max(a.h, b.h)


def _find_labels(boxes: list[_Box], labels: dict[str, tuple[str, ...]]) -> list[_Found]:
    """Boxes that are, or begin with, a field label; a label split over two neighbouring
    boxes ("名" "称") is joined first."""
    ordered = sorted(
        ((label, key) for key, ls in labels.items() for label in ls), key=lambda p: -len(p[0])
    )
    found: list[_Found] = []
    used: set[int] = set()
    for i, box in enumerate(boxes):
        if i in used:
            continue
        text = _clean(box.text)
        for label, key in ordered:
            if text.startswith(label):
                found.append(_Found(key, box, text[len(label) :]))
                used.add(i)
                break
            if len(text) < len(label) and label.startswith(text) and text:
                # Look for the rest of the label in the next box on the row.
                nxt = _next_on_row(boxes, box, exclude=used | {i})
                if nxt is not None:
                    rest = _clean(boxes[nxt].text)
                    if rest.startswith(label[len(text) :]):
                        merged = _Box(
                            text + rest, min(box.score, boxes[nxt].score), box.x0,
                            min(box.y0, boxes[nxt].y0), boxes[nxt].x1, max(box.y1, boxes[nxt].y1),
                        )  # fmt: skip
                        found.append(_Found(key, merged, (text + rest)[len(label) :]))
                        used.update({i, nxt})
                        break
    # The first occurrence of each field wins (a value may repeat a label word).
    first: dict[str, _Found] = {}
    for item in sorted(found, key=lambda f: (f.box.y0, f.box.x0)):
        first.setdefault(item.key, item)
    return list(first.values())


def _next_on_row(boxes: list[_Box], box: _Box, exclude: set[int]) -> int | None:
    best, best_x = None, float("inf")
    for j, other in enumerate(boxes):
        if j in exclude or not _same_row(box, other) or other.x0 < box.x1 - box.h * 0.3:
            continue
        if other.x0 - box.x1 < 3 * box.h and other.x0 < best_x:
            best, best_x = j, other.x0
    return best


def _assign(
    boxes: list[_Box], found: list[_Found], multiline: set[str], label_boxes: set[int]
) -> None:
    """Give each label the value boxes to its right on its row (up to the next label on
    that row) and, for multi-line fields, the lines below that start under its value."""
    taken: set[int] = set(label_boxes)
    for item in found:
        lab = item.box
        # A label to the right whose line is near this one starts another column (the two
        # columns of a licence drift apart when a value wraps): the value stops before it.
        right_limit = min(
            (
                o.box.x0
                for o in found
                if o is not item
                and abs(o.box.cy - lab.cy) < max(o.box.h, lab.h)
                and o.box.x0 > lab.x1
            ),
            default=float("inf"),
        )
        row = [
            (j, b)
            for j, b in enumerate(boxes)
            if j not in taken
            and _same_row(b, lab)
            and b.x0 >= lab.x1 - lab.h * 0.5
            and b.x0 < right_limit - lab.h * 0.5
        ]
        row.sort(key=lambda p: p[1].x0)
        for j, b in row:
            taken.add(j)
            item.parts.append(b)
        if item.key not in multiline:
            continue
        start_x = item.parts[0].x0 if item.parts else lab.x1
        line_h = item.parts[0].h if item.parts else lab.h
        # The next label below in the same column ends the field.
        below = [
            o.box.y0 for o in found
            if o is not item and o.box.y0 > lab.y1 - lab.h * 0.3 and abs(o.box.x0 - lab.x0) < 3 * lab.h
        ]  # fmt: skip
        bottom = min(below, default=float("inf"))
        # Where the value's last line ends (the label's box may be taller than its value's).
        last_y1 = max(p.y1 for p in item.parts) if item.parts else lab.y1
        last_cy = max(p.cy for p in item.parts) if item.parts else lab.cy
        # Boxes are axis-aligned: a line tilted by a degree or two is taller than its text, so the
        # next line is recognised by its centre being lower by under half such a box.
        while True:
            cand = [
                (j, b) for j, b in enumerate(boxes)
                if j not in taken and b.cy > last_cy + line_h * 0.4 and b.y0 - last_y1 < line_h * 0.9
                and b.cy < bottom and b.x0 < right_limit - lab.h * 0.5
                and abs(b.x0 - start_x) < 1.2 * line_h
            ]  # fmt: skip
            if not cand:
                break
            j, b = min(cand, key=lambda p: p[1].y0)
            taken.add(j)
            item.parts.append(b)
            last_y1, last_cy = b.y1, b.cy


def _layout(items: list[tuple[str, float, tuple[float, float, float, float]]]) -> list[_Box]:
    boxes = [_Box(t, s, *b) for t, s, b in items if _clean(t)]
    boxes.sort(key=lambda b: (b.y0, b.x0))
    return boxes


def _parse(
    items: list[tuple[str, float, tuple[float, float, float, float]]],
    labels: dict[str, tuple[str, ...]],
    multiline: set[str],
) -> tuple[dict[str, tuple[str, float]], list[_Box]]:
    """{field: (raw text, min confidence)} for each label found, and all boxes."""
    boxes = _layout(items)
    found = _find_labels(boxes, labels)
    label_ids = {i for i, b in enumerate(boxes) for f in found if f.box is b}
    # Merged two-box labels are new objects: mark their source boxes as labels as well.
    for f in found:
        for i, b in enumerate(boxes):
            if (
                b is not f.box
                and _same_row(b, f.box)
                and b.x0 >= f.box.x0 - 1
                and b.x1 <= f.box.x1 + 1
            ):
                label_ids.add(i)
    _assign(boxes, found, multiline, label_ids)
    out: dict[str, tuple[str, float]] = {}
    for f in found:
        texts = [f.inline] + [_clean(p.text) for p in f.parts]
        scores = [p.score for p in f.parts] + ([f.box.score] if f.inline else [])
        out[f.key] = ("".join(texts).translate(_TO_SIMPLIFIED), min(scores, default=0.0))
    return out, boxes


# ---------------------------------------------------------------- codes

# Digit look-alikes OCR returns in an all-digit part of a code.
_DIGIT_LOOKALIKES = {
    "O": "0", "D": "0", "Q": "0", "U": "0", "I": "1", "L": "1", "|": "1", "!": "1", "T": "1",
    "Z": "2", "S": "5", "B": "8", "G": "6", "A": "4",
}  # fmt: skip
# Letters GB 32100 does not use, and the code characters they are usually mistaken for.
_USCC_LOOKALIKES = {"O": "0D", "I": "1", "Z": "2", "S": "5", "V": "UY"}
_CODE_FOLD = str.maketrans("０１２３４５６７８９ｘＸ×", "0123456789XXX")


def _code_text(raw: str) -> str:
    return re.sub(r"[^0-9A-Za-z|!]", "", raw.translate(_CODE_FOLD)).upper()


def _repairs(code: str, options: list[str]) -> list[str]:
    """Every code made by choosing one option per position (at most a few hundred)."""
    count = 1
    for opts in options:
        count *= len(opts)
    if count > 512:
        return []
    return ["".join(chars) for chars in itertools.product(*options)]


def _ric_candidates(code: str) -> list[str]:
    if len(code) != 18:
        return []
    options = []
    for i, c in enumerate(code):
        if i < 17:
            options.append(c if c.isdigit() else _DIGIT_LOOKALIKES.get(c, c))
        else:
            options.append(
                c
                if c.isdigit() or c == "X"
                else {"K": "X", "Y": "X"}.get(c, _DIGIT_LOOKALIKES.get(c, c))
            )
    return _repairs(code, options)


def _uscc_candidates(code: str) -> list[str]:
    if len(code) != 18:
        return []
    options = []
    for i, c in enumerate(code):
        if 2 <= i < 8 and not c.isdigit():
            options.append(_DIGIT_LOOKALIKES.get(c, c))
        elif c not in USCC_ALPHABET:
            options.append(_USCC_LOOKALIKES.get(c, _DIGIT_LOOKALIKES.get(c, c)))
        else:
            options.append(c)
    return _repairs(code, options)


def _check_code(f: Field, raw: str, *, kind: str) -> Any:
    """Validate a code, repairing look-alike characters only where exactly one repair passes
    the check digit. Returns the validator's info, or None (f then says why)."""
    code = _code_text(raw)
    validate = validate_ric if kind == "ric" else validate_uscc
    f.value = code
    try:
        return validate(code, field="image")
    except ValidationFailed as exc:
        first_error = exc.message
    candidates = _ric_candidates(code) if kind == "ric" else _uscc_candidates(code)
    passing = []
    for candidate in dict.fromkeys(candidates):
        if candidate == code:
            continue
        try:
            passing.append((candidate, validate(candidate, field="image")))
        except ValidationFailed:
            continue
    if len(passing) == 1:
        f.value = passing[0][0]
        return passing[0][1]
    f.fail(f"{first_error}，请核对原件后手工填写")
    return None


# ---------------------------------------------------------------- field checks

ETHNIC_GROUPS = [
    "汉",
    "蒙古",
    "回",
    "藏",
    "维吾尔",
    "苗",
    "彝",
    "壮",
    "布依",
    "朝鲜",
    "满",
    "侗",
    "瑶",
    "白",
    "土家",
    "哈尼",
    "哈萨克",
    "傣",
    "黎",
    "傈僳",
    "佤",
    "畲",
    "高山",
    "拉祜",
    "水",
    "东乡",
    "纳西",
    "景颇",
    "柯尔克孜",
    "土",
    "达斡尔",
    "仫佬",
    "羌",
    "布朗",
    "撒拉",
    "毛南",
    "仡佬",
    "锡伯",
    "阿昌",
    "普米",
    "塔吉克",
    "怒",
    "乌孜别克",
    "俄罗斯",
    "鄂温克",
    "德昂",
    "保安",
    "裕固",
    "京",
    "塔塔尔",
    "独龙",
    "鄂伦春",
    "赫哲",
    "门巴",
    "珞巴",
    "基诺",
]
# Traditional forms the recogniser sometimes returns for simplified characters (强 → 強): the
# documents are printed in simplified characters, so these are always misreadings. Covers
# the characters of names, places, company names and scopes met in practice.
_TRADITIONAL = (
    "漢納維錫溫達爾倫門羅僑強華國東張陳劉楊黃趙吳孫鄭馮蘇葉蕭鄧許謝韓呂偉軍傑濤紅麗興龍鳳豐勝誠萬號鎮區縣鄉農業貿術發廣場廠經"
    "營銷設計製務資責億圓義組棟灣橋陽長雲鵬恆潤風運輸倉儲電網絡飲產養蝦魚類個體戶獨雙儀劍輝穎瑩靜豔艷樂曉蘭韻傳書寶貴賢鋒鐵銀"
    "錦鍾鐘關間開閻蔣盧聶譚賴顧龔萊嚴夢鄒錢湯馬魯喬賈範陸劃線車輛貨買賣氣歲聯礦頭園壩團際環舉實處證員辦項單點飾裝築鋼鋁飯館會"
    "議覽遊莊湧沖嶺崗壇廟燈煙藥醫療衛檢測試驗訊護寧黨幣貳參"
)
_SIMPLIFIED = (
    "汉纳维锡温达尔伦门罗侨强华国东张陈刘杨黄赵吴孙郑冯苏叶萧邓许谢韩吕伟军杰涛红丽兴龙凤丰胜诚万号镇区县乡农业贸术发广场厂经"
    "营销设计制务资责亿圆义组栋湾桥阳长云鹏恒润风运输仓储电网络饮产养虾鱼类个体户独双仪剑辉颖莹静艳艳乐晓兰韵传书宝贵贤锋铁银"
    "锦钟钟关间开阎蒋卢聂谭赖顾龚莱严梦邹钱汤马鲁乔贾范陆划线车辆货买卖气岁联矿头园坝团际环举实处证员办项单点饰装筑钢铝饭馆会"
    "议览游庄涌冲岭岗坛庙灯烟药医疗卫检测试验讯护宁党币贰叁"
)
_TO_SIMPLIFIED = str.maketrans(_TRADITIONAL, _SIMPLIFIED)
_CJK_NAME = re.compile(r"[\u4e00-\u9fff]{2,4}|[\u4e00-\u9fff]{1,8}(?:·[\u4e00-\u9fff]{1,8})+")
_CJK_ONLY = re.compile(r"[^\u4e00-\u9fff·]")
_DATE = re.compile(r"(\d{4})\D{0,3}?(\d{1,2})\D{0,3}?(\d{1,2})")
_CAPITAL = re.compile(
    r"(?:人民币)?[0-9.,，]+(?:万|亿)?元(?:人民币)?(?:整)?|[零壹贰叁肆伍陆柒捌玖拾佰仟万亿圆元整]+"
)


def _digits(raw: str) -> str:
    return "".join(
        _DIGIT_LOOKALIKES.get(c, c) if c.isalpha() and c.isascii() else c for c in raw.upper()
    )


def _check_date(f: Field, raw: str) -> datetime.date | None:
    match = _DATE.search(_digits(raw.translate(_CODE_FOLD)))
    if match is None:
        f.value = raw
        f.fail(f"“{f.label}”不是可识别的日期，请核对后填写")
        return None
    year, month, day = (int(g) for g in match.groups())
    try:
        date = datetime.date(year, month, day)
    except ValueError:
        f.value = raw
        f.fail(f"“{f.label}”{year}年{month}月{day}日不是有效日期，请核对后填写")
        return None
    f.value = date.isoformat()
    today = timezone.localdate()
    if date > today or date.year < 1900:
        f.fail(f"“{f.label}”{date.isoformat()}不在合理范围内，请核对后填写")
    return date


def _check_name(f: Field, raw: str) -> None:
    value = _CJK_ONLY.sub("", raw.replace("•", "·").replace("．", "·"))
    f.value = value
    if not _CJK_NAME.fullmatch(value):
        f.fail(f"“{f.label}”应为2至4个汉字（少数民族姓名可含“·”），识别结果为“{value}”，请核对")


def _new(
    labels: dict[str, str], parsed: dict[str, tuple[str, float]], key: str
) -> tuple[Field, str]:
    raw, confidence = parsed.get(key, ("", 0.0))
    f = Field(label=labels[key], confidence=confidence)
    if not raw:
        f.fail(f"未能识别“{labels[key]}”，请手工填写")
    return f, raw


def _low_confidence(fields: dict[str, Field]) -> None:
    for f in fields.values():
        if f.value and f.ok and f.confidence < LOW_CONFIDENCE:
            f.fail(f"识别把握不大（{f.confidence:.0%}），请核对")


# Place names of the district whose rarer characters the recogniser sometimes drops
# ("涂家垴镇" read as "涂家镇"): a known name missing one character is restored.
PLACE_NAMES = (
    "湖北省", "鄂州市", "梁子湖区", "华容区", "鄂城区", "太和镇", "东沟镇", "梁子镇", "涂家垴镇",
    "沼山镇", "梧桐湖新区",
)  # fmt: skip


def _restore_places(text: str) -> str:
    for name in PLACE_NAMES:
        if name in text:
            continue
        for k in range(1, len(name) - 1):
            shortened = name[:k] + name[k + 1 :]
            if shortened in text and not any(shortened in other for other in PLACE_NAMES):
                text = text.replace(shortened, name, 1)
                break
    return text


# ---------------------------------------------------------------- 身份证

ID_LABELS = {
    "name": "姓名",
    "sex": "性别",
    "ethnicity": "民族",
    "birth_date": "出生",
    "address": "住址",
    "id_number": "公民身份号码",
}
_ID_MATCH = {
    "name": ("姓名",),
    "sex": ("性别",),
    "ethnicity": ("民族",),
    "birth_date": ("出生",),
    "address": ("住址",),
    "id_number": ("公民身份号码", "公民身份号", "身份号码"),
}
_RIC_LIKE = re.compile(r"[0-9OIlDZSB]{17}[0-9Xx×K]")


def parse_id_card(
    items: list[tuple[str, float, tuple[float, float, float, float]]],
) -> dict[str, Field]:
    """The fields of a 身份证 front from OCR text boxes (text, score, (x0, y0, x1, y1))."""
    parsed, boxes = _parse(items, _ID_MATCH, multiline={"address"})
    if "id_number" not in parsed or len(_code_text(parsed["id_number"][0])) < 18:
        # The number without its label (cut off or faint): any 18-character run.
        for b in boxes:
            match = _RIC_LIKE.search(_code_text(b.text))
            if match:
                parsed["id_number"] = (match.group(0), b.score)
                break
    fields: dict[str, Field] = {}

    f, raw = _new(ID_LABELS, parsed, "name")
    if raw:
        _check_name(f, raw)
    fields["name"] = f

    f, raw = _new(ID_LABELS, parsed, "sex")
    if raw:
        raw = _CJK_ONLY.sub("", raw) or raw
        sex = raw[:1] if raw[:1] in "男女" else raw
        # 民族 may have been read into the same box: keep only the sex.
        f.value = sex
        if sex not in ("男", "女"):
            f.fail(f"“性别”应为“男”或“女”，识别结果为“{raw}”")
    fields["sex"] = f

    f, raw = _new(ID_LABELS, parsed, "ethnicity")
    if raw:
        value = _CJK_ONLY.sub("", raw).removesuffix("族")
        # A stray mark read before the value ("☑汉", "族汉"): keep the group name it ends with.
        ending = [g for g in ETHNIC_GROUPS if value.endswith(g)]
        if value not in ETHNIC_GROUPS and ending:
            value = max(ending, key=len)
        f.value = value
        if value not in ETHNIC_GROUPS:
            f.fail(f"“民族”应为56个民族之一，识别结果为“{raw}”，请核对")
    fields["ethnicity"] = f

    f, raw = _new(ID_LABELS, parsed, "birth_date")
    birth = _check_date(f, raw) if raw else None
    fields["birth_date"] = f

    f, raw = _new(ID_LABELS, parsed, "address")
    if raw:
        f.value = _restore_places(raw)
        if len(raw) < 6:
            f.fail("“住址”过短，可能未识别完整，请核对")
    fields["address"] = f

    f, raw = _new(ID_LABELS, parsed, "id_number")
    info = _check_code(f, raw, kind="ric") if raw else None
    fields["id_number"] = f

    if info is not None:
        if birth is not None and info.birth_date != birth:
            message = (
                f"身份证号码中的出生日期{info.birth_date.isoformat()}与“出生”栏"
                f"{birth.isoformat()}不一致"
            )
            fields["birth_date"].fail(message)
            fields["id_number"].fail(message)
        sex_text = {"M": "男", "F": "女"}[info.sex]
        if fields["sex"].value in ("男", "女") and fields["sex"].value != sex_text:
            message = (
                f"身份证号码第17位表示性别为{sex_text}，与“性别”栏“{fields['sex'].value}”不一致"
            )
            fields["sex"].fail(message)
            fields["id_number"].fail(message)
    _low_confidence(fields)
    return fields


# ---------------------------------------------------------------- 营业执照

LICENCE_LABELS = {
    "name": "名称",
    "uscc": "统一社会信用代码",
    "legal_representative": "法定代表人",
    "type": "类型",
    "address": "住所",
    "registered_capital": "注册资本",
    "established_on": "成立日期",
    "business_scope": "经营范围",
}
_LICENCE_MATCH = {
    "name": ("名称",),
    "uscc": ("统一社会信用代码", "社会信用代码", "信用代码"),
    "legal_representative": ("法定代表人", "经营者", "负责人", "执行事务合伙人", "投资人"),
    "type": ("类型", "组成形式"),
    "address": ("住所", "经营场所", "主要经营场所"),
    "registered_capital": ("注册资本", "出资额"),
    "established_on": ("成立日期", "注册日期"),
    "business_scope": ("经营范围",),
    "_term": ("营业期限", "经营期限", "合伙期限"),
    "_authority": ("登记机关",),
}
_USCC_LIKE = re.compile(r"[0-9A-Z]{18}")


def parse_business_licence(
    items: list[tuple[str, float, tuple[float, float, float, float]]],
) -> dict[str, Field]:
    """The fields of a 营业执照 from OCR text boxes (text, score, (x0, y0, x1, y1))."""
    parsed, boxes = _parse(items, _LICENCE_MATCH, multiline={"name", "address", "business_scope"})
    # The code is printed under its label rather than beside it.
    raw_code = _code_text(parsed.get("uscc", ("", 0.0))[0])
    if len(raw_code) != 18:
        for b in boxes:
            match = _USCC_LIKE.search(_code_text(b.text))
            if match and not match.group(0).isalpha():
                parsed["uscc"] = (match.group(0), b.score)
                break
    fields: dict[str, Field] = {}

    f, raw = _new(LICENCE_LABELS, parsed, "name")
    if raw:
        f.value = raw
        if len(raw) < 4:
            f.fail("“名称”过短，可能未识别完整，请核对")
    fields["name"] = f

    f, raw = _new(LICENCE_LABELS, parsed, "uscc")
    if raw:
        _check_code(f, raw, kind="uscc")
    fields["uscc"] = f

    f, raw = _new(LICENCE_LABELS, parsed, "legal_representative")
    if raw:
        _check_name(f, raw)
    fields["legal_representative"] = f

    f, raw = _new(LICENCE_LABELS, parsed, "type")
    if raw:
        f.value = raw.replace("(", "（").replace(")", "）")
    fields["type"] = f

    f, raw = _new(LICENCE_LABELS, parsed, "address")
    if raw:
        f.value = _restore_places(raw)
        if len(raw) < 6:
            f.fail("“住所”过短，可能未识别完整，请核对")
    fields["address"] = f

    raw, confidence = parsed.get("registered_capital", ("", 0.0))
    f = Field(label=LICENCE_LABELS["registered_capital"], confidence=confidence)
    if raw:
        f.value = raw.replace(",", "").replace("，", "")
        if not _CAPITAL.fullmatch(f.value):
            f.fail(f"“注册资本”格式不正确，识别结果为“{raw}”，请核对")
    elif not re.search("经营者|经营场所|组成形式", _labels_seen(boxes)):
        # A 个体工商户's licence has no 注册资本; any other licence does.
        f.fail("未能识别“注册资本”，请手工填写")
    fields["registered_capital"] = f

    f, raw = _new(LICENCE_LABELS, parsed, "established_on")
    if raw:
        _check_date(f, raw)
    fields["established_on"] = f

    raw, confidence = parsed.get("business_scope", ("", 0.0))
    fields["business_scope"] = Field(
        label=LICENCE_LABELS["business_scope"], value=raw, confidence=confidence
    )
    _low_confidence(fields)
    return fields


def _labels_seen(boxes: list[_Box]) -> str:
    return "".join(_clean(b.text) for b in boxes)


# ---------------------------------------------------------------- entry points


def _recognise(image: bytes | BinaryIO, document: str) -> Recognition:
    started = time.perf_counter()
    picture = load_image(image)
    items = engine.run(picture, det_side=DET_SIDE if document == ID_CARD else DET_SIDE_LICENCE)
    parse = parse_id_card if document == ID_CARD else parse_business_licence
    fields = parse(items)
    if not any(f.value for f in fields.values()):
        name = "身份证" if document == ID_CARD else "营业执照"
        raise ValidationFailed(
            f"图片中未识别到{name}的内容，请确认上传的是{name}{'人像面' if document == ID_CARD else ''}"
            "的清晰照片或扫描件",
            field="image",
            code="nothing_recognised",
        )
    return Recognition(document=document, fields=fields, seconds=time.perf_counter() - started)


def recognise_id_card(image: bytes | BinaryIO) -> Recognition:
    """Read the front of a 居民身份证 (JPEG/PNG bytes or file): 姓名、性别、民族、出生、住址、
    公民身份号码, each checked. Raises ValidationFailed(field="image") for a bad image."""
    return _recognise(image, ID_CARD)


def recognise_business_licence(image: bytes | BinaryIO) -> Recognition:
    """Read a 营业执照 (JPEG/PNG bytes or file): 名称、统一社会信用代码、法定代表人（经营者）、类型、
    住所（经营场所）、注册资本、成立日期、经营范围, each checked."""
    return _recognise(image, BUSINESS_LICENCE)
