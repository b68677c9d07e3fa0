"""One search over "一件事" themes, matters and policies, for the words people type ("生孩子要办
什么", "开饭店", "社保卡丢了") rather than catalog names.

Understanding a query (`understand`, pure Python over a cached vocabulary):
1. normalise (catalog.search.normalise: NFKC, lower case, letters/digits/CJK only);
2. one left-to-right longest-match pass over the administrators' synonyms (SearchSynonym:
   phrase → expansions, optional target item) and the stop words (search_synonyms.STOP_WORDS).
   A synonym's phrase becomes one token whose alternatives are the phrase and each expansion
   ("饭馆" → 饭馆 | 餐饮 | 食品经营 | 开办餐饮店); its target is remembered; a stop word is
   dropped. A phrase of 3+ characters is also found by its sound ("营业执找" → 营业执照);
3. the text between them is cut into words by rjieba (catalog.search.word_tokens), which has
   learnt the themes' short names and keywords; each word is weighted by its part of speech
   (nouns fully, verbs less, function words little), a lone character is glued to its
   neighbours as their preferred alternative, a taught catalog word also counts by its parts;
4. with several words, the whole phrase is a bonus token (words in order rank higher; a mixed
   query is also tried as initials and pinyin: "sbk补办" → sbkbb).

Ranking (catalog.search.search_tokens, one SQL statement over the matters' term index, a
second only when a word matched nothing and gets its pinyin, parts or closest pinyin as
fallback alternatives): no word is required. Per matter and token, the best alternative by
(term weight × factor) × rarity², rarity = ln(1 + N / matters the alternative matched), summed
over tokens; so a matter holding the rare words of a query ranks first, and a word the
catalogue does not know ("怎么", "饭馆" before its synonym existed) costs nothing. Themes and
policies (few: their terms in memory with their description words) are scored the same way
with the matters' rarities, themes × THEME_BOOST; everything below RELATIVE_CUTOFF of the best
is dropped; synonym targets come first.

The cache of synonyms, themes and policies is dropped by post_save/post_delete signals in this
process and re-checked against the tables' row counts and last update times (one small
statement) at most every RELOAD_CHECK_SECONDS, for changes made by other processes.

Queries that find nothing are counted in SearchMiss for administrators, unless they hold a
run of 6+ digits (possibly an ID or phone number): those are never stored.
"""

from __future__ import annotations

import re
import threading
import time
from bisect import bisect_left
from dataclasses import dataclass, field

import rjieba
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from yishi.catalog.models import Matter, SearchMiss, SearchSynonym
from yishi.catalog.search import (
    EXACT_BONUS,
    FILLERS,
    RELATIVE_CUTOFF,
    TERM_MAX,
    W_ALIAS,
    W_ALIAS_INITIALS,
    W_ALIAS_PINYIN,
    W_ALIAS_WORD,
    Token,
    alias_terms,
    full_pinyin,
    has_cjk,
    idf,
    is_cjk,
    join_split_words,
    name_terms,
    normalise,
    search_tokens,
    syllables,
    taught_words,
    with_phrase_bonus,
    word_tokens,
)
from yishi.catalog.search_synonyms import STOP_WORDS
from yishi.core.errors import ValidationFailed

KINDS = ("theme", "matter", "policy")
KIND_LABELS = {"theme": "一件事", "matter": "事项", "policy": "政策"}
MAX_QUERY = 50
MAX_LIMIT = 50
RELOAD_CHECK_SECONDS = 2.0
PINYIN_PHRASE_MIN = 3
EXPANSION_FACTOR = 1.0
SEGMENT_WORD_MAX = 4
# The words of a theme's or policy's description ("裁员", "脱贫人口") find it, below its name
# and keywords.
W_TEXT = 25
TARGET_SCORE = 1000
PERSONAL_DATA = re.compile(r"\d{6,}")


@dataclass(frozen=True)
class SearchItem:
    kind: str  # "theme" | "matter" | "policy"
    code: str
    name: str
    url: str  # site-relative path of the item's page


@dataclass(frozen=True)
class Understood:
    """`tokens`: the words the ranking scores (synonyms' expansions as alternatives of the
    phrase, stop words gone); `text`: the query rewritten with the first expansions, stop words
    dropped; `plain`: the query with stop words dropped only; `targets`: (kind, code) of the
    synonyms' target items."""

    tokens: tuple[Token, ...]
    text: str
    plain: str
    targets: tuple[tuple[str, str], ...] = ()


