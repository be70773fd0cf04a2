"""The plans behind a search: the same answers whichever one the database takes.

A team-scoped actor's pages and shell hits are read one visibility branch at a time from the
unscoped records, then by id through ``visible_to``; SQLite checks walked rows by a seek in the
FTS index when the matches are dense; PostgreSQL reads the ids of a rare multi-word query from
its GIN index first. Each plan is forced here on small data and must give exactly what the
plain ``search(visible_to(...))`` gives.
"""

from __future__ import annotations

import pytest
from django.db import connection

from clientela.customers import lists, search_engine, search_index
from clientela.customers import search as shell_providers
from clientela.customers.models import Contact
from clientela.customers.search_index import search, search_page
from clientela.customers.selectors_lists import record_page
from clientela.platform.listing import BigInt, visibility_branches
from clientela.platform.permissions import visible_to

NAMES = [
    ("Dalva", "Souza"),
    ("Daniel", "Almeida"),
    ("Dario", "da Mata"),
    ("Davi", "Lucas Monteiro"),
    ("Maria", "da Mata"),
    ("Bruno", "Dantas"),
]


@pytest.fixture
def teams(make_team):
    return make_team("Vendas SP"), make_team("Vendas RJ")


@pytest.fixture
def rep(make_user, teams):
    return make_user("sales-rep", teams=[teams[0]])


@pytest.fixture
def teammate(make_user, teams):
    return make_user("sales-rep", teams=[teams[0]])


@pytest.fixture
def other_rep(make_user, teams):
    return make_user("sales-rep", teams=[teams[1]])


@pytest.fixture
def people(rep, teammate, other_rep, teams):
    """Each name three times: the rep's own, a teammate's, and the other team's. The rep also
    owns one record filed under the other team (visible through the owner branch only)."""
    made = {"own": [], "team": [], "other": []}
    for first, last in NAMES:
        for key, owner, team in (
            ("own", rep, teams[0]),
            ("team", teammate, teams[0]),
            ("other", other_rep, teams[1]),
        ):
            made[key].append(
                Contact.objects.create(first_name=first, last_name=last, owner=owner, team=team)
            )
    made["own"].append(
        Contact.objects.create(first_name="Dagoberto", last_name="Reis", owner=rep, team=teams[1])
    )
    return made


@pytest.fixture(params=["default", "forced", "subquery"])
def plan(request, monkeypatch):
    """Each test runs with the plans the sizes choose and with the other plans forced: SQLite
    checks rows by seeks (DENSE, BROAD = 1) or keeps few matches as a subquery (INLINE_IDS =
    0); PostgreSQL's shell reads the ids of any multi-word query first (FEW large), or never
    does (FEW = -1: the GIN filter)."""
    if request.param == "forced":
        monkeypatch.setattr(search_index, "BROAD", 1)
        monkeypatch.setattr(search_index, "DENSE", 1)
        monkeypatch.setattr(search_index, "FEW", 10_000)
    else:
        monkeypatch.setattr(search_index, "FEW", -1)
    if request.param == "subquery":
        monkeypatch.setattr(search_index, "INLINE_IDS", 0)
    return request.param


QUERIES = ["da", "da Mata", "davi lucas monteiro", "Dalv", "dantas", "Danial", "Maria da Mata"]


def plain(actor, query):
    """What the actor may see, searched in one statement: the reference answer."""
    return list(search(visible_to(actor, Contact.objects.all()), query).order_by("pk"))


def page_of(actor, query, limit=50):
    state = lists.CONTACTS.parse({"q": query} if query else {})
    return record_page(actor, lists.CONTACTS, state, limit=limit)


@pytest.mark.parametrize("query", QUERIES)
def test_a_reps_list_page_is_what_the_rep_may_see(rep, people, plan, query):
    found = page_of(rep, query).items
    assert sorted(found, key=lambda c: c.pk) == plain(rep, query)
    others = {c.pk for c in people["other"]}
    assert found and not others & {c.pk for c in found}


def test_the_owner_branch_finds_own_records_filed_under_another_team(rep, people, plan):
    assert [c.first_name for c in page_of(rep, "dagoberto").items] == ["Dagoberto"]
    assert page_of(rep, "dagoberto").items == plain(rep, "dagoberto")


