"""Fixtures of the customers tests: two teams and a manager of the first (a module that needs
other people defines its own fixtures of these names, which take precedence)."""

from __future__ import annotations

import pytest


@pytest.fixture
def north(make_team):
    return make_team("North")


@pytest.fixture
def south(make_team):
    return make_team("South")


@pytest.fixture
def manager(make_user, north):
    return make_user("sales-manager", teams=[north])
