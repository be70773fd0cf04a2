"""The service desk's set-up: queues, business calendars, SLA policies, mailboxes, categories.

Each is a settings record (``service.queue``, ``service.calendar``…, area "platform"): the
built-in roles give them to administrators and let managers read them. Every write is cleaned
here, audited, and refused whole with field errors on bad input.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models, transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from clientela.platform import audit, permissions
from clientela.platform.errors import Conflict, NotFound, ValidationFailed
from clientela.platform.models import Tag, Team, User
from clientela.service import hours, imap
from clientela.service.models import (
    Assignment,
    BusinessCalendar,
    MailAccount,
    Priority,
    Queue,
    SlaPolicy,
    TicketCategory,
)

Errors = dict[str, list[str]]
TARGET_NAMES = ("first_response", "resolution")
MAX_TARGET_MINUTES = 366 * 24 * 60


def _require(actor: User, key: str, action: str) -> None:
    permissions.require(actor, key, action)


def _text(values: dict[str, Any], name: str, errors: Errors, *, size: int, required: bool) -> str:
    text = " ".join(str(values.get(name) or "").split())
    if required and not text:
        errors[name] = [_("This field is required.")]
    elif len(text) > size:
        errors[name] = [_("Use at most %(n)d characters.") % {"n": size}]
    return text


def _ref(model: type[models.Model], value: Any, name: str, errors: Errors) -> Any:
    if value in (None, ""):
        return None
    try:
        found = model._default_manager.filter(pk=int(value)).first()
    except (TypeError, ValueError):
        found = None
    if found is None:
        errors[name] = [_("Choose one of the listed values.")]
    return found


def _get(model: type[models.Model], pk: Any) -> Any:
    try:
        found = model._default_manager.filter(pk=int(pk)).first()
    except (TypeError, ValueError):
        found = None
    if found is None:
        raise NotFound()
    return found


SECRET = "********"  # noqa: S105  (the mask shown instead of a password)


def _snapshot(record: models.Model) -> dict[str, Any]:
    """The audited values, a mailbox's password masked: the audit log is read by the API."""
    values = audit.snapshot(record)
    if values.get("password"):
        values["password"] = SECRET
    return values


def _write(actor: User, record: models.Model, values: dict[str, Any]) -> Any:
    """Save ``values`` onto ``record`` (new or existing) with one audit entry."""
    creating = record.pk is None
    before = {} if creating else _snapshot(record)
    new_secret = not creating and values.get("password", getattr(record, "password", None)) != (
        getattr(record, "password", None)
    )
    for name, value in values.items():
        setattr(record, name, value)
    with transaction.atomic():
        record.save()
        changes = audit.diff(before, _snapshot(record))
        if new_secret:
            changes["password"] = [SECRET, _("(changed)")]
        if changes:
            action = "create" if creating else "update"
            audit.record(actor=actor, action=action, obj=record, changes=changes)
    return record


def _delete(actor: User, key: str, model: type[models.Model], pk: Any) -> None:
    _require(actor, key, "delete")
    record = _get(model, pk)
    before, record_pk = _snapshot(record), record.pk
    try:
        with transaction.atomic():
            record.delete()
            record.pk = record_pk
            audit.record(actor=actor, action="delete", obj=record, changes=audit.diff(before, {}))
    except ProtectedError:
        raise Conflict(_("It is in use; deactivate it instead.")) from None


def _unique(model: type[models.Model], name: str, current: Any, errors: Errors) -> None:
    taken = model._default_manager.filter(name=name)
    if current is not None:
        taken = taken.exclude(pk=current.pk)
    if name and taken.exists():
        errors["name"] = [_("This name is taken.")]


# --- queues ----------------------------------------------------------------------------------


def _clean_queue(values: dict[str, Any], current: Queue | None) -> dict[str, Any]:
    errors: Errors = {}
    cleaned: dict[str, Any] = {"name": _text(values, "name", errors, size=100, required=True)}
    _unique(Queue, cleaned["name"], current, errors)
    email = str(values.get("email") or "").strip().lower()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = [_("Enter a valid e-mail address.")]
    cleaned["email"] = email
    cleaned["team"] = _ref(Team, values.get("team"), "team", errors)
    cleaned["lead"] = _ref(User, values.get("lead"), "lead", errors)
    if cleaned["lead"] is None and "lead" not in errors:
        errors["lead"] = [_("Choose who owns the queue's unassigned tickets.")]
    assignment = values.get("assignment") or Assignment.MANUAL
    if assignment not in Assignment.values:
        errors["assignment"] = [_("Choose one of the listed values.")]
    cleaned["assignment"] = assignment
    cleaned["calendar"] = _ref(BusinessCalendar, values.get("calendar"), "calendar", errors)
    cleaned["acknowledge"] = bool(values.get("acknowledge", True))
    cleaned["active"] = bool(values.get("active", True))
    cleaned["position"] = _position(values, errors)
    if errors:
        raise ValidationFailed(errors=errors)
    return cleaned


