"""Custom fields on record forms and record pages, the same for every record type.

``CustomFieldsForm`` builds one input per field from the cached definitions (decision 0005),
sits beside a record's own form and hands the service ``values["custom"]``: what the user
changed, as typed, for the service to clean (``customfields.clean_into``). The service's
``custom.<key>`` errors come back onto the right input. ``shown`` is the read side: the
record's values as people read them, grouped like the form, blanks left out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.db import models
from django.utils import timezone

from clientela.platform import customfields, permissions, registry
from clientela.platform.customfields import COLUMN, Definition
from clientela.platform.models import FieldType, User

ERROR_PREFIX = "custom."
# Posted once per input the page showed (its key): a field added while the page was open, or a
# post without the custom inputs, changes nothing, not even as an unticked box.
SHOWN = "cf__shown"
LOCAL_DATETIME = "%Y-%m-%dT%H:%M"  # what a datetime-local input shows and sends
LOOKUP_PLACEHOLDER = "#123"

# A picker for a lookup field: the address of its suggestions (``<option>``s), or "".
Picker = Callable[[Definition], str]


def _no_picker(item: Definition) -> str:
    return ""


# --- one input per type -----------------------------------------------------------------------


def _text_input(item: Definition, input_type: str = "text") -> forms.Widget:
    attrs: dict[str, Any] = {"type": input_type}
    limit = item.max_length or customfields.MAX_TEXT
    attrs["maxlength"] = limit
    return forms.TextInput(attrs=attrs)


def _number_input(item: Definition) -> forms.Widget:
    steps: dict[str, str] = {FieldType.INTEGER: "1", FieldType.CURRENCY: "0.01"}
    step = steps.get(item.field_type, "any")
    attrs: dict[str, Any] = {"step": step, "inputmode": "decimal"}
    if item.min_value is not None:
        attrs["min"] = format(item.min_value.normalize(), "f")
    if item.max_value is not None:
        attrs["max"] = format(item.max_value.normalize(), "f")
    return forms.NumberInput(attrs=attrs)


def _lookup_input(item: Definition, picker: Picker) -> forms.Widget:
    attrs: dict[str, Any] = {"placeholder": LOOKUP_PLACEHOLDER, "autocomplete": "off"}
    url = picker(item)
    if url:
        # The list filters' picker: suggestions come as "#id name" options of a datalist.
        attrs.update(
            {
                "type": "search",
                "list": f"{item.name}-choices",
                "hx-get": url,
                "hx-trigger": "input changed delay:250ms",
                "hx-target": f"#{item.name}-choices",
                "hx-swap": "innerHTML",
                "hx-sync": "this:replace",
            }
        )
    return forms.TextInput(attrs=attrs)


def _widget(item: Definition, picker: Picker) -> forms.Widget:
    kind = item.field_type
    if kind == FieldType.LONG_TEXT:
        return forms.Textarea(attrs={"rows": 3, "maxlength": item.max_length or 10_000})
    if kind in customfields.NUMERIC:
        return _number_input(item)
    if kind == FieldType.DATE:
        return forms.TextInput(attrs={"type": "date"})
    if kind == FieldType.DATETIME:
        return forms.TextInput(attrs={"type": "datetime-local"})
    if kind == FieldType.CHOICE:
        return forms.Select(choices=[("", "—"), *item.choices])
    if kind == FieldType.LOOKUP:
        return _lookup_input(item, picker)
    input_type: dict[str, str] = {
        FieldType.EMAIL: "email",
        FieldType.PHONE: "tel",
        FieldType.URL: "url",
    }
    return _text_input(item, input_type.get(kind, "text"))


def _label(item: Definition) -> str:
    if item.field_type == FieldType.CURRENCY and item.currency:
        return f"{item.label} ({item.currency})"
    return item.label


def form_field(item: Definition, picker: Picker = _no_picker) -> forms.Field:
    """The input for one custom field. It only shapes what is typed: the service cleans and
    checks it (so the API, imports and this form refuse the same values with the same words),
    and "required" is the service's to say, since an update may leave a field untouched."""
    common: dict[str, Any] = {"label": _label(item), "required": False}
    common["help_text"] = item.help_text
    result: forms.Field
    if item.field_type == FieldType.BOOLEAN:
        result = forms.BooleanField(**common)
    elif item.field_type == FieldType.MULTI_CHOICE:
        result = forms.MultipleChoiceField(
            choices=item.choices, widget=forms.CheckboxSelectMultiple, **common
        )
    else:
        result = forms.CharField(widget=_widget(item, picker), strip=True, **common)
    if item.required:
        result.widget.attrs["aria-required"] = "true"
    # What the page showed goes back with the post: "changed" then means changed by this user,
    # not by someone who saved the record since the page was opened.
    result.show_hidden_initial = True
    return result


# --- stored values back into inputs -----------------------------------------------------------


