"""Catalog search: each published matter's search terms (Chinese name suffixes, full pinyin,
pinyin initials, aliases, department and topic names) and the ranking of matters for a query.

Index time (Python, once per publication; `index_matter`, `index_all`): the normalised name
gives one term per character position (so any Chinese substring is a term prefix); rjieba's
word boundaries give the pinyin and initials suffixes ("chushengyixuezhengming", "csyxzm");
short name and keywords, department and topic names add lower-weight terms. Terms are cut to
TERM_MAX characters. Each term row carries copies of the matter's ranking and filter columns,
so a search reads one covering B-tree index and never the wide matter rows.

Query time (`search_tokens`; `search_matter_ids` for a plain query, unified_search for
synonyms and stop words): the query is normalised (NFKC full-width to half-width, lower case,
letters/digits/CJK only, spaces dropped) and cut into tokens (`word_tokens`: Chinese words by
rjieba weighted by part of speech, a letters run as one word; each token a few alternatives).
ONE SQL statement, the same on SQLite and PostgreSQL: indexed prefix ranges per alternative
(`term >= a AND term < a || U+FFFF`), filters, per alternative the number of matters it
matched, per matter and token the best alternative by weight × ln(1 + N / n)², summed over
tokens (no word is required, rare words weigh most), matters under RELATIVE_CUTOFF of the
best dropped, ranked (score, the district's own level, shorter name, id), paged, the total as
a window count. Typo tolerance, in a second statement only for a word that matched nothing:
- a Chinese word is retried as its full pinyin, so a homophone (新生儿出声) finds 新生儿出生,
  and by its two-character parts;
- a Latin word of 4+ letters is retried with the closest full-pinyin term prefixes in the
  vocabulary (rapidfuzz Levenshtein; 1 edit up to 8 letters, 2 edits from 9): a missing,
  extra or wrong letter ("xinshnger", "yingyezhizao"), or two neighbouring letters swapped
  (2 edits, so only from 9 letters: "shehuibaozhnagka").
Not tolerated: typos in pinyin initials or in words under 4 letters (too many false hits),
wrong characters that do not sound alike.
"""

from __future__ import annotations

import math
import threading
import time
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import rjieba
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max, QuerySet
from pypinyin import Style, lazy_pinyin
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from yishi.catalog.models import Department, Matter, MatterSearchTerm, RegionLevel, Topic

TERM_MAX = MatterSearchTerm._meta.get_field("term").max_length
PREFIX_END = "\uffff"  # sorts after every character a term can hold (BMP, code-point order)
EXACT_BONUS = 20

# Weights: exact name (120) > name prefix (100) > word in name (80) > mid-word substring (70)
# > pinyin / initials (60/55) > aliases (50, a later word of one 45, pinyin 40) > department
# and topic names (30/20).
W_NAME = 100
W_NAME_WORD = 80
W_NAME_CHAR = 70
W_PINYIN_NAME = 60
W_INITIALS_NAME = 59
W_PINYIN_WORD = 55
W_INITIALS_WORD = 54
W_ALIAS = 50
W_ALIAS_WORD = 45
W_ALIAS_PINYIN = 40
W_ALIAS_INITIALS = 39
W_ORG = 30
W_ORG_PINYIN = 20
W_ORG_INITIALS = 19
# The full-pinyin weights: the vocabulary for typo correction.
FULL_PINYIN_WEIGHTS = (W_PINYIN_NAME, W_PINYIN_WORD, W_ALIAS_PINYIN, W_ORG_PINYIN)

TYPO_MIN_LEN = 4
TYPO_MAX_CANDIDATES = 5


# --- normalisation -------------------------------------------------------------------------


def normalise(text: str) -> str:
    """Full-width to half-width (NFKC), lower case, letters/digits/CJK only, no spaces."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", text).lower() if ch.isalnum())


def is_cjk(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff"


def has_cjk(text: str) -> bool:
    return any(is_cjk(ch) for ch in text)


@lru_cache(maxsize=65536)
def syllables(text: str) -> tuple[str, ...]:
    """One toneless syllable per character; non-Chinese characters stay themselves."""
    return tuple(lazy_pinyin(text, style=Style.NORMAL, errors=lambda s: list(s)))


def full_pinyin(text: str) -> str:
    return "".join(syllables(text))


def initials(text: str) -> str:
    return "".join(s[0] for s in syllables(text))


# --- index side ----------------------------------------------------------------------------


def _word_starts(text: str) -> list[int]:
    """Start positions of rjieba's search-mode words (overlapping sub-words included)."""
    return sorted({start for _, start, _ in rjieba.tokenize(text, mode="search")} | {0})


