"""The HTTP contract of the platform resources: me, users, teams, roles, audit, notifications."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from openapi_spec_validator import validate

from clientela.platform.models import ApiToken, AuditEntry, Notification, Team
from clientela.platform.services.notifications import notification_create
from clientela.platform.services.tokens import token_create, token_revoke


def test_openapi_document_is_valid_3_1(db):
    response = Client().get("/api/openapi.json")
    spec = response.json()
    assert response.status_code == 200
    assert spec["openapi"].startswith("3.1")
    validate(spec)
    assert "/api/v1/me" in spec["paths"]


def test_docs_page_is_served_without_a_cdn(admin_user, logged_in):
    page = logged_in(admin_user).get("/api/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in page
    assert "cdn." not in page


def test_no_credentials_is_401_problem(db):
    response = Client().get("/api/v1/me")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "not_authenticated"


def test_me_returns_the_user_and_role(make_user, make_team, api_as):
    user = make_user("sales-rep", teams=[make_team("Vendas SP")], first_name="Ana")
    body = api_as(user).get("/api/v1/me").json()
    assert body["first_name"] == "Ana"
    assert body["role"]["slug"] == "sales-rep"
    assert [t["name"] for t in body["teams"]] == ["Vendas SP"]
    assert body["is_administrator"] is False


def test_patch_me_changes_language_and_time_zone(make_user, api_as):
    user = make_user()
    api = api_as(user)
    response = api.patch("/api/v1/me", {"language": "pt-br", "time_zone": "America/Manaus"})
    assert response.status_code == 200
    user.refresh_from_db()
    assert (user.language, user.time_zone) == ("pt-br", "America/Manaus")
    entry = AuditEntry.objects.filter(object_type="platform.user").latest("seq")
    assert entry.channel == "api"
    assert entry.changes["time_zone"] == ["", "America/Manaus"]


@pytest.mark.parametrize(
    "payload,field",
    [
        ({"language": "fr"}, "language"),
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"language": 12}, "language"),
        ({"time_zone": "x" * 500}, "time_zone"),
    ],
)
def test_patch_me_refuses_bad_values(make_user, api_as, payload, field):
    user = make_user()
    response = api_as(user).patch("/api/v1/me", payload)
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert any(field in key for key in response.json()["errors"])
    user.refresh_from_db()
    assert (user.language, user.time_zone) == ("", "")


def test_read_only_token_may_read_but_not_write(make_user, api_as):
    api = api_as(make_user(), read_only=True)
    assert api.get("/api/v1/me").status_code == 200
    response = api.patch("/api/v1/me", {"language": "pt-br"})
    assert response.status_code == 403
    assert response.json()["code"] == "read_only_token"


def test_revoked_and_expired_tokens_are_refused(make_user):
    user = make_user()
    revoked, revoked_secret = token_create(actor=user, name="old")
    token_revoke(actor=user, token_id=revoked.pk)
    expiring, expired_secret = token_create(
        actor=user, name="short", expires_at=timezone.now() + timedelta(minutes=1)
    )
    ApiToken.objects.filter(pk=expiring.pk).update(expires_at=timezone.now() - timedelta(1))
    for secret in (revoked_secret, expired_secret, "clt_nothere_x", "garbage"):
        response = Client().get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
        assert response.status_code == 401, secret


def test_tokens_are_stored_hashed(make_user):
    token, secret = token_create(actor=make_user(), name="x")
    stored = ApiToken.objects.get(pk=token.pk)
    assert secret not in (stored.digest, stored.prefix)
    assert len(stored.digest) == 64


def test_session_api_write_needs_csrf(make_user):
    user = make_user()
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)
    response = browser.patch("/api/v1/me", {"language": "pt-br"}, content_type="application/json")
    assert response.status_code == 403
    assert response.json()["code"] == "csrf_failed"
    user.refresh_from_db()
    assert user.language == ""


def test_teams_crud_by_administrator(admin_user, api_as):
    api = api_as(admin_user)
    created = api.post("/api/v1/teams", {"name": "Vendas Rio", "description": "RJ"})
    assert created.status_code == 201
    team_id = created.json()["id"]
    assert (
        api.patch(f"/api/v1/teams/{team_id}", {"name": "Vendas RJ"}).json()["name"] == "Vendas RJ"
    )
    assert api.get(f"/api/v1/teams/{team_id}").json()["member_count"] == 0
    assert [t["name"] for t in api.get("/api/v1/teams").json()["items"]] == ["Vendas RJ"]
    duplicate = api.post("/api/v1/teams", {"name": "Vendas RJ"})
    assert duplicate.status_code == 409
    assert api.delete(f"/api/v1/teams/{team_id}").status_code == 204
    assert not Team.objects.filter(pk=team_id).exists()


def test_team_in_use_cannot_be_deleted(admin_user, make_user, make_team, api_as):
    from clientela.customers.services import account_create

    team = make_team("Busy")
    rep = make_user("sales-rep", teams=[team])
    account_create(actor=rep, values={"name": "Held"})
    response = api_as(admin_user).delete(f"/api/v1/teams/{team.pk}")
    assert response.status_code == 409
    assert Team.objects.filter(pk=team.pk).exists()
    assert list(rep.teams.all()) == [team]


def test_users_list_and_detail(admin_user, make_user, api_as):
    rep = make_user("sales-rep")
    api = api_as(admin_user)
    names = [u["username"] for u in api.get("/api/v1/users").json()["items"]]
    assert names == ["admin", rep.username]
    assert api.get(f"/api/v1/users/{rep.pk}").json()["role"]["slug"] == "sales-rep"
    assert api_as(rep).get(f"/api/v1/users/{admin_user.pk}").status_code == 404


def test_roles_list_and_detail(admin_user, api_as):
    api = api_as(admin_user)
    roles = api.get("/api/v1/roles?limit=200").json()["items"]
    assert len(roles) == 7
    rep = next(r for r in roles if r["slug"] == "sales-rep")
    detail = api.get(f"/api/v1/roles/{rep['id']}").json()
    account = next(p for p in detail["permissions"] if p["object_type"] == "customers.account")
    assert (account["can_view"], account["can_delete"], account["scope"]) == (True, False, "team")


def test_audit_list_filters_and_paginates(admin_user, api_as):
    api = api_as(admin_user)
    for n in range(5):
        api.post("/api/v1/teams", {"name": f"T{n}"})
    first = api.get("/api/v1/audit", {"object_type": "platform.team", "limit": 3}).json()
    assert [e["object_repr"] for e in first["items"]] == ["T4", "T3", "T2"]
    second = api.get(
        "/api/v1/audit",
        {"object_type": "platform.team", "limit": 3, "cursor": first["next_cursor"]},
    ).json()
    assert [e["object_repr"] for e in second["items"]] == ["T1", "T0"]
    assert second["next_cursor"] is None
    assert all(e["channel"] == "api" and e["action"] == "create" for e in first["items"])


def test_bad_cursor_is_a_clear_422(admin_user, api_as):
    for cursor in ("not-base64!!", "W10", "eyJ4IjoxfQ"):
        response = api_as(admin_user).get("/api/v1/audit", {"cursor": cursor})
        assert response.status_code == 422
        assert "cursor" in response.json()["errors"]


def test_limit_out_of_range_is_422(admin_user, api_as):
    assert api_as(admin_user).get("/api/v1/users", {"limit": 10_000}).status_code == 422
    assert api_as(admin_user).get("/api/v1/users", {"limit": "abc"}).status_code == 422


def test_notifications_list_and_mark_read(make_user, api_as):
    user, other = make_user(), make_user()
    api = api_as(user)  # creating its token notifies the user; start from a clean list
    Notification.objects.filter(user=user).delete()
    mine = notification_create(user=user, title="Hello", url="/accounts/")
    theirs = notification_create(user=other, title="Private")
    body = api.get("/api/v1/notifications").json()
    assert [n["title"] for n in body["items"]] == ["Hello"] and body["unread"] == 1
    assert api.post(f"/api/v1/notifications/{theirs.pk}/read").status_code == 404
    assert api.post(f"/api/v1/notifications/{mine.pk}/read").json()["read_at"] is not None
    assert Notification.objects.get(pk=theirs.pk).read_at is None
    assert api.get("/api/v1/notifications", {"unread_only": True}).json()["items"] == []


def test_malformed_json_body_is_a_problem_not_a_500(admin_user):
    _token, secret = token_create(actor=admin_user, name="x")
    response = Client().post(
        "/api/v1/teams",
        data=b"{not json",
        content_type="application/json",
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "bad_request"
    assert not Team.objects.exists()
