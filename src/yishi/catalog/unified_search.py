"""One search over "一件事" themes, matters and policies, for the words people type ("生孩子要办
什么", "开饭店", "社保卡丢了") rather than catalog names.

Understanding a query (`understand`, pure Python over a cached vocabulary):
1. normalise (catalog.search.normalise: NFKC, lower case, letters/digits/CJK only);
2. one left-to-right longest-match pass over the administrators' synonyms (SearchSynonym:
   phrase → expansion, optional target item) and the stop words (search_synonyms.STOP_WORDS):
   a synonym's phrase is replaced by its expansion and its target is remembered, a stop word
   is dropped ("退休手续" → "退休", "生孩子要办什么" → "新生儿出生" + theme newborn);
3. the rewritten text is what the matter index (catalog.search) and the theme/policy terms
   are searched with; the stop-word-stripped original is the fallback when it finds nothing.
   rjieba learns the synonym phrases, expansions and theme names, so a multi-word query is
   segmented along the catalog's own terms.

Ranking: synonym targets first; then themes matching well (name, its pinyin or initials, an
exact keyword); then matters (catalog.search ranking, one SQL statement, typo and homophone
tolerance and pinyin kept); then weaker theme matches; then policies.

Themes and policies are few (tens): their terms (catalog.search.name_terms / alias_terms:
Chinese suffixes, full pinyin, initials) live in memory with the synonyms. The cache is
dropped by post_save/post_delete signals in this process and re-checked against the tables'
row counts and last update times (one small statement) at most every RELOAD_CHECK_SECONDS,
for changes made by other processes. The hot path is the matter search plus the matter
names: two statements.

Queries that find nothing are counted in SearchMiss for administrators, unless they hold a
run of 6+ digits (possibly an ID or phone number): those are never stored.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, field

import rjieba
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from yishi.catalog.models import Matter, SearchMiss, SearchSynonym
from yishi.catalog.search import (
    EXACT_BONUS,
    TERM_MAX,
    TYPO_MAX_CANDIDATES,
    W_ALIAS,
    W_ALIAS_INITIALS,
    W_ALIAS_PINYIN,
    W_INITIALS_WORD,
    _chinese_words,
    alias_terms,
    full_pinyin,
    has_cjk,
    name_terms,
    normalise,
    search_matter_ids,
)
from yishi.catalog.search_synonyms import STOP_WORDS
from yishi.core.errors import ValidationFailed

KINDS = ("theme", "matter", "policy")
KIND_LABELS = {"theme": "一件事", "matter": "事项", "policy": "政策"}
MAX_QUERY = 50
MAX_LIMIT = 50
RELOAD_CHECK_SECONDS = 2.0
TARGET_SCORE = 1000
# A theme at least this good goes before the matters: its name (or a word of it), the name's
# pinyin or initials, or an exact keyword (W_ALIAS + EXACT_BONUS).
THEME_FIRST = W_INITIALS_WORD
PERSONAL_DATA = re.compile(r"\d{6,}")


@dataclass(frozen=True)
class SearchItem:
    kind: str  # "theme" | "matter" | "policy"
    code: str
    name: str
    url: str  # site-relative path of the item's page


@dataclass(frozen=True)
class Understood:
    """`text`: the query rewritten with synonyms, stop words dropped; `plain`: the query with
    stop words dropped only; `targets`: (kind, code) of the synonyms' target items."""

    text: str
    plain: str
    targets: tuple[tuple[str, str], ...] = ()

    @property
    def queries(self) -> list[str]:
        return list(dict.fromkeys(q for q in (self.text, self.plain) if q))


@dataclass
class _Entry:
    kind: str
    code: str
    name: str
    url: str
    audience: str
    terms: dict[str, int] = field(default_factory=dict)
    keywords: frozenset[str] = frozenset()

    def is_strong(self, score: int, queries: list[str]) -> bool:
        """Good enough to go before the matters: pinyin of the name, an exact keyword, or a
        Chinese query covering at least 2/5 of the name ("出生" of 新生儿出生, not "登记" of
        企业注销登记)."""
        if score < THEME_FIRST:
            return False
        return any(
            not has_cjk(q) or q in self.keywords or len(q) * 5 >= len(normalise(self.name)) * 2
            for q in queries
        )


