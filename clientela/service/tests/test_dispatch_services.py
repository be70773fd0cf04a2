"""Field service through its services: find a slot, move a visit (and every rule that refuses
one, with nothing written), cancel and finish, "Schedule all" with its reasons, the mirrored
meeting in the technician's iCalendar feed, visibility, and tickets assigned by skill."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse

from clientela.activities.models import Activity
from clientela.activities.services import calendar_feed_regenerate
from clientela.customers.services import account_create
from clientela.platform.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from clientela.platform.models import Role, Team, User
from clientela.service import dispatch
from clientela.service.configuration import category_save, queue_save
from clientela.service.demo_dispatch import add_demo_dispatch
from clientela.service.dispatch_staff import skill_save, technician_save
from clientela.service.models import Appointment, Asset, Queue, Technician, Ticket
from clientela.service.services import ticket_create

SP = ZoneInfo("America/Sao_Paulo")
MON = dt.date(2030, 3, 4)  # a Monday; technicians without a calendar work 08:00-17:00


def at(days: int, hour: int, minute: int = 0) -> dt.datetime:
    day = MON + dt.timedelta(days=days)
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=SP)


@dataclass
class Desk:
    admin: Any
    agent: Any
    stranger: Any
    ana: Any
    bia: Any
    skills: SimpleNamespace
    techs: SimpleNamespace
    queue: Queue
    category: Any
    ticket: Ticket


def person(role: str, username: str, team: Team | None = None, **extra: Any) -> User:
    """A user who never signs in (no password to hash: argon2 costs a third of a second)."""
    role_row = Role.objects.get(slug=role)
    user = User(username=username, email=f"{username}@example.com", role=role_row, **extra)
    user.set_unusable_password()
    user.save()
    if team is not None:
        user.teams.set([team])
    return user


def build(admin: User | None = None) -> Desk:
    """A field team: Ana (refrigeration, electrical) and Bia (refrigeration) in the south, a
    dispatcher, and a ticket about a freezer at a customer's in the south."""
    team, other = Team.objects.create(name="Field"), Team.objects.create(name="Elsewhere")
    admin = admin or person("administrator", "boss")
    agent = person("service-agent", "dina", team)
    stranger = person("service-agent", "sam", other)
    ana = person("service-agent", "ana", team, first_name="Ana")
    bia = person("service-agent", "bia", team, first_name="Bia")
    names = ("Refrigeration", "Electrical", "Welding")
    fridge, elec, weld = (skill_save(actor=admin, values={"name": n}) for n in names)
    skills = SimpleNamespace(fridge=fridge, elec=elec, weld=weld)
    techs = SimpleNamespace(
        ana=technician_save(
            actor=admin, values={"user": ana.pk, "skills": [fridge.pk, elec.pk], "region": "Sul"}
        ),
        bia=technician_save(
            actor=admin, values={"user": bia.pk, "skills": [fridge.pk], "region": "sul"}
        ),
    )
    category = category_save(actor=admin, values={"name": "Cooling", "skills": [fridge.pk]})
    queue = queue_save(actor=admin, values={"name": "Field", "lead": agent.pk, "team": team.pk})
    account = account_create(actor=agent, values={"name": "Padaria Sul"})
    asset = Asset.objects.create(
        account=account,
        owner=agent,
        team=team,
        product_name="Freezer",
        location="Rua das Flores, 10",
        region="Sul",
    )
    values = {"subject": "Freezer warm", "queue": queue.pk, "category": category.pk}
    ticket = ticket_create(actor=agent, values=values)
    Ticket.objects.filter(pk=ticket.pk).update(asset=asset)
    ticket.refresh_from_db()
    return Desk(admin, agent, stranger, ana, bia, skills, techs, queue, category, ticket)


@pytest.fixture
def desk(db) -> Desk:
    return build()


def plan(desk: Desk, **values: Any) -> Appointment:
    window = {"duration_minutes": 60, "earliest": at(0, 8), "latest": at(4, 17)}
    return dispatch.appointment_create(
        actor=desk.agent, ticket_id=desk.ticket.pk, values={**window, **values}
    )


