"""One selector for "records matching what was typed", over the database's own search engine.

``fold`` is the single normalisation (lower case, accents stripped) used both when writing
``search_text`` and when reading a query, so "Joao" finds "João".

``document(record)`` builds ``search_text``: folded words of the names, e-mails, company and
job title, plus digit-only tokens for phones (full E.164 digits, national number, subscriber
number) and tax ids, so "+55 11 98765-4321", "11987654321" and "98765-4321" find the same
contact. The words are separated by single spaces, so SQLite's FTS5 ``unicode61`` tokenizer and
PostgreSQL's ``simple`` parser cut them the same way.

``search(queryset, query)`` narrows a (visibility-scoped) queryset in the same SQL statement:

- SQLite: ``id IN (SELECT rowid FROM <table>_fts WHERE … MATCH …)``, an FTS5 external-content
  table kept by triggers (migration 0004); with many matches the list's ordering index is
  walked and each row checked against the matches, or by one seek in the FTS index;
- PostgreSQL: ``search_vector @@ to_tsquery('simple', …)``, a stored generated column
  ``to_tsvector('simple', search_text)`` with a GIN index that also holds the owner and the
  team (migrations 0004 and 0006); a rare query of several words reads its ids from it first.

``search_page(queryset, unscoped, query, read)`` is the same search for a first page read per
visibility branch (the lists' ``ListSpec.page``), deciding the typo fallback on that page.

Every word is a prefix query (a word of two characters only when it is the last one); when
nothing matches, each word of four letters or more that no record has is widened to the words
one edit away (deletion, transposition, substitution, insertion), which finds "João Silva"
from "Joaa Silva" or "Slva". docs/decisions/0002-search.md has the measured
reasons. Query words are reduced to letters and digits before they reach either engine, so no
input can be read as an operator.
"""

from __future__ import annotations

import json
import re
import string
import unicodedata
from collections.abc import Callable, Collection
from typing import Any

from django.conf import settings
from django.db import connections
from django.db.models import BooleanField, F, Func, IntegerField, Model, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import translation

from clientela.platform import customfields
from clientela.platform.models import FieldType
from clientela.platform.pagination import Page
from clientela.platform.permissions import Unindexed

MAX_QUERY_CHARS = 200
MAX_TERMS = 8
MAX_TERM_CHARS = 40
MIN_PREFIX_CHARS = 2  # a single letter matches as a whole word, not as a prefix of millions
MIN_FUZZY_CHARS = 4
MAX_FUZZY_CHARS = 20  # a longer word (an e-mail address) is not widened: ~50 variants a letter
MIN_DIGITS = 3
BROAD = 2000  # SQLite: from this many matches on, walk the list's order instead of the matches
# SQLite: from this many matches on, check each walked row by one seek in the FTS index (when
# the words allow it) instead of building the set of matches first: a seek costs ~15 µs a row,
# the set ~0.15 µs a match ("da": 235,531 contacts, 47 ms as a set, 2.4 ms by seeks; 34,104
# accounts, 5.5 ms as a set, 15 ms by seeks, where the matches gather late in name order).
DENSE = 100_000
INLINE_IDS = 900  # SQLite: at most this many rowids go into the query (999 variables before 3.32)
WORD_RE = re.compile(r"[^\W_]+")
PHONE_LIKE_RE = re.compile(r"[\d\s+().\-/]+")
ASCII_NON_DIGITS_RE = re.compile(r"[^0-9]+")
ALPHABET = string.ascii_lowercase
FTS5_PREFIXES = (2, 3)  # prefix lengths FTS5 keeps an index for: one seek answers them
FTS_TABLES = {
    "customers_account": "customers_account_fts",
    "customers_contact": "customers_contact_fts",
    "customers_lead": "customers_lead_fts",
}


