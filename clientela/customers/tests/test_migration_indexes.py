"""Index-only migrations drop and restore their indexes by name, on both databases."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

TABLE = "customers_accountcontact"


def _indexes() -> dict[str, list[str]]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, TABLE)
    return {
        name: info["columns"]
        for name, info in constraints.items()
        if (info["index"] or info["unique"]) and not info["primary_key"]
    }


def _migrate(target: str | None) -> None:
    """To ``target`` of customers, or (None) every app's latest migration."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    leaves = executor.loader.graph.leaf_nodes()
    executor.migrate([("customers", target)] if target else leaves)


@pytest.mark.django_db(transaction=True)
def test_memberships_keep_one_index_beginning_with_the_account():
    def led_by_account() -> list[list[str]]:
        return sorted(c for c in _indexes().values() if c[0] == "account_id")

    assert led_by_account() == [["account_id", "contact_id"]]  # the unique constraint's
    try:
        _migrate("0007_owner_team_indexes")
        assert led_by_account() == [["account_id"], ["account_id", "contact_id"]]
    finally:
        _migrate(None)  # the later migrations too: the tests after this one need them
    assert led_by_account() == [["account_id", "contact_id"]]
    executor = MigrationExecutor(connection)
    assert not executor.migration_plan(executor.loader.graph.leaf_nodes())
    assert ["contact_id"] in _indexes().values()
