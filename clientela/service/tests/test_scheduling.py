"""The scheduler on plain data: each constraint, the reasons it gives, and that its answer is
never worse than the naive assignment (random seeded instances) and often better."""

from __future__ import annotations

import random

from clientela.service import scheduling as s
from clientela.service.scheduling import Job, Tech

DAY = 24 * 60
NINE, NOON, ONE, FIVE = 9 * 60, 12 * 60, 13 * 60, 17 * 60
SHIFTS = ((NINE, NOON), (ONE, FIVE))  # 09:00-12:00 and 13:00-17:00 of day 0


def tech(pk: int, name: str, skills=(), region="", busy=(), shifts=SHIFTS) -> Tech:
    return Tech(pk, name, frozenset(skills), region, tuple(shifts), tuple(busy))


def job(pk: int, duration=60, earliest=0, latest=DAY, skills=(), region="") -> Job:
    return Job(pk, duration, earliest, latest, frozenset(skills), region)


def test_each_constraint_is_kept_and_named():
    ana = tech(1, "Ana", skills={1, 2}, region="Sul", busy=[(NINE, NINE + 60)])
    # the first free slot: after the booking, on the 15-minute grid
    assert s.first_slot(ana.shifts, ana.busy, job(1)) == NINE + 60
    # a visit never spans lunch: 2 h from 11:00 goes to the afternoon
    assert s.first_slot(ana.shifts, ana.busy, job(2, 120, earliest=11 * 60)) == ONE
    # the window is kept: 10:07 rounds up to 10:15
    assert s.first_slot(ana.shifts, (), job(3, earliest=10 * 60 + 7)) == 10 * 60 + 15
    assert s.first_slot(ana.shifts, (), job(4, 60, earliest=16 * 60 + 30)) is None
    assert s.check(ana, job(5, skills={1, 3}), ONE) == s.SKILLS
    assert s.check(ana, job(5, region="Norte"), ONE) == s.REGION
    assert s.check(ana, job(5, region=" sul "), ONE) is None  # case and spaces ignored
    assert s.check(ana, job(5, earliest=14 * 60), ONE) == s.WINDOW
    assert s.check(ana, job(5), 11 * 60 + 30) == s.HOURS  # into lunch
    assert s.check(ana, job(5), NINE + 30) == s.OVERLAP
    assert s.check(ana, job(5), NINE + 30, busy=()) is None  # its own booking left out


def test_unplaced_appointments_say_why():
    techs = [tech(1, "Ana", skills={1}, region="Sul"), tech(2, "Bia", skills={2}, region="Norte")]
    jobs = [
        job(1, skills={3}),  # nobody has it
        job(2, skills={1}, region="Norte"),  # Ana has it, in the south only
        job(3, 8 * 60, skills={2}),  # longer than any working span
        job(4, skills={2}, region="norte"),
    ]
    result = s.schedule(techs, jobs)
    assert result.unplaced == {1: s.SKILLS, 2: s.REGION, 3: s.TIME}
    assert [(p.job, p.tech, p.start) for p in result.placements] == [(4, 2, NINE)]


def test_the_heuristic_beats_naive_where_naive_wastes_the_scarce_technician():
    # Ana (first by name) can do everything, Bia only general work. Naive gives the general
    # visit to Ana, and the specialist visit then finds nobody; best fit places both.
    techs = [
        tech(1, "Ana", skills={1}, shifts=[(NINE, NOON)]),
        tech(2, "Bia", shifts=[(NINE, NOON)]),
    ]
    jobs = [job(1, 180), job(2, 180, skills={1})]
    assert len(s.naive(techs, jobs).placements) == 1
    result = s.schedule(techs, jobs)
    assert {(p.job, p.tech) for p in result.placements} == {(1, 2), (2, 1)}
    assert result.method != "naive"


def _instance(rng: random.Random) -> tuple[list[Tech], list[Job]]:
    regions = ["", "Sul", "Norte"]
    techs = []
    for pk in range(1, rng.randint(2, 6)):
        shifts = [(d * DAY + NINE, d * DAY + NOON) for d in range(3)]
        shifts += [(d * DAY + ONE, d * DAY + FIVE) for d in range(3)]
        busy = [(DAY + NINE, DAY + NINE + 90)] if rng.random() < 0.3 else []
        skills = set(rng.sample(range(4), rng.randint(0, 3)))
        techs.append(tech(pk, f"T{rng.randint(0, 99):02d}", skills, rng.choice(regions[1:]), busy))
    techs = [Tech(t.id, t.name, t.skills, t.region, tuple(sorted(t.shifts)), t.busy) for t in techs]
    jobs = []
    for pk in range(1, rng.randint(3, 30)):
        earliest = rng.randrange(0, 2 * DAY, 15)
        latest = earliest + rng.choice([240, 480, DAY, 2 * DAY])
        skills = set(rng.sample(range(4), rng.randint(0, 2)))
        jobs.append(job(pk, rng.choice([30, 60, 90, 120, 240]), earliest, latest, skills))
        if rng.random() < 0.5:
            jobs[-1] = Job(
                pk, jobs[-1].duration, earliest, latest, frozenset(skills), rng.choice(regions)
            )
    return techs, jobs


def _valid(result: s.Result, techs: list[Tech], jobs: list[Job]) -> None:
    by_tech = {t.id: t for t in techs}
    by_job = {j.id: j for j in jobs}
    booked: dict[int, list[tuple[int, int]]] = {t.id: list(t.busy) for t in techs}
    for p in result.placements:
        assert s.check(by_tech[p.tech], by_job[p.job], p.start, booked[p.tech]) is None
        assert p.start % s.STEP == 0
        booked[p.tech].append((p.start, p.end))
    assert len(result.placements) + len(result.unplaced) == len(jobs)


def test_never_worse_than_naive_over_random_instances():
    better = 0
    for seed in range(30):
        techs, jobs = _instance(random.Random(seed))
        result, baseline = s.schedule(techs, jobs), s.naive(techs, jobs)
        _valid(result, techs, jobs)
        _valid(baseline, techs, jobs)
        assert len(result.placements) >= len(baseline.placements)
        if len(result.placements) == len(baseline.placements):
            assert result.score[1] <= baseline.score[1]
        better += result.score < baseline.score
    assert better >= 5  # and it is not naive in disguise
