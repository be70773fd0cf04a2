"""Fill the configured database with many accounts and contacts, for benchmarks.

    python bench/generate.py --accounts 100000 --contacts-per-account 3 --users 20
    python bench/generate.py --contacts 1000000        # accounts = contacts / 3, leads / 10
    python bench/generate.py --accounts 0 --opportunities 110000 --open-opportunities 10000

This is for volume, not for correctness: rows go in with ``bulk_create`` in batches and do NOT
pass through the services, so there is no validation, no audit entry and no event. Use the
services (the API, the UI, imports) to create data whose history matters.

The database is the one the app would use (``DATABASE_URL`` or the SQLite file under
``CLIENTELA_DATA_DIR``). Run ``clientela migrate`` first. Users and teams named ``bench-…`` are
created once and reused on later runs; their passwords are unusable. Values look real: names and
companies from Faker (pt_BR for Brazilian records, en_US for the others), valid CNPJ/CPF, phone
numbers in E.164. ``search_text`` is filled with ``search_index.document`` as ``save()`` would,
and the search index follows (FTS5 triggers on SQLite, the GIN index on PostgreSQL). Prints one
JSON document with what was written and how long it took.

``--opportunities N`` adds N deals on the accounts already in the database (each with its
account's owner, team and country: BRL in Brazil, USD elsewhere), ``--open-opportunities M`` of
them open in the default pipeline's open stages (a funnel: more in the first stages), the rest
won or lost within the last two years, a tenth of those in a second pipeline
(``bench-renewals``). Each deal gets its history, one ``StageChange`` per stage it entered,
dated in the past. These rows go in with ``COPY`` on PostgreSQL and ``executemany`` on SQLite,
with ids counted on from the largest (one writer at a time), so a million deals take minutes.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import sys
import time
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# Area codes that phonenumbers accepts, so the numbers pass the app's own E.164 validation.
# fmt: off
BR_AREA_CODES = (11, 12, 13, 14, 15, 16, 17, 18, 19, 21, 22, 24, 27, 28, 31, 32, 33, 34, 35, 37,
                 38, 41, 42, 43, 44, 45, 46, 47, 48, 49, 51, 53, 54, 55, 61, 62, 63, 64, 65, 66,
                 67, 68, 69, 71, 73, 74, 75, 77, 79, 81, 82, 83, 84, 85, 86, 87, 88, 89, 91, 92,
                 93, 94, 95, 96, 97, 98, 99)
US_AREA_CODES = (201, 202, 206, 212, 213, 303, 305, 312, 404, 415, 503, 512, 602, 617, 646, 702,
                 713, 718, 773, 818, 917)
# fmt: on
BR_SHARE = 0.7  # share of Brazilian accounts; the rest are in the United States
POOL_SIZE = 2000
CNPJ_WEIGHTS = (5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, help="accounts to add")
    parser.add_argument(
        "--contacts", type=int, help="contacts to add (accounts = contacts / contacts-per-account)"
    )
    parser.add_argument("--leads", type=int, help="leads to add (default: a tenth of contacts)")
    parser.add_argument(
        "--contacts-per-account", type=int, default=3, help="contacts per account (default 3)"
    )
    parser.add_argument(
        "--users", type=int, default=20, help="owners to spread the records over (default 20)"
    )
    parser.add_argument("--teams", type=int, default=4, help="teams of those users (default 4)")
    parser.add_argument(
        "--batch-size", type=int, default=2000, help="accounts per transaction (default 2000)"
    )
    parser.add_argument("--seed", type=int, default=2026, help="random seed (default 2026)")
    parser.add_argument(
        "--opportunities", type=int, default=0, help="deals to add on the accounts (default 0)"
    )
    parser.add_argument(
        "--open-opportunities",
        type=int,
        help="of those, open in the default pipeline (default: a tenth)",
    )
    args = parser.parse_args(argv)
    if (args.accounts is None) == (args.contacts is None):
        parser.error("give either --accounts or --contacts")
    if args.contacts is not None:
        per = max(args.contacts_per_account, 1)
        args.accounts = -(-args.contacts // per)
    if args.leads is None:
        args.leads = (args.contacts or args.accounts * args.contacts_per_account) // 10
    if args.accounts < 0 or args.contacts_per_account < 0 or args.leads < 0:
        parser.error("--accounts, --contacts, --leads and --contacts-per-account must be >= 0")
    if args.users < 1 or args.teams < 1 or args.batch_size < 1:
        parser.error("--users, --teams and --batch-size must be >= 1")
    if args.open_opportunities is None:
        args.open_opportunities = args.opportunities // 10
    if not 0 <= args.open_opportunities <= args.opportunities:
        parser.error("--open-opportunities must be from 0 to --opportunities")
    return args


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clientela.settings")
    import django

    django.setup()


# --- values ---------------------------------------------------------------------------------


def ascii_slug(text: str, sep: str = ".") -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    words = "".join(ch if ch.isalnum() else " " for ch in plain).split()
    return sep.join(words) or "x"


def _check_digit(digits: list[int], weights: tuple[int, ...]) -> int:
    rest = sum(d * w for d, w in zip(digits, weights, strict=True)) % 11
    return 0 if rest < 2 else 11 - rest


def cnpj(rng: random.Random) -> str:
    d = [rng.randint(0, 9) for _ in range(8)] + [0, 0, 0, 1]
    d.append(_check_digit(d, CNPJ_WEIGHTS))
    d.append(_check_digit(d, (6, *CNPJ_WEIGHTS)))
    s = "".join(map(str, d))
    return f"{s[:2]}.{s[2:5]}.{s[5:8]}/{s[8:12]}-{s[12:]}"


def cpf(rng: random.Random) -> str:
    d = [rng.randint(0, 9) for _ in range(9)]
    d.append(_check_digit(d, tuple(range(10, 1, -1))))
    d.append(_check_digit(d, tuple(range(11, 1, -1))))
    s = "".join(map(str, d))
    return f"{s[:3]}.{s[3:6]}.{s[6:9]}-{s[9:]}"


def phone(rng: random.Random, country: str) -> str:
    """A valid mobile (BR) or geographic (US) number in E.164."""
    if country == "BR":
        return f"+55{rng.choice(BR_AREA_CODES)}9{rng.randint(6, 9)}{rng.randint(0, 9999999):07d}"
    exchange = f"{rng.randint(2, 9)}{rng.randint(0, 9)}{rng.randint(2, 9)}"  # never N11
    return f"+1{rng.choice(US_AREA_CODES)}{exchange}{rng.randint(0, 9999):04d}"


@dataclass
class Locale:
    """Faker for one country plus pools of its names, so contacts cost no Faker call."""

    country: str
    faker: Any
    first_names: list[str] = field(default_factory=list)
    last_names: list[str] = field(default_factory=list)
    jobs: list[str] = field(default_factory=list)
    companies: list[str] = field(default_factory=list)
    suffix: str = ".com"

    def fill(self) -> Locale:
        self.first_names = [self.faker.first_name() for _ in range(POOL_SIZE)]
        self.last_names = [self.faker.last_name() for _ in range(POOL_SIZE)]
        self.jobs = [self.faker.job()[:120] for _ in range(POOL_SIZE // 4)]
        self.companies = [self.faker.company()[:200] for _ in range(POOL_SIZE)]
        return self


def make_locales(seed: int) -> dict[str, Locale]:
    from faker import Faker

    Faker.seed(seed)
    return {
        "BR": Locale("BR", Faker("pt_BR"), suffix=".com.br").fill(),
        "US": Locale("US", Faker("en_US")).fill(),
    }


# --- people ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Owner:
    user_id: int
    team_id: int


def ensure_teams(count: int) -> list[Any]:
    from clientela.platform.models import Team

    return [
        Team.objects.get_or_create(
            name=f"bench-team-{i:02d}", defaults={"description": "Benchmark data"}
        )[0]
        for i in range(1, count + 1)
    ]


def ensure_users(
    count: int, teams: list[Any], locales: dict[str, Locale], rng: random.Random
) -> list[Owner]:
    """``count`` bench users, the first of each team its manager, the rest sales reps."""
    from django.contrib.auth.hashers import make_password

    from clientela.platform.models import Role, User

    roles = {r.slug: r for r in Role.objects.filter(slug__in=["sales-manager", "sales-rep"])}
    names = [f"bench-user-{i:04d}" for i in range(1, count + 1)]
    existing = set(User.objects.filter(username__in=names).values_list("username", flat=True))
    new_users = []
    for i, name in enumerate(names):
        if name in existing:
            continue
        loc = locales["BR" if rng.random() < BR_SHARE else "US"]
        role = roles.get("sales-manager" if i < len(teams) else "sales-rep")
        new_users.append(
            User(
                username=name,
                email=f"{name}@bench.example",
                role=role,
                first_name=rng.choice(loc.first_names),
                last_name=rng.choice(loc.last_names),
                password=make_password(None),
            )
        )
    User.objects.bulk_create(new_users)
    return _link_teams(names, teams)


def _link_teams(names: list[str], teams: list[Any]) -> list[Owner]:
    from clientela.platform.models import Team, User

    users = list(User.objects.filter(username__in=names).order_by("username"))
    links = [
        User.teams.through(user_id=u.pk, team_id=teams[i % len(teams)].pk)
        for i, u in enumerate(users)
    ]
    User.teams.through.objects.bulk_create(links, ignore_conflicts=True)
    for i, team in enumerate(teams):
        if team.manager_id is None and i < len(users):
            Team.objects.filter(pk=team.pk).update(manager=users[i])
    return [Owner(u.pk, teams[i % len(teams)].pk) for i, u in enumerate(users)]


# --- records --------------------------------------------------------------------------------


def account_values(rng: random.Random, loc: Locale, owner: Owner) -> dict[str, Any]:
    company = loc.faker.company()[:200]
    domain = ascii_slug(company, "-")[:40] + loc.suffix
    return {
        "name": company,
        "country": loc.country,
        "phone": phone(rng, loc.country),
        "tax_id": cnpj(rng) if loc.country == "BR" else "",
        "email": f"contato@{domain}" if loc.country == "BR" else f"info@{domain}",
        "website": f"https://www.{domain}",
        "owner_id": owner.user_id,
        # A few records belong to no team: only their owner and "all" scopes see them.
        "team_id": owner.team_id if rng.random() < 0.95 else None,
    }


def contact_values(rng: random.Random, loc: Locale, account: Any) -> dict[str, Any]:
    first, last = rng.choice(loc.first_names), rng.choice(loc.last_names)
    domain = account.website.removeprefix("https://www.")
    return {
        "first_name": first,
        "last_name": last,
        "job_title": rng.choice(loc.jobs),
        "email": f"{ascii_slug(first)}.{ascii_slug(last)}@{domain}"[:254],
        "phone": phone(rng, loc.country) if rng.random() < 0.8 else "",
        "tax_id": cpf(rng) if loc.country == "BR" and rng.random() < 0.5 else "",
        "account_id": account.pk,
        "owner_id": account.owner_id,
        "team_id": account.team_id,
    }


LEAD_STATUSES = ("new", "new", "working", "qualified", "disqualified")
LEAD_SOURCES = ("web_form", "import", "campaign", "manual", "api", "referral")


def lead_values(rng: random.Random, loc: Locale, owner: Owner) -> dict[str, Any]:
    first, last = rng.choice(loc.first_names), rng.choice(loc.last_names)
    company = rng.choice(loc.companies)
    status = rng.choice(LEAD_STATUSES)
    return {
        "first_name": first,
        "last_name": last,
        "company": company,
        "job_title": rng.choice(loc.jobs),
        "email": f"{ascii_slug(first)}.{ascii_slug(last)}@{ascii_slug(company, '-')[:40]}"
        f"{loc.suffix}"[:254],
        "phone": phone(rng, loc.country) if rng.random() < 0.8 else "",
        "tax_id": cnpj(rng) if loc.country == "BR" and rng.random() < 0.3 else "",
        "country": loc.country,
        "source": rng.choice(LEAD_SOURCES),
        "status": status,
        "disqualify_reason": "no_budget" if status == "disqualified" else "",
        "owner_id": owner.user_id,
        "team_id": owner.team_id if rng.random() < 0.95 else None,
    }


def write_leads(
    count: int, owners: list[Owner], locales: dict[str, Locale], rng: random.Random
) -> int:
    from django.db import transaction

    from clientela.customers.models import Lead
    from clientela.customers.search_index import document

    leads = []
    for _ in range(count):
        country = "BR" if rng.random() < BR_SHARE else "US"
        lead = Lead(**lead_values(rng, locales[country], rng.choice(owners)))
        lead.search_text = document(lead)
        leads.append(lead)
    with transaction.atomic():
        Lead.objects.bulk_create(leads, batch_size=5000)
    return len(leads)


def batches(total: int, size: int) -> Iterator[int]:
    done = 0
    while done < total:
        step = min(size, total - done)
        yield step
        done += step


def write_batch(
    count: int,
    per_account: int,
    owners: list[Owner],
    locales: dict[str, Locale],
    rng: random.Random,
) -> tuple[int, int]:
    """One transaction: ``count`` accounts, then their contacts (which need the account ids)."""
    from django.db import transaction

    from clientela.customers.models import Account, Contact
    from clientela.customers.search_index import document

    countries = ["BR" if rng.random() < BR_SHARE else "US" for _ in range(count)]
    accounts = [Account(**account_values(rng, locales[c], rng.choice(owners))) for c in countries]
    for account in accounts:
        account.search_text = document(account)
    with transaction.atomic():
        Account.objects.bulk_create(accounts)
        contacts = []
        for account in accounts:
            for _ in range(per_account):
                contact = Contact(**contact_values(rng, locales[account.country], account))
                contact.account = account  # cached: document() reads the company name from it
                contact.search_text = document(contact)
                contacts.append(contact)
        Contact.objects.bulk_create(contacts, batch_size=5000)
    return len(accounts), len(contacts)


# --- opportunities --------------------------------------------------------------------------

DEAL_NAMES = {
    "BR": ("Licenças do ERP", "Contrato de suporte", "Frota de notebooks", "Migração para a nuvem",
           "Treinamento da equipe", "Consultoria de processos", "Integração com o e-commerce"),
    "US": ("ERP licences", "Support contract", "Laptop fleet", "Cloud migration", "Team training",
           "Process consulting", "E-commerce integration"),
}  # fmt: skip
FUNNEL = (30, 25, 20, 15, 10)  # shares of the open deals per open stage, first stage first
CLOSED_WITHIN_DAYS = 730
WON_SHARE = 0.4
SECOND_PIPELINE = "bench-renewals"
SECOND_SHARE = 0.1  # closed deals in the second pipeline
LOST_REASONS = ("price", "competitor", "no_budget", "no_decision", "timing", "product_fit")
OPPORTUNITY_BATCH = 50_000
OPPORTUNITY_COLUMNS = (
    "id", "owner", "team", "created_at", "updated_at", "name", "account", "pipeline", "stage",
    "status", "amount", "currency", "expected_close_date", "probability", "probability_set",
    "forecast_category", "next_step", "description", "competitors", "lost_reason", "lost_note",
    "lead_source", "stage_entered_at", "closed_at",
)  # fmt: skip
CHANGE_COLUMNS = (
    "id", "opportunity", "from_stage", "to_stage", "from_name", "to_name", "to_kind", "at",
    "left_at", "by", "amount", "probability", "deal_created_at", "first_entry",
)  # fmt: skip


def ensure_pipelines() -> list[list[Any]]:
    """The stages of the default pipeline and of ``bench-renewals`` (made once, bypassing the
    services like every row here)."""
    from clientela.sales.models import Pipeline, Stage
    from clientela.sales.services import default_pipeline

    second, made = Pipeline.objects.get_or_create(name=SECOND_PIPELINE, defaults={"position": 99})
    if made:
        kinds = [("Renewal due", 40, "open"), ("Offer sent", 60, "open")]
        kinds += [("Renewed", 100, "won"), ("Not renewed", 0, "lost")]
        Stage.objects.bulk_create(
            Stage(pipeline=second, name=n, position=i, probability=p, kind=k)
            for i, (n, p, k) in enumerate(kinds)
        )
    return [list(p.stages.order_by("position", "id")) for p in (default_pipeline(), second)]


@dataclass
class DealMaker:
    """Rows for one deal and its history, as plain tuples in the column orders above."""

    rng: random.Random
    pipelines: list[list[Any]]
    now: Any
    sqlite: bool
    next_id: int = 1
    next_change: int = 1

    def stamp(self, days_ago: float) -> Any:
        from datetime import UTC, timedelta

        moment = (self.now - timedelta(days=days_ago)).replace(microsecond=0)
        return str(moment.astimezone(UTC).replace(tzinfo=None)) if self.sqlite else moment

    def path(self, open_at: int | None) -> tuple[int, list[Any]]:
        """The pipeline index and the stages entered: up to an open stage, or on to won/lost."""
        if open_at is not None:
            stages = self.pipelines[0]
            return 0, [s for s in stages if s.kind == "open"][: open_at + 1]
        index = 1 if self.rng.random() < SECOND_SHARE else 0
        stages = self.pipelines[index]
        opens = [s for s in stages if s.kind == "open"]
        won = self.rng.random() < WON_SHARE
        reached = len(opens) if won else self.rng.randint(1, len(opens))
        end = next(s for s in stages if s.kind == ("won" if won else "lost"))
        return index, [*opens[:reached], end]

    def deal(
        self, account: tuple[int, int, int | None, str], open_at: int | None
    ) -> tuple[tuple[Any, ...], list[tuple[Any, ...]]]:
        from datetime import timedelta
        from decimal import Decimal

        rng, (account_id, owner_id, team_id, country) = self.rng, account
        _pipeline, path = self.path(open_at)
        last = path[-1]
        ago = rng.uniform(0, 60) if open_at is not None else rng.uniform(0, CLOSED_WITHIN_DAYS)
        days = [ago]
        for _step in path[1:]:
            days.append(days[-1] + rng.uniform(1, 20))
        days.reverse()  # days ago of each entry, oldest first
        amount = Decimal(round(math.exp(rng.uniform(6.9, 13.8))))  # about 1,000 to 1,000,000
        close = (self.now - timedelta(days=ago)).date()
        if last.kind == "open":
            close = None if rng.random() < 0.05 else close + timedelta(days=rng.randint(0, 180))
        lost = rng.choice(LOST_REASONS) if last.kind == "lost" else ""
        forecast = {"won": "closed", "lost": "omitted"}.get(last.kind) or rng.choice(
            ("pipeline", "pipeline", "best_case", "commit")
        )
        stamps = [self.stamp(ago) for ago in days]
        entered, created = stamps[-1], stamps[0]
        deal_id, self.next_id = self.next_id, self.next_id + 1
        row = (
            deal_id, owner_id, team_id, created, entered,
            f"{rng.choice(DEAL_NAMES['BR' if country == 'BR' else 'US'])} {deal_id}",
            account_id, last.pipeline_id, last.pk, last.kind, amount,
            "BRL" if country == "BR" else "USD", close, last.probability, False, forecast,
            "", "", "", lost, "", "", entered, entered if last.kind != "open" else None,
        )  # fmt: skip
        return row, self.history(deal_id, path, stamps, amount, owner_id)

    def history(
        self, deal_id: int, path: list[Any], stamps: list[Any], amount: Any, owner_id: int
    ) -> list[tuple[Any, ...]]:
        """One row per stage entered, with when the deal left it (``None`` for the last), the
        deal's creation time, and whether the deal entered that stage before."""
        rows = []
        for step, stage in enumerate(path):
            before = path[step - 1] if step else None
            left = stamps[step + 1] if step + 1 < len(path) else None
            rows.append(
                (
                    self.next_change, deal_id, before.pk if before else None, stage.pk,
                    before.name if before else "", stage.name, stage.kind, stamps[step], left,
                    owner_id, amount, stage.probability, stamps[0], stage not in path[:step],
                )
            )  # fmt: skip
            self.next_change += 1
        return rows


