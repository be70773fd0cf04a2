"""Full-text search of the knowledge base on SQLite and PostgreSQL alike, with stemming in
English and Portuguese and accents ignored.

Neither database stems Portuguese the same way (SQLite has no stemmer at all), so the text is
reduced to Snowball stems here, in Python, and each database only indexes and ranks those
words: SQLite an FTS5 table over ``search_title`` and ``search_stems`` (kept in step by
triggers), ranked by bm25 with the title weighing ten times the rest; PostgreSQL a stored
generated column ``search_vector`` (``to_tsvector('simple', …)`` of the same columns, the title
with weight A) with a GIN index, ranked by ts_rank.

An article is stemmed in its own language. A query is stemmed in both, since an agent writes
in either: each of its words becomes the set of its stems (``impressoras`` → ``impressor``,
``impressora``…), and a word matches when any of them is indexed. Accents: a word is stemmed
as written and without its accents, and every stem is folded (``configuração`` →
``configur`` and ``configuraca``; ``configuracao`` → ``configuraca``), so both spellings find
each other. A query is made of stems only (letters and digits, quoted), never of what was
typed, so quotes, ``NEAR(``, ``*`` or SQL are just words that match nothing.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

import snowballstemmer
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import QuerySet

LANGUAGES = {"en": "english", "pt-br": "portuguese"}
MAX_QUERY_WORDS = 16  # what a search box query keeps
MAX_TEXT_WORDS = 24  # what a suggestion's text keeps (its first words: the subject first)
TITLE_WEIGHT = 10.0  # bm25 column weight of the title against the rest (SQLite)
_WORD = re.compile(r"[^\W_]+")


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


STOPWORDS = {
    "en": _words(
        "a an the and or but if of to in on at by for with from as is are was were be been "
        "being it its this that these those i you he she we they me my your our their do does "
        "did how what when where which who why can could will would should not no so than then "
        "there here up out about into over after before has have had am s t just all any some "
        "more most very too also only own same other such each both again once please hi hello "
        "thanks thank"
    ),
    "pt-br": _words(
        "a o as os um uma uns umas de do da dos das em no na nos nas por pelo pela pelos pelas "
        "para pra com sem e ou mas que se como quando onde qual quais quem porque e ser foi sao "
        "esta estao este isso isto essa esse aquele aquela eu voce ele ela eles elas meu minha "
        "seu sua ao aos nao sim ja mais muito tambem so lhe me te ha tem ter estou oi ola "
        "obrigado obrigada bom dia boa tarde"
    ),
}
ANY_STOPWORD = STOPWORDS["en"] | STOPWORDS["pt-br"]

# --- words and stems ---------------------------------------------------------------------------


def fold(text: str) -> str:
    """Lower case without accents: ``Configuração`` → ``configuracao``."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


_local = threading.local()


def _stemmer(language: str) -> Any:
    """One stemmer per thread and language (a stemmer keeps state while it works)."""
    found = getattr(_local, language, None)
    if found is None:
        found = snowballstemmer.stemmer(LANGUAGES[language])
        setattr(_local, language, found)
    return found


@lru_cache(maxsize=50_000)
def variants(word: str, language: str) -> tuple[str, ...]:
    """The stems ``word`` is indexed and looked up by in ``language`` (one, or two when its
    accents change its stem); none for a stop word or a very long word."""
    folded = fold(word)
    if folded in STOPWORDS[language] or len(word) > 40:
        return ()
    stemmer = _stemmer(language)
    first = fold(stemmer.stemWord(word))
    second = stemmer.stemWord(folded)
    return (first,) if first == second else (first, second)


def stems(text: str, language: str) -> str:
    """``text`` as the words the index holds, in their order (repeats count for relevance)."""
    language = language if language in LANGUAGES else "en"
    return " ".join(s for w in words(text) for s in variants(w, language))


def article_stems(
    title: str, summary: str, body: str, tags: Iterable[str], language: str
) -> tuple[str, str]:
    """(``search_title``, ``search_stems``) for an article."""
    rest = "\n".join([summary, body, " ".join(tags)])
    return stems(title, language), stems(rest, language)


def query_terms(text: str, *, limit: int = MAX_QUERY_WORDS) -> list[tuple[str, ...]]:
    """Each meaningful word of a query as the set of stems that may stand for it, in both
    languages; stop words of either language are dropped, and so are repeats."""
    terms: list[tuple[str, ...]] = []
    for word in words(text):
        if fold(word) in ANY_STOPWORD or len(word) > 40:
            continue
        found = tuple(dict.fromkeys(s for lang in LANGUAGES for s in variants(word, lang)))
        if found and found not in terms:
            terms.append(found)
        if len(terms) >= limit:
            break
    return terms


# --- the two engines -----------------------------------------------------------------------

FTS = "service_article_fts"
VECTOR = (
    "(setweight(to_tsvector('simple'::regconfig, {t}search_title), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, {t}search_stems), 'D'))"
)


