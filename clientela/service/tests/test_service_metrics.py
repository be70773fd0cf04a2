"""Service metrics against hand-computed answers on a small desk: volumes, the backlog and its
series, response and resolution times, SLA compliance, first-contact resolution and CSAT, by
channel, priority and agent; within what the actor sees; the report page with its charts and
the API giving the same figures."""

from __future__ import annotations

import datetime as dt

import pytest
from defusedxml import ElementTree
from hypothesis import given
from hypothesis import strategies as st

from clientela.service import metrics
from clientela.service.models import Queue, SlaPolicy, Ticket
from clientela.service.services import ticket_open

MARCH = metrics.Period.days(dt.date(2026, 3, 1), dt.date(2026, 3, 31), dt.UTC)
QUERY = {"start": "2026-03-01", "end": "2026-03-31"}


def at(day: int, hour: int = 9, minute: int = 0, month: int = 3) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=dt.UTC)


def ticket(queue: Queue, channel: str, created: dt.datetime, **values) -> Ticket:
    """A ticket opened at ``created``, then given the timestamps and flags a test wants."""
    priority = values.pop("priority", "normal")
    values.setdefault("sla_policy", None)  # the policy of the fixture would match every ticket
    made = ticket_open(
        actor=None,
        values={"subject": f"{channel} {created:%d %H:%M}", "queue": queue, "priority": priority},
        channel=channel,
        now=created,
    )
    Ticket.objects.filter(pk=made.pk).update(created_at=created, **values)
    return made


@pytest.fixture
def desk(make_team):
    return make_team("Desk")


@pytest.fixture
def ana(make_user, desk):
    return make_user("service-agent", teams=[desk], first_name="Ana", time_zone="UTC")


@pytest.fixture
def bia(make_user, desk):
    return make_user("service-agent", teams=[desk], first_name="Bia", time_zone="UTC")


@pytest.fixture
def stranger(make_user, make_team):
    """A service agent of another team."""
    return make_user("service-agent", teams=[make_team("Field")], time_zone="UTC")


@pytest.fixture
def support(ana, desk):
    return Queue.objects.create(name="Support", lead=ana, team=desk)


@pytest.fixture
def tickets(support, ana, bia):
    """Seven tickets; six touch March 2026 (t6 was done with in February)."""
    policy = SlaPolicy.objects.create(name="Standard", targets={})
    sla = {"sla_policy": policy}
    return {
        "t1": ticket(  # answered in 30 minutes, resolved in 2 hours, on first contact, a 5
            support, "email", at(2), priority="high", status="resolved", assignee=ana,
            first_responded_at=at(2, 9, 30), resolved_at=at(2, 11),
            first_contact_resolution=True, csat_score=5, **sla,
        ),
        "t2": ticket(  # answered in 90 minutes, resolved late in 26 hours, then closed, a 3
            support, "email", at(3), status="closed", assignee=bia,
            first_responded_at=at(3, 10, 30), resolved_at=at(4, 11), closed_at=at(5),
            resolution_breached=True, first_contact_resolution=False, csat_score=3, **sla,
        ),
        "t3": ticket(  # answered late in an hour, still open
            support, "phone", at(4), priority="high", status="open", assignee=ana,
            first_responded_at=at(4, 10), first_response_breached=True, **sla,
        ),
        "t4": ticket(support, "phone", at(5), priority="urgent", status="new"),
        "t5": ticket(  # opened in February, resolved in March after 18 days, a 4
            support, "portal", at(20, month=2), status="resolved", assignee=bia,
            first_responded_at=at(20, 10, month=2), resolved_at=at(10), csat_score=4, **sla,
        ),
        "t6": ticket(
            support, "email", at(10, month=2), priority="low", status="closed",
            resolved_at=at(12, month=2), closed_at=at(12, month=2),
        ),
        "t7": ticket(support, "chat", at(20), status="pending", assignee=ana),
    }  # fmt: skip


def test_the_figures_of_a_month(ana, bia, tickets):
    report = metrics.service_metrics(ana, MARCH)

    f = report.figures
    assert (f.created, f.resolved, f.backlog) == (5, 3, 3)
    # first responses in March under a policy: t1, t2 on time, t3 late
    assert (f.first_response_met, f.first_response_total) == (2, 3)
    assert f.first_response_compliance == pytest.approx(2 / 3)
    # resolutions in March under a policy: t1, t5 on time, t2 late
    assert (f.resolution_met, f.resolution_total) == (2, 3)
    # t1 on first contact, t2 not, t5 not judged
    assert (f.first_contact_resolved, f.first_contact_known, f.first_contact_rate) == (1, 2, 0.5)
    assert (f.csat_count, f.csat_mean, f.csat_satisfied) == (3, 4.0, 2)
    assert f.csat_satisfied_rate == pytest.approx(2 / 3)
    # 30, 60 and 90 minutes; 2 hours, 26 hours and 18 days
    assert report.first_response == metrics.Times(3, 1.0, 1.4)  # 60 + (90 - 60) * 0.8 minutes
    assert report.resolution == metrics.Times(3, 26.0, 350.8)  # 26 + (432 - 26) * 0.8 hours
    assert not report.empty


