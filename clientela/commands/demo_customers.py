"""The demo's account and contact details: industry, size, status, addresses, points, people.

Kept apart from ``demo.py`` (which makes the names, tax ids and primary points) and driven by its
own random stream, so adding detail here never changes the records the main factory makes.
Brazilian addresses get a real city, its UF and a CEP from that city's range, picked by the
phone's area code, so an account's address and phone agree.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from faker import Faker

    from clientela.commands.demo import AccountSpec

# area code -> (city, UF, first CEP, last CEP) of that city's range
BR_CITIES = {
    "11": ("São Paulo", "SP", 1_000_000, 5_899_999),
    "12": ("São José dos Campos", "SP", 12_200_000, 12_249_999),
    "13": ("Santos", "SP", 11_010_000, 11_099_999),
    "15": ("Sorocaba", "SP", 18_000_000, 18_109_999),
    "19": ("Campinas", "SP", 13_000_000, 13_139_999),
    "21": ("Rio de Janeiro", "RJ", 20_000_000, 23_799_999),
    "22": ("Campos dos Goytacazes", "RJ", 28_000_000, 28_099_999),
    "24": ("Petrópolis", "RJ", 25_600_000, 25_779_999),
    "27": ("Vitória", "ES", 29_000_000, 29_099_999),
    "31": ("Belo Horizonte", "MG", 30_000_000, 31_999_999),
    "41": ("Curitiba", "PR", 80_000_000, 82_999_999),
    "47": ("Joinville", "SC", 89_200_000, 89_239_999),
    "48": ("Florianópolis", "SC", 88_000_000, 88_099_999),
    "51": ("Porto Alegre", "RS", 90_000_000, 91_999_999),
    "61": ("Brasília", "DF", 70_000_000, 72_799_999),
    "71": ("Salvador", "BA", 40_000_000, 42_599_999),
    "81": ("Recife", "PE", 50_000_000, 52_999_999),
    "85": ("Fortaleza", "CE", 60_000_000, 61_599_999),
}
INDUSTRIES = (
    "agriculture", "banking", "construction", "education", "energy", "healthcare", "hospitality",
    "manufacturing", "media", "retail", "services", "technology", "telecom", "transport",
)  # fmt: skip
SIZES = (("1-9", 30), ("10-49", 35), ("50-249", 20), ("250-999", 10), ("1000+", 5))
LIFECYCLES = (("customer", 55), ("prospect", 35), ("former", 10))
RELATIONSHIPS = (("customer", 75), ("supplier", 10), ("partner", 8), ("distributor", 7))
ROLES = ("buyer", "influencer", "user", "technical", "billing")
CHANNELS = ("email", "phone", "whatsapp", "sms", "email", "phone")
INCOMES = ("", "low", "lower_middle", "middle", "middle", "upper_middle", "high")
EDUCATIONS = ("", "secondary", "technical", "bachelor", "bachelor", "postgraduate")
TAGS = {
    "BR": ("VIP", "Conta-chave", "Feira 2025", "Indicação", "Newsletter", "Renovação"),
    "EN": ("VIP", "Key account", "Trade show", "Referral", "Newsletter", "Renewal"),
}
AGE_BANDS = ((25, "18-24"), (35, "25-34"), (45, "35-44"), (55, "45-54"), (65, "55-64"))


def _weighted(rng: random.Random, pairs: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def _age_band(born: date, today: date) -> str:
    age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    return next((band for limit, band in AGE_BANDS if age < limit), "65+")


class CustomerDetails:
    """Adds the details to the specs the main factory made, in place."""

    def __init__(self, seed: int) -> None:
        from faker import Faker

        self.rng = random.Random(seed * 31 + 7)
        self.fakers: dict[str, Faker] = {}
        for offset, locale in enumerate(("pt_BR", "en_GB", "en_US")):
            fake = Faker(locale)
            fake.seed_instance(seed * 11 + offset)
            self.fakers[locale] = fake
        self.today = date(2025, 6, 1)  # birthdays and age bands do not drift with the clock

    def enrich(self, specs: list[AccountSpec]) -> None:
        for index, spec in enumerate(specs):
            country = spec.values["country"]
            address = self.address(spec.values["phone"], country)
            if spec.values.get("website"):
                self.company(spec, address)
                self.group(specs, index)
            else:
                self.household(spec, address)
            for position, person in enumerate(spec.contacts):
                self.person(person, country, position, household=not spec.values.get("website"))

    # accounts ----------------------------------------------------------------------------------
    def address(self, phone: str, country: str) -> dict[str, Any]:
        r = self.rng
        if country == "BR":
            city, uf, low, high = BR_CITIES.get(phone[3:5], BR_CITIES["11"])
            fake = self.fakers["pt_BR"]
            cep = f"{r.randint(low, high):08d}"
            return {
                "street": f"{fake.street_name()}, {r.randint(10, 3999)}",
                "complement": r.choice(("", "", f"Sala {r.randint(1, 40)}", "Galpão 2")),
                "district": fake.bairro(),
                "city": city,
                "state": uf,
                "postal_code": cep,
                "country": "BR",
            }
        fake = self.fakers["en_GB" if country == "GB" else "en_US"]
        state = fake.state_abbr() if country == "US" else ""
        code = fake.postcode() if country == "GB" else fake.zipcode()
        return {
            "street": fake.street_address(),
            "city": fake.city(),
            "state": state,
            "postal_code": code,
            "country": country,
        }

    def company(self, spec: AccountSpec, address: dict[str, Any]) -> None:
        r, values = self.rng, spec.values
        domain = values["email"].split("@", 1)[1]
        billing = "financeiro" if values["country"] == "BR" else "accounts"
        values.update(
            kind="company",
            industry=r.choice(INDUSTRIES),
            size_band=_weighted(r, SIZES),
            lifecycle=_weighted(r, LIFECYCLES),
            relationship=_weighted(r, RELATIONSHIPS),
            addresses=[{"kind": "main", **address}],
            emails=[
                {"value": values.pop("email")},
                {"value": f"{billing}@{domain}", "label": "billing"},
            ],
            tags=r.sample(TAGS["BR" if values["country"] == "BR" else "EN"], r.randint(0, 2)),
        )
        if r.random() < 0.3:
            values["addresses"].append({**address, "kind": "billing"})

    def household(self, spec: AccountSpec, address: dict[str, Any]) -> None:
        spec.values.update(
            kind="household",
            lifecycle=_weighted(self.rng, LIFECYCLES),
            relationship="customer",
            addresses=[{"kind": "home", **address}],
        )
        for person in spec.contacts:
            person["addresses"] = [{"kind": "home", **address}]

    def group(self, specs: list[AccountSpec], index: int) -> None:
        """Now and then a company belongs to an earlier one of the same team (a group)."""
        spec = specs[index]
        earlier = [
            i
            for i, other in enumerate(specs[:index])
            if other.team == spec.team and other.values.get("website") and other.parent is None
        ]
        if earlier and self.rng.random() < 0.15:
            spec.parent = self.rng.choice(earlier)

    # people ------------------------------------------------------------------------------------
    def person(
        self, person: dict[str, Any], country: str, position: int, *, household: bool
    ) -> None:
        r = self.rng
        born = self.today - timedelta(days=r.randint(22 * 365, 70 * 365))
        person.update(
            language="pt-br" if country == "BR" else "en",
            preferred_channel=r.choice(CHANNELS),
            birthday=born if r.random() < 0.6 else None,
            age_band=_age_band(born, self.today),
            income_band=r.choice(INCOMES),
            education=r.choice(EDUCATIONS),
            do_not_contact=r.random() < 0.05,
            role="other" if household else ("decision_maker" if position == 0 else r.choice(ROLES)),
        )
        if r.random() < 0.2:
            person["tags"] = [r.choice(TAGS["BR" if country == "BR" else "EN"])]
        if r.random() < 0.4:
            second = self.second_phone(person["phone"], country)
            person["phones"] = [{"value": person.pop("phone")}, {"value": second, "label": "work"}]
        if r.random() < 0.3 and person.get("email"):
            local = person["email"].split("@", 1)[0]
            private = f"{local}{r.randint(1, 99)}@mail.example"
            person["emails"] = [
                {"value": person.pop("email")},
                {"value": private, "label": "personal"},
            ]

    def second_phone(self, primary: str, country: str) -> str:
        """Another number in the same area (and, for GB and US, the same fictional range)."""
        from clientela.customers.validators import normalize_phone

        keep = {"GB": 3, "US": 2}.get(country, 4)
        for _attempt in range(20):
            number = f"{primary[:-keep]}{self.rng.randint(0, 10**keep - 1):0{keep}d}"
            if number != primary and normalize_phone(number, country) is not None:
                return number
        raise RuntimeError(f"could not make a second {country} phone number")
