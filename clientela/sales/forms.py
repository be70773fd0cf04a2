"""HTML forms for opportunities and pipelines; the services do the real validation.

The deal's form posts its fields, its contacts with roles (repeatable rows) and its custom
fields; the board's move dialog asks only for the fields the target stage requires; a
pipeline's form posts its stages as ordered rows, each with its suggested activities.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms import BaseFormSet, formset_factory
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from clientela.activities.models import ActivityKind
from clientela.customers.models import LeadSource
from clientela.platform.customforms import CustomFieldsForm
from clientela.sales.models import ContactRole, ForecastCategory, LostReason, StageKind
from clientela.sales.services import GUIDANCE_KINDS, MAX_GUIDANCE, MAX_STAGES, REQUIRABLE

BLANK = [("", "—")]
Choices = list[tuple[Any, Any]]


def _optional(choices: Any) -> Choices:
    return [*BLANK, *choices]


def _link(label: Any, *, required: bool = False) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(label=label, required=required, coerce=int, empty_value=None)


def _amount(label: Any, *, required: bool = False) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=required,
        min_value=0,
        max_digits=16,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0", "inputmode": "decimal"}),
    )


def _day(label: Any, *, required: bool = False) -> forms.DateField:
    return forms.DateField(
        label=label, required=required, widget=forms.DateInput(attrs={"type": "date"})
    )


def _long_text(label: Any, *, required: bool = False) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class OpportunityForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    account = _link(_("Account"))
    pipeline = forms.TypedChoiceField(label=_("Pipeline"), coerce=int)
    stage = forms.TypedChoiceField(
        label=_("Stage"),
        coerce=int,
        empty_value=None,
        required=False,
        help_text=_("Empty: the pipeline's first stage."),
    )
    amount = _amount(_("Amount"))
    currency = forms.CharField(
        label=_("Currency"), max_length=3, help_text=_("Three-letter code, e.g. BRL, USD, EUR.")
    )
    expected_close_date = _day(_("Expected close date"))
    probability = forms.IntegerField(
        label=_("Probability (%)"),
        required=False,
        min_value=0,
        max_value=100,
        help_text=_("Empty: the stage's probability."),
    )
    forecast_category = forms.ChoiceField(
        label=_("Forecast category"), choices=ForecastCategory.choices, initial="pipeline"
    )
    next_step = forms.CharField(label=_("Next step"), max_length=200, required=False)
    competitors = forms.CharField(label=_("Competitors"), max_length=300, required=False)
    lead_source = forms.ChoiceField(
        label=_("Lead source"), choices=_optional(LeadSource.choices), required=False
    )
    lost_reason = forms.ChoiceField(
        label=_("Lost reason"), choices=_optional(LostReason.choices), required=False
    )
    lost_note = forms.CharField(label=_("Lost note"), max_length=500, required=False)
    description = _long_text(_("Description"))
    owner = forms.TypedChoiceField(label=_("Owner"), coerce=int)

    def __init__(
        self,
        *args: Any,
        account_choices: Choices,
        pipeline_choices: Choices,
        stage_choices: Choices,
        owner_choices: Choices,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = owner_choices  # type: ignore[attr-defined]
        self.fields["account"].choices = [*BLANK, *account_choices]  # type: ignore[attr-defined]
        self.fields["pipeline"].choices = pipeline_choices  # type: ignore[attr-defined]
        self.fields["stage"].choices = [*BLANK, *stage_choices]  # type: ignore[attr-defined]
        # sales.js narrows the stages to the chosen pipeline's
        self.fields["pipeline"].widget.attrs["data-pipeline-select"] = ""
        self.fields["stage"].widget.attrs["data-stage-select"] = ""


class ContactRoleForm(forms.Form):
    contact = _link(_("Contact"))
    role = forms.ChoiceField(label=_("Role"), choices=ContactRole.choices, initial="other")

    def __init__(self, *args: Any, contact_choices: Choices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["contact"].choices = [*BLANK, *contact_choices]  # type: ignore[attr-defined]


ContactRoleFormSet = formset_factory(ContactRoleForm, extra=1, max_num=50, absolute_max=60)


# --- the board's move dialog ---------------------------------------------------------------


def _required_field(name: str, account_choices: Choices, contact_choices: Choices) -> forms.Field:
    label = capfirst(REQUIRABLE[name])
    if name == "amount":
        return _amount(label, required=True)
    if name == "expected_close_date":
        return _day(label, required=True)
    if name == "account":
        field = _link(label, required=True)
        field.choices = [*BLANK, *account_choices]
        return field
    if name == "lost_reason":
        return forms.ChoiceField(label=label, choices=_optional(LostReason.choices))
    if name == "description":
        return _long_text(label, required=True)
    if name == "contacts":
        field = _link(_("Contact"), required=True)
        field.choices = [*BLANK, *contact_choices]
        return field
    limit = {"next_step": 200, "competitors": 300}.get(name, 200)
    return forms.CharField(label=label, max_length=limit)


class MoveForm(forms.Form):
    """Exactly the fields the target stage asks for (``asked``), in REQUIRABLE's order; a
    required contact comes as one contact and its role."""

    def __init__(
        self,
        *args: Any,
        asked: list[str],
        account_choices: Choices,
        contact_choices: Choices,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.asked = [name for name in REQUIRABLE if name in asked]
        for name in self.asked:
            self.fields[name] = _required_field(name, account_choices, contact_choices)
            if name == "contacts":
                self.fields["role"] = forms.ChoiceField(
                    label=_("Role"), choices=ContactRole.choices, initial="decision_maker"
                )

    def values(self) -> dict[str, Any]:
        """The service's values for the move."""
        data = dict(self.cleaned_data)
        if "contacts" in data:
            data["contacts"] = [{"contact": data.pop("contacts"), "role": data.pop("role")}]
        return data

    def apply(self, errors: dict[str, list[str]]) -> None:
        """The service's errors on the dialog's inputs (a contact's on the contact)."""
        for key, messages in errors.items():
            field = "contacts" if key.startswith("contacts") else key
            for message in messages:
                self.add_error(field if field in self.fields else None, message)


