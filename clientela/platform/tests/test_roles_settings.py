"""Administrators manage users, teams and roles in Settings; rights take effect at once."""

from __future__ import annotations

import pytest

from clientela.customers.models import Account
from clientela.customers.services import account_create
from clientela.platform import permissions
from clientela.platform.errors import Conflict, ValidationFailed
from clientela.platform.models import Role, RolePermission, User
from clientela.platform.services.roles import role_create, role_delete, role_set_permissions


def test_custom_role_starts_with_no_rights(admin_user):
    role = role_create(actor=admin_user, name="Auditor externo")
    rows = RolePermission.objects.filter(role=role)
    assert rows.count() > 0
    assert not rows.filter(can_view=True).exists()


def test_granting_rights_in_the_matrix_takes_effect(admin_user, make_user, make_team, logged_in):
    role = role_create(actor=admin_user, name="Auditor")
    auditor = make_user("read-only")
    auditor.role = role
    auditor.save()
    account_create(actor=admin_user, values={"name": "Visible later"})
    assert (
        permissions.visible_to(User.objects.get(pk=auditor.pk), Account.objects.all()).count() == 0
    )

    response = logged_in(admin_user).post(
        f"/settings/roles/{role.pk}/",
        {
            "customers.account:view": "on",
            "customers.account:scope": "all",
        },
    )
    assert response.status_code == 302
    fresh = User.objects.get(pk=auditor.pk)
    assert permissions.visible_to(fresh, Account.objects.all()).count() == 1
    assert not permissions.can(fresh, "customers.account", "edit")


def test_rights_without_view_are_refused(admin_user):
    role = role_create(actor=admin_user, name="Odd")
    with pytest.raises(ValidationFailed):
        role_set_permissions(
            actor=admin_user,
            role_id=role.pk,
            matrix={"customers.account": {"edit": True, "scope": "all"}},
        )
    assert not RolePermission.objects.filter(role=role, can_edit=True).exists()


def test_unknown_record_type_or_scope_is_refused(admin_user):
    role = role_create(actor=admin_user, name="Odd")
    with pytest.raises(ValidationFailed):
        role_set_permissions(
            actor=admin_user, role_id=role.pk, matrix={"nope.thing": {"view": True}}
        )
    with pytest.raises(ValidationFailed):
        role_set_permissions(
            actor=admin_user,
            role_id=role.pk,
            matrix={"customers.account": {"view": True, "scope": "galaxy"}},
        )


def test_administrator_role_keeps_platform_rights(admin_user):
    admin_role = Role.objects.get(slug="administrator")
    with pytest.raises(ValidationFailed):
        role_set_permissions(
            actor=admin_user,
            role_id=admin_role.pk,
            matrix={"platform.user": {"view": True, "scope": "all"}},
        )


def test_builtin_and_used_roles_cannot_be_deleted(admin_user, make_user):
    with pytest.raises(Conflict):
        role_delete(actor=admin_user, role_id=Role.objects.get(slug="sales-rep").pk)
    custom = role_create(actor=admin_user, name="Temp")
    holder = make_user("read-only")
    holder.role = custom
    holder.save()
    with pytest.raises(Conflict):
        role_delete(actor=admin_user, role_id=custom.pk)
    holder.role = Role.objects.get(slug="read-only")
    holder.save()
    role_delete(actor=admin_user, role_id=custom.pk)
    assert not Role.objects.filter(pk=custom.pk).exists()


def test_non_admin_cannot_edit_roles(make_user, logged_in):
    manager = make_user("sales-manager")
    role = Role.objects.get(slug="sales-rep")
    before = list(RolePermission.objects.filter(role=role).values())
    response = logged_in(manager).post(
        f"/settings/roles/{role.pk}/",
        {
            "customers.account:view": "on",
            "customers.account:delete": "on",
            "customers.account:scope": "all",
        },
    )
    assert response.status_code == 403
    assert list(RolePermission.objects.filter(role=role).values()) == before


def test_admin_creates_a_user_and_team_in_settings(admin_user, logged_in):
    browser = logged_in(admin_user)
    assert browser.post("/settings/teams/new/", {"name": "Vendas Norte"}).status_code == 302
    from clientela.platform.models import Team

    team = Team.objects.get(name="Vendas Norte")
    response = browser.post(
        "/settings/users/new/",
        {
            "username": "maria",
            "email": "maria@example.com",
            "first_name": "Maria",
            "role": Role.objects.get(slug="sales-rep").pk,
            "teams": [team.pk],
            "is_active": "on",
            "password": "Uma-senha-forte-77",
        },
    )
    assert response.status_code == 302
    maria = User.objects.get(username="maria")
    assert maria.check_password("Uma-senha-forte-77")
    assert list(maria.teams.all()) == [team] and maria.role.slug == "sales-rep"


def test_user_form_reports_duplicates_and_weak_passwords(admin_user, logged_in):
    browser = logged_in(admin_user)
    role = Role.objects.get(slug="sales-rep").pk
    weak = browser.post(
        "/settings/users/new/",
        {"username": "bob", "email": "bob@example.com", "role": role, "password": "123"},
    )
    duplicate = browser.post(
        "/settings/users/new/", {"username": "admin", "email": "other@example.com", "role": role}
    )
    assert weak.status_code == 200 and "password" in weak.context["form"].errors
    assert duplicate.status_code == 200 and duplicate.context["form"].non_field_errors()
    assert not User.objects.filter(username="bob").exists()


def test_admin_cannot_deactivate_themselves(admin_user, logged_in):
    response = logged_in(admin_user).post(
        f"/settings/users/{admin_user.pk}/",
        {
            "username": "admin",
            "email": admin_user.email,
            "role": Role.objects.get(slug="administrator").pk,
        },
    )
    assert response.status_code == 200
    assert User.objects.get(pk=admin_user.pk).is_active


def test_users_are_told_when_an_admin_changes_their_role(admin_user, make_user, logged_in):
    from clientela.platform.models import Notification

    rep = make_user("sales-rep")
    response = logged_in(admin_user).post(
        f"/settings/users/{rep.pk}/",
        {
            "username": rep.username,
            "email": rep.email,
            "is_active": "on",
            "role": Role.objects.get(slug="sales-manager").pk,
        },
    )
    assert response.status_code == 302
    note = Notification.objects.get(user=rep)
    assert "changed your role or teams" in note.title and note.url == "/account/"
    page = logged_in(admin_user).get(f"/settings/users/{rep.pk}/").content.decode()
    assert "<code>role</code>" in page  # the History panel shows the role change


def test_a_new_token_is_announced_to_its_owner(make_user, logged_in):
    from clientela.platform.models import Notification

    user = make_user()
    logged_in(user).post("/account/tokens/", {"name": "backup script"})
    note = Notification.objects.get(user=user)
    assert "backup script" in note.title and note.url == "/account/tokens/"
