"""HTML forms of the installed base, contracts, maintenance plans, work logs and a ticket's
coverage; the services do the real validation (their refusals come back onto these forms)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clientela.platform.models import User
from clientela.service import selectors_assets
from clientela.service.forms import BLANK, Choices, ServiceForm
from clientela.service.models import (
    BusinessCalendar,
    Queue,
    SlaPolicy,
    Ticket,
    TicketCategory,
    TicketChannel,
)
from clientela.service.models_assets import AssetStatus, ContractStatus, Coverage, Every

CHOICES = 300
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _link(label: Any, *, required: bool = False) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(label=label, required=required, coerce=int, empty_value=None)


def _date(label: Any, *, required: bool = True) -> forms.DateField:
    return forms.DateField(label=label, required=required, widget=DATE)


def asset_choices(actor: User, account_id: int | None, *, exclude: int | None = None) -> Choices:
    if not account_id:
        return []
    rows = selectors_assets.asset_list(actor, selectors_assets.AssetFilters(account_id=account_id))
    if exclude is not None:
        rows = rows.exclude(pk=exclude)
    return [(a.pk, str(a)) for a in rows.order_by("product_name", "id")[:CHOICES]]


def contract_choices(actor: User, account_id: int | None) -> Choices:
    if not account_id:
        return []
    found = selectors_assets.contract_list(
        actor, selectors_assets.ContractFilters(account_id=account_id)
    )
    rows = found.exclude(status=ContractStatus.CANCELLED).order_by("ends_on", "id")[:CHOICES]
    return [(c.pk, str(c)) for c in rows]


class RecordForm(ServiceForm):
    """Initial values from a record, and ``values()`` for its service."""

    names: tuple[str, ...] = ()

    @classmethod
    def initial_for(cls, record: Any) -> dict[str, Any]:
        if record is None:
            return {}
        initial = {}
        for name in cls.base_fields:
            field = record._meta.get_field(name)
            initial[name] = getattr(record, getattr(field, "attname", name))
        return initial

    def values(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class AssetForm(RecordForm):
    account = forms.TypedChoiceField(label=gettext_lazy("Account"), coerce=int)
    product_name = forms.CharField(label=gettext_lazy("Product"), max_length=200)
    product_code = forms.CharField(
        label=gettext_lazy("Product code"), max_length=64, required=False
    )
    serial_number = forms.CharField(
        label=gettext_lazy("Serial number"), max_length=100, required=False
    )
    installed_on = _date(gettext_lazy("Installed on"), required=False)
    location = forms.CharField(label=gettext_lazy("Location"), max_length=200, required=False)
    region = forms.CharField(label=gettext_lazy("Region"), max_length=60, required=False)
    status = forms.ChoiceField(label=gettext_lazy("Status"), choices=AssetStatus.choices)
    parent = _link(gettext_lazy("Part of"))
    notes = forms.CharField(
        label=gettext_lazy("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(
        self, *args: Any, account_choices: Choices, parent_choices: Choices, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["account"].choices = account_choices  # type: ignore[attr-defined]
        self.fields["parent"].choices = [*BLANK, *parent_choices]  # type: ignore[attr-defined]


class WarrantyForm(RecordForm):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    starts_on = _date(gettext_lazy("Starts"))
    ends_on = _date(gettext_lazy("Ends"))
    coverage = forms.ChoiceField(label=gettext_lazy("Coverage"), choices=Coverage.choices)
    notes = forms.CharField(label=gettext_lazy("Notes"), required=False, max_length=5000)


class ContractForm(RecordForm):
    account = forms.TypedChoiceField(label=gettext_lazy("Account"), coerce=int)
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    number = forms.CharField(label=gettext_lazy("Contract number"), max_length=40, required=False)
    status = forms.ChoiceField(label=gettext_lazy("Status"), choices=ContractStatus.choices)
    starts_on = _date(gettext_lazy("Starts"))
    ends_on = _date(gettext_lazy("Ends"))
    assets = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Assets covered"),
        coerce=int,
        required=False,
        help_text=gettext_lazy("None chosen: every asset of the account."),
    )
    product_codes = forms.CharField(
        label=gettext_lazy("Products covered"),
        required=False,
        help_text=gettext_lazy("Product codes, separated by spaces; empty: every product."),
    )
    channels = forms.MultipleChoiceField(
        label=gettext_lazy("Channels covered"),
        choices=TicketChannel.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("None chosen: every channel."),
    )
    calendar = _link(gettext_lazy("Hours covered"))
    sla_policy = _link(gettext_lazy("SLA policy"))
    incidents_included = forms.IntegerField(
        label=gettext_lazy("Incidents included"),
        required=False,
        min_value=0,
        help_text=gettext_lazy("Empty: unlimited."),
    )
    hours_included = forms.DecimalField(
        label=gettext_lazy("Hours included"),
        required=False,
        min_value=0,
        max_digits=8,
        decimal_places=2,
        help_text=gettext_lazy("Empty: unlimited."),
    )
    renewal_notice_days = forms.IntegerField(
        label=gettext_lazy("Renewal reminder (days before end)"),
        min_value=0,
        max_value=365,
        initial=30,
    )
    notes = forms.CharField(
        label=gettext_lazy("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(
        self, *args: Any, account_choices: Choices, asset_choices: Choices, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["account"].choices = account_choices  # type: ignore[attr-defined]
        self.fields["assets"].choices = asset_choices  # type: ignore[attr-defined]
        calendars = BusinessCalendar.objects.order_by("name").values_list("pk", "name")
        self.fields["calendar"].choices = [*BLANK, *calendars]  # type: ignore[attr-defined]
        policies = SlaPolicy.objects.filter(active=True).values_list("pk", "name")
        self.fields["sla_policy"].choices = [*BLANK, *policies]  # type: ignore[attr-defined]

    @classmethod
    def initial_for(cls, record: Any) -> dict[str, Any]:
        initial = super().initial_for(record)
        if record is not None:
            initial["assets"] = list(record.assets.values_list("pk", flat=True))
            initial["product_codes"] = " ".join(record.product_codes or [])
        return initial


class PlanForm(RecordForm):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    asset = _link(gettext_lazy("Asset"))
    contract = _link(gettext_lazy("Contract"))
    interval = forms.IntegerField(label=gettext_lazy("Every"), min_value=1, initial=6)
    unit = forms.ChoiceField(label=gettext_lazy("Unit"), choices=Every.choices, initial="months")
    next_due_on = _date(gettext_lazy("Next visit due"))
    lead_days = forms.IntegerField(
        label=gettext_lazy("Open the ticket days ahead"), min_value=0, max_value=365, initial=14
    )
    queue = forms.TypedChoiceField(label=gettext_lazy("Queue"), coerce=int)
    category = _link(gettext_lazy("Category"))
    visit_minutes = forms.IntegerField(
        label=gettext_lazy("Visit length (minutes)"), min_value=1, max_value=1440, initial=60
    )
    active = forms.BooleanField(label=gettext_lazy("Active"), required=False, initial=True)

    def __init__(
        self, *args: Any, asset_choices: Choices, contract_choices: Choices, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["asset"].choices = [*BLANK, *asset_choices]  # type: ignore[attr-defined]
        self.fields["contract"].choices = [*BLANK, *contract_choices]  # type: ignore[attr-defined]
        queues = Queue.objects.filter(active=True).values_list("pk", "name")
        self.fields["queue"].choices = list(queues)  # type: ignore[attr-defined]
        categories = TicketCategory.objects.filter(active=True).values_list("pk", "name")
        self.fields["category"].choices = [*BLANK, *categories]  # type: ignore[attr-defined]


class WorkLogForm(ServiceForm):
    minutes = forms.IntegerField(label=gettext_lazy("Minutes"), min_value=1, max_value=1440)
    worked_on = _date(gettext_lazy("Date"))
    note = forms.CharField(label=gettext_lazy("Note"), max_length=300, required=False)
    billable = forms.BooleanField(label=gettext_lazy("Billable"), required=False)

    @classmethod
    def for_ticket(cls, ticket: Ticket, data: Any = None) -> WorkLogForm:
        """Billable by default when the work is not covered."""
        covered = ticket.coverage in ("warranty", "contract")
        initial = {"worked_on": timezone.localdate(), "billable": not covered}
        return cls(data, initial=initial, prefix="log")

    def values(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class TicketCoverageForm(ServiceForm):
    """The ticket's asset and contract, chosen among its account's."""

    asset = _link(gettext_lazy("Asset"))
    contract = _link(gettext_lazy("Contract"))

    def __init__(
        self, *args: Any, asset_choices: Choices, contract_choices: Choices, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["asset"].choices = [*BLANK, *asset_choices]  # type: ignore[attr-defined]
        self.fields["contract"].choices = [*BLANK, *contract_choices]  # type: ignore[attr-defined]

    @classmethod
    def for_ticket(cls, actor: User, ticket: Ticket, data: Any = None) -> TicketCoverageForm:
        assets = asset_choices(actor, ticket.account_id)
        contracts = contract_choices(actor, ticket.account_id)
        for chosen, listed in ((ticket.asset_id, assets), (ticket.contract_id, contracts)):
            if chosen is not None and chosen not in {pk for pk, _name in listed}:
                listed.insert(0, (chosen, _("(one you cannot see)")))
        initial = {"asset": ticket.asset_id, "contract": ticket.contract_id}
        return cls(
            data,
            initial=initial,
            asset_choices=assets,
            contract_choices=contracts,
            prefix="cover",
        )

    def values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.changed_data}