class _Cache:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.loaded = False
        self.version: tuple | None = None
        self.checked_at = 0.0
        self.phrases: dict[str, tuple[str, str, str] | None] = {}  # None: a stop word
        self.longest = 1
        self.themes: list[_Entry] = []
        self.policies: list[_Entry] = []

    def invalidate(self, *args, **kwargs) -> None:
        with self.lock:
            self.loaded = False

    def _version(self) -> tuple:
        from yishi.policies.models import Policy
        from yishi.themes.models import Theme

        qn = connection.ops.quote_name
        parts = []
        for model in (SearchSynonym, Theme, Policy):
            table = qn(model._meta.db_table)
            parts.append(f"(SELECT COUNT(*) FROM {table})")  # noqa: S608 - names only
            parts.append(f"(SELECT MAX(updated_at) FROM {table})")  # noqa: S608
        with connection.cursor() as cursor:
            cursor.execute("SELECT " + ", ".join(parts))
            return tuple(str(v) for v in cursor.fetchone())

    def get(self) -> _Cache:
        now = time.monotonic()
        with self.lock:
            fresh = self.loaded and now - self.checked_at < RELOAD_CHECK_SECONDS
        if fresh:
            return self
        version = self._version()
        with self.lock:
            self.checked_at = now
            if self.loaded and version == self.version:
                return self
        self._load(version)
        return self

    def _load(self, version: tuple) -> None:
        from yishi.policies.models import Policy
        from yishi.themes.models import Theme

        phrases: dict[str, tuple[str, str, str] | None] = {}
        for word in STOP_WORDS:
            phrases[normalise(word)] = None
        words: set[str] = set()
        for syn in SearchSynonym.objects.all():
            phrase = normalise(syn.phrase)
            if phrase:
                phrases[phrase] = (normalise(syn.expansion), syn.target_kind, syn.target_code)
                words.update(w for w in (phrase, normalise(syn.expansion)) if len(w) > 1)
        themes = []
        for t in Theme.objects.filter(status=Theme.Status.PUBLISHED).order_by("order", "code"):
            terms = dict(name_terms(t.name))
            keywords = t.keywords.replace(",", " ").replace("，", " ").replace("、", " ")
            keyword_set = frozenset(normalise(k) for k in keywords.split())
            for i, keyword in enumerate(keywords.split()):
                # The first keywords describe the theme best: a shared keyword ("社保卡" of
                # both 新生儿出生 and 社会保障卡居民服务) ranks the theme listing it first.
                rank = min(i, 9)
                for term, weight in alias_terms(
                    [keyword], W_ALIAS - rank, W_ALIAS_PINYIN - rank, W_ALIAS_INITIALS - rank
                ).items():
                    if terms.get(term, 0) < weight:
                        terms[term] = weight
            themes.append(
                _Entry(
                    "theme",
                    t.code,
                    t.name,
                    reverse("portal:theme", args=[t.code]),
                    t.audience,
                    terms,
                    keyword_set,
                )  # fmt: skip
            )
            words.add(normalise(t.name))
        policies = []
        for p in Policy.objects.filter(active=True).order_by("code"):
            page = "policies_portal:company" if p.subject == "company" else "policies_portal:home"
            policies.append(
                _Entry(
                    "policy",
                    p.code,
                    p.name,
                    f"{reverse(page)}#policy-{p.code}",
                    p.subject,
                    dict(name_terms(p.name)),
                )  # fmt: skip
            )
        for word in words:
            if word and has_cjk(word) and not rjieba.has_word(word):
                rjieba.add_word(word, None, None)
        with self.lock:
            self.phrases = phrases
            self.longest = max((len(p) for p in phrases), default=1)
            self.themes = themes
            self.policies = policies
            self.version = version
            self.loaded = True