def _add(terms: dict[str, int], term: str, weight: int) -> None:
    term = term[:TERM_MAX]
    if term and terms.get(term, 0) < weight:
        terms[term] = weight


@lru_cache(maxsize=16384)
def name_terms(name: str) -> dict[str, int]:
    """Terms of a matter name: whole name, every Chinese suffix, pinyin and initials suffixes
    from each word boundary. Cached (names repeat across regions): do not mutate."""
    text = normalise(name)
    terms: dict[str, int] = {}
    if not text:
        return terms
    starts = _word_starts(text)
    full = syllables(text)
    firsts = [s[0] for s in full]
    boundary = set(starts)
    _add(terms, text, W_NAME)
    for i in range(1, len(text)):
        _add(terms, text[i:], W_NAME_WORD if i in boundary else W_NAME_CHAR)
    _add(terms, "".join(full), W_PINYIN_NAME)
    _add(terms, "".join(firsts), W_INITIALS_NAME)
    for i in starts[1:]:
        _add(terms, "".join(full[i:]), W_PINYIN_WORD)
        _add(terms, "".join(firsts[i:]), W_INITIALS_WORD)
    return terms


def alias_terms(
    aliases: Iterable[str],
    weight: int,
    pinyin_weight: int,
    initials_weight: int,
    word_weight: int = 0,
) -> dict[str, int]:
    """Terms of whole alternative names: the text, its full pinyin and initials; with
    `word_weight`, also the text from each later word on ("改手机号" of 社保卡改手机号)."""
    terms: dict[str, int] = {}
    for alias in aliases:
        text = normalise(alias)
        if not text:
            continue
        _add(terms, text, weight)
        if has_cjk(text):
            _add(terms, full_pinyin(text), pinyin_weight)
            _add(terms, initials(text), initials_weight)
            if word_weight:
                for start in _word_starts(text)[1:]:
                    _add(terms, text[start:], word_weight)
    return terms


def department_terms(department: Department) -> dict[str, int]:
    terms = alias_terms(
        [department.name, department.short_name], W_ORG, W_ORG_PINYIN, W_ORG_INITIALS
    )
    # "市场监督管理局" inside "梁子湖区市场监督管理局": suffixes from each word boundary
    for name in (department.name, department.short_name):
        text = normalise(name)
        for _, start, _ in rjieba.tokenize(text):
            if start > 0:
                _add(terms, text[start:], W_ORG)
    return terms


def topic_terms(topics: Iterable[Topic]) -> dict[str, int]:
    return alias_terms((t.name for t in topics), W_ORG, W_ORG_PINYIN, W_ORG_INITIALS)


def _split_keywords(keywords: str) -> list[str]:
    for sep in ",，、;；":
        keywords = keywords.replace(sep, " ")
    return keywords.split()


def matter_terms(
    matter: Matter,
    *,
    topics: Iterable[Topic],
    department_cache: dict[int, dict[str, int]] | None = None,
    extra: dict[str, int] | None = None,
) -> dict[str, int]:
    """Every term of one matter with its weight (the best weight when two sources agree)."""
    terms: dict[str, int] = dict(extra or {})
    sources = [
        name_terms(matter.name),
        alias_terms(
            [matter.short_name, *_split_keywords(matter.keywords)],
            W_ALIAS,
            W_ALIAS_PINYIN,
            W_ALIAS_INITIALS,
            W_ALIAS_WORD,
        ),
        topic_terms(topics),
    ]
    if department_cache is not None and matter.department_id in department_cache:
        sources.append(department_cache[matter.department_id])
    else:
        dept = department_terms(matter.department)
        if department_cache is not None:
            department_cache[matter.department_id] = dept
        sources.append(dept)
    for source in sources:
        for term, weight in source.items():
            _add(terms, term, weight)
    return terms


TERM_COLUMNS = (
    "matter_id", "term", "weight", "name_length", "level", "audience", "department_id",
    "region_id",
)  # fmt: skip


def _search_text(matter: Matter) -> str:
    return " ".join(filter(None, [matter.name, matter.short_name, matter.keywords]))


