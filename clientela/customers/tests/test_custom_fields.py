"""Custom fields on contacts and accounts: definitions, values through the services, the audit
log, list filters and sorts on their index, type changes and deletion (decision 0005)."""

from __future__ import annotations

import pytest
from django.db import connection

from clientela.customers.lists import CONTACTS
from clientela.customers.models import Contact
from clientela.customers.selectors_lists import record_page
from clientela.customers.services import account_create, contact_create, contact_update
from clientela.platform import customfields
from clientela.platform.errors import Conflict, ValidationFailed
from clientela.platform.models import AuditEntry, CustomField
from clientela.platform.services.customfields import (
    field_change_type,
    field_create,
    field_delete,
    field_update,
    index_sync,
)

TIERS = [{"value": "gold", "label": "Gold"}, {"value": "silver", "label": "Silver"}]


def make_field(actor, key="tier", field_type="choice", **values):
    values = {"object_type": "customers.contact", "key": key, "label": key.title(), **values}
    if field_type in ("choice", "multi_choice"):
        values.setdefault("choices", TIERS)
    row = field_create(actor=actor, values={**values, "field_type": field_type})
    index_sync(row.pk)  # what the task worker does after the commit
    return row


def person(actor, name, **custom):
    return contact_create(actor=actor, values={"first_name": name, "custom": custom})


def errors_of(excinfo):
    return excinfo.value.errors


def test_a_definition_is_checked_before_it_is_saved(admin_user):
    bad = [
        ({"key": "Tier!", "field_type": "text"}, "key"),
        ({"key": "tier", "field_type": "choice", "choices": []}, "choices"),
        ({"key": "tier", "field_type": "nonsense"}, "field_type"),
        ({"key": "budget", "field_type": "currency", "currency": "reais"}, "currency"),
        ({"key": "shop", "field_type": "lookup", "target": "platform.user"}, "target"),
        ({"key": "code", "field_type": "text", "pattern": "([a-z"}, "pattern"),
        ({"key": "seats", "field_type": "integer", "min_value": 10, "max_value": 1}, "max_value"),
    ]
    for values, where in bad:
        base = {"object_type": "customers.contact", "label": "X", **values}
        with pytest.raises(ValidationFailed) as excinfo:
            field_create(actor=admin_user, values=base)
        assert where in errors_of(excinfo), values
    with pytest.raises(ValidationFailed) as excinfo:
        field_create(
            actor=admin_user,
            values={"object_type": "platform.user", "key": "x", "label": "X", "field_type": "text"},
        )
    assert "object_type" in errors_of(excinfo)
    assert CustomField.objects.count() == 0

    make_field(admin_user)
    with pytest.raises(ValidationFailed) as excinfo:
        make_field(admin_user)
    assert "key" in errors_of(excinfo)


def test_only_an_administrator_manages_fields(make_user):
    rep = make_user("sales-rep")
    from clientela.platform.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        field_create(
            actor=rep,
            values={
                "object_type": "customers.contact",
                "key": "x",
                "label": "X",
                "field_type": "text",
            },
        )


def test_values_are_cleaned_by_type_and_stored_as_json(admin_user):
    make_field(admin_user)
    make_field(admin_user, "revenue", "decimal")
    make_field(admin_user, "renewal", "date")
    make_field(admin_user, "mobile", "phone")
    make_field(admin_user, "vip", "boolean")
    make_field(admin_user, "interests", "multi_choice")

    contact = person(
        admin_user,
        "Ana",
        tier="Gold",
        revenue="1.234,56",
        renewal="26/11/2026",
        mobile="(11) 98765-4321",
        vip="sim",
        interests="silver;gold",
    )

    contact.refresh_from_db()
    assert contact.custom == {
        "tier": "gold",
        "revenue": 1234.56,
        "renewal": "2026-11-26",
        "mobile": "+5511987654321",
        "vip": True,
        "interests": ["gold", "silver"],
    }
    values = customfields.values_of(contact, "customers.contact")
    assert values["revenue"] == "1234.56"


