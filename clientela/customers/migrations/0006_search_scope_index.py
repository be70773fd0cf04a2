"""PostgreSQL: the search index also holds each record's owner and team.

The GIN index over ``search_vector`` becomes a GIN index over ``(owner_id, team_id,
search_vector)`` (the ``btree_gin`` extension indexes the two keys), so a sales rep's search
reads its own and its team's matches from the index alone, as a ``BitmapOr`` of two scans,
instead of intersecting the matches with a bitmap of the whole team (about 235,000 rows at a
million contacts). A query on ``search_vector`` alone uses it as before: a multicolumn GIN index
serves any subset of its columns. Nothing changes on SQLite. docs/decisions/0002-search.md.
"""

from django.db import migrations

from clientela.customers.search_engine import sql_search_index


def scoped(apps, schema_editor):
    for statement in sql_search_index(schema_editor.connection.vendor, scoped=True):
        schema_editor.execute(statement)


def unscoped(apps, schema_editor):
    for statement in sql_search_index(schema_editor.connection.vendor, scoped=False):
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("customers", "0005_list_indexes")]

    operations = [migrations.RunPython(scoped, unscoped)]