def test_find_a_slot_books_the_earliest_and_puts_it_in_the_technicians_feed(desk):
    first = plan(desk)
    assert [s.name for s in first.skills.all()] == ["Refrigeration"]  # the category's
    assert first.region == "Sul"  # the asset's
    first = dispatch.appointment_schedule(actor=desk.agent, appointment_id=first.pk)
    second = dispatch.appointment_schedule(actor=desk.agent, appointment_id=plan(desk).pk)
    # both free at 08:00: Ana first by name; then Bia finishes earliest
    assert (first.technician, first.starts_at, first.ends_at) == (
        desk.techs.ana,
        at(0, 8),
        at(0, 9),
    )
    assert (second.technician, second.starts_at) == (desk.techs.bia, at(0, 8))
    assert first.status == "scheduled"

    meeting = Activity.objects.get(pk=first.activity_id)
    assert (meeting.kind, meeting.owner, meeting.due_at) == ("meeting", desk.ana, at(0, 8))
    assert meeting.subject == f"#{desk.ticket.pk} Freezer warm"
    assert (meeting.duration_minutes, meeting.location) == (60, "Rua das Flores, 10")
    assert (meeting.link_type, meeting.link_id) == ("service.ticket", desk.ticket.pk)

    secret = calendar_feed_regenerate(actor=desk.ana)
    feed = Client().get(reverse("activities:feed", args=[secret])).content.decode()
    assert f"SUMMARY:Meeting: #{desk.ticket.pk} Freezer warm" in feed
    assert "DTSTART:20300304T110000Z" in feed  # 08:00 in São Paulo
    assert "LOCATION:Rua das Flores\\, 10" in feed


def _refused(desk: Desk, appointment: Appointment, tech: Any, start: dt.datetime) -> str:
    with pytest.raises(ValidationFailed) as caught:
        dispatch.appointment_reschedule(
            actor=desk.agent, appointment_id=appointment.pk, technician_id=tech.pk, starts_at=start
        )
    appointment.refresh_from_db()
    assert (appointment.technician_id, appointment.activity_id) == (None, None)
    return next(iter(caught.value.errors))


def test_a_move_breaking_a_rule_is_refused_and_writes_nothing(desk):
    booked = dispatch.appointment_schedule(actor=desk.agent, appointment_id=plan(desk).pk)
    electrical = plan(desk, skills=[desk.skills.elec.pk])
    up_north = plan(desk, region="Norte")
    visit = plan(desk, earliest=at(1, 8))
    assert _refused(desk, electrical, desk.techs.bia, at(0, 10)) == "technician"  # skills
    assert _refused(desk, up_north, desk.techs.ana, at(0, 10)) == "technician"  # region
    assert _refused(desk, visit, desk.techs.ana, at(0, 10)) == "starts_at"  # window
    assert _refused(desk, visit, desk.techs.ana, at(1, 16, 30)) == "starts_at"  # hours
    assert _refused(desk, visit, desk.techs.ana, at(1, 7)) == "starts_at"  # before work
    with pytest.raises(ValidationFailed, match="another visit"):
        dispatch.appointment_reschedule(
            actor=desk.agent,
            appointment_id=plan(desk).pk,
            technician_id=desk.techs.ana.pk,
            starts_at=at(0, 8, 30),
        )
    technician_save(
        actor=desk.admin,
        values={"user": desk.bia.pk, "skills": [desk.skills.fridge.pk], "active": False},
        technician_id=desk.techs.bia.pk,
    )
    assert _refused(desk, visit, desk.techs.bia, at(1, 10)) == "technician"  # inactive

    # a valid move: to Ana on Tuesday; the meeting follows, to her calendar
    moved = dispatch.appointment_reschedule(
        actor=desk.agent,
        appointment_id=booked.pk,
        technician_id=desk.techs.ana.pk,
        starts_at=at(1, 13, 15).isoformat(),
    )
    meeting = Activity.objects.get(pk=booked.activity_id)
    assert (moved.starts_at, moved.ends_at) == (at(1, 13, 15), at(1, 14, 15))
    assert (meeting.owner, meeting.due_at, meeting.status) == (desk.ana, at(1, 13, 15), "planned")


