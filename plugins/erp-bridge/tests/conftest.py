"""Fixtures for the ERP bridge's tests, which run with Clientela's suite (its pytest
``testpaths``): Clientela's own users and clients, the real HTTP receiver on loopback, a drop
folder, and the plugin switched on through the service, as an administrator would."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from clientela.conftest import (  # noqa: F401  (Clientela's fixtures, for these tests too)
    _fresh_custom_fields,
    admin_user,
    api_as,
    make_user,
)
from clientela.platform import plugins
from clientela.platform.models import User
from clientela.platform.services.plugins import plugin_set_enabled
from clientela.platform.tests.webhook_receiver import Receiver, running_receiver


@pytest.fixture(autouse=True)
def _fresh_switches() -> Iterator[None]:
    """The switches are cached per process; a test's rolled-back rows must not leak."""
    plugins.forget()
    yield
    plugins.forget()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    yield from running_receiver()


@pytest.fixture
def drop_dir(tmp_path: Path, settings: Any) -> Path:
    folder = tmp_path / "erp-inbox"
    settings.CLIENTELA_ERP_DROP_DIR = str(folder)
    settings.CLIENTELA_ERP_URL = ""
    return folder


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks: Any) -> Callable[..., Any]:
    """Run the after-commit callbacks (the events) as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def bridge_on(admin_user: User, on_commit: Callable[..., Any]) -> User:  # noqa: F811
    with on_commit():
        plugin_set_enabled(actor=admin_user, name="erp_bridge", enabled=True)
    return admin_user
