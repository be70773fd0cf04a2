"""The sales board at scale: p50/p95/max of the board page and of ``selectors.board()``.

    python bench/generate.py --accounts 20000 --contacts-per-account 1 \\
        --opportunities 110000 --open-opportunities 10000      # once, into a bench database
    python bench/sales_board.py --repeat 30 [--explain] [--analyze]

In-process on the configured database (``DATABASE_URL`` or ``CLIENTELA_DATA_DIR``), which must be
a bench one: the PostgreSQL database's name, or the SQLite file's path, must contain "bench" (the
script adds the ``bench-admin`` user, and ``--analyze`` refreshes the planner's statistics).

For the default pipeline, as an administrator (sees every deal) and as the first generated
team-scoped sales rep (the owner-or-team filter is in every query):

- ``selector``: ``selectors.board()`` with the company currency, as the view calls it;
- ``page``: ``GET`` of the board (``sales:board``) through Django's test client, signed in with
  a session: the whole middleware stack, the view and the template, but no socket;
- ``partial``: the same with ``HX-Target: board``, the columns the board reloads after a move.

One unmeasured call per case first (warm cache), then ``--repeat`` measured ones. Each case also
reports its query count and its slowest statement (from one more call); ``--explain`` adds that
statement's plan. The page cases are skipped, and say so, while the board view is not there
yet (the URL answers 404 or is missing). Prints one JSON document.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from scale import CPU_MS, actors, fresh, header, load_average, percentile, setup_django, timed
from server_cpu import backend_pid, cpu_ms

SALES_TABLES = ("sales_opportunity", "sales_stagechange", "sales_stage", "sales_pipeline")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30, help="calls per case (default 30)")
    parser.add_argument(
        "--actor", choices=("admin", "rep"), action="append", help="only this actor (repeatable)"
    )
    parser.add_argument(
        "--case",
        choices=("selector", "page", "partial"),
        action="append",
        help="only this case (repeatable)",
    )
    parser.add_argument("--explain", action="store_true", help="add each slowest query's plan")
    parser.add_argument(
        "--analyze",
        action="store_true",
        help="refresh the planner's statistics of the sales tables first (ANALYZE)",
    )
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be >= 1")
    return args


def refuse_other_databases() -> str:
    """The configured database's name, if it is a bench one; otherwise stop."""
    from django.db import connection

    name = str(connection.settings_dict["NAME"])
    if connection.vendor == "postgresql":
        if not re.fullmatch(r"[a-z0-9_]*bench[a-z0-9_]*", name):
            raise SystemExit(f"refusing to use {name!r}: a bench database's name contains 'bench'")
        host = connection.settings_dict.get("HOST") or "localhost"
        if host not in {"127.0.0.1", "localhost", "::1"}:
            raise SystemExit("the benchmark only talks to a database on loopback")
    elif "bench" not in name:
        raise SystemExit(f"refusing to use {name!r}: set CLIENTELA_DATA_DIR to a bench directory")
    return name


def analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for table in SALES_TABLES:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")


def statistics() -> bool:
    """Whether the planner has statistics on the opportunities table."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'")
            if cursor.fetchone() is None:
                return False
            cursor.execute("SELECT COUNT(*) FROM sqlite_stat1 WHERE tbl = 'sales_opportunity'")
        else:
            cursor.execute("SELECT COUNT(*) FROM pg_stats WHERE tablename = 'sales_opportunity'")
        return bool(cursor.fetchone()[0])


def sales_rows(pipeline: Any, rep: Any) -> dict[str, Any]:
    from clientela.platform.permissions import visible_to
    from clientela.sales.models import Opportunity, StageChange

    open_deals = Opportunity.objects.filter(pipeline=pipeline, status="open")
    return {
        "opportunities": Opportunity.objects.count(),
        "open_in_default_pipeline": open_deals.count(),
        "open_seen_by_rep": visible_to(rep, open_deals).count(),
        "stage_changes": StageChange.objects.count(),
        "planner_statistics": statistics(),
    }


# --- the cases ------------------------------------------------------------------------------


def board_path() -> str | None:
    """The board's URL, or None while the view is not written yet."""
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse("sales:board")
    except NoReverseMatch:
        return None


