"""Material uploads (scans and photos): checked by content, never by name, and size-limited.

`check_upload` reads at most `max_bytes + 1` bytes, recognises PDF, PNG and JPEG by their
structure (`sniff`), and refuses with a Chinese `ValidationFailed` naming the field: too big,
empty, not an accepted kind, or a name whose extension disagrees with the content (an .exe
renamed .pdf). Odd names are sanitised rather than refused.

`store_upload` checks first (a refused upload stores nothing), then writes the bytes to the
default storage, SM4-GCM encrypted (`seal`), under a content-addressed path
uploads/<2 hex>/<HMAC-SM3>.<ext>, and records one `StoredFile` row per upload; equal content
shares one file. The address is keyed (YISHI_INDEX_KEY), so a path never confirms a known
document by its plain hash. The file is written before the
row; if the row's transaction fails inside `store_upload`, a file it created and no other row
uses is removed at once. A rollback of an enclosing transaction after `store_upload` returned
cannot be seen from here (Django has no rollback hook): `stored_files_sweep` (command
`sweep_uploads`) removes such unreferenced files after a grace period.

A full disk (ENOSPC, a quota) refuses the upload with `StorageFull` (507, a Chinese message)
and leaves neither a row nor the partial file: a truncated file left at the content address
would otherwise pass for the whole one at the next upload of the same bytes.

Every reader of an upload goes through `read_stored` / `open_stored`: they open the sealed
bytes (a modified file raises `StoredFileDamaged`, a Chinese 409, never garbage). Files kept
in plain before encryption came (at their old address, named by the plain SM3) are still
read when their bytes match the row's SM3, until `stored_files_encrypt` (command
`encrypt_uploads`) has sealed and moved them.
"""

from __future__ import annotations

import contextlib
import datetime
import errno
import io
import logging
import re
import struct
import unicodedata
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import IO, Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import DatabaseError, transaction
from django.utils import timezone

from yishi.core.crypto import (
    DecryptionFailed,
    hmac_sm3_hex,
    sm3_hex,
    sm4_decrypt_bytes,
    sm4_encrypt_bytes,
)
from yishi.core.errors import Conflict, StorageFull, ValidationFailed
from yishi.core.models import StoredFile

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
DEFAULT_ALLOWED = (PDF, JPEG, PNG)

# Display label and stored extension per content type, and the name extensions that claim it.
LABELS = {PDF: "PDF", JPEG: "JPEG", PNG: "PNG"}
EXTENSIONS = {PDF: "pdf", JPEG: "jpg", PNG: "png"}
_CLAIMS = {"pdf": PDF, "jpg": JPEG, "jpeg": JPEG, "png": PNG}

UPLOAD_DIR = "uploads"
_CHUNK = 64 * 1024
_NAME_LIMIT = 200
_EXT_RE = re.compile(r"\.([A-Za-z0-9]{1,8})$")
# Characters that are unsafe in file names on some system, beside control characters.
_UNSAFE_RE = re.compile(r'[<>:"|?*]')


@dataclass(frozen=True)
class CheckedUpload:
    """An upload that passed the check; `content` holds its bytes."""

    content_type: str
    extension: str
    size: int
    sm3: str
    name: str
    content: bytes = field(repr=False, compare=False)


# ---------------------------------------------------------------- sniffing


def _is_pdf(data: bytes) -> bool:
    if re.match(rb"%PDF-[12]\.[0-9]", data[:8]) is None:
        return False
    # Writers may put whitespace or a little junk after the final marker.
    return b"%%EOF" in data[-1024:]