def _term_rows(matter: Matter, terms: dict[str, int]) -> list[tuple]:
    copied = (
        len(matter.name),
        matter.level,
        matter.audience,
        matter.department_id,
        matter.region_id,
    )
    return [(matter.pk, term, weight, *copied) for term, weight in terms.items()]


def _write_terms(matter_ids: list[int], rows: list[tuple]) -> None:
    """Replace the terms of these matters. A plain executemany: ORM objects for a million rows
    would cost more than building the terms (and it beat multi-row INSERTs on both backends)."""
    table = connection.ops.quote_name(MatterSearchTerm._meta.db_table)
    vocabulary.changed()
    MatterSearchTerm.objects.filter(matter_id__in=matter_ids).delete()
    placeholders = ", ".join(["%s"] * len(TERM_COLUMNS))
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} ({', '.join(TERM_COLUMNS)}) "  # noqa: S608 - names only
            f"VALUES ({placeholders})",
            rows,
        )


@transaction.atomic
def index_matter(matter: Matter) -> None:
    """Rebuild the search terms of one matter (none unless it is published). Called by the
    catalog services on every publication; call it too when a matter is withdrawn."""
    matter = Matter.objects.select_related("department").get(pk=matter.pk)
    matter.search_text = _search_text(matter)
    Matter.objects.filter(pk=matter.pk).update(search_text=matter.search_text)
    rows = []
    if matter.status == Matter.Status.PUBLISHED:
        rows = _term_rows(matter, matter_terms(matter, topics=matter.topics.all()))
    _write_terms([matter.pk], rows)


def index_all(queryset: QuerySet[Matter] | None = None, *, batch_size: int = 1000) -> int:
    """Rebuild the terms of many matters (all by default) in batches of one transaction each;
    returns the number of terms written. Use it after renaming a department or a topic."""
    queryset = Matter.objects.all() if queryset is None else queryset
    ids = list(queryset.order_by("pk").values_list("pk", flat=True))
    department_cache: dict[int, dict[str, int]] = {}
    topic_cache: dict[tuple[int, ...], dict[str, int]] = {}
    table = connection.ops.quote_name(Matter._meta.db_table)
    written = 0
    for offset in range(0, len(ids), batch_size):
        batch = ids[offset : offset + batch_size]
        with transaction.atomic():
            matters = (
                Matter.objects.filter(pk__in=batch)
                .select_related("department")
                .prefetch_related("topics")
            )
            rows: list[tuple] = []
            texts: list[tuple[str, int]] = []
            for matter in matters:
                texts.append((_search_text(matter), matter.pk))
                if matter.status != Matter.Status.PUBLISHED:
                    continue
                topics = list(matter.topics.all())
                key = tuple(t.pk for t in topics)
                if key not in topic_cache:
                    topic_cache[key] = topic_terms(topics)
                terms = matter_terms(
                    matter,
                    topics=(),
                    department_cache=department_cache,
                    extra=topic_cache[key],
                )
                rows.extend(_term_rows(matter, terms))
            _write_terms(batch, rows)
            with connection.cursor() as cursor:
                cursor.executemany(
                    f"UPDATE {table} SET search_text = %s WHERE id = %s",  # noqa: S608
                    texts,
                )
            written += len(rows)
    return written


# --- query side ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Token:
    """One word of a query as the ranking sees it: `alternatives` are (normalised text, factor)
    pairs, and a matter scores the best of them (its best term starting with the text, times the
    factor). A word is usually one alternative; a synonym adds its expansions, a lone character
    gives the word glued to it and the word alone. `bonus`: the whole query as one phrase,
    scored (words in their order rank higher) but not a word of its own."""

    alternatives: tuple[tuple[str, float], ...]
    bonus: bool = False

    @property
    def text(self) -> str:
        return self.alternatives[0][0]


def _segments(text: str) -> list[str]:
    """Maximal runs of Chinese characters and of letters/digits: "yyzz注销" → yyzz, 注销."""
    runs: list[str] = []
    for ch in text:
        if runs and is_cjk(ch) == is_cjk(runs[-1][-1]):
            runs[-1] += ch
        else:
            runs.append(ch)
    return runs


