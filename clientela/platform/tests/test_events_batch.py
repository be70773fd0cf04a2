"""Many events at once (``events.emit_many``): after commit, to each subscriber's batch reaction
in one call, or one call per event to a subscriber without one; a failing one stops no other."""

from __future__ import annotations

from collections import defaultdict

import pytest

from clientela.platform import events


@pytest.fixture
def subscribers(monkeypatch, db):
    monkeypatch.setattr(events, "_subscribers", defaultdict(list))
    monkeypatch.setattr(events, "_batch_of", {})


def test_batch_reactions_get_every_event_in_one_call(
    subscribers, django_capture_on_commit_callbacks
):
    single: list[str] = []
    batches: list[list[str]] = []

    def one(event: events.Event) -> None:
        single.append(event.name)

    def counted(event: events.Event) -> None:
        raise AssertionError("the batch reaction should have been used")

    events.subscribe("*", one)
    events.subscribe(
        "x.thing.updated", counted, batch=lambda group: batches.append([e.name for e in group])
    )
    batch = [events.Event("x.thing.updated", None, {"id": n}) for n in range(3)]
    batch.append(events.Event("x.other.updated", None, {"id": 9}))

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        events.emit_many(batch)
        assert single == []  # nothing before the commit

    assert len(callbacks) == 1
    assert batches == [["x.thing.updated"] * 3]
    assert single == ["x.thing.updated"] * 3 + ["x.other.updated"]


def test_a_failing_batch_reaction_stops_no_other(subscribers, django_capture_on_commit_callbacks):
    seen: list[int] = []

    def broken(group: list[events.Event]) -> None:
        raise RuntimeError("down")

    events.subscribe("*", lambda event: None, batch=broken)
    events.subscribe("*", lambda event: seen.append(event.payload["id"]))

    with django_capture_on_commit_callbacks(execute=True):
        events.emit_many([events.Event("x.y.created", None, {"id": n}) for n in (1, 2)])

    assert seen == [1, 2]


def test_nothing_to_emit_registers_no_callback(subscribers, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        events.emit_many([])
    assert callbacks == []
