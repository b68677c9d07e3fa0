"""The admin entirely in Chinese: every changelist, add form and change form a superuser can
open shows no English word outside a short list of names that are the same in Chinese text
(PDF, SM2 …), and the admin's JavaScript catalog (Choose 组 by selecting them …) is Chinese."""

from __future__ import annotations

import contextlib
import json
import re
from html.parser import HTMLParser
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.urls import NoReverseMatch, reverse

from tests.cases.factories import ApplicantFactory

# Names that read the same in Chinese text; Django's own Chinese catalog names the
# Control/Command keys of a Mac in English too.
ALLOWED = {
    "PDF", "ID", "URL", "API", "TOTP", "JSON", "OIDC", "HTTP", "HTTPS", "IP", "UUID",
    "xlsx", "csv", "Excel", "Control", "Command", "Mac", "OpenAPI",
    # Keys of the JSON formats a help text explains (licence data items, policy rules).
    "from", "null",
}  # fmt: skip
_WORD = re.compile(r"(?<![A-Za-z0-9_./@-])[A-Za-z][A-Za-z]+(?![A-Za-z0-9_@-])")
# A format example in a help text ([{"value": "a", "label": "…"}]) is data, not language.
_EXAMPLE = re.compile(r"\{[^{}]*\}|\[[^\[\]]*\]|\"[^\"]*\"")
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}
# <bdi> isolates data (a password hash's algorithm and salt), not interface text.
_HIDDEN_TAGS = {"script", "style", "template", "code", "pre", "bdi"}


class _VisibleText(HTMLParser):
    """Interface text a reader sees (button labels, placeholders and titles included), not
    data: no scripts, no read-only field values (a password hash's salt, a stored code)."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._stack: list[bool] = []

    @property
    def _hidden(self) -> bool:
        return any(self._stack)

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        attributes = dict(attrs)
        classes = (attributes.get("class") or "").split()
        if tag not in _VOID:
            self._stack.append(tag in _HIDDEN_TAGS or "readonly" in classes)
        if self._hidden:
            return
        if tag == "input" and attributes.get("type") in ("submit", "button"):
            self.parts.append(attributes.get("value") or "")
        for name in ("placeholder", "title", "aria-label"):
            if attributes.get(name):
                self.parts.append(attributes[name])

    def handle_startendtag(self, tag: str, attrs: Any) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self._stack.pop()

    def handle_endtag(self, tag: str) -> None:
        if tag not in _VOID and self._stack:
            self._stack.pop()

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def english_words(html: str, *, ignore: set[str] = frozenset()) -> set[str]:
    """English words of the interface text; all-capital codes (SM2, YYZZ) are names."""
    parser = _VisibleText()
    parser.feed(html)
    text = _EXAMPLE.sub(" ", " ".join(parser.parts))
    return {
        w for w in _WORD.findall(text) if w not in ALLOWED and w not in ignore and not w.isupper()
    }


def _admin_urls() -> list[tuple[str, str]]:
    urls = [("index", reverse("admin:index"))]
    for model in admin.site._registry:
        meta = model._meta
        base = f"admin:{meta.app_label}_{meta.model_name}"
        urls.append((f"{meta.label} changelist", reverse(f"{base}_changelist")))
        with contextlib.suppress(NoReverseMatch):
            urls.append((f"{meta.label} add", reverse(f"{base}_add")))
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            urls.append((f"{meta.label} change", reverse(f"{base}_change", args=[first.pk])))
    return urls


@pytest.mark.django_db
def test_every_admin_page_is_in_chinese(client):
    root = get_user_model().objects.create_superuser("root-admin", password="x-密码-42")
    ApplicantFactory()  # an applicant account, so its change forms are walked too
    client.force_login(root)
    # Values an administrator typed or a registry holds are data, not interface text.
    data_words = {root.get_username(), "root", "admin"}
    found: dict[str, set[str]] = {}
    for name, url in _admin_urls():
        response = client.get(url)
        if response.status_code in (302, 403):  # read-only models refuse adding
            continue
        assert response.status_code == 200, f"{name} {url}: {response.status_code}"
        words = english_words(response.content.decode(), ignore=data_words)
        if words:
            found[name] = words
    assert found == {}


@pytest.mark.django_db
def test_the_admin_javascript_catalog_is_chinese(client):
    root = get_user_model().objects.create_superuser("root-admin", password="x-密码-42")
    client.force_login(root)
    catalog = client.get(reverse("admin:jsi18n")).content.decode()
    chosen = 'Choose %s by selecting them and then select the \\"Choose\\" arrow button.'
    assert chosen in catalog
    assert json.dumps("选中要添加的%s，然后点击“选择”箭头按钮。") in catalog or (
        "选中要添加的%s，然后点击“选择”箭头按钮。" in catalog
    )
    form = client.get(reverse("admin:auth_user_change", args=[root.pk])).content.decode()
    assert reverse("admin:jsi18n") in form


@pytest.mark.django_db
def test_applicant_accounts_are_listed_by_masked_name_not_login_name(client):
    root = get_user_model().objects.create_superuser("root-admin", password="x-密码-42")
    account = ApplicantFactory()
    client.force_login(root)
    html = client.get(reverse("admin:auth_user_changelist")).content.decode()
    parser = _VisibleText()
    parser.feed(html)
    text = " ".join(parser.parts)
    assert f"{account.person.name[0]}**（申请人）" in text
    assert account.person.name not in text
    assert f">{account.user.get_username()}<" not in html
