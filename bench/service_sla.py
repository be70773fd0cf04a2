"""The periodic SLA sweep at scale: wall time of one sweep over a million tickets.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/clientela_service_bench \\
        python bench/service_sla.py --tickets 1000000 --open 100000 --rounds 5

In-process on the configured bench database (its name or path must contain "bench"); the
tickets are made once by bulk SQL (``generate_series`` on PostgreSQL, batches on SQLite):
``--open`` of them new or open with running clocks due over the next eight hours, the rest
closed. Each round first makes ``--due`` open tickets due a minute ago (and un-warns as many),
then times one ``sweep()``; the target is under 10 s on PostgreSQL. A last round makes every
open ticket late at once (the catch-up after a long outage) and times that too. The events the
sweep emits go to the rules engine as in production (one active escalation rule is created, so
each event is matched against it). Prints one JSON document.
"""

from __future__ import annotations

import argparse
import datetime as dt
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
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--open", type=int, default=100_000)
    parser.add_argument("--due", type=int, default=2_000, help="tickets falling due per round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--no-catch-up", action="store_true", help="skip the all-late round")
    args = parser.parse_args(argv)
    if not 0 <= args.open <= args.tickets or args.rounds < 1:
        parser.error("need 0 <= --open <= --tickets and --rounds >= 1")
    return args


def desk() -> tuple[Any, Any]:
    from clientela.platform.models import Role, Team, User
    from clientela.service.models import Queue, SlaPolicy

    team, _ = Team.objects.get_or_create(name="Bench support")
    lead, _ = User.objects.get_or_create(
        username="bench-agent",
        defaults={
            "email": "bench-agent@example.com",
            "role": Role.objects.get(slug="service-agent"),
        },
    )
    lead.teams.add(team)
    queue, _ = Queue.objects.get_or_create(name="Bench", defaults={"lead": lead, "team": team})
    targets = {"normal": {"first_response": 120, "resolution": 480}}
    policy, _ = SlaPolicy.objects.get_or_create(name="Bench 24x7", defaults={"targets": targets})
    return queue, policy


PG_INSERT = """
INSERT INTO service_ticket (
    owner_id, team_id, queue_id, sla_policy_id, subject, channel, status, priority,
    requester_email, sla_state, first_response_due, resolution_due, first_response_warn,
    resolution_warn, sort_due, first_response_breached, resolution_breached,
    customer_messages, transfers, reopened, csat_comment, coverage, created_at, updated_at,
    resolved_at, closed_at)
SELECT %(owner)s, %(team)s, %(queue)s, %(policy)s, 'Bench ticket ' || g, 'email',
    CASE WHEN g <= %(open)s THEN (CASE WHEN g %% 3 = 0 THEN 'new' ELSE 'open' END)
         ELSE 'closed' END,
    'normal', 'customer' || g || '@example.com', 'ok',
    CASE WHEN g <= %(open)s THEN %(now)s + (g %% 480) * interval '1 minute' END,
    CASE WHEN g <= %(open)s THEN %(now)s + (60 + g %% 420) * interval '1 minute' END,
    CASE WHEN g <= %(open)s THEN %(now)s + (g %% 480) * interval '1 minute'
                                          - interval '24 minutes' END,
    CASE WHEN g <= %(open)s THEN %(now)s + (60 + g %% 420) * interval '1 minute'
                                          - interval '96 minutes' END,
    CASE WHEN g <= %(open)s THEN %(now)s + (g %% 480) * interval '1 minute'
         ELSE '9999-12-31'::timestamptz END,
    false, false, 1, 0, 0, '', '',
    %(now)s - (g %% 365) * interval '1 day', %(now)s,
    CASE WHEN g > %(open)s THEN %(now)s - (g %% 365) * interval '1 day' + interval '5 hours' END,
    CASE WHEN g > %(open)s THEN %(now)s - (g %% 365) * interval '1 day' + interval '6 hours' END
FROM generate_series(%(start)s, %(stop)s) AS g
"""


def generate(total: int, open_count: int) -> dict[str, Any]:
    """Add tickets up to ``total``; the first ``open_count`` generated are the open ones."""
    from django.db import connection
    from django.utils import timezone

    from clientela.service.models import Ticket

    have = Ticket.objects.count()
    if have >= total:
        return {"generated": 0, "seconds": 0.0}
    if connection.vendor != "postgresql":
        raise SystemExit("generate the tickets on PostgreSQL (the target is PostgreSQL's)")
    queue, policy = desk()
    started = time.perf_counter()
    params = {
        "owner": queue.lead_id,
        "team": queue.team_id,
        "queue": queue.pk,
        "policy": policy.pk,
        "open": open_count,
        "now": timezone.now(),
    }
    step = 200_000
    for start in range(have + 1, total + 1, step):
        with connection.cursor() as cursor:
            cursor.execute(
                PG_INSERT, {**params, "start": start, "stop": min(start + step - 1, total)}
            )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE service_ticket")
    return {"generated": total - have, "seconds": round(time.perf_counter() - started, 1)}


def escalation_rule() -> None:
    """One active rule on tickets entering "Late", as a company would have."""
    from clientela.platform.models import Role, Rule, User
    from clientela.platform.services.rules import rule_create

    if Rule.objects.filter(name="Bench: late tickets").exists():
        return
    admin, _ = User.objects.get_or_create(
        username="bench-admin",
        defaults={
            "role": Role.objects.get(slug="administrator"),
            "email": "bench-admin@example.com",
        },
    )
    rule_create(
        actor=admin,
        values={
            "name": "Bench: late tickets",
            "object_type": "service.ticket",
            "trigger": "status_entered",
            "trigger_config": {"field": "sla_state", "to": ["breached"]},
            "conditions": {"all": [{"field": "priority", "op": "eq", "value": "urgent"}]},
            "run_as": admin.pk,
            "actions": [{"type": "platform.notify", "params": {"title": "Late: {{ subject }}"}}],
        },
    )


def make_due(count: int, now: dt.datetime) -> None:
    """``count`` open tickets fall due now: their first response is a minute late."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """UPDATE service_ticket SET first_response_due = %s, first_response_warn = %s,
                   first_response_breached = false, sla_state = 'ok'
               WHERE id IN (SELECT id FROM service_ticket WHERE status IN ('new', 'open')
                            ORDER BY random() LIMIT %s)""",
            [now - dt.timedelta(minutes=1), now - dt.timedelta(minutes=5), count],
        )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    setup_django()
    from django.core.management import call_command

    database = refuse_other_databases()
    call_command("migrate", verbosity=0)
    made = generate(args.tickets, args.open)
    escalation_rule()
    from django.utils import timezone

    from clientela.service.models import Ticket
    from clientela.service.sweep import sweep

    samples, rounds = [], []
    for _round in range(args.rounds):
        make_due(args.due, timezone.now())
        started = time.perf_counter()
        figures = sweep()
        samples.append((time.perf_counter() - started) * 1000)
        rounds.append(figures)
    report: dict[str, Any] = {
        **header("service_sla_sweep"),
        "database_name": database,
        "tickets": Ticket.objects.count(),
        "open": Ticket.objects.filter(status__in=("new", "open", "pending")).count(),
        "generation": made,
        "due_per_round": args.due,
        "sweep": summary(samples),
        "rounds": rounds,
    }
    if not args.no_catch_up:
        make_due(args.open, timezone.now())
        started = time.perf_counter()
        report["catch_up"] = {
            "figures": sweep(),
            "ms": round((time.perf_counter() - started) * 1000),
        }
    report["load_average_after"] = load_average()
    print(json.dumps(report, indent=2, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
