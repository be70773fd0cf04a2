"""Activity services and pages: validation, visibility, completing, the agenda, quick log."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from clientela.activities.models import Activity
from clientela.activities.services import (
    activity_complete,
    activity_create,
    activity_delete,
    activity_update,
)
from clientela.customers.models import Lead
from clientela.customers.services import account_create, contact_create
from clientela.platform.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from clientela.platform.models import AuditEntry


@pytest.fixture
def north(make_user, make_team):
    team = make_team("North")
    return make_user("sales-rep", teams=[team])


@pytest.fixture
def south(make_user, make_team):
    return make_user("sales-rep", teams=[make_team("South")])


def soon(hours: int = 24):
    return timezone.now() + timedelta(hours=hours)


def test_a_meeting_is_created_with_owner_team_and_an_audit_entry(north):
    account = account_create(actor=north, values={"name": "Acme"})

    meeting = activity_create(
        actor=north,
        values={
            "kind": "meeting",
            "subject": " Kick-off ",
            "due_at": soon(),
            "duration_minutes": 60,
            "reminder_at": soon(23),
            "account": account.pk,
        },
    )

    meeting.refresh_from_db()
    assert (meeting.subject, meeting.status, meeting.account_id) == (
        "Kick-off",
        "planned",
        account.pk,
    )
    assert meeting.owner_id == north.pk
    assert meeting.team_id == north.teams.get().pk
    assert meeting.completed_at is None
    entry = AuditEntry.objects.get(object_type="activities.activity", object_id=str(meeting.pk))
    assert entry.action == "create"
    assert entry.changes["subject"] == [None, "Kick-off"]


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"kind": "meeting", "subject": "No date"}, "due_at"),
        ({"kind": "task", "subject": "No date"}, "due_at"),
        ({"kind": "call", "subject": "Long", "duration_minutes": 1441}, "duration_minutes"),
        ({"kind": "call", "subject": "Zero", "duration_minutes": 0}, "duration_minutes"),
        ({"kind": "call", "subject": "Text", "duration_minutes": "ten"}, "duration_minutes"),
        ({"kind": "call", "subject": ""}, "subject"),
        ({"kind": "dance", "subject": "What"}, "kind"),
        ({"kind": "call", "subject": "x", "status": "maybe"}, "status"),
        ({"kind": "call", "subject": "x", "direction": "sideways"}, "direction"),
        ({"kind": "call", "subject": "x" * 201}, "subject"),
        ({"kind": "call", "subject": "x", "due_at": "tomorrow"}, "due_at"),
    ],
)
def test_bad_values_are_refused_and_nothing_is_written(north, values, field):
    account = account_create(actor=north, values={"name": "Acme"})

    with pytest.raises(ValidationFailed) as refused:
        activity_create(actor=north, values={**values, "account": account.pk})

    assert field in refused.value.errors
    assert Activity.objects.count() == 0


def test_the_reminder_must_come_before_the_due_date(north):
    account = account_create(actor=north, values={"name": "Acme"})
    due = soon()

    with pytest.raises(ValidationFailed) as late:
        activity_create(
            actor=north,
            values={
                "kind": "call",
                "subject": "x",
                "account": account.pk,
                "due_at": due,
                "reminder_at": due + timedelta(minutes=5),
            },
        )
    with pytest.raises(ValidationFailed) as undated:
        activity_create(
            actor=north,
            values={"kind": "call", "subject": "x", "account": account.pk, "reminder_at": due},
        )

    assert late.value.errors["reminder_at"] == ["The reminder must come before the due date."]
    assert undated.value.errors["reminder_at"] == ["Set a due date to be reminded of."]
    assert Activity.objects.count() == 0


def test_an_activity_needs_at_least_one_link(north):
    with pytest.raises(ValidationFailed) as refused:
        activity_create(actor=north, values={"kind": "note", "subject": "Floating"})

    assert refused.value.errors["account"] == [
        "Link the activity to an account, a contact or a lead."
    ]
    assert Activity.objects.count() == 0


@pytest.mark.parametrize("link", ["account", "contact", "lead"])
def test_linking_another_teams_record_is_not_found_and_writes_nothing(north, south, link):
    hidden = {
        "account": lambda: account_create(actor=south, values={"name": "Theirs"}),
        "contact": lambda: contact_create(actor=south, values={"first_name": "Theirs"}),
        "lead": lambda: Lead.objects.create(owner=south, team=south.teams.get(), company="X"),
    }[link]()
    audit_before = AuditEntry.objects.count()

    with pytest.raises(NotFound):
        activity_create(actor=north, values={"kind": "note", "subject": "Peek", link: hidden.pk})

    assert Activity.objects.count() == 0
    assert AuditEntry.objects.count() == audit_before


def test_a_record_of_a_later_app_can_be_linked_by_type_and_id_when_visible(north):
    with pytest.raises(ValidationFailed) as unknown:
        activity_create(
            actor=north,
            values={"kind": "note", "subject": "x", "link_type": "sales.nothing", "link_id": 1},
        )
    other = account_create(actor=north, values={"name": "Acme"})

    linked = activity_create(
        actor=north,
        values={
            "kind": "note",
            "subject": "x",
            "link_type": "customers.account",
            "link_id": other.pk,
        },
    )

    assert unknown.value.errors == {"link_type": ["Unknown record type."]}
    assert (linked.link_type, linked.link_id) == ("customers.account", other.pk)


def test_a_new_link_id_alone_is_checked_against_the_current_type(north, south):
    mine = account_create(actor=north, values={"name": "Acme"})
    theirs = account_create(actor=south, values={"name": "Theirs"})
    linked = activity_create(
        actor=north,
        values={
            "kind": "note",
            "subject": "x",
            "link_type": "customers.account",
            "link_id": mine.pk,
        },
    )

    with pytest.raises(NotFound):
        activity_update(actor=north, activity_id=linked.pk, values={"link_id": theirs.pk})
    with pytest.raises(ValidationFailed) as untyped:
        activity_create(
            actor=north, values={"kind": "note", "subject": "x", "account": mine.pk, "link_id": 5}
        )

    linked.refresh_from_db()
    assert linked.link_id == mine.pk
    assert untyped.value.errors == {"link_type": ["Choose the type of the linked record."]}


def test_completing_sets_completed_at_and_outcome_once(north):
    account = account_create(actor=north, values={"name": "Acme"})
    task = activity_create(
        actor=north,
        values={"kind": "task", "subject": "Send proposal", "due_at": soon(), "account": account},
    )

    done = activity_complete(actor=north, activity_id=task.pk, outcome="Sent by e-mail")

    assert done.status == "done"
    assert done.outcome == "Sent by e-mail"
    assert abs((timezone.now() - done.completed_at).total_seconds()) < 60
    with pytest.raises(Conflict):
        activity_complete(actor=north, activity_id=task.pk)
    update = AuditEntry.objects.filter(object_id=str(task.pk), action="update").get()
    assert update.changes["status"] == ["planned", "done"]


def test_reopening_clears_completed_at_and_done_cannot_become_cancelled(north):
    account = account_create(actor=north, values={"name": "Acme"})
    call = activity_create(
        actor=north,
        values={"kind": "call", "subject": "Ring", "status": "done", "account": account},
    )
    assert call.completed_at is not None

    with pytest.raises(ValidationFailed) as refused:
        activity_update(actor=north, activity_id=call.pk, values={"status": "cancelled"})
    reopened = activity_update(actor=north, activity_id=call.pk, values={"status": "planned"})

    assert "status" in refused.value.errors
    assert (reopened.status, reopened.completed_at) == ("planned", None)


def test_moving_the_reminder_arms_it_again(north):
    account = account_create(actor=north, values={"name": "Acme"})
    call = activity_create(
        actor=north,
        values={
            "kind": "call",
            "subject": "Ring",
            "account": account,
            "due_at": soon(5),
            "reminder_at": soon(4),
        },
    )
    Activity.objects.filter(pk=call.pk).update(reminded_at=timezone.now())

    moved = activity_update(actor=north, activity_id=call.pk, values={"reminder_at": soon(3)})

    assert moved.reminded_at is None


def test_an_update_validates_against_the_merged_state(north):
    account = account_create(actor=north, values={"name": "Acme"})
    meeting = activity_create(
        actor=north,
        values={"kind": "meeting", "subject": "Demo", "due_at": soon(), "account": account},
    )

    with pytest.raises(ValidationFailed) as refused:
        activity_update(actor=north, activity_id=meeting.pk, values={"due_at": None})

    assert "due_at" in refused.value.errors
    meeting.refresh_from_db()
    assert meeting.due_at is not None


def test_another_teams_activity_cannot_be_changed_completed_or_deleted(north, south, make_user):
    theirs = account_create(actor=south, values={"name": "Theirs"})
    call = activity_create(actor=south, values={"kind": "call", "subject": "x", "account": theirs})

    with pytest.raises(NotFound):
        activity_update(actor=north, activity_id=call.pk, values={"subject": "Mine now"})
    with pytest.raises(NotFound):
        activity_complete(actor=north, activity_id=call.pk)
    with pytest.raises(PermissionDenied):
        activity_delete(actor=south, activity_id=call.pk)  # reps may not delete

    call.refresh_from_db()
    assert (call.subject, call.status) == ("x", "planned")


def test_a_manager_deletes_and_the_audit_keeps_the_record(make_user, make_team):
    manager = make_user("sales-manager", teams=[make_team("North")])
    account = account_create(actor=manager, values={"name": "Acme"})
    note = activity_create(
        actor=manager, values={"kind": "note", "subject": "Gone", "account": account}
    )

    activity_delete(actor=manager, activity_id=note.pk)

    assert not Activity.objects.filter(pk=note.pk).exists()
    assert AuditEntry.objects.filter(object_id=str(note.pk), action="delete").count() == 1


def test_my_activities_page_groups_overdue_today_and_upcoming(north, logged_in):
    account = account_create(actor=north, values={"name": "Acme"})
    now = timezone.now()
    for subject, due in (("Late", now - timedelta(days=3)), ("Later", now + timedelta(days=3))):
        activity_create(
            actor=north,
            values={"kind": "task", "subject": subject, "due_at": due, "account": account},
        )
    activity_create(actor=north, values={"kind": "note", "subject": "Someday", "account": account})

    response = logged_in(north).get("/activities/")

    agenda = response.context["agenda"]
    assert [a.subject for a in agenda.overdue] == ["Late"]
    assert [a.subject for a in agenda.upcoming] == ["Later"]
    assert [a.subject for a in agenda.undated] == ["Someday"]
    assert "Late" in response.content.decode()


def test_the_new_activity_form_is_prefilled_from_the_query(north, logged_in):
    account = account_create(actor=north, values={"name": "Acme"})

    response = logged_in(north).get(f"/activities/new/?account={account.pk}&kind=meeting")

    form = response.context["form"]
    assert form.initial["account"] == account.pk
    assert form.initial["kind"] == "meeting"
    assert f'<option value="{account.pk}" selected>Acme</option>' in response.content.decode()


def test_the_form_saves_and_shows_service_errors(north, logged_in):
    account = account_create(actor=north, values={"name": "Acme"})
    client = logged_in(north)

    bad = client.post(
        "/activities/new/",
        {"kind": "meeting", "subject": "Demo", "status": "planned", "account": account.pk},
    )
    good = client.post(
        "/activities/new/",
        {
            "kind": "meeting",
            "subject": "Demo",
            "status": "planned",
            "account": account.pk,
            "due_at": "2030-05-02T10:00",
            "duration_minutes": "45",
        },
    )

    assert bad.status_code == 200
    assert "Meetings and tasks need a due date." in bad.content.decode()
    meeting = Activity.objects.get()
    assert good.status_code == 302 and good["Location"] == f"/activities/{meeting.pk}/"
    assert meeting.duration_minutes == 45


def test_quick_log_records_a_done_call_and_asks_the_timeline_to_refresh(north, logged_in):
    contact = contact_create(actor=north, values={"first_name": "Ana"})
    client = logged_in(north)

    form = client.get(f"/activities/log/?contact={contact.pk}")
    saved = client.post(
        "/activities/log/",
        {
            "contact": contact.pk,
            "kind": "call",
            "direction": "inbound",
            "subject": "Asked for a quote",
            "duration_minutes": "7",
        },
    )

    assert form.status_code == 200
    assert saved.status_code == 200
    assert saved["HX-Trigger"] == "timeline-refresh"
    call = Activity.objects.get()
    assert (call.kind, call.status, call.contact_id, call.direction) == (
        "call",
        "done",
        contact.pk,
        "inbound",
    )
    assert call.completed_at is not None and call.due_at is not None


def test_quick_log_for_someone_elses_contact_is_404_and_writes_nothing(north, south, logged_in):
    theirs = contact_create(actor=south, values={"first_name": "Bia"})

    response = logged_in(north).post(
        "/activities/log/", {"contact": theirs.pk, "kind": "call", "subject": "Sneaky"}
    )

    assert response.status_code == 404
    assert Activity.objects.count() == 0


def test_complete_button_and_delete_confirmation(make_user, make_team, logged_in):
    manager = make_user("sales-manager", teams=[make_team("North")])
    account = account_create(actor=manager, values={"name": "Acme"})
    task = activity_create(
        actor=manager,
        values={"kind": "task", "subject": "Call back", "due_at": soon(), "account": account},
    )
    client = logged_in(manager)

    done = client.post(
        f"/activities/{task.pk}/complete/", {"outcome": "Reached", "next": "/activities/"}
    )
    confirm = client.get(f"/activities/{task.pk}/delete/")
    deleted = client.post(f"/activities/{task.pk}/delete/")

    assert done.status_code == 302 and done["Location"] == "/activities/"
    assert "Yes, delete" in confirm.content.decode()
    assert deleted.status_code == 302
    assert not Activity.objects.filter(pk=task.pk).exists()


def test_the_all_activities_list_pages_with_a_cursor(north, logged_in, monkeypatch):
    account = account_create(actor=north, values={"name": "Acme"})
    for n in range(5):
        activity_create(
            actor=north,
            values={"kind": "task", "subject": f"T{n}", "account": account, "due_at": soon(n + 1)},
        )
    monkeypatch.setattr("clientela.activities.views.PAGE_SIZE", 2)
    client = logged_in(north)

    subjects = []
    url = "/activities/all/?kind=task"
    for _ in range(5):
        page = client.get(url).context["page"]
        subjects += [a.subject for a in page.items]
        if not page.next_cursor:
            break
        url = f"/activities/all/?kind=task&cursor={page.next_cursor}"

    assert subjects == ["T4", "T3", "T2", "T1", "T0"]


def test_demo_history_is_believable_and_repeats_with_the_seed(north):
    import random

    from clientela.activities.demo import add_demo_activities

    accounts = [account_create(actor=north, values={"name": f"Acme {n}"}) for n in range(6)]
    contacts = [
        contact_create(actor=north, values={"first_name": f"P{n}", "account": accounts[n].pk})
        for n in range(6)
    ]
    leads = [Lead.objects.create(owner=north, team=north.teams.get(), company="L", status="new")]
    now = timezone.now()

    made = add_demo_activities([north], accounts, contacts, leads, random.Random(7), now=now)
    first = list(Activity.objects.order_by("id").values_list("subject", "kind", "status"))
    Activity.objects.all().delete()
    again = add_demo_activities([north], accounts, contacts, leads, random.Random(7), now=now)

    assert made == again == Activity.objects.count() >= 6
    assert list(Activity.objects.order_by("id").values_list("subject", "kind", "status")) == first
    assert all(Activity.objects.filter(account=a).exists() for a in accounts)
    for activity in Activity.objects.all():
        if activity.status == "done":
            assert activity.completed_at is not None and activity.completed_at < now
            assert activity.due_at < now
        else:
            assert activity.status == "planned" and activity.due_at > now
        if activity.reminder_at:
            assert activity.reminder_at < activity.due_at


def test_a_done_activity_can_say_when_it_was_done_but_not_in_the_future(north):
    account = account_create(actor=north, values={"name": "Acme"})
    earlier = timezone.now() - timedelta(days=2)

    call = activity_create(
        actor=north,
        values={
            "kind": "call",
            "subject": "x",
            "status": "done",
            "account": account,
            "completed_at": earlier,
        },
    )
    with pytest.raises(ValidationFailed) as refused:
        activity_create(
            actor=north,
            values={
                "kind": "call",
                "subject": "x",
                "status": "done",
                "account": account,
                "completed_at": soon(),
            },
        )

    assert call.completed_at == earlier
    assert "completed_at" in refused.value.errors


def test_pages_never_name_a_linked_record_the_viewer_may_not_see(north, make_user, logged_in):
    from clientela.platform.models import Role, RolePermission

    role = Role.objects.create(name="Activity auditor", slug="activity-auditor")
    RolePermission.objects.create(
        role=role, object_type="activities.activity", can_view=True, scope="all"
    )
    for key in ("customers.account", "customers.contact", "customers.lead"):
        RolePermission.objects.create(role=role, object_type=key, can_view=True, scope="own")
    auditor = make_user("sales-rep")
    auditor.role = role
    auditor.save(update_fields=["role"])
    secret = account_create(actor=north, values={"name": "Secret Co"})
    call = activity_create(
        actor=north, values={"kind": "call", "subject": "Visible call", "account": secret}
    )
    client = logged_in(auditor)

    listing = client.get("/activities/all/").content.decode()
    detail = client.get(f"/activities/{call.pk}/").content.decode()
    own_view = logged_in(north).get(f"/activities/{call.pk}/").content.decode()

    assert "Visible call" in listing and "Visible call" in detail
    assert "Secret Co" not in listing and "Secret Co" not in detail
    assert "Secret Co" in own_view


def test_quick_log_with_errors_shows_them_and_writes_nothing(north, logged_in):
    account = account_create(actor=north, values={"name": "Acme"})

    response = logged_in(north).post(
        "/activities/log/",
        {"account": account.pk, "kind": "call", "subject": "", "duration_minutes": "5000"},
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "HX-Trigger" not in response
    assert "This field is required." in html
    assert Activity.objects.count() == 0
    long_call = logged_in(north).post(
        "/activities/log/",
        {"account": account.pk, "kind": "call", "subject": "Long", "duration_minutes": "5000"},
    )
    assert "Enter a duration from 1 to 1440 minutes." in long_call.content.decode()
    assert Activity.objects.count() == 0