def test_the_breakdowns_by_channel_priority_and_agent(ana, bia, tickets):
    report = metrics.service_metrics(ana, MARCH)

    def rows(groups):
        return [(g.key, g.figures.created, g.figures.resolved, g.figures.backlog) for g in groups]

    assert rows(report.by_channel) == [
        ("email", 2, 2, 0),
        ("phone", 2, 0, 2),
        ("portal", 0, 1, 0),
        ("chat", 1, 0, 1),
    ]
    assert rows(report.by_priority) == [
        ("urgent", 1, 0, 1),
        ("high", 2, 1, 1),
        ("normal", 2, 2, 1),
    ]
    high, normal = report.by_priority[1].figures, report.by_priority[2].figures
    assert (high.first_response_compliance, high.resolution_compliance) == (0.5, 1.0)
    assert (normal.first_response_compliance, normal.resolution_compliance) == (1.0, 0.5)
    assert [(g.key, g.label) for g in report.by_agent] == [
        (bia.pk, bia.display_name),
        (ana.pk, ana.display_name),
        (None, "Unassigned"),
    ]
    assert rows(report.by_agent) == [(bia.pk, 1, 2, 0), (ana.pk, 3, 1, 2), (None, 1, 0, 1)]
    assert report.by_channel[0].label == "E-mail"


def test_the_backlog_at_the_end_of_each_day(ana, tickets):
    report = metrics.service_metrics(ana, MARCH)

    assert MARCH.step == "day" and len(report.series) == 31
    by_day = {p.start.day: (p.created, p.resolved, p.backlog) for p in report.series}
    assert by_day[1] == (0, 0, 1)  # t5
    assert by_day[2] == (1, 1, 1)  # t1 came and went
    assert by_day[3] == (1, 0, 2)  # t2 came
    assert by_day[4] == (1, 1, 2)  # t3 came, t2 went
    assert by_day[5] == (1, 0, 3)  # t4 came
    assert by_day[10] == (0, 1, 2)  # t5 went
    assert by_day[20] == (1, 0, 3)  # t7 came
    assert by_day[31] == (0, 0, 3)  # the backlog now
    assert sum(p.created for p in report.series) == 5


def test_long_periods_are_charted_by_week_and_by_month(ana, tickets):
    weeks = metrics.Period.days(dt.date(2026, 2, 1), dt.date(2026, 4, 30), dt.UTC)
    report = metrics.service_metrics(ana, weeks)

    assert weeks.step == "week"
    starts = [p.start for p in report.series]
    assert starts[:3] == [dt.date(2026, 2, 1), dt.date(2026, 2, 2), dt.date(2026, 2, 9)]
    assert all(d.weekday() == 0 for d in starts[1:])
    assert sum(p.created for p in report.series) == 7
    assert sum(p.resolved for p in report.series) == 4
    week_of_march_2 = next(p for p in report.series if p.start == dt.date(2026, 3, 2))
    assert week_of_march_2.backlog == 3  # t3, t4 and t5 at the end of Sunday 8 March
    years = metrics.Period.days(dt.date(2024, 1, 1), dt.date(2026, 12, 31), dt.UTC)
    assert years.step == "month"
    by_month = metrics.service_metrics(ana, years).series
    assert len(by_month) == 36 and by_month[1].start == dt.date(2024, 2, 1)
    assert sum(p.created for p in by_month) == 7


def test_an_agent_of_another_team_sees_nothing(stranger, tickets):
    report = metrics.service_metrics(stranger, MARCH)

    assert report.figures == metrics.Figures()
    assert report.empty
    assert report.first_response == metrics.Times(0, None, None)
    assert {p.backlog for p in report.series} == {0}


def test_one_queue_only(ana, support, tickets):
    billing = Queue.objects.create(name="Billing", lead=ana, team=support.team)
    ticket(billing, "email", at(6))

    assert metrics.service_metrics(ana, MARCH).figures.created == 6
    only = metrics.service_metrics(ana, MARCH, queue_id=billing.pk)
    assert (only.figures.created, only.figures.backlog) == (1, 1)
    assert [g.key for g in only.by_channel] == ["email"]