def test_a_reps_pages_follow_each_other_in_order_without_another_teams_row(rep, people, plan):
    seen = []
    state = lists.CONTACTS.parse({"q": "da"})
    while True:
        page = record_page(rep, lists.CONTACTS, state, limit=2)
        seen += page.items
        if not page.next_cursor:
            break
        state = lists.CONTACTS.parse({"q": "da", "cursor": page.next_cursor})
    ordered = sorted(seen, key=lambda c: (c.last_name, c.first_name, c.pk))
    assert seen == ordered
    assert sorted(c.pk for c in seen) == [c.pk for c in plain(rep, "da")]
    assert len(seen) == len({c.pk for c in seen})


@pytest.mark.parametrize("query", [*QUERIES, "Dalvs Souza", "Dantos", "mata"])
def test_shell_hits_are_the_first_visible_matches(rep, people, plan, query):
    expected = [str(c) for c in search(visible_to(rep, Contact.objects.all()), query)[:10]]
    hits = shell_providers.search_contacts(rep, query).hits
    assert [hit.label for hit in hits] == expected


def test_the_typo_fallback_is_decided_as_search_decides_it(rep, other_rep, teams, plan):
    """The word "Silveria" is only in the other team; the rep's own "Silveira" is one edit
    away. A word some record has is never widened, so the rep finds nothing, and the shell
    (which decides on its first page) gives exactly what ``search(visible_to(rep))`` gives.
    A word nobody has is widened for both."""
    mine = Contact.objects.create(first_name="Ana", last_name="Silveira", owner=rep, team=teams[0])
    Contact.objects.create(first_name="Ana", last_name="Silveria", owner=other_rep, team=teams[1])
    for query, expected in (("Silveria", []), ("Silvexra", [mine]), ("ana silvexra", [mine])):
        assert plain(rep, query) == expected
        hits = shell_providers.search_contacts(rep, query).hits
        assert [hit.label for hit in hits] == [str(c) for c in expected]
    assert shell_providers.search_contacts(other_rep, "Silveria").hits[0].label == "Ana Silveria"


def test_search_page_keeps_blank_and_punctuation_answers(rep, people):
    everything = Contact.objects.all()

    def read(visible, unscoped):
        return lists.CONTACTS.page(
            visible,
            lists.CONTACTS.parse({}),
            limit=100,
            branches=visibility_branches(rep, Contact),
            unscoped=unscoped,
        )

    blank = search_page(visible_to(rep, everything), everything, "  ", read).items
    assert sorted(c.pk for c in blank) == sorted(c.pk for c in people["own"] + people["team"])
    assert search_page(visible_to(rep, everything), everything, "%", read).items == []


def test_branch_ids_are_typed_as_the_key_columns(rep, teams):
    """PostgreSQL's btree_gin index is used for ``owner_id = 5::bigint`` only."""
    branches = visibility_branches(rep, Contact)
    assert len(branches) == 2
    sql = str(Contact.objects.filter(branches[0]).query)
    cast = "::bigint" in sql
    assert cast is (connection.vendor == "postgresql")
    assert list(Contact.objects.filter(owner_id=BigInt(rep.pk))) == []


@pytest.mark.parametrize(
    ("terms", "seekable"),
    [
        (["da"], True),  # the last word, a two-letter prefix: in the prefix index
        (["mat"], True),
        (["da", "mat"], True),  # "da" before the last word is a whole word
        (["joao"], False),  # a longer prefix merges every word it begins, for each row
        (["da", "mata"], False),
        (["maria", "jo"], False),
    ],
)
def test_which_queries_sqlite_may_check_row_by_row(terms, seekable):
    assert search_index._seekable(terms, ()) is seekable
    assert search_index._seekable(terms, terms) is False  # a typo query never is


@pytest.mark.django_db
def test_the_postgresql_search_index_holds_owner_and_team():
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            assert search_engine.sql_search_index(connection.vendor, scoped=True) == []
            return
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'customers_contact_search_tsv'"
        )
        (definition,) = cursor.fetchone()
    assert "gin (owner_id, team_id, search_vector)" in definition


def test_the_search_index_can_go_back_and_forth(rep, people):
    """Migration 0006 and its reverse, on PostgreSQL; the answers stay the same."""
    if connection.vendor != "postgresql":
        pytest.skip("the search index of migration 0006 is PostgreSQL's")
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # as at the end of a migration
        for statement in search_engine.sql_search_index("postgresql", scoped=False):
            cursor.execute(statement)
        assert [c.first_name for c in page_of(rep, "dalva").items] == ["Dalva", "Dalva"]
        for statement in search_engine.sql_search_index("postgresql", scoped=True):
            cursor.execute(statement)
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'customers_contact_search_tsv'"
        )
        assert "owner_id, team_id" in cursor.fetchone()[0]
    assert [c.first_name for c in page_of(rep, "dalva").items] == ["Dalva", "Dalva"]
