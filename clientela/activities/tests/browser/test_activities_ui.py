"""Activities in a real browser: log a call from an account's timeline, see a meeting on the
calendar, plan and complete a task."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, time

import pytest
from playwright.sync_api import Page, expect

from clientela.activities.models import Activity
from clientela.activities.services import activity_create
from clientela.customers.services import account_create
from clientela.platform.models import Team, User

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
Url = Callable[[str], str]


@pytest.fixture
def rep(make_user: Callable[..., User]) -> User:
    team = Team.objects.create(name="North")
    return make_user("sales-rep", teams=[team], username="rita", time_zone="UTC")


def test_log_a_call_on_the_account_timeline_then_see_a_meeting_on_the_calendar(
    page: Page, rep: User, sign_in: Callable[..., None], url: Url
) -> None:
    account = account_create(actor=rep, values={"name": "Padaria Estrela"})
    noon = datetime.combine(datetime.now(UTC).date(), time(12, 0), tzinfo=UTC)  # rita's zone
    activity_create(
        actor=rep,
        values={
            "kind": "meeting",
            "subject": "Kick-off at the bakery",
            "account": account,
            "due_at": noon,
            "duration_minutes": 60,
        },
    )
    sign_in(page, "rita")

    # on the account's timeline tab, log a call with the quick form
    page.goto(f"/accounts/{account.pk}/?tab=timeline")
    form = page.locator("form.quick-log")
    expect(form).to_be_visible()
    form.locator("select[name=kind]").select_option("call")
    form.locator("input[name=subject]").fill("Asked for a quote")
    form.locator("input[name=outcome]").fill("Send prices by Friday")
    form.locator("input[name=duration_minutes]").fill("6")
    form.get_by_role("button", name="Log it").click()

    # it is saved, and the timeline shows it without a page reload
    expect(page.locator("form.quick-log .message-success")).to_contain_text("Asked for a quote")
    entry = page.locator("#timeline .timeline-entry").filter(has_text="Call: Asked for a quote")
    expect(entry).to_be_visible()
    expect(entry).to_contain_text("Send prices by Friday")
    call = Activity.objects.get(kind="call")
    assert (call.status, call.account_id, call.duration_minutes) == ("done", account.pk, 6)

    # the filter chips narrow the timeline to changes only, and back
    page.locator("#timeline label.chip").filter(has_text="Changes").click()
    expect(entry).to_have_count(0)
    expect(page.locator("#timeline .timeline-changes").first).to_be_visible()
    page.locator("#timeline label.chip").filter(has_text="Changes").click()
    expect(
        page.locator("#timeline .timeline-entry").filter(has_text="Call: Asked for a quote")
    ).to_be_visible()

    # the calendar shows this week's meeting
    page.locator("#nav").get_by_role("link", name="Activities", exact=True).click()
    expect(page).to_have_url(url("/activities/"))
    page.locator(".tabs").get_by_role("link", name="Calendar", exact=True).click()
    item = page.locator(".calendar-today .calendar-item.kind-meeting")
    expect(item).to_contain_text("Kick-off at the bakery")
    expect(item).to_contain_text("12:00")
    expect(page.locator(".calendar-today .calendar-item.kind-call")).to_contain_text(
        "Asked for a quote"
    )

    # the month view shows it too, and the meeting opens from there
    page.get_by_role("link", name="Month").click()
    page.locator(".calendar-today .calendar-item.kind-meeting a").click()
    expect(page.locator("main h1")).to_contain_text("Kick-off at the bakery")


def test_plan_a_task_see_it_today_and_complete_it(
    page: Page, rep: User, sign_in: Callable[..., None], url: Url
) -> None:
    account = account_create(actor=rep, values={"name": "Oficina Rápida"})
    sign_in(page, "rita")

    page.goto(f"/activities/new/?account={account.pk}&kind=task")
    expect(page.locator("select[name=account]")).to_have_value(str(account.pk))
    page.fill("input[name=subject]", "Send the proposal")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".field.has-error")).to_contain_text("Meetings and tasks need a due date.")

    later = datetime.now(UTC).replace(hour=23, minute=0)  # today, in rita's zone (UTC)
    page.fill("input[name=due_at]", later.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="Save").click()
    task = Activity.objects.get(subject="Send the proposal")
    expect(page).to_have_url(url(f"/activities/{task.pk}/"))

    page.goto("/activities/")
    row = page.locator(".agenda-today .activity-row").filter(has_text="Send the proposal")
    expect(row).to_be_visible()
    row.get_by_role("button", name="Done").click()
    expect(page.locator(".message-success")).to_contain_text("is done")
    expect(page.locator(".agenda-today .activity-row")).to_have_count(0)
    task.refresh_from_db()
    assert task.status == "done" and task.completed_at is not None