def _position(values: dict[str, Any], errors: Errors) -> int:
    try:
        position = int(values.get("position") or 0)
    except (TypeError, ValueError):
        position = -1
    if not 0 <= position <= 10_000:
        errors["position"] = [_("Enter a whole number from 0 to 10,000.")]
    return max(position, 0)


def queue_save(*, actor: User, values: dict[str, Any], queue_id: Any = None) -> Queue:
    _require(actor, "service.queue", "edit" if queue_id else "create")
    current = _get(Queue, queue_id) if queue_id else None
    return _write(actor, current or Queue(), _clean_queue(values, current))  # type: ignore[no-any-return]


def queue_delete(*, actor: User, queue_id: Any) -> None:
    _delete(actor, "service.queue", Queue, queue_id)


# --- business calendars --------------------------------------------------------------------


def _days(raw: Any, name: str, errors: Errors) -> list[str]:
    if raw in (None, ""):
        return []
    items = raw.split() if isinstance(raw, str) else raw
    if not isinstance(items, list):
        errors[name] = [_("Give a list of dates (YYYY-MM-DD).")]
        return []
    days = []
    for item in items:
        try:
            days.append(dt.date.fromisoformat(str(item).strip()).isoformat())
        except ValueError:
            errors[name] = [_("“%(value)s” is not a date (YYYY-MM-DD).") % {"value": item}]
            return []
    return sorted(set(days))


def _clean_calendar(values: dict[str, Any], current: Any) -> dict[str, Any]:
    errors: Errors = {}
    cleaned: dict[str, Any] = {"name": _text(values, "name", errors, size=100, required=True)}
    _unique(BusinessCalendar, cleaned["name"], current, errors)
    zone = str(values.get("timezone") or "").strip()
    try:
        hours.always_open(zone)  # a schedule checks its zone's name
    except ValueError:
        errors["timezone"] = [_("Choose a time zone such as America/Sao_Paulo.")]
    cleaned["timezone"] = zone
    try:
        windows = hours.parse_windows(values.get("hours") or {})
        cleaned["hours"] = hours.windows_as_spec(windows)
        if not any(windows):
            errors["hours"] = [_("Open at least one day: SLA clocks count only open hours.")]
    except (ValueError, TypeError, AttributeError) as exc:
        errors["hours"] = [_("The opening hours are not valid: %(error)s") % {"error": exc}]
    country = str(values.get("country") or "").strip().upper()
    subdivision = str(values.get("subdivision") or "").strip().upper()
    if country or subdivision:
        try:
            hours.validate_country(country, subdivision)
        except ValueError:
            errors["country"] = [_("Unknown country or state for public holidays.")]
    cleaned.update(country=country, subdivision=subdivision)
    cleaned["closed_days"] = _days(values.get("closed_days"), "closed_days", errors)
    cleaned["open_days"] = _days(values.get("open_days"), "open_days", errors)
    if errors:
        raise ValidationFailed(errors=errors)
    return cleaned


def calendar_save(
    *, actor: User, values: dict[str, Any], calendar_id: Any = None
) -> BusinessCalendar:
    _require(actor, "service.calendar", "edit" if calendar_id else "create")
    current = _get(BusinessCalendar, calendar_id) if calendar_id else None
    cleaned = _clean_calendar(values, current)
    return _write(actor, current or BusinessCalendar(), cleaned)  # type: ignore[no-any-return]


def calendar_delete(*, actor: User, calendar_id: Any) -> None:
    _delete(actor, "service.calendar", BusinessCalendar, calendar_id)


# --- SLA policies ----------------------------------------------------------------------------


