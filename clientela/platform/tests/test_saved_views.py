"""Saved list views over the API: own and shared ones, only the owner edits, filters checked."""

from __future__ import annotations

import pytest

import clientela.customers.lists  # noqa: F401 (registers the customer lists)
from clientela.platform.models import AuditEntry, RolePermission, SavedView


@pytest.fixture
def ana(make_user):
    return make_user("sales-rep", username="ana")


@pytest.fixture
def bia(make_user):
    return make_user("sales-rep", username="bia")


def create(api, **values):
    payload = {"object_type": "customers.contact", "name": "Mine", **values}
    return api.post("/api/v1/saved-views", payload)


def test_create_and_read_back_a_view(ana, api_as):
    api = api_as(ana)

    response = create(
        api,
        name="  Do not call  ",
        filters={"do_not_contact": "true", "q": "silva", "tag": ""},
        columns=["name", "email"],
        sort="-name",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["name"] == "Do not call"
    assert body["filters"] == {"do_not_contact": ["true"], "q": ["silva"]}
    assert body["columns"] == ["name", "email"] and body["sort"] == "-name"
    assert body["mine"] is True and body["shared"] is False
    assert api.get(f"/api/v1/saved-views/{body['id']}").json() == body
    entry = AuditEntry.objects.get(object_type="platform.saved_view")
    assert entry.action == "create" and entry.object_id == str(body["id"])


def test_private_views_are_hidden_and_shared_ones_visible_to_all(ana, bia, api_as):
    private = create(api_as(ana), name="Private").json()
    shared = create(api_as(ana), name="Team view", shared=True).json()
    create(api_as(bia), name="Bia's", object_type="customers.account")

    listed = api_as(bia).get("/api/v1/saved-views", {"object_type": "customers.contact"})

    assert [v["name"] for v in listed.json()["items"]] == ["Team view"]
    assert listed.json()["items"][0]["mine"] is False
    assert api_as(bia).get(f"/api/v1/saved-views/{private['id']}").status_code == 404
    assert api_as(bia).get(f"/api/v1/saved-views/{shared['id']}").status_code == 200
    everything = api_as(bia).get("/api/v1/saved-views")
    assert sorted(v["name"] for v in everything.json()["items"]) == ["Bia's", "Team view"]


def test_only_the_owner_changes_or_deletes_a_shared_view(ana, bia, api_as):
    shared = create(api_as(ana), name="Team view", shared=True).json()

    patched = api_as(bia).patch(f"/api/v1/saved-views/{shared['id']}", {"name": "Hijacked"})
    deleted = api_as(bia).delete(f"/api/v1/saved-views/{shared['id']}")

    assert patched.status_code == 403 and deleted.status_code == 403
    assert SavedView.objects.get().name == "Team view"

    renamed = api_as(ana).patch(
        f"/api/v1/saved-views/{shared['id']}", {"name": "Renamed", "shared": False, "filters": {}}
    )
    assert renamed.status_code == 200
    assert renamed.json()["name"] == "Renamed" and renamed.json()["shared"] is False
    assert api_as(ana).delete(f"/api/v1/saved-views/{shared['id']}").status_code == 204
    assert not SavedView.objects.exists()


@pytest.mark.parametrize(
    "values,field",
    [
        ({"filters": {"shoe_size": "42"}}, "shoe_size"),
        ({"filters": {"language": "klingon"}}, "language"),
        ({"sort": "revenue"}, "sort"),
        ({"columns": ["name", "salary"]}, "columns"),
        ({"name": "   "}, "name"),
        ({"object_type": "platform.user"}, "object_type"),
        ({"object_type": "nonsense"}, "object_type"),
    ],
)
def test_bad_views_are_refused_and_nothing_is_saved(ana, api_as, values, field):
    response = create(api_as(ana), **values)

    assert response.status_code == 422, response.content
    assert field in response.json()["errors"]
    assert not SavedView.objects.exists()


def test_the_same_name_twice_on_one_list_is_refused(ana, api_as):
    assert create(api_as(ana), name="Hot").status_code == 201
    again = create(api_as(ana), name="Hot")
    assert again.status_code == 422 and "name" in again.json()["errors"]
    assert SavedView.objects.count() == 1


def test_a_user_who_cannot_see_the_records_sees_no_views(ana, make_user, api_as):
    view = create(api_as(ana), name="Shared", shared=True).json()
    reader = make_user("read-only")
    RolePermission.objects.filter(role=reader.role, object_type="customers.contact").update(
        can_view=False
    )

    assert api_as(reader).get("/api/v1/saved-views").json()["items"] == []
    assert api_as(reader).get(f"/api/v1/saved-views/{view['id']}").status_code == 404


def test_patch_of_unknown_view_is_404(ana, api_as):
    assert api_as(ana).patch("/api/v1/saved-views/999999", {"name": "x"}).status_code == 404
