"""The scheduler: which technician visits when. Pure functions on plain data, no models.

Times are whole minutes since the Unix epoch (UTC), so the arithmetic is exact and cheap; the
caller (``dispatch.py``) turns calendars, bookings and appointments into these shapes and the
answer back into instants.

What a placement must respect (``check`` says which rule a given placement breaks):

* the technician has every skill the appointment needs;
* the regions are equal (ignoring case and spaces); an appointment with no region goes anywhere;
* the visit lies inside one of the technician's working spans (it never spans a closed period,
  such as lunch or the night);
* it overlaps none of the technician's other bookings;
* it starts no earlier than the window's start and ends no later than its end.

Starts are on a grid of ``STEP`` minutes (15), as the dispatch board shows them.

The heuristic (``schedule``)
    A greedy placement is run in three orders of the appointments:

    1. earliest deadline first (the window's end), ties: the fewest eligible technicians, then
       the longest visit;
    2. most constrained first (the fewest eligible technicians), then the deadline;
    3. longest first, then the deadline.

    Each pass takes the appointments in its order and gives each the (technician, start) whose
    visit *finishes earliest* ("best fit": it leaves the most time after it), ties to the
    technician with the fewest minutes booked so far, then to the first by name.

    The naive assignment (``naive``) is computed too: the appointments in the order they were
    created, each given to the first technician by name who can take it, at that technician's
    first free slot. Of all the candidates the one that places the most appointments wins, and
    among those the smallest sum of end times (the work done soonest). Naive is one of the
    candidates, so **the result is never worse than naive by construction**; the tests check it
    over random instances, and that the heuristic often does strictly better.
"""

from __future__ import annotations

from bisect import insort
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

STEP = 15
Span = tuple[int, int]  # [start, end) in minutes since the epoch

# why an appointment could not be placed, or a placement is refused
SKILLS = "skills"  # no (such) technician has every skill needed
REGION = "region"  # none with the skills works in the region
TIME = "time"  # none with the skills and region has a free slot in the window
WINDOW = "window"  # the placement falls outside the appointment's window
HOURS = "hours"  # outside the technician's working hours
OVERLAP = "overlap"  # another booking of the technician is then
INACTIVE = "inactive"  # the technician does not go on site now


@dataclass(frozen=True)
class Tech:
    id: int
    name: str
    skills: frozenset[int]
    region: str
    shifts: tuple[Span, ...]  # working spans, sorted and apart
    busy: tuple[Span, ...] = ()  # bookings already made (other appointments)


@dataclass(frozen=True)
class Job:
    id: int
    duration: int  # minutes
    earliest: int  # the visit starts at or after this
    latest: int  # and ends at or before this
    skills: frozenset[int] = frozenset()
    region: str = ""


@dataclass(frozen=True)
class Placement:
    job: int
    tech: int
    start: int
    end: int


@dataclass
class Result:
    placements: list[Placement] = field(default_factory=list)
    unplaced: dict[int, str] = field(default_factory=dict)  # job id -> SKILLS, REGION or TIME
    method: str = ""

    @property
    def score(self) -> tuple[int, int]:
        """Smaller is better: the most placed, then the smallest sum of end times."""
        return (-len(self.placements), sum(p.end for p in self.placements))


def _region(text: str) -> str:
    return " ".join(text.split()).casefold()


def has_skills(tech: Tech, job: Job) -> bool:
    return job.skills <= tech.skills


def in_region(tech: Tech, job: Job) -> bool:
    return not _region(job.region) or _region(job.region) == _region(tech.region)


def eligible(tech: Tech, job: Job) -> bool:
    return has_skills(tech, job) and in_region(tech, job)


def _up(minute: int, step: int) -> int:
    return -(-minute // step) * step


def check(tech: Tech, job: Job, start: int, busy: Iterable[Span] | None = None) -> str | None:
    """Why ``job`` may not start at ``start`` with ``tech`` (a reason code), or None if it may.
    ``busy`` defaults to the technician's bookings; leave the job's own booking out of it."""
    end = start + job.duration
    if not has_skills(tech, job):
        return SKILLS
    if not in_region(tech, job):
        return REGION
    if start < job.earliest or end > job.latest:
        return WINDOW
    if not any(s <= start and end <= e for s, e in tech.shifts):
        return HOURS
    if any(s < end and start < e for s, e in (tech.busy if busy is None else busy)):
        return OVERLAP
    return None


def first_slot(
    shifts: Sequence[Span], busy: Sequence[Span], job: Job, step: int = STEP
) -> int | None:
    """The earliest start on the grid where ``job`` fits in a shift between sorted bookings."""
    for shift_start, shift_end in shifts:
        low, high = max(shift_start, job.earliest), min(shift_end, job.latest)
        if high - low < job.duration:
            continue
        start = _up(low, step)
        for busy_start, busy_end in busy:
            if busy_end <= start:
                continue
            if busy_start >= high or start + job.duration <= busy_start:
                break
            start = _up(busy_end, step)
        if start + job.duration <= high:
            return start
    return None


class _Board:
    """The bookings as a pass makes them: per technician, sorted, and the minutes booked."""

    def __init__(self, techs: Sequence[Tech]) -> None:
        self.techs = sorted(techs, key=lambda t: (t.name.casefold(), t.id))
        self.busy = {t.id: sorted(t.busy) for t in techs}
        self.load = dict.fromkeys(self.busy, 0)

    def slot(self, tech: Tech, job: Job, step: int) -> int | None:
        return first_slot(tech.shifts, self.busy[tech.id], job, step)

    def book(self, result: Result, tech: Tech, job: Job, start: int) -> None:
        insort(self.busy[tech.id], (start, start + job.duration))
        self.load[tech.id] += job.duration
        result.placements.append(Placement(job.id, tech.id, start, start + job.duration))


def why_not(techs: Sequence[Tech], job: Job) -> str:
    """The reason nobody could take ``job``: the first constraint that nobody passes."""
    skilled = [t for t in techs if has_skills(t, job)]
    if not skilled:
        return SKILLS
    if not any(in_region(t, job) for t in skilled):
        return REGION
    return TIME


def naive(techs: Sequence[Tech], jobs: Sequence[Job], step: int = STEP) -> Result:
    """The baseline: creation order (the ids), first technician by name who can, first slot."""
    board, result = _Board(techs), Result(method="naive")
    for job in sorted(jobs, key=lambda j: j.id):
        for tech in board.techs:
            start = board.slot(tech, job, step) if eligible(tech, job) else None
            if start is not None:
                board.book(result, tech, job, start)
                break
        else:
            result.unplaced[job.id] = why_not(techs, job)
    return result


def _greedy(
    techs: Sequence[Tech], jobs: Sequence[Job], order: Callable[[Job], tuple], step: int, name: str
) -> Result:
    board, result = _Board(techs), Result(method=name)
    for job in sorted(jobs, key=order):
        best: tuple[int, int, int, Tech] | None = None
        for rank, tech in enumerate(board.techs):
            start = board.slot(tech, job, step) if eligible(tech, job) else None
            if start is None:
                continue
            key = (start + job.duration, board.load[tech.id], rank, tech)
            if best is None or key[:3] < best[:3]:
                best = key
        if best is None:
            result.unplaced[job.id] = why_not(techs, job)
        else:
            board.book(result, best[3], job, best[0] - job.duration)
    return result


def schedule(techs: Sequence[Tech], jobs: Sequence[Job], step: int = STEP) -> Result:
    """The best of the heuristic's passes and the naive assignment (see the module's text)."""
    options = {j.id: sum(1 for t in techs if eligible(t, j)) for j in jobs}
    orders: dict[str, Callable[[Job], tuple]] = {
        "deadline": lambda j: (j.latest, options[j.id], -j.duration, j.id),
        "constrained": lambda j: (options[j.id], j.latest, -j.duration, j.id),
        "longest": lambda j: (-j.duration, j.latest, j.id),
    }
    candidates = [_greedy(techs, jobs, order, step, name) for name, order in orders.items()]
    candidates.append(naive(techs, jobs, step))
    return min(candidates, key=lambda r: r.score)  # the first on a tie: a heuristic pass