cache = _Cache()


# --- understanding -------------------------------------------------------------------------


def understand(q: str) -> Understood:
    """Rewrite a query with the synonyms, dropping stop words (see the module docstring)."""
    state = cache.get()
    text = normalise(q)
    out, plain, targets = [], [], []
    i = 0
    while i < len(text):
        for size in range(min(state.longest, len(text) - i), 0, -1):
            piece = text[i : i + size]
            if piece in state.phrases:
                action = state.phrases[piece]
                if action is not None:
                    expansion, kind, code = action
                    out.append(expansion)
                    plain.append(piece)
                    if kind and code:
                        targets.append((kind, code))
                i += size
                break
        else:
            out.append(text[i])
            plain.append(text[i])
            i += 1
    return Understood(
        text="".join(out)[:TERM_MAX],
        plain="".join(plain)[:TERM_MAX],
        targets=tuple(dict.fromkeys(targets)),
    )


# --- theme and policy scoring --------------------------------------------------------------


def _score_word(terms: dict[str, int], word: str) -> int:
    best = 0
    for term, weight in terms.items():
        if term.startswith(word):
            score = weight + (EXACT_BONUS if term == word else 0)
            if score > best:
                best = score
    return best


def _score(terms: dict[str, int], query: str) -> int:
    score = _score_word(terms, query)
    if score or not has_cjk(query):
        return score
    words = _chinese_words(query)
    if len(words) > 1:
        scores = [_score_word(terms, w) for w in words]
        if all(scores):
            return min(scores)
    return 0


def _rank_entries(entries: list[_Entry], queries: list[str]) -> list[tuple[int, _Entry]]:
    for query in queries:
        found = [(s, e) for e in entries if (s := _score(e.terms, query))]
        if found:
            break
    else:
        found = []
        # Typo and homophone tolerance, as for matters: a Chinese query as its pinyin, a Latin
        # one as the closest pinyin prefixes of the vocabulary.
        alternatives: list[str] = []
        for query in queries:
            if has_cjk(query):
                alternatives.append(full_pinyin(query)[:TERM_MAX])
            elif len(query) >= 4:
                alternatives.extend(_typo_candidates(entries, query))
        for e in entries:
            score = max((_score_word(e.terms, a) for a in alternatives), default=0)
            if score:
                found.append((score, e))
    order = {id(e): i for i, e in enumerate(entries)}
    found.sort(key=lambda se: (-se[0], len(se[1].name), order[id(se[1])]))
    return found


def _typo_candidates(entries: list[_Entry], word: str) -> list[str]:
    """The pinyin term prefixes of these entries closest to `word` (same length ± 1), as
    catalog.search.typo_candidates does over the matter vocabulary, without a query."""
    max_distance = 1 if len(word) <= 8 else 2
    vocabulary = {
        term[:length]
        for e in entries
        for term in e.terms
        if not has_cjk(term)
        for length in (len(word) - 1, len(word), len(word) + 1)
        if len(term) >= length
    }
    vocabulary.discard(word)
    found = process.extract(
        word, sorted(vocabulary), scorer=Levenshtein.distance, score_cutoff=max_distance,
        limit=TYPO_MAX_CANDIDATES,
    )  # fmt: skip
    if not found:
        return []
    best = min(d for _, d, _ in found)
    return sorted(c for c, d, _ in found if d == best)


def _item(e: _Entry) -> SearchItem:
    return SearchItem(kind=e.kind, code=e.code, name=e.name, url=e.url)


# --- matters -------------------------------------------------------------------------------


