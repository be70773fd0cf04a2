"""Personal data held on a person: the registry every app adds to, the exporter, the redactor.

``register_personal_data(PersonalDataProvider(name, export, erase))`` is how an app above
customers (activities, service tickets, marketing touches) makes its rows part of a data-subject
export and of an erasure, without customers importing it. Customers registers its own sections
below: the contact, e-mails and phones, addresses, memberships, consents, leads, audit entries.

The audit chain is append-only and hashed, so erasure cannot rewrite the values it stored about a
person. Instead the pages never show them again: ``redact_entries`` blanks the changes and the
label of every entry about an anonymised contact (and the leads converted to it) before display.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Model, Q

from clientela.customers.models import (
    AccountContact,
    Address,
    Consent,
    Contact,
    ContactPoint,
    Lead,
)
from clientela.platform import audit, customfields
from clientela.platform.models import AuditEntry

REDACTED = "[erased]"
CUSTOM_PREFIX = f"{customfields.COLUMN}."
CONTACT_TYPE = "customers.contact"
LEAD_TYPE = "customers.lead"


@dataclass(frozen=True)
class PersonalDataProvider:
    """A section of the export (``name``.json in the ZIP) and, optionally, how to erase it.

    ``export(contact)`` returns JSON-ready data; ``erase(contact)`` removes or blanks the rows
    inside the anonymisation's transaction and returns how many it touched.
    """

    name: str
    export: Callable[[Contact], Any]
    erase: Callable[[Contact], int] | None = None


_providers: dict[str, PersonalDataProvider] = {}


def register_personal_data(provider: PersonalDataProvider) -> None:
    existing = _providers.get(provider.name)
    if existing is not None and existing != provider:
        raise ValueError(f"personal-data section {provider.name!r} registered twice")
    _providers[provider.name] = provider


def providers() -> list[PersonalDataProvider]:
    return list(_providers.values())


def row(record: Model) -> dict[str, Any]:
    """A record as plain JSON values: every concrete field, foreign keys as ids; custom fields
    under ``custom_fields``, each with its label and its value as shown."""
    data: dict[str, Any] = {"id": record.pk}
    data.update(audit.snapshot(record))
    for name in ("created_at", "updated_at"):
        value = getattr(record, name, None)
        if isinstance(value, datetime):
            data[name] = value.isoformat()
    data.pop("search_text", None)
    for key in [k for k in data if k.startswith(CUSTOM_PREFIX)]:
        del data[key]  # in ``custom_fields``, labelled
    stored = getattr(record, customfields.COLUMN, None)
    if stored:
        data["custom_fields"] = custom_values(record._meta.label_lower, stored)
    return data


def custom_values(object_type: str, stored: dict[str, Any]) -> list[dict[str, Any]]:
    """A record's custom values for a person to read, in form order: key, label, value and
    the value as shown (a value whose field is gone, under its key)."""
    found = []
    for item in customfields.definitions(object_type):
        if item.key in stored:
            value = stored[item.key]
            found.append(
                {
                    "key": item.key,
                    "label": item.label,
                    "value": customfields.api_value(item, value),
                    "shown": customfields.display(item, value),
                }
            )
    listed = {f["key"] for f in found}
    for key, value in stored.items():
        if key not in listed:
            found.append({"key": key, "label": key, "value": value, "shown": str(value)})
    return found


def _contact(contact: Contact) -> Any:
    data = row(contact)
    data["tags"] = list(contact.tags.values_list("name", flat=True))
    return data


def _memberships(contact: Contact) -> Any:
    memberships = AccountContact.objects.filter(contact=contact).select_related("account")
    return [
        {"account_id": m.account_id, "account": m.account.name, "role": m.role} for m in memberships
    ]


def _leads(contact: Contact) -> list[Lead]:
    return list(Lead.objects.filter(converted_contact=contact).order_by("id"))


def _audit(contact: Contact) -> Any:
    lead_ids = [
        str(pk)
        for pk in Lead.objects.filter(converted_contact=contact).values_list("pk", flat=True)
    ]
    entries = AuditEntry.objects.filter(
        Q(object_type=CONTACT_TYPE, object_id=str(contact.pk))
        | Q(object_type=LEAD_TYPE, object_id__in=lead_ids)
    ).order_by("seq")
    return [
        {
            "seq": e.seq,
            "at": e.at.isoformat(),
            "who": e.actor_label,
            "channel": e.channel,
            "action": e.action,
            "record_type": e.object_type,
            "record_id": e.object_id,
            "changes": e.changes,
        }
        for e in entries
    ]


for _provider in (
    PersonalDataProvider("contact", _contact),
    PersonalDataProvider(
        "contact_points", lambda c: [row(p) for p in ContactPoint.objects.filter(contact=c)]
    ),
    PersonalDataProvider(
        "addresses", lambda c: [row(a) for a in Address.objects.filter(contact=c)]
    ),
    PersonalDataProvider("memberships", _memberships),
    PersonalDataProvider(
        "consents",
        lambda c: [row(x) for x in Consent.objects.filter(contact=c).order_by("recorded_at", "id")],
    ),
    PersonalDataProvider("leads", lambda c: [row(lead) for lead in _leads(c)]),
    PersonalDataProvider("audit", _audit),
):
    register_personal_data(_provider)


def collect(contact: Contact) -> dict[str, Any]:
    """Every registered section for the contact, by name."""
    return {p.name: p.export(contact) for p in providers()}


def _dump(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True, default=str)


def build_zip(contact: Contact, *, exported_at: datetime, exported_by: str) -> bytes:
    """A ZIP with ``manifest.json`` and one ``<section>.json`` per registered section."""
    sections = collect(contact)
    manifest = {
        "subject": {"record_type": CONTACT_TYPE, "id": contact.pk},
        "exported_at": exported_at.isoformat(),
        "exported_by": exported_by,
        "sections": sorted(sections),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", _dump(manifest))
        for name, data in sections.items():
            archive.writestr(f"{name}.json", _dump(data))
    return buffer.getvalue()


def _erased_keys(entries: list[AuditEntry]) -> set[tuple[str, str]]:
    """(record type, id) of the entries' records that belong to an anonymised person."""
    contact_ids = {e.object_id for e in entries if e.object_type == CONTACT_TYPE}
    lead_ids = {e.object_id for e in entries if e.object_type == LEAD_TYPE}
    erased: set[tuple[str, str]] = set()
    numeric = [int(i) for i in contact_ids if i.isdigit()]
    if numeric:
        gone = Contact.objects.filter(pk__in=numeric, anonymized_at__isnull=False)
        erased |= {(CONTACT_TYPE, str(pk)) for pk in gone.values_list("pk", flat=True)}
    numeric = [int(i) for i in lead_ids if i.isdigit()]
    if numeric:
        gone_leads = Lead.objects.filter(
            pk__in=numeric, converted_contact__anonymized_at__isnull=False
        )
        erased |= {(LEAD_TYPE, str(pk)) for pk in gone_leads.values_list("pk", flat=True)}
    return erased


def redact_entries(entries: Iterable[AuditEntry]) -> list[AuditEntry]:
    """The entries for display, with values about anonymised people replaced (never saved).

    The stored entries keep their content, so the hash chain still verifies; only what the pages
    show changes. The anonymisation entry itself names no value and is shown as it is.
    """
    entries = list(entries)
    erased = _erased_keys(entries)
    for entry in entries:
        if (entry.object_type, entry.object_id) not in erased:
            continue
        entry.object_repr = REDACTED
        if entry.action != "anonymise":
            entry.changes = {k: [REDACTED, REDACTED] for k in entry.changes}
        entry.redacted = True  # type: ignore[attr-defined]
    return entries


def is_erased(record: Model) -> bool:
    if isinstance(record, Contact):
        return record.anonymized_at is not None
    if isinstance(record, Lead) and record.converted_contact_id:
        return Contact.objects.filter(
            pk=record.converted_contact_id, anonymized_at__isnull=False
        ).exists()
    return False
