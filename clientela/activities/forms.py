"""HTML forms for activities; the services do the real validation."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from clientela.activities.models import ActivityKind, ActivityStatus, Direction

LOCAL = "%Y-%m-%dT%H:%M"
QUICK_KINDS = [
    (k, label)
    for k, label in ActivityKind.choices
    if k in {"call", "email", "sms", "note", "meeting"}
]


def _when(label: Any, help_text: Any = "") -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=False,
        help_text=help_text,
        input_formats=[LOCAL, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        widget=forms.DateTimeInput(format=LOCAL, attrs={"type": "datetime-local"}),
    )


def _link(label: Any) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(label=label, required=False, coerce=int, empty_value=None)


class ActivityForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ActivityKind.choices)
    subject = forms.CharField(label=_("Subject"), max_length=200)
    status = forms.ChoiceField(label=_("Status"), choices=ActivityStatus.choices)
    due_at = _when(_("Due"), _("Required for meetings and tasks."))
    duration_minutes = forms.IntegerField(label=_("Duration (minutes)"), required=False)
    reminder_at = _when(_("Reminder"), _("You get a notification at this time."))
    location = forms.CharField(label=_("Location"), max_length=200, required=False)
    direction = forms.ChoiceField(
        label=_("Direction"), choices=[("", "—"), *Direction.choices], required=False
    )
    account = _link(_("Account"))
    contact = _link(_("Contact"))
    lead = _link(_("Lead"))
    outcome = forms.CharField(label=_("Outcome"), max_length=200, required=False)
    body = forms.CharField(
        label=_("Details"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(
        self, *args: Any, link_choices: dict[str, list[tuple[int, str]]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        for name, choices in link_choices.items():
            self.fields[name].choices = [("", "—"), *choices]  # type: ignore[attr-defined]


class QuickLogForm(forms.Form):
    """Log what just happened from a customer page: a call by default, done now."""

    kind = forms.ChoiceField(label=_("Kind"), choices=QUICK_KINDS, initial="call")
    direction = forms.ChoiceField(
        label=_("Direction"), choices=Direction.choices, initial="outbound", required=False
    )
    subject = forms.CharField(label=_("Subject"), max_length=200)
    outcome = forms.CharField(label=_("Outcome"), max_length=200, required=False)
    duration_minutes = forms.IntegerField(label=_("Minutes"), required=False)
    body = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class CompleteForm(forms.Form):
    outcome = forms.CharField(label=_("Outcome"), max_length=200, required=False)