def client_for(user: Any) -> Any:
    from django.conf import settings
    from django.test import Client

    if "testserver" not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    client = Client()
    client.force_login(user)
    return client


def calls(user: Any, pipeline: Any, path: str | None) -> dict[str, Callable[[], Any] | str]:
    """Each case's call, or the reason it is skipped."""
    from clientela.sales import selectors, services

    currency = services.company_currency()

    def selector() -> Any:
        return selectors.board(fresh(user), pipeline, currency=currency)

    found: dict[str, Callable[[], Any] | str] = {"selector": selector}
    if path is None:
        return found | dict.fromkeys(("page", "partial"), "no sales:board URL yet")
    client = client_for(user)
    params = {"pipeline": str(pipeline.pk)}
    found["page"] = lambda: client.get(path, params)
    found["partial"] = lambda: client.get(path, params, headers={"HX-Target": "board"})
    probe = client.get(path, params)
    if probe.status_code != 200:
        reason = f"GET {path} answered {probe.status_code}: the board view is not there yet"
        found |= {"page": reason, "partial": reason}
    return found


def check(result: Any) -> None:
    status = getattr(result, "status_code", 200)
    if status != 200:
        raise SystemExit(f"the board answered {status}")


def slowest(call: Callable[[], Any], explain: bool) -> dict[str, Any]:
    """One more call with its statements recorded: how many, and the slowest one."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        check(call())
    queries = [
        q for q in captured.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))
    ]
    worst = max(queries, key=lambda q: float(q["time"]), default=None)
    figures: dict[str, Any] = {"queries": len(queries)}
    if worst is not None:
        figures["slowest_ms"] = round(float(worst["time"]) * 1000, 1)
        figures["slowest_sql"] = worst["sql"][:2000]
        if explain:
            figures["slowest_plan"] = plan_of(worst["sql"])
    return figures


def plan_of(sql: str) -> list[str]:
    """The plan of a recorded statement (its parameters already inlined by Django)."""
    from django.db import connection

    prefix = (
        "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN (ANALYZE, BUFFERS) "
    )
    with connection.cursor() as cursor:
        cursor.execute(prefix + sql)
        return [" ".join(str(c) for c in row) for row in cursor.fetchall()]


def measure(call: Callable[[], Any], repeat: int, explain: bool) -> dict[str, Any]:
    """Wall and CPU percentiles; "total_cpu" adds the local PostgreSQL backend's CPU to this
    thread's (on SQLite the thread's CPU already includes the database)."""
    from django.db import connection

    check(call())  # warm
    samples, cpu, total = [], [], []
    for _ in range(repeat):
        pid = backend_pid(connection)
        before = cpu_ms(pid)
        ms, result = timed(call)
        after = cpu_ms(pid)
        check(result)
        samples.append(ms)
        cpu.append(CPU_MS[-1])
        total.append(CPU_MS[-1] + (0.0 if before is None or after is None else after - before))
    ordered = sorted(samples)
    return {
        "n": len(ordered),
        "p50_ms": percentile(ordered, 50),
        "p95_ms": percentile(ordered, 95),
        "max_ms": round(ordered[-1], 1),
        "cpu_p50_ms": percentile(sorted(cpu), 50),
        "cpu_p95_ms": percentile(sorted(cpu), 95),
        "total_cpu_p95_ms": percentile(sorted(total), 95),
        **slowest(call, explain),
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    setup_django()
    name = refuse_other_databases()
    from clientela.sales.services import default_pipeline

    if args.analyze:
        analyze()
    people = actors()
    pipeline = default_pipeline()
    report = header("sales_board")
    report["database"]["name"] = Path(name).name
    report["rows"] |= sales_rows(pipeline, people["rep"])
    report["pipeline"] = {"id": pipeline.pk, "name": pipeline.name}
    path = board_path()
    report["path"] = path
    for role, user in people.items():
        if args.actor and role not in args.actor:
            continue
        report[role] = {}
        for case, call in calls(user, pipeline, path).items():
            if args.case and case not in args.case:
                continue
            if isinstance(call, str):
                report[role][case] = {"skipped": call}
                continue
            report[role][case] = measure(call, args.repeat, args.explain)
        report[role]["load_average_1m_after"] = load_average()
    print(json.dumps(report, indent=2, ensure_ascii=False, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