# How much a word counts by its part of speech (rjieba's tags): the things people need
# (nouns: 天然气, 手机号) fully, actions and qualities (开通, 改, 过期) less, function words
# (个, 怎样, 的) little. Words rjieba does not know count fully.
POS_FACTORS = {
    **dict.fromkeys(("v", "vd", "vg", "a", "ad", "ag", "t", "tg", "s", "b", "f"), 0.7),
    **dict.fromkeys(
        ("d", "dg", "r", "rr", "rz", "q", "m", "mq", "p", "c", "e", "y", "o", "z", "zg"), 0.3
    ),
    **dict.fromkeys(("u", "ud", "ug", "uj", "ul", "uv", "uz"), 0.3),
}
POS_GLUE = 0.5  # a lone character counting less is dropped rather than glued to a word


def word_tokens(text: str, *, keep_lone: bool = True) -> list[Token]:
    """The words of normalised text without synonyms: a letters/digits run is one word (pinyin
    typed with or without spaces); a Chinese run is cut by rjieba, each word weighted by its
    part of speech (POS_FACTORS), and a lone character is glued to its neighbours as their
    preferred alternatives ("改手机号" or else "手机号"; "残疾人证" or else "残疾人"), never a
    word of its own, unless the run has no other word and `keep_lone`."""
    tokens: list[Token] = []
    for run in _segments(text):
        if not is_cjk(run[0]):
            tokens.append(Token(((run[:TERM_MAX], 1.0),)))
            continue
        words: list[tuple[list[str], float]] = []  # per word: alternatives (best first), factor
        pending = ""
        for raw, tag in rjieba.tag(join_split_words(run)):
            word = normalise(raw)
            if not word:
                continue
            if len(word) == 1:
                if POS_FACTORS.get(tag, 1.0) < POS_GLUE:  # 的, 了, 在, 给: no part of a word
                    pending = ""
                    continue
                if words and not pending:
                    words[-1][0].insert(0, words[-1][0][0] + word)
                pending += word
                continue
            alternatives = [pending + word, pending[-1] + word, word] if pending else [word]
            words.append((alternatives, POS_FACTORS.get(tag, 1.0)))
            pending = ""
        if not words and keep_lone:  # lone characters only: the run as it is
            words.append(([run], 1.0))
        for alternatives, factor in words:
            unique = dict.fromkeys(a[:TERM_MAX] for a in alternatives)
            tokens.append(Token(tuple((a, factor) for a in unique)))
            if alternatives[-1] in taught_words:
                # A catalog word rjieba was taught ("地址变更") also counts by its parts, so a
                # matter saying 变更地址 still matches.
                tokens += [Token(((p, factor * PART_FACTOR),)) for p in parts(alternatives[-1])]
    return tokens


# Catalog words taught to rjieba (by unified_search: theme names and keywords), cut into parts
# as well when a query holds them.
taught_words: set[str] = set()
PART_FACTOR = 0.4


def parts(word: str) -> list[str]:
    """The longest dictionary words covering `word` from left to right ("新生儿出生" → 新生儿,
    出生), without `word` itself."""
    subs = {w for w in rjieba.cut_for_search(word) if 2 <= len(w) < len(word)}
    found, i = [], 0
    while i < len(word):
        best = max((w for w in subs if word.startswith(w, i)), key=len, default="")
        if best:
            found.append(best)
            i += len(best)
        else:
            i += 1
    return found


# Characters people put inside a word or phrase without changing it: 退了休, 开个店, 盖新房.
FILLERS = frozenset("个了一些的点下过着新")


def join_split_words(run: str) -> str:
    """Chinese text with a filler character taken out of a word it splits: "退了休" → 退休,
    "结了婚" → 结婚 (the two outer characters make a word, neither makes one with the filler)."""
    chars = list(run)
    i = 1
    while i < len(chars) - 1:
        a, filler, b = chars[i - 1], chars[i], chars[i + 1]
        if (
            filler in FILLERS
            and is_cjk(a)
            and is_cjk(b)
            and rjieba.has_word(a + b)
            and not rjieba.has_word(a + filler)
            and not rjieba.has_word(filler + b)
        ):
            del chars[i]
        i += 1
    return "".join(chars)


def query_tokens(q: str) -> list[Token]:
    """A query's tokens without synonyms or stop words (see unified_search.understand for
    those), with the whole-phrase bonus when there are several words."""
    text = normalise(q)
    tokens = word_tokens(text)
    return with_phrase_bonus(tokens, text)


