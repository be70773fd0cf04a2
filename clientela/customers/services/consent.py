"""Writes on consent: append a consent event, set or clear "do not contact".

Consent rows are append-only: a change of mind is a new row, and the rows together are the proof
an authority may ask for (who, when, through what, having been shown which text).
"""

from __future__ import annotations

import ipaddress
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clientela.customers.consent import latest_status
from clientela.customers.models import (
    Consent,
    ConsentChannel,
    ConsentPurpose,
    ConsentStatus,
    Contact,
)
from clientela.customers.services.nested import run_bulk
from clientela.platform import audit, events, permissions
from clientela.platform.errors import Conflict, ValidationFailed, not_found_on
from clientela.platform.models import User

PROOF_FIELDS = {"form": 200, "ip": 45, "user_agent": 500, "text": 5000}


def clean_proof(proof: Any, errors: dict[str, list[str]]) -> dict[str, str]:
    """Only the known proof keys, as bounded text; the IP address must parse."""
    if proof in (None, ""):
        return {}
    if not isinstance(proof, dict):
        errors["proof"] = [_("Enter the proof as form, ip, user_agent and text.")]
        return {}
    cleaned: dict[str, str] = {}
    for name, value in proof.items():
        if name not in PROOF_FIELDS:
            errors[f"proof.{name}"] = [_("Unknown proof field.")]
        elif not isinstance(value, str):
            errors[f"proof.{name}"] = [_("Enter text.")]
        elif len(value) > PROOF_FIELDS[name]:
            errors[f"proof.{name}"] = [
                _("Enter at most %(n)d characters.") % {"n": PROOF_FIELDS[name]}
            ]
        elif value.strip():
            cleaned[name] = value.strip()
    if cleaned.get("ip"):
        try:
            cleaned["ip"] = str(ipaddress.ip_address(cleaned["ip"]))
        except ValueError:
            errors["proof.ip"] = [_("Enter a valid IP address.")]
    return cleaned


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    for name, choices in (
        ("channel", ConsentChannel),
        ("purpose", ConsentPurpose),
        ("status", ConsentStatus),
    ):
        if values.get(name) not in choices.values:
            errors[name] = [_("Choose one of the offered values.")]
    source = values.get("source") or ""
    if not isinstance(source, str) or len(source) > 100:
        errors["source"] = [_("Enter at most %(n)d characters.") % {"n": 100}]
    recorded_at = values.get("recorded_at") or timezone.now()
    if not isinstance(recorded_at, datetime) or timezone.is_naive(recorded_at):
        errors["recorded_at"] = [_("Enter a date and time with its time zone.")]
    elif recorded_at > timezone.now() + timedelta(minutes=5):
        errors["recorded_at"] = [_("A consent cannot be recorded in the future.")]
    proof = clean_proof(values.get("proof"), errors)
    if errors:
        raise ValidationFailed(errors=errors)
    return {
        "channel": values["channel"],
        "purpose": values["purpose"],
        "status": values["status"],
        "source": source.strip() if isinstance(source, str) else "",
        "proof": proof,
        "recorded_at": recorded_at,
    }


def consent_record(*, actor: User, contact_id: Any, values: dict[str, Any]) -> Consent:
    """Append one consent event for a contact the actor may edit."""
    cleaned = _clean(values)
    with transaction.atomic():
        contact = permissions.get_for_action(
            actor, Contact.objects.select_for_update(), contact_id, "edit"
        )
        if contact.anonymized_at is not None:
            raise Conflict(
                _("This contact was anonymised; no consent can be recorded."),
                code="contact_anonymised",
            )
        before = latest_status(contact, cleaned["channel"], cleaned["purpose"])
        consent = Consent.objects.create(contact=contact, recorded_by=actor, **cleaned)
        key = f"consent.{cleaned['channel']}.{cleaned['purpose']}"
        audit.record(
            actor=actor,
            action="consent",
            obj=contact,
            changes={key: [before, cleaned["status"]], "source": [None, cleaned["source"]]},
        )
    payload = {
        "id": consent.pk,
        "contact_id": contact.pk,
        "channel": consent.channel,
        "purpose": consent.purpose,
        "status": consent.status,
    }
    events.emit(events.Event("customers.consent.recorded", actor.pk, payload))
    return consent


def _record_item(actor: User, item: dict[str, Any]) -> Consent:
    values = dict(item)
    contact_id = values.pop("contact_id", None)
    if contact_id in (None, ""):
        raise ValidationFailed(errors={"contact_id": [_("This field is required.")]})
    return not_found_on(
        "contact_id", lambda: consent_record(actor=actor, contact_id=contact_id, values=values)
    )


def consent_bulk(*, actor: User, items: list[dict[str, Any]]) -> list[Consent]:
    """Record up to 500 consents, each about its own contact, all or none.

    Each item is checked as the single ``consent_record`` checks it (a contact out of the
    actor's sight is "not found" on its ``contact_id``); a 422 lists the errors by index.
    """
    permissions.require(actor, "customers.contact", "edit")
    return run_bulk(items, lambda item: _record_item(actor, item))


def contact_set_do_not_contact(*, actor: User, contact_id: Any, value: bool) -> Contact:
    """Switch the contact's "do not contact" flag, which overrides every consent."""
    with transaction.atomic():
        # The account comes along: saving rebuilds the search text, which holds its name.
        locked = Contact.objects.select_related("account").select_for_update(of=("self",))
        contact = permissions.get_for_action(actor, locked, contact_id, "edit")
        if contact.anonymized_at is not None and not value:
            raise Conflict(
                _("An anonymised contact stays marked as do not contact."),
                code="contact_anonymised",
            )
        if contact.do_not_contact == value:
            return contact
        contact.do_not_contact = value
        contact.save(update_fields=["do_not_contact", "updated_at"])
        audit.record(
            actor=actor,
            action="update",
            obj=contact,
            changes={"do_not_contact": [not value, value]},
        )
    events.emit(
        events.Event(
            "customers.contact.updated", actor.pk, {"id": contact.pk, "fields": ["do_not_contact"]}
        )
    )
    return contact
