"""``clientela check``: is this installation configured sanely? One line per check.

``ok`` is fine, ``warn`` deserves a look, ``FAIL`` will break something (the command then exits
with 1, so deployment scripts can stop). Checks that talk to other services (database, SMTP,
Redis) use short timeouts so a dead peer is reported instead of hanging the command.
"""

from __future__ import annotations

import argparse
import os
import smtplib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings

HELP = "Check the configuration: database, migrations, mail, secret key, hosts, Redis, tasks."

OK, WARN, FAIL = "ok", "warn", "FAIL"
TIMEOUT = 5  # seconds, for every network peer
LOCAL_HOSTS = {"localhost", "127.0.0.1", "[::1]", "::1", "testserver"}
SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
STALE_TASKS = timedelta(minutes=15)


@dataclass(frozen=True)
class Result:
    status: str
    name: str
    detail: str


def add_arguments(parser: argparse.ArgumentParser) -> None:
    return None


def run(args: argparse.Namespace) -> int:
    results = [_safely(check) for check in CHECKS]
    width = max(len(r.name) for r in results)
    for result in results:
        print(f"{result.status:<4}  {result.name:<{width}}  {result.detail}")
    failed = sum(r.status == FAIL for r in results)
    warned = sum(r.status == WARN for r in results)
    print(f"{len(results)} checks: {failed} failed, {warned} warning(s).")
    return 1 if failed else 0


def _safely(check: Callable[[], Result]) -> Result:
    """A check that crashes is a failed check, not a crashed command."""
    try:
        return check()
    except Exception as exc:
        name = check.__name__.removeprefix("check_").replace("_", " ")
        return Result(FAIL, name, f"{type(exc).__name__}: {exc}")


# --- database -----------------------------------------------------------------------------------


def check_database() -> Result:
    from django.db import DatabaseError, connection

    name = connection.settings_dict["NAME"]
    try:
        connection.ensure_connection()
        version = ".".join(map(str, connection.get_database_version()))
    except DatabaseError as exc:
        return Result(
            FAIL, "database", f"cannot connect to {connection.display_name} {name}: {exc}"
        )
    return Result(OK, "database", f"{connection.display_name} {version} ({name})")