PHRASE_FACTOR = 0.5
FALLBACK_PINYIN = 0.7
FALLBACK_TYPO = 0.8
FALLBACK_PART = 0.5


def with_phrase_bonus(tokens: list[Token], phrase: str) -> list[Token]:
    """The tokens and, for several words, the whole phrase as a bonus token; a phrase mixing
    letters and Chinese ("sbk补办", "yyzz 注销") is also tried as all initials and all pinyin
    ("sbkbb" is the initials of 社保卡补办)."""
    words = [t for t in tokens if not t.bonus]
    if len(words) < 2 or not phrase:
        return tokens
    forms = [phrase]
    runs = _segments(phrase)
    if any(is_cjk(r[0]) for r in runs) and any(not is_cjk(r[0]) for r in runs):
        forms.append("".join(initials(r) if is_cjk(r[0]) else r for r in runs))
        forms.append("".join(full_pinyin(r) if is_cjk(r[0]) else r for r in runs))
    unique = dict.fromkeys(f[:TERM_MAX] for f in forms)
    return [*tokens, Token(tuple((f, PHRASE_FACTOR) for f in unique), bonus=True)]


def fallback_alternatives(token: Token) -> tuple[tuple[str, float], ...]:
    """More alternatives for a word no matter matched: a Chinese word's full pinyin (so a
    homophone, 出声 for 出生, finds it) and its two-character parts (天然气 → 天然, 然气), never
    single characters (火星 would find 火灾); a
    Latin word's closest pinyin prefixes in the vocabulary (one wrong, missing or extra letter;
    two from 9 letters)."""
    found: dict[str, float] = {}
    for text, factor in token.alternatives:
        if has_cjk(text):
            found.setdefault(full_pinyin(text)[:TERM_MAX], factor * FALLBACK_PINYIN)
            if len(text) >= 3:
                for i in range(len(text) - 1):
                    if is_cjk(text[i]) and is_cjk(text[i + 1]):
                        found.setdefault(text[i : i + 2], factor * FALLBACK_PART)

        elif len(text) >= TYPO_MIN_LEN:
            for candidate in typo_candidates(text):
                found.setdefault(candidate, factor * FALLBACK_TYPO)
    have = {text for text, _ in token.alternatives}
    return tuple((t, f) for t, f in found.items() if t not in have)


@dataclass(frozen=True)
class SearchFilters:
    """Filters resolved to primary keys (see queries.matter_search)."""

    department_id: int | None = None
    topic_id: int | None = None
    level: int | None = None
    audiences: tuple[str, ...] = ()
    region_ids: tuple[int, ...] = ()


@dataclass
class SearchResult:
    ids: list[int] = field(default_factory=list)
    scores: list[float] = field(default_factory=list)
    total: int = 0
    # Per token, per alternative: how many matters (under the filters) it matched; the rarer,
    # the more it counts.
    matched: list[list[int]] = field(default_factory=list)
    population: int = 0  # the published matters: the N of the rarity weights
    corrected: tuple[str, ...] = ()  # the alternatives a fallback added
    tokens: list[Token] = field(default_factory=list)  # as searched, fallbacks included


# A matter is listed when its score is at least this share of the best score: words of the
# query it does not hold are forgiven, a match on one common word among rarer ones is not.
RELATIVE_CUTOFF = 0.2


def idf(matched: int, population: int) -> float:
    """The weight of a word by rarity, as in the SQL: ln(1 + N / n) squared (the query's and
    the matter's side of tf-idf)."""
    return math.log(1.0 + max(population, 1) / max(matched, 1)) ** 2


