"""Custom fields at scale: filtering and sorting 1,000,000 contacts on custom fields.

    python bench/generate.py --contacts 1000000      # once, into a bench database
    python bench/custom_fields.py --repeat 20

Defines four contact fields through the service (as ``bench-admin``), unless they exist: a
choice ``bench_tier`` (2% gold, 20% silver, 30% bronze, the rest blank), an integer
``bench_seats`` (half the contacts, 1 to 500), a date ``bench_renewal`` (40%, over three years)
and a boolean ``bench_vip`` (1%). Values are written straight into the ``custom`` column by one
SQL statement per batch (volume, not correctness, like ``generate.py``: no audit, no events),
then each field's index is built as the task worker builds it (``index_sync``), timed.

Then, as in ``bench/lists.py``, the first page of the contact list page and of the contacts API
is asked for by an administrator and by a team-scoped sales rep, with each custom filter and
sort (one unmeasured request first). Prints one JSON document. ``--drop`` removes the fields
(and their values and indexes) afterwards.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from lists import client_for, measure_case
from scale import actors, header, load_average, setup_django

FIELDS = (
    {
        "key": "bench_tier",
        "label": "Bench tier",
        "field_type": "choice",
        "choices": [
            {"value": "gold", "label": "Gold"},
            {"value": "silver", "label": "Silver"},
            {"value": "bronze", "label": "Bronze"},
        ],
    },
    {"key": "bench_seats", "label": "Bench seats", "field_type": "integer"},
    {"key": "bench_renewal", "label": "Bench renewal", "field_type": "date"},
    {"key": "bench_vip", "label": "Bench VIP", "field_type": "boolean"},
)
BATCH = 50_000
CASES = {
    "tier_gold_2pct": {"cf_bench_tier": "gold"},
    "tier_silver_20pct": {"cf_bench_tier": "silver"},
    "vip_1pct": {"cf_bench_vip": "true"},
    "seats_at_least_495_1pct": {"cf_bench_seats_min": "495"},
    "renewal_one_month_1pct": {
        "cf_bench_renewal_from": "2027-03-01",
        "cf_bench_renewal_to": "2027-03-31",
    },
    "sort_by_seats_desc": {"sort": "-cf_bench_seats"},
    "sort_by_tier": {"sort": "cf_bench_tier"},
    "gold_and_owner_filter": {"cf_bench_tier": "gold", "language": "en"},
}
PAGES = {"contacts_page": "customers:contact_list", "api_contacts": "/api/v1/contacts"}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20, help="requests per case (default 20)")
    parser.add_argument("--actor", choices=("admin", "rep"), action="append")
    parser.add_argument("--case", action="append", help="only this case (repeatable)")
    parser.add_argument("--drop", action="store_true", help="remove the fields afterwards")
    return parser.parse_args(argv)


def _fill_value_sql(vendor: str) -> str:
    """The ``custom`` value of row ``id``; the values follow a hash of the id, so they spread
    evenly over names, owners and teams."""
    h = "((id * 2654435761) % 1000)"
    if vendor == "postgresql":
        day = "to_char(DATE '2026-01-01' + ((id * 7919) % 1095)::int, 'YYYY-MM-DD')"
        members = [
            f"CASE WHEN {h} < 20 THEN jsonb_build_object('bench_tier', 'gold') "
            f"WHEN {h} < 220 THEN jsonb_build_object('bench_tier', 'silver') "
            f"WHEN {h} < 520 THEN jsonb_build_object('bench_tier', 'bronze') "
            "ELSE '{}'::jsonb END",
            "CASE WHEN (id % 2) = 0 THEN jsonb_build_object('bench_seats', "
            "((id * 40503) % 500 + 1)::int) ELSE '{}'::jsonb END",
            f"CASE WHEN ((id * 31) % 10) < 4 THEN jsonb_build_object('bench_renewal', {day}) "
            "ELSE '{}'::jsonb END",
            "CASE WHEN ((id * 97) % 100) = 0 THEN jsonb_build_object('bench_vip', true) "
            "ELSE '{}'::jsonb END",
        ]
        return " || ".join(f"({m})" for m in members)
    day = "date('2026-01-01', '+' || ((id * 7919) % 1095) || ' days')"
    # json_set with a path of NULL does nothing: one json_set per field, each path or NULL
    return (
        "json_set(json_set(json_set(json_set('{}', "
        f"CASE WHEN {h} < 520 THEN '$.bench_tier' END, "
        f"CASE WHEN {h} < 20 THEN 'gold' WHEN {h} < 220 THEN 'silver' ELSE 'bronze' END), "
        "CASE WHEN (id % 2) = 0 THEN '$.bench_seats' END, ((id * 40503) % 500 + 1)), "
        f"CASE WHEN ((id * 31) % 10) < 4 THEN '$.bench_renewal' END, {day}), "
        "CASE WHEN ((id * 97) % 100) = 0 THEN '$.bench_vip' END, json('true'))"
    )


def define(admin: Any) -> dict[str, Any]:
    """The fields, created when missing; returns what was done and how long it took."""
    from django.db import connection

    from clientela.customers.models import Contact
    from clientela.platform.models import CustomField
    from clientela.platform.services.customfields import field_create, index_sync

    existing = set(
        CustomField.objects.filter(object_type="customers.contact").values_list("key", flat=True)
    )
    rows = []
    for values in FIELDS:
        if values["key"] in existing:
            rows.append(CustomField.objects.get(object_type="customers.contact", key=values["key"]))
            continue
        rows.append(
            field_create(actor=admin, values={"object_type": "customers.contact", **values})
        )
    report: dict[str, Any] = {"created": sorted({f["key"] for f in FIELDS} - existing)}
    table = connection.ops.quote_name(Contact._meta.db_table)
    if report["created"]:
        started = time.perf_counter()
        top = Contact.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        sql = _fill_value_sql(connection.vendor).replace("%", "%%")  # the driver reads % signs
        for low in range(0, top + 1, BATCH):
            with connection.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {table} SET custom = {sql} WHERE id >= %s AND id < %s",  # noqa: S608
                    [low, low + BATCH],
                )
        report["fill_seconds"] = round(time.perf_counter() - started, 1)
        if connection.vendor == "postgresql":
            # a million rows rewritten at once leave a million dead versions; autovacuum clears
            # them in time, but a measurement right away would read them all (5x slower ranges)
            started = time.perf_counter()
            with connection.cursor() as cursor:
                cursor.execute(f"VACUUM ANALYZE {table}")
            report["vacuum_seconds"] = round(time.perf_counter() - started, 1)
    builds = {}
    for row in rows:
        started = time.perf_counter()
        state = index_sync(row.pk)
        builds[row.key] = {"state": state, "seconds": round(time.perf_counter() - started, 1)}
    report["index_builds"] = builds
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {table}")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return report


def counts() -> dict[str, int]:
    from clientela.customers.models import Contact

    records = Contact.objects.all()
    return {
        "contacts": records.count(),
        "gold": records.filter(custom__bench_tier="gold").count(),
        "vip": records.filter(custom__bench_vip=True).count(),
    }


def drop(admin: Any) -> None:
    from clientela.platform.models import CustomField
    from clientela.platform.services.customfields import field_delete

    for row in CustomField.objects.filter(key__startswith="bench_"):
        field_delete(actor=admin, pk=row.pk, confirm_key=row.key)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    setup_django()
    report = header("custom_fields")
    people = actors()
    report["setup"] = define(people["admin"])
    report["counts"] = counts()
    from django.urls import reverse

    paths = {page: name if name.startswith("/") else reverse(name) for page, name in PAGES.items()}
    for role, user in people.items():
        if args.actor and role not in args.actor:
            continue
        client = client_for(user)
        report[role] = {
            page: {
                case: measure_case(client, path, params, args.repeat)
                for case, params in CASES.items()
                if not args.case or case in args.case
            }
            for page, path in paths.items()
        }
        report[role]["load_average_1m_after"] = load_average()
    if args.drop:
        drop(people["admin"])
    print(json.dumps(report, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
