"""What an import of each record type needs: its fields, how a row is cleaned, how it matches.

Row cleaning calls the very functions the UI and the API use (``clean_contact``,
``clean_account`` and the shared field helpers), so a row is refused for the same reasons a form
would be. Fields those functions do not know yet (external id, company, address) are checked
here with the model's own limits.

Custom fields (decision 0005) are targets too, named ``custom.<key>``: their cells go to the
services' cleaning like any other value. A row is cleaned before it is matched, so what only
applies to a record the row creates (required fields, defaults) is decided later:
``missing_required`` when the row turns out to create one, ``created_values`` for its insert.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Model
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from clientela.customers.models import Account, Contact, Lead
from clientela.customers.services import clean_account, clean_contact
from clientela.customers.services.common import clean_address, text_field
from clientela.customers.services.leads import clean_lead
from clientela.platform import customfields
from clientela.platform.errors import ValidationFailed
from clientela.platform.models import User

Errors = dict[str, list[str]]
CUSTOM = "custom."  # a custom field's target name: ``custom.<key>``


@dataclass
class CleanRow:
    """A valid row: model values, plus the parts that become other rows (account, address)."""

    values: dict[str, Any]
    company: str = ""
    address: dict[str, str] = field(default_factory=dict)
    cells: list[str] = field(default_factory=list)
    keys: list[tuple[str, str]] | None = None  # (kind, value) for matching, computed once
    document: str | None = None  # search text of the record as the row alone would make it
    params: list[Any] | None = None  # the new record's insert parameters (``row_params``)
    address_params: list[Any] | None = None  # its address's, but for the record's id


@dataclass(frozen=True)
class FieldSpec:
    key: str
    label: str | Promise
    required: bool = False


@dataclass(frozen=True)
class ImportSpec:
    object_type: str
    slug: str
    label: str | Promise
    model: type[Model]
    fields: tuple[FieldSpec, ...]
    # (actor, the row's cells by field key, its non-blank custom cells by custom field key)
    clean: Callable[[User | None, dict[str, str], dict[str, str]], CleanRow]
    match_keys: tuple[str, ...]
    search_fields: tuple[str, ...]
    defaults: dict[str, Any] = field(default_factory=dict)

    def custom_fields(self) -> tuple[FieldSpec, ...]:
        """The record type's custom fields as they are now (no restart after a change)."""
        return tuple(
            FieldSpec(f"{CUSTOM}{item.key}", item.label)
            for item in customfields.definitions(self.object_type)
        )

    def field_keys(self) -> list[str]:
        return [f.key for f in (*self.fields, *self.custom_fields())]

    def label_of(self, key: str) -> str:
        """A field's label; ``address.postal_code`` (a service's nested key) by its last part,
        ``custom.<key>`` by the custom field's label."""
        if key.startswith(CUSTOM):
            item = customfields.definition(self.object_type, key.removeprefix(CUSTOM))
            return item.label if item is not None else key.removeprefix(CUSTOM)
        name = key.rsplit(".", 1)[-1]
        if name == "row":
            return str(_lazy("Row"))
        return next((str(f.label) for f in self.fields if f.key == name), name)


ADDRESS_FIELDS = (
    FieldSpec("street", _lazy("Street and number")),
    FieldSpec("complement", _lazy("Complement")),
    FieldSpec("district", _lazy("District")),
    FieldSpec("city", _lazy("City")),
    FieldSpec("state", _lazy("State")),
    FieldSpec("postal_code", _lazy("Postal code (CEP)")),
)
ADDRESS_KEYS = tuple(f.key for f in ADDRESS_FIELDS)
CONTACT_CORE = ("first_name", "last_name", "email", "phone", "tax_id", "job_title", "external_id")
ACCOUNT_CORE = ("name", "tax_id", "country", "phone", "email", "website", "external_id")
LEAD_CORE = (
    *("first_name", "last_name", "company", "job_title", "email", "phone", "website"),
    *("tax_id", "description", "external_id"),
)


def _address(raw: dict[str, str], country: str, errors: Errors) -> dict[str, str]:
    """The row's address through the services' own address rules (CEP, state code, sizes)."""
    if not any(raw.get(k) for k in ADDRESS_KEYS):
        return {}
    item = {k: raw.get(k, "") for k in ADDRESS_KEYS}
    item["country"] = country
    return clean_address(item, "address", country, errors) or {}