@dataclass
class _Entry:
    kind: str
    code: str
    name: str
    url: str
    audience: str
    terms: dict[str, int] = field(default_factory=dict)


class _TermIndex:
    """The terms of a few entries (themes or policies) in one sorted list, for prefix lookups
    by bisection: the in-memory twin of the matters' term table."""

    def __init__(self, entries: list[_Entry]) -> None:
        self.entries = entries
        self.rows = sorted(
            (term, i, weight) for i, e in enumerate(entries) for term, weight in e.terms.items()
        )
        self.keys = [row[0] for row in self.rows]

    def scores(self, tokens: list[Token], weights: list[list[float]]) -> dict[int, float]:
        """Per entry: the sum over tokens of the best alternative by its best term's weight
        (+EXACT_BONUS for the whole alternative, times the alternative's factor) times the
        alternative's rarity weight, as the matters' SQL does."""
        total: dict[int, float] = {}
        for token, alt_weights in zip(tokens, weights, strict=True):
            best: dict[int, float] = {}
            for (text, factor), rarity in zip(token.alternatives, alt_weights, strict=True):
                at = bisect_left(self.keys, text)
                while at < len(self.rows) and self.keys[at].startswith(text):
                    term, i, weight = self.rows[at]
                    score = (weight + (EXACT_BONUS if term == text else 0)) * factor * rarity
                    if score > best.get(i, 0):
                        best[i] = score
                    at += 1
            for i, score in best.items():
                total[i] = total.get(i, 0.0) + score
        return total


class _Cache:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.loaded = False
        self.version: tuple | None = None
        self.checked_at = 0.0
        # phrase → (expansions, target kind, target code); None: a stop word
        self.phrases: dict[str, tuple[tuple[str, ...], str, str] | None] = {}
        self.longest = 1
        # the full pinyin of each synonym phrase of 3+ characters → the phrase: a homophone
        # typo ("营业执找") still finds the phrase ("营业执照")
        self.by_pinyin: dict[str, str] = {}
        self.longest_pinyin = 0
        self.themes = _TermIndex([])
        self.policies = _TermIndex([])

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

        phrases: dict[str, tuple[tuple[str, ...], str, str] | None] = {}
        for word in STOP_WORDS:
            phrases[normalise(word)] = None
        words: set[str] = set()
        for syn in SearchSynonym.objects.all():
            phrase = normalise(syn.phrase)
            if phrase:
                expansions = tuple(
                    dict.fromkeys(e for e in map(normalise, split_words(syn.expansion)) if e)
                )
                phrases[phrase] = (expansions, syn.target_kind, syn.target_code)
        themes = []
        for t in Theme.objects.filter(status=Theme.Status.PUBLISHED).order_by("order", "code"):
            terms = dict(name_terms(t.name))
            for i, keyword in enumerate(split_words(t.keywords)):
                # The first keywords describe the theme best: a shared keyword ("社保卡" of
                # both 新生儿出生 and 社会保障卡居民服务) ranks the theme listing it first.
                rank = min(i, 9)
                for term, weight in alias_terms(
                    [keyword],
                    W_ALIAS - rank,
                    W_ALIAS_PINYIN - rank,
                    W_ALIAS_INITIALS - rank,
                    W_ALIAS_WORD - rank,
                ).items():
                    if terms.get(term, 0) < weight:
                        terms[term] = weight
            for term, weight in text_terms(t.summary, t.conditions).items():
                terms.setdefault(term, weight)
            url = reverse("portal:theme", args=[t.code])
            themes.append(_Entry("theme", t.code, t.name, url, t.audience, terms))
            words.update(normalise(w) for w in (t.name, *split_words(t.keywords)))
        policies = []
        for p in Policy.objects.filter(active=True).order_by("code"):
            page = "policies_portal:company" if p.subject == "company" else "policies_portal:home"
            url = f"{reverse(page)}#policy-{p.code}"
            terms = dict(name_terms(p.name))
            for term, weight in text_terms(p.description, p.basis).items():
                terms.setdefault(term, weight)
            policies.append(_Entry("policy", p.code, p.name, url, p.subject, terms))
        # The catalog's own short words keep together when a query is cut ("社保卡", "宅基地");
        # longer ones would hide their parts from the matters.
        for word in words:
            if 2 <= len(word) <= SEGMENT_WORD_MAX and has_cjk(word) and not rjieba.has_word(word):
                rjieba.add_word(word, None, None)
                taught_words.add(word)
        by_pinyin: dict[str, str] = {}
        for phrase, action in sorted(phrases.items()):
            if action is not None and len(phrase) >= PINYIN_PHRASE_MIN and all(map(is_cjk, phrase)):
                by_pinyin.setdefault(full_pinyin(phrase), phrase)
        with self.lock:
            self.phrases = phrases
            self.longest = max((len(p) for p in phrases), default=1)
            self.by_pinyin = by_pinyin
            self.longest_pinyin = max((len(p) for p in by_pinyin.values()), default=0)
            self.themes = _TermIndex(themes)
            self.policies = _TermIndex(policies)
            self.version = version
            self.loaded = True


