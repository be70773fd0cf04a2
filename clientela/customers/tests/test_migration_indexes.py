"""Index-only migrations drop and restore their indexes by name, on both databases.

The migration is unapplied and applied again on its own, through the migration's own
operations and the project state just before it: migrating the whole app back would unapply and
redo every later migration of every app (twenty seconds), and nothing after it needs this index.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

TABLE = "customers_accountcontact"
MIGRATION = ("customers", "0008_membership_account_index")


def _indexes() -> dict[str, list[str]]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, TABLE)
    return {
        name: info["columns"]
        for name, info in constraints.items()
        if (info["index"] or info["unique"]) and not info["primary_key"]
    }


@pytest.mark.django_db(transaction=True)
def test_memberships_keep_one_index_beginning_with_the_account():
    def led_by_account() -> list[list[str]]:
        return sorted(c for c in _indexes().values() if c[0] == "account_id")

    assert led_by_account() == [["account_id", "contact_id"]]  # the unique constraint's
    executor = MigrationExecutor(connection)
    loader = executor.loader
    migration = loader.get_migration(*MIGRATION)
    with connection.schema_editor(atomic=migration.atomic) as editor:
        migration.unapply(loader.project_state(MIGRATION, at_end=False), editor)
    try:
        assert led_by_account() == [["account_id"], ["account_id", "contact_id"]]
    finally:
        with connection.schema_editor(atomic=migration.atomic) as editor:
            migration.apply(loader.project_state(MIGRATION, at_end=False), editor)
    assert led_by_account() == [["account_id", "contact_id"]]
    assert ["contact_id"] in _indexes().values()
    assert not executor.migration_plan(loader.graph.leaf_nodes())
