"""May we contact this person on this channel for this purpose? Every sender asks here.

The rules, in order:

1. ``do_not_contact`` on the contact (or an anonymised contact) refuses everything.
2. Otherwise the latest consent row for (channel, purpose) decides: opted in → yes, opted out → no.
3. With no row at all, only ``service`` messages (replies, order and ticket notices, which the
   contract itself justifies) may be sent; marketing, newsletters, surveys and profiling need an
   explicit opt-in (LGPD art. 7 I, GDPR art. 6(1)(a)).

``can_contact`` answers for one contact; ``contactable`` narrows a queryset for senders at
volume with one SQL query (a correlated subquery on the consent index), never a loop in Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import OuterRef, Q, QuerySet, Subquery

from clientela.customers.models import Consent, ConsentChannel, ConsentPurpose, Contact

OPT_IN = "opt_in"
# Purposes a contact may be reached for without an explicit opt-in, until they opt out.
IMPLIED_PURPOSES = frozenset({ConsentPurpose.SERVICE.value})


def _check(channel: str, purpose: str) -> None:
    if channel not in ConsentChannel.values:
        raise ValueError(f"unknown consent channel {channel!r}")
    if purpose not in ConsentPurpose.values:
        raise ValueError(f"unknown consent purpose {purpose!r}")


def latest_status(contact: Contact | int, channel: str, purpose: str) -> str | None:
    """The status of the newest consent row for the pair, or None when there is none."""
    contact_id = contact if isinstance(contact, int) else contact.pk
    row = (
        Consent.objects.filter(contact_id=contact_id, channel=channel, purpose=purpose)
        .order_by("-recorded_at", "-id")
        .values_list("status", flat=True)
        .first()
    )
    return row


def can_contact(contact: Contact, channel: str, purpose: str) -> bool:
    _check(channel, purpose)
    if contact.do_not_contact or contact.anonymized_at is not None:
        return False
    status = latest_status(contact, channel, purpose)
    if status is None:
        return purpose in IMPLIED_PURPOSES
    return status == OPT_IN


def contactable(queryset: QuerySet[Contact], channel: str, purpose: str) -> QuerySet[Contact]:
    """``queryset`` narrowed to the contacts ``can_contact`` would allow, in the same query."""
    _check(channel, purpose)
    latest = (
        Consent.objects.filter(contact_id=OuterRef("pk"), channel=channel, purpose=purpose)
        .order_by("-recorded_at", "-id")
        .values("status")[:1]
    )
    allowed = Q(_consent_status=OPT_IN)
    if purpose in IMPLIED_PURPOSES:
        allowed |= Q(_consent_status__isnull=True)
    return (
        queryset.filter(do_not_contact=False, anonymized_at__isnull=True)
        .alias(_consent_status=Subquery(latest))
        .filter(allowed)
    )


@dataclass(frozen=True)
class ConsentCell:
    """One channel-and-purpose square of the privacy page."""

    channel: str
    channel_label: Any
    purpose: str
    purpose_label: Any
    current: Consent | None
    allowed: bool


def consent_matrix(contact: Contact) -> list[list[ConsentCell]]:
    """Current state per channel (rows) and purpose (columns), from one query."""
    latest: dict[tuple[str, str], Consent] = {}
    for row in Consent.objects.filter(contact=contact).order_by("recorded_at", "id"):
        latest[(row.channel, row.purpose)] = row
    blocked = contact.do_not_contact or contact.anonymized_at is not None
    rows = []
    for channel in ConsentChannel:
        cells = []
        for purpose in ConsentPurpose:
            current = latest.get((channel.value, purpose.value))
            if blocked:
                allowed = False
            elif current is None:
                allowed = purpose.value in IMPLIED_PURPOSES
            else:
                allowed = current.status == OPT_IN
            cells.append(
                ConsentCell(
                    channel.value, channel.label, purpose.value, purpose.label, current, allowed
                )
            )
        rows.append(cells)
    return rows


def consent_history(contact: Contact) -> QuerySet[Consent]:
    """Every consent event of the contact, newest first (the proof trail)."""
    return (
        Consent.objects.filter(contact=contact)
        .select_related("recorded_by")
        .order_by("-recorded_at", "-id")
    )
