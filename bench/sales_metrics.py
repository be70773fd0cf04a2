"""Sales metrics and forecasts at scale: p50/p95/max of each figure the reports compute.

    python bench/generate.py --accounts 100000 --contacts-per-account 1 \\
        --opportunities 1000000 --open-opportunities 100000      # once, into a bench database
    python bench/sales_metrics.py --repeat 10 [--analyze]

In-process on the configured bench database (its name or path must contain "bench"), as an
administrator (every deal) and as the first generated team-scoped sales rep. The cases are what
the sales reports page and the forecast page compute, over the last 365 days on the default
pipeline: ``summary`` (close rate, won and open amounts, velocity, the cycle's median from a day
histogram), ``time_in_stages``, ``funnel``, ``loss_reasons``, the quarter's ``forecast`` by rep,
and ``history`` (24 months of won revenue plus the statistical forecast). The target is every
case under 1 s at 1,000,000 deals on PostgreSQL. Prints one JSON document.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from sales_board import analyze, refuse_other_databases, sales_rows, slowest
from scale import CPU_MS, actors, fresh, header, load_average, setup_django, summary, timed


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10, help="calls per case (default 10)")
    parser.add_argument("--analyze", action="store_true", help="ANALYZE the sales tables first")
    parser.add_argument("--explain", action="store_true", help="add each slowest query's plan")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be >= 1")
    return args


def cases(user: Any) -> dict[str, Callable[[], Any]]:
    from django.utils import timezone

    from clientela.sales import forecast, metrics
    from clientela.sales.services import default_pipeline

    pipeline = default_pipeline()
    end = timezone.now()
    period = metrics.Period(end - dt.timedelta(days=365), end)
    quarter = forecast.Period.quarter(timezone.localdate())

    def history() -> Any:
        series = forecast.monthly_won(fresh(user), months=24)
        return forecast.statistical([amount for _month, amount in series])

    return {
        "summary": lambda: metrics.summary(fresh(user), period, pipeline.pk),
        "time_in_stages": lambda: metrics.time_in_stages(fresh(user), period, pipeline.pk),
        "funnel": lambda: metrics.funnel(fresh(user), period, pipeline.pk),
        "loss_reasons": lambda: metrics.loss_reasons(fresh(user), period, pipeline.pk),
        "forecast_by_rep": lambda: forecast.forecast(fresh(user), quarter, "owner"),
        "history": history,
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    setup_django()
    database = refuse_other_databases()
    if args.analyze:
        analyze()
    people = actors()
    from clientela.sales.services import default_pipeline

    report: dict[str, Any] = {
        **header("sales_metrics"),
        "database_name": database,
        "rows": sales_rows(default_pipeline(), people["rep"]),
        "target_ms": 1000,
        "results": {},
    }
    for who, user in people.items():
        for name, call in cases(user).items():
            call()  # warm
            CPU_MS.clear()
            samples = [timed(call)[0] for _n in range(args.repeat)]
            figures = summary(samples, list(CPU_MS))
            figures.update(slowest(call, args.explain))
            report["results"][f"{who}/{name}"] = figures
    report["load_average_after"] = load_average()
    print(json.dumps(report, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
