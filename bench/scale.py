"""What the in-process scale benchmarks share (``bench/search.py``, ``bench/lists.py``): Django
set up on the configured database (``DATABASE_URL`` or ``CLIENTELA_DATA_DIR``, filled by
``bench/generate.py``), the two actors they measure and the percentile figures.

The actors: ``bench-admin`` (role administrator: sees everything) and the first generated
``bench-user-…`` sales rep (team scope: the owner/team filter is part of every query).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from harness import machine_info, source_info


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clientela.settings")
    import django

    django.setup()


def actors() -> dict[str, Any]:
    """``{"admin": User, "rep": User}``; run ``bench/generate.py`` first (it makes the reps)."""
    from django.contrib.auth.hashers import make_password

    from clientela.platform.models import Role, User

    admin, _ = User.objects.get_or_create(
        username="bench-admin",
        defaults={
            "role": Role.objects.get(slug="administrator"),
            "password": make_password(None),
            "email": "bench-admin@bench.example",
        },
    )
    rep = (
        User.objects.filter(username__startswith="bench-user-", role__slug="sales-rep")
        .exclude(teams=None)
        .order_by("username")
        .first()
    )
    if rep is None:
        raise SystemExit("no bench sales rep: run bench/generate.py first")
    return {"admin": admin, "rep": rep}


def fresh(user: Any) -> Any:
    """The user as a new request sees it (no grants or team ids cached on the object)."""
    return type(user).objects.get(pk=user.pk)


CPU_MS: list[float] = []  # this thread's CPU per timed call (SQLite runs in it; PostgreSQL not)


def timed(call: Callable[[], Any]) -> tuple[float, Any]:
    """Wall milliseconds of ``call``; its CPU milliseconds are appended to ``CPU_MS``."""
    cpu = time.thread_time()
    started = time.perf_counter()
    result = call()
    CPU_MS.append((time.thread_time() - cpu) * 1000)
    return (time.perf_counter() - started) * 1000, result


def percentile(ordered: list[float], pct: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    if not ordered:
        return 0.0
    rank = max(1, round(pct / 100 * len(ordered) + 0.5 - 1e-9))
    return round(ordered[min(rank, len(ordered)) - 1], 1)


def summary(samples: list[float], cpu: list[float] | None = None) -> dict[str, Any]:
    """Percentiles of wall times; with ``cpu``, the same of this process's CPU time, which
    other jobs on a shared machine do not inflate (on SQLite it includes the database)."""
    ordered = sorted(samples)
    figures = {
        "n": len(ordered),
        "p50_ms": percentile(ordered, 50),
        "p95_ms": percentile(ordered, 95),
        "max_ms": round(ordered[-1], 1) if ordered else 0.0,
    }
    if cpu:
        figures["cpu_p50_ms"] = percentile(sorted(cpu), 50)
        figures["cpu_p95_ms"] = percentile(sorted(cpu), 95)
    return figures


def load_average() -> float:
    return round(os.getloadavg()[0], 2)


def header(name: str) -> dict[str, Any]:
    from django.db import connection

    from clientela.customers.models import Account, Contact, Lead

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT sqlite_version()" if connection.vendor == "sqlite" else "SHOW server_version"
        )
        version = cursor.fetchone()[0]
    return {
        "benchmark": name,
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": machine_info(),
        "source": source_info(),
        "database": {"vendor": connection.vendor, "version": version},
        "load_average_1m_at_start": load_average(),
        "rows": {
            "accounts": Account.objects.count(),
            "contacts": Contact.objects.count(),
            "leads": Lead.objects.count(),
        },
    }
