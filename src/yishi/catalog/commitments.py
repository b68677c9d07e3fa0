"""告知承诺 and 容缺受理 in the catalog: which matters may be handled on a signed commitment, the
rules that keep those flags lawful, and the commitment text (告知承诺书) an applicant signs.

A matter is "commitment enabled" when at least one of its materials is `deferrable` (容缺后补:
accepted now, supplied within its working-day deadline) or `by_commitment` (a proof the signed
commitment replaces). The rules here are shared by the models' clean(), `matter_upsert` and
the admin, so the three say the same thing in the same words.
"""

from __future__ import annotations

import datetime
import string
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet

from yishi.catalog.models import CommitmentExclusion, Material, Matter
from yishi.core.errors import ValidationFailed

if TYPE_CHECKING:
    from yishi.catalog.models import Department

DEFER_DAYS_MIN = 1
DEFER_DAYS_MAX = 60
# Hubei's target is 200 承诺办 items (鄂政发〔2024〕8号, "承诺办 items reach 200"); the
# catalog refuses to flag more matters than the configured list allows.
DEFAULT_LIST_LIMIT = 200
PLACEHOLDERS = ("applicant", "matter", "items", "due", "department")


def commitment_list_limit() -> int:
    """How many matters may be commitment enabled (settings.YISHI_COMMITMENT_LIST_LIMIT)."""
    return int(getattr(settings, "YISHI_COMMITMENT_LIST_LIMIT", DEFAULT_LIST_LIMIT))


def _flagged() -> Q:
    return Q(deferrable=True) | Q(by_commitment=True)


def commitment_matters() -> QuerySet[Matter]:
    """Every matter (any status) with at least one deferrable or by-commitment material."""
    flagged = Material.objects.filter(_flagged(), matter=OuterRef("pk"))
    return Matter.objects.filter(Exists(flagged))


def _default_defer_days() -> int:
    return Matter._meta.get_field("commitment_defer_days").get_default()


def commitment_materials(matter: Matter) -> list[Material]:
    """The matter's materials that may be promised or supplied later, in guide order."""
    return list(matter.materials.filter(_flagged()).order_by("order", "id"))