def test_durations_are_counted_to_the_minute_then_coarser(ana, support):
    base = at(2)
    for minutes in (59, 2 * 24 * 60 + 20, 40 * 24 * 60 + 11 * 60):
        done = base + dt.timedelta(minutes=minutes, seconds=20)
        ticket(support, "email", base, status="resolved", resolved_at=done)
    took = Ticket.objects.annotate(m=metrics.MinutesBetween("created_at", "resolved_at"))
    assert sorted(t.m for t in took) == [59, 2900, 58260]
    # to the minute below two days, to the hour below thirty, to the day beyond:
    # 59 minutes, 48 hours (not 48h20) and 40 days (not 40d11h)
    period = metrics.Period.days(base.date(), base.date() + dt.timedelta(days=60), dt.UTC)
    report = metrics.service_metrics(ana, period)
    assert report.resolution == metrics.Times(3, 48.0, 777.6)  # 48 + (960 - 48) * 0.8


@given(
    st.lists(st.tuples(st.integers(-5, 400), st.integers(1, 4)), max_size=25),
    st.sampled_from([0, 0.25, 0.5, 0.9, 1]),
)
def test_the_histogram_percentile_interpolates_between_ranks(counts, q):
    values = sorted(v for v, n in counts for _i in range(n))
    expected = None
    if values:
        position = q * (len(values) - 1)
        low = int(position)
        high = min(low + 1, len(values) - 1)
        expected = values[low] + (values[high] - values[low]) * (position - low)
    got = metrics.percentile_from_histogram(counts, q)
    assert got == (None if expected is None else pytest.approx(expected))


# --- the page and the API --------------------------------------------------------------------


def test_the_page_shows_the_figures_and_three_charts(admin_user, tickets, logged_in):
    admin_user.time_zone = "UTC"
    admin_user.save()
    page = logged_in(admin_user).get("/reports/service/metrics/", QUERY)
    html = page.content.decode()

    assert page.status_code == 200
    assert "Service metrics" in html and "66.7%" in html and "4.00 / 5" in html
    assert "Unassigned" in html and "E-mail" in html and "Urgent" in html
    svgs = [part.split("</svg>")[0] + "</svg>" for part in html.split("<svg")[1:]]
    assert len(svgs) == 3
    for svg in svgs:
        ElementTree.fromstring("<svg" + svg)
    assert "SLA compliance by priority" in html


def test_the_page_has_an_empty_state_and_refuses_others(stranger, tickets, make_user, logged_in):
    html = logged_in(stranger).get("/reports/service/metrics/", QUERY).content.decode()
    assert "No tickets in this period" in html and "<svg" not in html
    for query in ({"start": "2026-02-30"}, {"start": "1990-01-01"}, {"queue": "x"}):
        bad = logged_in(stranger).get("/reports/service/metrics/", query)
        assert bad.status_code == 200 and 'role="alert"' in bad.content.decode(), query
    rep = logged_in(make_user("sales-rep"))
    assert rep.get("/reports/service/metrics/").status_code == 403


def test_the_api_gives_the_selectors_figures(ana, support, tickets, api_as):
    response = api_as(ana).get("/api/v1/service/metrics", {**QUERY, "queue": support.pk})
    body = response.json()

    assert response.status_code == 200
    report = metrics.service_metrics(ana, MARCH, support.pk)
    assert (body["start"], body["end"], body["time_zone"]) == ("2026-03-01", "2026-03-31", "UTC")
    assert body["queue_id"] == support.pk and body["step"] == "day"
    counts = {k: v for k, v in vars(report.figures).items() if k != "csat_sum"}
    assert {k: body["figures"][k] for k in counts} == counts
    assert (counts["created"], counts["resolved"], counts["backlog"]) == (5, 3, 3)
    assert body["figures"]["first_response_compliance"] == pytest.approx(2 / 3)
    assert (body["figures"]["first_contact_rate"], body["figures"]["csat_mean"]) == (0.5, 4.0)
    assert body["first_response"] == {"count": 3, "median_hours": 1.0, "p90_hours": 1.4}
    assert [g["key"] for g in body["by_channel"]] == ["email", "phone", "portal", "chat"]
    assert [g["assignee_id"] for g in body["by_agent"]] == [g.key for g in report.by_agent]
    assert [p["backlog"] for p in body["series"]] == [p.backlog for p in report.series]


def test_the_api_refuses_bad_periods_and_queues(ana, api_as, make_user):
    client = api_as(ana)
    for query in (
        {"start": "2026-02-30"},
        {"end": "tomorrow"},
        {"start": "2026-03-10", "end": "2026-03-01"},
        {"start": "2000-01-01", "end": "2026-01-01"},
        {"queue": 999999},
    ):
        response = client.get("/api/v1/service/metrics", query)
        assert response.status_code == 422, query
        assert response["Content-Type"].startswith("application/problem+json")
    default = client.get("/api/v1/service/metrics").json()
    first, last = (dt.date.fromisoformat(default[k]) for k in ("start", "end"))
    assert (last - first).days == 29
    assert api_as(make_user("sales-rep")).get("/api/v1/service/metrics").status_code == 403
