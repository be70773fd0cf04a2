"""Saved list views: a list's filters, sort and columns under a name, private or shared.

Anyone who can see a kind of record sees their own views and every shared one; only the owner
of a view changes or deletes it. The filters are checked against the list's ``ListSpec`` when
saved, so a stored view always opens.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from clientela.platform import audit, listing, permissions
from clientela.platform.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from clientela.platform.models import SavedView, User

OBJECT_TYPE = "platform.saved_view"
MAX_VIEWS_PER_LIST = 100


# --- reads (the saved views an actor may open) ---------------------------------------------


def saved_view_list(actor: User, object_type: str = "") -> QuerySet[SavedView]:
    views = SavedView.objects.filter(Q(user_id=actor.pk) | Q(shared=True)).select_related("user")
    if object_type:
        views = views.filter(object_type=object_type)
    allowed = [t for t in listing.object_types() if permissions.can(actor, t, "view")]
    return views.filter(object_type__in=allowed).order_by("name", "id")


def saved_view_get(actor: User, view_id: Any) -> SavedView:
    try:
        return saved_view_list(actor).get(pk=int(view_id))
    except (SavedView.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


# --- writes --------------------------------------------------------------------------------


def _clean(actor: User, values: dict[str, Any], *, object_type: str) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    spec = listing.spec_for(object_type)
    if spec is None or not permissions.can(actor, object_type, "view"):
        raise ValidationFailed(errors={"object_type": [_("This kind of record has no list.")]})
    out: dict[str, Any] = {}
    if "name" in values:
        name = " ".join(str(values["name"] or "").split())
        if not name:
            errors["name"] = [_("This field is required.")]
        elif len(name) > 100:
            errors["name"] = [_("Enter at most %(n)d characters.") % {"n": 100}]
        out["name"] = name
    if "shared" in values:
        out["shared"] = bool(values["shared"])
    params = _params(values)
    if {"filters", "sort", "columns"} & set(values):
        try:
            state = spec.parse(params)
        except ValidationFailed as exc:
            errors.update(exc.errors)
        else:
            out.update(_stored(spec, state, values))
    if errors:
        raise ValidationFailed(errors=errors)
    return out


def _params(values: dict[str, Any]) -> dict[str, Any]:
    params: dict[str, Any] = {}
    filters = values.get("filters")
    if filters is not None:
        if not isinstance(filters, dict) or len(filters) > 50:
            raise ValidationFailed(errors={"filters": [_("Enter the filters as an object.")]})
        params.update(filters)
        params.pop("cursor", None)
    if values.get("sort"):
        params["sort"] = values["sort"]
    if values.get("columns"):
        columns = values["columns"]
        params["columns"] = ",".join(columns) if isinstance(columns, list) else str(columns)
    return params


def _stored(
    spec: listing.ListSpec, state: listing.ListState, values: dict[str, Any]
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if values.get("filters") is not None:
        out["filters"] = listing.clean_saved_params(spec, {**values["filters"], "cursor": None})
    if values.get("sort"):
        out["sort"] = state.sort.key
    if values.get("columns"):
        out["columns"] = [c.key for c in state.columns]
    return out


def _save(actor: User, view: SavedView, action: str, before: dict[str, Any]) -> SavedView:
    try:
        with transaction.atomic():
            view.save()
            audit.record(
                actor=actor,
                action=action,
                obj=view,
                changes=audit.diff(before, audit.snapshot(view)),
                object_type=OBJECT_TYPE,
            )
    except IntegrityError:
        raise ValidationFailed(
            errors={"name": [_("You already have a view with this name on this list.")]}
        ) from None
    return view


def saved_view_create(*, actor: User, object_type: str, values: dict[str, Any]) -> SavedView:
    cleaned = _clean(actor, {"name": "", **values}, object_type=object_type)
    if SavedView.objects.filter(user=actor, object_type=object_type).count() >= MAX_VIEWS_PER_LIST:
        raise Conflict(_("You have too many saved views on this list; delete some first."))
    view = SavedView(user=actor, object_type=object_type, **cleaned)
    return _save(actor, view, "create", {})


def _own(actor: User, view_id: Any) -> SavedView:
    view = saved_view_get(actor, view_id)
    if view.user_id != actor.pk:
        raise PermissionDenied(_("Only the person who saved this view may change it."))
    return view


def saved_view_update(*, actor: User, view_id: Any, values: dict[str, Any]) -> SavedView:
    view = _own(actor, view_id)
    cleaned = _clean(actor, values, object_type=view.object_type)
    before = audit.snapshot(view)
    for name, value in cleaned.items():
        setattr(view, name, value)
    return _save(actor, view, "update", before)


def saved_view_delete(*, actor: User, view_id: Any) -> None:
    view = _own(actor, view_id)
    before, pk = audit.snapshot(view), view.pk
    with transaction.atomic():
        view.delete()
        view.pk = pk
        audit.record(
            actor=actor,
            action="delete",
            obj=view,
            changes=audit.diff(before, {}),
            object_type=OBJECT_TYPE,
        )