def _whole(value: Any) -> int | None:
    """A whole number given as such or as plain digits (not "²", not 5,000 digits)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    text = str(value).strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 9:
        return None
    return int(text)


def _targets(raw: Any, errors: Errors) -> dict[str, dict[str, int]]:
    """``{"urgent": {"first_response": 60, "resolution": 480}, …}`` in business minutes."""
    if not isinstance(raw, dict):
        errors["targets"] = [_("Give the targets per priority.")]
        return {}
    cleaned: dict[str, dict[str, int]] = {}
    for priority, row in raw.items():
        if priority not in Priority.values or not isinstance(row, dict):
            errors["targets"] = [_("Unknown priority “%(p)s”.") % {"p": priority}]
            continue
        for name, minutes in row.items():
            if minutes in (None, ""):
                continue
            number = _whole(minutes)
            if name not in TARGET_NAMES or number is None or not 1 <= number <= MAX_TARGET_MINUTES:
                errors[f"targets.{priority}.{name}"] = [
                    _("Enter minutes from 1 to %(n)d.") % {"n": MAX_TARGET_MINUTES}
                ]
                continue
            cleaned.setdefault(priority, {})[name] = number
    return cleaned


def _clean_policy(values: dict[str, Any], current: Any) -> dict[str, Any]:
    errors: Errors = {}
    cleaned: dict[str, Any] = {"name": _text(values, "name", errors, size=100, required=True)}
    _unique(SlaPolicy, cleaned["name"], current, errors)
    cleaned["targets"] = _targets(values.get("targets") or {}, errors)
    cleaned["calendar"] = _ref(BusinessCalendar, values.get("calendar"), "calendar", errors)
    cleaned["queue"] = _ref(Queue, values.get("queue"), "queue", errors)
    cleaned["tier"] = _ref(Tag, values.get("tier"), "tier", errors)
    try:
        warn = int(values.get("warn_percent", 80))
    except (TypeError, ValueError):
        warn = -1
    if not 0 <= warn <= 100:
        errors["warn_percent"] = [_("Enter a percentage from 0 to 100.")]
    cleaned["warn_percent"] = max(warn, 0)
    cleaned["position"] = _position(values, errors)
    cleaned["active"] = bool(values.get("active", True))
    if errors:
        raise ValidationFailed(errors=errors)
    return cleaned


def sla_policy_save(*, actor: User, values: dict[str, Any], policy_id: Any = None) -> SlaPolicy:
    """Applies to tickets opened from now on; running clocks keep the targets they started with."""
    _require(actor, "service.sla", "edit" if policy_id else "create")
    current = _get(SlaPolicy, policy_id) if policy_id else None
    return _write(actor, current or SlaPolicy(), _clean_policy(values, current))  # type: ignore[no-any-return]


def sla_policy_delete(*, actor: User, policy_id: Any) -> None:
    _delete(actor, "service.sla", SlaPolicy, policy_id)


# --- mailboxes and categories ----------------------------------------------------------------


def _clean_mailbox(values: dict[str, Any], current: MailAccount | None) -> dict[str, Any]:
    errors: Errors = {}
    cleaned: dict[str, Any] = {"name": _text(values, "name", errors, size=100, required=True)}
    _unique(MailAccount, cleaned["name"], current, errors)
    cleaned["queue"] = _ref(Queue, values.get("queue"), "queue", errors)
    if cleaned["queue"] is None and "queue" not in errors:
        errors["queue"] = [_("Choose the queue its mail goes to.")]
    cleaned["host"] = _text(values, "host", errors, size=255, required=True)
    cleaned["username"] = _text(values, "username", errors, size=255, required=True)
    try:
        cleaned["port"] = int(values.get("port") or 993)
    except (TypeError, ValueError):
        cleaned["port"] = 0
    if not 1 <= cleaned["port"] <= 65535:
        errors["port"] = [_("Enter a port from 1 to 65535.")]
    password = str(values.get("password") or "")
    if password or current is None:
        cleaned["password"] = password  # left empty on an edit: kept
    if not password and current is None:
        errors["password"] = [_("This field is required.")]
    cleaned["folder"] = _text(values, "folder", errors, size=255, required=False) or "INBOX"
    cleaned["processed_folder"] = _text(
        values, "processed_folder", errors, size=255, required=False
    )
    for flag, default in (("use_ssl", True), ("starttls", False), ("active", True)):
        cleaned[flag] = bool(values.get(flag, default))
    if errors:
        raise ValidationFailed(errors=errors)
    return cleaned


def mailbox_save(*, actor: User, values: dict[str, Any], mailbox_id: Any = None) -> MailAccount:
    _require(actor, "service.mailbox", "edit" if mailbox_id else "create")
    current = _get(MailAccount, mailbox_id) if mailbox_id else None
    cleaned = _clean_mailbox(values, current)
    if current is not None and (cleaned["host"], cleaned["username"], cleaned["folder"]) != (
        current.host,
        current.username,
        current.folder,
    ):
        cleaned.update(uidvalidity=0, last_uid=0)  # another mailbox: read it from the start
    return _write(actor, current or MailAccount(), cleaned)  # type: ignore[no-any-return]


def mailbox_delete(*, actor: User, mailbox_id: Any) -> None:
    _delete(actor, "service.mailbox", MailAccount, mailbox_id)


def mailbox_check(*, actor: User, mailbox_id: Any) -> str:
    """Log in to the mailbox now: "" when it works, else the server's complaint."""
    _require(actor, "service.mailbox", "view")
    from clientela.service.mailboxes import settings_of

    return imap.check(settings_of(_get(MailAccount, mailbox_id)))


def category_save(
    *, actor: User, values: dict[str, Any], category_id: Any = None
) -> TicketCategory:
    _require(actor, "service.category", "edit" if category_id else "create")
    current = _get(TicketCategory, category_id) if category_id else None
    from clientela.service.dispatch_staff import clean_skills, set_skills

    errors: Errors = {}
    name = _text(values, "name", errors, size=100, required=True)
    _unique(TicketCategory, name, current, errors)
    # the skills its tickets need (queues that assign by skill); not sent: kept
    skills = clean_skills(values["skills"], errors) if "skills" in values else None
    if errors:
        raise ValidationFailed(errors=errors)
    cleaned = {"name": name, "active": bool(values.get("active", True))}
    with transaction.atomic():
        category: TicketCategory = _write(actor, current or TicketCategory(), cleaned)
        if skills is not None:
            set_skills(actor, category, skills)
    return category


def category_delete(*, actor: User, category_id: Any) -> None:
    _delete(actor, "service.category", TicketCategory, category_id)