def _is_png(data: bytes) -> bool:
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        return False
    pos, first, seen_idat = 8, True, False
    end = len(data)
    while pos + 12 <= end:
        length, ctype = struct.unpack(">I4s", data[pos : pos + 8])
        if length > 0x7FFFFFFF or pos + 12 + length > end or not ctype.isalpha():
            return False
        body = data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        if zlib.crc32(ctype + body) != crc:
            return False
        if first:
            if ctype != b"IHDR" or length != 13:
                return False
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
            allowed_depths = {0: {1, 2, 4, 8, 16}, 2: {8, 16}, 3: {1, 2, 4, 8}, 4: {8, 16}}
            allowed_depths[6] = {8, 16}
            if width == 0 or height == 0 or depth not in allowed_depths.get(colour, ()):
                return False
            first = False
        seen_idat = seen_idat or ctype == b"IDAT"
        pos += 12 + length
        if ctype == b"IEND":
            return seen_idat and length == 0 and pos == end
    return False


# Markers that may carry a length-prefixed segment before the first scan (SOS).
_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}
_SEGMENTS = _SOF | {0xC4, 0xCC, 0xDB, 0xDC, 0xDD, 0xDE, 0xDF, 0xFE} | set(range(0xE0, 0xF0))


def _jpeg_end(data: bytes) -> int | None:
    """Where a JPEG's EOI marker ends, walking its segments and scans; None if the bytes are
    not a complete JPEG (truncated, or a segment that runs past the end)."""
    if not data.startswith(b"\xff\xd8\xff"):
        return None
    pos, end, seen_sof, scans = 2, len(data), False, 0
    while pos < end:
        if data[pos] != 0xFF:
            return None
        while pos < end and data[pos] == 0xFF:  # fill bytes
            pos += 1
        if pos >= end:
            return None
        marker = data[pos]
        if marker == 0xD9:
            return pos + 1 if scans else None
        if pos + 2 >= end or (marker not in _SEGMENTS and marker not in (0xDA, 0xDD)):
            return None
        (length,) = struct.unpack(">H", data[pos + 1 : pos + 3])
        if length < 2 or pos + 1 + length > end:
            return None
        pos += 1 + length
        if marker == 0xDA:
            if not seen_sof:
                return None
            # Entropy-coded data: up to the next marker that is neither a stuffed 0xFF00
            # nor a restart marker (RST0–7).
            start = pos
            while True:
                pos = data.find(b"\xff", pos)
                if pos < 0 or pos + 1 >= end:
                    return None
                following = data[pos + 1]
                if following == 0x00 or 0xD0 <= following <= 0xD7 or following == 0xFF:
                    pos += 1 if following == 0xFF else 2
                    continue
                break
            if pos == start:
                return None
            scans += 1
            continue
        seen_sof = seen_sof or marker in _SOF
    return None


def _is_jpeg(data: bytes) -> bool:
    """A complete JPEG. Bytes after its end marker are allowed (phone cameras append
    maker data or a second, preview image there) unless they carry markup a browser would
    run if it ever took the file for a page."""
    stop = _jpeg_end(data)
    if stop is None:
        return False
    return stop == len(data) or _MARKUP_RE.search(data[stop:]) is None


_CHECKS = ((PDF, _is_pdf), (PNG, _is_png), (JPEG, _is_jpeg))

# Markup a browser would run if it ever took the file for a page: a "PDF" that starts with a
# PDF header and carries HTML (a polyglot) is refused.
_MARKUP_RE = re.compile(rb"<\s*(?:!doctype|html|head|body|script|iframe|svg|meta)\b", re.I)


def image_size(data: bytes, content_type: str) -> tuple[int, int] | None:
    """(width, height) from a PNG's IHDR or a JPEG's frame header, without decoding pixels."""
    if content_type == PNG and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return width, height
    if content_type == JPEG:
        pos, end = 2, len(data)
        while pos + 9 <= end and data[pos] == 0xFF:
            while pos < end and data[pos] == 0xFF:
                pos += 1
            marker = data[pos]
            (length,) = struct.unpack(">H", data[pos + 1 : pos + 3])
            if marker in _SOF:
                height, width = struct.unpack(">HH", data[pos + 4 : pos + 8])
                return width, height
            if marker == 0xDA:
                return None
            pos += 1 + length
    return None


def sniff(data: bytes) -> str | None:
    """The content type of `data` judged by its magic bytes and structure, or None."""
    for content_type, check in _CHECKS:
        if check(data):
            return content_type
    return None


