"""Leads and a history of activities for ``clientela demo``, through the same services as the UI.

Leads come in from every source and sit at every status; a few were converted into customers,
so their pages show where the customer came from. Activities come from the activities app's own
demo helper.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from clientela.customers.models import Lead
    from clientela.platform.models import Team, User

BR_FIRST = ("Ana", "Bruno", "Camila", "Diego", "Fernanda", "Gustavo", "Helena", "Igor", "Júlia")
BR_LAST = ("Araújo", "Barbosa", "Cardoso", "Dias", "Gonçalves", "Lima", "Moreira", "Nogueira")
BR_COMPANIES = (
    "Padaria Pão Dourado",
    "Ótica Visão Clara",
    "Transportes Rápido Sul",
    "Clínica Bem-Estar",
    "Mercado São João",
    "Gráfica Ponto Certo",
)
EN_FIRST = ("Alice", "George", "Isla", "Jack", "Mia", "Noah", "Olivia", "Thomas")
EN_LAST = ("Baker", "Carter", "Evans", "Hughes", "Morgan", "Price", "Turner", "Walsh")
EN_COMPANIES = ("Northwind Bakery", "Harbour Optics", "Bluebell Clinics", "Greenway Freight")
SOURCES = ("web_form", "import", "campaign", "manual", "api", "referral")
RATINGS = ("hot", "warm", "cold", "")


def _lead_values(rng: random.Random, n: int, english: bool) -> dict[str, object]:
    first = rng.choice(EN_FIRST if english else BR_FIRST)
    last = rng.choice(EN_LAST if english else BR_LAST)
    company = rng.choice(EN_COMPANIES if english else BR_COMPANIES)
    slug = f"{first}.{last}.{n}".lower().encode("ascii", "ignore").decode()
    return {
        "first_name": first,
        "last_name": last,
        "company": company,
        "email": f"{slug}@leads-demo.example",
        "phone": f"+4420794{n % 10000:04d}0" if english else f"+55119{n % 10000:04d}{n % 9999:04d}",
        "country": "GB" if english else "BR",
        "source": rng.choice(SOURCES),
        "rating": rng.choice(RATINGS),
        "job_title": "Operations Manager" if english else "Gerente de Operações",
    }


def add_leads(owners: dict[str, tuple[User, Team]], count: int, rng: random.Random) -> list[Lead]:
    """``owners``: team name → (owner, team). A mix of new, working, qualified, disqualified
    and converted leads."""
    from clientela.customers.services.leads import (
        ConversionPlan,
        lead_convert,
        lead_create,
        lead_set_status,
    )

    leads = []
    pairs = list(owners.values())
    for n in range(count):
        owner, team = pairs[n % len(pairs)]
        english = team.name.startswith("Sales")
        lead = lead_create(actor=owner, values={**_lead_values(rng, n, english), "team": team})
        roll = rng.random()
        if roll < 0.25:
            lead = lead_set_status(actor=owner, lead_id=lead.pk, status="working")
        elif roll < 0.4:
            lead = lead_set_status(actor=owner, lead_id=lead.pk, status="qualified")
        elif roll < 0.5:
            lead = lead_set_status(
                actor=owner, lead_id=lead.pk, status="disqualified", reason="no_budget"
            )
        elif roll < 0.6:
            lead = lead_convert(actor=owner, lead_id=lead.pk, plan=ConversionPlan()).lead
        leads.append(lead)
    return leads


def add_history(
    users: Sequence[User], account_ids: Sequence[int], leads: Sequence[Lead], seed: int
) -> int:
    """Activities on the demo's accounts, their contacts and the leads; returns how many."""
    from clientela.activities.demo import add_demo_activities
    from clientela.customers.models import Account, Contact, Lead

    accounts = list(Account.objects.filter(pk__in=account_ids).order_by("id"))
    contacts = list(Contact.objects.filter(account_id__in=account_ids).order_by("id"))
    lead_rows = list(Lead.objects.filter(pk__in=[lead.pk for lead in leads]))
    return add_demo_activities(users, accounts, contacts, lead_rows, random.Random(seed))


def load(teams: Sequence[Team], account_ids: Sequence[int], seed: int, lead_count: int) -> int:
    """Leads for each team's reps, then the activity history; returns the number of leads."""
    from clientela.platform.models import User

    owners: dict[str, tuple[User, Team]] = {}
    for team in teams:
        rep = User.objects.filter(teams=team, role__slug="sales-rep").order_by("id").first()
        if rep is not None:
            owners[team.name] = (rep, team)
    if not owners:
        return 0
    rng = random.Random(seed)
    leads = add_leads(owners, lead_count, rng)
    users = [owner for owner, _team in owners.values()]
    add_history(users, account_ids, leads, seed)
    return len(leads)