def test_cancel_frees_the_slot_and_done_closes_the_meeting(desk):
    first = dispatch.appointment_schedule(actor=desk.agent, appointment_id=plan(desk).pk)
    dispatch.appointment_cancel(actor=desk.agent, appointment_id=first.pk)
    assert Activity.objects.get(pk=first.activity_id).status == "cancelled"
    with pytest.raises(Conflict):
        dispatch.appointment_done(actor=desk.agent, appointment_id=first.pk)
    again = dispatch.appointment_schedule(actor=desk.agent, appointment_id=plan(desk).pk)
    assert (again.technician, again.starts_at) == (desk.techs.ana, at(0, 8))  # freed
    dispatch.appointment_done(actor=desk.agent, appointment_id=again.pk)
    assert Activity.objects.get(pk=again.activity_id).status == "done"
    with pytest.raises(Conflict):
        dispatch.appointment_cancel(actor=desk.agent, appointment_id=again.pk)


def test_schedule_all_places_what_fits_and_says_why_the_rest_does_not(desk):
    fits = [plan(desk, duration_minutes=240) for _ in range(3)]
    nobody = plan(desk, skills=[desk.skills.weld.pk])
    far = plan(desk, region="Norte")
    late = plan(desk, duration_minutes=9 * 60 + 15, latest=at(4, 17, 30))  # longer than a day
    report = dispatch.schedule_range(actor=desk.agent, first=MON, last=MON + dt.timedelta(days=4))
    assert sorted(a.pk for a in report.scheduled) == [a.pk for a in fits]
    assert [(a.pk, r) for a, r in report.unplaced] == [
        (nobody.pk, "skills"),
        (far.pk, "region"),
        (late.pk, "time"),
    ]
    placed = Appointment.objects.filter(pk__in=[a.pk for a in fits]).order_by("starts_at", "pk")
    # two 4-hour visits on Monday morning (one each), the third after it
    assert [(a.technician_id, a.starts_at) for a in placed][:2] == [
        (desk.techs.ana.pk, at(0, 8)),
        (desk.techs.bia.pk, at(0, 8)),
    ]
    assert report.naive_count <= len(report.scheduled)
    with pytest.raises(ValidationFailed):
        dispatch.schedule_range(actor=desk.agent, first=MON, last=MON - dt.timedelta(days=1))


def test_another_teams_visit_is_not_found_and_bad_input_writes_nothing(desk):
    visit = plan(desk)
    for call in (dispatch.appointment_schedule, dispatch.appointment_cancel):
        with pytest.raises(NotFound):
            call(actor=desk.stranger, appointment_id=visit.pk)
    with pytest.raises(NotFound):
        dispatch.appointment_create(
            actor=desk.stranger, ticket_id=desk.ticket.pk, values={"duration_minutes": 60}
        )
    with pytest.raises(PermissionDenied):
        plan_as = person("read-only", "reader")
        dispatch.appointment_create(actor=plan_as, ticket_id=desk.ticket.pk, values={})
    with pytest.raises(ValidationFailed) as caught:
        plan(desk, duration_minutes=5, latest=at(0, 8), skills=[999999], region="x" * 61)
    assert set(caught.value.errors) == {"duration_minutes", "latest", "skills", "region"}
    assert Appointment.objects.count() == 1


def test_by_skill_gives_the_least_loaded_of_those_with_every_skill(desk):
    queue = queue_save(
        actor=desk.admin,
        values={
            "name": "Repairs",
            "lead": desk.agent.pk,
            "team": desk.queue.team_id,
            "assignment": "by_skill",
        },
    )
    electrical = category_save(
        actor=desk.admin, values={"name": "Wiring", "skills": [desk.skills.elec.pk]}
    )
    welding = category_save(
        actor=desk.admin, values={"name": "Welds", "skills": [desk.skills.weld.pk]}
    )

    def new(category: Any) -> Ticket:
        values = {"subject": "Broken", "queue": queue.pk, "category": category.pk}
        return ticket_create(actor=desk.agent, values=values)

    assert new(desk.category).assignee == desk.ana  # both can; none has work: the lower id
    assert new(desk.category).assignee == desk.bia  # Ana has one now
    assert new(electrical).assignee == desk.ana  # only she does wiring
    # nobody welds: least loaded of the whole team (the dispatcher, with nothing yet)
    assert new(welding).assignee == desk.agent


def test_the_demo_plans_visits_for_open_tickets_once(desk):
    assert add_demo_dispatch(desk.admin, seed=3, now=at(-3, 12)) == 1
    visit = Appointment.objects.get()
    assert visit.status == "scheduled" and visit.activity_id is not None
    assert Technician.objects.filter(user=desk.agent).exists()  # the agents got profiles
    assert add_demo_dispatch(desk.admin, seed=3, now=at(-3, 12)) == 0
