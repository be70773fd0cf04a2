"""Background work of activities: reminders become in-app notifications at their time."""

from __future__ import annotations

from django.tasks import task
from django.utils import timezone

from clientela.activities.services import reminders_due
from clientela.platform.scheduler import periodic


@periodic("activities.deliver-reminders", "* * * * *")
@task()
def deliver_reminders() -> int:
    """Every minute: notify the owners of activities whose reminder time has come."""
    total = 0
    while True:
        claimed = reminders_due(timezone.now())
        total += len(claimed)
        if len(claimed) < 200:
            return total
