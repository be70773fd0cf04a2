"""Account memberships lose their single-column index on ``account_id``.

The unique constraint on ``(account_id, contact_id)`` is an index that begins with the same
column, so the single one only cost an update on every membership written (each imported
contact with a company writes one). As in 0007, the index is dropped by name, found by
introspection, and only the state goes through ``AlterField`` (on SQLite that operation would
copy the table).
"""

from django.db import migrations, models

TABLE = "customers_accountcontact"


def _account_indexes(schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, TABLE)
    for name, info in constraints.items():
        plain = info["index"] and not info["unique"] and not info["primary_key"]
        if plain and info["columns"] == ["account_id"]:
            yield name


def drop_index(apps, schema_editor):
    model = apps.get_model("customers", "accountcontact")
    for name in list(_account_indexes(schema_editor)):
        schema_editor.execute(schema_editor._delete_index_sql(model, name))


def create_index(apps, schema_editor):
    model = apps.get_model("customers", "accountcontact")
    if not list(_account_indexes(schema_editor)):
        field = model._meta.get_field("account")
        schema_editor.execute(schema_editor._create_index_sql(model, fields=[field]))


class Migration(migrations.Migration):
    dependencies = [("customers", "0007_owner_team_indexes")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="accountcontact",
                    name="account",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=models.deletion.CASCADE,
                        related_name="memberships",
                        to="customers.account",
                    ),
                )
            ],
            database_operations=[migrations.RunPython(drop_index, create_index)],
        )
    ]
