"""The timeline partial: audit changes for a record, only for those who may see the record."""

from __future__ import annotations

from clientela.customers.services import account_create, account_update


def test_timeline_shows_a_records_changes_newest_first(make_user, make_team, logged_in):
    team = make_team("North")
    rep = make_user("sales-rep", teams=[team])
    account = account_create(actor=rep, values={"name": "Acme"})
    account_update(actor=rep, account_id=account.pk, values={"website": "https://acme.example"})

    response = logged_in(rep).get(f"/timeline/customers.account/{account.pk}/")

    assert response.status_code == 200
    entries = response.context["entries"]
    assert [e.title for e in entries] == ["Changed", "Created"]
    assert entries[0].detail == "website"
    assert entries[0].actor == rep.username


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