def test_a_bad_value_is_refused_per_field_and_nothing_is_written(admin_user):
    make_field(admin_user)
    make_field(admin_user, "seats", "integer", min_value=1, max_value=500)
    make_field(admin_user, "code", "text", pattern=r"[A-Z]{3}-\d{2}")

    with pytest.raises(ValidationFailed) as excinfo:
        person(admin_user, "Ana", tier="platinum", seats="9000", code="abc", shoe=42)

    errors = errors_of(excinfo)
    assert set(errors) == {"custom.tier", "custom.seats", "custom.code", "custom.shoe"}
    assert "500" in errors["custom.seats"][0]
    assert not Contact.objects.exists()


def test_a_pattern_that_backtracks_for_ever_is_stopped(admin_user):
    make_field(admin_user, "code", "text", pattern=r"(a+)+$")

    with pytest.raises(ValidationFailed) as excinfo:
        person(admin_user, "Ana", code="a" * 40 + "!")

    assert "custom.code" in errors_of(excinfo)


def test_required_fields_and_defaults_apply_on_create_only(admin_user):
    make_field(admin_user, "region", "text", required=True)
    make_field(admin_user, "tier", "choice", default="silver")

    with pytest.raises(ValidationFailed) as excinfo:
        person(admin_user, "Ana")
    assert list(errors_of(excinfo)) == ["custom.region"]

    contact = person(admin_user, "Ana", region="Sul")
    assert contact.custom == {"region": "Sul", "tier": "silver"}

    contact = contact_update(actor=admin_user, contact_id=contact.pk, values={"first_name": "Bia"})
    assert contact.custom == {"region": "Sul", "tier": "silver"}
    with pytest.raises(ValidationFailed):
        contact_update(actor=admin_user, contact_id=contact.pk, values={"custom": {"region": ""}})


def test_an_update_changes_only_the_fields_given_and_the_audit_names_them(admin_user):
    make_field(admin_user)
    make_field(admin_user, "region", "text")
    contact = person(admin_user, "Ana", tier="gold", region="Sul")

    contact_update(actor=admin_user, contact_id=contact.pk, values={"custom": {"tier": "silver"}})
    contact_update(actor=admin_user, contact_id=contact.pk, values={"custom": {"region": None}})

    contact.refresh_from_db()
    assert contact.custom == {"tier": "silver"}
    entries = AuditEntry.objects.filter(object_id=str(contact.pk), action="update").order_by("seq")
    assert [e.changes for e in entries] == [
        {"custom.tier": ["gold", "silver"]},
        {"custom.region": ["Sul", None]},
    ]


def test_a_link_to_a_record_out_of_sight_is_refused(admin_user, make_user, make_team):
    north, south = make_team("North"), make_team("South")
    rep = make_user("sales-rep", teams=[north])
    other = make_user("sales-rep", teams=[south])
    theirs = account_create(actor=other, values={"name": "Their shop"})
    mine = account_create(actor=rep, values={"name": "My shop"})
    make_field(admin_user, "shop", "lookup", target="customers.account")

    with pytest.raises(ValidationFailed) as excinfo:
        person(rep, "Ana", shop=theirs.pk)
    assert errors_of(excinfo) == {"custom.shop": ["Unknown record."]}

    assert person(rep, "Ana", shop=mine.pk).custom == {"shop": mine.pk}


def _plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            return " ".join(str(row[-1]) for row in cursor.fetchall())
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return " ".join(row[0] for row in cursor.fetchall())


def test_lists_filter_and_sort_on_a_field_through_its_index(admin_user):
    row = make_field(admin_user)
    row.refresh_from_db()
    assert row.index_state == "ready"
    names = ["Ana", "Bia", "Caio", "Duda", "Eva"]
    tiers = ["gold", "silver", None, "gold", None]
    for name, tier in zip(names, tiers, strict=True):
        person(admin_user, name, **({"tier": tier} if tier else {}))
    spec = CONTACTS.current()

    state = spec.parse({"cf_tier": "gold"})
    page = record_page(admin_user, spec, state, limit=10)
    assert [c.first_name for c in page.items] == ["Ana", "Duda"]
    filtered = spec.apply(Contact.objects.all(), state, admin_user.pk)
    assert "cf_contact_" in _plan(spec.ordered(filtered, state)[:10])

    seen: list[str] = []
    state = spec.parse({"sort": "-cf_tier"})
    while True:
        page = record_page(admin_user, spec, state, limit=2)
        seen += [c.first_name for c in page.items]
        if page.next_cursor is None:
            break
        state = spec.parse({"sort": "-cf_tier", "cursor": page.next_cursor})
    # silver, gold (by name, backwards), then the blanks
    assert seen == ["Bia", "Duda", "Ana", "Eva", "Caio"]