cache = _Cache()


def text_terms(*texts: str) -> dict[str, int]:
    """The words of descriptive text, each a term of weight W_TEXT."""
    terms: dict[str, int] = {}
    for text in texts:
        for word in rjieba.cut_for_search(text):
            word = normalise(word)[:TERM_MAX]
            if len(word) >= 2 and has_cjk(word):
                terms[word] = W_TEXT
    return terms


def split_words(text: str) -> list[str]:
    """Keywords and expansions as typed in the admin: separated by spaces, commas or 、."""
    for sep in ",，、;；|":
        text = text.replace(sep, " ")
    return text.split()


# --- understanding -------------------------------------------------------------------------


def understand(q: str) -> Understood:
    """The query as tokens (see the module docstring): one left-to-right longest-match pass
    over the synonyms and stop words; the text between them cut into words."""
    state = cache.get()
    text = join_split_words(normalise(q))  # before the stop words: "退了休" → 退休
    tokens: list[Token] = []
    out: list[str] = []
    plain: list[str] = []
    targets: list[tuple[str, str]] = []
    run: list[str] = []

    def flush() -> None:
        if run:
            tokens.extend(word_tokens("".join(run), keep_lone=False))
            run.clear()

    sounds = syllables(text)

    def near_phrase(i: int) -> tuple[str, str] | None:
        """When no phrase is written at i: (the phrase, the text) of the longest phrase written
        with one filler character more ("盖新房" for 盖房, "交了社保" for 交社保), or else of 3+
        characters sounding as the text does ("营业执找" for 营业执照)."""
        for size in range(min(state.longest, len(text) - i - 1), 1, -1):
            piece = text[i : i + size + 1]
            for k in range(1, size):
                if piece[k] in FILLERS:
                    phrase = piece[:k] + piece[k + 1 :]
                    if state.phrases.get(phrase) is not None:
                        return phrase, piece
        if len(sounds) != len(text):
            return None
        for size in range(min(state.longest_pinyin, len(text) - i), PINYIN_PHRASE_MIN - 1, -1):
            piece = text[i : i + size]
            if all(map(is_cjk, piece)) and (
                phrase := state.by_pinyin.get("".join(sounds[i : i + size]))
            ):
                return phrase, piece
        return None

    i = 0
    while i < len(text):
        for size in range(min(state.longest, len(text) - i), -1, -1):
            if size == 0:  # no phrase written so: one with a filler, or sounding alike?
                found = near_phrase(i)
                if found is None:
                    continue
                phrase, piece = found
            else:
                phrase = piece = text[i : i + size]
            if phrase in state.phrases:
                flush()
                action = state.phrases[phrase]
                if action is not None:
                    expansions, kind, code = action
                    # The catalog's words for the phrase count as the phrase itself does (a
                    # lower factor let the general words of other matters win; measured).
                    alternatives = {a[:TERM_MAX]: EXPANSION_FACTOR for a in expansions}
                    alternatives.update({phrase[:TERM_MAX]: 1.0, piece[:TERM_MAX]: 1.0})
                    tokens.append(Token(tuple(alternatives.items())))
                    out.append(expansions[0] if expansions else "")
                    plain.append(piece)
                    if kind and code:
                        targets.append((kind, code))
                i += len(piece)
                break
        else:
            run.append(text[i])
            out.append(text[i])
            plain.append(text[i])
            i += 1
    flush()
    plain_text = "".join(plain)
    if not tokens and plain_text:  # a lone character, or one between stop words
        tokens = word_tokens(plain_text, keep_lone=True)
    if not tokens and text:
        # Stop words only: the query as typed, as one phrase, with no fallback parts (a matter
        # named 什么 is found; 怎么办理需要什么材料 finds nothing).
        tokens = [Token(((text[:TERM_MAX], 1.0),), bonus=True)]
    return Understood(
        tokens=tuple(with_phrase_bonus(tokens, plain_text)),
        text="".join(out)[:TERM_MAX],
        plain=plain_text[:TERM_MAX],
        targets=tuple(dict.fromkeys(targets)),
    )


