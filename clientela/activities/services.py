"""Every write on activities: clean the values, then the platform's record services.

Linked records are looked up through the actor's visibility, so naming another user's account,
contact or lead answers "not found" and writes nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import zoneinfo
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import Model
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from clientela.activities.models import (
    Activity,
    ActivityKind,
    ActivityStatus,
    CalendarFeed,
    Direction,
)
from clientela.customers.models import Account, Contact, Lead
from clientela.customers.services.nested import bulk_by_mode
from clientela.platform import audit, customfields, events, permissions, registry
from clientela.platform.errors import Conflict, ValidationFailed, not_found_on
from clientela.platform.models import User
from clientela.platform.services.records import record_create, record_delete, record_update

FIELDS = (
    *("kind", "subject", "body", "status", "direction", "outcome", "due_at"),
    *("duration_minutes", "location", "reminder_at", "account", "contact", "lead"),
    *("link_type", "link_id", "owner", "team", "completed_at", "custom"),
)
TEXTS = {"subject": 200, "body": 20000, "outcome": 200, "location": 200, "link_type": 40}
LINKS: dict[str, type[Model]] = {"account": Account, "contact": Contact, "lead": Lead}
NEEDS_DUE = {ActivityKind.MEETING, ActivityKind.TASK}
MAX_MINUTES = 24 * 60
# The status lifecycle the code relies on: (from, to) pairs that are allowed.
TRANSITIONS = {
    ("planned", "done"),
    ("planned", "cancelled"),
    ("done", "planned"),
    ("cancelled", "planned"),
}
Errors = dict[str, list[str]]


def _clean_texts(values: dict[str, Any], errors: Errors) -> None:
    for name, size in TEXTS.items():
        if name not in values:
            continue
        value = "" if values[name] is None else values[name]
        if not isinstance(value, str):
            errors[name] = [_("Enter text.")]
            continue
        value = value.strip()
        if len(value) > size:
            errors[name] = [_("Enter at most %(n)d characters.") % {"n": size}]
        values[name] = value
    if "subject" in values and not values["subject"] and "subject" not in errors:
        errors["subject"] = [_("This field is required.")]


def _clean_choices(values: dict[str, Any], errors: Errors) -> None:
    for name, choices, blank in (
        ("kind", ActivityKind.values, False),
        ("status", ActivityStatus.values, False),
        ("direction", Direction.values, True),
    ):
        if name not in values:
            continue
        value = values[name] if values[name] is not None else ""
        if (value == "" and not blank) or (value != "" and value not in choices):
            errors[name] = [_("Choose one of the listed values.")]
        values[name] = value


def _aware(value: Any) -> datetime | None:
    if value in (None, ""):
        return None
    if not isinstance(value, datetime):
        raise TypeError
    return timezone.make_aware(value) if timezone.is_naive(value) else value


def _clean_times(values: dict[str, Any], errors: Errors) -> None:
    for name in ("due_at", "reminder_at", "completed_at"):
        if name in values:
            try:
                values[name] = _aware(values[name])
            except TypeError:
                errors[name] = [_("Enter a valid date and time.")]
    if "duration_minutes" not in values:
        return
    minutes = values["duration_minutes"]
    if minutes in ("", None):
        values["duration_minutes"] = None
    elif (
        isinstance(minutes, bool) or not isinstance(minutes, int) or not 0 < minutes <= MAX_MINUTES
    ):
        errors["duration_minutes"] = [
            _("Enter a duration from 1 to %(max)d minutes.") % {"max": MAX_MINUTES}
        ]


def _clean_links(actor: User, values: dict[str, Any], current: Activity | None = None) -> None:
    """Swap ids for the records; one out of the actor's sight raises NotFound (404).

    ``link_type``/``link_id`` are checked together whichever of the two is sent: a new id
    alone is looked up as a record of the activity's current type.
    """
    for name, model in LINKS.items():
        if name not in values:
            continue
        if values[name] in (None, ""):
            values[name] = None
        elif not isinstance(values[name], model):
            values[name] = _visible(actor, model, values[name], f"{name}_id")
    if "link_type" not in values and "link_id" not in values:
        return
    link_type = values["link_type"] if "link_type" in values else getattr(current, "link_type", "")
    link_id = values["link_id"] if "link_id" in values else getattr(current, "link_id", None)
    if link_type:
        try:
            linked = registry.get(link_type).model
        except KeyError:
            raise ValidationFailed(errors={"link_type": [_("Unknown record type.")]}) from None
        _visible(actor, linked, link_id, "link_id")
    elif link_id not in (None, ""):
        message = _("Choose the type of the linked record.")
        raise ValidationFailed(errors={"link_type": [message]})
    else:
        values["link_id"] = None


def _check_whole(state: dict[str, Any], errors: Errors) -> None:
    """Rules on the activity as it will be after the write (old values merged with new)."""
    if not any(state.get(n) for n in ("account", "contact", "lead", "link_type")):
        errors.setdefault("account", []).append(
            _("Link the activity to an account, a contact or a lead.")
        )
    due, reminder = state.get("due_at"), state.get("reminder_at")
    if state.get("kind") in NEEDS_DUE and due is None and "due_at" not in errors:
        errors["due_at"] = [_("Meetings and tasks need a due date.")]
    completed = state.get("completed_at")
    if completed is not None and "completed_at" not in errors and completed > timezone.now():
        errors["completed_at"] = [_("The completion time cannot be in the future.")]
    if reminder is not None and "reminder_at" not in errors:
        if due is None:
            errors["reminder_at"] = [_("Set a due date to be reminded of.")]
        elif reminder >= due:
            errors["reminder_at"] = [_("The reminder must come before the due date.")]


def clean_activity(
    actor: User, values: dict[str, Any], *, current: Activity | None = None
) -> dict[str, Any]:
    """Checked values for a create (``current`` None) or an update of ``current``."""
    values = {k: v for k, v in values.items() if k in FIELDS}
    errors: Errors = {}
    if current is None:
        values.setdefault("status", ActivityStatus.PLANNED)
        for name in ("kind", "subject"):
            values.setdefault(name, "")
    _clean_texts(values, errors)
    _clean_choices(values, errors)
    _clean_times(values, errors)
    _clean_links(actor, values, current)
    customfields.clean_into(actor, "activities.activity", values, errors, creating=current is None)
    state = _state(current)
    state.update(values)
    _check_whole(state, errors)
    if current is not None and "status" in values and "status" not in errors:
        _check_transition(current, values, errors)
    if errors:
        raise ValidationFailed(errors=errors)
    _stamp(values, current)
    return values


def _state(current: Activity | None) -> dict[str, Any]:
    if current is None:
        return {}
    state = {n: getattr(current, n) for n in ("kind", "due_at", "reminder_at", "link_type")}
    state.update({n: getattr(current, f"{n}_id") for n in LINKS})
    return state


def _check_transition(current: Activity, values: dict[str, Any], errors: Errors) -> None:
    old, new = current.status, values["status"]
    if old != new and (old, new) not in TRANSITIONS:
        errors["status"] = [_("This change of status is not allowed; reopen the activity first.")]


def _stamp(values: dict[str, Any], current: Activity | None) -> None:
    """Completion time follows the status; a moved reminder fires again."""
    status = values.get("status", current.status if current else ActivityStatus.PLANNED)
    was_done = current is not None and current.status == ActivityStatus.DONE
    if status != ActivityStatus.DONE:
        values["completed_at"] = None  # only a done activity has a completion time
        if not was_done and current is not None:
            values.pop("completed_at")
    elif was_done:
        values.pop("completed_at", None)  # a done activity keeps the time it was done
    else:
        values["completed_at"] = values.get("completed_at") or timezone.now()
    if "reminder_at" in values and (
        current is None or values["reminder_at"] != current.reminder_at
    ):
        values["reminded_at"] = None


def activity_create(*, actor: User, values: dict[str, Any]) -> Activity:
    permissions.require(actor, "activities.activity", "create")
    return record_create(actor=actor, model=Activity, values=clean_activity(actor, values))


def activity_update(*, actor: User, activity_id: Any, values: dict[str, Any]) -> Activity:
    current = permissions.get_for_action(actor, Activity.objects.all(), activity_id, "edit")
    cleaned = clean_activity(actor, values, current=current)
    return record_update(actor=actor, model=Activity, pk=current.pk, values=cleaned)


def _visible(actor: User, model: type[Model], pk: Any, field: str) -> Model:
    return not_found_on(
        field, lambda: permissions.get_visible(actor, model._default_manager.all(), pk)
    )


def _bulk_update(actor: User, activity_id: Any, values: dict[str, Any]) -> Activity:
    if "completed_at" in values:
        raise ValidationFailed(
            errors={"completed_at": [_("Only a new activity takes a completion time.")]}
        )
    return not_found_on(
        "id", lambda: activity_update(actor=actor, activity_id=activity_id, values=values)
    )


def activity_bulk(*, actor: User, mode: str, items: list[dict[str, Any]]) -> list[Activity]:
    """Create or change up to 500 activities, all or none; each item is checked as the single
    create or change checks it, and a 422 lists every failing item's errors by index."""
    return bulk_by_mode(
        actor=actor,
        key="activities.activity",
        mode=mode,
        items=items,
        create=lambda values: activity_create(actor=actor, values=values),
        update=lambda pk, values: _bulk_update(actor, pk, values),
    )


