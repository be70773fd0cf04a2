"""Forms of Settings → Webhooks; the services check the values again (URL, events, owner)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from clientela.platform import inbound, outbox
from clientela.platform.models import User


def _event_choices() -> list[tuple[str, Any]]:
    every = (outbox.ALL_EVENTS, _("All events, also those of record types added later"))
    return [every, *outbox.event_types()]


def _kind_choices() -> list[tuple[str, Any]]:
    return [(k.key, k.label) for k in inbound.kinds()]


class WebhookEndpointForm(forms.Form):
    url = forms.CharField(
        label=_("Address"),
        max_length=500,
        widget=forms.URLInput(attrs={"placeholder": "https://"}),
        help_text=_("Clientela posts each event there as JSON (http or https)."),
    )
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    event_types = forms.MultipleChoiceField(
        label=_("Events"), choices=_event_choices, widget=forms.CheckboxSelectMultiple
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def values(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class InboundHookForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Creates"),
        choices=_kind_choices,
        help_text=_("What each post creates, with the fields of the API's create operation."),
    )
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    owner = forms.ModelChoiceField(
        label=_("Default owner"),
        queryset=User.objects.filter(is_active=True),
        help_text=_("Records are created as this user, who owns them unless the post says."),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def values(self) -> dict[str, Any]:
        return dict(self.cleaned_data)
