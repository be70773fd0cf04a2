"""``clientela demo``: realistic demo data, created through the services so the audit log has it.

Three sales teams (São Paulo, Rio, London), one user per built-in role, and accounts of three
kinds: Brazilian companies (valid CNPJ), Brazilian households and individuals (valid CPF) and
English-speaking companies in GB and the US. Everything follows from ``--seed``; e-mail domains and
web sites use the reserved ``.example`` top-level domain so no demo address belongs to anyone.
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

if TYPE_CHECKING:
    from faker import Faker

    from clientela.platform.models import Team, User

HELP = "Load realistic demo data (teams, one user per role, accounts and contacts)."

ADMIN = "admin"
MAIL_DOMAIN = "clientela-demo.example"
SP, RIO, LONDON = "Vendas São Paulo", "Vendas Rio", "Sales London"
TEAMS = {
    SP: "Vendas para São Paulo, Sul e Centro-Oeste.",
    RIO: "Vendas para o Rio de Janeiro, Minas Gerais, Espírito Santo e Nordeste.",
    LONDON: "Sales to the United Kingdom and North America.",
}
BR_USER = {"language": "pt-br", "time_zone": "America/Sao_Paulo"}
EN_USER = {"language": "en", "time_zone": "Europe/London"}
# username, first name, last name, role, teams, locale
USERS = (
    (ADMIN, "Mariana", "Costa", "administrator", (SP,), BR_USER),
    ("rafael.oliveira", "Rafael", "Oliveira", "sales-manager", (SP, RIO), BR_USER),
    ("juliana.santos", "Juliana", "Santos", "sales-rep", (SP,), BR_USER),
    ("lucas.pereira", "Lucas", "Pereira", "sales-rep", (RIO,), BR_USER),
    ("oliver.bennett", "Oliver", "Bennett", "sales-manager", (LONDON,), EN_USER),
    ("emily.clarke", "Emily", "Clarke", "sales-rep", (LONDON,), EN_USER),
    ("beatriz.almeida", "Beatriz", "Almeida", "marketing", (SP,), BR_USER),
    ("thiago.ferreira", "Thiago", "Ferreira", "service-agent", (RIO,), BR_USER),
    ("hannah.fletcher", "Hannah", "Fletcher", "contact-center-agent", (LONDON,), EN_USER),
    ("carlos.mendes", "Carlos", "Mendes", "read-only", (SP,), BR_USER),
)
MANAGERS = {SP: "rafael.oliveira", RIO: "rafael.oliveira", LONDON: "oliver.bennett"}
# team -> (owner username, weight): reps carry most accounts, managers a few key ones
OWNERS = {
    SP: (("juliana.santos", 3), ("rafael.oliveira", 1)),
    RIO: (("lucas.pereira", 3), ("rafael.oliveira", 1)),
    LONDON: (("emily.clarke", 3), ("oliver.bennett", 1)),
}
# fmt: off
AREA_CODES = {
    SP: (11, 11, 11, 19, 13, 12, 15, 41, 47, 48, 51, 61),
    RIO: (21, 21, 21, 22, 24, 27, 31, 71, 81, 85),
}
BR_SECTORS = (
    "Alimentos", "Engenharia", "Logística", "Tecnologia", "Transportes", "Têxtil",
    "Agropecuária", "Consultoria", "Materiais de Construção", "Autopeças", "Cosméticos",
    "Embalagens", "Móveis", "Equipamentos Médicos", "Informática",
)
BR_PREFIXES = ("Construtora", "Distribuidora", "Grupo", "Indústria", "Comercial", "Laboratório")
BR_SUFFIXES = ("Ltda.", "Ltda.", "Ltda.", "S/A", "ME", "EPP")
EN_SECTORS = (
    "Logistics", "Engineering", "Software", "Foods", "Consulting", "Manufacturing",
    "Analytics", "Supplies", "Healthcare", "Energy", "Packaging", "Furniture",
)
EN_SUFFIXES = {"GB": ("Ltd", "Ltd", "PLC", "LLP"), "US": ("Inc.", "LLC", "Corp.", "Inc.")}
BR_TITLES = (
    ("Diretor Comercial", "Diretora Comercial"),
    ("Gerente de Compras",) * 2,
    ("Analista Financeiro", "Analista Financeira"),
    ("Coordenador de Logística", "Coordenadora de Logística"),
    ("Sócio-administrador", "Sócia-administradora"),
    ("Comprador", "Compradora"),
    ("Gerente de TI",) * 2,
    ("Assistente Administrativo", "Assistente Administrativa"),
)
EN_TITLES = (
    "Head of Procurement", "Finance Director", "Operations Manager", "Managing Director",
    "IT Manager", "Buyer", "Office Manager", "Commercial Director",
)
GB_PHONES = ("20 7946 0", "161 496 0", "121 496 0", "113 496 0", "117 496 0")  # Ofcom drama ranges
US_AREAS = (212, 646, 415, 617, 312, 206, 512, 305)
MAIL_HOSTS = ("mail.example", "correio.example", "webmail.example")
# fmt: on


def _count(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--accounts",
        type=_count,
        default=50,
        metavar="N",
        help="how many accounts to create (default 50)",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=42,
        metavar="S",
        help="random seed; the same seed gives the same data (default 42)",
    )
    parser.add_argument(
        "--password",
        metavar="P",
        help="password of every demo user (default: $CLIENTELA_DEMO_PASSWORD, else a generated "
        "one, printed once)",
    )
    parser.add_argument(
        "--force", action="store_true", help="add accounts even if demo data is already loaded"
    )


# --- generated records --------------------------------------------------------------------------


@dataclass
class AccountSpec:
    team: str
    values: dict[str, Any]
    contacts: list[dict[str, Any]] = field(default_factory=list)
    parent: int | None = None  # index of an earlier spec: this account belongs to its group


def _slug(text: str) -> str:
    from django.utils.text import slugify

    return slugify(text)


class DemoFactory:
    """Makes account and contact values from one seed: same seed, same records."""

    def __init__(self, seed: int) -> None:
        from faker import Faker

        self.seed = seed
        self.rng = random.Random(seed)
        self.fakers: dict[str, Faker] = {}
        for offset, locale in enumerate(("pt_BR", "en_GB", "en_US")):
            fake = Faker(locale)
            fake.seed_instance(seed * 7 + offset)
            self.fakers[locale] = fake
        self.br = self.fakers["pt_BR"]

    # phones ---------------------------------------------------------------------------------
    def area(self, team: str, country: str) -> str:
        """Where a customer is: its people's numbers share the area code (or exchange)."""
        if country == "GB":
            return self.rng.choice(GB_PHONES)
        if country == "US":
            return f"{self.rng.choice(US_AREAS)} 555 01"
        return str(self.rng.choice(AREA_CODES[team]))

    def phone(self, area: str, country: str, *, mobile: bool = True) -> str:
        from clientela.customers.validators import normalize_phone

        for _attempt in range(20):
            number = normalize_phone(self._raw_phone(area, country, mobile=mobile), country)
            if number is not None:
                return number
        raise RuntimeError(f"could not make a valid {country} phone number")

    def _raw_phone(self, area: str, country: str, *, mobile: bool) -> str:
        r = self.rng
        if country == "GB":
            return f"+44 {area}{r.randint(0, 999):03d}"
        if country == "US":
            return f"+1 {area}{r.randint(0, 99):02d}"
        if mobile:
            return f"+55 {area} 9{r.randint(10_000_000, 99_999_999)}"
        return f"+55 {area} {r.randint(2, 5)}{r.randint(0, 9_999_999):07d}"

    # people ---------------------------------------------------------------------------------
    def br_person(
        self,
        area: str,
        domain: str | None,
        *,
        last_name: str | None = None,
        cpf: bool,
        titled: bool = True,
    ) -> dict[str, Any]:
        female = self.rng.random() < 0.5
        first = self.br.first_name_female() if female else self.br.first_name_male()
        last = last_name or self.br.last_name()
        titles = self.rng.choice(BR_TITLES)
        return {
            "first_name": first,
            "last_name": last,
            "email": self._email(first, last, domain),
            "phone": self.phone(area, "BR"),
            "tax_id": self.br.cpf() if cpf else "",
            "job_title": titles[-1 if female else 0] if titled else "",
            "gender": "female" if female else "male",
        }

    def en_person(self, area: str, country: str, domain: str) -> dict[str, Any]:
        fake = self.fakers["en_GB" if country == "GB" else "en_US"]
        first, last = fake.first_name(), fake.last_name()
        return {
            "first_name": first,
            "last_name": last,
            "email": self._email(first, last, domain),
            "phone": self.phone(area, country),
            "tax_id": "",
            "job_title": self.rng.choice(EN_TITLES),
        }

    def _email(self, first: str, last: str, domain: str | None) -> str:
        local = f"{_slug(first)}.{_slug(last)}".replace("-", "")
        if domain is None:  # a private address
            return f"{local}{self.rng.randint(1, 99)}@{self.rng.choice(MAIL_HOSTS)}"
        return f"{local}@{domain}"

    def contact_count(self) -> int:
        return self.rng.choices((1, 2, 3, 4), weights=(35, 35, 20, 10))[0]

    # accounts -------------------------------------------------------------------------------
    def br_company(self, team: str) -> AccountSpec:
        r, last = self.rng, self.br.last_name()
        core = (
            f"{r.choice(BR_PREFIXES)} {last}"
            if r.random() < 0.3
            else f"{last} {r.choice(BR_SECTORS)}"
            if r.random() < 0.7
            else f"{last} & {self.br.last_name()} {r.choice(BR_SECTORS)}"
        )
        core = core[0].upper() + core[1:]  # "das Neves Móveis" starts a name as "Das Neves…"
        domain, area = f"{_slug(core)}.example", self.area(team, "BR")
        spec = AccountSpec(
            team,
            {
                "name": f"{core} {r.choice(BR_SUFFIXES)}",
                "tax_id": self.br.cnpj(),
                "country": "BR",
                "phone": self.phone(area, "BR", mobile=False),
                "email": f"contato@{domain}",
                "website": f"https://www.{domain}/",
            },
        )
        spec.contacts = [
            self.br_person(area, domain, cpf=r.random() < 0.3) for _ in range(self.contact_count())
        ]
        return spec

    def br_household(self, team: str) -> AccountSpec:
        area = self.area(team, "BR")
        person = self.br_person(area, None, cpf=True, titled=False)
        if self.rng.random() < 0.5:  # one person is the customer
            values = {"name": f"{person['first_name']} {person['last_name']}"}
            members = [person]
        else:  # a family: the people share a last name
            values = {"name": f"Família {person['last_name']}"}
            members = [person] + [
                self.br_person(area, None, last_name=person["last_name"], cpf=True, titled=False)
                for _ in range(self.rng.randint(1, 3))
            ]
        values.update(
            tax_id=person["tax_id"],
            country="BR",
            phone=person["phone"],
            email=person["email"],
            website="",
        )
        return AccountSpec(team, values, members)

    def en_company(self) -> AccountSpec:
        r = self.rng
        country = r.choice(("GB", "GB", "US"))
        fake = self.fakers["en_GB" if country == "GB" else "en_US"]
        core = f"{fake.last_name()} {r.choice(EN_SECTORS)}"
        domain, area = f"{_slug(core)}.example", self.area(LONDON, country)
        tax_id = ""
        if r.random() < 0.5:  # free-form: a UK VAT number or a US EIN
            tax_id = (
                f"GB{r.randint(100_000_000, 999_999_999)}"
                if country == "GB"
                else f"{r.randint(10, 99)}-{r.randint(1_000_000, 9_999_999)}"
            )
        spec = AccountSpec(
            LONDON,
            {
                "name": f"{core} {r.choice(EN_SUFFIXES[country])}",
                "tax_id": tax_id,
                "country": country,
                "phone": self.phone(area, country),
                "email": f"{r.choice(('info', 'hello', 'sales'))}@{domain}",
                "website": f"https://www.{domain}/",
            },
        )
        spec.contacts = [self.en_person(area, country, domain) for _ in range(self.contact_count())]
        return spec

    def accounts(self, n: int) -> list[AccountSpec]:
        """55% Brazilian companies, 15% Brazilian people, 30% GB/US companies, shuffled."""
        companies, people = round(n * 0.55), round(n * 0.15)
        kinds = ["br"] * companies + ["person"] * people + ["en"] * (n - companies - people)
        self.rng.shuffle(kinds)
        specs = [self._one(kind) for kind in kinds]
        from clientela.commands.demo_customers import CustomerDetails

        CustomerDetails(self.seed).enrich(specs)
        return specs

    def _one(self, kind: str) -> AccountSpec:
        if kind == "en":
            return self.en_company()
        team = SP if self.rng.random() < 0.6 else RIO
        return self.br_company(team) if kind == "br" else self.br_household(team)

    def owner(self, team: str) -> str:
        names = [name for name, _weight in OWNERS[team]]
        weights = [weight for _name, weight in OWNERS[team]]
        return self.rng.choices(names, weights=weights)[0]