def insert_rows(model: Any, names: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    """Many rows at once: ``COPY`` on PostgreSQL, ``executemany`` on SQLite."""
    from django.db import connection

    quote = connection.ops.quote_name
    columns = ", ".join(quote(model._meta.get_field(n).column) for n in names)
    table = quote(model._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(names))
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)  # noqa: S608


def open_stages(count: int, rng: random.Random) -> list[int | None]:
    """Which open stage each open deal is in (a funnel), shuffled."""
    shares = [round(count * share / sum(FUNNEL)) for share in FUNNEL]
    shares[0] += count - sum(shares)
    stages: list[int | None] = [i for i, n in enumerate(shares) for _ in range(n)]
    rng.shuffle(stages)
    return stages


def write_opportunities(count: int, open_count: int, owners: list[Owner], seed: int) -> int:
    """``count`` deals (``open_count`` open in the default pipeline) and their history; returns
    the number of history rows."""
    from django.db import connection, transaction
    from django.db.models import Max
    from django.utils import timezone

    from clientela.customers.models import Account
    from clientela.sales.models import Opportunity, StageChange

    rng = random.Random(seed * 13 + 5)
    fields = ("id", "owner_id", "team_id", "country")
    accounts = list(Account.objects.order_by("id").values_list(*fields))
    if not accounts:  # deals without an account, over the bench users
        accounts = [(None, o.user_id, o.team_id, "BR") for o in owners]  # type: ignore[misc]
    maker = DealMaker(rng, ensure_pipelines(), timezone.now(), connection.vendor == "sqlite")
    maker.next_id = (Opportunity.objects.aggregate(m=Max("id"))["m"] or 0) + 1
    maker.next_change = (StageChange.objects.aggregate(m=Max("id"))["m"] or 0) + 1
    kinds = open_stages(open_count, rng) + [None] * (count - open_count)
    rng.shuffle(kinds)
    changes = 0
    for start in range(0, count, OPPORTUNITY_BATCH):
        deals, history = [], []
        for open_at in kinds[start : start + OPPORTUNITY_BATCH]:
            row, moves = maker.deal(rng.choice(accounts), open_at)
            deals.append(row)
            history.extend(moves)
        with transaction.atomic():
            insert_rows(Opportunity, OPPORTUNITY_COLUMNS, deals)
            insert_rows(StageChange, CHANGE_COLUMNS, history)
        changes += len(history)
    _reset_sequences(Opportunity, StageChange)
    return changes


