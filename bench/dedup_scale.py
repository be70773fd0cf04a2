"""The duplicate scan at volume: time, memory and recall of planted duplicates.

    python bench/dedup_scale.py [--contacts 100000] [--planted 1000]
        [--database-url postgres://…/clientela_bench]

Writes ``--contacts`` contacts into a fresh database (SQLite in a temporary data dir, or the
PostgreSQL database given, dropped and re-created: its name must contain "bench"), of which
``--planted`` are altered copies of others: a typo in the first name with the same e-mail; the
same phone typed another way with a different e-mail; the same CPF with a shortened name and no
e-mail; the same birthday and address with a typo in the surname and nothing else. Values come
from Faker (pt_BR and en_US pools), as in bench/generate.py; contacts get an address half of
the time. Then it runs the app's scan (``clientela.customers.dedup.scan``) and prints JSON:
scan seconds, peak extra memory of the process during the scan, candidate pairs, and the recall
of the planted pairs. Rows go in with ``bulk_create`` (no services: this is for volume).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import threading
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from dedup_febrl import bench_owner, django_database
from generate import ascii_slug, cpf, make_locales, phone

BATCH = 5000
POOL = 2000
PROVIDERS = ("gmail.com", "hotmail.com", "yahoo.com.br", "uol.com.br", "outlook.com")


@dataclass
class Pools:
    """Faker values drawn once per country, so a person costs no Faker call."""

    streets: list[str]
    cities: list[str]
    postcodes: list[str]
    birthdays: list[Any]  # every day of 72 years, so birthdays spread as in real life

    @classmethod
    def of(cls, loc: Any) -> Pools:
        faker = loc.faker
        return cls(
            [faker.street_name() for _ in range(POOL)],
            [faker.city() for _ in range(POOL // 4)],
            [faker.postcode() for _ in range(POOL * 4)],
            [date(1935, 1, 1) + timedelta(days=d) for d in range(365 * 72)],
        )


def person(rng: random.Random, locales: dict[str, Any], pools: dict[str, Pools], n: int) -> Any:
    country = "BR" if rng.random() < 0.7 else "US"
    loc, pool = locales[country], pools[country]
    first, last = rng.choice(loc.first_names), rng.choice(loc.last_names)
    values: dict[str, Any] = {
        "first_name": first,
        "last_name": last,
        "email": f"{ascii_slug(first)}.{ascii_slug(last)}{n}@{rng.choice(PROVIDERS)}",
        "phone": phone(rng, country) if rng.random() < 0.8 else "",
        "tax_id": cpf(rng) if country == "BR" and rng.random() < 0.5 else "",
        "birthday": rng.choice(pool.birthdays) if rng.random() < 0.6 else None,
    }
    if rng.random() < 0.5:
        values["address"] = {
            "street": f"{rng.choice(pool.streets)}, {rng.randint(1, 3000)}",
            "city": rng.choice(pool.cities),
            "postal_code": rng.choice(pool.postcodes),
        }
    return values


def typo(rng: random.Random, word: str) -> str:
    if len(word) < 3:
        return word + "a"
    i = rng.randrange(1, len(word) - 1)
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def _retyped_phone(number: str) -> str:
    digits = number.removeprefix("+55")
    return f"({digits[:2]}) {digits[2:7]}-{digits[7:]}" if number.startswith("+55") else number


def planted_copy(rng: random.Random, original: dict[str, Any], n: int) -> dict[str, Any]:
    """One of four ways the same person gets typed in twice."""
    copy = {**original, "email": "", "phone": "", "tax_id": "", "birthday": None}
    way = n % 4
    if way == 0:
        copy.update(first_name=typo(rng, original["first_name"]), email=original["email"])
    elif way == 1 and original["phone"]:
        copy.update(phone=_retyped_phone(original["phone"]), email=f"other{n}@example.org")
    elif way == 2 and original["tax_id"]:
        copy.update(first_name=original["first_name"][:1] + ".", tax_id=original["tax_id"])
    else:
        copy.update(last_name=typo(rng, original["last_name"]), birthday=original["birthday"])
        copy.update(email=original["email"].upper())
        copy["address"] = original.get("address")
    return copy


def write(rows: list[dict[str, Any]], owner: Any) -> list[int]:
    from django.db import transaction

    from clientela.customers.models import Address, Contact

    ids: list[int] = []
    for start in range(0, len(rows), BATCH):
        chunk = rows[start : start + BATCH]
        with transaction.atomic():
            contacts = Contact.objects.bulk_create(
                [
                    Contact(owner=owner, **{k: v for k, v in r.items() if k != "address"})
                    for r in chunk
                ]
            )
            Address.objects.bulk_create(
                [
                    Address(contact=c, **r["address"])
                    for c, r in zip(contacts, chunk, strict=True)
                    if r.get("address")
                ]
            )
        ids += [c.pk for c in contacts]
    return ids


def generate(
    total: int, planted: int, seed: int
) -> tuple[list[dict[str, Any]], set[tuple[int, int]]]:
    """The rows, and the (original index, copy index) pairs planted among them."""
    rng = random.Random(seed)
    locales = make_locales(seed)
    pools = {country: Pools.of(loc) for country, loc in locales.items()}
    rows = [person(rng, locales, pools, n) for n in range(total - planted)]
    pairs = set()
    for n, source in enumerate(rng.sample(range(len(rows)), planted)):
        rows.append(planted_copy(rng, rows[source], n))
        pairs.add((source, len(rows) - 1))
    return rows, pairs


class PeakMemory:
    """Samples this process's RSS every 50 ms in a thread; ``extra`` is peak minus start."""

    def __init__(self) -> None:
        self.process = psutil.Process()
        self.start = self.peak = self.process.memory_info().rss
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            self.peak = max(self.peak, self.process.memory_info().rss)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def extra_mib(self) -> float:
        return round((self.peak - self.start) / 2**20, 1)


def run(args: argparse.Namespace) -> dict[str, Any]:
    from clientela.customers import dedup
    from clientela.customers.models import DuplicateCandidate

    started = time.perf_counter()
    rows, planted = generate(args.contacts, args.planted, args.seed)
    ids = write(rows, bench_owner())
    load_seconds = time.perf_counter() - started
    truth = {(min(ids[a], ids[b]), max(ids[a], ids[b])) for a, b in planted}
    with PeakMemory() as memory:
        result = dedup.scan(dedup.CONTACT)
    found = set(
        DuplicateCandidate.objects.filter(object_type=dedup.CONTACT).values_list(
            "left_id", "right_id"
        )
    )
    hits = len(found & truth)
    return {
        "contacts": len(ids),
        "planted_pairs": len(truth),
        "load_seconds": round(load_seconds, 1),
        "scan_seconds": round(result.seconds, 2),
        "scan_extra_memory_mib": memory.extra_mib,
        "compared_pairs": result.compared,
        "candidate_pairs": len(found),
        "planted_found": hits,
        "planted_recall": round(hits / len(truth), 4) if truth else None,
        "other_pairs": len(found - truth),
        "threshold": dedup.DEFAULT_THRESHOLD,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--planted", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--database-url", default=None, help="PostgreSQL URL (default: SQLite)")
    args = parser.parse_args(argv)
    if not 0 <= args.planted <= args.contacts // 2:
        parser.error("--planted must be between 0 and half of --contacts")
    with django_database(args.database_url) as database:
        figures = run(args)
    print(json.dumps({"benchmark": "dedup_scale", "database": database, **figures}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
