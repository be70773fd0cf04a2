"""The table of the cache kept in the database (when there is no Redis, see the settings).

Django creates it with ``createcachetable``, which does nothing when the cache is elsewhere;
``clientela migrate`` runs it again on every start, so a later switch away from Redis finds
its table too.
"""

from django.core.management import call_command
from django.db import migrations


def create_cache_tables(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("platform", "0002_tag_savedview")]

    operations = [migrations.RunPython(create_cache_tables, migrations.RunPython.noop)]