def fold_reference(text: str) -> str:
    """The definition of ``fold``: compatibility-decomposed, combining marks dropped, casefolded.

    ``fold`` gives exactly this, faster (a test compares the two on random text).
    """
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


class _FoldTable(dict[int, str]):
    """Code point → its fold, filled on first sight. Decomposing, dropping combining marks
    and casefolding each work character by character (the canonical reordering NFKD does only
    moves combining marks, which are dropped), so folding a text is folding each character."""

    def __missing__(self, code: int) -> str:
        folded = fold_reference(chr(code))
        if code < FOLD_CACHE_LIMIT:  # the scripts names are written in; the rest is not kept
            self[code] = folded
        return folded


FOLD_CACHE_LIMIT = 0x3400
_FOLD_TABLE = _FoldTable()


def fold(text: str) -> str:
    """Lower case without accents ("João" → "joao"), the same for writing and for querying."""
    if not text:
        return ""
    if text.isascii():  # ASCII decomposes to itself; its casefold is its lower case
        return text.lower()
    return text.translate(_FOLD_TABLE)


def words(text: str) -> list[str]:
    """The folded words of ``text``: runs of letters and digits, the rest is a separator."""
    return WORD_RE.findall(fold(text))


def digits(text: str) -> str:
    if text and text.isascii():  # in ASCII only 0-9 are digits
        return ASCII_NON_DIGITS_RE.sub("", text)
    return "".join(c for c in text or "" if c.isdigit())


# --- writing --------------------------------------------------------------------------------


def phone_tokens(phone: str) -> list[str]:
    """Digit tokens of an E.164 number: all digits, without the country code, without the area
    code (Brazil: 2 digits, North America: 3), so a number is found however it is typed."""
    number = digits(phone)
    if not number:
        return []
    tokens = [number]
    if phone.startswith("+55") and len(number) >= 12:
        tokens += [number[2:], number[4:]]
    elif phone.startswith("+1") and len(number) == 11:
        tokens += [number[1:], number[4:]]
    elif not phone.startswith("+") and len(number) >= 10:
        tokens.append(number[2:])
    return tokens


def _company(record: Any) -> str:
    if hasattr(record, "company"):
        return str(record.company or "")
    account_id = getattr(record, "account_id", None)
    if not account_id:
        return ""
    descriptor = type(record).account
    if descriptor.is_cached(record):
        return str(record.account.name)
    name = descriptor.get_queryset().filter(pk=account_id).values_list("name", flat=True).first()
    return str(name or "")


def document(record: Any, object_type: str | None = None) -> str:
    """The ``search_text`` of an account, contact or lead (saved or not).

    For bulk inserts, set ``contact.account`` to the account object (not only ``account_id``),
    or this reads the account's name with one query per contact. ``object_type`` names the
    record type of a stand-in that is no model instance (the import's rows), for its custom
    fields.
    """
    parts = [
        getattr(record, name, "") or ""
        for name in ("name", "first_name", "last_name", "job_title", "email")
    ]
    parts.append(_company(record))
    text = " ".join(words(" ".join(parts)))
    email = "".join(words(getattr(record, "email", "") or ""))  # the whole address, one token
    numbers = phone_tokens(getattr(record, "phone", "") or "")
    tax = digits(getattr(record, "tax_id", "") or "")
    if tax:
        numbers.append(tax)
    stored = getattr(record, "custom", None)
    custom = custom_words(object_type or record._meta.label_lower, stored) if stored else ""
    return " ".join(filter(None, [text, email, *numbers, custom]))


def custom_words(object_type: str, stored: dict[str, Any]) -> str:
    """The words of the record's searchable custom fields (``searchable=True``), as they are
    shown (a choice's label, a date as the site writes it), phones and e-mails as the built-in
    ones. Shown in the site's language, so the document does not depend on who saved it."""
    found = [
        (item, value)
        for item in customfields.definitions(object_type)
        if item.searchable and (value := stored.get(item.key)) not in (None, "", [])
    ]
    if not found:
        return ""
    tokens: list[str] = []
    with translation.override(settings.LANGUAGE_CODE):
        for item, value in found:
            if item.field_type == FieldType.PHONE:
                tokens += phone_tokens(str(value))
            elif item.field_type == FieldType.EMAIL:
                tokens += [*words(str(value)), "".join(words(str(value)))]
            else:
                tokens += words(customfields.display(item, value))
    return " ".join(tokens)


