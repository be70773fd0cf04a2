"""The timeline partial: audit changes for a record, only for those who may see the record."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from clientela.customers.services import account_create, account_update
from clientela.platform import timeline
from clientela.platform.models import AuditEntry


def test_timeline_shows_a_records_changes_newest_first(make_user, make_team, logged_in):
    team = make_team("North")
    rep = make_user("sales-rep", teams=[team])
    account = account_create(actor=rep, values={"name": "Acme"})
    account_update(actor=rep, account_id=account.pk, values={"website": "https://acme.example"})

    response = logged_in(rep).get(f"/timeline/customers.account/{account.pk}/")

    assert response.status_code == 200
    entries = response.context["entries"]
    assert [e.title for e in entries] == ["Changed", "Created"]
    assert entries[0].changes == (timeline.Change("Website", "—", "https://acme.example"),)
    assert entries[0].detail == "Website"
    assert entries[0].actor == rep.username
    assert "<del>" not in response.content.decode().split("Website", 1)[1].split("</li>", 1)[0]


def test_changes_show_labels_old_and_new_values_and_hide_machine_fields(make_user, logged_in):
    admin = make_user("administrator")
    other = make_user("sales-rep", first_name="Bea", last_name="Reis")
    account = account_create(actor=admin, values={"name": "Acme", "website": "https://a.example"})
    account_update(
        actor=admin,
        account_id=account.pk,
        values={"name": "Acme Ltda", "website": "https://b.example", "owner": other.pk},
    )

    response = logged_in(admin).get(f"/timeline/customers.account/{account.pk}/")

    changed = response.context["entries"][0]
    by_label = {c.label: (c.old, c.new) for c in changed.changes}
    assert by_label["Name"] == ("Acme", "Acme Ltda")
    assert by_label["Website"] == ("https://a.example", "https://b.example")
    assert by_label["Owner"] == (admin.display_name, "Bea Reis")
    assert not any("search" in c.label.lower() for c in changed.changes)
    created = response.context["entries"][1]
    assert ("Lifecycle status", "—", "Prospect") in [
        (c.label, c.old, c.new) for c in created.changes
    ]
    html = response.content.decode()
    assert "<del>Acme</del> → <ins>Acme Ltda</ins>" in html


def test_timeline_filter_keeps_only_the_chosen_kinds(make_user, logged_in):
    admin = make_user("administrator")
    account = account_create(actor=admin, values={"name": "Acme"})

    response = logged_in(admin).get(
        f"/timeline/customers.account/{account.pk}/", {"kind": ["nonsense"]}
    )

    assert response.status_code == 200
    assert response.context["kinds"] == []
    assert len(response.context["entries"]) == 1


def test_timeline_of_a_record_out_of_sight_is_not_found(make_user, make_team, logged_in):
    owner = make_user("sales-rep", teams=[make_team("North")])
    stranger = make_user("sales-rep", teams=[make_team("South")])
    account = account_create(actor=owner, values={"name": "Hidden"})

    client = logged_in(stranger)

    assert client.get(f"/timeline/customers.account/{account.pk}/").status_code == 404
    assert client.get(f"/timeline/no.such-type/{account.pk}/").status_code == 404


def test_older_pages_neither_skip_nor_repeat_entries(make_user, logged_in):
    admin = make_user("administrator")
    account = account_create(actor=admin, values={"name": "Acme"})
    for n in range(6):
        account_update(actor=admin, account_id=account.pk, values={"name": f"Acme {n}"})
    seqs = list(
        AuditEntry.objects.filter(object_type="customers.account", object_id=str(account.pk))
        .order_by("-at", "-seq")
        .values_list("seq", flat=True)
    )
    record = timeline.record_for(admin, "customers.account", account.pk)

    seen: list[int] = []
    after = None
    while True:
        page = timeline.collect(
            admin, "customers.account", record, kinds=["changes"], after=after, limit=3
        )
        seen.extend(e.key for e in page.entries)
        if not page.next_cursor:
            break
        after = timeline.Position.decode(page.next_cursor)

    assert seen == seqs
    assert len(seen) == 7


def test_entries_at_the_same_instant_from_two_sources_page_in_a_total_order(make_user, monkeypatch):
    # given a second source whose entries all share one instant with each other
    admin = make_user("administrator")
    account = account_create(actor=admin, values={"name": "Acme"})
    instant = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
    made = [timeline.Entry(instant, "zz-test", n, f"item {n}") for n in range(5)]

    def provider(actor, record, limit, after):
        rows = [e for e in sorted(made, key=lambda e: e.order, reverse=True)]
        return [e for e in rows if after is None or e.order < after.order][:limit]

    monkeypatch.setattr(timeline, "_sources", dict(timeline._sources))
    timeline.register(timeline.Source("zz-test", "Test", provider, ()))
    record = timeline.record_for(admin, "customers.account", account.pk)

    # when paging two at a time
    titles: list[str] = []
    after = None
    for _ in range(10):
        page = timeline.collect(admin, "customers.account", record, after=after, limit=2)
        titles.extend(e.title for e in page.entries)
        if not page.next_cursor:
            break
        after = timeline.Position.decode(page.next_cursor)

    # then every entry shows once, newest first, the audit entry (older) last
    assert titles == ["item 4", "item 3", "item 2", "item 1", "item 0", "Created"]


def test_the_older_button_appends_only_the_next_entries(make_user, logged_in, monkeypatch):
    admin = make_user("administrator")
    account = account_create(actor=admin, values={"name": "Acme"})
    for n in range(3):
        account_update(actor=admin, account_id=account.pk, values={"name": f"Acme {n}"})
    monkeypatch.setattr("clientela.platform.views.timeline.PAGE_SIZE", 2)
    client = logged_in(admin)

    first = client.get(f"/timeline/customers.account/{account.pk}/")
    cursor = first.context["page"].next_cursor
    more = client.get(f"/timeline/customers.account/{account.pk}/", {"cursor": cursor})

    assert [e.title for e in first.context["entries"]] == ["Changed", "Changed"]
    assert [e.title for e in more.context["entries"]] == ["Changed", "Created"]
    assert more.context["part"] == "more"
    assert 'id="timeline"' not in more.content.decode()
    assert more.context["page"].next_cursor == ""


@pytest.mark.parametrize("cursor", ["garbage", "W10", "WyJ4IiwiYSIsMV0"])
def test_a_broken_cursor_is_a_clear_400(make_user, logged_in, cursor):
    admin = make_user("administrator")
    account = account_create(actor=admin, values={"name": "Acme"})

    response = logged_in(admin).get(
        f"/timeline/customers.account/{account.pk}/", {"cursor": cursor}
    )

    assert response.status_code == 400
    assert "not valid" in response.content.decode()


def test_audited_lists_show_as_joined_values_under_a_readable_label(make_user, logged_in):
    admin = make_user("administrator")
    account = account_create(actor=admin, values={"name": "Acme"})
    account_update(actor=admin, account_id=account.pk, values={"tags": ["VIP", "Renewal"]})

    response = logged_in(admin).get(f"/timeline/customers.account/{account.pk}/")

    changes = {c.label: (c.old, c.new) for c in response.context["entries"][0].changes}
    assert changes["Tags"] == ("—", "Renewal, VIP")  # the audit keeps them sorted
