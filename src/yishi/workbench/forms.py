"""Forms of the workbench actions; the services do the domain checks."""

from __future__ import annotations

from django import forms


class SupplementForm(forms.Form):
    items = forms.MultipleChoiceField(
        label="需补正的材料", required=False, widget=forms.CheckboxSelectMultiple
    )
    other = forms.CharField(label="其他需补正内容", required=False, max_length=500)
    note = forms.CharField(label="补正说明", required=False, max_length=1000)

    def __init__(self, *args, lines: list[str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["items"].choices = [(name, name) for name in lines or []]

    def wanted(self) -> list[str]:
        """The checked lines plus the free-text ones (one per line or separated by ；)."""
        items = list(self.cleaned_data.get("items") or [])
        other = (self.cleaned_data.get("other") or "").replace("；", "\n").replace(";", "\n")
        items.extend(part.strip() for part in other.splitlines() if part.strip())
        return items


class WalkInForm(forms.Form):
    theme = forms.ChoiceField(label="一件事主题")
    name = forms.CharField(label="申请人姓名", max_length=50)
    id_number = forms.CharField(label="居民身份证号", max_length=18)
    phone = forms.CharField(label="联系电话", max_length=11, required=False)

    def __init__(self, *args, themes: list[tuple[str, str]] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["theme"].choices = [("", "请选择")] + list(themes or [])
