"""Accounts, contacts and leads lose their single-column owner and team indexes.

Each model's own indexes begin with ``owner`` and with ``team`` (list order and visibility), so
these two were never the better choice for a query and cost two index updates on every write
(an import of 100,000 contacts paid them 200,000 times). Only the state changes through
``AlterField``: on SQLite that operation would copy each table whole (twice), and drop its
full-text triggers with it; the indexes are dropped by name instead, found by introspection.
"""

from django.conf import settings
from django.db import migrations, models

MODELS = ("account", "contact", "lead")
COLUMNS = ("owner_id", "team_id")


def _single_column_indexes(schema_editor, table):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    for name, info in constraints.items():
        plain = info["index"] and not info["unique"] and not info["primary_key"]
        if plain and len(info["columns"]) == 1 and info["columns"][0] in COLUMNS:
            yield name


def drop_indexes(apps, schema_editor):
    for model_name in MODELS:
        model = apps.get_model("customers", model_name)
        for name in list(_single_column_indexes(schema_editor, model._meta.db_table)):
            schema_editor.execute(schema_editor._delete_index_sql(model, name))


def create_indexes(apps, schema_editor):
    for model_name in MODELS:
        model = apps.get_model("customers", model_name)
        existing = set(_single_column_indexes(schema_editor, model._meta.db_table))
        for field_name in ("owner", "team"):
            field = model._meta.get_field(field_name)
            statement = schema_editor._create_index_sql(model, fields=[field])
            if str(statement.parts["name"]).strip('"') not in existing:
                schema_editor.execute(statement)


def _owner():
    return models.ForeignKey(
        db_index=False,
        on_delete=models.deletion.PROTECT,
        related_name="+",
        to=settings.AUTH_USER_MODEL,
        verbose_name="owner",
    )


def _team():
    return models.ForeignKey(
        blank=True,
        db_index=False,
        null=True,
        on_delete=models.deletion.PROTECT,
        related_name="+",
        to="platform.team",
        verbose_name="team",
    )


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0006_search_scope_index"),
        ("platform", "0002_tag_savedview"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(model_name=name, name=field, field=make())
                for name in MODELS
                for field, make in (("owner", _owner), ("team", _team))
            ],
            database_operations=[migrations.RunPython(drop_indexes, create_indexes)],
        )
    ]
