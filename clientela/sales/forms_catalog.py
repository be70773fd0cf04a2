"""HTML forms for Settings → Products and prices; the services in ``catalog`` do the real
validation (ranges, uniqueness, control characters), and their errors come back on the fields.

Numbers are read as numbers here and judged by the service, so the page and the API refuse the
same values with the same words. A product's tiers are repeatable rows (from quantity, unit
price); rows left empty are skipped, so the service's ``prices.N`` counts the rows sent, not
the rows shown.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _

from clientela.sales.catalog import MAX_TIERS

BLANK = [("", "—")]
Choices = list[tuple[Any, Any]]
EXTRA_TIERS = 3  # blank rows a product's prices page offers


def _number(label: Any, step: str, **extra: Any) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=False,
        widget=forms.NumberInput(attrs={"step": step, "min": "0", "inputmode": "decimal"}),
        **extra,
    )


def _reference(label: Any, help_text: Any = "") -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label, required=False, coerce=int, empty_value=None, help_text=help_text
    )


class ProductForm(forms.Form):
    sku = forms.CharField(
        label=_("SKU"), max_length=40, help_text=_("A unique code; upper and lower case match.")
    )
    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    unit = forms.CharField(
        label=_("Unit"), required=False, max_length=20, help_text=_("e.g. un, kg, h.")
    )
    group = _reference(_("Product group"))
    tax = _reference(_("Tax"), _("The tax new deal lines for this product take."))
    active = forms.BooleanField(
        label=_("Active"),
        required=False,
        help_text=_("Inactive products stay on old deals and documents but are no longer sold."),
    )

    def __init__(
        self, *args: Any, group_choices: Choices, tax_choices: Choices, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["group"].choices = [*BLANK, *group_choices]  # type: ignore[attr-defined]
        self.fields["tax"].choices = [*BLANK, *tax_choices]  # type: ignore[attr-defined]


class GroupForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    active = forms.BooleanField(
        label=_("Active"), required=False, help_text=_("Whether new products go in it.")
    )


class TaxForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100, help_text=_("e.g. ICMS, ISS."))
    rate = _number(_("Rate (%)"), "0.0001")
    inclusive = forms.BooleanField(
        label=_("Included in prices"),
        required=False,
        help_text=_(
            "Ticked: prices already contain the tax (taken out of the total). "
            "Not ticked: it is added on top."
        ),
    )
    active = forms.BooleanField(
        label=_("Active"), required=False, help_text=_("Whether new deal lines may use it.")
    )


class PriceListForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    currency = forms.CharField(
        label=_("Currency"), max_length=3, help_text=_("An ISO 4217 code such as BRL, USD or EUR.")
    )
    valid_from = forms.DateField(
        label=_("Valid from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Empty: it always applied."),
    )
    valid_to = forms.DateField(
        label=_("Valid to"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Empty: open-ended."),
    )
    active = forms.BooleanField(
        label=_("Active"), required=False, help_text=_("Only active lists price deal lines.")
    )


class ProductPickForm(forms.Form):
    """The product a new set of prices is for, by its SKU (a list may price thousands)."""

    product = forms.CharField(
        label=_("Product SKU"),
        max_length=40,
        help_text=_("Its tiers replace those the list already has for it."),
        widget=forms.TextInput(attrs={"list": "catalog-skus", "autocomplete": "off"}),
    )

    def __init__(self, *args: Any, find: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._find = find

    def clean_product(self) -> int:
        found = self._find(self.cleaned_data["product"])
        if found is None:
            raise forms.ValidationError(_("No product has this SKU."), code="unknown")
        return int(found)


class TierForm(forms.Form):
    min_quantity = _number(_("From quantity"), "0.001")
    unit_price = _number(_("Unit price"), "0.0001")

    def tier(self) -> dict[str, Any] | None:
        """The service's tier for a filled row; None for a row left empty."""
        data = getattr(self, "cleaned_data", None) or {}
        tier = {k: v for k, v in data.items() if v is not None}
        return tier or None


TierFormSet = formset_factory(
    TierForm, extra=EXTRA_TIERS, max_num=MAX_TIERS, absolute_max=MAX_TIERS, validate_max=True
)


def tier_values(formset: Any) -> tuple[list[dict[str, Any]], list[int]]:
    """The filled rows' tiers, and which row of the formset each one came from."""
    tiers, rows = [], []
    for index, form in enumerate(formset.forms):
        tier = form.tier()
        if tier is not None:
            tiers.append(tier)
            rows.append(index)
    return tiers, rows


def apply_tier_errors(
    formset: Any, rows: list[int], errors: dict[str, list[str]], pick: forms.Form | None
) -> list[str]:
    """The service's ``prices.N.field`` errors on their row and field, ``product`` on the
    product's field; the rest returned, for the page to show above the rows."""
    rest: list[str] = []
    for key, messages in errors.items():
        parts = key.split(".")
        number = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
        if key == "product" and pick is not None:
            for message in messages:
                pick.add_error("product", message)
            continue
        if parts[0] != "prices" or number is None or number >= len(rows):
            rest.extend(str(m) for m in messages)
            continue
        form = formset.forms[rows[number]]
        field = parts[2] if len(parts) > 2 and parts[2] in form.fields else None
        for message in messages:
            form.add_error(field, message)
    return rest


ACTIVE_CHOICES = [("", _("All")), ("1", _("Active")), ("0", _("Inactive"))]


class ProductFilterForm(forms.Form):
    """The product list's search box and filters; a bad value is dropped and shown."""

    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    group = _reference(_("Product group"))
    active = forms.ChoiceField(label=_("Status"), required=False, choices=ACTIVE_CHOICES)
    sort = forms.ChoiceField(label=_("Sort"), required=False)

    def __init__(self, *args: Any, group_choices: Choices, sorts: Choices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["group"].choices = [("", _("All")), *group_choices]  # type: ignore[attr-defined]
        self.fields["sort"].choices = sorts  # type: ignore[attr-defined]

    def value(self, name: str) -> Any:
        """The cleaned value of a filter, or None when it was left empty or is not valid."""
        if not self.is_bound:
            return None
        self.is_valid()  # cleans once; cleaned_data keeps the fields that are valid
        return self.cleaned_data.get(name) or None
