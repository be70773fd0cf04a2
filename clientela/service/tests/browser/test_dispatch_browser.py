"""The dispatch board in a real browser: a dispatcher drags a waiting visit onto a technician's
row, tries to drop another onto a taken hour (refused: it stays and the reason shows), then
moves it to a free afternoon; the server has each accepted move."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from playwright.sync_api import Locator, Page, expect

from clientela.conftest import PASSWORD
from clientela.service import dispatch
from clientela.service.models import Appointment
from clientela.service.tests.test_dispatch_services import MON, at, build, plan

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _slot(page: Page, technician: int, hour: int, minute: int = 0) -> Locator:
    """The board's column for that time (of the Monday shown) in the technician's row."""
    start = at(0, hour, minute).astimezone(dt.UTC).isoformat()
    row = page.locator(f".dispatch-row[data-technician='{technician}']")
    return row.locator(f"[data-slot][data-start='{start}']")


def test_a_dispatcher_drags_visits_on_the_board(
    page: Page, sign_in: Callable[..., None], browser_problems
) -> None:
    desk = build()
    desk.agent.set_password(PASSWORD)
    desk.agent.save()
    booked = dispatch.appointment_schedule(actor=desk.agent, appointment_id=plan(desk).pk)
    waiting = plan(desk)
    sign_in(page, "dina")
    page.goto(f"/service/dispatch/?day={MON.isoformat()}")
    expect(page.locator(".dispatch-waiting")).to_contain_text("Freezer warm")

    # the waiting visit onto Bia's row at 10:00
    page.locator(f".dispatch-waiting [data-appointment='{waiting.pk}']").drag_to(
        _slot(page, desk.techs.bia.pk, 10)
    )
    expect(page.locator(".messages")).to_contain_text("The visit was moved.")
    waiting.refresh_from_db()
    assert (waiting.technician, waiting.starts_at) == (desk.techs.bia, at(0, 10))
    bia_row = page.locator(f".dispatch-row[data-technician='{desk.techs.bia.pk}']")
    expect(bia_row.locator(f"[data-appointment='{waiting.pk}']")).to_contain_text(
        "10:00\N{EN DASH}11:00"
    )

    # Ana's visit onto Bia at 10:30: she is busy then; it stays, and the reason shows
    browser_problems.allow("status of 422")
    block = page.locator(f".dispatch-row [data-appointment='{booked.pk}']")
    block.drag_to(_slot(page, desk.techs.bia.pk, 10, 30), force=True)  # under Bia's visit
    expect(page.locator("[data-dispatch-status]")).to_have_text(
        "The technician has another visit then."
    )
    assert Appointment.objects.get(pk=booked.pk).starts_at == at(0, 8)

    # to Bia's free afternoon instead
    block.drag_to(_slot(page, desk.techs.bia.pk, 13, 15))
    expect(bia_row.locator(f"[data-appointment='{booked.pk}']")).to_contain_text(
        "13:15\N{EN DASH}14:15"
    )
    booked.refresh_from_db()
    assert (booked.technician, booked.starts_at) == (desk.techs.bia, at(0, 13, 15))
