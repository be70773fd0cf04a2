"""Reads behind the list pages, the list API, bulk actions and exports.

Everything starts from ``visible_to(actor)``: a rep's lists, filters, bulk selections and
exports only ever see the rep's own and team's records.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import Model, Q, QuerySet
from django.utils.translation import gettext as _

from clientela.customers.search_index import search
from clientela.platform import permissions
from clientela.platform.errors import NotFound, ValidationFailed
from clientela.platform.listing import ListSpec, ListState, visibility_branches
from clientela.platform.models import Tag, Team, User
from clientela.platform.pagination import Page
from clientela.platform.permissions import visible_to

# "Everything matching the filter" is refused above this many records: narrow the filter.
MATCHING_CAP = 10_000


def _filtered(spec: ListSpec, state: ListState, actor: User) -> QuerySet[Any]:
    """The list's filters and search, before visibility: ``record_list`` scopes it, and
    ``record_page`` reads rows from it only by ids that came through ``visible_to``."""
    records = spec.apply(spec.model._default_manager.all(), state, actor.pk)
    return search(records, state.query)


def record_list(
    actor: User,
    spec: ListSpec,
    state: ListState,
    *,
    prefetch: tuple[str, ...] = (),
    by_key: bool = False,
) -> QuerySet[Any]:
    """The filtered, searched, sorted records the actor may see (not yet cut into a page);
    ``by_key`` when the caller reads them by id (see ``visible_to``)."""
    records = spec.shaped(visible_to(actor, _filtered(spec, state, actor), by_key=by_key), state)
    if prefetch:
        records = records.prefetch_related(*prefetch)
    return spec.ordered(records, state)


def record_page(
    actor: User, spec: ListSpec, state: ListState, *, limit: int, prefetch: tuple[str, ...] = ()
) -> Page[Any]:
    """One page. A team-scoped actor's page is cut from per-branch candidates (own records,
    each team's), each read from ``visible_to`` on its own index; the rows are then fetched
    by those ids alone (see ``ListSpec.page``)."""
    unscoped = spec.ordered(spec.shaped(_filtered(spec, state, actor), state), state)
    if prefetch:
        unscoped = unscoped.prefetch_related(*prefetch)
    branches = visibility_branches(actor, spec.model)
    return spec.page(
        record_list(actor, spec, state, prefetch=prefetch, by_key=bool(branches)),
        state,
        limit=limit,
        branches=branches,
        unscoped=unscoped,
    )


def matching_ids(actor: User, spec: ListSpec, params: Mapping[str, Any]) -> list[int]:
    """Ids of every visible record matching ``params``, refused when there are too many."""
    state = spec.parse(params)
    records = visible_to(actor, _filtered(spec, state, actor)).order_by(*state.sort.ordering)
    ids = list(records.values_list("pk", flat=True)[: MATCHING_CAP + 1])
    if len(ids) > MATCHING_CAP:
        raise ValidationFailed(
            _("More than %(n)s records match; narrow the filter first.")
            % {"n": f"{MATCHING_CAP:,}"},
            errors={"ids": [_("Too many records match.")]},
        )
    return ids


def visible_ids[M: Model](actor: User, model: type[M], ids: list[int]) -> set[int]:
    return set(
        visible_to(actor, model._default_manager.filter(pk__in=ids)).values_list("pk", flat=True)
    )


def filter_options(actor: User) -> dict[str, Any]:
    """Choices for the owner, team and tag filters and the bulk bar, bounded so a big install
    stays quick: the users and teams the actor may see, plus the actor's own teammates."""
    mine = permissions.team_ids(actor)
    seen_users = visible_to(actor, User.objects.all()).values("pk")
    users = (
        User.objects.filter(is_active=True)
        .filter(Q(pk__in=seen_users) | Q(pk=actor.pk) | Q(teams__in=mine))
        .distinct()
        .order_by("first_name", "last_name", "username")
    )
    seen_teams = visible_to(actor, Team.objects.all()).values("pk")
    teams = Team.objects.filter(Q(pk__in=seen_teams) | Q(pk__in=mine)).order_by("name")
    return {
        "users": list(users[:200]),
        "teams": list(teams[:200]),
        "tags": list(Tag.objects.order_by("name").values_list("name", flat=True)[:200]),
    }


REFERENCE_CHOICES = 10
SEARCHED = ("customers.account", "customers.contact", "customers.lead")


def _reference_model(target: str) -> type[Model]:
    from clientela.platform import registry

    return registry.get(target).model


def reference_label(actor: User, target: str, pk: int) -> str:
    """The name of a filter's picked record, or "" when it is unknown or out of the actor's sight
    (the page then shows nothing of it)."""
    record = visible_to(actor, _reference_model(target)._default_manager.filter(pk=pk)).first()
    return str(record) if record is not None else ""


def reference_choices(actor: User, target: str, query: str) -> list[tuple[int, str]]:
    """Up to ten records the actor may see matching ``query``, for a filter's picker."""
    if target not in SEARCHED:
        raise NotFound()  # only these have a search index to pick from
    query = query.strip()[:100]
    if not query:
        return []
    records = search(visible_to(actor, _reference_model(target)._default_manager.all()), query)
    return [(int(r.pk), str(r)) for r in records[:REFERENCE_CHOICES]]