def _ranked_sql(
    tokens: list[Token], filters: SearchFilters, limit: int, offset: int
) -> tuple[str, list]:
    """One statement: each token's alternatives as prefix ranges over the covering index,
    filtered; per matter and alternative the best term (weight, +EXACT_BONUS when the term is
    the whole alternative, times its factor); per alternative the number of matters it matched
    (n); per matter and token the best alternative by weight × ln(1 + N / n)², N the number of
    published matters (`population`), so a rare alternative (挖路) outweighs a common one
    (道路); per matter the sum over its tokens. Matters scoring at least RELATIVE_CUTOFF of the best are ranked, paged,
    and counted in a window; every row also carries each alternative's n."""
    qn = connection.ops.quote_name
    table = qn(MatterSearchTerm._meta.db_table)
    through = Matter.topics.through._meta
    where, where_params = [], []
    if filters.department_id is not None:
        where.append("department_id = %s")
        where_params.append(filters.department_id)
    if filters.level is not None:
        where.append("level = %s")
        where_params.append(filters.level)
    if filters.audiences:
        where.append(f"audience IN ({', '.join(['%s'] * len(filters.audiences))})")
        where_params += list(filters.audiences)
    if filters.region_ids:
        where.append(f"region_id IN ({', '.join(['%s'] * len(filters.region_ids))})")
        where_params += list(filters.region_ids)
    if filters.topic_id is not None:
        where.append(
            f"EXISTS (SELECT 1 FROM {qn(through.db_table)} mt "  # noqa: S608
            f"WHERE mt.{qn(through.get_field('matter').column)} = t.matter_id "
            f"AND mt.{qn(through.get_field('topic').column)} = %s)"
        )
        where_params.append(filters.topic_id)
    extra = "".join(f" AND {w}" for w in where)
    branches, params = [], []
    k = 0
    for i, token in enumerate(tokens):
        for alt, factor in token.alternatives:
            branches.append(
                f"SELECT matter_id, name_length, level, {i} AS tok, {k} AS alt, (weight + CASE "  # noqa: S608
                f"WHEN term = %s THEN {EXACT_BONUS} ELSE 0 END) * %s AS w FROM {table} t "
                f"WHERE term >= %s AND term < %s{extra}"
            )
            params += [alt, float(factor), alt, alt + PREFIX_END, *where_params]
            k += 1
    counts = [f"(SELECT n FROM d WHERE d.alt = {j}) AS n{j}" for j in range(k)]  # noqa: S608
    idf_sql = "LN(1.0 + m.big * 1.0 / d.n)"
    sql = (
        f"WITH u AS ({' UNION ALL '.join(branches)}), "  # noqa: S608 - no values inline
        "a AS (SELECT matter_id, tok, alt, MAX(w) AS w, MAX(name_length) AS nl, "
        "MAX(level) AS lvl FROM u GROUP BY matter_id, tok, alt), "
        "d AS (SELECT alt, COUNT(*) AS n FROM a GROUP BY alt), "
        "m AS (SELECT %s AS big), "
        f"p AS (SELECT a.matter_id, a.tok, MAX(a.w * {idf_sql} * {idf_sql}) AS s, "
        "MAX(a.nl) AS nl, MAX(a.lvl) AS lvl FROM a JOIN d ON d.alt = a.alt CROSS JOIN m "
        "GROUP BY a.matter_id, a.tok), "
        "s AS (SELECT matter_id, SUM(s) AS score, MAX(nl) AS nl, MAX(lvl) AS lvl FROM p "
        "GROUP BY matter_id), "
        "r AS (SELECT matter_id, score, nl, lvl, MAX(score) OVER () AS best FROM s) "
        f"SELECT matter_id, score, COUNT(*) OVER () AS total, (SELECT big FROM m) AS big, "
        f"{', '.join(counts)} FROM r WHERE score >= best * %s "
        "ORDER BY score DESC, CASE WHEN lvl = %s THEN 0 ELSE 1 END, nl, matter_id "
        "LIMIT %s OFFSET %s"
    )
    return sql, [*params, population(), RELATIVE_CUTOFF, home_level(), limit, offset]


POPULATION_TTL = 60.0
_population: dict[str, Any] = {"key": None, "value": 0, "at": 0.0}


def population() -> int:
    """The number of published matters, the N of the words' rarity: counted again after this
    process indexes a matter, else at most every POPULATION_TTL seconds (another process's
    publications change the rarities only slightly)."""
    now = time.monotonic()
    key = vocabulary.local_writes
    if _population["key"] != key or now - _population["at"] > POPULATION_TTL:
        count = Matter.objects.filter(status=Matter.Status.PUBLISHED).count()
        _population.update(key=key, value=count, at=now)
    return max(int(_population["value"]), 1)


def home_level() -> int:
    """The level of the region this deployment serves (YISHI_DISTRICT_CODE): on equal scores
    its own implementation of a matter ranks before the province's or the city's."""
    code = settings.DISTRICT_CODE
    if len(code) > 6:
        return RegionLevel.TOWNSHIP
    if code.endswith("0000"):
        return RegionLevel.PROVINCE
    if code.endswith("00"):
        return RegionLevel.CITY
    return RegionLevel.COUNTY


