"""Lists at scale: p50/p95 of the first page of the contact and account lists and of the API.

    python bench/generate.py --contacts 1000000      # once, into a bench database
    python bench/lists.py --repeat 20

In-process on the configured database (``DATABASE_URL`` or ``CLIENTELA_DATA_DIR``), through
Django's test client: the whole middleware stack, the view, the template or the JSON, but no
socket. Each page is asked for by an administrator and by a team-scoped sales rep (signed in with
a session), without a search term and with a few (a common surname, a rare full name, a prefix,
phone digits). One unmeasured request per case first (warm cache). Prints one JSON document.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from scale import CPU_MS, actors, header, setup_django, summary, timed

PAGES = {  # url name or path
    "contacts_page": "customers:contact_list",
    "accounts_page": "customers:account_list",
    "api_contacts": "/api/v1/contacts",
}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20, help="requests per case (default 20)")
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


def client_for(user: Any) -> Any:
    from django.conf import settings
    from django.test import Client

    if "testserver" not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    client = Client()
    client.force_login(user)
    return client


def measure_case(client: Any, path: str, term: str, repeat: int) -> dict[str, Any]:
    params = {"q": term} if term else {}
    first = client.get(path, params)
    if first.status_code != 200:
        raise SystemExit(f"GET {path} {params} answered {first.status_code}")
    samples = []
    cpu = []
    for _ in range(repeat):
        ms, response = timed(lambda: client.get(path, params))
        if response.status_code != 200:
            raise SystemExit(f"GET {path} {params} answered {response.status_code}")
        samples.append(ms)
        cpu.append(CPU_MS[-1])
    return summary(samples, cpu)


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
        client = client_for(user)
        report[role] = {
            page: {
                kind: measure_case(client, path, term, args.repeat) for kind, term in terms.items()
            }
            for page, path in paths.items()
        }
    print(json.dumps(report, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
