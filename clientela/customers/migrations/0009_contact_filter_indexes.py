"""Partial indexes for the contact list's filters on language, preferred channel and "do not
contact".

Most contacts leave these blank (or false), so a filter on a rare value walked the whole name
index checking each row: seconds at a million contacts. Each index holds only the contacts that
have a value, in the lists' two orders (name, newest), so a contact without one costs no write.
"""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('customers', '0008_membership_account_index'),
        ('platform', '0003_cache_table'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name='contact',
            index=models.Index(condition=models.Q(('language', ''), _negated=True), fields=['language', 'last_name', 'first_name', 'id'], name='contact_language_name'),
        ),
        migrations.AddIndex(
            model_name='contact',
            index=models.Index(condition=models.Q(('language', ''), _negated=True), fields=['language', 'created_at', 'id'], name='contact_language_new'),
        ),
        migrations.AddIndex(
            model_name='contact',
            index=models.Index(condition=models.Q(('preferred_channel', ''), _negated=True), fields=['preferred_channel', 'last_name', 'first_name', 'id'], name='contact_channel_name'),
        ),
        migrations.AddIndex(
            model_name='contact',
            index=models.Index(condition=models.Q(('preferred_channel', ''), _negated=True), fields=['preferred_channel', 'created_at', 'id'], name='contact_channel_new'),
        ),
        migrations.AddIndex(
            model_name='contact',
            index=models.Index(condition=models.Q(('do_not_contact', True)), fields=['do_not_contact', 'last_name', 'first_name', 'id'], name='contact_dnc_name'),
        ),
        migrations.AddIndex(
            model_name='contact',
            index=models.Index(condition=models.Q(('do_not_contact', True)), fields=['do_not_contact', 'created_at', 'id'], name='contact_dnc_new'),
        ),
    ]
