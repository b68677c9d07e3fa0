"""Catalog search: each published matter's search terms (Chinese name suffixes, full pinyin,
pinyin initials, aliases, department and topic names) and the ranking of matters for a query.

Index time (Python, once per publication; `index_matter`, `index_all`): the normalised name
gives one term per character position (so any Chinese substring is a term prefix); rjieba's
word boundaries give the pinyin and initials suffixes ("chushengyixuezhengming", "csyxzm");
short name and keywords, department and topic names add lower-weight terms. Terms are cut to
TERM_MAX characters. Each term row carries copies of the matter's ranking and filter columns,
so a search reads one covering B-tree index and never the wide matter rows.

Query time (`search_matter_ids`): the query is normalised (NFKC full-width to half-width,
lower case, letters/digits/CJK only, spaces dropped). Each attempt is ONE SQL statement, the
same on SQLite and PostgreSQL: indexed prefix ranges (`term >= q AND term < q || U+FFFF`),
filters, score per matter (best term per token), rank (score, then shorter name, then id),
page, and the total as a window count. Attempts, until one finds something:
1. the whole query as one prefix ("社会保障卡申领", "xsecs", "营业执照变更");
2. every word of it, all required, scores summed ("出生 证明" finds 出生医学证明; Chinese parts
   segmented by rjieba, a lone character kept with its neighbour);
3. typo tolerance, only when nothing was found:
   - a Chinese query is retried as its full pinyin, so a homophone (新生儿出声) finds 新生儿出生;
   - a Latin query of 4+ letters is retried with the closest full-pinyin term prefixes in the
     vocabulary (rapidfuzz Levenshtein; 1 edit up to 8 letters, 2 edits from 9): a missing,
     extra or wrong letter ("xinshnger", "yingyezhizao"), or two neighbouring letters swapped
     (2 edits, so only from 9 letters: "shehuibaozhnagka").
   Not tolerated: typos in pinyin initials or in queries under 4 letters (too many false
   hits), wrong characters that do not sound alike, mixed Chinese/Latin queries with a typo.
"""

from __future__ import annotations

import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

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
# > pinyin / initials (60/55) > aliases (50/40) > department and topic names (30/20).
W_NAME = 100
W_NAME_WORD = 80
W_NAME_CHAR = 70
W_PINYIN_NAME = 60
W_INITIALS_NAME = 59
W_PINYIN_WORD = 55
W_INITIALS_WORD = 54
W_ALIAS = 50
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
def _syllables(text: str) -> tuple[str, ...]:
    """One toneless syllable per character; non-Chinese characters stay themselves."""
    return tuple(lazy_pinyin(text, style=Style.NORMAL, errors=lambda s: list(s)))


def full_pinyin(text: str) -> str:
    return "".join(_syllables(text))


def initials(text: str) -> str:
    return "".join(s[0] for s in _syllables(text))


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
    full = _syllables(text)
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


def alias_terms(aliases: Iterable[str], weight: int, pinyin_weight: int, initials_weight: int):
    """Terms of whole alternative names: the text, its full pinyin and initials."""
    terms: dict[str, int] = {}
    for alias in aliases:
        text = normalise(alias)
        if not text:
            continue
        _add(terms, text, weight)
        if has_cjk(text):
            _add(terms, full_pinyin(text), pinyin_weight)
            _add(terms, initials(text), initials_weight)
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
class ParsedQuery:
    """`whole`: the normalised query; `words`: its words when it has several (whitespace
    parts; Chinese parts segmented by rjieba, single characters kept with a neighbour)."""

    whole: str
    words: tuple[str, ...] = ()

    @property
    def is_latin(self) -> bool:
        return not has_cjk(self.whole)


def _chinese_words(part: str) -> list[str]:
    """rjieba's words, a lone character glued to its neighbour: "残疾人证" stays one word
    instead of 残疾人 + 证 (a one-character prefix matches half the catalogue)."""
    words: list[str] = []
    pending = ""
    for word in (normalise(w) for w in rjieba.cut(part)):
        if not word:
            continue
        if len(word) == 1 and is_cjk(word):
            if words:
                words[-1] += word
            else:
                pending += word
        else:
            words.append(pending + word)
            pending = ""
    if pending:
        words.append(pending)
    return words