# --- reading --------------------------------------------------------------------------------


def query_terms(query: str) -> list[str]:
    """What to look for: one digit string for a phone or tax id typed with any punctuation,
    else up to ``MAX_TERMS`` folded words (letters and digits only)."""
    folded = fold(query)[:MAX_QUERY_CHARS].strip()
    if PHONE_LIKE_RE.fullmatch(folded) and len(digits(folded)) >= MIN_DIGITS:
        return [digits(folded)[:MAX_TERM_CHARS]]
    if "@" in folded and " " not in folded:  # an e-mail address, whole or its beginning
        address = "".join(WORD_RE.findall(folded))[:MAX_TERM_CHARS]
        return [address] if address else []
    return [term[:MAX_TERM_CHARS] for term in WORD_RE.findall(folded)[:MAX_TERMS]]


def one_edit(term: str) -> set[str]:
    """Every word one deletion, transposition, substitution or insertion away (a-z)."""
    splits = [(term[:i], term[i:]) for i in range(len(term) + 1)]
    found = {a + b[1:] for a, b in splits if b}
    found |= {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    found |= {a + c + b[1:] for a, b in splits if b for c in ALPHABET}
    found |= {a + c + b for a, b in splits for c in ALPHABET}
    found.discard(term)
    return found


def _fuzzy(term: str) -> bool:
    return MIN_FUZZY_CHARS <= len(term) <= MAX_FUZZY_CHARS and term.isascii() and term.isalpha()


def _is_prefix(terms: list[str], index: int) -> bool:
    """The last word is a prefix (it is being typed) from two characters on; an earlier word
    from three ("da" in "da Mata" is a whole word: as a prefix it reads every "da…" word)."""
    size = len(terms[index])
    return size >= MIN_PREFIX_CHARS and (index == len(terms) - 1 or size > MIN_PREFIX_CHARS)


def fts5_query(terms: list[str], widen: Collection[str] = ()) -> str:
    clauses = []
    for index, term in enumerate(terms):
        prefix = "*" if _is_prefix(terms, index) else ""
        options = [f'"{term}"{prefix}']
        if term in widen:
            options += [f'"{variant}"' for variant in sorted(one_edit(term))]
        clauses.append(f"({' OR '.join(options)})")
    return " AND ".join(clauses)


def tsquery(terms: list[str], widen: Collection[str] = ()) -> str:
    clauses = []
    for index, term in enumerate(terms):
        prefix = ":*" if _is_prefix(terms, index) else ""
        options = [f"'{term}'{prefix}"]
        if term in widen:
            options += [f"'{variant}'" for variant in sorted(one_edit(term))]
        clauses.append(f"({' | '.join(options)})")
    return " & ".join(clauses)


class _TsMatch(Func):
    """``search_vector @@ to_tsquery('simple', %s)``: the stored column of migration 0004, named
    through ``search_text``'s compiled column so the table alias is always the right one."""

    output_field = BooleanField()

    def __init__(self, query: str) -> None:
        super().__init__(F("search_text"))
        self._query = query

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> Any:  # type: ignore[override]
        column, params = compiler.compile(self.source_expressions[0])
        vector = column.removesuffix(connection.ops.quote_name("search_text"))
        vector += connection.ops.quote_name("search_vector")
        return f"{vector} @@ to_tsquery('simple'::regconfig, %s)", (*params, self._query)


FUZZY_CAP = 5000  # PostgreSQL: the typo query's matches taken from the GIN index
FEW = 1000  # PostgreSQL: a query of several words expected to match at most this many: ids first
_PG_MATCH = "search_vector @@ to_tsquery('simple'::regconfig, %s)"


def _pg_index_ids(using: str, table: str, query: str, limit: int) -> list[int]:
    """The ids matching the typo query, read from the GIN index.

    Its hundreds of ORed words make PostgreSQL expect ~5 % of the table, so it scans the table
    (or walks the list's ordering index) evaluating the query row by row: seconds at a million
    rows. Here the plan can only read the index; the few ids then go to the caller's query.
    """
    sql = f"SELECT id FROM {table} WHERE {_PG_MATCH} LIMIT {int(limit)}"  # noqa: S608
    with connections[using].cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        try:
            cursor.execute(sql, [query])
            return [row[0] for row in cursor.fetchall()]
        finally:
            cursor.execute("RESET enable_seqscan")


def _sqlite_matches(using: str, fts: str, match: str, cap: int = BROAD) -> int:
    """How many records match, counted up to ``cap`` (cheap: the FTS index alone)."""
    sql = f"SELECT count(*) FROM (SELECT 1 FROM {fts} WHERE {fts} MATCH %s LIMIT {int(cap)})"  # noqa: S608
    with connections[using].cursor() as cursor:
        cursor.execute(sql, [match])
        return int(cursor.fetchone()[0])


def _seekable(terms: list[str], widen: Collection[str]) -> bool:
    """Whether FTS5 can check one row against every word by seeking in a single doclist: a
    whole word, or a prefix of exactly the lengths of the ``prefix = '2 3'`` index. A longer
    prefix ("joao"*) merges the doclists of every word it begins, for each row it checks."""
    return not widen and all(
        not _is_prefix(terms, index) or len(term) in FTS5_PREFIXES
        for index, term in enumerate(terms)
    )


class _FtsHas(Func):
    """``EXISTS (SELECT 1 FROM <fts> WHERE <fts> MATCH %s AND rowid = <row's id>)``: each row
    SQLite reads from the list's ordering index is checked with one seek in the FTS index, so
    a page of a dense prefix ("da": a quarter of the rows) reads ~200 rows and no set."""

    output_field = BooleanField()

    def __init__(self, fts: str, match: str) -> None:
        super().__init__(F("pk"))
        self._fts = fts
        self._match = match

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> Any:  # type: ignore[override]
        column, params = compiler.compile(self.source_expressions[0])
        fts = self._fts  # a name from FTS_TABLES only
        sql = f"EXISTS (SELECT 1 FROM {fts} WHERE {fts} MATCH %s AND rowid = {column})"  # noqa: S608
        return sql, (self._match, *params)


type Narrowing = Callable[[QuerySet[Any]], QuerySet[Any]]


def _sqlite_narrowing(
    using: str, fts: str, terms: list[str], widen: Collection[str]
) -> tuple[Narrowing, bool]:
    """Few matches: their rowids, read once, looked up by key (a page read per visibility
    branch would otherwise run the FTS query once per branch and once more for its rows: a
    typo's hundreds of words cost ~30 ms each time); beyond ``INLINE_IDS``, by a subquery.
    Many: walk the list's ordering index and
    check each row, so SQLite stops at the page's end instead of reading and sorting every
    match. A row is checked by one seek in the FTS index when every word allows it
    (``_seekable``) and matches are dense; otherwise against the set of matches (``+id``
    cannot use the primary key)."""
    match = fts5_query(terms, widen)  # letters and digits in quotes: never an operator
    subquery = f"SELECT rowid FROM {fts} WHERE {fts} MATCH %s"  # noqa: S608
    with connections[using].cursor() as cursor:
        cursor.execute(f"{subquery} LIMIT {BROAD}", [match])
        ids = [row[0] for row in cursor.fetchall()]
    if len(ids) < BROAD:
        if len(ids) <= INLINE_IDS:
            return lambda records: records.filter(pk__in=ids), bool(ids)
        return lambda records: records.filter(pk__in=RawSQL(subquery, (match,))), True  # noqa: S611
    if _seekable(terms, widen) and _sqlite_matches(using, fts, match, DENSE) >= DENSE:
        return lambda records: records.filter(_FtsHas(fts, match)), True
    unindexed = Unindexed(F("pk"), output_field=IntegerField())  # "+id": no primary key

    def walk(records: QuerySet[Any]) -> QuerySet[Any]:
        rows = RawSQL(subquery, (match,))  # noqa: S611
        return records.alias(search_rowid=unindexed).filter(search_rowid__in=rows)

    return walk, True


def _pg_estimate(using: str, table: str, query: str) -> float:
    """The planner's estimate of the matches (planning only, nothing is read)."""
    sql = f"EXPLAIN (FORMAT JSON) SELECT id FROM {table} WHERE {_PG_MATCH}"  # noqa: S608
    with connections[using].cursor() as cursor:
        cursor.execute(sql, [query])
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return float(plan[0]["Plan"]["Plan Rows"])


def _pg_narrowing(
    using: str, table: str, terms: list[str], ids_first: bool
) -> tuple[Narrowing, bool | None]:
    """With ``ids_first`` (``search_page``), a query of several words that few records match
    has its ids read from the GIN index once; the branches then look them up by key. Otherwise
    the match stays a filter the planner may check while walking the list's index (a broad
    prefix), or scan the index for, once per visibility branch (docs/decisions/0002-search.md).
    ``search`` keeps the filter: the lists call it twice a page, and when the planner's
    estimate was too low (it takes the words as independent: "da" & "mata") each call would
    scan the index once for nothing."""
    match = tsquery(terms)
    if ids_first and len(terms) > 1 and _pg_estimate(using, table, match) <= FEW:
        ids = _pg_index_ids(using, table, match, FEW + 1)
        if len(ids) <= FEW:
            return lambda records: records.filter(pk__in=ids), bool(ids)
    return lambda records: records.filter(_TsMatch(match)), None


def _narrowing(
    queryset: QuerySet[Any], terms: list[str], widen: Collection[str] = (), ids_first: bool = False
) -> tuple[Narrowing, bool | None]:
    """How to narrow any queryset of ``queryset``'s model to the terms, and whether anything
    matched (None: not known yet). The plan is chosen once (SQLite counts, a PostgreSQL typo
    reads its ids) and applies alike to the visible records and to the unscoped ones."""
    vendor = connections[queryset.db].vendor
    table = queryset.model._meta.db_table
    if vendor == "postgresql" and widen:
        ids = _pg_index_ids(queryset.db, table, tsquery(terms, widen), FUZZY_CAP)
        return lambda records: records.filter(pk__in=ids), bool(ids)
    if vendor == "postgresql":
        return _pg_narrowing(queryset.db, table, terms, ids_first)
    if vendor == "sqlite" and table in FTS_TABLES:
        return _sqlite_narrowing(queryset.db, FTS_TABLES[table], terms, widen)

    def contains(records: QuerySet[Any]) -> QuerySet[Any]:
        for term in terms:  # any other database: substring match on the folded text
            records = records.filter(search_text__contains=term)
        return records

    return contains, None


def _narrow[M: Model](
    queryset: QuerySet[M], terms: list[str], widen: Collection[str] = ()
) -> tuple[QuerySet[M], bool | None]:
    """The narrowed queryset and whether anything matched (None: not known yet)."""
    narrowing, found = _narrowing(queryset, terms, widen)
    return narrowing(queryset), found


def search[M: Model](queryset: QuerySet[M], query: str) -> QuerySet[M]:
    """Narrow a visibility-scoped queryset of accounts, contacts or leads to ``query``'s matches.

    Every word is a prefix; when no record matches, words of four letters or more also match
    the words one edit away. May run one small query to choose the plan (SQLite) or to know
    whether the typo fallback is needed; the returned queryset is still lazy, ready for
    ordering and keyset pagination.
    """
    terms = query_terms(query)
    if not terms:  # blank: everything; only punctuation ("%", "*", '"'): text that matches nothing
        return queryset if not (query or "").strip() else queryset.none()
    strict, found = _narrow(queryset, terms)
    if found or not any(_fuzzy(term) for term in terms):
        return strict
    if found is None and strict.exists():
        return strict
    unknown = [term for term in terms if _fuzzy(term) and not _known(queryset, term)]
    return _narrow(queryset, terms, unknown)[0] if unknown else strict


def search_page[M: Model](
    queryset: QuerySet[M],
    unscoped: QuerySet[M],
    query: str,
    read: Callable[[QuerySet[M], QuerySet[M]], Page[M]],
) -> Page[M]:
    """The first page of ``search(queryset, query)``, read by ``read(visible, unscoped)``.

    ``unscoped`` is the same records without the visibility filter, narrowed by the very same
    plan: a team-scoped page reads its candidates from it one visibility branch at a time and
    its rows from the visible side by id (``ListSpec.page``). Where ``search`` asks the
    database whether any visible record matches before it reads (PostgreSQL), which runs the
    search index once more, the page answers that itself: only an empty first page of a query
    with a word of four letters or more is read again with the typo widening, as ``search``
    would have decided.
    """
    terms = query_terms(query)
    if not terms:
        if not (query or "").strip():
            return read(queryset, unscoped)
        return read(queryset.none(), unscoped.none())
    narrowing, found = _narrowing(queryset, terms, ids_first=True)
    page = read(narrowing(queryset), narrowing(unscoped))
    if page.items or found or not any(_fuzzy(term) for term in terms):
        return page
    unknown = [term for term in terms if _fuzzy(term) and not _known(queryset, term)]
    if not unknown:
        return page
    widened, _found = _narrowing(queryset, terms, unknown)
    return read(widened(queryset), widened(unscoped))


def _known(queryset: QuerySet[Any], term: str) -> bool:
    """Whether any record (visible or not) has a word starting with ``term``: only the
    unknown words of a query are widened to their one-edit neighbours."""
    vendor = connections[queryset.db].vendor
    table = queryset.model._meta.db_table
    if vendor == "postgresql":
        return bool(_pg_index_ids(queryset.db, table, tsquery([term]), 1))
    if vendor == "sqlite" and table in FTS_TABLES:
        return _sqlite_matches(queryset.db, FTS_TABLES[table], fts5_query([term])) > 0
    return queryset.model._default_manager.filter(search_text__contains=term).exists()


def refresh(queryset: QuerySet[Any], batch_size: int = 2000) -> int:
    """Rebuild ``search_text`` of every record in ``queryset`` (after a bulk change that did
    not go through ``save()``, e.g. an account renamed under many contacts). Returns the count."""
    model = queryset.model
    if hasattr(model, "account"):
        queryset = queryset.select_related("account")
    changed = 0
    pending = []
    for record in queryset.iterator(chunk_size=batch_size):
        text = document(record)
        if text != record.search_text:
            record.search_text = text
            pending.append(record)
        if len(pending) >= batch_size:
            changed += model.objects.bulk_update(pending, ["search_text"])
            pending = []
    if pending:
        changed += model.objects.bulk_update(pending, ["search_text"])
    return changed


def refresh_custom_field(model: type[Model], key: str) -> int:
    """Rebuild the documents of the records that hold a value for custom field ``key``: after
    its ``searchable`` flag changed, or its values were rewritten in bulk (a type change, a
    deletion), which ``save()`` did not see. Reads each such record once."""
    return refresh(model._default_manager.filter(custom__has_key=key))
