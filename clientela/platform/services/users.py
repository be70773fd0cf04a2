"""Users, teams and the preferences a user sets for themself."""

from __future__ import annotations

import zoneinfo
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils.translation import gettext as _

from clientela.platform import audit, events, permissions
from clientela.platform.errors import Conflict, ValidationFailed
from clientela.platform.models import Role, Team, User
from clientela.platform.services.notifications import notification_create

USER_FIELDS = (
    "username",
    "email",
    "first_name",
    "last_name",
    "role",
    "is_active",
    "language",
    "time_zone",
)


def _check_language_and_zone(data: dict[str, Any], errors: dict[str, list[str]]) -> None:
    codes = {code for code, _name in settings.LANGUAGES}
    if data.get("language") and data["language"] not in codes:
        errors.setdefault("language", []).append(_("Choose English or Português (Brasil)."))
    zone = data.get("time_zone")
    if zone:
        try:
            zoneinfo.ZoneInfo(zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            errors.setdefault("time_zone", []).append(_("Unknown time zone."))


def _check_user_data(data: dict[str, Any], *, creating: bool) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if creating or "username" in data:
        username = str(data.get("username") or "").strip()
        if not username or len(username) > 150:
            errors["username"] = [_("Enter a user name of 1 to 150 characters.")]
    if creating or "email" in data:
        try:
            validate_email(data.get("email") or "")
        except DjangoValidationError:
            errors["email"] = [_("Enter a valid e-mail address.")]
    _check_language_and_zone(data, errors)
    return errors


def _resolve_role_and_teams(data: dict[str, Any]) -> tuple[Role | None, list[Team] | None]:
    role = data.get("role")
    if role is not None and not isinstance(role, Role):
        role = Role.objects.filter(pk=role).first()
        if role is None:
            raise ValidationFailed(errors={"role": [_("Unknown role.")]})
    teams = data.get("teams")
    if teams is not None:
        ids = [t.pk if isinstance(t, Team) else t for t in teams]
        teams = list(Team.objects.filter(pk__in=ids))
        if len(teams) != len(set(ids)):
            raise ValidationFailed(errors={"teams": [_("Unknown team.")]})
    return role, teams


def _audited_user(user: User) -> dict[str, Any]:
    values = audit.snapshot(user, USER_FIELDS)
    values["teams"] = sorted(user.teams.values_list("id", flat=True))
    return values


def user_create(*, actor: User | None, data: dict[str, Any], password: str | None = None) -> User:
    """Create a user; ``actor`` None means the command line (createuser, demo)."""
    if actor is not None:
        permissions.require(actor, "platform.user", "create")
    errors = _check_user_data(data, creating=True)
    if password:
        try:
            validate_password(
                password,
                User(username=str(data.get("username") or ""), email=str(data.get("email") or "")),
            )
        except DjangoValidationError as exc:
            errors["password"] = list(exc.messages)
    if errors:
        raise ValidationFailed(errors=errors)
    role, teams = _resolve_role_and_teams(data)
    fields = {k: data[k] for k in USER_FIELDS if k in data and k != "role"}
    try:
        with transaction.atomic():
            user = User(**fields, role=role)
            user.set_password(password) if password else user.set_unusable_password()
            user.save()
            if teams:
                user.teams.set(teams)
            audit.record(
                actor=actor, action="create", obj=user, changes=audit.diff({}, _audited_user(user))
            )
    except IntegrityError:
        raise Conflict(_("A user with this user name or e-mail already exists.")) from None
    events.emit(events.Event("platform.user.created", actor.pk if actor else None, {"id": user.pk}))
    return user


def user_update(*, actor: User, user_id: Any, data: dict[str, Any]) -> User:
    user = permissions.get_for_action(actor, User.objects.all(), user_id, "edit")
    errors = _check_user_data(data, creating=False)
    if user.pk == actor.pk and data.get("is_active") is False:
        errors["is_active"] = [_("You cannot deactivate yourself.")]
    if errors:
        raise ValidationFailed(errors=errors)
    role, teams = _resolve_role_and_teams(data)
    if (
        user.pk == actor.pk
        and "role" in data
        and not (role and role.is_admin)
        and not actor.is_superuser
    ):
        raise ValidationFailed(
            errors={"role": [_("You cannot remove your own administrator role.")]}
        )
    try:
        with transaction.atomic():
            user = User.objects.select_for_update().get(pk=user.pk)
            before = _audited_user(user)
            for key in USER_FIELDS:
                if key in data and key != "role":
                    setattr(user, key, data[key])
            if "role" in data:
                user.role = role
            user.save()
            if teams is not None:
                user.teams.set(teams)
            changes = audit.diff(before, _audited_user(user))
            if changes:
                audit.record(actor=actor, action="update", obj=user, changes=changes)
                _notify_access_change(user, actor, changes)
    except IntegrityError:
        raise Conflict(_("A user with this user name or e-mail already exists.")) from None
    return user


def _notify_access_change(user: User, actor: User, changes: dict[str, Any]) -> None:
    """Tell people when someone else changes what they may see and do."""
    if user.pk == actor.pk or not ({"role", "teams"} & changes.keys()):
        return
    notification_create(
        user=user,
        title=_("%(admin)s changed your role or teams.") % {"admin": actor.display_name},
        body=_("What you can see and change in Clientela may be different now."),
        url="/account/",
    )


def preferences_update(
    *, actor: User, language: str | None = None, time_zone: str | None = None
) -> User:
    """A user's own language and time zone; needs no permission beyond being signed in."""
    data = {
        k: v for k, v in {"language": language, "time_zone": time_zone}.items() if v is not None
    }
    errors: dict[str, list[str]] = {}
    _check_language_and_zone(data, errors)
    if errors:
        raise ValidationFailed(errors=errors)
    with transaction.atomic():
        before = audit.snapshot(actor, ["language", "time_zone"])
        User.objects.filter(pk=actor.pk).update(**data)
        for key, value in data.items():
            setattr(actor, key, value)
        changes = audit.diff(before, audit.snapshot(actor, ["language", "time_zone"]))
        if changes:
            audit.record(actor=actor, action="update", obj=actor, changes=changes)
    return actor


def _check_team_data(data: dict[str, Any]) -> dict[str, Any]:
    name = str(data.get("name") or "").strip()
    if not name or len(name) > 120:
        raise ValidationFailed(errors={"name": [_("Enter a name of 1 to 120 characters.")]})
    clean: dict[str, Any] = {"name": name, "description": str(data.get("description") or "")}
    manager = data.get("manager")
    if manager is not None and not isinstance(manager, User):
        manager = User.objects.filter(pk=manager).first()
        if manager is None:
            raise ValidationFailed(errors={"manager": [_("Unknown user.")]})
    clean["manager"] = manager
    return clean


def team_create(*, actor: User | None, data: dict[str, Any]) -> Team:
    if actor is not None:
        permissions.require(actor, "platform.team", "create")
    clean = _check_team_data(data)
    try:
        with transaction.atomic():
            team = Team.objects.create(**clean)
            audit.record(
                actor=actor, action="create", obj=team, changes=audit.diff({}, audit.snapshot(team))
            )
    except IntegrityError:
        raise Conflict(_("A team with this name already exists.")) from None
    return team


def team_update(*, actor: User, team_id: Any, data: dict[str, Any]) -> Team:
    team = permissions.get_for_action(actor, Team.objects.all(), team_id, "edit")
    clean = _check_team_data({**audit.snapshot(team), **data})
    try:
        with transaction.atomic():
            before = audit.snapshot(team)
            for key, value in clean.items():
                setattr(team, key, value)
            team.save()
            changes = audit.diff(before, audit.snapshot(team))
            if changes:
                audit.record(actor=actor, action="update", obj=team, changes=changes)
    except IntegrityError:
        raise Conflict(_("A team with this name already exists.")) from None
    return team


def team_delete(*, actor: User, team_id: Any) -> None:
    team = permissions.get_for_action(actor, Team.objects.all(), team_id, "delete")
    team_pk, before = team.pk, audit.snapshot(team)
    try:
        with transaction.atomic():
            team.members.clear()
            team.delete()
            team.pk = team_pk
            audit.record(actor=actor, action="delete", obj=team, changes=audit.diff(before, {}))
    except (ProtectedError, RestrictedError):
        raise Conflict(_("The team still owns records; move them to another team first.")) from None
