"""Fill the configured database with many accounts and contacts, for benchmarks.

    python bench/generate.py --accounts 100000 --contacts-per-account 3 --users 20
    python bench/generate.py --contacts 1000000        # accounts = contacts / 3, leads / 10

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
"""

from __future__ import annotations

import argparse
import json
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

    if connection.vendor != "postgresql":
        return None
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for model in (Account, Contact, Lead):
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
    elapsed = time.perf_counter() - started
    rows = accounts + contacts + leads
    return {
        "database": connection.vendor,
        "vacuum_seconds": vacuum(),
        "search_maintenance_seconds": maintain_sqlite(),
        "accounts": accounts,
        "contacts": contacts,
        "leads": leads,
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