# --- pipelines (Settings) ------------------------------------------------------------------


class PipelineForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    is_default = forms.BooleanField(
        label=_("Default pipeline"),
        required=False,
        help_text=_("New deals start here, and the board opens on it."),
    )
    active = forms.BooleanField(
        label=_("Active"),
        required=False,
        initial=True,
        help_text=_("An inactive pipeline takes no new deals and leaves the board."),
    )


class StageForm(forms.Form):
    id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    name = forms.CharField(label=_("Stage name"), max_length=100)
    probability = forms.IntegerField(
        label=_("Probability (%)"), min_value=0, max_value=100, initial=0
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=StageKind.choices, initial="open")
    rotting_days = forms.IntegerField(
        label=_("Idle after (days)"),
        required=False,
        min_value=1,
        max_value=3650,
    )
    required_fields = forms.MultipleChoiceField(
        label=_("Required to enter"),
        required=False,
        choices=[(k, capfirst(v)) for k, v in REQUIRABLE.items()],
        widget=forms.CheckboxSelectMultiple,
    )


class BaseStageFormSet(BaseFormSet):  # type: ignore[type-arg]
    def add_fields(self, form: forms.Form, index: int | None) -> None:
        super().add_fields(form, index)
        form.fields["ORDER"].label = _("Position")
        form.fields["ORDER"].widget.attrs.update({"min": 1, "class": "narrow"})
        form.fields["DELETE"].label = _("Remove this stage")


StageFormSet = formset_factory(
    StageForm,
    formset=BaseStageFormSet,
    extra=1,
    can_order=True,
    can_delete=True,
    max_num=MAX_STAGES,
    absolute_max=MAX_STAGES + 10,
)


class GuidanceForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Activity"),
        choices=[(k, label) for k, label in ActivityKind.choices if k in GUIDANCE_KINDS],
        initial="task",
    )
    subject = forms.CharField(label=_("Subject"), max_length=200, required=False)
    due_days = forms.IntegerField(
        label=_("Due in (days)"), min_value=0, max_value=365, initial=1, required=False
    )


GUIDE = "__guide__"  # a new suggested activity's row number in its template


class BaseGuidanceFormSet(BaseFormSet):  # type: ignore[type-arg]
    """A stage's suggested activities. The empty row is numbered ``__guide__``, not
    ``__prefix__``: it sits inside the new-stage template, whose ``__prefix__`` is replaced
    first, when a stage is added."""

    @property
    def empty_form(self) -> forms.Form:
        form = self.form(
            **self.get_form_kwargs(None),
            auto_id=self.auto_id,
            prefix=self.add_prefix(GUIDE),
            empty_permitted=True,
            use_required_attribute=False,
            renderer=self.form_renderer,  # type: ignore[attr-defined]
        )
        self.add_fields(form, None)
        return form


GuidanceFormSet = formset_factory(
    GuidanceForm,
    formset=BaseGuidanceFormSet,
    extra=1,
    max_num=MAX_GUIDANCE,
    absolute_max=MAX_GUIDANCE + 5,
)


def guidance_items(formset: BaseFormSet) -> list[tuple[int, dict[str, Any]]]:  # type: ignore[type-arg]
    """The rows with a subject, as ``(row, item)``: clearing the subject removes one."""
    items = []
    for index, form in enumerate(formset.forms):
        data = form.cleaned_data if form.is_valid() else {}
        subject = (data.get("subject") or "").strip()
        if subject:
            days = data.get("due_days")
            item = {"kind": data["kind"], "subject": subject, "due_days": days or 0}
            items.append((index, item))
    return items


# --- bundles: a page's forms validated, read and given the service's errors together -------


def _errors_of(form: forms.Form, key: str, messages: list[str]) -> None:
    for message in messages:
        form.add_error(key if key in form.fields else None, message)


class DealForms:
    """The deal's fields, its contacts with roles and its custom fields."""

    def __init__(
        self,
        main: OpportunityForm,
        contacts: BaseFormSet,  # type: ignore[type-arg]
        custom: CustomFieldsForm,
    ) -> None:
        self.main = main
        self.contacts = contacts
        self.custom = custom
        self.contact_errors: list[str] = []
        self._rows: list[forms.Form] = []

    def is_valid(self) -> bool:
        return all([self.main.is_valid(), self.contacts.is_valid(), self.custom.is_valid()])

    def values(self, *, creating: bool) -> dict[str, Any]:
        """A new deal gets what was filled in; an edit sends only what changed (a blank
        probability means the stage's again, a blank amount zero)."""
        data = self.main.cleaned_data
        if creating:
            values = {k: v for k, v in data.items() if v not in (None, "")}
        else:
            values = {k: data[k] for k in self.main.changed_data}
            if {"pipeline", "stage"} & set(values):
                values["pipeline"] = data["pipeline"]
                values.pop("stage", None)
                if data.get("stage") is not None:
                    values["stage"] = data["stage"]
        if values.get("amount", 0) is None:
            values["amount"] = 0
        self._rows = [f for f in self.contacts.forms if f.cleaned_data.get("contact") is not None]
        if (creating and self._rows) or (not creating and self.contacts.has_changed()):
            values["contacts"] = [
                {"contact": f.cleaned_data["contact"], "role": f.cleaned_data["role"]}
                for f in self._rows
            ]
        return self.custom.put(values)

    def apply(self, errors: dict[str, list[str]], fallback: object) -> None:
        rest = self.custom.apply(errors)
        for key, messages in rest.items():
            name, _dot, tail = key.partition(".")
            index, _dot, field = tail.partition(".")
            if name != "contacts":
                _errors_of(self.main, name, messages)
            elif index.isdigit() and int(index) < len(self._rows):
                _errors_of(self._rows[int(index)], field, messages)
            else:
                self.contact_errors.extend(messages)
        if not errors:
            self.main.add_error(None, str(fallback))


