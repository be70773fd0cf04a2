"""Activities on the single customer view: which ones each record gathers, and who sees them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from clientela.activities.services import activity_create
from clientela.customers.models import AccountContact, Lead
from clientela.customers.services import account_create, contact_create


@pytest.fixture
def rep(make_user, make_team):
    return make_user("sales-rep", teams=[make_team("North")])


def log(actor, subject, minutes_ago, **links):
    return activity_create(
        actor=actor,
        values={
            "kind": "call",
            "subject": subject,
            "status": "done",
            "due_at": timezone.now() - timedelta(minutes=minutes_ago),
            **links,
        },
    )


def activity_titles(response) -> list[str]:
    assert response.status_code == 200
    return [e.title for e in response.context["entries"] if e.kind == "activities"]


def test_an_account_gathers_its_own_its_contacts_and_its_converted_leads_activities(rep, logged_in):
    acme = account_create(actor=rep, values={"name": "Acme"})
    other = account_create(actor=rep, values={"name": "Other"})
    ana = contact_create(actor=rep, values={"first_name": "Ana", "account": acme.pk})
    bia = contact_create(actor=rep, values={"first_name": "Bia"})
    AccountContact.objects.create(account=acme, contact=bia, role="buyer")
    lead = Lead.objects.create(
        owner=rep, team=rep.teams.get(), company="Acme", status="converted", converted_account=acme
    )
    log(rep, "On the account", 50, account=acme)
    log(rep, "With Ana", 40, contact=ana)
    log(rep, "With Bia", 30, contact=bia)
    log(rep, "Before conversion", 60, lead=lead)
    log(rep, "Elsewhere", 10, account=other)

    response = logged_in(rep).get(f"/timeline/customers.account/{acme.pk}/")

    assert activity_titles(response) == [
        "Call: With Bia",
        "Call: With Ana",
        "Call: On the account",
        "Call: Before conversion",
    ]


def test_a_contact_gathers_the_history_of_leads_converted_into_it(rep, logged_in):
    ana = contact_create(actor=rep, values={"first_name": "Ana"})
    lead = Lead.objects.create(
        owner=rep,
        team=rep.teams.get(),
        first_name="Ana",
        status="converted",
        converted_contact=ana,
    )
    log(rep, "As a lead", 120, lead=lead)
    log(rep, "As a contact", 5, contact=ana)

    response = logged_in(rep).get(f"/timeline/customers.contact/{ana.pk}/")
    lead_view = logged_in(rep).get(f"/timeline/customers.lead/{lead.pk}/")

    assert activity_titles(response) == ["Call: As a contact", "Call: As a lead"]
    assert activity_titles(lead_view) == ["Call: As a lead"]


def test_only_activities_the_actor_may_see_appear(rep, logged_in, make_user):
    acme = account_create(actor=rep, values={"name": "Acme"})
    admin = make_user("administrator")
    log(rep, "Mine", 10, account=acme)
    log(admin, "The admin's private call", 5, account=acme)

    as_rep = logged_in(rep).get(f"/timeline/customers.account/{acme.pk}/")
    as_admin = logged_in(admin).get(f"/timeline/customers.account/{acme.pk}/")

    assert activity_titles(as_rep) == ["Call: Mine"]
    assert activity_titles(as_admin) == ["Call: The admin's private call", "Call: Mine"]
    assert "private call" not in as_rep.content.decode()


def test_entries_link_to_the_activity_and_carry_icon_status_and_outcome(rep, logged_in):
    acme = account_create(actor=rep, values={"name": "Acme"})
    call = activity_create(
        actor=rep,
        values={
            "kind": "call",
            "subject": "Pricing",
            "status": "done",
            "account": acme,
            "outcome": "Wants 10 seats",
            "duration_minutes": 12,
        },
    )

    entry = next(
        e
        for e in logged_in(rep).get(f"/timeline/customers.account/{acme.pk}/").context["entries"]
        if e.kind == "activities"
    )

    assert entry.url == f"/activities/{call.pk}/"
    assert (entry.icon, entry.badge, entry.actor) == ("call", "Done", rep.display_name)
    assert entry.detail == "12 min\nWants 10 seats"


def test_filter_chips_split_activities_from_changes(rep, logged_in):
    acme = account_create(actor=rep, values={"name": "Acme"})
    log(rep, "Ring", 1, account=acme)
    client = logged_in(rep)
    url = f"/timeline/customers.account/{acme.pk}/"

    only_activities = client.get(url, {"kind": "activities"}, headers={"HX-Target": "timeline"})
    only_changes = client.get(url, {"kind": "changes"})

    assert {e.kind for e in only_activities.context["entries"]} == {"activities"}
    assert {e.kind for e in only_changes.context["entries"]} == {"changes"}
    assert only_activities.context["part"] == "list"
    assert "timeline-composer" not in only_activities.content.decode()


def test_the_quick_log_form_sits_above_the_timeline_for_those_who_may_log(
    rep, logged_in, make_user
):
    acme = account_create(actor=rep, values={"name": "Acme"})
    viewer = make_user("read-only")

    as_rep = logged_in(rep).get(f"/timeline/customers.account/{acme.pk}/")
    as_viewer = logged_in(viewer).get(f"/timeline/customers.account/{acme.pk}/")

    assert as_rep.context["composers"] == [f"/activities/log/?account={acme.pk}"]
    assert f'hx-get="/activities/log/?account={acme.pk}"' in as_rep.content.decode()
    assert as_viewer.context["composers"] == []


def test_paging_mixes_activities_and_changes_without_gaps(rep, logged_in, monkeypatch):
    acme = account_create(actor=rep, values={"name": "Acme"})
    for n in range(5):
        log(rep, f"Call {n}", 100 - n, account=acme)
    monkeypatch.setattr("clientela.platform.views.timeline.PAGE_SIZE", 2)
    client = logged_in(rep)
    url = f"/timeline/customers.account/{acme.pk}/"

    titles, params = [], {}
    for _ in range(10):
        page = client.get(url, params).context["page"]
        titles += [e.title for e in page.entries]
        if not page.next_cursor:
            break
        params = {"cursor": page.next_cursor}

    assert titles == [
        "Created",
        "Call: Call 4",
        "Call: Call 3",
        "Call: Call 2",
        "Call: Call 1",
        "Call: Call 0",
    ]


def test_the_timeline_costs_the_same_queries_for_few_or_many_activities(rep, logged_in):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    acme = account_create(actor=rep, values={"name": "Acme"})
    ana = contact_create(actor=rep, values={"first_name": "Ana", "account": acme.pk})
    client = logged_in(rep)
    url = f"/timeline/customers.account/{acme.pk}/"
    client.get(url)

    def queries_after(n: int) -> int:
        for i in range(n):
            log(rep, f"c{i}", i + 1, contact=ana)
        with CaptureQueriesContext(connection) as captured:
            client.get(url)
        return len(captured)

    assert queries_after(2) == queries_after(12)


def test_hostile_text_is_escaped_on_the_timeline(rep, logged_in):
    acme = account_create(actor=rep, values={"name": "Acme"})
    activity_create(
        actor=rep,
        values={
            "kind": "note",
            "subject": "<script>alert(1)</script>",
            "account": acme,
            "body": "<img src=x onerror=alert(2)>\nsecond line",
        },
    )

    html = logged_in(rep).get(f"/timeline/customers.account/{acme.pk}/").content.decode()

    assert "<script>alert(1)</script>" not in html and "<img src=x" not in html
    assert "Note: &lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(2)&gt;<br>second line" in html
