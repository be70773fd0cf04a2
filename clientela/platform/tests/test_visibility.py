"""Role by operation: what each kind of user can read and change, through the API and the UI.

A record the actor may not see answers 404 (never 403), so its id does not leak; a denied
change leaves the record exactly as it was.
"""

from __future__ import annotations

import pytest

from clientela.customers.models import Account
from clientela.customers.services import account_create
from clientela.platform import permissions
from clientela.platform.models import AuditEntry, Role, RolePermission, Scope


@pytest.fixture
def world(make_user, make_team):
    team_a, team_b = make_team("Team A"), make_team("Team B")
    rep_a = make_user("sales-rep", teams=[team_a])
    mate_a = make_user("sales-rep", teams=[team_a])
    rep_b = make_user("sales-rep", teams=[team_b])
    own_a = account_create(actor=rep_a, values={"name": "Mine Ltda"})
    mate = account_create(actor=mate_a, values={"name": "Teammate SA"})
    other = account_create(actor=rep_b, values={"name": "Other Team Inc"})
    return {
        "team_a": team_a,
        "team_b": team_b,
        "rep_a": rep_a,
        "rep_b": rep_b,
        "own": own_a,
        "mate": mate,
        "other": other,
    }


def _snapshot(account: Account) -> dict:
    return Account.objects.filter(pk=account.pk).values().get()


def test_sales_rep_sees_own_team_records_only(world):
    visible = permissions.visible_to(world["rep_a"], Account.objects.all())
    assert set(visible.values_list("name", flat=True)) == {"Mine Ltda", "Teammate SA"}


def test_api_hides_another_teams_record_as_not_found(world, api_as):
    api = api_as(world["rep_a"])
    other = world["other"]
    before = _snapshot(other)
    entries_before = AuditEntry.objects.count()

    assert api.get(f"/api/v1/accounts/{other.pk}").status_code == 404
    patch = api.patch(f"/api/v1/accounts/{other.pk}", {"name": "Hijacked"})
    delete = api.delete(f"/api/v1/accounts/{other.pk}")

    assert patch.status_code == 404 and delete.status_code == 404
    assert patch["Content-Type"] == "application/problem+json"
    assert patch.json()["code"] == "not_found"
    assert _snapshot(other) == before
    assert AuditEntry.objects.count() == entries_before
    listed = {a["name"] for a in api.get("/api/v1/accounts").json()["items"]}
    assert listed == {"Mine Ltda", "Teammate SA"}


def test_api_answers_the_same_for_a_hidden_and_a_missing_id(world, api_as):
    api = api_as(world["rep_a"])
    hidden = api.get(f"/api/v1/accounts/{world['other'].pk}")
    missing = api.get("/api/v1/accounts/999999")
    assert hidden.status_code == missing.status_code == 404
    assert {k: v for k, v in hidden.json().items() if k != "instance"} == {
        k: v for k, v in missing.json().items() if k != "instance"
    }


def test_ui_hides_another_teams_record_as_not_found(world, logged_in):
    browser = logged_in(world["rep_a"])
    other = world["other"]
    before = _snapshot(other)

    assert browser.get(f"/accounts/{other.pk}/").status_code == 404
    assert browser.get(f"/accounts/{other.pk}/edit/").status_code == 404
    assert (
        browser.post(
            f"/accounts/{other.pk}/edit/", {"name": "Hijacked", "country": "BR"}
        ).status_code
        == 404
    )
    assert browser.post(f"/accounts/{other.pk}/delete/").status_code == 404
    page = browser.get("/accounts/").content.decode()

    assert _snapshot(other) == before
    assert "Other Team Inc" not in page and "Mine Ltda" in page


def test_sales_rep_can_edit_a_teammates_record(world, api_as):
    response = api_as(world["rep_a"]).patch(
        f"/api/v1/accounts/{world['mate'].pk}", {"website": "https://mate.example.com"}
    )
    assert response.status_code == 200
    assert Account.objects.get(pk=world["mate"].pk).website == "https://mate.example.com"


def test_sales_rep_cannot_delete_even_visible_records(world, api_as):
    response = api_as(world["rep_a"]).delete(f"/api/v1/accounts/{world['own'].pk}")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert Account.objects.filter(pk=world["own"].pk).exists()


def test_sales_rep_cannot_move_a_record_to_another_team(world, api_as):
    response = api_as(world["rep_a"]).patch(
        f"/api/v1/accounts/{world['own'].pk}", {"team_id": world["team_b"].pk}
    )
    assert response.status_code == 422
    assert "team" in response.json()["errors"]
    assert Account.objects.get(pk=world["own"].pk).team_id == world["team_a"].pk


def test_read_only_role_sees_everything_and_changes_nothing(world, make_user, api_as):
    reader = api_as(make_user("read-only"))
    assert reader.get(f"/api/v1/accounts/{world['other'].pk}").status_code == 200
    assert reader.patch(f"/api/v1/accounts/{world['other'].pk}", {"name": "x"}).status_code == 403
    assert reader.post("/api/v1/accounts", {"name": "New"}).status_code == 403
    assert Account.objects.count() == 3


def test_own_scope_limits_to_the_actors_records(world, make_user):
    role = Role.objects.get(slug="sales-rep")
    RolePermission.objects.filter(role=role, object_type="customers.account").update(
        scope=Scope.OWN
    )
    rep = type(world["rep_a"]).objects.get(pk=world["rep_a"].pk)  # fresh grants cache
    visible = permissions.visible_to(rep, Account.objects.all())
    assert list(visible.values_list("name", flat=True)) == ["Mine Ltda"]


def test_administrator_sees_and_changes_all(world, admin_user, api_as):
    api = api_as(admin_user)
    assert len(api.get("/api/v1/accounts").json()["items"]) == 3
    assert api.delete(f"/api/v1/accounts/{world['other'].pk}").status_code == 204
    assert not Account.objects.filter(pk=world["other"].pk).exists()


def test_inactive_user_sees_nothing(world):
    rep = world["rep_a"]
    rep.is_active = False
    rep.save()
    fresh = type(rep).objects.get(pk=rep.pk)
    assert permissions.visible_to(fresh, Account.objects.all()).count() == 0


def test_non_admin_cannot_manage_settings(world, logged_in, api_as):
    browser = logged_in(world["rep_a"])
    assert browser.get("/settings/users/").status_code == 403
    assert browser.get("/settings/audit/").status_code == 403
    assert api_as(world["rep_a"]).post("/api/v1/teams", {"name": "Rogue"}).status_code == 403
    assert api_as(world["rep_a"]).get("/api/v1/audit").json()["items"] == []


def test_sees_all_says_whether_visible_to_narrows_anything(world, make_user, admin_user):
    everything = set(Account.objects.values_list("pk", flat=True))
    for user, expected in (
        (admin_user, True),
        (make_user("read-only"), True),
        (world["rep_a"], False),
        (make_user("sales-rep"), False),  # in no team: still narrowed to its own records
    ):
        shown = set(
            permissions.visible_to(user, Account.objects.all()).values_list("pk", flat=True)
        )
        assert permissions.sees_all(user, Account) is expected
        assert (shown == everything) is expected
