"""The field-service scheduler: 500 visits over 30 technicians across a working week.

    python bench/service_dispatch.py --appointments 500 --technicians 30 --rounds 5

Pure scheduling (``clientela.service.scheduling``, no database): a seeded random week like a
busy field team's. Technicians work 08:00-12:00 and 13:00-17:00 Monday to Friday, each with 1
to 3 of 6 skills, in one of 4 regions, some with a few bookings already. Visits last 30 minutes
to 4 hours, need 0 to 2 skills, are in a region (or none, a fifth of them), and must fall in a
window of half a day to the whole week. Times ``schedule`` (the heuristic's three passes and
the naive baseline, the best kept) and prints how many each placed. Prints one JSON document.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from clientela.service import scheduling
from clientela.service.scheduling import Job, Tech

DAY = 24 * 60
REGIONS = ("Norte", "Sul", "Leste", "Oeste")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--appointments", type=int, default=500)
    parser.add_argument("--technicians", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    return parser.parse_args(argv)


def technicians(rng: random.Random, count: int) -> list[Tech]:
    found = []
    for pk in range(1, count + 1):
        shifts = []
        for day in range(5):
            shifts += [(day * DAY + 8 * 60, day * DAY + 12 * 60)]
            shifts += [(day * DAY + 13 * 60, day * DAY + 17 * 60)]
        busy = sorted(
            (start, start + 60)
            for start in (
                rng.randrange(0, 5) * DAY + rng.choice((8, 9, 10, 14, 15)) * 60
                for _ in range(rng.randint(0, 3))
            )
        )
        merged: list[tuple[int, int]] = []
        for span in busy:
            if not merged or span[0] >= merged[-1][1]:
                merged.append(span)
        skills = frozenset(rng.sample(range(6), rng.randint(1, 3)))
        found.append(
            Tech(
                pk,
                f"Technician {pk:03d}",
                skills,
                rng.choice(REGIONS),
                tuple(shifts),
                tuple(merged),
            )
        )
    return found


def appointments(rng: random.Random, count: int) -> list[Job]:
    found = []
    for pk in range(1, count + 1):
        earliest = rng.randrange(0, 4) * DAY + rng.choice((8, 13)) * 60
        length = rng.choice((DAY // 2, DAY, 2 * DAY, 5 * DAY))
        latest = min(earliest + length, 4 * DAY + 17 * 60)
        region = "" if rng.random() < 0.2 else rng.choice(REGIONS)
        skills = frozenset(rng.sample(range(6), rng.randint(0, 2)))
        duration = rng.choice((30, 60, 60, 90, 120, 180, 240))
        found.append(Job(pk, duration, earliest, latest, skills, region))
    return found


def run(args: argparse.Namespace) -> dict[str, Any]:
    rng = random.Random(args.seed)
    techs, jobs = technicians(rng, args.technicians), appointments(rng, args.appointments)
    times, naive_times = [], []
    result = baseline = None
    for _ in range(args.rounds):
        started = time.perf_counter()
        result = scheduling.schedule(techs, jobs)
        times.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        baseline = scheduling.naive(techs, jobs)
        naive_times.append((time.perf_counter() - started) * 1000)
    assert result is not None and baseline is not None
    reasons: dict[str, int] = {}
    for reason in result.unplaced.values():
        reasons[reason] = reasons.get(reason, 0) + 1
    return {
        "bench": "service_dispatch",
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "appointments": len(jobs),
        "technicians": len(techs),
        "rounds": args.rounds,
        "schedule_ms": {
            "p50": round(sorted(times)[len(times) // 2], 1),
            "max": round(max(times), 1),
        },
        "naive_ms": round(sorted(naive_times)[len(naive_times) // 2], 1),
        "scheduled": len(result.placements),
        "naive_scheduled": len(baseline.placements),
        "winner": result.method,
        "unplaced_by_reason": reasons,
        "sum_of_end_minutes": {"schedule": result.score[1], "naive": baseline.score[1]},
    }


def main(argv: list[str] | None = None) -> None:
    print(json.dumps(run(parse_args(argv)), indent=2))


if __name__ == "__main__":
    main()
