"""Partial indexes for the lead list's filters on source and rating: the leads whose source is
not "manual" and whose rating is set, newest first, so a filter on a rare value no longer walks
every lead.
"""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('customers', '0010_account_filter_indexes'),
        ('platform', '0003_cache_table'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name='lead',
            index=models.Index(condition=models.Q(('source', 'manual'), _negated=True), fields=['source', 'created_at', 'id'], name='lead_source_new'),
        ),
        migrations.AddIndex(
            model_name='lead',
            index=models.Index(condition=models.Q(('rating', ''), _negated=True), fields=['rating', 'created_at', 'id'], name='lead_rating_new'),
        ),
    ]
