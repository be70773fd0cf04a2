"""Merging contacts and accounts: every re-link, the audit, refusals, and undo restoring all."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

import pytest
from django.apps import apps
from django.utils import timezone

from clientela.customers import merge
from clientela.customers.models import (
    Account,
    AccountContact,
    Address,
    Consent,
    Contact,
    ContactPoint,
    DuplicateCandidate,
    Lead,
    MergeRecord,
)
from clientela.customers.services.merge import account_merge, contact_merge, merge_undo
from clientela.platform import events
from clientela.platform.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from clientela.platform.models import AuditEntry, Tag

# Activities sit above customers: looked up by label, not imported (apps depend downward).
Activity = apps.get_model("activities", "Activity")


@pytest.fixture
def team(make_team):
    return make_team("Vendas RJ")


@pytest.fixture
def manager(make_user, team):
    return make_user("sales-manager", teams=[team])


def _contact(owner, team, **values):
    return Contact.objects.create(owner=owner, team=team, **values)


def _world(owner, team):
    """Two contacts that are one person, each with something hanging from it."""
    acme = Account.objects.create(owner=owner, team=team, name="Acme")
    other = Account.objects.create(owner=owner, team=team, name="Other")
    keep = _contact(
        owner, team, first_name="Joao", last_name="Silva", email="joao@acme.com", phone=""
    )
    lose = _contact(
        owner,
        team,
        first_name="João",
        last_name="da Silva",
        email="jsilva@gmail.com",
        phone="+5511987654321",
        birthday=date(1980, 5, 17),
        job_title="CFO",
        external_id="crm-42",
        do_not_contact=True,
    )
    tag = Tag.objects.create(name="vip")
    lose.tags.add(tag)
    AccountContact.objects.create(account=acme, contact=keep, role="buyer")
    AccountContact.objects.create(account=acme, contact=lose, role="decision_maker")
    AccountContact.objects.create(account=other, contact=lose, role="user")
    ContactPoint.objects.create(contact=lose, kind="email", value="joao@home.net")
    Address.objects.create(contact=lose, street="Rua A, 10", city="Rio", postal_code="20000000")
    Consent.objects.create(
        contact=lose,
        channel="email",
        purpose="marketing",
        status="opt_in",
        recorded_at=timezone.now(),
    )
    Activity.objects.create(owner=owner, team=team, kind="call", subject="Call", contact=lose)
    Lead.objects.create(owner=owner, team=team, first_name="J", converted_contact=lose)
    DuplicateCandidate.objects.create(
        object_type="customers.contact", left_id=keep.pk, right_id=lose.pk, score=0.9
    )
    DuplicateCandidate.objects.create(
        object_type="customers.contact", left_id=lose.pk, right_id=lose.pk + 1000, score=0.8
    )
    return keep, lose


def _state():
    """Everything the merge may touch, as plain values, to compare before/after undo."""
    return {
        "contacts": {c["id"]: c for c in Contact.objects.values()},
        "tags": sorted(Contact.tags.through.objects.values_list("contact_id", "tag_id")),
        "memberships": sorted(
            AccountContact.objects.values_list("id", "account_id", "contact_id", "role")
        ),
        "points": sorted(ContactPoint.objects.values_list("id", "contact_id", "kind", "value")),
        "addresses": sorted(Address.objects.values_list("id", "contact_id")),
        "consents": sorted(Consent.objects.values_list("id", "contact_id")),
        "activities": sorted(Activity.objects.values_list("id", "contact_id")),
        "leads": sorted(Lead.objects.values_list("id", "converted_contact_id")),
        "candidates": sorted(
            DuplicateCandidate.objects.values_list("id", "left_id", "right_id", "status", "score")
        ),
    }


def test_contact_merge_relinks_everything_and_keeps_chosen_values(manager, team):
    keep, lose = _world(manager, team)
    record = contact_merge(
        actor=manager,
        survivor_id=keep.pk,
        merged_id=lose.pk,
        choices={"first_name": "merged", "email": "survivor"},
    )
    assert not Contact.objects.filter(pk=lose.pk).exists()
    keep.refresh_from_db()
    assert (keep.first_name, keep.last_name, keep.email) == ("João", "Silva", "joao@acme.com")
    # blanks are filled from the merged record; do-not-contact is never lost
    assert keep.phone == "+5511987654321" and keep.birthday == date(1980, 5, 17)
    assert keep.external_id == "crm-42" and keep.do_not_contact is True
    assert sorted(keep.points.values_list("value", flat=True)) == [
        "joao@home.net",
        "jsilva@gmail.com",
    ]
    assert list(keep.tags.values_list("name", flat=True)) == ["vip"]
    assert sorted(keep.memberships.values_list("account__name", "role")) == [
        ("Acme", "buyer"),
        ("Other", "user"),
    ]
    assert keep.addresses.count() == 1 and keep.consents.count() == 1
    assert Activity.objects.get().contact_id == keep.pk
    assert Lead.objects.get().converted_contact_id == keep.pk
    assert DuplicateCandidate.objects.get().status == "merged"
    assert record.survivor_id == keep.pk and record.merged_id == lose.pk
    actions = AuditEntry.objects.filter(action="merge").values_list("object_id", flat=True)
    assert sorted(actions) == sorted([str(keep.pk), str(lose.pk)])


def test_undo_restores_everything_exactly_with_the_original_ids(manager, team):
    keep, lose = _world(manager, team)
    before = _state()
    record = contact_merge(
        actor=manager, survivor_id=keep.pk, merged_id=lose.pk, choices={"first_name": "merged"}
    )
    assert _state() != before
    merge_undo(actor=manager, merge_id=record.pk)
    after = _state()
    keep_after = after["contacts"].pop(keep.pk)
    keep_before = before["contacts"].pop(keep.pk)
    keep_after.pop("updated_at"), keep_before.pop("updated_at")
    assert keep_after == keep_before
    assert after == before
    record.refresh_from_db()
    assert record.undone_at is not None
    assert AuditEntry.objects.filter(action="unmerge").count() == 2
    with pytest.raises(Conflict):
        merge_undo(actor=manager, merge_id=record.pk)


def test_merge_of_a_record_the_actor_cannot_see_is_not_found_and_changes_nothing(
    make_user, make_team, manager, team
):
    keep, _ = _world(manager, team)
    stranger = make_user("sales-manager", teams=[make_team("Elsewhere")])
    hidden = _contact(stranger, stranger.teams.get(), first_name="Joao", last_name="Silva")
    before = _state()
    with pytest.raises(NotFound):
        contact_merge(actor=manager, survivor_id=keep.pk, merged_id=hidden.pk)
    with pytest.raises(NotFound):
        contact_merge(actor=manager, survivor_id=hidden.pk, merged_id=keep.pk)
    assert _state() == before and not MergeRecord.objects.exists()


def test_merge_needs_delete_permission_on_the_merged_record(make_user, manager, team):
    keep, lose = _world(manager, team)
    rep = make_user("sales-rep", teams=[team])
    before = _state()
    with pytest.raises(PermissionDenied):
        contact_merge(actor=rep, survivor_id=keep.pk, merged_id=lose.pk)
    assert _state() == before


@pytest.mark.parametrize(
    "choices,field",
    [({"search_text": "merged"}, "search_text"), ({"email": "both"}, "email")],
)
def test_bad_choices_are_refused_and_nothing_is_written(manager, team, choices, field):
    keep, lose = _world(manager, team)
    before = _state()
    with pytest.raises(ValidationFailed) as caught:
        contact_merge(actor=manager, survivor_id=keep.pk, merged_id=lose.pk, choices=choices)
    assert list(caught.value.errors) == [field]
    with pytest.raises(ValidationFailed):
        contact_merge(actor=manager, survivor_id=keep.pk, merged_id=keep.pk)
    assert _state() == before


def test_a_reference_nobody_relinks_stops_the_merge(manager, team, monkeypatch):
    keep, lose = _world(manager, team)
    registered = dict(merge._relinkers["customers.contact"])
    registered.pop("activities")
    monkeypatch.setitem(merge._relinkers, "customers.contact", registered)
    before = _state()
    with pytest.raises(Conflict) as caught:
        contact_merge(actor=manager, survivor_id=keep.pk, merged_id=lose.pk)
    assert caught.value.code == "merge_unlinked"
    assert _state() == before


def test_account_merge_moves_children_contacts_and_activities_and_undoes(manager, team):
    keep = Account.objects.create(owner=manager, team=team, name="ACME Ltda", tax_id="")
    lose = Account.objects.create(
        owner=manager, team=team, name="Acme", tax_id="11.222.333/0001-81", parent=None
    )
    child = Account.objects.create(owner=manager, team=team, name="Acme Sul", parent=lose)
    keep.parent = lose
    keep.save()
    person = _contact(manager, team, first_name="Ana", account=lose)
    AccountContact.objects.create(account=lose, contact=person)
    call = Activity.objects.create(owner=manager, team=team, kind="call", subject="C", account=lose)
    lose_row = merge.dump(lose)
    record = account_merge(actor=manager, survivor_id=keep.pk, merged_id=lose.pk)
    keep.refresh_from_db()
    assert keep.tax_id == "11.222.333/0001-81" and keep.parent_id is None
    assert Account.objects.get(pk=child.pk).parent_id == keep.pk
    assert Contact.objects.get(pk=person.pk).account_id == keep.pk
    assert AccountContact.objects.get().account_id == keep.pk
    assert Activity.objects.get(pk=call.pk).account_id == keep.pk
    merge_undo(actor=manager, merge_id=record.pk)
    assert merge.dump(Account.objects.get(pk=lose.pk)) == lose_row
    keep.refresh_from_db()
    assert keep.parent_id == lose.pk and keep.tax_id == ""
    assert Account.objects.get(pk=child.pk).parent_id == lose.pk
    assert Contact.objects.get(pk=person.pk).account_id == lose.pk
    assert Activity.objects.get(pk=call.pk).account_id == lose.pk


def test_undo_keeps_later_edits_of_the_survivor(manager, team):
    keep, lose = _world(manager, team)
    record = contact_merge(
        actor=manager, survivor_id=keep.pk, merged_id=lose.pk, choices={"last_name": "merged"}
    )
    Contact.objects.filter(pk=keep.pk).update(last_name="Souza")
    merge_undo(actor=manager, merge_id=record.pk)
    assert Contact.objects.get(pk=keep.pk).last_name == "Souza"
    assert Contact.objects.get(pk=lose.pk).last_name == "da Silva"


def test_undo_of_an_unknown_or_hidden_merge_is_not_found(make_user, make_team, manager, team):
    keep, lose = _world(manager, team)
    record = contact_merge(actor=manager, survivor_id=keep.pk, merged_id=lose.pk)
    stranger = make_user("sales-manager", teams=[make_team("Elsewhere")])
    for actor, merge_id in ((manager, 999999), (manager, "abc"), (stranger, record.pk)):
        with pytest.raises(NotFound):
            merge_undo(actor=actor, merge_id=merge_id)
    assert not Contact.objects.filter(pk=lose.pk).exists()


def test_merge_and_undo_emit_events_after_commit(
    manager, team, django_capture_on_commit_callbacks, monkeypatch
):
    keep, lose = _world(manager, team)
    monkeypatch.setattr(events, "_subscribers", defaultdict(list))  # only this test's
    seen: list[events.Event] = []
    events.subscribe("customers.contact.merged", seen.append)
    events.subscribe("customers.contact.unmerged", seen.append)
    with django_capture_on_commit_callbacks(execute=True):
        record = contact_merge(actor=manager, survivor_id=keep.pk, merged_id=lose.pk)
    with django_capture_on_commit_callbacks(execute=True):
        merge_undo(actor=manager, merge_id=record.pk)
    payload = {"merge_id": record.pk, "survivor_id": keep.pk, "merged_id": lose.pk}
    assert [(e.name, e.payload, e.actor_id) for e in seen] == [
        ("customers.contact.merged", payload, manager.pk),
        ("customers.contact.unmerged", payload, manager.pk),
    ]
