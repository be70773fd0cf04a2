"""Sales' periodic work: the weekly forecast snapshot."""

from __future__ import annotations

from django.tasks import task

from clientela.platform.scheduler import periodic


@periodic("sales.forecast-snapshot", "5 4 * * 1")
@task()
def snapshot_forecasts() -> dict[str, int]:
    """Every owner's month and quarter forecast as it stands on Monday morning (UTC)."""
    from clientela.sales.forecast import take_snapshots

    return {"rows": take_snapshots()}