def snapshot_commitment_items(snapshot: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The flagged materials of a published version (`MatterVersion.snapshot`), each as
    {"name", "kind", "deferrable", "by_commitment", "defer_days"} with the effective working
    days. Versions published before these flags existed have none."""
    default_days = snapshot.get("commitment_defer_days") or _default_defer_days()
    items = []
    for material in snapshot.get("materials") or []:
        deferrable = bool(material.get("deferrable"))
        by_commitment = bool(material.get("by_commitment"))
        if not (deferrable or by_commitment):
            continue
        items.append(
            {
                "name": material.get("name", ""),
                "kind": material.get("kind", ""),
                "deferrable": deferrable,
                "by_commitment": by_commitment,
                "defer_days": material.get("defer_days") or default_days,
            }
        )
    return items


# --- rules ----------------------------------------------------------------------------------


def exclusion_message(exclusion: str, materials: Iterable[str] = ()) -> str:
    label = CommitmentExclusion(exclusion).label
    text = f"该事项属于{label}领域，依法不适用告知承诺/容缺受理"
    names = [n for n in materials if n]
    if names:
        text += f"，材料「{'、'.join(names)}」不能标记为容缺后补或可告知承诺替代"
    return text


def defer_days_error(value: Any, label: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        return f"「{label}」应为整数，收到 {value}"
    if not DEFER_DAYS_MIN <= value <= DEFER_DAYS_MAX:
        return f"「{label}」应在 {DEFER_DAYS_MIN} 至 {DEFER_DAYS_MAX} 个工作日之间，收到 {value}"
    return None


def commitment_text_error(text: str) -> str | None:
    """Why a 承诺书 template cannot be rendered, or None (blank uses the default text)."""
    if not text or not text.strip():
        return None
    allowed = "、".join("{" + p + "}" for p in PLACEHOLDERS)
    try:
        parts = list(string.Formatter().parse(text))
    except ValueError:
        return f"「承诺书文本模板」的花括号不成对；占位符只能是 {allowed}"
    for _, name, spec, conversion in parts:
        if name is None:
            continue
        if name not in PLACEHOLDERS or spec or conversion:
            shown = "{" + name + (f"!{conversion}" if conversion else "")
            shown += (f":{spec}" if spec else "") + "}"
            return f"「承诺书文本模板」含有未知占位符 {shown}；可用的占位符：{allowed}"
    return None


def _label(model, name: str) -> str:
    return str(model._meta.get_field(name).verbose_name)


def matter_row_errors(matter: Matter) -> dict[str, str]:
    """Rules on the matter row alone (materials are checked with their own rows)."""
    errors: dict[str, str] = {}
    error = defer_days_error(matter.commitment_defer_days, _label(Matter, "commitment_defer_days"))
    if error:
        errors["commitment_defer_days"] = error
    error = commitment_text_error(matter.commitment_text or "")
    if error:
        errors["commitment_text"] = error
    errors.update(
        _supervision_errors(
            matter.supervised, matter.supervising_department_id, matter.supervision_days
        )
    )
    return errors


def _supervision_errors(supervised: Any, supervising: Any, days: Any) -> dict[str, str]:
    errors: dict[str, str] = {}
    if supervising and not supervised:
        errors["supervising_department"] = (
            "「监管部门」只适用于纳入审管衔接的事项：请勾选“纳入审管衔接(事中事后监管)”或清空监管部门"
        )
    if supervised and isinstance(days, int) and not isinstance(days, bool) and days < 1:
        errors["supervision_days"] = "「核查期限(工作日)」应不少于 1 个工作日"
    return errors


def material_row_errors(material: Material) -> dict[str, str]:
    """Rules on one material row, read against its (possibly unsaved) matter."""
    errors: dict[str, str] = {}
    error = defer_days_error(material.defer_days, _label(Material, "defer_days"))
    if error:
        errors["defer_days"] = error
    matter = getattr(material, "matter", None)
    exclusion = getattr(matter, "commitment_exclusion", "") if matter is not None else ""
    if exclusion:
        message = exclusion_message(exclusion)
        if material.deferrable:
            errors["deferrable"] = message
        if material.by_commitment:
            errors["by_commitment"] = message
    return errors


def matter_dict_errors(data: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The same rules on a matter dict (the shape of `services.matter_to_dict`); keys as there."""
    errors: list[tuple[str, str]] = []
    error = defer_days_error(
        data.get("commitment_defer_days"), _label(Matter, "commitment_defer_days")
    )
    if error:
        errors.append(("commitment_defer_days", error))
    text = data.get("commitment_text")
    error = commitment_text_error(text) if isinstance(text, str) else None
    if error:
        errors.append(("commitment_text", error))
    errors.extend(
        _supervision_errors(
            data.get("supervised"), data.get("supervising_department"), data.get("supervision_days")
        ).items()
    )
    materials = [m for m in data.get("materials") or [] if isinstance(m, Mapping)]
    for i, material in enumerate(materials):
        error = defer_days_error(material.get("defer_days"), _label(Material, "defer_days"))
        if error:
            errors.append((f"materials.{i}.defer_days", f"第 {i + 1} 项申请材料：{error}"))
    exclusion = data.get("commitment_exclusion")
    if exclusion in CommitmentExclusion.values:
        flagged = [
            str(m.get("name") or "")
            for m in materials
            if m.get("deferrable") is True or m.get("by_commitment") is True
        ]
        if flagged:
            errors.append(("commitment_exclusion", exclusion_message(exclusion, flagged)))
    return errors


def _lock_commitment_list() -> None:
    # Two writers flagging the last free places must not both pass the count: on PostgreSQL
    # they queue on one transaction-scoped advisory lock; SQLite serialises writers anyway.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('yishi.commitment_list'))")


def check_commitment_limit(*, matter_pk: int | None, field: str = "materials") -> None:
    """Raise ValidationFailed when enabling commitment on this matter would pass the list limit.
    A matter already on the list stays editable. Call inside the writing transaction."""
    _lock_commitment_list()
    listed = commitment_matters()
    if matter_pk is not None and listed.filter(pk=matter_pk).exists():
        return
    limit = commitment_list_limit()
    count = listed.count()
    if count >= limit:
        raise ValidationFailed(
            f"可承诺办事项已达上限 {limit} 项（当前 {count} 项），不能再将本事项纳入告知承诺/容缺受理；"
            "如需调整请先从清单中移出其他事项",
            field=field,
        )


# --- the commitment text --------------------------------------------------------------------

_DEFAULT_TEXT = """{matter}告知承诺书

承诺人：{applicant}
申请事项：{matter}
实施机关：{department}

一、实施机关告知
根据《国务院办公厅关于全面推行证明事项和涉企经营许可事项告知承诺制的指导意见》（国办发〔2020〕42号），现将有关事项书面告知如下：
（一）证明义务和证明内容：申请人应当符合本事项的法定条件。以下材料可以书面承诺替代，或者在受理后于约定期限内补交：
{items}
（二）补交期限：{due}。
（三）申请人可以自主选择是否采用告知承诺方式办理；不愿承诺或者无法承诺的，应当按规定提交全部材料。
（四）实施机关将在作出决定后依法对承诺内容进行核查，并纳入事中事后监管。

二、申请人承诺
（一）已经知晓实施机关告知的全部内容；
（二）自身符合上述条件，所填写的信息和提交的材料真实、准确、完整，并能够在约定期限内补交上述材料；
（三）愿意承担不实承诺的法律责任：承诺不实或者逾期未履行承诺的，同意由实施机关依法终止办理、责令限期整改、撤销行政决定或者予以行政处罚；
（四）同意将本承诺及其履行情况记入信用记录；作出虚假承诺或者违反承诺的，依法记为失信信息并推送至信用信息共享平台，在完成信用修复前不再适用告知承诺方式办理；
（五）本承诺是本人（本单位）真实意思表示。

承诺人（签章）：{applicant}
"""


def default_commitment_text(matter: Matter) -> str:
    """The default 告知承诺书 template (placeholders {applicant} {matter} {items} {due}
    {department}); used whenever the matter has no template of its own."""
    return _DEFAULT_TEXT


def format_due(due: datetime.date | None) -> str:
    if due is None:
        return "无需补交（以本承诺替代相关证明材料）"
    return f"{due.year}年{due.month}月{due.day}日前（含当日）"


def format_items(items: Iterable[str]) -> str:
    lines = [f"{i}. {item}" for i, item in enumerate(items, start=1)]
    return "\n".join(lines) if lines else "（无）"


def render_commitment_text(
    matter: Matter,
    *,
    applicant: str,
    items: list[str],
    due: datetime.date | None,
    department: Department | None = None,
) -> str:
    """The full 告知承诺书 to be signed: the matter's template (or the default) filled in.
    Deterministic, since the exact text is hashed and signed."""
    template = (matter.commitment_text or "").strip() and matter.commitment_text
    template = template or default_commitment_text(matter)
    error = commitment_text_error(template)
    if error:
        raise ValidationFailed(error, field="commitment_text")
    text = template.format(
        applicant=applicant,
        matter=matter.name,
        items=format_items(items),
        due=format_due(due),
        department=(department or matter.department).name,
    )
    return text.replace("\r\n", "\n").replace("\r", "\n")
