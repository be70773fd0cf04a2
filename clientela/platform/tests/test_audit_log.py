"""Every change through a service leaves one append-only, chained entry with its field diff."""

from __future__ import annotations

from itertools import pairwise

import pytest

from clientela.customers.services import account_create, account_delete, account_update
from clientela.platform.audit import GENESIS, verify_chain
from clientela.platform.context import use_channel
from clientela.platform.models import AuditEntry, AuditHead


@pytest.fixture
def manager(make_user, make_team):
    return make_user("sales-manager", teams=[make_team("Vendas")])


def test_create_update_delete_each_leave_one_entry(manager):
    account = account_create(actor=manager, values={"name": "Alfa", "country": "BR"})
    account_update(actor=manager, account_id=account.pk, values={"name": "Alfa SA"})
    account_update(actor=manager, account_id=account.pk, values={"name": "Alfa SA"})  # no-op
    account_delete(actor=manager, account_id=account.pk)

    entries = list(AuditEntry.objects.filter(object_type="customers.account").order_by("seq"))
    assert [e.action for e in entries] == ["create", "update", "delete"]
    assert entries[0].changes["name"] == [None, "Alfa"]
    assert entries[1].changes == {"name": ["Alfa", "Alfa SA"]}
    assert entries[2].changes["name"] == ["Alfa SA", None]
    assert {e.actor_id for e in entries} == {manager.pk}
    assert {e.object_id for e in entries} == {str(account.pk)}


def test_entries_record_the_channel(manager):
    with use_channel("import"):
        account_create(actor=manager, values={"name": "Imported"})
    account_create(actor=manager, values={"name": "From code"})
    channels = list(
        AuditEntry.objects.filter(object_type="customers.account")
        .order_by("seq")
        .values_list("channel", flat=True)
    )
    assert channels == ["import", "system"]


def test_entries_are_chained_to_the_head(manager):
    for n in range(3):
        account_create(actor=manager, values={"name": f"A{n}"})
    entries = list(AuditEntry.objects.order_by("seq"))
    assert entries[0].prev_hash == GENESIS
    for before, after in pairwise(entries):
        assert after.prev_hash == before.hash and after.seq == before.seq + 1
    head = AuditHead.objects.get()
    assert (head.seq, head.hash) == (entries[-1].seq, entries[-1].hash)
    assert verify_chain() == []


def test_entries_cannot_be_changed_or_deleted_through_the_orm(manager):
    account_create(actor=manager, values={"name": "Alfa"})
    entry = AuditEntry.objects.latest("seq")
    entry.object_repr = "tampered"
    with pytest.raises(RuntimeError):
        entry.save()
    with pytest.raises(RuntimeError):
        entry.delete()
    assert AuditEntry.objects.get(pk=entry.pk).object_repr == "Alfa"


def test_failed_write_leaves_no_entry(manager):
    from clientela.platform.errors import ValidationFailed

    before = AuditEntry.objects.count()
    with pytest.raises(ValidationFailed):
        account_create(actor=manager, values={"name": "X", "tax_id": "123"})
    assert AuditEntry.objects.count() == before


def test_history_tab_shows_the_records_changes(manager, logged_in):
    browser = logged_in(manager)
    browser.post("/accounts/new/", {"name": "Beta Ltda", "country": "BR"})
    account_id = AuditEntry.objects.get(object_type="customers.account").object_id
    browser.post(f"/accounts/{account_id}/edit/", {"name": "Beta Comércio Ltda", "country": "BR"})
    page = browser.get(f"/accounts/{account_id}/?tab=history").content.decode()
    assert "Beta Comércio Ltda" in page and "Web interface" in page
    assert page.count("<tr>") == 3  # header + create + update


def test_global_audit_view_filters(admin_user, manager, logged_in):
    from clientela.platform.services.users import team_create

    account_create(actor=manager, values={"name": "Gama"})
    team_create(actor=admin_user, data={"name": "Vendas Sul"})
    browser = logged_in(admin_user)
    everything = browser.get("/settings/audit/").content.decode()
    only_teams = browser.get("/settings/audit/?object_type=platform.team").content.decode()
    assert "Gama" in everything
    assert "Gama" not in only_teams and "Vendas Sul" in only_teams
    bad_dates = browser.get("/settings/audit/?since=yesterday&until=2026-13-45")
    assert bad_dates.status_code == 200