class PipelineForms:
    """A pipeline's own fields and its ordered stages, each with its suggested activities.

    The stages go to the service as one list in the order of their positions (removed ones
    left out); its ``stages.3.guidance.1.subject``-style errors come back onto the row that
    was sent third and its second suggested activity."""

    def __init__(self, data: Any, initial: dict[str, Any], stages: list[dict[str, Any]]) -> None:
        self.main = PipelineForm(data, initial=initial)
        rows = [{k: v for k, v in s.items() if k != "guidance"} for s in stages]
        self.stages = StageFormSet(data, prefix="stages", initial=rows)
        for index, form in enumerate(self.stages.forms):
            kept = stages[index]["guidance"] if index < len(stages) else []
            form.guidance = _guidance(data, form.prefix, kept)  # type: ignore[attr-defined]
        self.template = self.stages.empty_form
        self.template.guidance = _guidance(None, self.template.prefix, [])  # type: ignore[attr-defined]
        self.stage_errors: list[str] = []
        self._sent: list[tuple[forms.Form, list[int]]] = []

    def is_valid(self) -> bool:
        valid = [self.main.is_valid(), self.stages.is_valid()]
        for form in self.stages.forms:
            if form.guidance.is_bound and not self.stages._should_delete_form(form):  # type: ignore[attr-defined]
                valid.append(form.guidance.is_valid())  # type: ignore[attr-defined]
        return all(valid)

    def values(self) -> dict[str, Any]:
        values = dict(self.main.cleaned_data)
        stages = []
        self._sent = []
        for form in self.stages.ordered_forms:
            data = form.cleaned_data
            guidance = form.guidance  # type: ignore[attr-defined]
            items = (
                guidance_items(guidance) if guidance.is_bound else list(enumerate(guidance.kept))
            )
            self._sent.append((form, [row for row, _item in items]))
            stage = {k: data[k] for k in ("name", "probability", "kind", "rotting_days")}
            stage["required_fields"] = list(data["required_fields"])
            stage["guidance"] = [item for _row, item in items]
            if data.get("id"):
                stage["id"] = data["id"]
            stages.append(stage)
        values["stages"] = stages
        return values

    def apply(self, errors: dict[str, list[str]], fallback: object) -> None:
        for key, messages in errors.items():
            parts = key.split(".")
            if parts[0] != "stages":
                _errors_of(self.main, parts[0], messages)
            elif len(parts) > 1 and parts[1].isdigit() and int(parts[1]) < len(self._sent):
                self._apply_stage(parts[2:], *self._sent[int(parts[1])], messages)
            else:
                self.stage_errors.extend(messages)
        if not errors:
            self.main.add_error(None, str(fallback))

    def _apply_stage(
        self, parts: list[str], form: forms.Form, rows: list[int], messages: list[str]
    ) -> None:
        guided = parts[:1] == ["guidance"] and len(parts) > 1 and parts[1].isdigit()
        if guided and int(parts[1]) < len(rows):
            row = form.guidance.forms[rows[int(parts[1])]]  # type: ignore[attr-defined]
            _errors_of(row, parts[2] if len(parts) > 2 else "", messages)
            return
        _errors_of(form, parts[0] if parts else "", messages)


def _guidance(data: Any, prefix: str, kept: list[dict[str, Any]]) -> BaseFormSet:  # type: ignore[type-arg]
    """A stage's suggested activities; a post without their rows keeps what the stage has."""
    name = f"{prefix}-guidance"
    if data is not None and f"{name}-TOTAL_FORMS" not in data:
        data = None
    formset = GuidanceFormSet(data, prefix=name, initial=kept)
    formset.kept = kept  # type: ignore[attr-defined]
    return formset
