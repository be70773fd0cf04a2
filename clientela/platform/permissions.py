"""The one place that says what an actor may do and see, used by every service and selector."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import BigIntegerField, F, Func, Model, Q, QuerySet, Value
from django.db.models.lookups import Exact

from clientela.platform import registry
from clientela.platform.errors import NotFound, PermissionDenied
from clientela.platform.models import RolePermission, Scope

if TYPE_CHECKING:
    from clientela.platform.models import User


@dataclass(frozen=True)
class Grant:
    actions: frozenset[str]
    scope: str

    def allows(self, action: str) -> bool:
        return action in self.actions


NO_GRANT = Grant(frozenset(), Scope.OWN)
FULL_GRANT = Grant(frozenset({"view", "create", "edit", "delete", "export"}), Scope.ALL)


def grants(actor: User) -> dict[str, Grant]:
    """The actor's grants per record type, read once per actor object (one query)."""
    cached: dict[str, Grant] | None = getattr(actor, "_clientela_grants", None)
    if cached is not None:
        return cached
    result: dict[str, Grant] = {}
    if actor.is_active and actor.role_id is not None:
        for row in RolePermission.objects.filter(role_id=actor.role_id):
            actions = frozenset(
                a for a in ("view", "create", "edit", "delete", "export") if row.allows(a)
            )
            result[row.object_type] = Grant(actions, row.scope)
    actor._clientela_grants = result  # type: ignore[attr-defined]
    return result


def grant_for(actor: User, object_type: str) -> Grant:
    if not actor.is_active:
        return NO_GRANT
    if actor.is_superuser:
        return FULL_GRANT
    return grants(actor).get(object_type, NO_GRANT)


def can(actor: User, object_type: str, action: str) -> bool:
    return grant_for(actor, object_type).allows(action)


def require(actor: User, object_type: str, action: str) -> None:
    """Refuse an action on a kind of record (403: the kind exists for everyone)."""
    if not grant_for(actor, object_type).allows(action):
        raise PermissionDenied()


def team_ids(actor: User) -> list[int]:
    cached: list[int] | None = getattr(actor, "_clientela_team_ids", None)
    if cached is None:
        cached = list(actor.teams.values_list("id", flat=True))
        actor._clientela_team_ids = cached  # type: ignore[attr-defined]
    return cached


class BigInt(Value):
    """An id typed as the ``bigint`` of the key columns (``5::bigint`` on PostgreSQL).

    A plain ``5`` is an ``integer``, and ``owner_id = 5`` is then a cross-type comparison that
    only B-tree operator families know: a GIN index over ``(owner_id, team_id, …)`` (the
    ``btree_gin`` extension, as an app's search index may be) serves ``owner_id = 5::bigint``.
    """

    def __init__(self, value: int) -> None:
        super().__init__(int(value), output_field=BigIntegerField())

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        sql, params = self.as_sql(compiler, connection, **extra)
        return f"{sql}::bigint", params


class Unindexed(Func):
    """A column whose indexes may not drive the query: ``+column`` on SQLite (its way of
    saying so), the column itself elsewhere."""

    template = "%(expressions)s"

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        sql, params = compiler.compile(self.source_expressions[0])
        return f"+{sql}", params


def _is(column: str, value: int, by_key: bool) -> Q:
    if not by_key:
        return Q(**{column: BigInt(value)})
    return Q(Exact(Unindexed(F(column), output_field=BigIntegerField()), BigInt(value)))


def visible_to[M: Model](
    actor: User, queryset: QuerySet[M], *, by_key: bool = False
) -> QuerySet[M]:
    """Narrow ``queryset`` to the records ``actor`` may see; the basis of every selector.

    ``by_key``: the caller names the rows by primary key (``pk__in`` a few ids), and the
    owner and team conditions only check them. Without statistics SQLite expects about ten
    rows for ``team_id = 1`` and read the whole team through its index (80 ms at a million
    contacts) instead of looking the ids up.
    """
    object_type = registry.for_model(queryset.model)
    grant = grant_for(actor, object_type.key)
    if not grant.allows("view"):
        return queryset.none()
    if not object_type.owned or grant.scope == Scope.ALL:
        return queryset
    if grant.scope == Scope.TEAM:
        # One typed equality per team (``team_id IN`` takes no typed values on a foreign key).
        condition = _is("owner_id", actor.pk, by_key)
        for team in team_ids(actor):
            condition |= _is("team_id", team, by_key)
        return queryset.filter(condition)
    return queryset.filter(_is("owner_id", actor.pk, by_key))


def sees_all(actor: User, model: type[Model]) -> bool:
    """Whether ``visible_to`` leaves every record of ``model`` in sight of ``actor``."""
    object_type = registry.for_model(model)
    grant = grant_for(actor, object_type.key)
    return grant.allows("view") and (not object_type.owned or grant.scope == Scope.ALL)


def get_visible[M: Model](actor: User, queryset: QuerySet[M], pk: Any) -> M:
    """The record with ``pk`` if the actor may see it; otherwise NotFound (never 403)."""
    try:
        return visible_to(actor, queryset).get(pk=pk)
    except (ObjectDoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def get_for_action[M: Model](actor: User, queryset: QuerySet[M], pk: Any, action: str) -> M:
    """A visible record the actor may also ``action`` (edit, delete…), for services."""
    record = get_visible(actor, queryset, pk)
    object_type = registry.for_model(queryset.model)
    if not can(actor, object_type.key, action):
        raise PermissionDenied()
    return record
