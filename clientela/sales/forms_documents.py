"""HTML forms for a deal's lines, its quotes and the sales orders; the services in
``catalog``, ``quotes`` and ``orders`` do the real validation.

The lines are repeatable rows like the deal form's contacts; the service's errors, keyed
``lines.N.field``, go back on the row they name (rows left empty are skipped, so N counts the
rows sent, not the rows shown).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _

from clientela.sales.catalog import MAX_LINES

BLANK = [("", "—")]
Choices = list[tuple[Any, Any]]
LINE_FIELDS = ("product", "description", "quantity", "unit_price", "discount_percent", "tax")


def _number(label: Any, places: int, *, required: bool = False, **extra: Any) -> forms.Field:
    step = "1" if places == 0 else "0." + "0" * (places - 1) + "1"
    return forms.DecimalField(
        label=label,
        required=required,
        min_value=0,
        decimal_places=places,
        widget=forms.NumberInput(attrs={"step": step, "min": "0", "inputmode": "decimal"}),
        **extra,
    )


class LineForm(forms.Form):
    product = forms.TypedChoiceField(
        label=_("Product"), required=False, coerce=int, empty_value=None
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=300,
        help_text=_("Empty: the product's name."),
    )
    quantity = _number(_("Quantity"), 3, initial=1)
    unit_price = _number(_("Unit price"), 4, help_text=_("Empty: the price list's."))
    discount_percent = _number(_("Discount (%)"), 2, max_value=100)
    tax = forms.TypedChoiceField(
        label=_("Tax"),
        required=False,
        coerce=int,
        empty_value=None,
        help_text=_("Empty: the product's tax."),
    )

    def __init__(
        self, *args: Any, product_choices: Choices, tax_choices: Choices, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["product"].choices = [*BLANK, *product_choices]  # type: ignore[attr-defined]
        self.fields["tax"].choices = [*BLANK, *tax_choices]  # type: ignore[attr-defined]

    def line(self) -> dict[str, Any] | None:
        """The service's line for a filled row; None for a row left empty."""
        data = self.cleaned_data
        if not data or all(data.get(name) in (None, "") for name in LINE_FIELDS):
            return None
        line = {k: data[k] for k in ("description", "quantity") if data.get(k) not in (None, "")}
        for name in ("product", "unit_price", "discount_percent", "tax"):
            if data.get(name) is not None:
                line[name] = data[name]
        return line


LineFormSet = formset_factory(LineForm, extra=1, max_num=MAX_LINES, absolute_max=MAX_LINES + 10)


def line_values(formset: Any) -> tuple[list[dict[str, Any]], list[int]]:
    """The filled rows' lines, and which row of the formset each one came from."""
    lines, rows = [], []
    for index, form in enumerate(formset.forms):
        line = form.line()
        if line is not None:
            lines.append(line)
            rows.append(index)
    return lines, rows


def apply_line_errors(formset: Any, rows: list[int], errors: dict[str, list[str]]) -> list[str]:
    """The service's ``lines.N.field`` errors on their row and field; the rest returned."""
    rest: list[str] = []
    for key, messages in errors.items():
        parts = key.split(".")
        number = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
        if parts[0] != "lines" or number is None or number >= len(rows):
            rest.extend(str(m) for m in messages)
            continue
        form = formset.forms[rows[number]]
        field = parts[2] if len(parts) > 2 and parts[2] in form.fields else None
        for message in messages:
            form.add_error(field, message)
    return rest


class QuoteForm(forms.Form):
    valid_until = forms.DateField(
        label=_("Valid until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Empty: the company's usual validity."),
    )
    discount_percent = _number(_("Discount (%)"), 2, max_value=100)
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    terms = forms.CharField(
        label=_("Terms"),
        required=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def values(self, *, keep_terms: bool) -> dict[str, Any]:
        """The service's options; empty ones are left out so the service's defaults apply
        (the terms are always sent when revising: a cleared box clears them)."""
        data = self.cleaned_data
        values = {k: v for k, v in data.items() if v not in (None, "")}
        if keep_terms:
            values["terms"] = data.get("terms", "")
        return values


class SendForm(forms.Form):
    to = forms.CharField(
        label=_("To"),
        required=False,
        max_length=254,
        help_text=_("Empty: the first contact of the deal with an e-mail address."),
        widget=forms.EmailInput,
    )
    message = forms.CharField(
        label=_("Message"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class ShipForm(forms.Form):
    carrier = forms.CharField(label=_("Carrier"), required=False, max_length=100)
    tracking_number = forms.CharField(label=_("Tracking number"), required=False, max_length=100)


class DeliveryForm(forms.Form):
    status = forms.CharField(label=_("Step"), max_length=60, help_text=_("e.g. In transit"))
    location = forms.CharField(label=_("Location"), required=False, max_length=200)
    description = forms.CharField(label=_("Description"), required=False, max_length=500)
    at = forms.DateTimeField(
        label=_("When"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text=_("Empty: now."),
    )


def apply(form: forms.Form, errors: dict[str, list[str]]) -> None:
    """A service's errors on the form's fields (others on the form)."""
    for key, messages in errors.items():
        for message in messages:
            form.add_error(key if key in form.fields else None, message)
