# The knowledge base's full-text index: the stemmed title column, then each database's own
# index (kb_search.install: an FTS5 table kept in step by triggers on SQLite, a GIN index on
# PostgreSQL). A later migration that rebuilds service_article on SQLite (Django copies a
# table to alter it) drops the triggers with it and must run kb_search.install again.
from django.db import migrations, models


def stem_existing(apps, schema_editor):
    from clientela.service.kb_search import article_stems

    Article = apps.get_model("service", "Article")
    for article in Article.objects.all().iterator():
        article.search_title, article.search_stems = article_stems(
            article.title, article.summary, article.body, article.tags or [], article.language
        )
        article.save(update_fields=["search_title", "search_stems"])


def install(apps, schema_editor):
    from clientela.service import kb_search

    kb_search.install(schema_editor)


def remove(apps, schema_editor):
    from clientela.service import kb_search

    kb_search.remove(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("service", "0003_field_service_and_knowledge")]

    operations = [
        migrations.AddField(
            model_name="article",
            name="search_title",
            field=models.TextField(blank=True, editable=False),
        ),
        migrations.RunPython(stem_existing, migrations.RunPython.noop),
        migrations.RunPython(install, remove),
    ]