def pending_migrations() -> list[str]:
    """``app.migration`` names not applied yet, in the order ``migrate`` would apply them."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]


def check_migrations() -> Result:
    from django.db.migrations.loader import MigrationLoader

    conflicts = MigrationLoader(None, ignore_no_migrations=True).detect_conflicts()
    if conflicts:
        return Result(FAIL, "migrations", f"conflicting migrations in {', '.join(conflicts)}")
    pending = pending_migrations()
    if pending:
        return Result(
            FAIL,
            "migrations",
            f"{len(pending)} not applied (first {pending[0]}): run `clientela migrate`",
        )
    return Result(OK, "migrations", "all applied")


# --- mail ---------------------------------------------------------------------------------------


def check_mail() -> Result:
    from django.core.mail import mailers

    backend = mailers.default
    path = f"{type(backend).__module__}.{type(backend).__name__}"
    if path != SMTP_BACKEND:
        status = WARN if _public_hosts() else OK
        short = type(backend).__module__.rsplit(".", 1)[-1]
        return Result(status, "mail", f"{short} backend: mail is not delivered (set EMAIL_URL)")
    return _smtp_reachable(backend)


def _smtp_reachable(backend: Any) -> Result:
    """Connect, STARTTLS and log in exactly as sending would, with a short timeout."""
    where = f"{backend.host}:{backend.port}"
    backend.timeout = min(backend.timeout or TIMEOUT, TIMEOUT)
    backend.fail_silently = False
    try:
        backend.open()
    except (OSError, smtplib.SMTPException) as exc:
        return Result(
            FAIL, "mail", f"cannot use the SMTP server {where}: {str(exc) or type(exc).__name__}"
        )
    finally:
        backend.close()
    security = "SSL" if backend.use_ssl else "STARTTLS" if backend.use_tls else "plain"
    return Result(OK, "mail", f"SMTP server {where} answers ({security})")


# --- security -----------------------------------------------------------------------------------


def check_secret_key() -> Result:
    key = settings.SECRET_KEY or ""
    source = "SECRET_KEY" if os.environ.get("SECRET_KEY", "").strip() else "the data dir"
    if key.startswith("django-insecure-") or len(key) < 32 or len(set(key)) < 5:
        return Result(
            FAIL,
            "secret key",
            f"the key from {source} is a default or too short: set SECRET_KEY to 50+ random "
            "characters, or unset it to use the one generated in the data dir",
        )
    if len(key) < 50:
        return Result(WARN, "secret key", f"only {len(key)} characters (50 or more advised)")
    return Result(OK, "secret key", f"{len(key)} characters, from {source}")


def _public_hosts() -> list[str]:
    return [
        host
        for host in settings.ALLOWED_HOSTS
        if host not in LOCAL_HOSTS and not host.endswith(".localhost")
    ]


def check_hosts() -> Result:
    public = _public_hosts()
    if not public:
        return Result(OK, "hosts", "local only (" + ", ".join(settings.ALLOWED_HOSTS) + ")")
    names = ", ".join(public)
    if "*" in public:
        return Result(WARN, "hosts", "ALLOWED_HOSTS accepts any host name; list the real ones")
    if not settings.HTTPS:
        return Result(
            WARN,
            "hosts",
            f"served as {names} without CLIENTELA_HTTPS: put Clientela behind HTTPS and set "
            "CLIENTELA_HTTPS=1 so cookies are secure",
        )
    return Result(OK, "hosts", f"{names} over HTTPS")


def check_debug() -> Result:
    if not settings.DEBUG:
        return Result(OK, "debug", "off")
    if _public_hosts():
        return Result(FAIL, "debug", "CLIENTELA_DEBUG is on for a public host: it shows internals")
    return Result(WARN, "debug", "CLIENTELA_DEBUG is on; never use it in production")


# --- Redis and tasks ----------------------------------------------------------------------------


def check_redis() -> Result:
    url = settings.REDIS_URL
    if not url:
        return Result(OK, "redis", "not used (REDIS_URL unset: cache in memory, sessions in db)")
    import redis

    parts = urlsplit(url)
    where = f"{parts.hostname or 'localhost'}:{parts.port or 6379}"  # never print the password
    client = redis.Redis.from_url(url, socket_connect_timeout=TIMEOUT, socket_timeout=TIMEOUT)
    try:
        version = client.info("server").get("redis_version", "?")
    except redis.RedisError as exc:
        return Result(FAIL, "redis", f"cannot reach Redis at {where}: {exc}")
    finally:
        client.close()
    return Result(OK, "redis", f"Redis {version} at {where}")


def check_tasks() -> Result:
    from django.tasks import task_backends

    backend = task_backends["default"]
    errors = [message.msg for message in backend.check() if message.is_serious()]
    if errors:
        return Result(FAIL, "tasks", "; ".join(errors))
    label = f"{settings.TASK_BACKEND} queue ({type(backend).__name__})"
    if settings.TASK_BACKEND != "db":
        return Result(OK, "tasks", label)
    return _db_queue_backlog(label)


def _db_queue_backlog(label: str) -> Result:
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    ready = DBTaskResult.objects.ready()
    oldest = ready.order_by("enqueued_at").values_list("enqueued_at", flat=True).first()
    if oldest is not None and timezone.now() - oldest > STALE_TASKS:
        return Result(
            WARN,
            "tasks",
            f"{label}: {ready.count()} waiting since {oldest:%Y-%m-%d %H:%M}; "
            "is a worker running (`clientela serve` or `clientela worker`)?",
        )
    return Result(OK, "tasks", f"{label}, {ready.count()} waiting")


CHECKS: tuple[Callable[[], Result], ...] = (
    check_database,
    check_migrations,
    check_mail,
    check_secret_key,
    check_hosts,
    check_debug,
    check_redis,
    check_tasks,
)