# --- teams and users ----------------------------------------------------------------------------


@dataclass
class Cast:
    teams: dict[str, Team]
    users: dict[str, User]
    created: list[str] = field(default_factory=list)  # user names given the demo password


def _ensure_cast(password: str) -> Cast:
    from clientela.platform.models import Role, Team, User
    from clientela.platform.services.users import team_create, team_update, user_create

    teams = {
        name: Team.objects.filter(name=name).first()
        or team_create(actor=None, data={"name": name, "description": description})
        for name, description in TEAMS.items()
    }
    roles = {role.slug: role for role in Role.objects.all()}
    cast = Cast(teams, {})
    for username, first, last, role, team_names, extra in USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            data = {
                "username": username,
                "email": f"{username}@{MAIL_DOMAIN}",
                "first_name": first,
                "last_name": last,
                "role": roles[role],
                "teams": [teams[t] for t in team_names],
                **extra,
            }
            user = user_create(actor=None, data=data, password=password)
            cast.created.append(username)
        cast.users[username] = user
    for name, manager in MANAGERS.items():
        if teams[name].manager_id is None:
            teams[name] = team_update(
                actor=cast.users[ADMIN],
                team_id=teams[name].pk,
                data={"manager": cast.users[manager].pk},
            )
    return cast


# --- loading ------------------------------------------------------------------------------------


