"""List filters on columns most records leave blank (or at a default) read partial indexes.

Without them a filter on a rare value walked the whole name index row by row (2.4 s for an
administrator at a million contacts, 0.7 s for a team's rep, 0.6 s on 333,000 accounts;
docs/benchmarks.md, "Lists").
The plans are checked on SQLite, whose planner decides from the query alone (no statistics
here); the answers on both databases.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext

from clientela.customers import lists
from clientela.customers.models import Account, Contact, Lead
from clientela.customers.selectors_lists import record_page

CASES = [
    ("language=en", "contact_language_name"),
    ("language=en&sort=-created", "contact_language_new"),
    ("preferred_channel=sms", "contact_channel_name"),
    ("preferred_channel=sms&sort=-created", "contact_channel_new"),
    ("do_not_contact=true", "contact_dnc_name"),
    ("do_not_contact=true&sort=-created", "contact_dnc_new"),
]


@pytest.fixture
def people(make_user, north, south):
    rep = make_user("sales-rep", teams=[north])
    rows = [
        Contact(first_name=f"P{i}", last_name=f"L{i:02d}", owner=rep, team=team)
        for i, team in enumerate([north, south] * 10)
    ]
    rows[3].language = rows[4].language = "en"
    rows[5].preferred_channel = rows[6].preferred_channel = "sms"
    rows[7].do_not_contact = rows[8].do_not_contact = True
    Contact.objects.bulk_create(rows)
    return rep


def _page(actor, query: str, spec=lists.CONTACTS):
    state = spec.parse(QueryDict(query))
    with CaptureQueriesContext(connection) as captured:
        page = record_page(actor, spec, state, limit=50)
    return page, [q["sql"] for q in captured.captured_queries]


def _plans(statements: list[str]) -> list[str]:
    plans = []
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute("EXPLAIN QUERY PLAN " + sql)
            plans.append(" ".join(str(row[-1]) for row in cursor.fetchall()))
    return plans


@pytest.mark.parametrize(("query", "index"), CASES)
def test_a_filtered_page_reads_the_filters_partial_index(people, admin_user, manager, query, index):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's plan; PostgreSQL decides from its statistics")
    for actor in (admin_user, people, manager):
        plans = _plans(_page(actor, query)[1])
        walked = [plan for plan in plans if "customers_contact" in plan or "INDEX" in plan]
        assert any(f"USING INDEX {index}" in plan for plan in walked), (actor, plans)
        assert not any("SCAN customers_contact USING INDEX customers_c_" in p for p in walked)


@pytest.mark.parametrize(("query", "_index"), CASES)
def test_a_filtered_page_shows_exactly_the_matching_visible_contacts(
    people, admin_user, manager, query, _index
):
    field, value = query.split("&")[0].split("=")
    expected = {
        c.last_name
        for c in Contact.objects.all()
        if str(getattr(c, field)).lower() == value.lower()
    }
    assert len(expected) == 2
    page, _statements = _page(admin_user, query)
    assert {c.last_name for c in page.items} == expected
    page, _statements = _page(people, query)  # the rep owns them all
    assert {c.last_name for c in page.items} == expected
    # the manager of the first team sees only the one filed under it
    north = {c.last_name for c in Contact.objects.filter(team=manager.teams.get())}
    page, _statements = _page(manager, query)
    assert {c.last_name for c in page.items} == expected & north
    assert len(expected & north) == 1


ACCOUNT_CASES = [
    ("lifecycle=former", "account_lifecycle_name"),
    ("relationship=supplier", "account_relationship_name"),
    ("industry=banking", "account_industry_name"),
    ("size_band=10-49", "account_size_band_name"),
]


@pytest.fixture
def companies(admin_user, north):
    rows = [Account(name=f"A{i:02d}", owner=admin_user, team=north) for i in range(12)]
    rows[1].lifecycle = rows[2].lifecycle = "former"
    rows[3].relationship = rows[4].relationship = "supplier"
    rows[5].industry = rows[6].industry = "banking"
    rows[7].size_band = rows[8].size_band = "10-49"
    Account.objects.bulk_create(rows)
    return rows


def _account_page(actor, query: str):
    return _page(actor, query, lists.ACCOUNTS)


@pytest.mark.parametrize(("query", "index"), ACCOUNT_CASES)
def test_a_filtered_account_page_reads_the_filters_partial_index(
    companies, admin_user, manager, query, index
):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's plan; PostgreSQL decides from its statistics")
    for actor in (admin_user, manager):
        plans = _plans(_account_page(actor, query)[1])
        assert any(f"USING INDEX {index}" in plan for plan in plans), (actor, plans)


@pytest.mark.parametrize(("query", "_index"), ACCOUNT_CASES)
def test_a_filtered_account_page_shows_exactly_the_matching_accounts(
    companies, admin_user, manager, query, _index
):
    field, value = query.split("=")
    expected = {a.name for a in Account.objects.all() if getattr(a, field) == value}
    assert len(expected) == 2
    for actor in (admin_user, manager):
        page, _statements = _account_page(actor, query)
        assert {a.name for a in page.items} == expected


def test_the_usual_value_is_a_filter_too(companies, admin_user):
    """ "Prospect" is the value the lifecycle index leaves out: its filter must not say "not
    prospect" (it would match nothing), and lists every prospect."""
    page, _statements = _account_page(admin_user, "lifecycle=prospect")
    assert len(page.items) == 10
    page, _statements = _account_page(admin_user, "lifecycle=prospect&lifecycle=former")
    assert len(page.items) == 12
    page, _statements = _account_page(admin_user, "industry=banking&industry=education")
    assert {a.name for a in page.items} == {"A05", "A06"}


