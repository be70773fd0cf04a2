"""A year of sales for ``clientela demo``: the default pipeline and a renewals pipeline, with deals
on the demo's company accounts that moved stage by stage, were won or lost, or are still open in
every stage (a few of them rotting).

Every deal, move and suggested activity goes through the sales services as the account's owner,
so permissions, required fields, history rows, guidance and the audit log behave as they do for
people. The services stamp everything "now", though, and a demo needs a past: a **demo-only
step** (``_backdate``) then rewrites the dates the history is read from — the opportunities'
``created_at``, ``stage_entered_at`` and ``closed_at``, their ``StageChange.at`` and
``left_at`` and the guidance activities' dates (done for the stages a deal has left, planned for
the stage it is in). A year of monthly USD rates (through the rates service) lets the board
and the reports total the USD deals in BRL.
Only this loader does that; the audit log keeps the real time of loading (its hash chain must
not be rewritten).

Deterministic: a seed gives the same deals (names, amounts, paths, day offsets); dates are
counted back from the moment of loading. Brazilian accounts buy in BRL with Portuguese deal
names, the London team's accounts in USD with English ones.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from clientela.activities.models import Activity, ActivityStatus
from clientela.customers.models import Account, Contact
from clientela.platform.models import User
from clientela.sales.currency import rates_save
from clientela.sales.demo_documents import add_catalogue, add_documents
from clientela.sales.models import (
    ExchangeRate,
    LostReason,
    Opportunity,
    Pipeline,
    Stage,
    StageChange,
    StageKind,
)
from clientela.sales.services import (
    KEY,
    company_currency,
    default_pipeline,
    opportunity_create,
    opportunity_move,
    pipeline_create,
)

SALES, RENEWALS = "sales", "renewals"
YEAR_DAYS = 360  # the oldest deal starts at most this many days ago
RECENT_SHARE = 0.25  # closed deals that closed within the board's last 30 days
ROTTING_EVERY = 5  # every fifth open deal has sat too long in its stage
# typical days a deal spends in each open stage, by position (then scaled 0.5 to 1.8 times)
STAGE_DAYS = {SALES: (5, 9, 12, 16, 12), RENEWALS: (20, 10, 8)}
OUTCOMES = (("open", 40), ("won", 27), ("lost", 33))
LOST_REASONS = (
    (LostReason.PRICE, 30),
    (LostReason.COMPETITOR, 25),
    (LostReason.NO_BUDGET, 15),
    (LostReason.NO_DECISION, 15),
    (LostReason.TIMING, 10),
    (LostReason.PRODUCT_FIT, 5),
)
LEAD_SOURCES = (("referral", 30), ("web_form", 25), ("campaign", 20), ("manual", 20), ("api", 5))
SEATS = (10, 15, 20, 25, 40, 50, 80, 120)
# fmt: off
PRODUCTS = {
    "pt": ("Licenças do ERP ({n} usuários)", "Implantação do módulo fiscal",
           "Frota de notebooks ({n} unidades)", "Contrato de suporte 24x7",
           "Treinamento da equipe comercial", "Integração com o e-commerce",
           "Consultoria de processos", "Migração para a nuvem",
           "Licenças adicionais ({n} usuários)"),
    "en": ("ERP licences ({n} seats)", "Finance module rollout", "Laptop fleet ({n} units)",
           "24/7 support contract", "Sales team training", "E-commerce integration",
           "Process consulting", "Cloud migration", "Additional licences ({n} seats)"),
}
RENEWAL_NAMES = {"pt": "Renovação do contrato {year}", "en": "Contract renewal {year}"}
COMPETITORS = {"pt": ("Sistemas Alfa", "Nuvem Beta Software", "Grupo Gama TI"),
               "en": ("Northstar Systems", "Brightline Software", "Kestrel Cloud")}
NEXT_STEPS = {
    "pt": ("Agendar reunião com a diretoria", "Enviar proposta revisada",
           "Aguardar retorno do jurídico", "Apresentar estudo de caso", "Confirmar orçamento"),
    "en": ("Book a meeting with the board", "Send the revised proposal",
           "Wait for legal's feedback", "Present a case study", "Confirm the budget"),
}
LOST_NOTES = {
    "pt": ("Concorrente ofereceu 15% de desconto", "Projeto adiado para o próximo ano",
           "Diretoria não aprovou o investimento", "Preferiram manter o sistema atual"),
    "en": ("The competitor offered 15% off", "Project postponed to next year",
           "The board did not approve the spend", "They kept their current system"),
}
# fmt: on


@dataclass(frozen=True)
class Customer:
    pk: int
    name: str
    country: str
    kind: str
    lifecycle: str
    owner_id: int
    team_id: int | None
    contacts: tuple[int, ...]

    @property
    def lang(self) -> str:
        return "pt" if self.country == "BR" else "en"


@dataclass(frozen=True)
class StageInfo:
    kind: str
    rotting_days: int | None


@dataclass
class Plan:
    """One deal: where it goes, and how many days ago (at what hour, UTC) each move happened."""

    customer: Customer
    pipeline: str
    outcome: str  # open, won or lost
    path: list[int]  # stage indexes entered, in order
    days_ago: list[int]  # one per path entry, strictly decreasing, at least 1
    hours: list[tuple[int, int]]  # (hour, minute) of each entry, UTC
    values: dict[str, Any] = field(default_factory=dict)  # for the create
    moves: dict[int, dict[str, Any]] = field(default_factory=dict)  # extra values by path step


# --- planning (no database) ------------------------------------------------------------------


def _weighted(rng: random.Random, pairs: Sequence[tuple[Any, int]]) -> Any:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def _amount(rng: random.Random, low: int, high: int) -> Decimal:
    """Log-uniform, rounded to 500: many small deals, a few large ones."""
    value = math.exp(rng.uniform(math.log(low), math.log(high)))
    return Decimal(max(500, round(value / 500) * 500))


def _timeline(gaps: list[int], last: int, *, start_cap: int = YEAR_DAYS) -> list[int]:
    """Days ago of each entry: ``gaps`` between entries, ``last`` days since the final one; the
    gaps shrink when the deal would start more than ``start_cap`` days ago."""
    if sum(gaps) + last > start_cap:
        room = max(start_cap - last, len(gaps))
        scale = room / max(sum(gaps), 1)
        gaps = [max(1, int(g * scale)) for g in gaps]
    days = [last]
    for gap in reversed(gaps):
        days.append(days[-1] + gap)
    return list(reversed(days))


def _gaps(rng: random.Random, pipeline: str, path: list[int]) -> list[int]:
    typical = STAGE_DAYS[pipeline]
    return [
        max(1, round(typical[min(i, len(typical) - 1)] * rng.uniform(0.5, 1.8))) for i in path[:-1]
    ]


def _path(rng: random.Random, stages: list[StageInfo], outcome: str, at: int) -> list[int]:
    """Open stages in order up to the ``at``-th (sometimes skipping the second), then the won
    or lost stage for a closed deal."""
    opens = [i for i, s in enumerate(stages) if s.kind == StageKind.OPEN]
    path = opens[: at + 1]
    if len(path) > 3 and rng.random() < 0.2:
        path.pop(1)  # a referral that needed no identification, say
    closing = {"won": StageKind.WON, "lost": StageKind.LOST}.get(outcome)
    ends = [i for i, s in enumerate(stages) if s.kind == closing]
    return path + ends[:1]


@dataclass
class Planner:
    rng: random.Random
    stages: dict[str, list[StageInfo]]
    today: dt.date
    open_seq: int = 0  # open deals so far: they go round the open stages

    def deal(self, customer: Customer, pipeline: str, name: str, amount: Decimal) -> Plan:
        rng, stages = self.rng, self.stages[pipeline]
        opens = [i for i, s in enumerate(stages) if s.kind == StageKind.OPEN]
        outcome = _weighted(rng, OUTCOMES)
        rotting = False
        if outcome == "open":
            at = self.open_seq % len(opens)
            rotting = self.open_seq % ROTTING_EVERY == ROTTING_EVERY - 1
            self.open_seq += 1
        else:
            at = len(opens) - 1 if outcome == "won" else rng.randint(0, len(opens) - 1)
        path = _path(rng, stages, outcome, at)
        if outcome == "open":
            last = self._idle(stages[path[-1]], rotting)
        else:
            last = rng.randint(1, 28) if rng.random() < RECENT_SHARE else rng.randint(30, 330)
        days = _timeline(_gaps(rng, pipeline, path), last)
        plan = Plan(customer, pipeline, outcome, path, days, [self._hour() for _ in path])
        plan.values = self._values(plan, name, amount, len(opens) - at)
        self._extras(plan, opens)
        return plan

    def _idle(self, stage: StageInfo, rotting: bool) -> int:
        limit = stage.rotting_days or 20
        if rotting:
            return limit + self.rng.randint(3, 40)
        return self.rng.randint(1, max(1, limit - 2))

    def _hour(self) -> tuple[int, int]:
        return self.rng.randint(12, 20), self.rng.choice((0, 10, 15, 20, 30, 40, 45, 50))

    def _values(self, plan: Plan, name: str, amount: Decimal, stages_left: int) -> dict[str, Any]:
        rng, c = self.rng, plan.customer
        if plan.outcome == "open":
            close = self.today + dt.timedelta(days=stages_left * 15 + rng.randint(5, 35))
        else:
            close = self.today - dt.timedelta(days=plan.days_ago[-1] + rng.randint(-20, 15))
        values: dict[str, Any] = {
            "name": name,
            "account": c.pk,
            "team": c.team_id,
            "amount": amount,
            "currency": "BRL" if c.country == "BR" else "USD",
            "expected_close_date": close,
            "lead_source": _weighted(rng, LEAD_SOURCES),
        }
        if rng.random() < 0.4:
            values["competitors"] = rng.choice(COMPETITORS[c.lang])
        if c.contacts:
            roles = [{"contact": c.contacts[0], "role": "decision_maker"}]
            if len(c.contacts) > 1 and rng.random() < 0.5:
                role = rng.choice(("influencer", "champion"))
                roles.append({"contact": c.contacts[1], "role": role})
            values["contacts"] = roles
        return values

    def _extras(self, plan: Plan, opens: list[int]) -> None:
        """What people type along the way: a revised amount with the quote, a next step and a
        forecast call on an open deal, the reason a lost one was lost."""
        rng, lang, final = self.rng, plan.customer.lang, len(plan.path) - 1
        quote = opens[-1]  # the last open stage: the quote, the negotiation
        if quote in plan.path and rng.random() < 0.4:
            revised = float(plan.values["amount"]) * rng.uniform(0.85, 1.05)
            step = plan.moves.setdefault(plan.path.index(quote), {})
            step["amount"] = Decimal(max(500, round(revised / 100) * 100))
        last = plan.moves.setdefault(final, {}) if final else plan.values
        if plan.outcome == "lost":
            last["lost_reason"] = str(_weighted(rng, LOST_REASONS))
            if rng.random() < 0.6:
                last["lost_note"] = rng.choice(LOST_NOTES[lang])
        elif plan.outcome == "open":
            last["next_step"] = rng.choice(NEXT_STEPS[lang])
            if opens.index(plan.path[-1]) >= len(opens) - 2:
                last["forecast_category"] = rng.choice(("commit", "best_case", "pipeline"))


def plan_deals(
    customers: Sequence[Customer],
    stages: dict[str, list[StageInfo]],
    rng: random.Random,
    today: dt.date,
) -> list[Plan]:
    """About one deal per account and a fifth more in the sales pipeline, over the company
    accounts; a renewal for half of the customers."""
    companies = [c for c in customers if c.kind == "company"] or list(customers)
    if not companies:
        return []
    planner = Planner(rng, stages, today)
    plans = []
    for _n in range(max(12, round(len(customers) * 1.2))):
        c = rng.choice(companies)
        product = rng.choice(PRODUCTS[c.lang]).format(n=rng.choice(SEATS))
        low, high = (8_000, 600_000) if c.country == "BR" else (5_000, 250_000)
        plans.append(planner.deal(c, SALES, product, _amount(rng, low, high)))
    for c in companies:
        if c.lifecycle == "customer" and rng.random() < 0.5:
            low, high = (6_000, 120_000) if c.country == "BR" else (3_000, 60_000)
            year = today.year + (1 if today.month > 9 else 0)
            name = RENEWAL_NAMES[c.lang].format(year=year)
            plans.append(planner.deal(c, RENEWALS, name, _amount(rng, low, high)))
    return plans


# --- loading (through the services) ----------------------------------------------------------


def renewal_stages() -> list[dict[str, Any]]:
    return [
        {
            "name": _("Renewal due"),
            "probability": 40,
            "rotting_days": 30,
            "guidance": [{"kind": "call", "subject": _("Call about the renewal"), "due_days": 3}],
        },
        {
            "name": _("Offer sent"),
            "probability": 60,
            "rotting_days": 14,
            "required_fields": ["amount", "expected_close_date"],
        },
        {"name": _("Negotiation"), "probability": 80, "rotting_days": 10},
        {"name": _("Renewed"), "probability": 100, "kind": StageKind.WON},
        {
            "name": _("Not renewed"),
            "probability": 0,
            "kind": StageKind.LOST,
            "required_fields": ["lost_reason"],
        },
    ]


def renewals_pipeline(admin: User) -> Pipeline:
    """The demo's second pipeline, in the install's language (reused when it exists)."""
    with translation.override(settings.LANGUAGE_CODE):
        name, stages = _("Renewals"), renewal_stages()
    found = Pipeline.objects.filter(name=name).first()
    return found or pipeline_create(actor=admin, values={"name": name, "stages": stages})


def customers(account_ids: Sequence[int]) -> list[Customer]:
    people: dict[int, list[int]] = {}
    rows = Contact.objects.filter(account_id__in=account_ids).order_by("id")
    for contact_id, account_id in rows.values_list("id", "account_id"):
        people.setdefault(account_id, []).append(contact_id)
    fields = ("pk", "name", "country", "kind", "lifecycle", "owner_id", "team_id")
    accounts = Account.objects.filter(pk__in=account_ids).order_by("id").values_list(*fields)
    return [
        Customer(pk, name, country, kind, lifecycle, owner, team, tuple(people.get(pk, ())))
        for pk, name, country, kind, lifecycle, owner, team in accounts
    ]


def _write(plan: Plan, stages: list[Stage], owner: User) -> Opportunity:
    values = {**plan.values, "stage": stages[plan.path[0]].pk}
    deal = opportunity_create(actor=owner, values=values)
    for step, index in enumerate(plan.path[1:], start=1):
        deal = opportunity_move(
            actor=owner,
            opportunity_id=deal.pk,
            stage_id=stages[index].pk,
            values=plan.moves.get(step),
        )
    return deal


def usd_rates(admin: User, today: dt.date, rng: random.Random) -> None:
    """A USD rate on the first of each month of the past year (a fictional walk around 5.4
    BRL), unless the company's currency is USD or rates are there already."""
    if company_currency() == "USD" or ExchangeRate.objects.filter(currency="USD").exists():
        return
    rate, items = 5.4, []
    for back in range(12, -1, -1):
        month = (today.year * 12 + today.month - 1) - back
        rate = min(6.2, max(4.8, rate + rng.uniform(-0.12, 0.12)))
        day = dt.date(month // 12, month % 12 + 1, 1)
        items.append({"currency": "USD", "day": day, "rate": f"{rate:.4f}"})
    rates_save(actor=admin, items=items)


def add_demo_sales(
    admin: User, account_ids: Sequence[int], seed: int, *, now: dt.datetime | None = None
) -> int:
    """The pipelines, USD rates and a year of deals on the given accounts; returns how many
    deals."""
    now = now or timezone.now()
    usd_rates(admin, timezone.localdate(now), random.Random(seed * 59 + 3))
    pipelines = {SALES: default_pipeline(), RENEWALS: renewals_pipeline(admin)}
    stages = {key: list(p.stages.order_by("position", "id")) for key, p in pipelines.items()}
    shapes = {k: [StageInfo(s.kind, s.rotting_days) for s in v] for k, v in stages.items()}
    rng = random.Random(seed * 53 + 11)  # its own stream: the other demo data stays the same
    plans = plan_deals(customers(account_ids), shapes, rng, timezone.localdate(now))
    owners = {u.pk: u for u in User.objects.filter(pk__in={p.customer.owner_id for p in plans})}
    written = [(_write(p, stages[p.pipeline], owners[p.customer.owner_id]), p) for p in plans]
    times = _backdate(written, stages, now)
    products = add_catalogue(admin, timezone.localdate(now))
    quote_stage = [s for s in stages[SALES] if s.kind == StageKind.OPEN][-1]
    sales = [(deal, plan) for deal, plan in written if plan.pipeline == SALES]
    add_documents(sales, times, quote_stage, products, random.Random(seed * 61 + 7), now)
    return len(written)


# --- the demo-only step: dating the history --------------------------------------------------


def _when(now: dt.datetime, days_ago: int, hour: tuple[int, int]) -> dt.datetime:
    day = now.astimezone(dt.UTC) - dt.timedelta(days=days_ago)
    return day.replace(hour=hour[0], minute=hour[1], second=0, microsecond=0)


def _backdate(
    written: list[tuple[Opportunity, Plan]], stages: dict[str, list[Stage]], now: dt.datetime
) -> dict[int, list[dt.datetime]]:
    """Demo only: give each deal, its moves and its suggested activities the planned dates;
    returns each deal's moments (when it entered each stage of its path)."""
    times = {
        deal.pk: [_when(now, d, h) for d, h in zip(plan.days_ago, plan.hours, strict=True)]
        for deal, plan in written
    }
    changes = list(StageChange.objects.filter(opportunity_id__in=times).order_by("id"))
    seen: dict[int, int] = {}
    for change in changes:
        index = seen[change.opportunity_id] = seen.get(change.opportunity_id, -1) + 1
        at = times[change.opportunity_id]
        change.at = at[index]
        change.left_at = at[index + 1] if index + 1 < len(at) else None
        change.deal_created_at = at[0]  # the deal's own, set just below
    fields = ["at", "left_at", "deal_created_at"]
    StageChange.objects.bulk_update(changes, fields, batch_size=500)
    deals = []
    for deal, plan in written:
        at = times[deal.pk]
        deal.created_at, deal.updated_at, deal.stage_entered_at = at[0], at[-1], at[-1]
        deal.closed_at = at[-1] if plan.outcome != "open" else None
        deals.append(deal)
    fields = ["created_at", "updated_at", "stage_entered_at", "closed_at"]
    Opportunity.objects.bulk_update(deals, fields, batch_size=500)
    _backdate_guidance(written, stages, times)
    return times


def _backdate_guidance(
    written: list[tuple[Opportunity, Plan]],
    stages: dict[str, list[Stage]],
    times: dict[int, list[dt.datetime]],
) -> None:
    """The activities a stage suggested were created in path order: those of a stage the deal
    has left were done before it moved on; those of its current stage are still planned."""
    found: dict[int, list[Activity]] = {}
    rows = Activity.objects.filter(link_type=KEY, link_id__in=times).order_by("id")
    for activity in rows:
        found.setdefault(int(activity.link_id or 0), []).append(activity)
    changed: list[Activity] = []
    for deal, plan in written:
        queue, at = found.get(deal.pk, []), times[deal.pk]
        for step, index in enumerate(plan.path):
            for item in stages[plan.pipeline][index].guidance or []:
                if not queue:
                    break
                activity = queue.pop(0)
                due = at[step] + dt.timedelta(days=int(item.get("due_days") or 0))
                activity.created_at = activity.updated_at = at[step]
                activity.due_at = due
                if step < len(plan.path) - 1:
                    activity.status = ActivityStatus.DONE
                    activity.completed_at = min(due, at[step + 1])
                changed.append(activity)
    fields = ["created_at", "updated_at", "due_at", "status", "completed_at"]
    Activity.objects.bulk_update(changed, fields, batch_size=500)
