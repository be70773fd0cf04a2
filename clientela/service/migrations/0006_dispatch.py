# Reserved for this part's own schema changes (empty until it needs one); the three parts built
# side by side each own one migration of this chain, so no two ever conflict.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("service", "0005_installed_base")]

    operations: list[migrations.operations.base.Operation] = []
