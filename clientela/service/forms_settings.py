"""HTML forms for Settings → Service desk; the services in ``configuration`` do the real
validation, and their errors come back on the fields.

Two forms carry a grid the service takes as one value. A calendar's opening hours are seven
text boxes, one per weekday ("09:00-12:00, 13:00-18:00", empty: closed), each checked here with
the service's own parser so a mistake is shown on its day. An SLA policy's targets are hours
and minutes per priority and target; the service's ``targets.<priority>.<target>`` errors come
back on their cell.
"""

from __future__ import annotations

import re
import zoneinfo
from functools import lru_cache
from typing import Any

from django import forms
from django.db.models import Model
from django.utils.translation import gettext_lazy as _

from clientela.platform.forms import apply_errors
from clientela.service import hours
from clientela.service.configuration import MAX_TARGET_MINUTES, TARGET_NAMES
from clientela.service.models import Assignment, Priority, Skill

BLANK = [("", "—")]
Choices = list[tuple[Any, Any]]
Errors = dict[str, list[str]]
PRIORITIES = ("urgent", "high", "normal", "low")  # the grid's rows, most pressing first
TARGET_LABELS = {"first_response": _("First response"), "resolution": _("Resolution")}
MAX_TARGET_HOURS = MAX_TARGET_MINUTES // 60
_RANGE = re.compile(r"^(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$")


def _reference(label: Any, empty: Any = "—", help_text: Any = "") -> forms.TypedChoiceField:
    field = forms.TypedChoiceField(
        label=label, required=False, coerce=int, empty_value=None, help_text=help_text
    )
    field.empty_label = empty  # type: ignore[attr-defined]
    return field


def _check(label: Any, help_text: Any = "") -> forms.BooleanField:
    return forms.BooleanField(label=label, required=False, help_text=help_text)


