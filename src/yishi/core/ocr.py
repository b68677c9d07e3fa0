"""智能识别填单: read a photo or scan of a 居民身份证 (front) or a 营业执照 (正本 or 副本; a
company's, a 个体工商户's or a partnership's) and return its fields for the person to confirm,
each marked checked (ok) only when it is proven or read surely — never a wrong value marked
checked.

1. Geometry: the document's outline is found in the photo (OpenCV, largest four-sided
   contour) and warped to a rectangle, undoing tilt and perspective (`rectify`); what tilt
   remains is measured from the text lines and the lines' quadrilaterals are turned level
   (`skew_degrees`, `_layout`), so rows and columns are found on the corrected page.
2. Recognition: RapidOCR on the CPU with the models its wheel ships (their paths passed
   explicitly, nothing downloaded), loaded once per process; every character comes back with
   its confidence.
3. Layouts as data (`Layout`, `FieldSpec`): the fields of each variant and the labels printed
   for them; the licence's variant is told by the labels on the page (经营者 / 组成形式 for a
   个体工商户, 执行事务合伙人 / 出资额 for a partnership). A label takes the text to its right
   up to the next column and, for multi-line fields, the lines below that start under its
   value; letter-spaced labels read as several boxes ("经" "营" "者"), labels broken over two
   lines ("执行事务" / "合伙人") and a label read into its value's box are joined or split.
4. Honest checks: a rule proves a field where one exists (GB 11643 / GB 32100 check
   characters, repairing look-alikes only where exactly one repair passes; the birth date and
   sex against the ID number; a value from a closed list: 民族, 类型, 组成形式); any other field
   stays checked only when every character was read at CHAR_CONFIDENCE (a character outside
   GB 2312 level 1 at RARE_CONFIDENCE) unless it lies in a place name our own data knows, no
   known place name is read one character off, an address ends as addresses do, a scope's
   brackets pair. Otherwise ok=False with the reason in Chinese, and the form asks the
   person to confirm.
5. Cross-checks (`cross_check`): an ID number found in the population registry, or a credit
   code found in the company registry, is compared with the registry's name (and birth date,
   sex, legal representative); agreement proves a field, a difference is shown, never
   silently replaced, and a person's registered values are named only to that person or a
   clerk holding the card.
"""

from __future__ import annotations

import datetime
import io
import itertools
import math
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

RECTIFY_SIDE = 800  # the document's outline is looked for on the image at this size
MAX_SIDE = 2000  # larger images are scaled down before recognition: no gain, much more time
# A character recognised below this confidence leaves its field for the person to confirm.
# Chosen on the harder set (bench/ocr_fields.py --calibrate): the lowest value at which no
# wrong field stays checked.
CHAR_CONFIDENCE = 0.9
# A character outside GB 2312 level 1 (塆, 垸, 喆 …) must be read surer still.
RARE_CONFIDENCE = 0.98
PUNCTUATION_CONFIDENCE = 0.5
# How the names of market entities end: a name line ending so is not continued below (unless
# the line below opens a bracket: "……合伙企业" / "（普通合伙）").
NAME_END = re.compile(
    r"(公司|企业|中心|店|场|厂|部|社|馆|行|坊|室|所|站|处|院|园|门市|超市|工作室|合作社|"
    r"（有限合伙）|（普通合伙）|（特殊普通合伙）|\)|）)$"
)
# How addresses end; one that ends otherwise probably lost its last line.
ADDRESS_END = re.compile(
    r"(号|室|组|村|户|栋|幢|单元|楼|层|队|厂|场|园|院|区|镇|乡|街|路|道|弄|巷|里|屯|湾|塆|垸|湾|"
    r"小区|社区|大厦|中心|市场|门面|商铺|附近|旁|侧|对面)$"
)
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

    def run(self, image: Any, *, det_side: int = DET_SIDE) -> list[Line]:
        """The text lines found: text, mean score, the detector's quadrilateral and each
        character's recognition confidence."""
        ocr = self.get()
        with self._run_lock:
            detector = getattr(ocr, "text_det", None)
            if detector is not None and hasattr(detector, "limit_side_len"):
                # Read by rapidocr 3.10's detector on every call.
                detector.limit_side_len = det_side
            result = ocr(image, return_word_box=True, return_single_char_box=True)
        boxes = getattr(result, "boxes", None)
        if boxes is None:
            return []
        words = list(getattr(result, "word_results", None) or [])
        lines = []
        for i, (text, score, box) in enumerate(zip(result.txts, result.scores, boxes, strict=True)):
            text = str(text)
            quad = tuple((float(p[0]), float(p[1])) for p in box)
            confs: tuple[float, ...] = ()
            if i < len(words) and words[i]:
                chars = "".join(str(w[0]) for w in words[i])
                per_char = [float(w[1]) for w in words[i] for _ in str(w[0])]
                if chars == text and len(per_char) == len(text):
                    confs = tuple(per_char)
            lines.append(Line(text, float(score), quad, confs or (float(score),) * len(text)))
        return lines


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