def _run(tokens: list[Token], filters: SearchFilters, limit: int, offset: int) -> SearchResult:
    sql, params = _ranked_sql(tokens, filters, limit, offset)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if rows:
        first = rows[0]
        counts = iter(n or 0 for n in first[4:])
        return SearchResult(
            ids=[r[0] for r in rows],
            scores=[float(r[1]) for r in rows],
            total=first[2],
            population=first[3] or 0,
            matched=[[next(counts) for _ in t.alternatives] for t in tokens],
        )
    if offset == 0:
        return SearchResult(matched=[[0] * len(t.alternatives) for t in tokens])
    # Past the last page the window count is lost with the rows: count on the first page.
    probe = _run(tokens, filters, 1, 0)
    return SearchResult(total=probe.total, matched=probe.matched, population=probe.population)


def search_tokens(
    tokens: list[Token], *, filters: SearchFilters | None = None, limit: int = 20, offset: int = 0
) -> SearchResult:
    """Ranked ids of published matters for these tokens (see _ranked_sql): one statement, and a
    second only when a word matched no matter, with its fallback alternatives added."""
    filters = filters or SearchFilters()
    if not tokens:
        return SearchResult()
    result = _run(tokens, filters, limit, offset)
    retried: list[Token] = []
    added: list[str] = []
    for token, n in zip(tokens, result.matched, strict=True):
        extra = () if any(n) or token.bonus else fallback_alternatives(token)
        added += [text for text, _ in extra]
        retried.append(Token(token.alternatives + extra, token.bonus) if extra else token)
    if not added:
        result.tokens = list(tokens)
        return result
    result = _run(retried, filters, limit, offset)
    result.corrected = tuple(added)
    result.tokens = retried
    return result


def search_matter_ids(
    q: str, *, filters: SearchFilters | None = None, limit: int = 20, offset: int = 0
) -> SearchResult:
    """Ranked ids of published matters for a query's words, without synonyms (see
    unified_search for those), with the total match count."""
    return search_tokens(query_tokens(q), filters=filters, limit=limit, offset=offset)


# --- typo vocabulary -----------------------------------------------------------------------


class _Vocabulary:
    """Distinct full-pinyin terms, cached per process. Reloaded when the terms changed: this
    process counts its own index writes, and another process's writes move the largest term
    id (ids only grow: AUTOINCREMENT on SQLite, a sequence on PostgreSQL)."""

    def __init__(self) -> None:
        self.version: tuple[int, int | None] | None = None
        self.local_writes = 0
        self.terms: list[str] = []
        self.prefixes: dict[int, list[str]] = {}
        self.lock = threading.Lock()

    def changed(self) -> None:
        with self.lock:
            self.local_writes += 1

    def refresh(self) -> None:
        version = (self.local_writes, MatterSearchTerm.objects.aggregate(v=Max("id"))["v"])
        with self.lock:
            if version != self.version:
                terms = MatterSearchTerm.objects.filter(weight__in=FULL_PINYIN_WEIGHTS)
                self.terms = sorted(set(terms.values_list("term", flat=True)))
                self.prefixes = {}
                self.version = version

    def prefixes_of(self, length: int) -> list[str]:
        with self.lock:
            if length not in self.prefixes:
                self.prefixes[length] = sorted({t[:length] for t in self.terms if len(t) >= length})
            return self.prefixes[length]


vocabulary = _Vocabulary()


def typo_candidates(word: str) -> list[str]:
    """The full-pinyin term prefixes closest to `word` (same length ± 1), best distance only."""
    max_distance = 1 if len(word) <= 8 else 2
    found: dict[str, int] = {}
    vocabulary.refresh()
    for length in (len(word) - 1, len(word), len(word) + 1):
        for choice, distance, _ in process.extract(
            word,
            vocabulary.prefixes_of(length),
            scorer=Levenshtein.distance,
            score_cutoff=max_distance,
            limit=TYPO_MAX_CANDIDATES,
        ):
            if choice != word:
                found[choice] = min(distance, found.get(choice, distance))
    if not found:
        return []
    best = min(found.values())
    return sorted(c for c, d in found.items() if d == best)[:TYPO_MAX_CANDIDATES]


def rebuild_search_index() -> int:
    """Rewrite every matter's terms; returns the number of terms written."""
    return index_all(Matter.objects.all())
