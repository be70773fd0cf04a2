"""Field service's pages: Settings (skills, technicians, a category's skills), planning a visit
from the ticket page, the dispatch board (its layout, the drag and drop's JSON move, the no-script
form, "Schedule all") and another team's visit answering 404."""

from __future__ import annotations

import json

from clientela.service import dispatch
from clientela.service.models import Appointment, Skill, Technician, TicketCategory
from clientela.service.tests.test_dispatch_services import MON, at, build, person, plan

BOARD = "/service/dispatch/"


def test_settings_add_rename_and_delete_skills_and_give_a_user_a_profile(db, logged_in):
    desk = build()
    browser = logged_in(desk.admin)
    assert "Field service" in browser.get("/settings/").content.decode()
    assert browser.post(f"{BOARD}settings/skills/", {"name": " Gas  safety "}).status_code == 302
    gas = Skill.objects.get(name="Gas safety")
    page = browser.post(f"{BOARD}settings/skills/", {"name": "Gas safety"})
    assert "This name is taken." in page.content.decode()
    browser.post(f"{BOARD}settings/skills/{gas.pk}/", {"name": "Gas"})
    assert Skill.objects.filter(name="Gas").exists()
    assert (
        "Delete “Gas”?" in browser.get(f"{BOARD}settings/skills/{gas.pk}/delete/").content.decode()
    )
    browser.post(f"{BOARD}settings/skills/{gas.pk}/delete/")
    assert not Skill.objects.filter(pk=gas.pk).exists()

    carla = person("service-agent", "carla", first_name="Carla")
    form = browser.get(f"{BOARD}settings/technicians/new/").content.decode()
    assert f'value="{carla.pk}"' in form and f'value="{desk.ana.pk}"' not in form  # has one
    values = {"user": carla.pk, "skills": [desk.skills.elec.pk], "region": "Norte", "field": "on"}
    assert browser.post(f"{BOARD}settings/technicians/new/", values).status_code == 302
    carla_t = Technician.objects.get(user=carla)
    assert (carla_t.region, carla_t.active) == ("Norte", False)  # "active" left unticked
    assert [s.name for s in carla_t.skills.all()] == ["Electrical"]
    listing = browser.get(f"{BOARD}settings/technicians/").content.decode()
    assert "Carla" in listing and "Weekdays 08:00-17:00" in listing
    # a technician with visits ahead is not deleted
    dispatch.appointment_schedule(actor=desk.agent, appointment_id=plan(desk).pk)
    browser.post(f"{BOARD}settings/technicians/{desk.techs.ana.pk}/delete/")
    assert Technician.objects.filter(pk=desk.techs.ana.pk).exists()

    # the category's row form sets the skills its tickets need
    url = f"/service/settings/categories/{desk.category.pk}/"
    browser.post(url, {"name": "Cooling", "active": "on", "skills": [desk.skills.elec.pk]})
    assert [s.name for s in TicketCategory.objects.get(pk=desk.category.pk).skills.all()] == [
        "Electrical"
    ]
    # an agent may not see Settings → Field service
    assert logged_in(desk.agent).get(f"{BOARD}settings/skills/").status_code == 403