def _create(spec: AccountSpec, owner: User, team: Team, parent: int | None) -> int:
    """One account (in its group when it has a parent) and its people, each with a role;
    returns the account's id."""
    from clientela.customers.services import account_create, contact_create

    account = account_create(actor=owner, values={**spec.values, "team": team, "parent": parent})
    for person in spec.contacts:
        values = {k: v for k, v in person.items() if k != "role"}
        role = {"account_id": account.pk, "role": person.get("role", "employee")}
        contact_create(actor=owner, values={**values, "accounts": [role], "team": team})
    return int(account.pk)


def _load(
    password: str,
    specs: list[AccountSpec],
    owners: list[str],
    advance: Callable[[], None],
    seed: int,
) -> tuple[Cast, int, int]:
    """Everything in one transaction: an error leaves nothing half-loaded (and SQLite is fast)."""
    from django.db import transaction

    from clientela.commands import demo_history, demo_rules
    from clientela.platform.context import use_channel
    from clientela.sales.demo import add_demo_sales
    from clientela.service.demo import add_demo_service

    contacts, created = 0, list[int]()  # created: account ids, in the order of specs
    with use_channel("system"), transaction.atomic():
        cast = _ensure_cast(password)
        for spec, owner in zip(specs, owners, strict=True):
            parent = None if spec.parent is None else created[spec.parent]
            created.append(_create(spec, cast.users[owner], cast.teams[spec.team], parent))
            contacts += len(spec.contacts)
            advance()
        teams = list(cast.teams.values())
        leads = demo_history.load(teams, created, seed, max(6, len(specs) // 2))
        add_demo_sales(cast.users[ADMIN], created, seed)  # pipelines and a year of deals
        # queues, SLA policies and a year of tickets (60 per account: 3,000 for the default 50)
        add_demo_service(cast.users[ADMIN], teams, created, seed, tickets=60 * len(created))
    # after the commit, whose events have been matched by then: the rules act on what comes next
    with use_channel("system"), transaction.atomic():
        demo_rules.add_rules(cast.users[ADMIN])
    return cast, contacts, leads


def _progress() -> Progress:
    """A bar on stderr when it is a terminal; silent when piped or under tests."""
    console = Console(stderr=True)
    return Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        disable=not console.is_terminal,
    )


def _already_loaded(args: argparse.Namespace) -> bool:
    from clientela.platform.models import User

    if args.force or not User.objects.filter(username=ADMIN).exists():
        return False
    print(f"Demo data is already loaded (user {ADMIN!r} exists); nothing changed.")
    print("Run `clientela demo --force` to add more accounts.")
    return True


def _error(exc: Exception) -> int:
    errors = getattr(exc, "errors", {}) or {}
    details = "; ".join(f"{k}: {' '.join(map(str, v))}" for k, v in errors.items())
    print(f"error: {getattr(exc, 'message', exc)} {details}".rstrip(), file=sys.stderr)
    print("Nothing was loaded.", file=sys.stderr)
    return 1


def run(args: argparse.Namespace) -> int:
    from clientela.platform.errors import DomainError

    if _not_migrated():
        return 1
    if _already_loaded(args):
        return 0
    started = time.perf_counter()
    password = (
        args.password or os.environ.get("CLIENTELA_DEMO_PASSWORD") or secrets.token_urlsafe(12)
    )
    factory = DemoFactory(args.seed)
    specs = factory.accounts(args.accounts)
    owners = [factory.owner(spec.team) for spec in specs]
    try:
        with _progress() as progress:
            task = progress.add_task("Creating demo accounts", total=len(specs))
            cast, contacts, leads = _load(
                password, specs, owners, lambda: progress.advance(task), args.seed
            )
    except DomainError as exc:
        return _error(exc)
    elapsed = time.perf_counter() - started
    print(
        f"Created {len(specs)} accounts, {contacts} contacts and {leads} leads with their "
        f"activities for {len(cast.users)} users "
        f"in {len(cast.teams)} teams (seed {args.seed}) in {elapsed:.1f} s."
    )
    _print_login(password, cast.created)
    return 0


def _print_login(password: str, created: list[str]) -> None:
    if ADMIN in created:
        print(f"Sign in as: {ADMIN}")
        print(f"password:   {password}")
    else:
        print(f"Sign in as {ADMIN!r} with its existing password (unchanged).")
    others = [name for name in created if name != ADMIN]
    if others:
        same = "the same password" if ADMIN in created else f"the password {password}"
        print(f"Demo users with {same}: {', '.join(others)}")
        print("Change these passwords before real use.")


def _not_migrated() -> bool:
    from clientela.commands.check import pending_migrations

    if pending_migrations():
        print(
            "error: the database is not up to date; run `clientela migrate` first.", file=sys.stderr
        )
        return True
    return False