_rules: dict[str, tuple[tuple[customfields.Definition, ...], dict[str, Any], tuple[str, ...]]] = {}


def _creation_rules(object_type: str) -> tuple[dict[str, Any], tuple[str, ...]]:
    """The record type's custom defaults and its required fields without one, worked out
    once per version of the definitions (a row asks two or three times)."""
    items = customfields.definitions(object_type)
    found = _rules.get(object_type)
    if found is None or found[0] is not items:
        defaults = {item.key: item.default for item in items if item.default is not None}
        required = tuple(item.key for item in items if item.required and item.default is None)
        found = (items, defaults, required)
        _rules[object_type] = found
    return found[1], found[2]


def _required_left_out(object_type: str, given: dict[str, Any]) -> set[str]:
    """Error keys of the required fields (with no default) a row leaves blank."""
    return {f"{CUSTOM}{key}" for key in _creation_rules(object_type)[1] if key not in given}


def _merge(
    cleaner: Callable[[bool], dict[str, Any]],
    row: CleanRow,
    errors: Errors,
    object_type: str,
    given: dict[str, str],
) -> CleanRow:
    """Run the service's cleaner (``cleaner(creating)``) and add its errors to the ones found
    here. Custom values are cleaned by the service too; what it says only of a new record (a
    required custom field left blank) waits until the row is known to create one."""
    try:
        values = cleaner(True)
    except ValidationFailed as exc:
        found = {k: [str(m) for m in v] for k, v in exc.errors.items()}
        if errors or not set(found) <= _required_left_out(object_type, given):
            raise ValidationFailed(errors={**found, **errors}) from None
        values = cleaner(False)  # the same checks but the new record's custom fields
    if errors:
        raise ValidationFailed(errors=errors)
    patch = values.pop(customfields.COLUMN, None) or {}
    kept = {k: v for k, v in patch.items() if k in given and v is not None}
    if kept:  # the values the row gives, without defaults: an update writes only these
        values[customfields.COLUMN] = kept
    row.values = values
    return row


def missing_required(object_type: str, values: dict[str, Any]) -> Errors:
    """The errors of a row that creates a record but leaves a required custom field blank."""
    if not _creation_rules(object_type)[1]:
        return {}
    left_out = _required_left_out(object_type, values.get(customfields.COLUMN) or {})
    return {key: [_("This field is required.")] for key in sorted(left_out)}


def custom_defaults(object_type: str) -> dict[str, Any]:
    """The record type's custom fields' defaults, for the records an import creates."""
    return _creation_rules(object_type)[0]


def requires_custom(object_type: str) -> bool:
    """Whether a new record of the type needs custom values a row may leave blank."""
    return bool(_creation_rules(object_type)[1])


def with_defaults(values: dict[str, Any], defaults: dict[str, Any]) -> dict[str, Any]:
    if not defaults:
        return values
    return {**values, customfields.COLUMN: {**defaults, **(values.get(customfields.COLUMN) or {})}}


def created_values(object_type: str, values: dict[str, Any]) -> dict[str, Any]:
    """A row's values as the record it creates takes them: custom fields' defaults added."""
    return with_defaults(values, custom_defaults(object_type))


def _split_name(raw: dict[str, str], values: dict[str, Any]) -> None:
    if raw.get("full_name") and not values.get("first_name"):
        first, _sep, last = raw["full_name"].strip().partition(" ")
        values["first_name"] = first
        if last.strip() and not values.get("last_name"):
            values["last_name"] = last.strip()


# The row cleaners pass no actor to the services: an import's columns never name an account or
# a parent, and links in custom fields are checked for the whole batch at once
# (``batch.refuse_hidden_links``), not with a query a row. So cleaning reads no database.


def _with_custom(values: dict[str, Any], given: dict[str, str]) -> dict[str, str]:
    if given:
        values[customfields.COLUMN] = given
    return given


def clean_contact_row(_actor: User | None, raw: dict[str, str], custom: dict[str, str]) -> CleanRow:
    errors: Errors = {}
    values: dict[str, Any] = {k: raw[k] for k in CONTACT_CORE if raw.get(k)}
    _split_name(raw, values)
    values.setdefault("first_name", "")
    given = _with_custom(values, custom)
    company = {"company": raw.get("company", "")}
    text_field(company, "company", errors, required=False, max_length=200)
    row = CleanRow(values={}, company=company["company"], address=_address(raw, "BR", errors))
    return _merge(
        lambda creating: clean_contact(None, values, creating=creating),
        row,
        errors,
        "customers.contact",
        given,
    )


def clean_account_row(_actor: User | None, raw: dict[str, str], custom: dict[str, str]) -> CleanRow:
    errors: Errors = {}
    values: dict[str, Any] = {k: raw[k] for k in ACCOUNT_CORE if raw.get(k)}
    values.setdefault("name", raw.get("company", ""))
    given = _with_custom(values, custom)
    country = str(values.get("country") or "BR").upper()
    row = CleanRow(values={}, address=_address(raw, country, errors))
    return _merge(
        lambda creating: clean_account(values, creating=creating),
        row,
        errors,
        "customers.account",
        given,
    )


def clean_lead_row(_actor: User | None, raw: dict[str, str], custom: dict[str, str]) -> CleanRow:
    errors: Errors = {}
    values: dict[str, Any] = {k: raw[k] for k in LEAD_CORE if raw.get(k)}
    values["country"] = "BR"  # what a new lead gets: the same values whether creating or not
    _split_name(raw, values)
    given = _with_custom(values, custom)
    return _merge(
        lambda creating: clean_lead(values, creating=creating),
        CleanRow(values={}),
        errors,
        "customers.lead",
        given,
    )


COMMON = (
    FieldSpec("email", _lazy("E-mail")),
    FieldSpec("phone", _lazy("Phone")),
    FieldSpec("tax_id", _lazy("Tax id (CPF/CNPJ)")),
    FieldSpec("external_id", _lazy("External id")),
)

CONTACTS = ImportSpec(
    object_type="customers.contact",
    slug="contacts",
    label=_lazy("Contacts"),
    model=Contact,
    fields=(
        FieldSpec("first_name", _lazy("First name"), required=True),
        FieldSpec("last_name", _lazy("Last name")),
        FieldSpec("full_name", _lazy("Full name (split into first and last)")),
        *COMMON,
        FieldSpec("job_title", _lazy("Job title")),
        FieldSpec("company", _lazy("Company (account, created when missing)")),
        *ADDRESS_FIELDS,
    ),
    clean=clean_contact_row,
    match_keys=("external_id", "email", "phone", "tax_id"),
    search_fields=("first_name", "last_name", "email", "phone", "tax_id", "job_title"),
)

ACCOUNTS = ImportSpec(
    object_type="customers.account",
    slug="accounts",
    label=_lazy("Accounts"),
    model=Account,
    fields=(
        FieldSpec("name", _lazy("Name"), required=True),
        *COMMON,
        FieldSpec("website", _lazy("Website")),
        FieldSpec("country", _lazy("Country (two letters)")),
        *ADDRESS_FIELDS,
    ),
    clean=clean_account_row,
    match_keys=("external_id", "tax_id", "email", "phone"),
    search_fields=("name", "tax_id", "email", "phone"),
)

LEADS = ImportSpec(
    object_type="customers.lead",
    slug="leads",
    label=_lazy("Leads"),
    model=Lead,
    fields=(
        FieldSpec("first_name", _lazy("First name")),
        FieldSpec("last_name", _lazy("Last name")),
        FieldSpec("full_name", _lazy("Full name (split into first and last)")),
        FieldSpec("company", _lazy("Company")),
        *COMMON,
        FieldSpec("job_title", _lazy("Job title")),
        FieldSpec("website", _lazy("Website")),
        FieldSpec("description", _lazy("Description")),
    ),
    clean=clean_lead_row,
    match_keys=("external_id", "email", "phone", "tax_id"),
    search_fields=("first_name", "last_name", "company", "email", "phone", "tax_id"),
    defaults={"source": "import"},
)

SPECS = {spec.slug: spec for spec in (CONTACTS, ACCOUNTS, LEADS)}
BY_TYPE = {spec.object_type: spec for spec in SPECS.values()}


def spec_for(slug_or_type: str) -> ImportSpec:
    spec = SPECS.get(slug_or_type) or BY_TYPE.get(slug_or_type)
    if spec is None:
        raise ValidationFailed(errors={"object_type": [_("Unknown record type.")]})
    return spec
