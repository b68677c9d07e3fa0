"""One set of materials (一套材料): the materials of a theme's applicable matters, each real
document once. Materials are the same document when they share Material.kind (or, without a
kind, the exact name); the line keeps the strictest requirement of all its uses.

A line is not brought by the applicant when every use is obtained by the department itself
(电子证照/部门共享: `exempt`) or is the result of an earlier matter of the same theme
(`produced_in_theme`: the newborn's 出生医学证明 comes out of 出生医学证明签发 and goes into
出生登记).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from yishi.catalog.models import Material
from yishi.catalog.notice import is_exempt
from yishi.themes.models import Theme, ThemeMatter
from yishi.themes.tailoring import applicable_items, layers, prerequisites

# Strictness of a material's form: both beats an original, an original beats a copy.
FORM_RANK = {
    Material.Form.ELECTRONIC: 0,
    Material.Form.COPY: 1,
    Material.Form.ORIGINAL: 2,
    Material.Form.ORIGINAL_AND_COPY: 3,
}
FORM_LABELS = dict(Material.Form.choices)
SOURCE_LABELS = dict(Material.Source.choices)

_BRACKETED = re.compile(r"（[^）]*）|\([^)]*\)")
_DECORATION = re.compile(r"[《》〈〉“”\"'\s]")


def document_name(text: str) -> str:
    """A document's bare name for matching a material with a matter's result:
    "《出生医学证明》（纸质证件及电子证照）" and "出生医学证明" are the same document."""
    return _DECORATION.sub("", _BRACKETED.sub("", text or ""))


@dataclass
class MaterialLine:
    """One document of the theme's material set, with the strictest requirement of its uses."""

    kind: str
    name: str
    required: bool
    form: str  # label, e.g. "原件和复印件"
    copies: int
    source: str  # Material.Source value of the use that decides it
    licence_type: str
    deferrable: bool
    note: str
    matters: list[str]
    exempt: bool
    produced_in_theme: bool
    produced_by: str = ""  # the matter whose result this document is
    form_code: str = Material.Form.ORIGINAL
    material_ids: list[int] = field(default_factory=list)

    @property
    def key(self) -> str:
        return self.kind or f"name:{self.name}"

    @property
    def source_label(self) -> str:
        return SOURCE_LABELS.get(self.source, self.source)

    @property
    def to_bring(self) -> bool:
        """Whether the applicant has to hand this document in (see `requirement`)."""
        return requirement(self).to_bring

    @property
    def status(self) -> str:
        """bring / exempt / produced (see `requirement`)."""
        return requirement(self).status


@dataclass(frozen=True)
class Requirement:
    """What the applicant has to do about one material line: the one answer the notice, its
    PDF, the apply flow, the submit check and the API all show."""

    status: str  # bring / produced / exempt / held
    label: str  # 需提交 / 无需提交
    reason: str  # why not brought ("" when brought)
    required: bool  # 必需 (only meaningful when brought)
    deferrable: bool  # 可容缺后补 (only when brought)

    @property
    def to_bring(self) -> bool:
        return self.status == "bring"

    @property
    def must_upload(self) -> bool:
        """Brought and required: an application without it is incomplete."""
        return self.to_bring and self.required


def requirement(line: MaterialLine, *, held: str = "") -> Requirement:
    """Decide, for one material line of an application, whether the applicant brings it:
    a result of an earlier matter of the theme (produced), a document the department gets
    itself from the e-licence library or data sharing (exempt), an e-licence this applicant
    holds (`held`: its number), or else to be handed in (bring)."""
    if line.produced_in_theme:
        reason = f"由本次办理的「{line.produced_by}」办结后生成，直接流转"
        return Requirement("produced", "无需提交", reason, line.required, False)
    if line.exempt:
        if line.source == Material.Source.LICENCE and line.licence_type:
            reason = f"通过电子证照库调取「{line.licence_type}」"
        else:
            reason = "已由部门共享获取"
        return Requirement("exempt", "无需提交", reason, line.required, False)
    if held:
        reason = f"已有电子证照（编号 {held}）"
        return Requirement("held", "无需提交", reason, line.required, False)
    return Requirement("bring", "需提交", "", line.required, line.deferrable)


