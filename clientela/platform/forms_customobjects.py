"""Forms of Settings → Custom objects and of a custom object's records; the services check
every value again (key, names, owner's scope, custom fields)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from clientela.platform.models import Team, User


class CustomObjectForm(forms.Form):
    key = forms.CharField(
        label=_("Key"),
        max_length=40,
        help_text=_(
            "Lower-case letters, digits and “_”, e.g. vehicle. It names the object in addresses "
            "and the API, and never changes."
        ),
    )
    label = forms.CharField(label=_("Name"), max_length=80, help_text=_("One record: Vehicle."))
    label_plural = forms.CharField(
        label=_("Plural name"), max_length=80, required=False, help_text=_("The list: Vehicles.")
    )
    description = forms.CharField(
        label=_("Description"), max_length=2000, required=False, widget=forms.Textarea
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["key"]

    def values(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class CustomRecordForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    owner = forms.ModelChoiceField(
        label=_("Owner"), queryset=User.objects.none(), required=False, empty_label=_("Me")
    )
    team = forms.ModelChoiceField(
        label=_("Team"),
        queryset=Team.objects.none(),
        required=False,
        empty_label=_("The owner's team"),
    )

    def __init__(self, *args: Any, users: Any, teams: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = users  # type: ignore[attr-defined]
        self.fields["team"].queryset = teams  # type: ignore[attr-defined]

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {"name": data["name"], "owner": data.get("owner"), "team": data.get("team")}


class CustomRecordImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "First line: name, owner (user name), team, then custom fields by key or label. "
            "One bad row stops the whole file; nothing is imported then."
        ),
    )
