"""What every bench script needs: a fresh data dir and database, the app's setup commands, and
the server as a subprocess on a free loopback port, with its memory and CPU measured.

Imported by the scripts next to it (``python bench/load.py`` puts bench/ on the path).
"""

from __future__ import annotations

import compileall
import contextlib
import os
import platform
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import sysconfig
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import psutil

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
HOST = "127.0.0.1"
LOG_PROBLEM_RE = re.compile(r"Traceback|ERROR|CRITICAL|database is locked|too many clients")
SECRET_OPTIONS = {"--password"}


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def warm_bytecode() -> dict[str, Any]:
    """Compile the app's and its packages' modules to bytecode, as an installed app has them.

    An installer compiles them (pip does by default; ``uv sync --compile-bytecode``), and a
    running app keeps what it compiled. A machine with ``PYTHONDONTWRITEBYTECODE`` set (this
    sandbox's is) never keeps them: every new interpreter compiles Django and the app again,
    about 1.2 CPU seconds, in the command and again in its helper process. Already compiled
    files are left as they are; the figures say whether bytecode was there.
    """
    site_packages = Path(sysconfig.get_paths()["purelib"])
    paths = [site_packages, REPO_ROOT / "clientela", REPO_ROOT / "plugins"]
    started = time.perf_counter()
    done = all(
        compileall.compile_dir(path, quiet=1, workers=os.cpu_count() or 1)
        for path in paths
        if path.exists()
    )
    return {"compiled": done, "seconds": round(time.perf_counter() - started, 1)}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


# --- the database ---------------------------------------------------------------------------


def _pg_parts(url: str) -> tuple[str, str]:
    """(URL of the maintenance database ``postgres``, name of the bench database)."""
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not re.fullmatch(r"[a-z0-9_]*bench[a-z0-9_]*", name):
        raise SystemExit(f"refusing to drop and create {name!r}: the name must contain 'bench'")
    if parts.hostname not in {"127.0.0.1", "localhost", "::1"}:
        raise SystemExit("the benchmark only talks to a database on loopback")
    return urlunsplit(parts._replace(path="/postgres")), name


def pg_recreate(url: str, *, create: bool) -> None:
    import psycopg
    from psycopg import sql

    admin_url, name = _pg_parts(url)
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=10) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        if create:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def database_name(url: str | None) -> str | None:
    if not url:
        return None
    return urlsplit(url).path.lstrip("/") or None


def database_info(url: str | None) -> dict[str, Any]:
    if not url:
        return {"engine": "sqlite", "version": sqlite3.sqlite_version}
    import psycopg

    with psycopg.connect(url, connect_timeout=10) as conn:
        row = conn.execute("SHOW server_version").fetchone()
    return {"engine": "postgresql", "version": row[0] if row else "?"}


# --- the app: setup commands and the server -------------------------------------------------


def app_env(data_dir: Path, database_url: str | None) -> dict[str, str]:
    env = dict(os.environ, CLIENTELA_DATA_DIR=str(data_dir), PYTHONUNBUFFERED="1")
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def clientela_cmd(*args: str) -> list[str]:
    script = Path(sys.executable).with_name("clientela")
    if script.exists():
        return [str(script), *args]
    return [sys.executable, "-m", "clientela.cli", *args]


def shown(cmd: list[str]) -> str:
    """The command line for the log, without the values of secret options."""
    previous = ["", *cmd[:-1]]
    words = ["***" if p in SECRET_OPTIONS else w for p, w in zip(previous, cmd, strict=True)]
    return " ".join(words)


def run_step(cmd: list[str], env: dict[str, str], log_path: Path) -> tuple[str, float]:
    """Run a setup command; its stderr goes to the log, its stdout is returned."""
    started = time.perf_counter()
    with log_path.open("a") as log_file:
        log_file.write(f"$ {shown(cmd)}\n")
        log_file.flush()
        done = subprocess.run(
            cmd,
            env=env,
            cwd=REPO_ROOT,
            stdout=subprocess.PIPE,
            stderr=log_file,
            text=True,
            timeout=3600,
            check=False,
        )
        log_file.write(done.stdout)
    if done.returncode != 0:
        raise SystemExit(f"{cmd[1:3]} failed with {done.returncode}; see {log_path}")
    return done.stdout, time.perf_counter() - started