def test_a_new_field_shows_in_the_list_without_a_restart(admin_user):
    before = CONTACTS.current()
    assert "cf_tier" not in before.column_keys()

    make_field(admin_user)

    after = CONTACTS.current()
    assert "cf_tier" in after.column_keys()
    assert "cf_tier" in {f.key for f in after.filters}
    assert {"cf_tier", "-cf_tier"} <= {s.key for s in after.sorts}


def test_changing_the_type_converts_every_value_or_refuses(admin_user):
    row = make_field(admin_user, "seats", "text")
    ana = person(admin_user, "Ana", seats="12")
    bia = person(admin_user, "Bia", seats="about 30")

    with pytest.raises(Conflict) as excinfo:
        field_change_type(actor=admin_user, pk=row.pk, field_type="integer")
    assert "about 30" in str(excinfo.value)
    row.refresh_from_db()
    assert row.field_type == "text"

    contact_update(actor=admin_user, contact_id=bia.pk, values={"custom": {"seats": "30"}})
    field_change_type(actor=admin_user, pk=row.pk, field_type="integer")
    index_sync(row.pk)

    ana.refresh_from_db()
    bia.refresh_from_db()
    assert (ana.custom, bia.custom) == ({"seats": 12}, {"seats": 30})
    spec = CONTACTS.current()
    page = record_page(admin_user, spec, spec.parse({"cf_seats_min": "20"}), limit=10)
    assert [c.first_name for c in page.items] == ["Bia"]


def test_an_option_in_use_cannot_be_dropped(admin_user):
    row = make_field(admin_user)
    person(admin_user, "Ana", tier="gold")

    with pytest.raises(Conflict):
        field_update(actor=admin_user, pk=row.pk, values={"choices": TIERS[1:]})

    field_update(actor=admin_user, pk=row.pk, values={"choices": TIERS[:1]})
    row.refresh_from_db()
    assert row.choices == TIERS[:1]


def test_deleting_a_field_with_values_needs_its_key_and_removes_them(admin_user):
    row = make_field(admin_user)
    ana = person(admin_user, "Ana", tier="gold")

    with pytest.raises(Conflict) as excinfo:
        field_delete(actor=admin_user, pk=row.pk)
    assert "1 records" in str(excinfo.value)

    assert field_delete(actor=admin_user, pk=row.pk, confirm_key="tier") == 1
    ana.refresh_from_db()
    assert not ana.custom
    assert not CustomField.objects.exists()
    assert "cf_tier" not in CONTACTS.current().column_keys()
    entry = AuditEntry.objects.filter(object_type="platform.customfield", action="delete").get()
    assert entry.changes["values_removed"] == [None, 1]


def _all_pages(actor, spec, params):
    seen, state = [], spec.parse(params)
    while True:
        page = record_page(actor, spec, state, limit=2)
        seen += [c.first_name for c in page.items]
        if page.next_cursor is None:
            return seen
        state = spec.parse({**params, "cursor": page.next_cursor})


def test_a_team_rep_walks_the_fields_index_and_sees_only_their_records(
    admin_user, make_user, make_team
):
    north, south = make_team("North"), make_team("South")
    rep = make_user("sales-rep", teams=[north])
    teammate = make_user("sales-rep", teams=[north])
    stranger = make_user("sales-rep", teams=[south])
    make_field(admin_user)
    make_field(admin_user, "seats", "integer")
    for owner, name, tier, seats in [
        (rep, "Ana", "gold", 5),
        (teammate, "Bia", "gold", 9),
        (stranger, "Caio", "gold", 7),
        (rep, "Duda", "silver", 3),
        (teammate, "Eva", None, 8),
        (stranger, "Fabi", "silver", 1),
        (rep, "Gil", "gold", None),
    ]:
        custom = {k: v for k, v in (("tier", tier), ("seats", seats)) if v is not None}
        person(owner, name, **custom)
    spec = CONTACTS.current()

    # one value under the default order, and a sort by a field: its index, visibility per row
    assert spec._walks_index(spec.parse({"cf_tier": "gold"}))
    assert spec._walks_index(spec.parse({"sort": "-cf_seats"}))
    assert _all_pages(rep, spec, {"cf_tier": "gold"}) == ["Ana", "Bia", "Gil"]
    assert _all_pages(rep, spec, {"sort": "-cf_seats"}) == ["Bia", "Eva", "Ana", "Duda", "Gil"]
    # blanks sort first going up
    assert _all_pages(rep, spec, {"cf_tier": "gold", "sort": "cf_seats"}) == ["Gil", "Ana", "Bia"]
    # two values, or a range under the name order: the branches, same answers
    assert not spec._walks_index(spec.parse({"cf_tier": ["gold", "silver"]}))
    assert not spec._walks_index(spec.parse({"cf_seats_min": "4"}))
    assert _all_pages(rep, spec, {"cf_tier": ["gold", "silver"]}) == ["Ana", "Bia", "Duda", "Gil"]
    assert _all_pages(rep, spec, {"cf_seats_min": "4"}) == ["Ana", "Bia", "Eva"]
    # a range for whoever sees everything: the page's ids from the field's index, then the rows
    assert spec._ids_first(spec.parse({"cf_seats_min": "4"}))
    assert not spec._ids_first(spec.parse({"cf_tier": "gold"}))
    seen = _all_pages(admin_user, spec, {"cf_seats_min": "4", "cf_seats_max": "8"})
    assert seen == ["Ana", "Caio", "Eva"]


@pytest.mark.parametrize("narrow_rows", [10_000, 2])
def test_a_range_gives_the_same_rows_through_the_fields_index_or_the_lists_order(
    admin_user, make_user, make_team, monkeypatch, narrow_rows
):
    """SQLite is asked how many rows a range holds: few, and the page's ids come from the
    field's index; many, and the range is stated unindexed while the list's order is walked.
    Both ways give the same rows, blanks left out, for an administrator and a team rep."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from clientela.platform import listing

    monkeypatch.setattr(listing, "NARROW_ROWS", narrow_rows)
    north, south = make_team("North"), make_team("South")
    rep = make_user("sales-rep", teams=[north])
    stranger = make_user("sales-rep", teams=[south])
    make_field(admin_user, "seats", "integer")
    make_field(admin_user, "renewal", "date")
    rows = [
        (rep, "Ana", 5, "2027-03-01"),
        (rep, "Bia", 9, None),
        (stranger, "Caio", 7, "2027-03-31"),
        (rep, "Duda", None, "2027-04-01"),
        (stranger, "Eva", 1, "2026-12-31"),
        (rep, "Fabi", 495, "2027-03-15"),
    ]
    for owner, name, seats, renewal in rows:
        custom = {k: v for k, v in (("seats", seats), ("renewal", renewal)) if v is not None}
        person(owner, name, **custom)
    spec = CONTACTS.current()
    cases = [
        ({"cf_seats_min": "6"}, ["Bia", "Caio", "Fabi"]),
        ({"cf_seats_max": "7"}, ["Ana", "Caio", "Eva"]),
        ({"cf_seats_min": "2", "cf_seats_max": "9"}, ["Ana", "Bia", "Caio"]),
        ({"cf_renewal_from": "2027-03-01"}, ["Ana", "Caio", "Duda", "Fabi"]),
        ({"cf_renewal_to": "2027-03-15"}, ["Ana", "Eva", "Fabi"]),
        ({"cf_renewal_from": "2027-03-02", "cf_renewal_to": "2027-03-31"}, ["Caio", "Fabi"]),
    ]
    for params, everyone in cases:
        assert _all_pages(admin_user, spec, params) == everyone, params
        mine = [n for n in everyone if n in {"Ana", "Bia", "Duda", "Fabi"}]
        assert _all_pages(rep, spec, params) == mine, params
    state = spec.parse({"cf_seats_min": "6"})
    with CaptureQueriesContext(connection) as captured:
        record_page(rep, spec, state, limit=10)
    if connection.vendor == "sqlite":
        few = narrow_rows >= 3  # three contacts have at least 6 seats
        assert state.hints == {"cf_seats": few}  # asked once for the request
        unindexed = [q["sql"] for q in captured.captured_queries if "+COALESCE" in q["sql"]]
        assert bool(unindexed) == (not few)
    else:
        assert state.hints == {}  # PostgreSQL's planner knows the distribution
