"""Custom fields in exports, search, the data-subject tools and merges (decision 0005)."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from typing import Any

import pytest
import vobject
from django.http import StreamingHttpResponse
from openpyxl import load_workbook

from clientela.customers import search as shell_providers
from clientela.customers.exports import default_columns, export_response, vcard
from clientela.customers.lists import CONTACTS
from clientela.customers.models import Contact, DuplicateCandidate, Lead, MergeRecord
from clientela.customers.search import refresh_custom_search
from clientela.customers.search_index import search
from clientela.customers.selectors_dedup import custom_merge_fields
from clientela.customers.services import contact_create, contact_update
from clientela.customers.services.merge import contact_merge, merge_undo
from clientela.customers.services.privacy import contact_anonymise, contact_personal_data_export
from clientela.platform.errors import ValidationFailed
from clientela.platform.models import AuditEntry, CustomField, User
from clientela.platform.services.customfields import (
    field_create,
    field_delete,
    field_update,
    index_sync,
)

TIERS = [{"value": "gold", "label": "Gold"}, {"value": "silver", "label": "Silver"}]


def define(actor: User, key: str, field_type: str, **more: Any) -> Any:
    values = {"object_type": "customers.contact", "key": key, "label": key.title(), **more}
    if field_type == "choice":
        values.setdefault("choices", TIERS)
    row = field_create(actor=actor, values={**values, "field_type": field_type})
    index_sync(row.pk)  # what the task worker does after the commit
    return row


def person(actor: User, first: str, last: str = "", **custom: Any) -> Contact:
    values = {"first_name": first, "last_name": last, "custom": custom}
    return contact_create(actor=actor, values=values)


def body(response: Any) -> bytes:
    if isinstance(response, StreamingHttpResponse):
        return b"".join(response.streaming_content)  # type: ignore[arg-type]
    return b"".join(response)


@pytest.fixture
def fields(admin_user: User) -> None:
    define(admin_user, "tier", "choice")
    define(admin_user, "code", "text")
    define(admin_user, "renewal_date", "date")
    define(admin_user, "plate", "text", label="Plate", searchable=True)


# --- exports ----------------------------------------------------------------------------------


def test_a_list_export_has_the_custom_columns_it_shows_with_formulas_neutralised(
    admin_user, fields, logged_in
):
    person(admin_user, "Ana", "Souza", tier="gold", code="=HYPERLINK(1)", renewal_date="2026-11-26")
    person(admin_user, "Bia", "Lima", tier="silver")
    browser = logged_in(admin_user)
    query = {"columns": "name,cf_tier,cf_code", "sort": "name"}

    response = browser.get("/contacts/", {**query, "export": "csv"})

    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(body(response).decode("utf-8-sig"))))
    assert rows == [
        ["Name", "Tier", "Code"],
        ["Bia Lima", "Silver", ""],
        ["Ana Souza", "Gold", "'=HYPERLINK(1)"],
    ]
    response = browser.get("/contacts/", {**query, "export": "xlsx"})
    sheet = load_workbook(io.BytesIO(body(response))).worksheets[0]
    assert [[c.value for c in row] for row in sheet.iter_rows()][1:] == [
        ["Bia Lima", "Silver", None],
        ["Ana Souza", "Gold", "'=HYPERLINK(1)"],
    ]


def test_an_export_given_the_lists_columns_reads_custom_columns_as_the_list_shows_them(
    admin_user, fields
):
    person(admin_user, "Ana", tier="gold", renewal_date="2026-11-26")
    spec = CONTACTS.current()
    state = spec.parse({"columns": "name,cf_tier,cf_renewal_date"})

    response = export_response(
        actor=admin_user,
        object_type="customers.contact",
        queryset=Contact.objects.all(),
        columns=state.columns,
        fmt="csv",
    )

    rows = list(csv.reader(io.StringIO(body(response).decode("utf-8-sig"))))
    assert rows == [["Name", "Tier", "Renewal_Date"], ["Ana", "Gold", "11/26/2026"]]


def test_the_full_export_ends_with_every_custom_field(admin_user, fields):
    person(admin_user, "Ana", tier="gold", plate="ABC1D23")

    columns = default_columns("customers.contact")
    response = export_response(
        actor=admin_user,
        object_type="customers.contact",
        queryset=Contact.objects.all(),
        columns=columns,
        fmt="csv",
    )

    assert columns[-4:] == [
        ("cf_tier", "Tier"),
        ("cf_code", "Code"),
        ("cf_renewal_date", "Renewal_Date"),
        ("cf_plate", "Plate"),
    ]
    header, row = list(csv.reader(io.StringIO(body(response).decode("utf-8-sig"))))
    assert header[-4:] == ["Tier", "Code", "Renewal_Date", "Plate"]
    assert row[0] == "Ana" and row[-4:] == ["Gold", "", "", "ABC1D23"]


def test_a_vcard_carries_custom_fields_as_private_properties(admin_user, fields):
    ana = person(admin_user, "Ana", "Souza", tier="gold", renewal_date="2026-11-26", code="a,b")

    card = vcard(Contact.objects.get(pk=ana.pk))

    assert "X-CLIENTELA-TIER:Gold\r\n" in card
    assert "X-CLIENTELA-RENEWAL-DATE:11/26/2026\r\n" in card
    assert "X-CLIENTELA-CODE:a\\,b\r\n" in card
    assert "X-CLIENTELA-PLATE" not in card  # no value, no line
    parsed = vobject.readOne(card)
    assert parsed.contents["x-clientela-tier"][0].value == "Gold"


# --- search -----------------------------------------------------------------------------------


def test_a_searchable_custom_field_finds_the_contact_in_the_list_and_the_shell_search(
    admin_user, fields, logged_in
):
    ana = person(admin_user, "Ana", "Souza", plate="ABC1D23", code="XYZ9")
    person(admin_user, "Bia", "Lima", plate="QQQ0A00")
    browser = logged_in(admin_user)

    assert list(search(Contact.objects.all(), "ABC1D23")) == [ana]
    assert list(search(Contact.objects.all(), "abc1d23")) == [ana]
    assert list(search(Contact.objects.all(), "XYZ9")) == []  # "code" is not searchable
    page = browser.get("/contacts/", {"q": "ABC1D23"})
    assert page.status_code == 200
    assert "Ana Souza" in page.text and "Bia Lima" not in page.text
    hits = shell_providers.search_contacts(admin_user, "ABC1D23").hits
    assert [hit.label for hit in hits] == ["Ana Souza"]
    page = browser.get("/search/", {"q": "ABC1D23"})
    assert "Ana Souza" in page.text and "Bia Lima" not in page.text


def test_a_changed_value_changes_the_document(admin_user, fields):
    ana = person(admin_user, "Ana", plate="ABC1D23")

    contact_update(actor=admin_user, contact_id=ana.pk, values={"custom": {"plate": "KKK7K77"}})

    assert list(search(Contact.objects.all(), "ABC1D23")) == []
    assert list(search(Contact.objects.all(), "KKK7K77")) == [ana]


def _run_queued_search_refreshes() -> int:
    """Run what the change queued for the worker (the task itself, with its stored arguments)."""
    from django_tasks_db.models import DBTaskResult

    queued = DBTaskResult.objects.filter(task_path__endswith="refresh_custom_search")
    assert queued.exists()
    return sum(
        refresh_custom_search.call(*row.args_kwargs["args"], **row.args_kwargs["kwargs"])
        for row in queued
    )


def test_turning_search_on_queues_the_rebuild_that_makes_records_findable(
    admin_user, fields, django_capture_on_commit_callbacks
):
    row = define(admin_user, "chassis", "text")
    ana = person(admin_user, "Ana", chassis="9BWZZZ377VT004251")
    with django_capture_on_commit_callbacks(execute=True):
        field_update(actor=admin_user, pk=row.pk, values={"searchable": True})
    assert list(search(Contact.objects.all(), "9BWZZZ377VT004251")) == []  # not yet rebuilt

    assert _run_queued_search_refreshes() == 1

    assert list(search(Contact.objects.all(), "9BWZZZ377VT004251")) == [ana]


def test_deleting_a_searchable_field_queues_the_rebuild_that_forgets_its_words(
    admin_user, fields, django_capture_on_commit_callbacks
):
    ana = person(admin_user, "Ana", plate="ABC1D23")
    bia = person(admin_user, "Bia")
    assert list(search(Contact.objects.all(), "ABC1D23")) == [ana]
    plate = CustomField.objects.get(key="plate")

    with django_capture_on_commit_callbacks(execute=True):
        field_delete(actor=admin_user, pk=plate.pk, confirm_key="plate")

    assert _run_queued_search_refreshes() == 1  # only Ana's document changed
    assert list(search(Contact.objects.all(), "ABC1D23")) == []
    assert list(search(Contact.objects.all(), "Bia")) == [bia]


# --- the data-subject tools -------------------------------------------------------------------


def _zip(content: bytes) -> dict[str, Any]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {name: json.loads(archive.read(name)) for name in archive.namelist()}


def test_the_personal_data_export_has_the_custom_values_with_their_labels(admin_user, fields):
    ana = person(admin_user, "Ana", tier="gold", plate="ABC1D23")
    Lead.objects.create(
        first_name="Ana", converted_contact=ana, custom={"budget": 10}, owner=admin_user
    )

    files = _zip(contact_personal_data_export(actor=admin_user, contact_id=ana.pk).content)

    assert files["contact.json"]["custom_fields"] == [
        {"key": "tier", "label": "Tier", "value": "gold", "shown": "Gold"},
        {"key": "plate", "label": "Plate", "value": "ABC1D23", "shown": "ABC1D23"},
    ]
    assert not [k for k in files["contact.json"] if k.startswith("custom.")]
    # a value whose field is gone (no lead fields here) is still listed, under its key
    assert files["leads.json"][0]["custom_fields"] == [
        {"key": "budget", "label": "budget", "value": 10, "shown": "10"}
    ]


def test_anonymisation_clears_the_custom_values_and_the_audit_names_them(admin_user, fields):
    ana = person(admin_user, "Ana", tier="gold", plate="ABC1D23")
    lead = Lead.objects.create(
        first_name="Ana", converted_contact=ana, custom={"budget": 10}, owner=admin_user
    )

    contact_anonymise(actor=admin_user, contact_id=ana.pk)

    ana.refresh_from_db()
    lead.refresh_from_db()
    assert ana.custom is None and lead.custom is None
    assert list(search(Contact.objects.all(), "ABC1D23")) == []
    entry = AuditEntry.objects.get(object_id=str(ana.pk), action="anonymise")
    erased = entry.changes["erased_fields"][1]
    assert {"custom.plate", "custom.tier"} <= set(erased)
    assert "ABC1D23" not in json.dumps(entry.changes)  # named, never shown


# --- merges -----------------------------------------------------------------------------------


def test_a_merge_keeps_the_chosen_custom_values_and_undo_restores_both_records(admin_user, fields):
    keep = person(admin_user, "Ana", tier="silver", plate="ABC1D23")
    lose = person(admin_user, "Ana", tier="gold", code="K-9", plate="ZZZ9Z99")

    record = contact_merge(
        actor=admin_user,
        survivor_id=keep.pk,
        merged_id=lose.pk,
        choices={"custom.tier": "merged"},
    )

    keep.refresh_from_db()
    # tier chosen from the merged record, code taken where the survivor had none, plate kept
    assert keep.custom == {"tier": "gold", "plate": "ABC1D23", "code": "K-9"}
    entry = AuditEntry.objects.filter(object_id=str(keep.pk), action="merge").get()
    assert entry.changes["custom.tier"] == ["silver", "gold"]
    assert entry.changes["custom.code"] == [None, "K-9"]
    assert "custom" not in entry.changes

    merge_undo(actor=admin_user, merge_id=record.pk)

    keep.refresh_from_db()
    assert keep.custom == {"tier": "silver", "plate": "ABC1D23"}
    assert Contact.objects.get(pk=lose.pk).custom == {
        "tier": "gold",
        "code": "K-9",
        "plate": "ZZZ9Z99",
    }
    assert list(search(Contact.objects.all(), "ZZZ9Z99")) == [Contact.objects.get(pk=lose.pk)]
    entry = AuditEntry.objects.filter(object_id=str(keep.pk), action="unmerge").get()
    assert entry.changes["custom.tier"] == ["gold", "silver"]


def test_undo_keeps_a_custom_value_changed_after_the_merge(admin_user, fields):
    keep = person(admin_user, "Ana", tier="silver")
    lose = person(admin_user, "Ana", tier="gold", code="K-9")
    record = contact_merge(
        actor=admin_user, survivor_id=keep.pk, merged_id=lose.pk, choices={"custom.tier": "merged"}
    )
    contact_update(actor=admin_user, contact_id=keep.pk, values={"custom": {"code": "K-10"}})

    merge_undo(actor=admin_user, merge_id=record.pk)

    keep.refresh_from_db()
    assert keep.custom == {"tier": "silver", "code": "K-10"}


def test_a_choice_of_an_unknown_custom_field_is_refused_and_nothing_is_written(admin_user, fields):
    keep = person(admin_user, "Ana", tier="silver")
    lose = person(admin_user, "Ana", tier="gold")

    with pytest.raises(ValidationFailed) as excinfo:
        contact_merge(
            actor=admin_user,
            survivor_id=keep.pk,
            merged_id=lose.pk,
            choices={"custom.shoe": "merged"},
        )

    assert list(excinfo.value.errors) == ["custom.shoe"]
    assert Contact.objects.count() == 2 and not MergeRecord.objects.exists()


def test_the_merge_screen_reads_custom_fields_with_both_values_shown(admin_user, fields):
    left = person(admin_user, "Ana", tier="silver", renewal_date="2026-11-26")
    right = person(admin_user, "Ana", tier="gold")

    found = custom_merge_fields("customers.contact", left, right)

    assert [(f.name, f.label) for f in found] == [
        ("custom.tier", "Tier"),
        ("custom.code", "Code"),
        ("custom.renewal_date", "Renewal_Date"),
        ("custom.plate", "Plate"),
    ]
    tier, _code, renewal, _plate = found
    assert (tier.left, tier.right, tier.left_shown, tier.right_shown) == (
        "silver",
        "gold",
        "Silver",
        "Gold",
    )
    assert (renewal.left, renewal.right_shown) == ("2026-11-26", "")


def test_the_merge_page_offers_custom_fields_and_merges_the_picked_value(
    admin_user, fields, logged_in
):
    keep = person(admin_user, "Ana", tier="silver", plate="ABC1D23")
    lose = person(admin_user, "Ana", tier="gold")
    candidate = DuplicateCandidate.objects.create(
        object_type="customers.contact", left_id=keep.pk, right_id=lose.pk, score=97.0
    )
    browser = logged_in(admin_user)

    page = browser.get(f"/duplicates/{candidate.pk}/")

    rows = {row["name"]: row for row in page.context["rows"]}
    assert (rows["custom.tier"]["left"], rows["custom.tier"]["right"]) == ("Silver", "Gold")
    assert rows["custom.tier"]["pick"] == "left"
    assert rows["custom.plate"]["pick"] == "left"  # only the survivor has a plate
    assert 'name="pick_custom.tier"' in page.content.decode()

    done = browser.post(
        f"/duplicates/{candidate.pk}/",
        {"survivor": "left", "pick_custom.tier": "right", "action": "merge"},
    )

    assert done.status_code == 302
    keep.refresh_from_db()
    assert keep.custom == {"tier": "gold", "plate": "ABC1D23"}
    assert MergeRecord.objects.get().survivor_id == keep.pk