def test_a_reps_page_reads_its_rows_by_id_not_by_the_teams_index(people, manager):
    """The page's rows are read by the ids the branches gave; the owner-or-team check must not
    drive that read (SQLite, without statistics, read the whole team through its index)."""
    page, statements = _page(manager, "")
    assert page.items
    if connection.vendor != "sqlite":
        return
    last = _plans(statements)[-1]
    assert "USING INTEGER PRIMARY KEY" in last and "MULTI-INDEX OR" not in last, last


@pytest.mark.parametrize("role", ["administrator", "sales-manager", "sales-rep"])
def test_by_key_visibility_lets_through_exactly_the_same_records(people, make_user, north, role):
    from clientela.platform.permissions import visible_to

    user = make_user(role, teams=[north])
    Contact.objects.create(first_name="Own", last_name="One", owner=user, team=None)
    everything = Contact.objects.all()
    plain = set(visible_to(user, everything).values_list("pk", flat=True))
    keyed = set(visible_to(user, everything, by_key=True).values_list("pk", flat=True))
    assert plain == keyed
    assert 0 < len(plain) <= Contact.objects.count()


@pytest.fixture
def leads(admin_user, north):
    rows = [Lead(first_name=f"L{i:02d}", owner=admin_user, team=north) for i in range(10)]
    rows[1].source = rows[2].source = "referral"
    rows[3].rating = rows[4].rating = "hot"
    Lead.objects.bulk_create(rows)
    return rows


@pytest.mark.parametrize(
    ("query", "index", "expected"),
    [
        ("source=referral", "lead_source_new", {"L01", "L02"}),
        ("rating=hot", "lead_rating_new", {"L03", "L04"}),
        ("source=manual", "", {f"L{i:02d}" for i in range(10)} - {"L01", "L02"}),
    ],
)
def test_lead_filters_read_their_partial_index(leads, admin_user, manager, query, index, expected):
    for actor in (admin_user, manager):
        page, statements = _page(actor, query, lists.LEADS)
        assert {lead.first_name for lead in page.items} == expected
        if index and connection.vendor == "sqlite":
            plans = _plans(statements)
            assert any(f"USING INDEX {index}" in plan for plan in plans), (actor, plans)
