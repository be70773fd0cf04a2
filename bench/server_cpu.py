"""CPU time of the PostgreSQL backend serving this process, for the in-process scale benchmarks.

On SQLite the database runs in the benchmark's own thread, so ``time.thread_time()`` already
counts it. On PostgreSQL the work happens in the server process behind the connection; on a
shared machine its wall time is inflated by other jobs, but its CPU time is not. When the
server runs on this machine, Linux reports that process's CPU time in nanoseconds in
``/proc/<pid>/schedstat``; elsewhere the figure is simply absent.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def backend_pid(connection: Any) -> int | None:
    """The server process behind ``connection`` when it is a local PostgreSQL backend."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = int(cursor.fetchone()[0])
    return pid if Path(f"/proc/{pid}/schedstat").exists() else None


def cpu_ms(pid: int | None) -> float | None:
    """Milliseconds of CPU that process ``pid`` has used so far (None: not measurable)."""
    if pid is None:
        return None
    try:
        return int(Path(f"/proc/{pid}/schedstat").read_text().split()[0]) / 1e6
    except (OSError, ValueError, IndexError):
        return None
