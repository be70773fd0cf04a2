"""The list and bulk-action API for accounts, contacts and leads."""

from __future__ import annotations

import pytest

from clientela.customers.models import Account, Contact, Lead
from clientela.customers.services.leads import lead_create
from clientela.customers.tests.lists_data import accounts, contacts
from clientela.platform.models import AuditEntry


@pytest.fixture
def stranger(make_user, south):
    return make_user("sales-rep", teams=[south])


def names(response):
    assert response.status_code == 200, response.content
    return [item.get("name") or item.get("last_name") for item in response.json()["items"]]


def test_account_list_filters_sorts_and_pages(admin_user, api_as):
    accounts(admin_user, None, [f"C{i:02d}" for i in range(5)], lifecycle="customer")
    accounts(admin_user, None, ["Prospect"], lifecycle="prospect")
    api = api_as(admin_user)

    first = api.get("/api/v1/accounts", {"lifecycle": "customer", "sort": "-name", "limit": 3})
    assert names(first) == ["C04", "C03", "C02"]
    cursor = first.json()["next_cursor"]
    assert cursor.startswith("-name.")
    second = api.get(
        "/api/v1/accounts", {"lifecycle": "customer", "sort": "-name", "limit": 3, "cursor": cursor}
    )
    assert names(second) == ["C01", "C00"] and second.json()["next_cursor"] is None


def test_list_refuses_unknown_filters_values_and_sorts_with_422(admin_user, api_as):
    api = api_as(admin_user)

    response = api.get("/api/v1/accounts", {"colour": "red", "lifecycle": "x", "sort": "revenue"})

    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert set(response.json()["errors"]) == {"colour", "lifecycle", "sort"}
    bad_date = api.get("/api/v1/leads", {"created_from": "yesterday"})
    assert bad_date.status_code == 422 and "created_from" in bad_date.json()["errors"]


def test_cursor_from_another_sort_is_refused(admin_user, api_as):
    accounts(admin_user, None, ["A", "B", "C"])
    api = api_as(admin_user)
    cursor = api.get("/api/v1/accounts", {"limit": 1}).json()["next_cursor"]

    response = api.get("/api/v1/accounts", {"sort": "-name", "cursor": cursor})

    assert response.status_code == 422
    assert "another sort order" in response.json()["errors"]["cursor"][0]
    garbage = api.get("/api/v1/accounts", {"cursor": "name.not-base64!"})
    assert garbage.status_code == 422


def test_contact_list_filters_by_account_channel_and_do_not_contact(admin_user, api_as):
    account = accounts(admin_user, None, ["Empresa"])[0]
    contacts(admin_user, None, ["Ana Alves", "Bia Barros"], account=account)
    contacts(admin_user, None, ["Caio Costa"], do_not_contact=True, preferred_channel="sms")
    api = api_as(admin_user)

    assert names(api.get("/api/v1/contacts", {"account": account.pk})) == ["Alves", "Barros"]
    assert names(api.get("/api/v1/contacts", {"do_not_contact": "true"})) == ["Costa"]
    assert names(api.get("/api/v1/contacts", {"preferred_channel": "sms"})) == ["Costa"]
    assert names(api.get("/api/v1/contacts", {"sort": "-name"})) == ["Costa", "Barros", "Alves"]


def test_contact_list_query_count_is_flat(admin_user, api_as, django_assert_max_num_queries):
    contacts(admin_user, None, [f"P{i} Silva" for i in range(60)])
    api = api_as(admin_user)
    api.get("/api/v1/contacts")

    with django_assert_max_num_queries(8):
        response = api.get("/api/v1/contacts", {"limit": 60})

    assert len(response.json()["items"]) == 60


def test_lead_list_newest_first_filtered_by_status_and_source(admin_user, api_as):
    lead_create(actor=admin_user, values={"company": "Web one", "source": "web_form"})
    manual = lead_create(actor=admin_user, values={"company": "Manual one"})
    Lead.objects.filter(pk=manual.pk).update(status="working")
    api = api_as(admin_user)

    everything = api.get("/api/v1/leads")
    assert [i["company"] for i in everything.json()["items"]] == ["Manual one", "Web one"]
    by_source = api.get("/api/v1/leads", {"source": "web_form"})
    assert [i["company"] for i in by_source.json()["items"]] == ["Web one"]
    by_status = api.get("/api/v1/leads", {"status": "working", "sort": "created"})
    assert [i["company"] for i in by_status.json()["items"]] == ["Manual one"]


