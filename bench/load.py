"""Load benchmark: logged-in users hitting the dashboard and the API of a real server.

    python bench/load.py                                   # SQLite in a temporary data dir
    python bench/load.py --database-url postgres://postgres@127.0.0.1:5432/clientela_bench

Sets up a fresh data dir (or uses --data-dir), runs ``clientela migrate``, creates an
administrator, fills the database with bench/generate.py, then starts ``clientela serve
--no-worker`` on a free loopback port. For each concurrency level, that many clients, each its
own session logged in through the login form, cycle through GET / (dashboard), GET /api/v1/me
and GET /api/v1/accounts?limit=50 for --duration seconds (or until --max-requests). Any answer
other than 200 counts as an error. The server's RSS (with its children) is sampled meanwhile,
and the CPU seconds of the server, this client, the PostgreSQL backends and everything else on
the machine are recorded per level: on a shared machine, "others" says whether to trust a run.

With --database-url the named PostgreSQL database is dropped and created fresh, and dropped at
the end; its name must contain "bench" so that a real database is never dropped by mistake.
The client runs on the same machine as the server: its CPU time is reported with the figures.
Prints one JSON document on stdout; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import re
import secrets
import shutil
import signal
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from harness import (
    BENCH_DIR,
    HOST,
    Server,
    app_env,
    clientela_cmd,
    cpu_counters,
    cpu_spent,
    database_info,
    database_name,
    free_port,
    log,
    log_problems,
    machine_info,
    pg_recreate,
    run_step,
    source_info,
)

ENDPOINTS = (("dashboard", "/"), ("me", "/api/v1/me"), ("accounts", "/api/v1/accounts?limit=50"))
CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
ADMIN = "bench-admin"
LOGIN_PARALLEL = 4  # logins hash with argon2 (~100 MB each): a few at a time
RSS_INTERVAL = 0.25


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add = parser.add_argument
    add("--data-dir", type=Path, help="data dir to use and keep (default: a temporary one)")
    add("--database-url", help="PostgreSQL URL of a database to create and drop (name: *bench*)")
    add("--levels", default="1,8,32", help="concurrency levels (default 1,8,32)")
    add("--duration", type=float, default=10.0, help="seconds per level (default 10)")
    add("--max-requests", type=int, default=50_000, help="request cap per level (default 50000)")
    add("--accounts", type=int, default=1000, help="accounts to generate (default 1000)")
    add("--contacts-per-account", type=int, default=3, help="contacts per account (default 3)")
    add("--users", type=int, default=20, help="owners of the generated records (default 20)")
    add("--workers", type=int, default=1, help="server worker processes (default 1)")
    add("--keep-data-dir", action="store_true", help="keep the temporary data dir and log")
    args = parser.parse_args(argv)
    try:
        args.levels = [int(n) for n in args.levels.split(",") if n.strip()]
    except ValueError:
        parser.error("--levels must be numbers separated by commas, e.g. 1,8,32")
    if not args.levels or min(args.levels) < 1 or max(args.levels) > 256:
        parser.error("--levels must be between 1 and 256")
    if not 0 < args.duration <= 600 or args.max_requests < 1:
        parser.error("--duration must be in (0, 600] and --max-requests >= 1")
    return args


def prepare_data(
    args: argparse.Namespace, env: dict[str, str], log_path: Path, password: str
) -> dict[str, Any]:
    log("migrate")
    _out, migrate_s = run_step(clientela_cmd("migrate"), env, log_path)
    admin = f"{ADMIN} --email {ADMIN}@bench.example --role administrator --password".split()
    run_step(clientela_cmd("createuser", *admin, password), env, log_path)
    log(f"generate {args.accounts} accounts x {args.contacts_per_account} contacts")
    sizes = f"--accounts {args.accounts} --contacts-per-account {args.contacts_per_account}"
    generate = [sys.executable, str(BENCH_DIR / "generate.py"), *sizes.split()]
    out, _seconds = run_step([*generate, "--users", str(args.users)], env, log_path)
    return {"migrate_seconds": round(migrate_s, 2), "generate": json.loads(out)}


# --- the clients ----------------------------------------------------------------------------


@dataclass
class Budget:
    left: int

    def take(self) -> bool:
        if self.left <= 0:
            return False
        self.left -= 1
        return True


@dataclass
class Samples:
    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, Counter[str]] = field(default_factory=dict)

    def add(self, endpoint: str, ms: float, error: str | None) -> None:
        self.latencies.setdefault(endpoint, []).append(ms)
        if error:
            self.errors.setdefault(endpoint, Counter())[error] += 1


async def login(client: httpx.AsyncClient, password: str) -> float:
    started = time.perf_counter()
    page = await client.get("/login/")
    match = CSRF_RE.search(page.text)
    if page.status_code != 200 or match is None:
        raise SystemExit(f"GET /login/ answered {page.status_code} without a CSRF token")
    form = {"username": ADMIN, "password": password, "csrfmiddlewaretoken": match.group(1)}
    answer = await client.post(
        "/login/", data=form, headers={"Referer": f"{client.base_url}login/"}
    )
    if answer.status_code != 302 or answer.headers.get("location") != "/":
        raise SystemExit(f"POST /login/ answered {answer.status_code}, not a redirect to /")
    return (time.perf_counter() - started) * 1000


async def login_all(base_url: str, count: int, password: str) -> tuple[list[Any], list[float]]:
    gate = asyncio.Semaphore(LOGIN_PARALLEL)
    clients = [
        httpx.AsyncClient(base_url=base_url, timeout=30, limits=httpx.Limits(max_connections=1))
        for _ in range(count)
    ]

    async def one(client: httpx.AsyncClient) -> float:
        async with gate:
            return await login(client, password)

    return clients, list(await asyncio.gather(*(one(c) for c in clients)))


async def fetch(client: httpx.AsyncClient, path: str) -> tuple[float, str | None]:
    started = time.perf_counter()
    try:
        answer = await client.get(path)
        error = None if answer.status_code == 200 else str(answer.status_code)
    except httpx.HTTPError as exc:
        error = type(exc).__name__
    return (time.perf_counter() - started) * 1000, error


async def check_answers(client: httpx.AsyncClient, accounts: int) -> dict[str, Any]:
    """One look at what the endpoints answer, so fast errors cannot pass for fast pages."""
    me = (await client.get("/api/v1/me")).json()
    page = (await client.get("/api/v1/accounts?limit=50")).json()
    dashboard = await client.get("/")
    checks = {
        "me_username": me.get("username"),
        "accounts_on_page": len(page.get("items", [])),
        "dashboard_bytes": len(dashboard.content),
    }
    if me.get("username") != ADMIN or checks["accounts_on_page"] != min(50, accounts):
        raise SystemExit(f"unexpected answers: {checks}")
    return checks


async def client_loop(
    client: httpx.AsyncClient, offset: int, deadline: float, budget: Budget, samples: Samples
) -> None:
    step = offset
    while time.perf_counter() < deadline and budget.take():
        name, path = ENDPOINTS[step % len(ENDPOINTS)]
        ms, error = await fetch(client, path)
        samples.add(name, ms, error)
        step += 1


async def sample_rss(server: Server, stop: asyncio.Event, rss: list[int]) -> None:
    while not stop.is_set():
        rss.append(server.rss_bytes())
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), RSS_INTERVAL)
    rss.append(server.rss_bytes())


# --- figures --------------------------------------------------------------------------------


def percentile(ordered: list[float], pct: float) -> float:
    if not ordered:
        return 0.0
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return round(ordered[rank - 1], 1)


def endpoint_figures(
    latencies: list[float], errors: Counter[str], seconds: float
) -> dict[str, Any]:
    ordered = sorted(latencies)
    return {
        "requests": len(ordered),
        "errors": sum(errors.values()),
        "error_kinds": dict(errors),
        "rps": round(len(ordered) / seconds, 1) if seconds else 0.0,
        "p50_ms": percentile(ordered, 50),
        "p95_ms": percentile(ordered, 95),
        "p99_ms": percentile(ordered, 99),
        "max_ms": round(ordered[-1], 1) if ordered else 0.0,
    }


def level_figures(
    samples: Samples, seconds: float, rss: list[int], cpu: dict[str, float]
) -> dict[str, Any]:
    every = [ms for values in samples.latencies.values() for ms in values]
    all_errors: Counter[str] = sum(samples.errors.values(), Counter())
    return {
        "seconds": round(seconds, 2),
        "total": endpoint_figures(every, all_errors, seconds),
        "endpoints": {
            name: endpoint_figures(
                samples.latencies.get(name, []), samples.errors.get(name, Counter()), seconds
            )
            for name, _path in ENDPOINTS
        },
        "server_rss_mb": {"max": _mb(max(rss, default=0)), "end": _mb(rss[-1] if rss else 0)},
        "cpu_seconds": {k: round(v, 2) for k, v in cpu.items()},
    }


def _mb(value: int) -> float:
    return round(value / 2**20, 1)


# --- the run --------------------------------------------------------------------------------


async def run_level(
    server: Server, clients: list[Any], args: argparse.Namespace, level: int
) -> dict[str, Any]:
    active = clients[:level]
    # One unrecorded round per client first: templates and connections are warm for everyone.
    await asyncio.gather(*(fetch(c, path) for c in active for _name, path in ENDPOINTS))
    samples, rss, stop = Samples(), [], asyncio.Event()
    sampler = asyncio.create_task(sample_rss(server, stop, rss))
    database = database_name(args.database_url)
    load_avg, cpu_before = os.getloadavg()[0], cpu_counters(server, database)
    started = time.perf_counter()
    budget = Budget(args.max_requests)
    await asyncio.gather(
        *(client_loop(c, i, started + args.duration, budget, samples) for i, c in enumerate(active))
    )
    seconds = time.perf_counter() - started
    stop.set()
    await sampler
    server.check_alive()
    cpu = cpu_spent(cpu_before, cpu_counters(server, database))
    figures = level_figures(samples, seconds, rss, cpu)
    return {"concurrency": level, **figures, "load_avg_1m_before": round(load_avg, 2)}


async def run_levels(server: Server, args: argparse.Namespace, password: str) -> dict[str, Any]:
    rss_idle = server.rss_bytes()
    clients, login_ms = await login_all(server.base_url, max(args.levels), password)
    try:
        checks = await check_answers(clients[0], args.accounts)
        rss_logged_in = server.rss_bytes()
        levels = []
        for level in args.levels:
            log(f"concurrency {level} for {args.duration:g} s")
            levels.append(await run_level(server, clients, args, level))
    finally:
        await asyncio.gather(*(c.aclose() for c in clients))
    ordered = sorted(login_ms)
    return {
        "server_rss_mb": {"idle": _mb(rss_idle), "after_logins": _mb(rss_logged_in)},
        "logins": {
            "count": len(ordered),
            "parallel": LOGIN_PARALLEL,
            "p50_ms": percentile(ordered, 50),
            "max_ms": round(ordered[-1], 1),
        },
        "checks": checks,
        "levels": levels,
    }


def start_server(args: argparse.Namespace, env: dict[str, str], log_path: Path) -> Server:
    port = free_port()
    cmd = clientela_cmd(
        "serve", "--host", HOST, "--port", str(port), "--no-worker", "--workers", str(args.workers)
    )
    server = Server(cmd, env, log_path, port)
    log(f"start {' '.join(cmd)}")
    server.start()
    return server


def benchmark(args: argparse.Namespace, data_dir: Path) -> dict[str, Any]:
    env = app_env(data_dir, args.database_url)
    log_path = data_dir / "bench-server.log"
    password = secrets.token_urlsafe(16)
    report: dict[str, Any] = {
        "benchmark": "load",
        "date": datetime.now(UTC).isoformat(),
        "machine": machine_info(),
        "source": source_info(),
    }
    if args.database_url:
        pg_recreate(args.database_url, create=True)
    report["database"] = database_info(args.database_url)
    report["setup"] = prepare_data(args, env, log_path, password)
    server = start_server(args, env, log_path)
    try:
        report["setup"]["server_ready_seconds"] = round(server.wait_ready(), 2)
        report.update(asyncio.run(run_levels(server, args, password)))
    finally:
        server.stop()
    report["options"] = {
        "levels": args.levels,
        "duration": args.duration,
        "max_requests": args.max_requests,
        "workers": args.workers,
        "endpoints": dict(ENDPOINTS),
    }
    report["server"] = {
        "command": server.cmd,
        "log": str(log_path),
        "log_problems": log_problems(log_path),
    }
    return report


def _terminate(signum: int, _frame: Any) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _terminate)
    temporary = args.data_dir is None
    data_dir = Path(tempfile.mkdtemp(prefix="clientela-bench-")) if temporary else args.data_dir
    data_dir.mkdir(parents=True, exist_ok=True)
    if any(data_dir.iterdir()):
        raise SystemExit(f"--data-dir {data_dir} must be new or empty: the bench starts fresh")
    finished = False
    try:
        report = benchmark(args, data_dir)
        finished = True
    finally:
        if args.database_url:
            pg_recreate(args.database_url, create=False)
        if temporary and finished and not args.keep_data_dir:
            shutil.rmtree(data_dir, ignore_errors=True)
        elif not finished:
            log(f"kept {data_dir} (see bench-server.log there)")
    if not data_dir.exists():
        report["server"]["log"] = None  # removed with the temporary data dir
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        log("interrupted; the server was stopped")
        sys.exit(130)