def fts5_query(terms: Sequence[tuple[str, ...]], *, any_word: bool) -> str:
    groups = ["(" + " OR ".join(f'"{s}"' for s in term) + ")" for term in terms]
    return (" OR " if any_word else " AND ").join(groups)


def tsquery(terms: Sequence[tuple[str, ...]], *, any_word: bool) -> str:
    groups = ["(" + " | ".join(f"'{s}'" for s in term) + ")" for term in terms]
    return (" | " if any_word else " & ").join(groups)


def ranked_ids(
    rows: QuerySet[Any],
    text: str,
    *,
    any_word: bool = False,
    limit: int = 20,
    offset: int = 0,
) -> list[int]:
    """The ids of ``rows`` (already narrowed to what the reader may see) that match ``text``,
    most relevant first. ``any_word``: one word is enough (suggestions from a whole message);
    otherwise every word must match (the search box)."""
    terms = query_terms(text, limit=MAX_TEXT_WORDS if any_word else MAX_QUERY_WORDS)
    if not terms:
        return []
    try:
        inner, inner_params = rows.order_by().values("id").query.sql_with_params()
    except EmptyResultSet:  # ``rows`` is ``none()``: a reader with no right
        return []
    if connection.vendor == "postgresql":
        sql = (
            "SELECT a.id FROM service_article a, to_tsquery('simple', %s) q "  # noqa: S608
            f"WHERE a.search_vector @@ q AND a.id IN ({inner}) "
            "ORDER BY ts_rank(a.search_vector, q) DESC, a.id DESC LIMIT %s OFFSET %s"
        )
        params = [tsquery(terms, any_word=any_word), *inner_params, limit, offset]
    else:
        # joined, not ``rowid IN (…)``: SQLite then reads the matches from the index and looks
        # each up in the reader's rows (2 ms at 20,000 articles, against 55 ms for the list)
        sql = (
            f"SELECT {FTS}.rowid FROM {FTS} JOIN ({inner}) v ON v.id = {FTS}.rowid "  # noqa: S608
            f"WHERE {FTS} MATCH %s "
            f"ORDER BY bm25({FTS}, {TITLE_WEIGHT}, 1.0), {FTS}.rowid DESC LIMIT %s OFFSET %s"
        )
        params = [*inner_params, fts5_query(terms, any_word=any_word), limit, offset]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


# --- the index (migration 0004; run again after a migration that rebuilds the table) ---------

SQLITE_INSTALL = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS service_article_fts USING fts5(search_title, "
    "search_stems, content='service_article', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER IF NOT EXISTS service_article_fts_insert AFTER INSERT ON service_article "
    "BEGIN INSERT INTO service_article_fts(rowid, search_title, search_stems) "
    "VALUES (new.id, new.search_title, new.search_stems); END",
    "CREATE TRIGGER IF NOT EXISTS service_article_fts_delete AFTER DELETE ON service_article "
    "BEGIN INSERT INTO service_article_fts(service_article_fts, rowid, search_title, "
    "search_stems) VALUES ('delete', old.id, old.search_title, old.search_stems); END",
    "CREATE TRIGGER IF NOT EXISTS service_article_fts_update AFTER UPDATE OF search_title, "
    "search_stems ON service_article BEGIN INSERT INTO service_article_fts("
    "service_article_fts, rowid, search_title, search_stems) "
    "VALUES ('delete', old.id, old.search_title, old.search_stems); "
    "INSERT INTO service_article_fts(rowid, search_title, search_stems) "
    "VALUES (new.id, new.search_title, new.search_stems); END",
    "INSERT INTO service_article_fts(service_article_fts) VALUES ('rebuild')",
]
SQLITE_REMOVE = [
    *(f"DROP TRIGGER IF EXISTS {FTS}_{name}" for name in ("insert", "delete", "update")),
    f"DROP TABLE IF EXISTS {FTS}",
]
# PostgreSQL keeps the weighted vector in a stored generated column (not a model field: Django
# never writes it), so ranking reads it instead of parsing each matching article's text again
# (140 ms against a few for a common word at 20,000 articles)
POSTGRES_INSTALL = [
    "ALTER TABLE service_article ADD COLUMN IF NOT EXISTS search_vector tsvector "
    f"GENERATED ALWAYS AS ({VECTOR.format(t='')}) STORED",
    "CREATE INDEX IF NOT EXISTS service_article_search ON service_article "
    "USING gin (search_vector)",
]
POSTGRES_REMOVE = [
    "DROP INDEX IF EXISTS service_article_search",
    "ALTER TABLE service_article DROP COLUMN IF EXISTS search_vector",
]


def _run(schema_editor: Any, statements: dict[str, list[str]]) -> None:
    for sql in statements.get(schema_editor.connection.vendor, []):
        schema_editor.execute(sql, params=None)


def install(schema_editor: Any) -> None:
    _run(schema_editor, {"sqlite": SQLITE_INSTALL, "postgresql": POSTGRES_INSTALL})


def remove(schema_editor: Any) -> None:
    _run(schema_editor, {"sqlite": SQLITE_REMOVE, "postgresql": POSTGRES_REMOVE})
