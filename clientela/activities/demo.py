"""Demo history for ``clientela demo``: past calls, e-mails, meetings and notes, and what is next.

Everything goes through ``activity_create`` as the record's owner, so the demo's activities have
audit entries, reminders and visibility exactly like real ones. Brazilian accounts get
Portuguese subjects; others English. Driven by the caller's ``random.Random`` so a seed repeats.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from clientela.activities.services import activity_create
from clientela.customers.models import Account, Contact, Lead
from clientela.platform.errors import DomainError
from clientela.platform.models import User

PAST = {
    "pt": {
        "call": ("Ligação de apresentação", "Retorno sobre a proposta", "Dúvida sobre a fatura",
                 "Follow-up da reunião", "Renovação do contrato"),
        "email": ("Envio da proposta comercial", "Catálogo atualizado", "Confirmação do pedido"),
        "meeting": ("Reunião de diagnóstico", "Demonstração do produto", "Visita técnica"),
        "note": ("Cliente prefere contato pela manhã", "Orçamento aprovado pela diretoria"),
        "sms": ("Lembrete da visita",),
    },
    "en": {
        "call": ("Intro call", "Proposal follow-up", "Billing question", "Renewal check-in"),
        "email": ("Sent the quote", "Shared the product sheet", "Order confirmation"),
        "meeting": ("Discovery meeting", "Product demo", "On-site visit"),
        "note": ("Prefers calls in the morning", "Budget approved for Q3"),
        "sms": ("Visit reminder",),
    },
}  # fmt: skip
NEXT = {
    "pt": {"meeting": ("Apresentação da proposta", "Reunião de alinhamento"),
           "task": ("Enviar contrato revisado", "Preparar orçamento"),
           "call": ("Ligar para confirmar pedido",)},
    "en": {"meeting": ("Proposal walkthrough", "Quarterly review"),
           "task": ("Send the revised contract", "Prepare the quote"),
           "call": ("Call to confirm the order",)},
}  # fmt: skip
OUTCOMES = {
    "pt": ("Interessado, pediu proposta", "Sem resposta, tentar de novo", "Pedido fechado",
           "Aguardando aprovação interna", ""),
    "en": ("Interested, asked for a quote", "No answer, try again", "Order placed",
           "Waiting for internal approval", ""),
}  # fmt: skip
PAST_KINDS = ("call", "call", "call", "email", "email", "meeting", "note", "sms")
LOCATIONS = {"pt": ("Escritório do cliente", "Google Meet", "Nosso escritório"),
             "en": ("Customer's office", "Video call", "Our office")}  # fmt: skip


def _language(record: Account | Contact | Lead) -> str:
    account = record if isinstance(record, Account) else getattr(record, "account", None)
    country = getattr(account or record, "country", "BR")
    return "pt" if country == "BR" else "en"


def _past(rng: random.Random, lang: str, now: datetime) -> dict[str, Any]:
    kind = rng.choice(PAST_KINDS)
    when = now - timedelta(days=rng.randint(1, 120), minutes=rng.randint(0, 600))
    minutes = {"call": rng.randint(2, 25), "meeting": rng.choice((30, 45, 60, 90))}.get(kind)
    values = {
        "kind": kind,
        "subject": rng.choice(PAST[lang][kind]),
        "status": "done",
        "due_at": when,
        "completed_at": when + timedelta(minutes=minutes or 0),
        "duration_minutes": minutes,
        "outcome": rng.choice(OUTCOMES[lang]) if kind in ("call", "meeting") else "",
        "direction": rng.choice(("inbound", "outbound")) if kind in ("call", "email") else "",
    }
    if kind == "meeting":
        values["location"] = rng.choice(LOCATIONS[lang])
    return values


def _next(rng: random.Random, lang: str, now: datetime) -> dict[str, Any]:
    kind = rng.choice(("meeting", "meeting", "task", "call"))
    day = (now + timedelta(days=rng.randint(0, 21))).replace(second=0, microsecond=0)
    when = day.replace(hour=rng.choice((12, 13, 14, 15, 17, 18, 19)), minute=rng.choice((0, 30)))
    if when <= now:
        when += timedelta(days=1)
    values: dict[str, Any] = {
        "kind": kind,
        "subject": rng.choice(NEXT[lang][kind]),
        "due_at": when,
        "duration_minutes": 60 if kind == "meeting" else 15,
    }
    if kind == "meeting":
        values["location"] = rng.choice(LOCATIONS[lang])
        values["reminder_at"] = when - timedelta(minutes=rng.choice((15, 30, 60)))
    return values


def _add(owner: User, values: dict[str, Any]) -> bool:
    try:
        activity_create(actor=owner, values=values)
    except DomainError:
        return False  # e.g. an owner whose role may not create activities
    return True


def add_demo_activities(
    owner_pool: Sequence[User],
    accounts: Sequence[Account],
    contacts: Sequence[Contact],
    leads: Sequence[Lead],
    rng: random.Random,
    *,
    now: datetime | None = None,
) -> int:
    """A believable history on the given records; returns how many activities were made."""
    now = now or timezone.now()
    pool = list(owner_pool)
    made = 0
    by_account: dict[int, list[Contact]] = {}
    for contact in contacts:
        if contact.account_id:
            by_account.setdefault(contact.account_id, []).append(contact)
    for account in accounts:
        lang, people = _language(account), by_account.get(account.pk, [])
        owner = account.owner if account.owner.is_active or not pool else rng.choice(pool)
        for _ in range(rng.randint(1, 4)):
            link: dict[str, Account | Contact] = {"account": account}
            if people and rng.random() < 0.6:
                link["contact"] = rng.choice(people)
            made += _add(owner, {**_past(rng, lang, now), **link})
        if rng.random() < 0.5:
            made += _add(owner, {**_next(rng, lang, now), "account": account})
    for lead in leads:
        lang = "pt" if lead.country == "BR" else "en"
        for _ in range(rng.randint(0, 2)):
            made += _add(lead.owner, {**_past(rng, lang, now), "lead": lead})
        if lead.status in ("new", "working") and rng.random() < 0.4:
            follow_up = {**_next(rng, lang, now), "kind": "task", "lead": lead}
            follow_up["subject"] = rng.choice(NEXT[lang]["task"])
            follow_up.pop("reminder_at", None)
            follow_up.pop("location", None)
            made += _add(lead.owner, follow_up)
    return made