def _record_label(actor: User | None, target: str, pk: Any) -> str:
    """The linked record's name when the actor may see it, else ""."""
    if actor is None:
        return ""
    try:
        model = registry.get(target).model
    except KeyError:
        return ""
    record = permissions.visible_to(actor, model._default_manager.filter(pk=pk)).first()
    return str(record) if record is not None else ""


def input_value(item: Definition, value: Any, actor: User | None = None) -> Any:
    """A stored value as its input shows it (the inverse of what the service cleans)."""
    if value is None or value == "" or value == []:
        return None
    kind = item.field_type
    if kind in (FieldType.DECIMAL, FieldType.CURRENCY):
        return format(customfields.as_decimal(value), "f")
    if kind == FieldType.INTEGER:
        return str(value)
    if kind == FieldType.DATETIME:
        moment = dt.datetime.strptime(value, customfields.DATETIME_FORMAT).replace(tzinfo=dt.UTC)
        return timezone.localtime(moment).strftime(LOCAL_DATETIME)
    if kind == FieldType.LOOKUP:
        label = _record_label(actor, item.target, value)
        return f"#{value} {label}".strip()
    if kind == FieldType.MULTI_CHOICE:
        return list(value) if isinstance(value, list) else [value]
    return value


def _initial(
    actor: User | None, items: Iterable[Definition], record: models.Model | None
) -> dict[str, Any]:
    """A record's values; for a new record, the fields' defaults (untouched, the service
    writes the default itself)."""
    stored: Mapping[str, Any] = (getattr(record, COLUMN, None) or {}) if record else {}
    initial = {}
    for item in items:
        value = stored.get(item.key) if record is not None else item.default
        shown = input_value(item, value, actor)
        if shown is not None:
            initial[item.name] = shown
    return initial


# --- the form -------------------------------------------------------------------------------


@dataclass
class Group:
    title: str
    fields: list[Any] = field(default_factory=list)


class CustomFieldsForm(forms.Form):
    """The custom fields of one record type, posted with the record's own form.

    ``custom_values()`` holds only what the user changed (and, on a new record, every yes/no
    box, since an unticked box is an answer): the service updates those keys and leaves the
    rest, so two people changing different fields of one record both keep their change: each
    input posts the value the page showed with it (Django's hidden initial, ``initial-cf_<key>``)
    and "changed" is against that, not against what the record holds by now.
    """

    def __init__(
        self,
        data: Any = None,
        *,
        actor: User | None,
        object_type: str,
        record: models.Model | None = None,
        picker: Picker = _no_picker,
    ) -> None:
        self.object_type = object_type
        self.items = customfields.definitions(object_type)
        self.creating = record is None
        super().__init__(data, initial=_initial(actor, self.items, record))
        for item in self.items:
            self.fields[item.name] = form_field(item, picker)

    def custom_values(self) -> dict[str, Any]:
        changed = set(self.changed_data)
        posted = set(self.data.getlist(SHOWN)) if hasattr(self.data, "getlist") else set()
        values: dict[str, Any] = {}
        for item in self.items:
            if item.key not in posted:
                continue
            always = self.creating and item.field_type == FieldType.BOOLEAN
            if item.name in changed or always:
                values[item.key] = self.cleaned_data.get(item.name)
        return values

    def put(self, values: dict[str, Any]) -> dict[str, Any]:
        """``values`` with ``custom`` added when anything changed."""
        custom = self.custom_values()
        if custom:
            values[COLUMN] = custom
        return values

    def apply(self, errors: Mapping[str, list[str]]) -> dict[str, list[str]]:
        """Put ``custom.<key>`` errors on their inputs; the others are returned."""
        rest: dict[str, list[str]] = {}
        for key, messages in errors.items():
            name = customfields.PREFIX + key.removeprefix(ERROR_PREFIX)
            if key.startswith(ERROR_PREFIX) and name in self.fields:
                for message in messages:
                    self.add_error(name, message)
            else:
                rest[key] = list(messages)
        return rest

    def groups(self) -> list[Group]:
        """Inputs under their group's heading, groups in the order of their first field."""
        found: dict[str, Group] = {}
        for item in self.items:
            group = found.setdefault(item.group, Group(item.group))
            group.fields.append({"field": self[item.name], "item": item})
        return list(found.values())


# --- the record page ------------------------------------------------------------------------


@dataclass
class Shown:
    """What a record page shows of the custom fields."""

    has_fields: bool
    groups: list[Group]


def shown(actor: User | None, object_type: str, record: models.Model) -> Shown:
    items = customfields.definitions(object_type)
    stored: Mapping[str, Any] = getattr(record, COLUMN, None) or {}
    found: dict[str, Group] = {}
    for item in items:
        value = stored.get(item.key)
        text = customfields.display(item, value)
        if not text:
            continue
        if item.field_type == FieldType.LOOKUP:
            text = _record_label(actor, item.target, value) or text
        found.setdefault(item.group, Group(item.group)).fields.append(
            {"label": item.label, "text": text, "item": item}
        )
    return Shown(bool(items), list(found.values()))
