"""The agents' queue view at scale: server time of the queue page and its API list.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/clientela_service_bench \\
        python bench/service_sla.py --tickets 1000000 --open 100000 --rounds 1   # makes the data
    DATABASE_URL=… python bench/service_queue.py --repeat 20

In-process on the configured bench database (its name must contain "bench"), through Django's
test client (the whole request: middleware, the selector, the template), as an administrator
(every ticket) and as the team-scoped service agent who leads the bench queue. Cases: the
default view (active tickets by SLA due, the first page of 50), the next page by cursor, the
"late" view, a search by ticket number, and the API list. Target: p95 < 300 ms with 100,000
open tickets. Prints one JSON document.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from sales_board import refuse_other_databases
from scale import header, load_average, setup_django, summary


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be >= 1")
    return args


def people() -> dict[str, Any]:
    from clientela.platform.models import Role, User

    admin, _ = User.objects.get_or_create(
        username="bench-admin",
        defaults={
            "role": Role.objects.get(slug="administrator"),
            "email": "bench-admin@example.com",
        },
    )
    agent = User.objects.filter(username="bench-agent").first()
    if agent is None:
        raise SystemExit("no bench tickets: run bench/service_sla.py first")
    return {"admin": admin, "agent": agent}


def cases(client: Any, user: Any) -> dict[str, Any]:
    from clientela.service.models import Ticket
    from clientela.service.selectors import TicketFilters, ticket_page

    cursor = ticket_page(user, TicketFilters(), order="due").next_cursor or ""
    number = Ticket.objects.filter(status="open").order_by("-id").values_list("pk", flat=True)[0]
    return {
        "queue_page": lambda: client.get("/service/"),
        "queue_next_page": lambda: client.get(f"/service/?cursor={cursor}"),
        "late_view": lambda: client.get("/service/?view=late"),
        "search_by_number": lambda: client.get(f"/service/?q=%23{number}"),
        "api_list": lambda: client.get("/api/v1/tickets?view=active&order=due&limit=50"),
    }


def measure(user: Any, repeat: int) -> dict[str, Any]:
    from django.test import Client

    client = Client()
    client.force_login(user)
    figures: dict[str, Any] = {}
    for name, call in cases(client, user).items():
        call()  # warm
        samples = []
        for _ in range(repeat):
            started = time.perf_counter()
            response = call()
            samples.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise SystemExit(f"{name}: HTTP {response.status_code}")
        figures[name] = summary(samples)
    return figures


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    setup_django()
    from django.conf import settings

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    database = refuse_other_databases()
    from clientela.service.models import Ticket

    report: dict[str, Any] = {
        **header("service_queue"),
        "database_name": database,
        "tickets": Ticket.objects.count(),
        "open": Ticket.objects.filter(status__in=("new", "open", "pending")).count(),
        "cases": {role: measure(user, args.repeat) for role, user in people().items()},
        "load_average_after": load_average(),
    }
    print(json.dumps(report, indent=2, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
