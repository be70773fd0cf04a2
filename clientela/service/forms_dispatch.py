"""HTML forms of field service; the services in ``dispatch`` and ``dispatch_staff`` do the real
validation, and their errors come back on the fields."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clientela.service.forms_settings import SettingsForm, _check, _reference
from clientela.service.models import BusinessCalendar, Skill

DATETIME = forms.DateTimeInput(
    attrs={"type": "datetime-local", "step": "900"}, format="%Y-%m-%dT%H:%M"
)
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _skill_choices() -> list[tuple[int, str]]:
    return list(Skill.objects.order_by("name").values_list("pk", "name"))


def _skills_field(label: Any, help_text: Any = "") -> forms.TypedMultipleChoiceField:
    return forms.TypedMultipleChoiceField(
        label=label,
        required=False,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        help_text=help_text,
    )


class SkillForm(SettingsForm):
    """A skill's name: the list's "add" form, or one row's rename form."""

    name = forms.CharField(label=_("Name"), max_length=100)

    def __init__(self, *args: Any, form_id: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if form_id:
            self.fields["name"].widget.attrs["form"] = form_id


class TechnicianForm(SettingsForm):
    defaults = {"field": True, "active": True}
    references = ("user", "calendar")

    user = _reference(_("User"), help_text=_("Their calendar gets the visits."))
    skills = _skills_field(_("Skills"))
    region = forms.CharField(
        label=_("Home region"),
        required=False,
        max_length=60,
        help_text=_("Visits to an asset in another region go to someone else; empty: none."),
    )
    calendar = _reference(
        _("Working hours"),
        _("Weekdays 08:00-17:00"),
        _("A business calendar: its hours, time zone and holidays."),
    )
    field = _check(_("Goes on site"), _("Shown on the dispatch board and given visits."))
    active = _check(_("Active"), _("Inactive technicians get no new visits or tickets."))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        skills: Any = self.fields["skills"]
        skills.choices = _skill_choices()

    @classmethod
    def initial_for(cls, record: Any) -> dict[str, Any]:
        initial = super().initial_for(record)
        if record is not None:
            initial["skills"] = [skill.pk for skill in record.skills.all()]
        return initial


def calendar_choices() -> list[tuple[int, str]]:
    return list(BusinessCalendar.objects.order_by("name").values_list("pk", "name"))


class AppointmentForm(forms.Form):
    """Plan a visit: its length, the window it must fall in, what it needs and where."""

    duration_minutes = forms.IntegerField(
        label=_("Length (minutes)"), min_value=15, max_value=720, initial=60
    )
    earliest = forms.DateTimeField(label=_("Not before"), widget=DATETIME)
    latest = forms.DateTimeField(label=_("Not after"), widget=DATETIME)
    skills = _skills_field(_("Skills needed"), _("The ticket category's, unless you change them."))
    region = forms.CharField(
        label=_("Region"),
        required=False,
        max_length=60,
        help_text=_("Where the visit is (the asset's region); empty: any technician."),
    )
    notes = forms.CharField(
        label=_("Notes for the technician"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "id_visit_%s")  # beside the ticket page's other forms
        super().__init__(*args, **kwargs)
        skills: Any = self.fields["skills"]
        skills.choices = _skill_choices()

    @staticmethod
    def initial_for(ticket: Any) -> dict[str, Any]:
        """Tomorrow 08:00 to a week later, the category's skills, the asset's region."""
        start = timezone.localtime().replace(hour=8, minute=0, second=0, microsecond=0)
        start += dt.timedelta(days=1)
        skills = [s.pk for s in ticket.category.skills.all()] if ticket.category else []
        return {
            "duration_minutes": 60,
            "earliest": start,
            "latest": start + dt.timedelta(days=7, hours=9),
            "skills": skills,
            "region": ticket.asset.region if ticket.asset else "",
        }


class RescheduleForm(forms.Form):
    """The board's keyboard and no-script way: who and when."""

    technician = forms.TypedChoiceField(label=_("Technician"), coerce=int)
    starts_at = forms.DateTimeField(label=_("Starts"), widget=DATETIME)

    def __init__(self, *args: Any, technicians: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["technician"]
        field.choices = technicians


class ScheduleAllForm(forms.Form):
    first = forms.DateField(label=_("From"), widget=DATE)
    last = forms.DateField(label=_("To"), widget=DATE)