@dataclass(frozen=True)
class Line:
    """A text line as the engine found it: its text, mean score, quadrilateral (four corners
    clockwise from the top left, in image pixels) and each character's confidence."""

    text: str
    score: float
    quad: tuple[tuple[float, float], ...]
    confs: tuple[float, ...]

    @classmethod
    def from_item(cls, item: Line | tuple) -> Line:
        """A Line, or (text, score, (x0, y0, x1, y1)) as the parsing tests write them (every
        character then has the line's score)."""
        if isinstance(item, Line):
            return item
        text, score, (x0, y0, x1, y1) = item
        quad = ((x0, y0), (x1, y0), (x1, y1), (x0, y1))
        return cls(str(text), float(score), quad, (float(score),) * len(str(text)))


@dataclass
class Field:
    """One recognised field: the value to prefill and whether its check passed."""

    label: str
    value: str = ""
    confidence: float = 0.0
    ok: bool = True
    message: str = ""
    registered: str = ""  # the registry's value, when it differs and may be shown

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
            **({"registered": self.registered} if self.registered else {}),
        }


@dataclass
class Recognition:
    document: str
    fields: dict[str, Field] = field(default_factory=dict)
    seconds: float = 0.0
    registry: str = ""  # "population" or "company" when a registry record was compared

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


# ---------------------------------------------------------------- geometry


