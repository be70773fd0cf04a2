"""`clientela check`: one line per check, and exit 1 only when something will break."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator

import pytest
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder

from clientela import cli

LINE = re.compile(r"^(ok|warn|FAIL)\s+(\S+(?: \S+)*)\s{2,}(.+)$")
SMTP = "django.core.mail.backends.smtp.EmailBackend"


def check(capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, tuple[str, str]]]:
    """Run the command; ``{check name: (status, detail)}``."""
    code = cli.main(["check"])
    results = {}
    for line in capsys.readouterr().out.splitlines():
        match = LINE.match(line)
        if match:
            results[match.group(2)] = (match.group(1), match.group(3))
    return code, results


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A loopback port that refuses connections: bound (so nobody else takes it), not listening."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    try:
        yield sock.getsockname()[1]
    finally:
        sock.close()


def test_check_passes_on_the_test_settings(db, capsys):
    code, results = check(capsys)

    assert code == 0
    assert set(results) == {
        "database",
        "migrations",
        "mail",
        "secret key",
        "hosts",
        "debug",
        "redis",
        "tasks",
    }
    status, detail = results["database"]
    assert status == "ok"
    assert detail.startswith(f"{connection.display_name} ")
    assert str(connection.settings_dict["NAME"]) in detail
    assert results["migrations"] == ("ok", "all applied")
    assert all(status != "FAIL" for status, _detail in results.values())


def test_check_fails_when_the_smtp_server_is_unreachable(db, settings, closed_port, capsys):
    settings.MAILERS = {
        "default": {"BACKEND": SMTP, "OPTIONS": {"host": "127.0.0.1", "port": closed_port}}
    }

    code, results = check(capsys)

    assert code == 1
    status, detail = results["mail"]
    assert status == "FAIL"
    assert f"cannot use the SMTP server 127.0.0.1:{closed_port}" in detail


def test_check_talks_to_a_real_smtp_server(db, smtp_server, capsys):
    code, results = check(capsys)

    assert code == 0
    status, detail = results["mail"]
    assert status == "ok"
    assert "answers (plain)" in detail


def test_check_fails_when_a_migration_is_not_applied(db, capsys):
    recorder = MigrationRecorder(connection)
    app, name = max(recorder.applied_migrations())  # forget one, as an old database would
    recorder.record_unapplied(app, name)

    code, results = check(capsys)

    assert code == 1
    status, detail = results["migrations"]
    assert status == "FAIL"
    assert "1 not applied" in detail
    assert f"{app}.{name}" in detail
    assert "clientela migrate" in detail


@pytest.mark.parametrize("key", ["django-insecure-0123456789abcdefghijklmnop", "short", "a" * 60])
def test_check_fails_on_a_default_or_weak_secret_key(db, settings, capsys, key):
    settings.SECRET_KEY = key

    code, results = check(capsys)

    assert code == 1
    assert results["secret key"][0] == "FAIL"


def test_check_warns_about_a_public_host_without_https(db, settings, capsys):
    settings.ALLOWED_HOSTS = ["crm.example.com"]
    settings.HTTPS = False

    code, results = check(capsys)

    assert code == 0  # a warning alone does not fail the check
    status, detail = results["hosts"]
    assert status == "warn"
    assert "crm.example.com" in detail
    assert "CLIENTELA_HTTPS" in detail
    assert results["mail"][0] == "warn"  # a public site whose mail goes nowhere


def test_check_accepts_a_public_host_over_https(db, settings, capsys):
    settings.ALLOWED_HOSTS = ["crm.example.com"]
    settings.HTTPS = True

    _code, results = check(capsys)

    assert results["hosts"] == ("ok", "crm.example.com over HTTPS")


def test_check_fails_when_redis_is_unreachable_without_showing_its_password(
    db, settings, closed_port, capsys
):
    settings.REDIS_URL = f"redis://:s3cret-pass@127.0.0.1:{closed_port}/0"

    code, results = check(capsys)

    assert code == 1
    status, detail = results["redis"]
    assert status == "FAIL"
    assert f"127.0.0.1:{closed_port}" in detail
    assert "s3cret-pass" not in detail