def _magic(data: bytes) -> str | None:
    """What the first bytes claim, whether or not the rest holds up."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\x89PNG"):
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    return None


# ---------------------------------------------------------------- checking


def human_size(size: int) -> str:
    """12.3 MB / 10 MB / 512 KB / 900 字节 (1 MB = 1024 × 1024 bytes, one decimal)."""
    for unit, factor in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= factor:
            return f"{round(size / factor, 1):g} {unit}"
    return f"{size} 字节"


def safe_name(name: str, *, extension: str = "") -> str:
    """The original name fit to keep and show: last path part, no control or unsafe
    characters, at most 200 characters; `extension` is appended when the name has none."""
    name = unicodedata.normalize("NFC", str(name or ""))
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(" " if unicodedata.category(ch).startswith("C") else ch for ch in name)
    name = _UNSAFE_RE.sub("_", name)
    name = re.sub(r"\s+", " ", name).strip(" .")
    if extension and not _EXT_RE.search(name):
        name = f"{name or '未命名'}.{extension}"
    elif not name:
        name = "未命名"
    if len(name) > _NAME_LIMIT:
        match = _EXT_RE.search(name)
        suffix = match.group(0) if match else ""
        name = name[: _NAME_LIMIT - len(suffix)].rstrip(" .") + suffix
    return name


def _too_big(size: int | None, max_bytes: int, field_name: str) -> ValidationFailed:
    shown, limit = human_size(size or 0), human_size(max_bytes)
    if size is None:
        message = f"文件大小超过上限 {limit}"
    elif shown == limit:  # just over: rounding would show the same figure twice
        message = f"文件大小 {size} 字节 超过上限 {max_bytes} 字节"
    else:
        message = f"文件大小 {shown} 超过上限 {limit}"
    return ValidationFailed(message, field=field_name, code="file_too_large")


def _read_limited(data: Any, max_bytes: int, field_name: str) -> bytes:
    """The bytes of `data`, reading at most max_bytes + 1 of a file."""
    if isinstance(data, bytes | bytearray | memoryview):
        raw = bytes(data)
        if len(raw) > max_bytes:
            raise _too_big(len(raw), max_bytes, field_name)
        return raw
    declared = getattr(data, "size", None)
    if isinstance(declared, int) and declared > max_bytes:
        raise _too_big(declared, max_bytes, field_name)
    stream: IO[bytes] = data
    seek = getattr(stream, "seek", None)
    if callable(seek):
        # A pipe cannot seek: read it from where it stands.
        with contextlib.suppress(OSError, ValueError):
            seek(0)
    buffer = bytearray()
    while len(buffer) <= max_bytes:
        chunk = stream.read(min(_CHUNK, max_bytes + 1 - len(buffer)))
        if not chunk:
            break
        buffer += chunk
    if len(buffer) > max_bytes:
        known = declared if isinstance(declared, int) and declared > max_bytes else None
        raise _too_big(known, max_bytes, field_name)
    return bytes(buffer)


def _labels(types: Iterable[str]) -> str:
    labels = [LABELS.get(t, t) for t in types]
    if len(labels) == 1:
        return labels[0]
    return "、".join(labels[:-1]) + " 或 " + labels[-1]


def check_upload(
    *,
    name: str,
    data: Any,
    field: str = "file",
    allowed: Iterable[str] = DEFAULT_ALLOWED,
    max_bytes: int | None = None,
) -> CheckedUpload:
    """Check one upload (bytes, a Django UploadedFile or any binary file object) by content.

    Raises ValidationFailed(field=field) with the reason in Chinese; returns the checked
    upload with its bytes, SM3 hash and a safe original name.
    """
    allowed = tuple(allowed)
    limit = settings.UPLOAD_MAX_BYTES if max_bytes is None else max_bytes
    content = _read_limited(data, limit, field)
    if not content:
        raise ValidationFailed(
            "文件是空的（0 字节），请重新选择文件", field=field, code="file_empty"
        )

    kind = sniff(content)
    if kind is None and _jpeg_end(content) is not None:
        # A whole JPEG followed by markup: a polyglot, not a camera's trailer.
        raise ValidationFailed(
            "文件内容不是有效的 JPEG（含有网页代码），请上传扫描件或照片",
            field=field,
            code="file_type",
        )
    clean = safe_name(name)
    match = _EXT_RE.search(clean)
    extension = match.group(1).lower() if match else ""
    claimed = _CLAIMS.get(extension)

    if claimed is not None and kind != claimed:
        if _magic(content) == claimed:
            raise ValidationFailed(
                f"文件已损坏或不完整，不是有效的 {LABELS[claimed]} 文件，请重新上传",
                field=field,
                code="file_damaged",
            )
        raise ValidationFailed(
            f"文件名为 .{extension}，但内容不是 {LABELS[claimed]} 文件",
            field=field,
            code="file_name_mismatch",
        )
    if kind is None or kind not in allowed:
        magic = _magic(content)
        if kind is None and magic in allowed:
            raise ValidationFailed(
                f"文件已损坏或不完整，不是有效的 {LABELS[magic]} 文件，请重新上传",
                field=field,
                code="file_damaged",
            )
        raise ValidationFailed(
            f"文件内容不是 {_labels(allowed)}，请上传扫描件或照片", field=field, code="file_type"
        )
    if kind == PDF and _MARKUP_RE.search(content[:4096]):
        raise ValidationFailed(
            "文件内容不是有效的 PDF（含有网页代码），请上传扫描件或照片",
            field=field,
            code="file_type",
        )
    size = image_size(content, kind)
    if size is not None and size[0] * size[1] > settings.YISHI_MAX_IMAGE_PIXELS:
        megapixels = settings.YISHI_MAX_IMAGE_PIXELS // 10_000
        raise ValidationFailed(
            f"图片尺寸过大（{size[0]}×{size[1]}），请上传不超过{megapixels}万像素的照片或扫描件",
            field=field,
            code="image_too_large",
        )
    if extension and claimed is None:
        accepted = "、".join(f".{ext}" for ext, t in _CLAIMS.items() if t in allowed)
        raise ValidationFailed(
            f"文件扩展名 .{extension} 不受支持，只接受 {accepted} 文件",
            field=field,
            code="file_extension",
        )
    return CheckedUpload(
        content_type=kind,
        extension=EXTENSIONS[kind],
        size=len(content),
        sm3=sm3_hex(content),
        name=safe_name(clean, extension=EXTENSIONS[kind]),
        content=content,
    )


# ---------------------------------------------------------------- storing


# Sealed file: MAGIC, one byte key-id length, the key id, then nonce|ciphertext|tag.
MAGIC = b"YSE1"
_LOG = logging.getLogger(__name__)


class StoredFileDamaged(Conflict):
    """A stored upload that cannot be given back as it was uploaded: modified, unreadable
    with our keys, or gone."""

    code = "file_damaged"
    title = "文件已损坏"


def content_address(content: bytes, extension: str) -> str:
    """uploads/<2 hex>/<HMAC-SM3>.<ext>: equal bytes share one address, and without the index
    key nobody can tell from a path which document it holds."""
    digest = hmac_sm3_hex(content)
    return f"{UPLOAD_DIR}/{digest[:2]}/{digest}.{extension}"


def storage_path(checked: CheckedUpload) -> str:
    return content_address(checked.content, checked.extension)


def seal(path: str, content: bytes) -> bytes:
    """The bytes kept at `path`: SM4-GCM under the current field key, the path bound in as
    additional data (a sealed file copied over another address does not open there)."""
    key_id, blob = sm4_encrypt_bytes(content, aad=path.encode("utf-8"))
    kid = key_id.encode("ascii")
    return MAGIC + bytes([len(kid)]) + kid + blob


def is_sealed(data: bytes) -> bool:
    return data.startswith(MAGIC)


def unseal(path: str, data: bytes) -> bytes:
    """The plaintext of sealed bytes read from `path`; DecryptionFailed when they do not open."""
    if not is_sealed(data) or len(data) < len(MAGIC) + 1:
        raise DecryptionFailed("not a sealed upload")
    size = data[len(MAGIC)]
    start = len(MAGIC) + 1
    try:
        key_id = data[start : start + size].decode("ascii")
    except UnicodeDecodeError as exc:
        raise DecryptionFailed("bad key id") from exc
    return sm4_decrypt_bytes(key_id, data[start + size :], aad=path.encode("utf-8"))


def _read_raw(path: str) -> bytes:
    with default_storage.open(path, "rb") as handle:
        return handle.read()


def _is_legacy(path: str, digest: str) -> bool:
    """A file written before encryption: its address carries the plain SM3."""
    return bool(digest) and f"/{digest}." in path


def read_stored(stored: StoredFile) -> bytes:
    """The bytes of an upload as it was uploaded: the one way every reader gets them."""
    path = stored.file.name
    try:
        data = _read_raw(path)
    except (FileNotFoundError, OSError) as exc:
        _LOG.error("stored upload %s cannot be read: %s", stored.pk, exc)
        raise StoredFileDamaged(
            "文件已丢失或无法读取，请联系管理员从备份恢复", code="file_missing"
        ) from exc
    if is_sealed(data):
        try:
            return unseal(path, data)
        except DecryptionFailed as exc:
            _LOG.error("stored upload %s does not open: %s", stored.pk, exc)
            raise StoredFileDamaged(
                "文件已损坏或被篡改（完整性校验未通过），无法打开，请联系管理员"
            ) from exc
    # Kept in plain before encryption came: given back only while it is exactly the bytes
    # the row recorded, until `encrypt_uploads` seals it.
    if _is_legacy(path, stored.sm3) and sm3_hex(data) == stored.sm3:
        return data
    _LOG.error("stored upload %s is neither sealed nor its recorded plain bytes", stored.pk)
    raise StoredFileDamaged("文件已损坏或被篡改（完整性校验未通过），无法打开，请联系管理员")


def open_stored(stored: StoredFile) -> IO[bytes]:
    """`read_stored` as a file object (for FileResponse); checked in full before one byte
    is handed out, so a modified file never streams half-way."""
    return io.BytesIO(read_stored(stored))


STORAGE_FULL_MESSAGE = (
    "服务器存储空间已满，文件未能保存，请稍后再试；如仍无法上传，请联系窗口工作人员。"
)
_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT}


def _write_once(path: str, content: bytes, field: str = "file") -> bool:
    """Write `content`, sealed, at `path` unless it is there already; True when this call
    wrote it."""
    sealed = seal(path, content)
    if default_storage.exists(path):
        if default_storage.size(path) == len(sealed):
            return False
        default_storage.delete(path)  # a truncated file (a crash mid-write): write it again
    try:
        saved = default_storage.save(path, ContentFile(sealed))
    except OSError as exc:
        # What the failed write left at `path` is ours (the storage creates it exclusively).
        with contextlib.suppress(OSError):
            default_storage.delete(path)
        if exc.errno in _FULL_ERRNOS:
            raise StorageFull(STORAGE_FULL_MESSAGE, field=field) from exc
        raise
    if saved != path:
        # A concurrent upload of the same content wrote `path` first: same plaintext.
        default_storage.delete(saved)
        return False
    return True


def _delete_if_unreferenced(path: str) -> None:
    try:
        if not StoredFile.objects.filter(file=path).exists():
            default_storage.delete(path)
    except DatabaseError:
        pass  # cannot tell now: stored_files_sweep decides later


def store_upload(
    *,
    name: str,
    data: Any,
    actor: Any = None,
    field: str = "file",
    allowed: Iterable[str] = DEFAULT_ALLOWED,
    max_bytes: int | None = None,
) -> StoredFile:
    """Check an upload, then keep it: one `StoredFile` row per upload, one file per content.

    A refused upload raises ValidationFailed and stores nothing (no file, no row).
    """
    checked = check_upload(name=name, data=data, field=field, allowed=allowed, max_bytes=max_bytes)
    return store_checked(checked=checked, actor=actor, field=field)


def store_checked(*, checked: CheckedUpload, actor: Any = None, field: str = "file") -> StoredFile:
    """Keep an upload `check_upload` already passed (e.g. after hashing it into an
    Idempotency-Key fingerprint), without reading it again. A full storage raises
    `StorageFull` and keeps nothing."""
    path = storage_path(checked)
    wrote = _write_once(path, checked.content, field)
    try:
        with transaction.atomic():
            stored = StoredFile.objects.create(
                sm3=checked.sm3,
                size=checked.size,
                content_type=checked.content_type,
                original_name=checked.name,
                file=path,
                created_by=actor if getattr(actor, "is_authenticated", False) else None,
            )
            # Another upload of the same bytes may have failed and removed the shared file
            # between our write and our commit: put it back once we are committed.
            transaction.on_commit(lambda: _write_once(path, checked.content))
    except BaseException:
        if wrote:
            _delete_if_unreferenced(path)
        raise
    return stored


def stored_files_sweep(*, grace: datetime.timedelta = datetime.timedelta(hours=1)) -> int:
    """Delete upload files no `StoredFile` row refers to and older than `grace` (left by a
    rolled-back transaction or a crash); returns how many were deleted."""
    cutoff = timezone.now() - grace
    deleted = 0
    try:
        buckets, _ = default_storage.listdir(UPLOAD_DIR)
    except FileNotFoundError:
        return 0
    for bucket in buckets:
        _, files = default_storage.listdir(f"{UPLOAD_DIR}/{bucket}")
        for filename in files:
            path = f"{UPLOAD_DIR}/{bucket}/{filename}"
            if default_storage.get_modified_time(path) > cutoff:
                continue
            if not StoredFile.objects.filter(file=path).exists():
                default_storage.delete(path)
                deleted += 1
    return deleted


# ---------------------------------------------------------------- encrypting old files


@dataclass
class EncryptResult:
    sealed: int = 0
    damaged: list[str] = field(default_factory=list)


def _legacy_files() -> list[tuple[str, str]]:
    """(path, plain SM3) of every distinct file still at a plain-hash address."""
    rows = StoredFile.objects.values_list("file", "sm3").distinct().order_by("file")
    return [(path, digest) for path, digest in rows.iterator() if _is_legacy(path, digest)]


def _sealed_ok(path: str) -> bool:
    try:
        unseal(path, _read_raw(path))
    except (FileNotFoundError, OSError, DecryptionFailed):
        return False
    return True


def legacy_count() -> int:
    """How many stored files are still kept in plain."""
    return len(_legacy_files())


def stored_files_encrypt(*, say: Any = None) -> EncryptResult:
    """Seal every file kept in plain before encryption came and move its rows to the keyed
    address. Idempotent and resumable: a file is written sealed (or a sealed copy left by an
    interrupted run is checked) before its rows move, and the plain file is deleted only
    after they moved; a crash in between leaves an unreferenced file for `sweep_uploads`."""
    result = EncryptResult()
    for old, digest in _legacy_files():
        try:
            data = _read_raw(old)
        except (FileNotFoundError, OSError):
            result.damaged.append(old)
            continue
        if sm3_hex(data) != digest:
            result.damaged.append(old)
            continue
        extension = old.rsplit(".", 1)[-1]
        new = content_address(data, extension)
        if default_storage.exists(new) and not _sealed_ok(new):
            default_storage.delete(new)  # half-written by an interrupted run
        _write_once(new, data)
        with transaction.atomic():
            StoredFile.objects.filter(file=old).update(file=new)
        default_storage.delete(old)
        result.sealed += 1
        if say is not None and result.sealed % 100 == 0:
            say(f"已加密 {result.sealed} 个文件 / sealed {result.sealed} files")
    return result