class SettingsForm(forms.Form):
    """What every form of these pages does: fill itself from a record, give the service its
    values, and show the service's errors."""

    defaults: dict[str, Any] = {}
    references: tuple[str, ...] = ()  # fields that choose a record: their choices are given

    def __init__(
        self,
        *args: Any,
        choices: dict[str, Choices] | None = None,
        editing: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.editing = editing
        for name in self.references:
            field: Any = self.fields[name]
            field.choices = [("", field.empty_label), *(choices or {}).get(name, [])]

    @classmethod
    def initial_for(cls, record: Model | None) -> dict[str, Any]:
        if record is None:
            return dict(cls.defaults)
        initial = {}
        names = {f.name: f for f in record._meta.concrete_fields}
        for name in cls.base_fields:
            if name in names:
                initial[name] = getattr(record, names[name].attname)  # a key: its id
        return initial

    def values(self) -> dict[str, Any]:
        return dict(self.cleaned_data)

    def show_errors(self, errors: Errors, message: object) -> None:
        apply_errors(self, errors, message)


# --- queues ----------------------------------------------------------------------------------


class QueueForm(SettingsForm):
    defaults = {"assignment": Assignment.MANUAL, "acknowledge": True, "active": True}
    references = ("team", "lead", "calendar")

    name = forms.CharField(label=_("Name"), max_length=100)
    email = forms.CharField(
        label=_("Support e-mail"),
        required=False,
        max_length=254,
        widget=forms.EmailInput(),
        help_text=_("The address customers write to; replies go out from it."),
    )
    team = _reference(_("Team"), help_text=_("Who works the queue's tickets."))
    lead = _reference(_("Queue lead"), help_text=_("Owns the tickets nobody is assigned to yet."))
    assignment = forms.ChoiceField(
        label=_("Assignment"),
        choices=Assignment.choices,
        help_text=_(
            "Manual: agents take tickets. Round robin: new tickets go to the team's agents in "
            "turn. Least loaded: to the agent with the fewest active tickets. By skill: to the "
            "least loaded of those with every skill the ticket's category needs."
        ),
    )
    calendar = _reference(
        _("Business calendar"),
        _("Always open"),
        _("When the SLA clock runs for its tickets."),
    )
    acknowledge = _check(
        _("Acknowledge new e-mail tickets"),
        _("Answer a new ticket from e-mail with its number."),
    )
    active = _check(_("Active"), _("Inactive queues take no new tickets."))
    position = forms.IntegerField(
        label=_("Position"), required=False, help_text=_("Lower numbers are listed first.")
    )


# --- business calendars ----------------------------------------------------------------------


class DayHoursField(forms.CharField):
    """One weekday's opening hours: "09:00-12:00, 13:00-18:00" in, the service's list out."""

    def __init__(self, day: str, **kwargs: Any) -> None:
        super().__init__(required=False, max_length=200, **kwargs)
        self.day = day

    def prepare_value(self, value: Any) -> Any:
        return ", ".join(value) if isinstance(value, list | tuple) else value

    def clean(self, value: Any) -> list[str]:
        text = super().clean(self.prepare_value(value))
        ranges = [self._range(part) for part in re.split(r"[,;\n]", text) if part.strip()]
        try:
            hours.parse_windows({self.day: ranges})
        except ValueError:
            raise forms.ValidationError(
                _("Use ranges such as 09:00-12:00, 13:00-18:00, in order and not overlapping."),
                code="invalid",
            ) from None
        return ranges

    @staticmethod
    def _range(part: str) -> str:
        """ "9:00 - 12:00" as the service writes it, "09:00-12:00"; anything else as typed."""
        match = _RANGE.match(part.strip())
        if match is None:
            return part.strip()
        start_h, start_m, end_h, end_m = match.groups()
        return f"{int(start_h):02d}:{start_m}-{int(end_h):02d}:{end_m}"


class DaysField(forms.CharField):
    """Dates one a line (YYYY-MM-DD), which the service checks."""

    def __init__(self, **kwargs: Any) -> None:
        widget = forms.Textarea(attrs={"rows": 3, "placeholder": "2030-12-24"})
        super().__init__(required=False, max_length=20_000, widget=widget, **kwargs)

    def prepare_value(self, value: Any) -> Any:
        return "\n".join(value) if isinstance(value, list | tuple) else value

    def clean(self, value: Any) -> list[str]:
        text = super().clean(self.prepare_value(value))
        return [line.strip() for line in text.splitlines() if line.strip()]


@lru_cache(maxsize=1)
def time_zones() -> tuple[tuple[str, str], ...]:
    """Zones by region (America/Sao_Paulo), and UTC."""
    zones = {z for z in zoneinfo.available_timezones() if "/" in z} | {"UTC"}
    skipped = ("Etc/", "SystemV/", "posix/", "right/")
    return tuple((z, z.replace("_", " ")) for z in sorted(zones) if not z.startswith(skipped))


WEEKDAY_NAMES = (
    _("Monday"),
    _("Tuesday"),
    _("Wednesday"),
    _("Thursday"),
    _("Friday"),
    _("Saturday"),
    _("Sunday"),
)


class CalendarForm(SettingsForm):
    defaults = {
        "timezone": "America/Sao_Paulo",
        **{f"hours_{d}": ["09:00-18:00"] for d in hours.DAY_KEYS[:5]},
    }

    name = forms.CharField(label=_("Name"), max_length=100)
    timezone = forms.ChoiceField(label=_("Time zone"), choices=time_zones)
    country = forms.CharField(
        label=_("Public holidays of country"),
        required=False,
        max_length=3,
        help_text=_("An ISO code such as BR or US; empty: no public holidays."),
    )
    subdivision = forms.CharField(
        label=_("State or region"),
        required=False,
        max_length=10,
        help_text=_("Adds its own holidays, e.g. SP or RJ."),
    )
    closed_days = DaysField(
        label=_("Other closed days"),
        help_text=_("One date a line (YYYY-MM-DD): company holidays, bridge days."),
    )
    open_days = DaysField(
        label=_("Holidays worked"),
        help_text=_("One date a line (YYYY-MM-DD): public holidays the team works."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for key, label in zip(hours.DAY_KEYS, WEEKDAY_NAMES, strict=True):
            self.fields[f"hours_{key}"] = DayHoursField(key, label=label)

    @classmethod
    def initial_for(cls, record: Any) -> dict[str, Any]:
        initial = super().initial_for(record)
        if record is not None:
            for key in hours.DAY_KEYS:
                initial[f"hours_{key}"] = list((record.hours or {}).get(key, []))
        return initial

    def days(self) -> list[forms.BoundField]:
        """The weekday grid's boxes, Monday first."""
        return [self[f"hours_{key}"] for key in hours.DAY_KEYS]

    def values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["hours"] = {key: data.pop(f"hours_{key}") for key in hours.DAY_KEYS}
        data["hours"] = {key: ranges for key, ranges in data["hours"].items() if ranges}
        return data


# --- SLA policies ----------------------------------------------------------------------------


def _cell(priority: str, target: str) -> str:
    return f"{priority}_{target}"


class SlaPolicyForm(SettingsForm):
    defaults = {"warn_percent": 80, "active": True}
    references = ("calendar", "queue", "tier")

    name = forms.CharField(label=_("Name"), max_length=100)
    position = forms.IntegerField(
        label=_("Position"),
        required=False,
        help_text=_("Policies are tried in this order; the first that matches a ticket wins."),
    )
    calendar = _reference(
        _("Business calendar"), _("The queue's"), _("Whose hours the targets count.")
    )
    queue = _reference(_("Queue"), _("Any queue"))
    tier = _reference(
        _("Customer tier"),
        _("Any customer"),
        _("An account tag, such as Gold: only tickets of accounts that carry it."),
    )
    warn_percent = forms.IntegerField(
        label=_("Warn at (%)"),
        required=False,
        help_text=_("Flag a ticket as due soon once this share of a target has passed."),
    )
    active = _check(_("Active"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for priority in PRIORITIES:
            label = Priority(priority).label
            for target in TARGET_NAMES:
                where = f"{label}, {TARGET_LABELS[target]}"
                self.fields[f"{_cell(priority, target)}_hours"] = self._number(
                    MAX_TARGET_HOURS, f"{where}: " + str(_("hours"))
                )
                self.fields[f"{_cell(priority, target)}_minutes"] = self._number(
                    MAX_TARGET_MINUTES, f"{where}: " + str(_("minutes"))
                )

    @staticmethod
    def _number(most: int, label: str) -> forms.IntegerField:
        widget = forms.NumberInput(attrs={"min": "0", "max": str(most), "aria-label": label})
        return forms.IntegerField(
            label=label, required=False, min_value=0, max_value=most, widget=widget
        )

    @classmethod
    def initial_for(cls, record: Any) -> dict[str, Any]:
        initial = super().initial_for(record)
        for priority, row in ((record.targets or {}) if record else {}).items():
            for target, minutes in row.items():
                initial[f"{_cell(priority, target)}_hours"] = minutes // 60
                initial[f"{_cell(priority, target)}_minutes"] = minutes % 60
        return initial

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for priority in PRIORITIES:
            for target in TARGET_NAMES:
                minutes = self._minutes(data, _cell(priority, target))
                if minutes is not None and not 1 <= minutes <= MAX_TARGET_MINUTES:
                    message = _("Enter from 1 minute to %(n)s hours.") % {"n": MAX_TARGET_HOURS}
                    self.add_error(f"{_cell(priority, target)}_hours", message)
        return data

    @staticmethod
    def _minutes(data: dict[str, Any], cell: str) -> int | None:
        """A cell's target in minutes; None when both boxes are empty (no target)."""
        hours_, minutes = data.get(f"{cell}_hours"), data.get(f"{cell}_minutes")
        if hours_ is None and minutes is None:
            return None
        return (hours_ or 0) * 60 + (minutes or 0)

    def values(self) -> dict[str, Any]:
        data = {k: v for k, v in self.cleaned_data.items() if k in self.base_fields}
        targets: dict[str, dict[str, int]] = {}
        for priority in PRIORITIES:
            for target in TARGET_NAMES:
                minutes = self._minutes(self.cleaned_data, _cell(priority, target))
                if minutes is not None:
                    targets.setdefault(priority, {})[target] = minutes
        data["targets"] = targets
        return data

    def grid(self) -> list[dict[str, Any]]:
        """The targets grid's rows: a priority, then per target its hours and minutes boxes
        with the errors of the cell."""
        rows = []
        for priority in PRIORITIES:
            cells = []
            for target in TARGET_NAMES:
                hours_ = self[f"{_cell(priority, target)}_hours"]
                minutes = self[f"{_cell(priority, target)}_minutes"]
                errors = [*hours_.errors, *minutes.errors]
                cell = {"target": target, "hours": hours_, "minutes": minutes, "errors": errors}
                cells.append(cell)
            rows.append({"priority": priority, "label": Priority(priority).label, "cells": cells})
        return rows

    def show_errors(self, errors: Errors, message: object) -> None:
        rest: Errors = {}
        for key, messages in errors.items():
            parts = key.split(".")
            if len(parts) == 3 and parts[0] == "targets" and parts[1] in PRIORITIES:
                name = f"{_cell(parts[1], parts[2])}_hours"
                if name in self.fields:
                    for text in messages:
                        self.add_error(name, text)
                    continue
            rest[key] = messages
        if rest or not errors:
            apply_errors(self, rest, message)


# --- mailboxes and categories ----------------------------------------------------------------


class MailboxForm(SettingsForm):
    defaults = {"port": 993, "use_ssl": True, "folder": "INBOX", "active": True}
    references = ("queue",)

    name = forms.CharField(label=_("Name"), max_length=100)
    queue = _reference(_("Queue"), help_text=_("Where its mail becomes tickets."))
    host = forms.CharField(label=_("IMAP server"), max_length=255)
    port = forms.IntegerField(label=_("Port"), required=False, help_text=_("Usually 993."))
    use_ssl = _check(_("SSL/TLS"), _("Connect encrypted (port 993)."))
    starttls = _check(_("STARTTLS"), _("Connect in plain text, then encrypt (port 143)."))
    username = forms.CharField(label=_("User name"), max_length=255)
    password = forms.CharField(
        label=_("Password"),
        required=False,
        max_length=255,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )
    folder = forms.CharField(label=_("Folder"), required=False, max_length=255)
    processed_folder = forms.CharField(
        label=_("Move processed mail to"),
        required=False,
        max_length=255,
        help_text=_("A folder, such as Processed; empty: processed mail stays and is marked read."),
    )
    active = _check(_("Active"), _("Only active mailboxes are checked for new mail."))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.editing:
            self.fields["password"].help_text = _("Leave empty to keep the current password.")

    @classmethod
    def initial_for(cls, record: Any) -> dict[str, Any]:
        initial = super().initial_for(record)
        initial.pop("password", None)  # never shown back
        return initial

    def values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        if not data.get("password"):
            data.pop("password", None)  # empty on an edit keeps it; on a new one, required
        return data


class CategoryForm(SettingsForm):
    """One row of the categories list: a form of its own, its inputs anywhere in the row."""

    defaults = {"active": True}

    name = forms.CharField(label=_("Name"), max_length=100)
    active = _check(_("Active"))
    skills = forms.TypedMultipleChoiceField(
        label=_("Skills needed"),
        required=False,
        coerce=int,
        help_text=_("Who may take its tickets when a queue assigns by skill."),
    )

    def __init__(
        self, *args: Any, form_id: str = "", row: int | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.row = row  # the category a row's form changes
        skills: Any = self.fields["skills"]
        skills.choices = list(Skill.objects.order_by("name").values_list("pk", "name"))
        if form_id:
            for field in self.fields.values():
                field.widget.attrs["form"] = form_id

    @classmethod
    def initial_for(cls, record: Any) -> dict[str, Any]:
        initial = super().initial_for(record)
        if record is not None:
            initial["skills"] = [skill.pk for skill in record.skills.all()]
        return initial