def rectify(picture: Any) -> Any:
    """The document cut out of a photo and squared: the largest four-sided outline covering
    a quarter to nearly all of the image (a card or a licence on a desk) is warped to a
    rectangle, which undoes a tilt and a mild perspective before any text is read. A scan or
    a photo cropped to the document is returned as it is."""
    import cv2
    import numpy as np
    from PIL import Image

    rgb = np.asarray(picture)
    height, width = rgb.shape[:2]
    scale = RECTIFY_SIDE / max(height, width)
    small = cv2.resize(rgb, (round(width * scale), round(height * scale)))
    gray = cv2.GaussianBlur(cv2.cvtColor(small, cv2.COLOR_RGB2GRAY), (5, 5), 0)
    edges = cv2.dilate(cv2.Canny(gray, 40, 120), np.ones((3, 3), np.uint8))
    contours, _ = cv2.findContours(edges, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    area = small.shape[0] * small.shape[1]
    for contour in sorted(contours, key=cv2.contourArea, reverse=True)[:5]:
        hull = cv2.convexHull(contour)
        quad = cv2.approxPolyDP(hull, 0.02 * cv2.arcLength(hull, True), True)
        if len(quad) != 4 or not 0.25 * area < cv2.contourArea(quad) < 0.97 * area:
            continue
        corners = _order_corners(quad.reshape(4, 2).astype("float32") / scale)
        (tl, tr, br, bl) = corners
        out_w = round(max(np.linalg.norm(tr - tl), np.linalg.norm(br - bl)))
        out_h = round(max(np.linalg.norm(bl - tl), np.linalg.norm(br - tr)))
        if min(out_w, out_h) < 200:
            return picture
        target = np.array([[0, 0], [out_w - 1, 0], [out_w - 1, out_h - 1], [0, out_h - 1]])
        matrix = cv2.getPerspectiveTransform(corners, target.astype("float32"))
        warped = cv2.warpPerspective(rgb, matrix, (out_w, out_h), flags=cv2.INTER_LINEAR)
        return Image.fromarray(warped)
    return picture


def _order_corners(points: Any) -> Any:
    """Top-left, top-right, bottom-right, bottom-left."""
    import numpy as np

    sums = points.sum(axis=1)
    diffs = np.diff(points, axis=1).ravel()
    return np.array(
        [
            points[np.argmin(sums)],
            points[np.argmin(diffs)],
            points[np.argmax(sums)],
            points[np.argmax(diffs)],
        ],
        dtype="float32",
    )


def skew_degrees(lines: list[Line]) -> float:
    """The page's tilt: the median angle of the top edges of the longer text lines."""
    angles = []
    for line in lines:
        (x0, y0), (x1, y1) = line.quad[0], line.quad[1]
        (_, y3) = line.quad[3]
        width, height = math.hypot(x1 - x0, y1 - y0), abs(y3 - y0)
        if width > 2.5 * max(height, 1):
            angles.append(math.degrees(math.atan2(y1 - y0, x1 - x0)))
    if len(angles) < 3:
        return 0.0
    angles.sort()
    return angles[len(angles) // 2]


# ---------------------------------------------------------------- layout


@dataclass
class _Box:
    text: str
    score: float
    x0: float
    y0: float
    x1: float
    y1: float
    confs: tuple[float, ...] = ()

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
    inline_confs: tuple[float, ...] = ()
    value_x: float = 0.0  # where the value starts on the label's line
    parts: list[_Box] = field(default_factory=list)
    members: tuple[int, ...] = ()  # the boxes the label was read from


def _clean(text: str) -> str:
    return re.sub(r"\s+", "", text.replace("\u3000", " "))


def _clean_with_confs(text: str, confs: tuple[float, ...]) -> tuple[str, tuple[float, ...]]:
    kept = [(c, p) for c, p in zip(text, confs, strict=False) if not c.isspace() and c != "\u3000"]
    return "".join(c for c, _ in kept), tuple(p for _, p in kept)


def _same_row(a: _Box, b: _Box) -> bool:
    return abs(a.cy - b.cy) < 0.55 * max(a.h, b.h)


def _find_labels(boxes: list[_Box], labels: dict[str, tuple[str, ...]]) -> list[_Found]:
    """Boxes that are, or begin with, a field label; a label read as several neighbouring
    boxes on its row ("名" "称", "经" "营" "者": letter-spaced labels) is joined first."""
    ordered = sorted(
        ((label, key) for key, ls in labels.items() for label in ls), key=lambda p: -len(p[0])
    )
    found: list[_Found] = []
    used: set[int] = set()
    for i, box in enumerate(boxes):
        if i in used:
            continue
        text = _label_text(box.text)
        if not text:
            continue
        for label, key in ordered:
            if text.startswith(label):
                cut = _label_end(box.text, label)
                inline, confs = _clean_with_confs(box.text[cut:], box.confs[cut:])
                value_x = box.x0 + (box.x1 - box.x0) * cut / max(len(box.text), 1)
                found.append(_Found(key, box, inline, confs, value_x, members=(i,)))
                used.add(i)
                break
            if label.startswith(text) and len(text) < len(label):
                # Gather the rest of the label from the next boxes on the row.
                joined, members, last = text, [i], box
                while len(joined) < len(label):
                    nxt = _next_on_row(boxes, last, exclude=used | set(members))
                    if nxt is None:
                        break
                    rest = _label_text(boxes[nxt].text)
                    need = label[len(joined) :]
                    if not (rest.startswith(need) or need.startswith(rest)):
                        break
                    joined += rest
                    members.append(nxt)
                    last = boxes[nxt]
                if not joined.startswith(label) and len(members) == 1:
                    # A long label broken over two lines ("执行事务" / "合伙人"): the rest
                    # starts the line below, at the label's left edge; the value is on the
                    # first line.
                    below = _below(boxes, box, exclude=used | {i})
                    if below is not None and _label_text(boxes[below].text) == label[len(text) :]:
                        found.append(_Found(key, box, "", (), box.x1, members=(i, below)))
                        used.update({i, below})
                        break
                if not joined.startswith(label):
                    continue
                parts = [boxes[m] for m in members]
                tail = boxes[members[-1]]
                tail_text = _clean(tail.text)
                extra = len(joined) - len(label)  # value characters read into the last box
                inline, confs = "", ()
                if extra:
                    inline, confs = _clean_with_confs(tail.text, tail.confs)
                    inline, confs = inline[-extra:], confs[-extra:]
                merged = _Box(
                    joined, min(p.score for p in parts), box.x0, min(p.y0 for p in parts),
                    tail.x1, max(p.y1 for p in parts), tuple(c for p in parts for c in p.confs),
                )  # fmt: skip
                value_x = tail.x1 - (tail.x1 - tail.x0) * extra / max(len(tail_text), 1)
                found.append(_Found(key, merged, inline, confs, value_x, members=tuple(members)))
                used.update(members)
                break
    # The first occurrence of each field wins (a value may repeat a label word).
    first: dict[str, _Found] = {}
    for item in sorted(found, key=lambda f: (f.box.y0, f.box.x0)):
        first.setdefault(item.key, item)
    return list(first.values())


def _below(boxes: list[_Box], box: _Box, exclude: set[int]) -> int | None:
    """The box starting the line under `box`, at its left edge."""
    for j, other in enumerate(boxes):
        if (
            j not in exclude
            and abs(other.x0 - box.x0) < box.h
            and 0 < other.cy - box.cy < 1.8 * box.h
        ):
            return j
    return None


_LEADING_JUNK = re.compile(r"^[^\w\u3400-\u9fff]+")


def _label_text(text: str) -> str:
    """A box's text as labels are matched: no spaces, no stray marks before it ("☑型")."""
    return _LEADING_JUNK.sub("", _clean(text))


def _label_end(text: str, label: str) -> int:
    """The index in `text` (which may hold spaces and stray marks before it) just after the
    label's last character."""
    seen = 0
    for index, ch in enumerate(text):
        if ch.isspace() or ch == "\u3000" or (seen == 0 and ch != label[0]):
            continue
        seen += 1
        if seen == len(label):
            return index + 1
    return len(text)


def _next_on_row(boxes: list[_Box], box: _Box, exclude: set[int]) -> int | None:
    best, best_x = None, float("inf")
    for j, other in enumerate(boxes):
        if j in exclude or not _same_row(box, other) or other.x0 < (box.x0 + box.x1) / 2:
            continue
        if other.x0 - box.x1 < 4 * box.h and other.x0 < best_x:
            best, best_x = j, other.x0
    return best


def _assign(
    boxes: list[_Box], found: list[_Found], multiline: set[str], label_boxes: set[int]
) -> None:
    """Give each label the value boxes to its right on its row (up to the next label on
    that row) and, for multi-line fields, the lines below that start under its value."""
    taken: set[int] = set(label_boxes)
    label_rows = [f.box for f in found]
    for item in found:
        lab = item.box
        # A label to the right whose line is near this one starts another column (the two
        # columns of a licence drift apart when a value wraps): the value stops before it.
        # A label to the right, on this line or within a few lines of it, starts another
        # column (the two columns of a licence drift apart when a value wraps): the value
        # stops before it.
        right_limit = min(
            (
                o.box.x0
                for o in found
                if o is not item
                and abs(o.box.cy - lab.cy) < 2.5 * max(o.box.h, lab.h)
                and o.box.x0 > lab.x1 + lab.h
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
        start_x = item.parts[0].x0 if item.parts else (item.value_x if item.inline else lab.x1)
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
        while True:
            cand = [
                (j, b) for j, b in enumerate(boxes)
                if j not in taken and b.cy > last_cy + line_h * 0.4 and b.y0 - last_y1 < line_h * 0.9
                and b.cy < bottom and b.x0 < right_limit - lab.h * 0.5
                and abs(b.x0 - start_x) < 1.2 * line_h
                # a line beside a label of this column belongs to that label's field
                and not any(
                    _same_row(b, r) and abs(r.x0 - lab.x0) < 3 * lab.h and r is not lab
                    for r in label_rows
                )
            ]  # fmt: skip
            if not cand:
                break
            j, b = min(cand, key=lambda p: p[1].y0)
            so_far = "".join(_clean(p.text) for p in item.parts) or item.inline
            if (
                item.key == "name"
                and NAME_END.search(so_far)
                and not _clean(b.text).startswith(("（", "("))
            ):
                break  # the name is whole: the line below is another field's value
            taken.add(j)
            item.parts.append(b)
            last_y1, last_cy = b.y1, b.cy


def _layout(items: list[Line | tuple]) -> list[_Box]:
    """Boxes in the page's own frame: every quadrilateral turned by the page's tilt about the
    image's centre, so rows and columns are level, then its axis-aligned bounds."""
    lines = [Line.from_item(item) for item in items]
    angle = math.radians(skew_degrees(lines))
    cos, sin = math.cos(-angle), math.sin(-angle)
    points = [p for line in lines for p in line.quad]
    cx = sum(p[0] for p in points) / max(len(points), 1)
    cy = sum(p[1] for p in points) / max(len(points), 1)
    boxes = []
    for line in lines:
        if not _clean(line.text):
            continue
        turned = [
            (cx + (x - cx) * cos - (y - cy) * sin, cy + (x - cx) * sin + (y - cy) * cos)
            for x, y in line.quad
        ]
        xs, ys = [p[0] for p in turned], [p[1] for p in turned]
        boxes.append(_Box(line.text, line.score, min(xs), min(ys), max(xs), max(ys), line.confs))
    boxes.sort(key=lambda b: (b.y0, b.x0))
    return boxes


@dataclass
class _Raw:
    """A field's text as read, with each character's confidence."""

    text: str
    confs: tuple[float, ...]

    @property
    def confidence(self) -> float:
        return min(self.confs, default=0.0)


def _parse(
    items: list[Line | tuple],
    labels: dict[str, tuple[str, ...]],
    multiline: set[str],
) -> tuple[dict[str, _Raw], list[_Box]]:
    """{field: its raw text and confidences} for each label found, and all boxes."""
    boxes = _layout(items)
    found = _find_labels(boxes, labels)
    label_ids = {i for f in found for i in f.members}
    _assign(boxes, found, multiline, label_ids)
    out: dict[str, _Raw] = {}
    for f in found:
        text, confs = f.inline, f.inline_confs
        for p in f.parts:
            t, c = _clean_with_confs(p.text, p.confs)
            text, confs = text + t, confs + c
        out[f.key] = _Raw(text.translate(_TO_SIMPLIFIED).translate(_FULL_WIDTH), confs)
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
# The documents print Chinese punctuation; the recogniser often returns the ASCII forms.
# (Codes and dates are read by their own rules, which ignore punctuation.)
_FULL_WIDTH = str.maketrans(
    {"(": "（", ")": "）", ":": "：", ";": "；", ",": "，", "!": "！", "?": "？"}
)
_BRACKETS = frozenset("（）()")
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
    text = raw.replace("•", "·").replace("．", "·")
    value = _CJK_ONLY.sub("", text)
    f.value = value
    if not _CJK_NAME.fullmatch(value) or value != _clean(text):
        # a digit or a letter read into a name is a misreading, not part of the name
        f.fail(f"“{f.label}”应为2至4个汉字（少数民族姓名可含“·”），识别结果为“{raw}”，请核对")


def _gb2312_level1(ch: str) -> bool:
    """One of GB 2312's 3,755 level-1 (common) characters: rows 16–55, first byte B0–D7."""
    try:
        encoded = ch.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return len(encoded) == 2 and 0xB0 <= encoded[0] <= 0xD7


def _is_cjk(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" or ch >= "\U00020000"


def _trust(f: Field, raw: _Raw, *, known: tuple[str, ...] = (), address: bool = False) -> None:
    """Keep a field checked only when its reading is sure: every character recognised at
    CHAR_CONFIDENCE or above, a character outside GB 2312 level 1 at RARE_CONFIDENCE or above
    (rare characters are the ones read as common look-alikes), except inside a place name our
    own data confirms (`known`: the district's and the catalog's regions); an address must
    end as addresses do (号, 室, 组, 村 …), or a line of it was probably lost. Fields a rule
    proves (check digits, the ID number's birth date and sex, a value from a closed list) are
    not sent here."""
    if not f.ok:
        return
    f.confidence = raw.confidence
    confirmed: set[int] = set()
    for word in known:
        start = raw.text.find(word)
        while start >= 0:
            confirmed.update(range(start, start + len(word)))
            start = raw.text.find(word, start + 1)
    doubtful = []
    for k, (ch, conf) in enumerate(zip(raw.text, raw.confs, strict=False)):
        if ch in _BRACKETS:
            need = PUNCTUATION_CONFIDENCE  # （ read as ( is normalised above
        elif _is_cjk(ch) and not _gb2312_level1(ch):
            need = RARE_CONFIDENCE
        else:
            need = CHAR_CONFIDENCE
        if k not in confirmed and conf < need:
            doubtful.append(ch)
    near = _near_place(f.value, known) if address else None
    if doubtful:
        f.fail(f"“{''.join(dict.fromkeys(doubtful))}”识别把握不大，请对照原件核对")
    elif near is not None:
        f.fail(f"“{near[0]}”与地名“{near[1]}”只差一字，请对照原件核对")
    elif address and not ADDRESS_END.search(f.value):
        f.fail(f"“{f.label}”可能未识别完整（未以门牌号、组、村等结尾），请对照原件核对")


def _near_place(value: str, known: tuple[str, ...]) -> tuple[str, str] | None:
    """(text, place) when the value holds a known place name of 3+ characters with one
    character read differently (涂家坛镇 for 涂家垴镇): a rare character taken for a common
    one with confidence."""
    for place in known:
        size = len(place)
        if size < 3 or place in value:
            continue
        for start in range(len(value) - size + 1):
            piece = value[start : start + size]
            if (
                sum(a != b for a, b in zip(piece, place, strict=True)) == 1
                and piece[-1] == place[-1]
            ):
                return piece, place
    return None


def _new(labels: dict[str, str], parsed: dict[str, _Raw], key: str) -> tuple[Field, _Raw]:
    raw = parsed.get(key, _Raw("", ()))
    f = Field(label=labels[key], confidence=raw.confidence)
    if not raw.text:
        f.fail(f"未能识别“{labels[key]}”，请手工填写")
    return f, raw


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


def known_places() -> tuple[str, ...]:
    """Place names our own data confirms: the district's (PLACE_NAMES) and every region of
    the catalog, longest first. Read from the database when there is one."""
    from django.db import DatabaseError

    from yishi.catalog.models import Region

    names = set(PLACE_NAMES)
    try:
        names.update(n for n in Region.objects.values_list("name", flat=True) if n)
    except DatabaseError:  # a database without the catalog yet: the district's names only
        names = set(PLACE_NAMES)
    return tuple(sorted(names, key=len, reverse=True))


# ---------------------------------------------------------------- layouts


@dataclass(frozen=True)
class FieldSpec:
    """One field of a document: its key, the labels printed for it (the first is shown), and
    whether its value may run over several lines."""

    key: str
    labels: tuple[str, ...]
    multiline: bool = False


@dataclass(frozen=True)
class Layout:
    """A document's variant: its fields, and `markers`, labels only this variant prints (the
    variant is the one whose markers the page shows most; the first listed is the default).
    `stops`: labels of no field that end the values above them (营业期限, 登记机关)."""

    document: str
    variant: str
    title: str
    fields: tuple[FieldSpec, ...]
    markers: tuple[str, ...] = ()
    stops: tuple[str, ...] = ()

    @property
    def labels(self) -> dict[str, str]:
        return {f.key: f.labels[0] for f in self.fields}

    def matcher(self) -> dict[str, tuple[str, ...]]:
        found = {f.key: f.labels for f in self.fields}
        if self.stops:
            found["_stop"] = self.stops
        return found


ID_FRONT = Layout(
    document="id_card",
    variant="id_front",
    title="居民身份证（人像面）",
    fields=(
        FieldSpec("name", ("姓名",)),
        FieldSpec("sex", ("性别",)),
        FieldSpec("ethnicity", ("民族",)),
        FieldSpec("birth_date", ("出生",)),
        FieldSpec("address", ("住址",), multiline=True),
        FieldSpec("id_number", ("公民身份号码", "公民身份号", "身份号码")),
    ),
)
# The fields every licence variant prints alike.
_NAME = FieldSpec("name", ("名称",), multiline=True)
_USCC = FieldSpec("uscc", ("统一社会信用代码", "社会信用代码", "信用代码"))
_TYPE = FieldSpec("type", ("类型",), multiline=True)
_SCOPE = FieldSpec("business_scope", ("经营范围",), multiline=True)
_LICENCE_STOPS = ("营业期限", "经营期限", "合伙期限", "登记机关")
LICENCE_COMPANY = Layout(
    document="business_licence",
    variant="company",
    title="营业执照（企业）",
    fields=(
        _NAME,
        _USCC,
        FieldSpec("legal_representative", ("法定代表人", "负责人", "投资人")),
        _TYPE,
        FieldSpec("address", ("住所",), multiline=True),
        FieldSpec("registered_capital", ("注册资本",)),
        FieldSpec("established_on", ("成立日期",)),
        _SCOPE,
    ),
    markers=("法定代表人", "注册资本", "住所"),
    stops=_LICENCE_STOPS,
)
LICENCE_INDIVIDUAL = Layout(
    document="business_licence",
    variant="individual",
    title="营业执照（个体工商户）",
    fields=(
        _NAME,
        _USCC,
        FieldSpec("legal_representative", ("经营者",)),
        _TYPE,
        FieldSpec("composition", ("组成形式",)),
        FieldSpec("address", ("经营场所",), multiline=True),
        FieldSpec("established_on", ("注册日期", "成立日期")),
        _SCOPE,
    ),
    markers=("经营者", "组成形式", "经营场所", "注册日期"),
    stops=_LICENCE_STOPS,
)
LICENCE_PARTNERSHIP = Layout(
    document="business_licence",
    variant="partnership",
    title="营业执照（合伙企业）",
    fields=(
        _NAME,
        _USCC,
        FieldSpec("legal_representative", ("执行事务合伙人",)),
        _TYPE,
        FieldSpec("address", ("主要经营场所",), multiline=True),
        FieldSpec("registered_capital", ("出资额",)),
        FieldSpec("established_on", ("成立日期",)),
        _SCOPE,
    ),
    markers=("执行事务合伙人", "主要经营场所", "出资额", "合伙期限"),
    stops=_LICENCE_STOPS,
)
LICENCE_LAYOUTS = (LICENCE_COMPANY, LICENCE_INDIVIDUAL, LICENCE_PARTNERSHIP)
# The market-entity types a licence prints (市场主体类型); a value read as one of them is
# proven by the list.
ENTITY_TYPES = (
    "有限责任公司", "有限责任公司（自然人投资或控股）", "有限责任公司（自然人独资）",
    "有限责任公司（法人独资）", "有限责任公司（国有独资）", "有限责任公司（非自然人投资或控股的法人独资）",
    "有限责任公司（自然人投资或控股的法人独资）", "有限责任公司分公司（自然人投资或控股）",
    "其他有限责任公司", "股份有限公司（非上市、自然人投资或控股）", "股份有限公司（上市、自然人投资或控股）",
    "其他股份有限公司（非上市）", "个人独资企业", "普通合伙企业", "有限合伙企业", "特殊普通合伙企业",
    "个体工商户", "农民专业合作社",
)  # fmt: skip
COMPOSITIONS = ("个人经营", "家庭经营")
# Licence fields whose value is one of a closed list: a value read as one of them is proven.
CLOSED_LISTS = {
    "type": (ENTITY_TYPES, "不是常见的市场主体类型"),
    "composition": (COMPOSITIONS, "应为“个人经营”或“家庭经营”"),
}

# Back-compatible names: the fields' labels of the default variants.
ID_LABELS = ID_FRONT.labels
LICENCE_LABELS = LICENCE_COMPANY.labels


def _variant(text: str) -> Layout:
    """The licence variant whose own labels the page shows most (the company's on a tie)."""
    scores = [
        (sum(m in text for m in layout.markers), -i) for i, layout in enumerate(LICENCE_LAYOUTS)
    ]
    return LICENCE_LAYOUTS[-max(scores)[1]]


def _all_text(boxes: list[_Box]) -> str:
    return "".join(_clean(b.text) for b in boxes)


# ---------------------------------------------------------------- 身份证


def _dissimilar_groups(group: str) -> bool:
    """A group name no other group's name contains or is contained in (土 and 土家 are not):
    a valid name read is then the name printed."""
    return not any(g != group and (g in group or group in g) for g in ETHNIC_GROUPS)


_RIC_LIKE = re.compile(r"[0-9OIlDZSB]{17}[0-9Xx×K]")


def parse_id_card(
    items: list[Line | tuple], *, places: tuple[str, ...] = PLACE_NAMES
) -> dict[str, Field]:
    """The fields of a 身份证 front from the engine's lines (or (text, score, (x0, y0, x1, y1))
    tuples): each checked by a rule where one exists, else kept checked only when its reading
    is sure (_trust)."""
    layout = ID_FRONT
    multiline = {f.key for f in layout.fields if f.multiline}
    parsed, boxes = _parse(items, layout.matcher(), multiline)
    labels = layout.labels
    if "id_number" not in parsed or len(_code_text(parsed["id_number"].text)) < 18:
        # The number without its label (cut off or faint): any 18-character run.
        for b in boxes:
            match = _RIC_LIKE.search(_code_text(b.text))
            if match:
                parsed["id_number"] = _Raw(match.group(0), (b.score,) * 18)
                break
    fields: dict[str, Field] = {}

    f, raw = _new(labels, parsed, "name")
    if raw.text:
        _check_name(f, raw.text)
    fields["name"] = f

    f, raw = _new(labels, parsed, "sex")
    if raw.text:
        text = _CJK_ONLY.sub("", raw.text) or raw.text
        sex = text[:1] if text[:1] in "男女" else text
        # 民族 may have been read into the same box: keep only the sex.
        f.value = sex
        if sex not in ("男", "女"):
            f.fail(f"“性别”应为“男”或“女”，识别结果为“{raw.text}”")
    fields["sex"] = f

    f, raw = _new(labels, parsed, "ethnicity")
    if raw.text:
        value = _CJK_ONLY.sub("", raw.text).removesuffix("族")
        # A stray mark read before the value ("☑汉", "族汉"): keep the group name it ends with.
        ending = [g for g in ETHNIC_GROUPS if value.endswith(g)]
        if value not in ETHNIC_GROUPS and ending:
            value = max(ending, key=len)
        f.value = value
        if value not in ETHNIC_GROUPS:
            f.fail(f"“民族”应为56个民族之一，识别结果为“{raw.text}”，请核对")
    fields["ethnicity"] = f
    proven = {"id_number"}
    if fields["ethnicity"].value in ETHNIC_GROUPS and _dissimilar_groups(fields["ethnicity"].value):
        proven.add("ethnicity")

    f, raw = _new(labels, parsed, "birth_date")
    birth = _check_date(f, raw.text) if raw.text else None
    fields["birth_date"] = f

    f, raw = _new(labels, parsed, "address")
    if raw.text:
        f.value = _restore_places(raw.text)
        if len(raw.text) < 6:
            f.fail("“住址”过短，可能未识别完整，请核对")
    fields["address"] = f

    f, raw = _new(labels, parsed, "id_number")
    info = _check_code(f, raw.text, kind="ric") if raw.text else None
    fields["id_number"] = f

    if info is not None:
        if birth is not None and info.birth_date != birth:
            message = (
                f"身份证号码中的出生日期{info.birth_date.isoformat()}与“出生”栏"
                f"{birth.isoformat()}不一致"
            )
            fields["birth_date"].fail(message)
            fields["id_number"].fail(message)
        elif birth is not None:
            proven.add("birth_date")
        sex_text = {"M": "男", "F": "女"}[info.sex]
        if fields["sex"].value in ("男", "女") and fields["sex"].value != sex_text:
            message = (
                f"身份证号码第17位表示性别为{sex_text}，与“性别”栏“{fields['sex'].value}”不一致"
            )
            fields["sex"].fail(message)
            fields["id_number"].fail(message)
        elif fields["sex"].value == sex_text:
            proven.add("sex")
    for key, f in fields.items():
        if key not in proven:
            _trust(f, parsed.get(key, _Raw("", ())), known=places, address=key == "address")
    return fields


# ---------------------------------------------------------------- 营业执照

_USCC_LIKE = re.compile(r"[0-9A-Z]{18}")


def parse_business_licence(
    items: list[Line | tuple], *, places: tuple[str, ...] = PLACE_NAMES
) -> dict[str, Field]:
    """The fields of a 营业执照 (正本 or 副本; a company's, a 个体工商户's or a partnership's,
    told apart by the labels printed) from the engine's lines; checked as parse_id_card."""
    boxes = _layout(items)
    layout = _variant(_all_text(boxes))
    multiline = {f.key for f in layout.fields if f.multiline}
    parsed, boxes = _parse(items, layout.matcher(), multiline)
    labels = layout.labels
    # The code is printed under its label rather than beside it.
    if len(_code_text(parsed.get("uscc", _Raw("", ())).text)) != 18:
        for b in boxes:
            match = _USCC_LIKE.search(_code_text(b.text))
            if match and not match.group(0).isalpha():
                parsed["uscc"] = _Raw(match.group(0), (b.score,) * 18)
                break
    fields: dict[str, Field] = {}
    proven = {"uscc"}
    for spec in layout.fields:
        key = spec.key
        f, raw = _new(labels, parsed, key)
        fields[key] = f
        if not raw.text:
            continue
        if key == "uscc":
            _check_code(f, raw.text, kind="uscc")
        elif key == "legal_representative":
            _check_name(f, raw.text)
        elif key in CLOSED_LISTS:
            allowed, rule = CLOSED_LISTS[key]
            f.value = raw.text
            if f.value in allowed:
                proven.add(key)
            else:
                f.fail(f"“{f.label}”{rule}，识别结果为“{raw.text}”，请对照原件核对")
        elif key == "address":
            f.value = _restore_places(raw.text)
            if len(raw.text) < 6:
                f.fail(f"“{f.label}”过短，可能未识别完整，请核对")
        elif key == "registered_capital":
            f.value = raw.text.replace(",", "").replace("，", "")
            if not _CAPITAL.fullmatch(f.value):
                f.fail(f"“{f.label}”格式不正确，识别结果为“{raw.text}”，请核对")
        elif key == "established_on":
            _check_date(f, raw.text)
        elif key == "name":
            f.value = raw.text
            if len(raw.text) < 4:
                f.fail("“名称”过短，可能未识别完整，请核对")
        else:
            f.value = raw.text
    scope = fields.get("business_scope")
    if scope is not None and scope.value and not _scope_whole(scope.value):
        scope.fail("“经营范围”可能有漏识别的字或标点（括号不成对或括号后缺分隔号），请对照原件核对")
    if "business_scope" in fields and not fields["business_scope"].value:
        # Some licences print the scope elsewhere; an empty scope is no error to confirm.
        fields["business_scope"] = Field(label=labels["business_scope"])
    for key, f in fields.items():
        if key not in proven and f.value:
            _trust(f, parsed.get(key, _Raw("", ())), known=places, address=key == "address")
    return fields


def _scope_whole(scope: str) -> bool:
    """A business scope as licences print it: brackets in pairs, and an item after a closing
    bracket separated from it (；、，。)."""
    depth = 0
    for ch in scope:
        depth += {"（": 1, "）": -1}.get(ch, 0)
        if depth < 0:
            return False
    return depth == 0 and not re.search(r"）[\u4e00-\u9fff]", scope)


# ---------------------------------------------------------------- cross-checks


def cross_check(recognition: Recognition, *, reveal: Any = False) -> None:
    """Compare what was read with the registries, never replacing it: a recognised ID number
    found in the population registry checks the name, birth date and sex; a recognised credit
    code found in the company registry checks the name and the legal representative. An
    agreeing field is proven (rare characters included); a differing one is marked for the
    person to confirm. The registry's own value is named only when `reveal` allows it (True,
    or a callable taking the registry record: the person themselves, or a clerk with the
    card in hand); otherwise the message only says that it differs."""
    from yishi.people.queries import company_by_uscc, person_by_id_number

    fields = recognition.fields
    if recognition.document == ID_CARD:
        number = fields.get("id_number")
        if number is None or not number.ok:
            return
        record = person_by_id_number(number.value)
        if record is None:
            return
        shown = reveal(record) if callable(reveal) else bool(reveal)
        _compare(fields.get("name"), record.name, "户籍登记", shown)
        _compare(fields.get("sex"), record.get_sex_display(), "户籍登记", shown)
        birth = record.birth_date.isoformat() if record.birth_date else ""
        _compare(fields.get("birth_date"), birth, "户籍登记", shown)
        recognition.registry = "population"
    else:
        code = fields.get("uscc")
        if code is None or not code.ok:
            return
        company = company_by_uscc(code.value)
        if company is None:
            return
        # A company's registered facts are public (国家企业信用信息公示系统): always named.
        _compare(fields.get("name"), company.name, "企业登记", True)
        _compare(fields.get("legal_representative"), company.legal_representative, "企业登记", True)
        recognition.registry = "company"


def _compare(f: Field | None, registered: str, source: str, shown: bool) -> None:
    if f is None or not registered or not f.value:
        return
    if f.value == registered:
        if not f.ok and ("识别把握不大" in f.message or "不常用字" in f.message):
            f.ok, f.message = True, ""
        f.message = f.message or f"与{source}一致"
        return
    f.registered = registered if shown else ""
    detail = f"（登记为“{registered}”）" if shown else ""
    f.fail(f"与{source}不一致{detail}，请对照原件核对")


# ---------------------------------------------------------------- entry points


def _recognise(image: bytes | BinaryIO, document: str) -> Recognition:
    started = time.perf_counter()
    picture = rectify(load_image(image))
    items = engine.run(picture, det_side=DET_SIDE if document == ID_CARD else DET_SIDE_LICENCE)
    parse = parse_id_card if document == ID_CARD else parse_business_licence
    fields = parse(items, places=known_places())
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
