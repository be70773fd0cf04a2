"""Imports run in the worker, so a big file never holds a web request."""

from __future__ import annotations

from django.tasks import task
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from clientela.customers.models import ImportJob
from clientela.platform.scheduler import periodic
from clientela.platform.services.notifications import notification_create


@task()
def run_import(job_id: int) -> dict[str, int]:
    from clientela.customers.imports.jobs import import_run

    job = ImportJob.objects.select_related("user").get(pk=job_id)
    with translation.override(job.user.language or None):
        try:
            job = import_run(actor=job.user, job_id=job_id)
        except Exception:
            job.refresh_from_db()
            title = _("The import of %(file)s stopped.") % {"file": job.file_name}
            _notify(job, title)
            raise
        title = _("The import of %(file)s is done.") % {"file": job.file_name}
        _notify(job, title)
    return {"created": job.created_count, "updated": job.updated_count, "errors": job.error_count}


def _notify(job: ImportJob, title: str) -> None:
    url = reverse("customers:import_detail", args=[job.pk])
    notification_create(user=job.user, title=title, body=job.message, url=url)


@periodic("customers.restore-import-indexes", "23 * * * *")
@task()
def restore_import_indexes() -> dict[str, int]:
    """Indexes an import dropped until its rows were in, built again when its runner died."""
    from clientela.customers.imports.bulkload import restore_abandoned

    return {"built": restore_abandoned()}