# --- ranking -------------------------------------------------------------------------------


def _ranked_entries(
    index: _TermIndex, tokens: list[Token], weights: list[list[float]], boost: float
) -> list[tuple[float, _Entry]]:
    found = [
        (score * boost, index.entries[i]) for i, score in index.scores(tokens, weights).items()
    ]
    found.sort(key=lambda se: (-se[0], len(se[1].name), se[1].code))
    return found


def _item(e: _Entry) -> SearchItem:
    return SearchItem(kind=e.kind, code=e.code, name=e.name, url=e.url)


def _matter_items(ids: list[int]) -> dict[int, SearchItem]:
    rows = Matter.objects.filter(pk__in=ids, status=Matter.Status.PUBLISHED).values(
        "pk", "code", "name"
    )
    return {
        m["pk"]: SearchItem(
            kind="matter",
            code=m["code"],
            name=m["name"],
            url=reverse("portal:guide", args=[m["code"]]),
        )
        for m in rows
    }


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


# Themes rank above matters scoring alike: a theme is the whole "一件事" a person came for.
THEME_BOOST = 1.5


def search(
    q: str, *, kind: str | None = None, limit: int = 10, log_misses: bool = True
) -> list[SearchItem]:
    """Themes, matters and policies for a query, best first (see the module docstring).
    `log_misses=False`: the caller logs a query that found nothing itself."""
    q = validate(q, kind, limit)
    items = search_kinds(q, kinds=(kind,) if kind else KINDS, limit=limit)
    if not items and log_misses:
        log_miss(q)
    return items


def search_kinds(q: str, *, kinds: tuple[str, ...], limit: int) -> list[SearchItem]:
    """`search` over some kinds, for a validated query, without logging misses: the portal's
    search page lists themes and policies from here and the matters by page."""
    understood = understand(q)
    state = cache.get()
    targets = understood.targets
    tokens = list(understood.tokens)
    # The matters are searched even for themes or policies only: their counts per word weigh
    # the words by rarity for every kind.
    result = search_tokens(tokens, limit=limit if "matter" in kinds else 1)
    if result.corrected:
        tokens = list(result.tokens)
    weights = [[idf(n, result.population) for n in alts] for alts in result.matched]
    scored: list[tuple[float, int, SearchItem]] = []  # (score, kind order, item)
    pinned: list[SearchItem] = []
    wanted = {"theme": 0, "matter": 1, "policy": 2}
    if "matter" in kinds:
        rows = _matter_items(result.ids)
        first = [c for k, c in targets if k == "matter"]
        if first:
            extra = Matter.objects.filter(code__in=first, status=Matter.Status.PUBLISHED)
            pinned_rows = _matter_items(list(extra.values_list("pk", flat=True)))
            pinned += sorted(pinned_rows.values(), key=lambda it: first.index(it.code))
        scored += [
            (score, 1, rows[pk])
            for pk, score in zip(result.ids, result.scores, strict=True)
            if pk in rows
        ]
    for k, index, boost in (("theme", state.themes, THEME_BOOST), ("policy", state.policies, 1.0)):
        if k not in kinds:
            continue
        by_code = {e.code: e for e in index.entries}
        pinned += [_item(by_code[c]) for tk, c in targets if tk == k and c in by_code]
        scored += [
            (s, wanted[k], _item(e)) for s, e in _ranked_entries(index, tokens, weights, boost)
        ]
    best = max((s for s, _, _ in scored), default=0.0)
    scored = [row for row in scored if row[0] >= best * RELATIVE_CUTOFF]
    scored.sort(key=lambda row: (-row[0], row[1]))
    pinned.sort(key=lambda it: wanted[it.kind])
    return list(dict.fromkeys([*pinned, *(it for _, _, it in scored)]))[:limit]


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