def test_rep_lists_only_own_and_team_records(make_user, north, stranger, api_as):
    rep = make_user("sales-rep", teams=[north])
    accounts(rep, north, ["Ours"])
    accounts(stranger, stranger.teams.get(), ["Theirs"])

    assert names(api_as(rep).get("/api/v1/accounts")) == ["Ours"]
    assert names(api_as(stranger).get("/api/v1/accounts")) == ["Theirs"]


def test_bulk_assign_owner_is_audited_per_record(manager, make_user, north, api_as):
    teammate = make_user("sales-rep", teams=[north])
    created = accounts(manager, north, ["Alfa", "Bravo"])

    response = api_as(manager).post(
        "/api/v1/accounts/bulk-actions",
        {"action": "assign_owner", "ids": [a.pk for a in created], "owner_id": teammate.pk},
    )

    assert response.status_code == 200, response.content
    assert response.json() == {"action": "assign_owner", "count": 2}
    assert set(Account.objects.values_list("owner_id", flat=True)) == {teammate.pk}
    entries = AuditEntry.objects.filter(object_type="customers.account", action="update")
    assert sorted(int(e.object_id) for e in entries) == sorted(a.pk for a in created)


def test_bulk_refuses_another_teams_ids_and_changes_nothing(manager, north, stranger, api_as):
    ours = accounts(manager, north, ["Ours"])[0]
    theirs = accounts(stranger, stranger.teams.get(), ["Theirs"])[0]
    api = api_as(manager)
    before = AuditEntry.objects.count()

    for payload in (
        {"action": "assign_owner", "ids": [ours.pk, theirs.pk], "owner_id": manager.pk},
        {"action": "add_tag", "ids": [ours.pk, theirs.pk], "tags": ["VIP"]},
        {"action": "delete", "ids": [ours.pk, theirs.pk]},
    ):
        response = api.post("/api/v1/accounts/bulk-actions", payload)
        assert response.status_code == 422, response.content
        body = response.json()
        assert body["code"] == "bulk_refused"
        assert body["errors"]["ids"] == [f"#{theirs.pk}: Not found."]

    assert Account.objects.count() == 2
    assert dict(Account.objects.values_list("name", "owner_id")) == {
        "Ours": manager.pk,
        "Theirs": stranger.pk,
    }
    assert not Account.objects.filter(tags__isnull=False).exists()
    assert AuditEntry.objects.count() == before


def test_bulk_assign_owner_outside_the_actors_teams_is_refused(manager, north, stranger, api_as):
    created = accounts(manager, north, ["Alfa", "Bravo"])

    response = api_as(manager).post(
        "/api/v1/accounts/bulk-actions",
        {"action": "assign_owner", "ids": [a.pk for a in created], "owner_id": stranger.pk},
    )

    assert response.status_code == 422
    assert len(response.json()["errors"]["ids"]) == 2
    assert set(Account.objects.values_list("owner_id", flat=True)) == {manager.pk}


def test_bulk_delete_needs_the_delete_right(make_user, north, api_as):
    rep = make_user("sales-rep", teams=[north])
    created = accounts(rep, north, ["Mine"])

    response = api_as(rep).post(
        "/api/v1/accounts/bulk-actions", {"action": "delete", "ids": [created[0].pk]}
    )

    assert response.status_code == 403
    assert Account.objects.count() == 1


def test_bulk_delete_of_contacts_and_all_matching(admin_user, api_as):
    contacts(admin_user, None, ["Ana Alves", "Bia Barros"], do_not_contact=True)
    contacts(admin_user, None, ["Caio Costa"])

    response = api_as(admin_user).post(
        "/api/v1/contacts/bulk-actions",
        {"action": "delete", "all_matching": True, "filters": {"do_not_contact": "true"}},
    )

    assert response.json() == {"action": "delete", "count": 2}
    assert list(Contact.objects.values_list("last_name", flat=True)) == ["Costa"]
    assert AuditEntry.objects.filter(object_type="customers.contact", action="delete").count() == 2