@dataclass
class Server:
    cmd: list[str]
    env: dict[str, str]
    log_path: Path
    port: int
    proc: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self) -> None:
        with self.log_path.open("ab") as log_file:
            # Its own session: a Ctrl+C in the terminal reaches us, and we stop it in order.
            self.proc = subprocess.Popen(
                self.cmd,
                env=self.env,
                cwd=REPO_ROOT,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def wait_ready(self, timeout: float = 60.0) -> float:
        started = time.perf_counter()
        while time.perf_counter() - started < timeout:
            self.check_alive()
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.base_url}/healthz", timeout=2).status_code == 200:
                    return time.perf_counter() - started
            time.sleep(0.2)
        raise SystemExit(f"the server did not answer /healthz in {timeout:.0f} s")

    def check_alive(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            raise SystemExit(f"the server is not running; see {self.log_path}")

    def processes(self) -> list[psutil.Process]:
        if self.proc is None:
            return []
        try:
            parent = psutil.Process(self.proc.pid)
            return [parent, *parent.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def rss_bytes(self) -> int:
        return sum(_safe(lambda p=p: p.memory_info().rss) for p in self.processes())

    def cpu_seconds(self) -> float:
        return sum(_safe(lambda p=p: sum(p.cpu_times()[:2])) for p in self.processes())

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)


def cpu_counters(server: Server, database: str | None = None) -> dict[str, float]:
    """CPU seconds so far: the server, this process, the PostgreSQL backends serving
    ``database`` (when given) and the whole machine (all cores)."""
    machine = psutil.cpu_times()
    fields = ("user", "nice", "system", "irq", "softirq", "steal")
    counters = {
        "server": server.cpu_seconds(),
        "client": sum(psutil.Process().cpu_times()[:2]),
        "machine": sum(getattr(machine, name, 0.0) for name in fields),
    }
    if database:
        counters["database"] = postgres_cpu(database)
    return counters


def postgres_cpu(database: str) -> float:
    """CPU of the local PostgreSQL's live backends on ``database`` plus all backends that ended
    (the postmaster's reaped children: those of other databases that end meanwhile count too)."""
    total = 0.0
    for proc in psutil.process_iter(["name", "cmdline"]):
        cmd = " ".join(proc.info["cmdline"] or [])
        if proc.info["name"] != "postgres":
            continue
        if " -D " in cmd:  # the postmaster
            total += _safe(lambda p=proc: sum(p.cpu_times()[2:4]))
        elif f" {database} " in cmd:
            total += _safe(lambda p=proc: sum(p.cpu_times()[:2]))
    return total


def cpu_spent(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    """CPU seconds between two counters; ``others`` is everything else on the machine, to
    compare with cores x seconds: other users of a shared machine make the figures noisy."""
    spent = {name: after[name] - before[name] for name in before}
    spent["others"] = spent.pop("machine") - sum(spent.values())
    return {name: round(value, 2) for name, value in spent.items()}


def _safe(read: Any) -> Any:
    try:
        return read()
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return 0


def log_problems(log_path: Path) -> dict[str, Any]:
    lines = log_path.read_text(errors="replace").splitlines() if log_path.exists() else []
    found = [line.strip() for line in lines if LOG_PROBLEM_RE.search(line)]
    return {"count": len(found), "first": list(dict.fromkeys(found))[:5]}


def source_info() -> dict[str, Any]:
    """The commit measured, and whether the working tree had changes (then it is not exact)."""

    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", *args], cwd=REPO_ROOT, capture_output=True, text=True, timeout=30, check=False
        )
        return done.stdout.strip()

    changed = [
        line
        for line in git("status", "--porcelain").splitlines()
        if not line[3:].startswith("bench/")
    ]
    return {"commit": git("rev-parse", "--short", "HEAD") or None, "changed_files": len(changed)}


def machine_info() -> dict[str, Any]:
    return {
        "cpu_count": os.cpu_count(),
        "memory_gib": round(psutil.virtual_memory().total / 2**30),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }
