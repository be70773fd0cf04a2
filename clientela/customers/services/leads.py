"""Writes on leads: create, change, move through the lifecycle, bulk upsert, convert.

The lifecycle is ``LEAD_TRANSITIONS`` in the models (allowed ``(from, to)`` pairs); a move not in
it is refused with the stable code ``lead_transition_not_allowed`` and nothing changes. Conversion
is the only way to ``converted``: it creates or links an account and a contact in one
transaction, and apps above customers (sales: an opportunity) add their part through
``register_conversion_extra`` instead of being imported here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clientela.customers import validators
from clientela.customers.models import (
    LEAD_TRANSITIONS,
    Account,
    AccountContact,
    Contact,
    DisqualifyReason,
    Industry,
    Lead,
    LeadRating,
    LeadSource,
    LeadStatus,
    SizeBand,
)
from clientela.customers.services.accounts import account_create
from clientela.customers.services.common import account_tax_id, contact_points, text_field
from clientela.customers.services.contacts import contact_create, contact_update
from clientela.platform import audit, customfields, events, permissions
from clientela.platform.errors import Conflict, NotFound, ValidationFailed
from clientela.platform.models import User
from clientela.platform.services.records import record_create, record_delete, record_update

TEXT_FIELDS = {
    "first_name": 100,
    "last_name": 100,
    "company": 200,
    "job_title": 120,
    "email": 254,
    "phone": 40,
    "website": 200,
    "tax_id": 32,
    "description": 10_000,
    "external_id": 100,
}
CHOICE_FIELDS: dict[str, Any] = {
    "source": LeadSource,
    "rating": LeadRating,
    "industry": Industry,
    "size_band": SizeBand,
}
LEAD_FIELDS = (*TEXT_FIELDS, *CHOICE_FIELDS, "country", "owner", "team", "custom")
# What may still change once a lead is converted: its notes.
CONVERTED_EDITABLE = frozenset({"description"})
BULK_MAX = 500


def _choices(values: dict[str, Any], errors: dict[str, list[str]]) -> None:
    for name, choices in CHOICE_FIELDS.items():
        if name not in values:
            continue
        value = values[name] if values[name] is not None else ""
        if value == "" and name in ("rating", "industry", "size_band"):
            values[name] = ""
        elif value not in choices.values:
            errors[name] = [_("Choose one of the offered values.")]


def _country(values: dict[str, Any], errors: dict[str, list[str]], creating: bool) -> str:
    if "country" not in values and not creating:
        return ""
    country = str(values.get("country") or "BR").upper()
    if len(country) != 2 or not country.isalpha():
        errors["country"] = [_("Enter a two-letter country code.")]
    values["country"] = country
    return country


def clean_lead(
    values: dict[str, Any], *, creating: bool, country: str = "BR", actor: User | None = None
) -> dict[str, Any]:
    """Lead fields checked and normalised (phone to E.164, CPF/CNPJ formatted); 422 otherwise."""
    values = {k: v for k, v in values.items() if k in LEAD_FIELDS}
    errors: dict[str, list[str]] = {}
    for name, size in TEXT_FIELDS.items():
        text_field(values, name, errors, required=False, max_length=size)
    _choices(values, errors)
    country = _country(values, errors, creating) or country
    if not errors:
        contact_points(values, errors, country)
        account_tax_id(values, errors, country)
    if values.get("website"):
        try:
            URLValidator(schemes=["http", "https"])(values["website"])
        except DjangoValidationError:
            errors["website"] = [_("Enter a valid web address (http or https).")]
    customfields.clean_into(
        actor, "customers.lead", values, errors, creating=creating, region=country
    )
    if creating and not any(values.get(k) for k in ("first_name", "last_name", "company", "email")):
        errors["last_name"] = [_("Enter a name, a company or an e-mail address.")]
    if errors:
        raise ValidationFailed(errors=errors)
    return values


def lead_create(*, actor: User, values: dict[str, Any]) -> Lead:
    return record_create(
        actor=actor, model=Lead, values=clean_lead(values, creating=True, actor=actor)
    )


def lead_update(*, actor: User, lead_id: Any, values: dict[str, Any]) -> Lead:
    with transaction.atomic():
        lead = permissions.get_for_action(actor, Lead.objects.select_for_update(), lead_id, "edit")
        if lead.status == LeadStatus.CONVERTED:
            blocked = sorted(set(values) - CONVERTED_EDITABLE)
            if blocked:
                raise Conflict(
                    _("A converted lead can only have its notes changed."), code="lead_converted"
                )
        values = clean_lead(values, creating=False, country=lead.country, actor=actor)
        return record_update(actor=actor, model=Lead, pk=lead.pk, values=values)


def lead_delete(*, actor: User, lead_id: Any) -> None:
    lead = permissions.get_for_action(actor, Lead.objects.all(), lead_id, "delete")
    if lead.status == LeadStatus.CONVERTED:
        raise Conflict(
            _("A converted lead is kept as the record of where its customer came from."),
            code="lead_converted",
        )
    record_delete(actor=actor, model=Lead, pk=lead.pk)


def allowed_statuses(lead: Lead) -> list[str]:
    """Where a lead may go next by hand (conversion has its own wizard)."""
    return [
        to
        for to in LeadStatus.values
        if (lead.status, to) in LEAD_TRANSITIONS and to != LeadStatus.CONVERTED
    ]


def _check_move(lead: Lead, status: str, reason: str) -> None:
    if status not in LeadStatus.values:
        raise ValidationFailed(errors={"status": [_("Choose one of the offered values.")]})
    if status == LeadStatus.CONVERTED:
        raise Conflict(
            _("Use the conversion to turn a lead into a customer."), code="lead_use_conversion"
        )
    if (lead.status, status) not in LEAD_TRANSITIONS:
        raise Conflict(
            _("A lead cannot move from “%(from)s” to “%(to)s”.")
            % {"from": lead.get_status_display(), "to": LeadStatus(status).label},
            code="lead_transition_not_allowed",
        )
    if status == LeadStatus.DISQUALIFIED and reason not in DisqualifyReason.values:
        raise ValidationFailed(errors={"reason": [_("Say why the lead is disqualified.")]})


def lead_set_status(*, actor: User, lead_id: Any, status: str, reason: str = "") -> Lead:
    with transaction.atomic():
        lead = permissions.get_for_action(actor, Lead.objects.select_for_update(), lead_id, "edit")
        _check_move(lead, status, reason or "")
        before = audit.snapshot(lead)
        previous = lead.status
        lead.status = status
        lead.disqualify_reason = reason if status == LeadStatus.DISQUALIFIED else ""
        lead.save(update_fields=["status", "disqualify_reason", "updated_at"])
        changes = audit.diff(before, audit.snapshot(lead))
        if changes:
            audit.record(actor=actor, action="update", obj=lead, changes=changes)
    if changes:
        payload = {"id": lead.pk, "from": previous, "to": status, "changes": changes}
        events.emit(events.Event("customers.lead.status_changed", actor.pk, payload))
    return lead


def _bulk_one(actor: User, item: dict[str, Any]) -> tuple[Lead, bool]:
    item = dict(item)
    lead_id = item.pop("id", None)
    if lead_id is None:
        return lead_create(actor=actor, values=item), True
    return lead_update(actor=actor, lead_id=lead_id, values=item), False


def lead_bulk_upsert(*, actor: User, items: list[dict[str, Any]]) -> list[tuple[Lead, bool]]:
    """Create (no ``id``) or change (with ``id``) up to 500 leads: all of them or none.

    Every item is tried so that the answer lists each bad one (``items.<n>.<field>``); if any
    failed, the whole batch is rolled back.
    """
    if len(items) > BULK_MAX:
        raise ValidationFailed(
            errors={"items": [_("Send at most %(n)d items at a time.") % {"n": BULK_MAX}]}
        )
    done: list[tuple[Lead, bool]] = []
    errors: dict[str, list[str]] = {}
    with transaction.atomic():
        for index, item in enumerate(items):
            try:
                with transaction.atomic():
                    done.append(_bulk_one(actor, item))
            except (ValidationFailed, Conflict) as exc:
                for name, messages in (exc.errors or {"": [str(exc.message)]}).items():
                    key = f"items.{index}.{name}" if name else f"items.{index}"
                    errors[key] = [str(m) for m in messages]
            except NotFound as exc:
                errors[f"items.{index}.id"] = [str(exc.message)]
        if errors:
            raise ValidationFailed(errors=errors)
    return done


# --- conversion -------------------------------------------------------------------------------

ConversionExtra = Callable[..., dict[str, Any]]
_extras: dict[str, ConversionExtra] = {}


@dataclass(frozen=True)
class ExtraField:
    """An option the conversion page asks for an extra part: ``kind`` is text, decimal or date."""

    key: str
    label: Any
    kind: str = "text"


@dataclass(frozen=True)
class ExtraForm:
    label: Any
    fields: tuple[ExtraField, ...] = ()


_extra_forms: dict[str, ExtraForm] = {}


def register_conversion_extra(
    name: str, extra: ConversionExtra, form: ExtraForm | None = None
) -> None:
    """Let a later app (sales: ``opportunity``) add a part to conversion, in its transaction.

    ``extra(actor=…, lead=…, account=…, contact=…, options=dict)`` runs inside the conversion's
    transaction only when the request names it in ``extras``; it returns what it made (ids) and
    raises ``ValidationFailed`` to roll the whole conversion back. With ``form``, the conversion
    page offers the part as a checkbox with those options.
    """
    _extras[name] = extra
    if form is not None:
        _extra_forms[name] = form


def conversion_extras() -> list[str]:
    return sorted(_extras)


def conversion_extra_forms() -> dict[str, ExtraForm]:
    return dict(sorted(_extra_forms.items()))


@dataclass
class ConversionPlan:
    """What the user chose: ``create`` (from the lead's data, with overrides) or ``link``."""

    account_mode: str = "create"  # create | link | none
    account_id: int | None = None
    account_values: dict[str, Any] = field(default_factory=dict)
    contact_mode: str = "create"  # create | link
    contact_id: int | None = None
    contact_values: dict[str, Any] = field(default_factory=dict)
    extras: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass
class ConversionResult:
    lead: Lead
    account: Any
    contact: Any
    extras: dict[str, dict[str, Any]]


def lead_account_values(lead: Lead) -> dict[str, Any]:
    """A new account's fields taken from the lead (a CNPJ goes to the account, a CPF does not)."""
    values: dict[str, Any] = {
        "name": lead.company,
        "country": lead.country,
        "website": lead.website,
        "industry": lead.industry,
        "size_band": lead.size_band,
    }
    if lead.tax_id and not validators.is_valid_cpf(lead.tax_id):
        values["tax_id"] = lead.tax_id
    return values


def lead_contact_values(lead: Lead) -> dict[str, Any]:
    """A new contact's fields taken from the lead."""
    first, last = lead.first_name, lead.last_name
    if not first:
        first, last = last, ""
    values: dict[str, Any] = {
        "first_name": first,
        "last_name": last,
        "email": lead.email,
        "phone": lead.phone,
        "job_title": lead.job_title,
    }
    if lead.tax_id and validators.is_valid_cpf(lead.tax_id):
        values["tax_id"] = lead.tax_id
    return values


def _ownership(lead: Lead) -> dict[str, Any]:
    """New records go to the lead's owner and team (the actor when the owner left)."""
    owner_active = User.objects.filter(pk=lead.owner_id, is_active=True).exists()
    return {"owner": lead.owner_id if owner_active else None, "team": lead.team_id}


def _check_plan(plan: ConversionPlan) -> None:
    errors: dict[str, list[str]] = {}
    if plan.account_mode not in ("create", "link", "none"):
        errors["account.mode"] = [_("Choose one of the offered values.")]
    if plan.contact_mode not in ("create", "link"):
        errors["contact.mode"] = [_("Choose one of the offered values.")]
    if plan.account_mode == "link" and plan.account_id is None:
        errors["account.id"] = [_("Choose the account to link.")]
    if plan.contact_mode == "link" and plan.contact_id is None:
        errors["contact.id"] = [_("Choose the contact to link.")]
    for name in plan.extras:
        if name not in _extras:
            errors[f"extras.{name}"] = [_("This conversion option is not available.")]
    if errors:
        raise ValidationFailed(errors=errors)


def _collect(errors: dict[str, list[str]], part: str, exc: ValidationFailed) -> None:
    for name, messages in (exc.errors or {"": [str(exc.message)]}).items():
        errors[f"{part}.{name}" if name else part] = [str(m) for m in messages]


def _account_part(
    actor: User, lead: Lead, plan: ConversionPlan, errors: dict[str, list[str]]
) -> Account | None:
    if plan.account_mode == "none":
        return None
    if plan.account_mode == "link":
        try:
            return permissions.get_visible(actor, Account.objects.all(), plan.account_id)
        except NotFound:
            errors["account.id"] = [_("Unknown account.")]
            return None
    values = {**lead_account_values(lead), **_ownership(lead), **plan.account_values}
    try:
        with transaction.atomic():
            return account_create(actor=actor, values=values)
    except ValidationFailed as exc:
        _collect(errors, "account", exc)
        return None


def _contact_part(
    actor: User,
    lead: Lead,
    plan: ConversionPlan,
    account: Account | None,
    errors: dict[str, list[str]],
) -> Contact | None:
    account_pk = account.pk if account is not None else None
    if plan.contact_mode == "link":
        try:
            contact = permissions.get_visible(actor, Contact.objects.all(), plan.contact_id)
        except NotFound:
            errors["contact.id"] = [_("Unknown contact.")]
            return None
        if contact.anonymized_at is not None:
            errors["contact.id"] = [_("This contact was anonymised; choose another one.")]
            return None
        if account_pk is not None and contact.account_id is None:
            contact = contact_update(
                actor=actor, contact_id=contact.pk, values={"account": account_pk}
            )
    else:
        values = {**lead_contact_values(lead), **_ownership(lead), **plan.contact_values}
        try:
            with transaction.atomic():
                contact = contact_create(actor=actor, values={**values, "account": account_pk})
        except ValidationFailed as exc:
            _collect(errors, "contact", exc)
            return None
    if account is not None:
        AccountContact.objects.get_or_create(account=account, contact=contact)
    return contact


def _check_convertible(lead: Lead) -> None:
    if lead.status == LeadStatus.CONVERTED:
        raise Conflict(_("This lead was already converted."), code="lead_already_converted")
    if (lead.status, LeadStatus.CONVERTED.value) not in LEAD_TRANSITIONS:
        raise Conflict(
            _("A %(status)s lead cannot be converted; reopen it first.")
            % {"status": lead.get_status_display().lower()},
            code="lead_transition_not_allowed",
        )


def lead_convert(*, actor: User, lead_id: Any, plan: ConversionPlan) -> ConversionResult:
    """Turn a lead into an account and a contact (created or linked), all or nothing."""
    _check_plan(plan)
    with transaction.atomic():
        lead = permissions.get_for_action(actor, Lead.objects.select_for_update(), lead_id, "edit")
        _check_convertible(lead)
        errors: dict[str, list[str]] = {}
        account = _account_part(actor, lead, plan, errors)
        contact = _contact_part(actor, lead, plan, account, errors)
        if errors or contact is None:
            raise ValidationFailed(errors=errors)
        made = {
            name: _extras[name](
                actor=actor, lead=lead, account=account, contact=contact, options=options
            )
            for name, options in plan.extras.items()
        }
        before = audit.snapshot(lead)
        lead.status = LeadStatus.CONVERTED
        lead.converted_account, lead.converted_contact = account, contact
        lead.converted_at = timezone.now()
        fields = ["status", "converted_account", "converted_contact", "converted_at"]
        lead.save(update_fields=[*fields, "updated_at"])
        audit.record(
            actor=actor,
            action="convert",
            obj=lead,
            changes=audit.diff(before, audit.snapshot(lead)),
        )
    payload = {
        "id": lead.pk,
        "lead_id": lead.pk,
        "account_id": account.pk if account is not None else None,
        "contact_id": contact.pk,
        "extras": made,
    }
    events.emit(events.Event("customers.lead.converted", actor.pk, payload))
    return ConversionResult(lead, account, contact, made)