def test_bulk_all_matching_with_a_bad_filter_is_a_422(admin_user, api_as):
    response = api_as(admin_user).post(
        "/api/v1/contacts/bulk-actions",
        {"action": "delete", "all_matching": True, "filters": {"shoe_size": "42"}},
    )
    assert response.status_code == 422 and "shoe_size" in response.json()["errors"]


def test_bulk_tag_leads_and_converted_leads_are_kept_on_delete(admin_user, api_as):
    fresh = lead_create(actor=admin_user, values={"company": "Fresh"})
    done = lead_create(actor=admin_user, values={"company": "Done"})
    Lead.objects.filter(pk=done.pk).update(status="converted")
    api = api_as(admin_user)

    tagged = api.post(
        "/api/v1/leads/bulk-actions",
        {"action": "add_tag", "ids": [fresh.pk, done.pk], "tags": ["Fair 2026"]},
    )
    assert tagged.json() == {"action": "add_tag", "count": 2}
    assert Lead.objects.filter(tags__name="Fair 2026").count() == 2

    refused = api.post(
        "/api/v1/leads/bulk-actions", {"action": "delete", "ids": [fresh.pk, done.pk]}
    )
    assert refused.status_code == 422
    assert refused.json()["errors"]["ids"][0].startswith(f"#{done.pk}: A converted lead")
    assert Lead.objects.count() == 2


@pytest.mark.parametrize(
    "payload,field",
    [
        ({"action": "explode", "ids": [1]}, "action"),
        ({"action": "delete", "ids": []}, "ids"),
        ({"action": "assign_owner", "ids": [1]}, "owner"),
        ({"action": "add_tag", "ids": [1], "tags": []}, "tags"),
        ({"action": "delete", "ids": ["x"]}, "ids.0"),
    ],
)
def test_bulk_bad_input_is_a_422(admin_user, api_as, payload, field):
    accounts(admin_user, None, ["Alfa"])
    response = api_as(admin_user).post("/api/v1/accounts/bulk-actions", payload)
    assert response.status_code == 422, response.content
    assert any(key.endswith(field) for key in response.json()["errors"]), response.json()
    assert Account.objects.count() == 1


def test_team_scoped_pages_cover_every_visible_record_once(make_user, make_team, api_as):
    """A rep in two teams: own records (in a team or none), teammates' and strangers'."""
    east, west, far = make_team("East"), make_team("West"), make_team("Far")
    rep = make_user("sales-rep", teams=[east, west])
    mate = make_user("sales-rep", teams=[east])
    other = make_user("sales-rep", teams=[far])
    accounts(rep, east, ["A-own-east", "M-own-east"])
    accounts(rep, None, ["B-own-none", "Z-own-none"])
    accounts(rep, far, ["C-own-far"])
    accounts(mate, east, ["D-mate-east", "N-mate-east"])
    accounts(mate, west, ["E-mate-west"])
    accounts(other, far, ["F-other-far", "G-other-far"])
    api = api_as(rep)
    own = ["A-own-east", "M-own-east", "B-own-none", "Z-own-none", "C-own-far"]
    expected = sorted([*own, "D-mate-east", "N-mate-east", "E-mate-west"])

    for sort, order in (("name", expected), ("-name", expected[::-1])):
        seen, cursor = [], None
        while True:
            params = {"limit": 3, "sort": sort, **({"cursor": cursor} if cursor else {})}
            body = api.get("/api/v1/accounts", params).json()
            seen += [item["name"] for item in body["items"]]
            cursor = body["next_cursor"]
            if not cursor:
                break
        assert seen == order


def test_everything_matching_above_the_cap_is_refused_whole(admin_user, api_as, monkeypatch):
    from clientela.customers import selectors_lists

    monkeypatch.setattr(selectors_lists, "MATCHING_CAP", 2)
    accounts(admin_user, None, ["Alfa", "Bravo", "Charlie"])

    response = api_as(admin_user).post(
        "/api/v1/accounts/bulk-actions", {"action": "delete", "all_matching": True}
    )

    assert response.status_code == 422
    assert response.json()["title"] == "More than 2 records match; narrow the filter first."
    assert Account.objects.count() == 3
