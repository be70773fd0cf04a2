"""Data-subject requests (LGPD art. 18, GDPR arts. 15-17, PIPEDA principle 9): export and erase.

Export needs the ``export`` right on contacts; erasure needs ``delete`` (it destroys data as surely
as a deletion). Erasure anonymises instead of deleting: the contact row, its memberships, tags,
demographic bands and consent rows stay, so counts and reports still add up, while every value
that names or reaches the person is blanked or deleted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from clientela.customers import privacy
from clientela.customers.models import (
    Address,
    Consent,
    Contact,
    ContactPoint,
    DuplicateCandidate,
    Lead,
    MergeRecord,
)
from clientela.platform import audit, customfields, events, permissions
from clientela.platform.errors import Conflict
from clientela.platform.models import User

# What the anonymised record shows instead of a name (data, not interface text).
ANONYMOUS_NAME = "Anonymised"
CONTACT_ERASED = {
    "last_name": "",
    "email": "",
    "phone": "",
    "tax_id": "",
    "job_title": "",
    "birthday": None,
    "description": "",
    "external_id": "",
}
LEAD_ERASED = ("first_name", "last_name", "email", "phone", "job_title", "description")
PROOF_KEPT = ("form", "text")  # what was shown, not who saw it (IP, user agent go)
# The account comes along (its name goes into the search text); only the contact row is locked.
LOCKED_CONTACT = Contact.objects.select_related("account").select_for_update(of=("self",))


@dataclass(frozen=True)
class PersonalDataExport:
    filename: str
    content: bytes


def contact_personal_data_export(*, actor: User, contact_id: Any) -> PersonalDataExport:
    """Everything held on the person as a ZIP of JSON files; the export itself is audited."""
    contact = permissions.get_visible(actor, Contact.objects.all(), contact_id)
    permissions.require(actor, privacy.CONTACT_TYPE, "export")
    now = timezone.now()
    content = privacy.build_zip(contact, exported_at=now, exported_by=actor.get_username())
    with transaction.atomic():
        audit.record(
            actor=actor,
            action="export",
            obj=contact,
            changes={"personal_data": [None, sorted(p.name for p in privacy.providers())]},
        )
    events.emit(
        events.Event("customers.contact.personal_data_exported", actor.pk, {"id": contact.pk})
    )
    return PersonalDataExport(f"personal-data-contact-{contact.pk}.zip", content)


def _erase_leads(contact: Contact) -> int:
    leads = list(Lead.objects.select_for_update().filter(converted_contact=contact))
    for lead in leads:
        for name in LEAD_ERASED:
            setattr(lead, name, "")
        if lead.tax_id and len("".join(c for c in lead.tax_id if c.isdigit())) != 14:
            lead.tax_id = ""  # a CPF is the person's; a CNPJ is the company's and stays
        lead.custom = None  # custom fields may hold anything about the person
        # save() rebuilds search_text
        lead.save(update_fields=[*LEAD_ERASED, "tax_id", "custom"])
    return len(leads)


def _erase_consent_proof(contact: Contact) -> int:
    consents = list(Consent.objects.filter(contact=contact))
    for consent in consents:
        proof = consent.proof if isinstance(consent.proof, dict) else {}
        consent.proof = {k: v for k, v in proof.items() if k in PROOF_KEPT}
    Consent.objects.bulk_update(consents, ["proof"])
    return len(consents)


def _erase_traces(contact: Contact) -> dict[str, int]:
    """Rows hanging off the person: deleted (points, addresses) or scrubbed (the rest)."""
    counts = {
        "contact_points": ContactPoint.objects.filter(contact=contact).delete()[0],
        "addresses": Address.objects.filter(contact=contact).delete()[0],
        "consents": _erase_consent_proof(contact),
        "leads": _erase_leads(contact),
        "duplicates": DuplicateCandidate.objects.filter(
            Q(left_id=contact.pk) | Q(right_id=contact.pk), object_type=privacy.CONTACT_TYPE
        ).delete()[0],
        # A merge's snapshots hold the person's old values: erasure wins over undoing it.
        "merges": MergeRecord.objects.filter(
            object_type=privacy.CONTACT_TYPE, survivor_id=contact.pk
        ).update(survivor_before={}, merged_snapshot={}),
    }
    for provider in privacy.providers():
        if provider.erase is not None:
            counts[provider.name] = provider.erase(contact)
    return counts


def contact_anonymise(*, actor: User, contact_id: Any) -> Contact:
    """Erase the person but keep the record (and its id) so aggregates still add up."""
    with transaction.atomic():
        contact = permissions.get_for_action(actor, LOCKED_CONTACT, contact_id, "delete")
        if contact.anonymized_at is not None:
            raise Conflict(
                _("This contact was already anonymised."), code="contact_already_anonymised"
            )
        erased = sorted(n for n in CONTACT_ERASED if getattr(contact, n) not in ("", None))
        # Custom fields may hold anything about the person (a plate, a shoe size): all go,
        # each named in the audit entry (never its value).
        erased += sorted(f"{customfields.COLUMN}.{key}" for key in contact.custom or {})
        counts = _erase_traces(contact)
        contact.first_name = ANONYMOUS_NAME
        for name, value in CONTACT_ERASED.items():
            setattr(contact, name, value)
        contact.custom = None
        contact.do_not_contact = True
        contact.anonymized_at = timezone.now()
        contact.save()
        changes: dict[str, Any] = {
            "anonymized_at": [None, contact.anonymized_at.isoformat()],
            "erased_fields": [None, ["first_name", *erased]],
        }
        touched = {name: n for name, n in counts.items() if n}
        if touched:
            changes["related_rows_erased"] = [None, touched]
        audit.record(actor=actor, action="anonymise", obj=contact, changes=changes)
    events.emit(events.Event("customers.contact.anonymised", actor.pk, {"id": contact.pk}))
    return contact
