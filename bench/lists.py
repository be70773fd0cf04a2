"""Lists at scale: p50/p95 of the first page of the contact and account lists and of the API.

    python bench/generate.py --contacts 1000000      # once, into a bench database
    python bench/lists.py --repeat 20

In-process on the configured database (``DATABASE_URL`` or ``CLIENTELA_DATA_DIR``), through
Django's test client: the whole middleware stack, the view, the template or the JSON, but no
socket. Each page is asked for by an administrator and by a team-scoped sales rep (signed in with
a session), without a search term and with a few (a common surname, a rare full name, a prefix,
phone digits), and the contact lists with filters that match nothing (``FILTER_CASES``). One
unmeasured request per case first (warm cache). Prints one JSON document.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from scale import CPU_MS, actors, header, load_average, percentile, setup_django, summary, timed
from server_cpu import backend_pid, cpu_ms

PAGES = {  # url name or path
    "contacts_page": "customers:contact_list",
    "accounts_page": "customers:account_list",
    "api_contacts": "/api/v1/contacts",
}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20, help="requests per case (default 20)")
    parser.add_argument(
        "--actor", choices=("admin", "rep"), action="append", help="only this actor (repeatable)"
    )
    parser.add_argument(
        "--term", action="append", help="only this case, search or filter (repeatable)"
    )
    return parser.parse_args(argv)


def search_terms() -> dict[str, str]:
    """Terms taken from the data: a frequent surname, one contact's full name and phone."""
    from django.db.models import Count

    from clientela.customers.models import Contact

    common = (
        Contact.objects.values("last_name")
        .annotate(n=Count("id"))
        .order_by("-n")
        .values_list("last_name", flat=True)[:1]
    )
    sample = Contact.objects.exclude(phone="").order_by("pk")[Contact.objects.count() // 2]
    surname = next(iter(common), "silva")
    return {
        "none": "",
        "common_surname": surname,
        "prefix": surname[:2],
        "full_name": f"{sample.first_name} {sample.last_name}",
        "phone_digits": sample.phone[-9:],
    }


# Contact list filters on columns most contacts leave blank (the generator sets none of them,
# so these match nothing: the worst case for a page that must be filled in sort order).
FILTER_CASES = {
    "filter_language": {"language": "en"},
    "filter_language_newest": {"language": "en", "sort": "-created"},
    "filter_channel": {"preferred_channel": "whatsapp"},
    "filter_do_not_contact": {"do_not_contact": "true"},
    "filter_do_not_contact_newest": {"do_not_contact": "true", "sort": "-created"},
}
# The account list's filters; the generator leaves industry and size blank and makes every
# account a prospect customer (so all but the last match nothing).
ACCOUNT_FILTER_CASES = {
    "filter_industry": {"industry": "banking"},
    "filter_size": {"size_band": "250-999"},
    "filter_lifecycle": {"lifecycle": "former"},
    "filter_lifecycle_usual": {"lifecycle": "prospect"},  # every account
    "filter_relationship": {"relationship": "supplier"},
}
FILTERED_PAGES = {"contacts_page": FILTER_CASES, "api_contacts": FILTER_CASES}
FILTERED_PAGES["accounts_page"] = ACCOUNT_FILTER_CASES


def cases_for(page: str, terms: dict[str, str]) -> dict[str, dict[str, str]]:
    cases = {kind: ({"q": term} if term else {}) for kind, term in terms.items()}
    cases.update(FILTERED_PAGES.get(page, {}))
    return cases


def client_for(user: Any) -> Any:
    from django.conf import settings
    from django.test import Client

    if "testserver" not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    client = Client()
    client.force_login(user)
    return client


def measure_case(client: Any, path: str, params: dict[str, str], repeat: int) -> dict[str, Any]:
    """Wall and CPU percentiles of ``repeat`` requests; "total_cpu" adds the local PostgreSQL
    backend's CPU to this thread's (on SQLite the thread's CPU already includes the database)."""
    from django.db import connection

    first = client.get(path, params)
    if first.status_code != 200:
        raise SystemExit(f"GET {path} {params} answered {first.status_code}")
    samples = []
    cpu = []
    total = []
    for _ in range(repeat):
        pid = backend_pid(connection)
        before = cpu_ms(pid)
        ms, response = timed(lambda: client.get(path, params))
        after = cpu_ms(pid)
        if response.status_code != 200:
            raise SystemExit(f"GET {path} {params} answered {response.status_code}")
        samples.append(ms)
        cpu.append(CPU_MS[-1])
        server = 0.0 if before is None or after is None else after - before
        total.append(CPU_MS[-1] + server)
    figures = summary(samples, cpu)
    ordered = sorted(total)
    figures.update(
        total_cpu_p50_ms=percentile(ordered, 50), total_cpu_p95_ms=percentile(ordered, 95)
    )
    return figures


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    setup_django()
    report = header("lists")
    terms = search_terms()
    report["terms"] = terms
    from django.urls import reverse

    paths = {page: name if name.startswith("/") else reverse(name) for page, name in PAGES.items()}
    report["paths"] = paths
    for role, user in actors().items():
        if args.actor and role not in args.actor:
            continue
        client = client_for(user)
        report[role] = {
            page: {
                kind: measure_case(client, path, params, args.repeat)
                for kind, params in cases_for(page, terms).items()
                if not args.term or kind in args.term
            }
            for page, path in paths.items()
        }
        report[role]["load_average_1m_after"] = load_average()
    print(json.dumps(report, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
