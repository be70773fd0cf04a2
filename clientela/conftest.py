"""Fixtures shared by every app's tests: users in roles and teams, API and browser clients."""

from __future__ import annotations

import contextlib
import io
import itertools
import logging
import os
import socket
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from clientela.platform import customfields, customobjects, plugins
from clientela.platform.models import Role, Team, User
from clientela.platform.rules import engine as rules_engine
from clientela.platform.services.tokens import token_create

PASSWORD = "Correct-Horse-42"  # noqa: S105 (test users only)
_counter = itertools.count(1)


DB_FIXTURES = frozenset({"db", "transactional_db", "django_db_setup", "live_server"})


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """``CLIENTELA_DATABASE_TESTS_ONLY=1`` keeps only the tests that use the database: CI runs
    the suite once per database, and a test that never touches one (parsers, calendars,
    property tests; pytest-django refuses them any query) would only repeat the first run."""
    if os.environ.get("CLIENTELA_DATABASE_TESTS_ONLY") != "1":
        return
    kept: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    for item in items:
        uses_db = DB_FIXTURES & set(getattr(item, "fixturenames", ()))
        (kept if uses_db or item.get_closest_marker("django_db") else dropped).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.fixture(autouse=True)
def _fresh_custom_fields(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Custom field definitions are cached per process; a test's rolled-back rows must not
    leak into the next test through that cache. Within a test one process makes every change
    (and its services forget the copy), so the copy is not re-checked every 2 seconds: that
    check would add a query to a request now and then, and break query-count tests."""
    monkeypatch.setattr(customfields, "LOCAL_TTL", float("inf"))
    monkeypatch.setattr(rules_engine, "LOCAL_TTL", float("inf"))
    monkeypatch.setattr(plugins, "LOCAL_TTL", float("inf"))
    for cache in (customfields, customobjects, rules_engine, plugins):
        cache.forget()
    translation.activate("en")  # a test that switched language must not leak it
    yield
    for cache in (customfields, customobjects, rules_engine, plugins):
        cache.forget()


DEMO = ["demo", "--accounts", "20", "--seed", "1"]


@pytest.fixture(scope="module")
def loaded_demo(django_db_setup: Any, django_db_blocker: Any) -> Iterator[str]:
    """``clientela demo`` (20 accounts, seed 1) loaded once for a module of tests that only
    read it (each in its own rolled-back transaction); the value is what the command printed.
    The tables are emptied after the module, as a transactional test leaves them. A module
    using it holds no test that loads the demo itself."""
    from django.core.management import call_command

    from clientela import cli

    with django_db_blocker.unblock():
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            assert cli.main(DEMO) == 0
        try:
            yield printed.getvalue()
        finally:
            call_command("flush", interactive=False, verbosity=0)


@pytest.fixture
def make_user(db: Any) -> Callable[..., User]:
    """``make_user("sales-rep", teams=[team])``: an active user with a known password."""

    def make(
        role: str = "sales-rep",
        *,
        teams: list[Team] | None = None,
        username: str | None = None,
        **extra: Any,
    ) -> User:
        n = next(_counter)
        username = username or f"{role}-{n}"
        user = User(
            username=username,
            email=f"{username}@example.com",
            role=Role.objects.get(slug=role),
            **extra,
        )
        user.set_password(PASSWORD)
        user.save()
        if teams:
            user.teams.set(teams)
        return user

    return make


@pytest.fixture
def make_team(db: Any) -> Callable[[str], Team]:
    def make(name: str) -> Team:
        return Team.objects.create(name=name)

    return make


@pytest.fixture
def admin_user(make_user: Callable[..., User]) -> User:
    return make_user("administrator", username="admin")


@pytest.fixture
def logged_in(client: Client) -> Callable[[User], Client]:
    """A Django test client signed in as the given user (session, CSRF checks on)."""

    def login(user: User) -> Client:
        browser = Client(enforce_csrf_checks=False)
        browser.force_login(user)
        return browser

    return login


class ApiClient:
    """Calls the API with a personal token, the way a script would."""

    def __init__(self, token: str) -> None:
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {token}"}

    def _call(self, method: str, path: str, data: Any = None) -> Any:
        kwargs: dict[str, Any] = {"headers": self.headers}
        if data is not None:
            if method == "get":
                kwargs["data"] = data
            else:
                kwargs["data"] = data
                kwargs["content_type"] = "application/json"
        return getattr(self.client, method)(path, **kwargs)

    def get(self, path: str, data: Any = None) -> Any:
        return self._call("get", path, data)

    def post(self, path: str, data: Any = None) -> Any:
        return self._call("post", path, data if data is not None else {})

    def patch(self, path: str, data: Any = None) -> Any:
        return self._call("patch", path, data if data is not None else {})

    def delete(self, path: str) -> Any:
        return self._call("delete", path)


@pytest.fixture
def api_as(db: Any) -> Callable[..., ApiClient]:
    """``api_as(user)`` (or ``api_as(user, read_only=True)``): an API client with a real token."""

    def make(user: User, *, read_only: bool = False) -> ApiClient:
        _token, secret = token_create(actor=user, name="test", read_only=read_only)
        return ApiClient(secret)

    return make


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp_server(tmp_path: Any, settings: Any) -> Iterator[Any]:
    """A real SMTP server (aiosmtpd) on loopback; Django's mail goes to it over SMTP."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message

    class Collect(Message):
        def __init__(self) -> None:
            super().__init__()
            self.messages: list[Any] = []

        def handle_message(self, message: Any) -> None:
            self.messages.append(message)

    # The server's thread logs each session's end at INFO, sometimes after pytest has closed
    # the captured stream it would write to; its warnings and errors still show.
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    handler = Collect()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 10},
        }
    }
    try:
        yield handler
    finally:
        controller.stop()