# Clause ends and separators the notes of one line are joined with.
_NOTE_END = "。；;，,、 \t\n"


def join_notes(notes: list[str]) -> str:
    """The notes of a merged line as one text: each clause once (a clause another one
    already says in full is dropped), joined with "；", ended with one "。" when the notes end
    with one (no "。；" or "；；")."""
    clauses: list[str] = []
    for note in notes:
        for part in re.split(r"[；;。]", note or ""):
            text = part.strip().strip(_NOTE_END).strip()
            if not text or any(text in kept for kept in clauses):
                continue
            wider = [i for i, kept in enumerate(clauses) if kept in text]
            if wider:
                clauses[wider[0]] = text
                clauses = [c for i, c in enumerate(clauses) if i not in wider[1:]]
            else:
                clauses.append(text)
    end = "。" if any((n or "").strip().endswith("。") for n in notes) else ""
    return "；".join(clauses) + end if clauses else ""


@dataclass
class _Use:
    item: ThemeMatter
    material: Material
    producer: ThemeMatter | None


def _producers(theme: Theme, items: list[ThemeMatter]) -> dict[int, dict[str, ThemeMatter]]:
    """For each item: the documents its (transitive, applicable) prerequisites produce."""
    produced: dict[int, dict[str, ThemeMatter]] = {}
    for layer in layers(theme, items):
        for item in layer:
            docs: dict[str, ThemeMatter] = {}
            for pre in prerequisites(item, items):
                docs.update(produced[pre.id])
                name = document_name(pre.matter.result_name)
                if name:
                    docs.setdefault(name, pre)
            produced[item.id] = docs
    return produced


def _producer(material: Material, docs: Mapping[str, ThemeMatter]) -> ThemeMatter | None:
    for text in (material.licence_type, material.name):
        name = document_name(text)
        if name and name in docs:
            return docs[name]
    return None


def _line(uses: list[_Use]) -> MaterialLine:
    first = uses[0].material
    strictest = max((u.material for u in uses), key=lambda m: FORM_RANK.get(m.form, 0))
    bringing = [u.material for u in uses if not is_exempt(u.material)]
    deciding = bringing[0] if bringing else first
    matters: list[str] = []
    notes: list[str] = []
    for use in uses:
        if use.item.matter.name not in matters:
            matters.append(use.item.matter.name)
        if use.material.note and use.material.note not in notes:
            notes.append(use.material.note)
    produced = any(u.producer for u in uses) and all(
        u.producer or is_exempt(u.material) for u in uses
    )
    producer = next((u.producer for u in uses if u.producer), None)
    return MaterialLine(
        kind=first.kind,
        name=first.name,
        required=any(u.material.required for u in uses),
        form=FORM_LABELS.get(strictest.form, strictest.form),
        form_code=strictest.form,
        copies=max(u.material.copies for u in uses),
        source=deciding.source,
        licence_type=next((u.material.licence_type for u in uses if u.material.licence_type), ""),
        deferrable=all(u.material.deferrable for u in uses),
        note=join_notes(notes),
        matters=matters,
        exempt=not bringing,
        produced_in_theme=produced,
        produced_by=producer.matter.name if produced and producer else "",
        material_ids=[u.material.id for u in uses],
    )


def lines_for_items(theme: Theme, items: list[ThemeMatter]) -> list[MaterialLine]:
    """The material set of these (applicable) items of the theme, in order of first use."""
    produced = _producers(theme, items)
    grouped: dict[str, list[_Use]] = {}
    for item in items:
        for material in item.matter.materials.all():
            key = material.kind or f"name:{material.name}"
            use = _Use(item, material, _producer(material, produced.get(item.id, {})))
            grouped.setdefault(key, []).append(use)
    return [_line(uses) for uses in grouped.values()]


def material_set(theme: Theme, answers: Mapping[str, Any] | None = None) -> list[MaterialLine]:
    """The one set of materials over the matters that apply (answers None: every matter)."""
    return lines_for_items(theme, applicable_items(theme, answers))


def materials_separately(theme: Theme, answers: Mapping[str, Any] | None = None) -> int:
    """How many materials the applicable matters ask for when done one by one."""
    return sum(len(item.matter.materials.all()) for item in applicable_items(theme, answers))