def activity_complete(
    *, actor: User, activity_id: Any, outcome: str = "", duration_minutes: int | None = None
) -> Activity:
    """Mark an activity done now, optionally saying how it went and how long it took."""
    current = permissions.get_for_action(actor, Activity.objects.all(), activity_id, "edit")
    if current.status != ActivityStatus.PLANNED:
        raise Conflict(_("Only a planned activity can be completed."), code="not_planned")
    values: dict[str, Any] = {"status": ActivityStatus.DONE}
    if outcome:
        values["outcome"] = outcome
    if duration_minutes is not None:
        values["duration_minutes"] = duration_minutes
    cleaned = clean_activity(actor, values, current=current)
    with transaction.atomic():
        locked = Activity.objects.select_for_update().get(pk=current.pk)
        if locked.status != ActivityStatus.PLANNED:
            raise Conflict(_("Only a planned activity can be completed."), code="not_planned")
        activity = record_update(actor=actor, model=Activity, pk=current.pk, values=cleaned)
    events.emit(events.Event("activities.activity.completed", actor.pk, {"id": activity.pk}))
    return activity


def activity_delete(*, actor: User, activity_id: Any) -> None:
    record_delete(actor=actor, model=Activity, pk=activity_id)


def reminders_due(now: datetime, batch: int = 200) -> list[Activity]:
    """Claim up to ``batch`` due reminders and notify their owners, in one transaction.

    Rows are locked with SKIP LOCKED where the database has it, and each is claimed by a
    conditional update, so two workers running this together never notify twice.
    """
    from clientela.platform.services.notifications import notification_create

    claimed = []
    with transaction.atomic():
        due = Activity.objects.filter(
            reminder_at__lte=now, reminded_at__isnull=True, status=ActivityStatus.PLANNED
        ).order_by("reminder_at", "id")
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True, of=("self",))
        for activity in list(due.select_related("owner")[:batch]):
            if not Activity.objects.filter(pk=activity.pk, reminded_at__isnull=True).update(
                reminded_at=now
            ):
                continue
            notification_create(
                user=activity.owner,
                title=_reminder_title(activity),
                body=activity.location or activity.body[:200],
                url=f"/activities/{activity.pk}/",
            )
            claimed.append(activity)
    return claimed


