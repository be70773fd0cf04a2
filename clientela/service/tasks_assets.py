"""The installed base's daily jobs: planned-service tickets and contract renewal reminders."""

from __future__ import annotations

from django.tasks import task

from clientela.platform.scheduler import periodic


@periodic("service.maintenance-plans", "15 5 * * *")
@task()
def generate_maintenance() -> dict[str, int]:
    from clientela.service.maintenance import generate

    return generate()


@periodic("service.contract-renewals", "30 5 * * *")
@task()
def remind_renewals() -> int:
    from clientela.service.contracts import remind_renewals as remind

    return remind()