def parse_query(q: str) -> ParsedQuery | None:
    whole = normalise(q)[:TERM_MAX]
    if not whole:
        return None
    words: list[str] = []
    for part in unicodedata.normalize("NFKC", q).lower().split():
        if has_cjk(part):
            words.extend(_chinese_words(part))
        elif normalise(part):
            words.append(normalise(part))
    words = list(dict.fromkeys(w[:TERM_MAX] for w in words))
    return ParsedQuery(whole=whole, words=tuple(words) if len(words) > 1 else ())


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
    total: int = 0
    corrected: tuple[str, ...] = ()  # the alternatives a typo fallback searched


def _ranked_sql(
    tokens: list[tuple[str, ...]], filters: SearchFilters, limit: int, offset: int
) -> tuple[str, list]:
    """One statement: each token's prefix ranges (a token is a tuple of alternatives) over the
    covering index, filtered; a matter must match every token; scored per matter by its best
    term per token, ranked, paged, with the total as a window count."""
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
    for i, alternatives in enumerate(tokens):
        for alt in alternatives:
            branches.append(
                f"SELECT matter_id, name_length, level, {i} AS tok, weight + CASE WHEN term = %s "  # noqa: S608
                f"THEN {EXACT_BONUS} ELSE 0 END AS w FROM {table} t "
                f"WHERE term >= %s AND term < %s{extra}"
            )
            params += [alt, alt, alt + PREFIX_END, *where_params]
    if len(tokens) == 1:
        scores, having, score = "MAX(w) AS s0", "", "s0"
    else:
        scores = ", ".join(
            f"MAX(CASE WHEN tok = {i} THEN w ELSE 0 END) AS s{i}" for i in range(len(tokens))
        )
        having = " WHERE " + " AND ".join(f"s{i} > 0" for i in range(len(tokens)))
        score = " + ".join(f"s{i}" for i in range(len(tokens)))
    sql = (
        f"SELECT matter_id, COUNT(*) OVER () AS total FROM ("  # noqa: S608 - no values inline
        f"SELECT matter_id, MAX(name_length) AS name_length, MAX(level) AS lvl, {scores} "
        f"FROM ({' UNION ALL '.join(branches)}) u GROUP BY matter_id) s{having} "
        f"ORDER BY {score} DESC, CASE WHEN lvl = %s THEN 0 ELSE 1 END, name_length, matter_id "
        f"LIMIT %s OFFSET %s"
    )
    return sql, [*params, home_level(), limit, offset]


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


def _run(
    tokens: list[tuple[str, ...]], filters: SearchFilters, limit: int, offset: int
) -> SearchResult:
    sql, params = _ranked_sql(tokens, filters, limit, offset)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if rows:
        return SearchResult(ids=[r[0] for r in rows], total=rows[0][1])
    if offset == 0:
        return SearchResult()
    # Past the last page the window count is lost with the rows: count on the first page.
    probe = _run(tokens, filters, 1, 0)
    return SearchResult(total=probe.total)


def search_matter_ids(
    q: str, *, filters: SearchFilters | None = None, limit: int = 20, offset: int = 0
) -> SearchResult:
    """Ranked ids of published matters for a non-empty query, with the total match count.

    Tried in turn until one finds something: the whole query as one prefix (the usual case,
    one statement); every word of it; the typo fallbacks."""
    filters = filters or SearchFilters()
    parsed = parse_query(q)
    if parsed is None:
        return SearchResult()
    result = _run([(parsed.whole,)], filters, limit, offset)
    if result.total:
        return result
    if parsed.words:
        result = _run([(w,) for w in parsed.words], filters, limit, offset)
        if result.total:
            return result
    if parsed.is_latin:
        whole = parsed.whole
        alternatives = tuple(typo_candidates(whole)) if len(whole) >= TYPO_MIN_LEN else ()
    else:
        alternatives = (full_pinyin(parsed.whole)[:TERM_MAX],)
    if not alternatives:
        return result
    result = _run([alternatives], filters, limit, offset)
    result.corrected = alternatives
    return result


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
