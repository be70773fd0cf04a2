"""The search engines behind ``clientela.customers.search_index``.

SQLite: an FTS5 external-content table per record type over ``search_text``, kept current by
triggers. PostgreSQL: a stored generated column ``search_vector`` (``to_tsvector('simple',
search_text)``, not a model field) with a GIN index, per record type.
Existing rows get their ``search_text`` rebuilt first (the documents' format changed).
"""

from django.db import migrations

from clientela.customers.search_engine import ensure_engine, sql_drop_engine
from clientela.customers.search_index import document

MODELS = ("Account", "Contact", "Lead")


def rebuild_documents(apps, schema_editor):
    """Historical models have no custom ``save()``: write the documents here, in batches."""
    for name in MODELS:
        model = apps.get_model("customers", name)
        records = model.objects.all()
        if name == "Contact":
            records = records.select_related("account")
        batch = []
        for record in records.iterator(chunk_size=2000):
            record.search_text = document(record)
            batch.append(record)
            if len(batch) >= 2000:
                model.objects.bulk_update(batch, ["search_text"])
                batch = []
        model.objects.bulk_update(batch, ["search_text"])


def create_engine(apps, schema_editor):
    ensure_engine(schema_editor.connection, rebuild=True)


def drop_engine(apps, schema_editor):
    for statement in sql_drop_engine(schema_editor.connection.vendor):
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("customers", "0003_customer_records")]

    operations = [
        migrations.RunPython(rebuild_documents, migrations.RunPython.noop),
        migrations.RunPython(create_engine, drop_engine),
    ]
