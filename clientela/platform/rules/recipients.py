"""Who an action is for: the record's owner, the owner's manager, a named user, or the next in
turn among a role's users or a team's members.

The rotations keep their place in ``RoundRobinTurn`` rows: a worker first bumps the row's
counter (which takes the row's write lock on PostgreSQL and the database's on SQLite), then
reads whose turn it was, so two workers assigning at the same moment give two turns.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Model
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop
from pydantic import Field

from clientela.platform.errors import Conflict
from clientela.platform.models import Role, RoundRobinTurn, Team, User

KIND_LABELS = {
    "owner": gettext_lazy("the record's owner"),
    "owner_manager": gettext_lazy("the owner's manager"),
    "user": gettext_lazy("a user"),
    "role": gettext_lazy("the next user with a role, in turn"),
    "team_round_robin": gettext_lazy("the next member of a team, in turn"),
}


KINDS: tuple[str, ...] = ("owner", "owner_manager", "user", "role", "team_round_robin")


@dataclass(frozen=True)
class Recipient:
    """Who: ``Recipient("user", user=12)``, ``Recipient("role", role="sales-rep")``,
    ``Recipient("team_round_robin", team=3)``, ``Recipient("owner")``."""

    kind: str
    user: int | None = None
    role: str | None = None
    team: int | None = None


# The settings that name a user, a role or a team, shared by the actions' settings models (the
# rule editor offers a picker for fields with these names).
def user_field() -> Any:
    return Field(
        None,
        gt=0,
        title=gettext_noop("User"),
        description=gettext_noop("The user, when a single user is chosen."),
    )


def role_field() -> Any:
    return Field(
        None,
        max_length=60,
        title=gettext_noop("Role"),
        description=gettext_noop("The role whose active users take turns."),
    )


def team_field() -> Any:
    return Field(
        None,
        gt=0,
        title=gettext_noop("Team"),
        description=gettext_noop("The team whose active members take turns."),
    )


def problems(spec: Recipient) -> dict[str, str]:
    """What is wrong with the settings ``spec`` came from, by setting name."""
    if spec.kind == "user":
        if spec.user is None:
            return {"user": _("Choose a user.")}
        if not User.objects.filter(pk=spec.user, is_active=True).exists():
            return {"user": _("Unknown or inactive user.")}
    if spec.kind == "role":
        if not spec.role:
            return {"role": _("Choose a role.")}
        if not Role.objects.filter(slug=spec.role).exists():
            return {"role": _("Unknown role.")}
    if spec.kind == "team_round_robin":
        if spec.team is None:
            return {"team": _("Choose a team.")}
        if not Team.objects.filter(pk=spec.team).exists():
            return {"team": _("Unknown team.")}
    return {}


# --- who it is ----------------------------------------------------------------------------


def owner_of(record: Model | None) -> User:
    owner = getattr(record, "owner", None)
    if not isinstance(owner, User):
        raise Conflict(_("The record has no owner."), code="no_owner")
    if not owner.is_active:
        raise Conflict(_("The record's owner is no longer active."), code="owner_inactive")
    return owner


def manager_of(user: User) -> User:
    """The manager of the user's first team (by id) that has an active one."""
    team = (
        user.teams.filter(manager__isnull=False, manager__is_active=True)
        .select_related("manager")
        .order_by("id")
        .first()
    )
    if team is None or team.manager is None:
        raise Conflict(
            _("None of %(user)s's teams has a manager.") % {"user": user.display_name},
            code="no_manager",
        )
    return team.manager


def _rotation(spec: Recipient) -> tuple[str, list[int]]:
    """The rotation's key and its members' ids, in turn order."""
    users = User.objects.filter(is_active=True).order_by("id")
    if spec.kind == "role":
        key, members = f"role:{spec.role}", users.filter(role__slug=spec.role)
    else:
        key, members = f"team:{spec.team}", users.filter(teams__id=spec.team or 0)
    ids = list(members.values_list("id", flat=True).distinct())
    if not ids:
        message = (
            _("Nobody active has the role %(role)s.") % {"role": spec.role}
            if spec.kind == "role"
            else _("The team has no active members.")
        )
        raise Conflict(message, code="nobody_in_turn")
    return key, ids


def _after(last: int | None, ids: list[int]) -> int:
    """The member after ``last`` (the first when ``last`` is gone or was the last one)."""
    following = [pk for pk in ids if last is not None and pk > last]
    return following[0] if following else ids[0]


def take_turn(key: str, ids: list[int]) -> int:
    """Give the next turn of rotation ``key`` among ``ids`` and remember it."""
    with transaction.atomic():
        rows = RoundRobinTurn.objects.filter(key=key)
        if not rows.update(turns=F("turns") + 1):
            try:
                with transaction.atomic():
                    RoundRobinTurn.objects.create(key=key, turns=1)
            except IntegrityError:  # another worker created it first: wait for its lock
                rows.update(turns=F("turns") + 1)
        turn = rows.select_for_update().get()
        chosen = _after(turn.last_user_id, ids)
        turn.last_user_id = chosen
        turn.save(update_fields=["last_user", "updated_at"])
    return chosen


def next_in_turn(key: str, ids: list[int]) -> int:
    """Whose turn it would be, without taking it (dry runs)."""
    last = RoundRobinTurn.objects.filter(key=key).values_list("last_user_id", flat=True).first()
    return _after(last, ids)


def resolve(spec: Recipient, record: Model | None, *, take: bool = True) -> User:
    """The one user ``spec`` names for ``record``; ``take=False`` only looks (dry runs).
    Raises ``Conflict`` when there is nobody (no owner, no manager, an empty team)."""
    if spec.kind == "owner":
        return owner_of(record)
    if spec.kind == "owner_manager":
        return manager_of(owner_of(record))
    if spec.kind == "user":
        user = User.objects.filter(pk=spec.user or 0, is_active=True).first()
        if user is None:
            raise Conflict(_("The chosen user is no longer active."), code="user_inactive")
        return user
    key, ids = _rotation(spec)
    chosen = take_turn(key, ids) if take else next_in_turn(key, ids)
    return User.objects.get(pk=chosen)


def describe(spec: Recipient, record: Model | None) -> str:
    """Who, as a sentence part, for dry runs ("Ana Souza (the next member of a team, in
    turn)"); never writes."""
    try:
        user = resolve(spec, record, take=False)
    except Conflict as exc:
        return f"{KIND_LABELS[spec.kind]} ({exc.message})"
    if spec.kind in ("owner", "user"):
        return user.display_name
    return f"{user.display_name} ({KIND_LABELS[spec.kind]})"