def _matter_items(queries: list[str], limit: int, first: list[str]) -> list[SearchItem]:
    ids: list[int] = []
    for query in queries:
        ids = search_matter_ids(query, limit=limit).ids
        if ids:
            break
    rows = {
        m["pk"]: m
        for m in Matter.objects.filter(pk__in=ids, status=Matter.Status.PUBLISHED).values(
            "pk", "code", "name"
        )
    }
    if first:
        for m in Matter.objects.filter(code__in=first, status=Matter.Status.PUBLISHED).values(
            "pk", "code", "name"
        ):
            rows[m["pk"]] = m
    pinned = [pk for code in first for pk, m in rows.items() if m["code"] == code]
    ordered = list(dict.fromkeys([*pinned, *ids]))
    return [
        SearchItem(
            kind="matter",
            code=rows[pk]["code"],
            name=rows[pk]["name"],
            url=reverse("portal:guide", args=[rows[pk]["code"]]),
        )
        for pk in ordered
        if pk in rows
    ]


# --- entry point ---------------------------------------------------------------------------


def validate(q: str, kind: str | None, limit: int) -> str:
    q = (q or "").strip()
    if not q:
        raise ValidationFailed("请输入搜索词", field="q")
    if len(q) > MAX_QUERY:
        raise ValidationFailed(f"搜索词不能超过 {MAX_QUERY} 个字", field="q")
    if kind is not None and kind not in KINDS:
        raise ValidationFailed(
            "类别只能是 theme（一件事）、matter（事项）或 policy（政策）", field="kind"
        )
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationFailed(f"条数 limit 必须在 1 到 {MAX_LIMIT} 之间", field="limit")
    return q


def search(
    q: str, *, kind: str | None = None, limit: int = 10, log_misses: bool = True
) -> list[SearchItem]:
    """Themes, matters and policies for a query, best first (see the module docstring).
    `log_misses=False`: the caller logs a query that found nothing itself."""
    q = validate(q, kind, limit)
    understood = understand(q)
    queries = understood.queries
    state = cache.get()
    targets = understood.targets
    items: list[SearchItem] = []
    strong_themes: list[SearchItem] = []
    weak_themes: list[SearchItem] = []
    if kind in (None, "theme"):
        by_code = {e.code: e for e in state.themes}
        pinned = [by_code[c] for k, c in targets if k == "theme" and c in by_code]
        ranked = _rank_entries(state.themes, queries) if queries else []
        strong_themes = [_item(e) for e in pinned]
        for score, e in ranked:
            if e in pinned:
                continue
            (strong_themes if e.is_strong(score, queries) else weak_themes).append(_item(e))
    matters: list[SearchItem] = []
    if kind in (None, "matter") and (queries or targets):
        first = [c for k, c in targets if k == "matter"]
        matters = _matter_items(queries, limit, first) if queries else []
    policies: list[SearchItem] = []
    if kind in (None, "policy"):
        by_code = {e.code: e for e in state.policies}
        pinned = [by_code[c] for k, c in targets if k == "policy" and c in by_code]
        ranked = _rank_entries(state.policies, queries) if queries else []
        policies = [_item(e) for e in pinned] + [_item(e) for _, e in ranked if e not in pinned]
    items = [*strong_themes, *matters, *weak_themes, *policies][:limit]
    if not items and log_misses:
        log_miss(q)
    return items


def grouped(items: list[SearchItem]) -> list[tuple[str, str, list[SearchItem]]]:
    """(kind, Chinese label, items) for each kind present, in the order of the best item."""
    groups: dict[str, list[SearchItem]] = {}
    for item in items:
        groups.setdefault(item.kind, []).append(item)
    return [(k, KIND_LABELS[k], v) for k, v in groups.items()]


def log_miss(q: str) -> None:
    """Count a query that found nothing, never one that may hold personal data."""
    text = normalise(q)[:MAX_QUERY]
    if not text or PERSONAL_DATA.search(text):
        return
    now = timezone.now()
    try:
        with transaction.atomic():
            updated = SearchMiss.objects.filter(query=text).update(
                count=F("count") + 1, last_seen=now
            )
            if not updated:
                SearchMiss.objects.create(query=text, last_seen=now)
    except IntegrityError:  # created meanwhile by a concurrent request
        SearchMiss.objects.filter(query=text).update(count=F("count") + 1, last_seen=now)