def test_the_ticket_page_plans_a_visit_and_books_the_earliest_slot(db, logged_in):
    desk = build()
    browser = logged_in(desk.agent)
    url = f"/service/tickets/{desk.ticket.pk}/"
    page = browser.get(url).content.decode()
    assert "Plan a visit" in page
    assert f'value="{desk.skills.fridge.pk}" id="id_visit_skills_0" checked' in page or (
        "checked" in page.split(f'value="{desk.skills.fridge.pk}"')[1][:80]
    )
    bad = {"duration_minutes": "5", "earliest": "2030-03-04T08:00", "latest": "nonsense"}
    answer = browser.post(f"{BOARD}tickets/{desk.ticket.pk}/plan/", bad)
    assert answer.status_code == 200 and Appointment.objects.count() == 0
    values = {
        "duration_minutes": "90",
        "earliest": "2030-03-04T08:00",
        "latest": "2030-03-08T17:00",
        "skills": [desk.skills.fridge.pk],
        "region": "Sul",
        "find": "1",
        "next": f"{url}#visits",
    }
    answer = browser.post(f"{BOARD}tickets/{desk.ticket.pk}/plan/", values)
    assert answer.status_code == 302 and answer["Location"] == f"{url}#visits"
    visit = Appointment.objects.get()
    assert (visit.technician, visit.starts_at, visit.ends_at) == (
        desk.techs.ana,
        at(0, 8),
        at(0, 9, 30),
    )
    page = browser.get(url).content.decode()
    assert f'data-appointment="{visit.pk}"' in page and "Scheduled" in page


def test_the_board_lays_out_the_day_and_moves_visits(db, logged_in, django_assert_max_num_queries):
    desk = build()
    booked = dispatch.appointment_schedule(actor=desk.agent, appointment_id=plan(desk).pk)
    waiting = plan(desk)
    browser = logged_in(desk.agent)
    with django_assert_max_num_queries(25):
        page = browser.get(BOARD, {"day": MON.isoformat()}).content.decode()
    # 07:00 is the first column: 08:00-09:00 is columns 5 to 8; Ana works 08:00-17:00
    assert f'at-5 span-4" href="/service/dispatch/appointments/{booked.pk}/"' in page
    assert "dispatch-work at-5 span-36" in page
    assert f'data-appointment="{waiting.pk}" draggable="true"' in page  # not scheduled yet
    assert 'rel="prev"' in page and "?day=2030-03-05" in page

    # the drop: refused (Bia... is free, but Ana has a visit at 08:30) and nothing moves
    move = f"{BOARD}appointments/{waiting.pk}/move/"
    refused = browser.post(
        move, {"technician": desk.techs.ana.pk, "starts_at": at(0, 8, 30).isoformat()}
    )
    assert refused.status_code == 422
    assert json.loads(refused.content) == {
        "ok": False,
        "error": "The technician has another visit then.",
    }
    assert Appointment.objects.get(pk=waiting.pk).status == "unscheduled"
    accepted = browser.post(
        move, {"technician": desk.techs.bia.pk, "starts_at": at(0, 10).isoformat()}
    )
    assert json.loads(accepted.content) == {"ok": True}
    assert Appointment.objects.get(pk=waiting.pk).starts_at == at(0, 10)

    # without script: the visit's page moves it with a form
    form = {"technician": desk.techs.ana.pk, "starts_at": "2030-03-05T14:00"}
    answer = browser.post(f"{BOARD}appointments/{waiting.pk}/", form)
    assert answer.status_code == 302
    assert Appointment.objects.get(pk=waiting.pk).starts_at == at(1, 14)
    page = browser.post(
        f"{BOARD}appointments/{waiting.pk}/", {**form, "starts_at": "2030-03-05T18:00"}
    )
    assert "outside the technician" in page.content.decode()

    # "Schedule all" reports what it could not place, and why
    far = plan(desk, region="Norte")
    answer = browser.post(
        f"{BOARD}schedule/", {"first": "2030-03-04", "last": "2030-03-08"}, follow=True
    )
    text = answer.content.decode()
    assert "0 visits scheduled." in text
    assert (
        f"(visit {far.pk}) was not placed: No technician with those skills works in its region."
        in text
    )

    # another team's visit: 404 on its page, and its moves
    stranger = logged_in(desk.stranger)
    assert stranger.get(f"{BOARD}appointments/{booked.pk}/").status_code == 404
    assert stranger.post(f"{BOARD}appointments/{booked.pk}/cancel/").status_code == 404
    page = stranger.get(BOARD, {"day": MON.isoformat()}).content.decode()
    assert "Busy" in page and "Freezer warm" not in page  # the time is taken, the rest hidden