def _reminder_title(activity: Activity) -> str:
    with translation.override(activity.owner.language or None):
        when = (
            timezone.localtime(activity.due_at, _zone(activity.owner)) if activity.due_at else None
        )
        return _("Reminder: %(subject)s at %(when)s") % {
            "subject": activity.subject,
            "when": formats.date_format(when, "SHORT_DATETIME_FORMAT") if when else "—",
        }


def _zone(user: User) -> zoneinfo.ZoneInfo | None:
    try:
        return zoneinfo.ZoneInfo(user.time_zone) if user.time_zone else None
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


FEED_PREFIX = "cal_"


def _feed_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


def calendar_feed_regenerate(*, actor: User) -> str:
    """A new secret feed URL token for the actor; the old one stops working at once.

    Returns the only copy of the secret: like API tokens, only a prefix and a digest are kept.
    """
    prefix = secrets.token_hex(6)
    secret = f"{FEED_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    with transaction.atomic():
        old = CalendarFeed.objects.select_for_update().filter(user=actor).first()
        if old is not None:
            old.delete()
        feed = CalendarFeed.objects.create(user=actor, prefix=prefix, digest=_feed_digest(secret))
        audit.record(
            actor=actor,
            action="update" if old else "create",
            obj=feed,
            changes={"prefix": [old.prefix if old else None, prefix]},
        )
    return secret


def calendar_feed_revoke(*, actor: User) -> bool:
    with transaction.atomic():
        feed = CalendarFeed.objects.select_for_update().filter(user=actor).first()
        if feed is None:
            return False
        feed_pk = feed.pk
        feed.delete()
        feed.pk = feed_pk
        audit.record(
            actor=actor, action="delete", obj=feed, changes={"prefix": [feed.prefix, None]}
        )
    return True


def calendar_feed_user(secret: str) -> User | None:
    """The active user a feed secret belongs to, or None; compares digests in constant time."""
    if not secret.startswith(FEED_PREFIX) or secret.count("_") < 2 or not secret.isascii():
        return None
    prefix = secret[len(FEED_PREFIX) :].split("_", 1)[0]
    if len(prefix) != 12 or any(c not in "0123456789abcdef" for c in prefix):
        return None
    feed = CalendarFeed.objects.select_related("user").filter(prefix=prefix).first()
    if feed is None or not hmac.compare_digest(feed.digest, _feed_digest(secret)):
        return None
    return feed.user if feed.user.is_active else None