def _reset_sequences(*models: Any) -> None:
    """PostgreSQL: the identity sequences go on after the ids written by hand."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in models:
            table = connection.ops.quote_name(model._meta.db_table)
            top = f"COALESCE((SELECT MAX(id) FROM {table}), 1)"  # noqa: S608 (a quoted model table)
            sql = f"SELECT setval(pg_get_serial_sequence(%s, 'id'), {top})"
            cursor.execute(sql, [model._meta.db_table])


def maintain_sqlite() -> dict[str, float] | None:
    """On SQLite, what the nightly ``customers.search-maintenance`` job does (one FTS5 segment,
    ANALYZE), the counterpart of PostgreSQL's VACUUM ANALYZE below."""
    from django.db import connection

    from clientela.customers.search_engine import maintain

    return maintain(connection) if connection.vendor == "sqlite" else None


def vacuum() -> float | None:
    """On PostgreSQL, VACUUM ANALYZE the bulk-loaded tables, as autovacuum would within a minute
    or so: until then counts read every heap page and plans lack statistics, and a benchmark
    started right away would measure that. SQLite gets ``maintain_sqlite`` instead."""
    from django.db import connection

    from clientela.customers.models import Account, Contact, Lead
    from clientela.sales.models import Opportunity, StageChange

    if connection.vendor != "postgresql":
        return None
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for model in (Account, Contact, Lead, Opportunity, StageChange):
            cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    return round(time.perf_counter() - started, 2)


