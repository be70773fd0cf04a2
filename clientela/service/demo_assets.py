"""The demo's installed base: equipment at the customers' (printers, POS terminals with their
card readers, air conditioners…) with serial numbers, install dates and locations, maker's
warranties (some already expired), a service contract for each Gold account, a few maintenance
plans, and part of the demo's tickets linked to an asset (and its contract) with the coverage
the services would have found then.

Like the tickets (``demo.py``) it is bulk-written: the past, loaded, not work done now; no audit
entries, no events. Deterministic for a seed.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from decimal import Decimal

from django.utils import timezone

from clientela.customers.models import Account
from clientela.platform.models import Tag
from clientela.service.contracts import Equipment, Terms, resolve
from clientela.service.models import Queue, SlaPolicy, Ticket
from clientela.service.models_assets import (
    Asset,
    MaintenancePlan,
    ServiceContract,
    Warranty,
)

# (code, product, location, warranty months, part (code, product) or None)
CATALOGUE = (
    ("HP-M404", "Laser printer HP M404", "Office", 12, None),
    ("POS-A920", "POS terminal A920", "Counter", 24, ("CR-77", "Card reader")),
    ("AC-12K", "Air conditioner 12,000 BTU", "Shop floor", 36, None),
    ("FR-450", "Display fridge 450 L", "Shop floor", 24, None),
    ("RT-AX", "Wi-Fi router AX3000", "Server closet", 12, None),
    ("UPS-1500", "UPS 1500 VA", "Server closet", 24, ("BAT-12", "Battery pack")),
)
ACCOUNTS = 60  # accounts that get equipment, at most
LINKED = 0.4  # of their tickets, linked to one of their assets
BATCH = 500


def _assets(accounts: Sequence[Account], rng: random.Random, today: dt.date) -> list[Asset]:
    """One to three units per account, a part inside some; serials unique per product."""
    units: list[Asset] = []
    for account in accounts:
        for n, spec in enumerate(rng.sample(CATALOGUE, rng.randint(1, 3))):
            code, product, location, _months, part = spec
            installed = today - dt.timedelta(days=rng.randint(30, 1400))
            common = {"account": account, "owner_id": account.owner_id, "team_id": account.team_id}
            unit = Asset(
                product_code=code,
                product_name=product,
                serial_number=f"{code}-{account.pk:05d}-{n}",
                installed_on=installed,
                location=location,
                **common,
            )
            units.append(unit)
            if part is not None:
                units.append(
                    Asset(
                        product_code=part[0],
                        product_name=part[1],
                        serial_number=f"{part[0]}-{account.pk:05d}-{n}",
                        installed_on=installed,
                        location=location,
                        parent=unit,
                        **common,
                    )
                )
    roots = [u for u in units if u.parent is None]
    Asset.objects.bulk_create(roots, batch_size=BATCH)
    for u in units:
        if u.parent is not None:
            u.parent_id = u.parent.pk
    Asset.objects.bulk_create([u for u in units if u.parent is not None], batch_size=BATCH)
    return units


def _warranties(units: Sequence[Asset]) -> list[Warranty]:
    months = {code: m for code, _p, _l, m, _part in CATALOGUE}
    rows = []
    for unit in units:
        if unit.installed_on is None or unit.parent is not None:
            continue
        length = dt.timedelta(days=round(months.get(unit.product_code, 12) * 30.4))
        rows.append(
            Warranty(
                asset=unit,
                name="Manufacturer",
                starts_on=unit.installed_on,
                ends_on=unit.installed_on + length,
            )
        )
    Warranty.objects.bulk_create(rows, batch_size=BATCH)
    return rows


def _contracts(
    accounts: Sequence[Account], gold_ids: set[int], policy: SlaPolicy | None, today: dt.date
) -> list[ServiceContract]:
    rows = [
        ServiceContract(
            account=a,
            owner_id=a.owner_id,
            team_id=a.team_id,
            name="Gold care",
            number=f"SC-{a.pk:05d}",
            starts_on=today - dt.timedelta(days=300),
            ends_on=today + dt.timedelta(days=65 + a.pk % 60),
            sla_policy=policy,
            incidents_included=24,
            hours_included=Decimal("40.00"),
        )
        for a in accounts
        if a.pk in gold_ids
    ]
    ServiceContract.objects.bulk_create(rows, batch_size=BATCH)
    return rows


def _plans(contracts: Sequence[ServiceContract], queue: Queue, today: dt.date) -> None:
    MaintenancePlan.objects.bulk_create(
        [
            MaintenancePlan(
                name="Preventive maintenance",
                contract=c,
                interval=6,
                unit="months",
                next_due_on=today + dt.timedelta(days=10 + 7 * n),
                lead_days=14,
                queue=queue,
            )
            for n, c in enumerate(contracts[:5])
        ]
    )


def _link(units: Sequence[Asset], contracts: Sequence[ServiceContract], rng: random.Random) -> int:
    """Give part of the accounts' tickets an asset, and the coverage found on the day."""
    by_account: dict[int, list[Asset]] = {}
    for unit in units:
        by_account.setdefault(unit.account_id, []).append(unit)
    spans: dict[int, list[tuple[dt.date, dt.date]]] = {}
    for w in Warranty.objects.filter(asset__in=[u.pk for u in units]):
        spans.setdefault(w.asset_id, []).append((w.starts_on, w.ends_on))
    terms = {
        c.account_id: Terms(c.pk, c.account_id, c.status, c.starts_on, c.ends_on) for c in contracts
    }
    tickets = list(
        Ticket.objects.filter(account_id__in=list(by_account)).only(
            "pk", "account_id", "channel", "created_at"
        )
    )
    chosen = [t for t in tickets if rng.random() < LINKED]
    for ticket in chosen:
        assert ticket.account_id is not None
        unit = rng.choice(by_account[ticket.account_id])
        equipment = Equipment(
            unit.pk, unit.account_id, unit.product_code, tuple(spans.get(unit.pk, ()))
        )
        found = terms.get(ticket.account_id)
        result = resolve(
            day=timezone.localdate(ticket.created_at),
            channel=ticket.channel,
            account_id=ticket.account_id,
            asset=equipment,
            contracts=[found] if found else [],
        )
        ticket.asset_id, ticket.contract_id = unit.pk, result.contract_id
        ticket.coverage = result.coverage
    Ticket.objects.bulk_update(chosen, ["asset", "contract", "coverage"], batch_size=BATCH)
    return len(chosen)


def add_demo_assets(
    account_ids: Sequence[int],
    seed: int,
    *,
    gold: Tag,
    policy: SlaPolicy | None,
    queue: Queue,
    now: dt.datetime | None = None,
) -> int:
    """The installed base of up to ``ACCOUNTS`` of the accounts that have none yet; returns
    how many assets."""
    today = timezone.localdate(now or timezone.now())
    rng = random.Random(seed * 73 + 17)
    found = Account.objects.filter(pk__in=account_ids).exclude(
        pk__in=Asset.objects.values("account_id")
    )
    accounts = list(found.order_by("id")[:ACCOUNTS])
    if not accounts:
        return 0
    gold_ids = set(
        Account.objects.filter(pk__in=[a.pk for a in accounts], tags=gold).values_list(
            "pk", flat=True
        )
    )
    units = _assets(accounts, rng, today)
    _warranties(units)
    contracts = _contracts(accounts, gold_ids, policy, today)
    _plans(contracts, queue, today)
    _link(units, contracts, rng)
    return len(units)