def generate(args: argparse.Namespace) -> dict[str, Any]:
    from django.db import connection

    rng = random.Random(args.seed)
    started = time.perf_counter()
    locales = make_locales(args.seed)
    teams = ensure_teams(args.teams)
    owners = ensure_users(args.users, teams, locales, rng)
    prepared = time.perf_counter()
    accounts = contacts = 0
    for size in batches(args.accounts, args.batch_size):
        added = write_batch(size, args.contacts_per_account, owners, locales, rng)
        accounts, contacts = accounts + added[0], contacts + added[1]
    leads = sum(write_leads(size, owners, locales, rng) for size in batches(args.leads, 10000))
    sales_started = time.perf_counter()
    changes = write_opportunities(args.opportunities, args.open_opportunities, owners, args.seed)
    sales_seconds = time.perf_counter() - sales_started
    elapsed = time.perf_counter() - started
    rows = accounts + contacts + leads + args.opportunities + changes
    return {
        "database": connection.vendor,
        "vacuum_seconds": vacuum(),
        "search_maintenance_seconds": maintain_sqlite(),
        "accounts": accounts,
        "contacts": contacts,
        "leads": leads,
        "opportunities": args.opportunities,
        "open_opportunities": args.open_opportunities,
        "stage_changes": changes,
        "opportunity_seconds": round(sales_seconds, 2),
        "users": len(owners),
        "teams": len(teams),
        "rows": rows,
        "seconds": round(elapsed, 2),
        "setup_seconds": round(prepared - started, 2),
        "rows_per_second": round(rows / elapsed) if elapsed else None,
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    setup_django()
    print(json.dumps(generate(args), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
