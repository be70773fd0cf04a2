"""The field service API end to end: skills and technicians (settings records), a category's
skills, a visit planned, placed, moved, refused, finished and cancelled, "Schedule all", the
dispatch board, and another team's visit answering 404."""

from __future__ import annotations

from clientela.service.models import Appointment, Technician
from clientela.service.tests.test_dispatch_services import MON, at, build, person


def test_skills_technicians_and_category_skills(db, api_as):
    desk = build()
    admin, agent = api_as(desk.admin), api_as(desk.agent)
    created = admin.post("/api/v1/service/skills", {"name": "Gas"})
    assert created.status_code == 201
    gas = created.json()["id"]
    assert admin.post("/api/v1/service/skills", {"name": "Gas"}).status_code == 422
    assert admin.patch(f"/api/v1/service/skills/{gas}", {"name": "Gas safety"}).json()["name"] == (
        "Gas safety"
    )
    names = [s["name"] for s in admin.get("/api/v1/service/skills").json()["items"]]
    assert names[:2] == ["Electrical", "Gas safety"]

    carla = person("service-agent", "carla")
    body = {"user": carla.pk, "skills": [gas, desk.skills.elec.pk], "region": "Norte"}
    made = admin.post("/api/v1/service/technicians", body)
    assert made.status_code == 201
    tech = made.json()
    assert (tech["skills"], tech["region"], tech["calendar_id"], tech["active"]) == (
        sorted([gas, desk.skills.elec.pk]),
        "Norte",
        None,
        True,
    )
    assert admin.post("/api/v1/service/technicians", body).json()["errors"]["user"]
    changed = admin.patch(f"/api/v1/service/technicians/{tech['id']}", {"region": "Sul"}).json()
    assert (changed["region"], changed["skills"]) == ("Sul", tech["skills"])  # skills kept
    assert admin.get(f"/api/v1/service/technicians/{tech['id']}").json()["name"] == "carla"
    assert len(admin.get("/api/v1/service/technicians").json()["items"]) == 3
    assert agent.get("/api/v1/service/technicians").status_code == 403
    assert admin.delete(f"/api/v1/service/technicians/{tech['id']}").status_code == 204
    assert not Technician.objects.filter(pk=tech["id"]).exists()
    assert admin.delete(f"/api/v1/service/skills/{gas}").status_code == 204

    category = f"/api/v1/service/categories/{desk.category.pk}"
    assert admin.patch(category, {"name": "Cold"}).json()["skills"] == [desk.skills.fridge.pk]
    assert admin.patch(category, {"skills": []}).json()["skills"] == []
    assert admin.patch(category, {"skills": [999999]}).status_code == 422


def test_a_visit_through_the_api(db, api_as):
    desk = build()
    agent = api_as(desk.agent)
    window = {"earliest": at(0, 8).isoformat(), "latest": at(4, 17).isoformat()}
    made = agent.post(
        "/api/v1/service/appointments",
        {"ticket": desk.ticket.pk, "duration_minutes": 120, **window, "notes": "Bring gas"},
    )
    assert made.status_code == 201
    visit = made.json()
    assert (visit["status"], visit["skills"], visit["region"]) == (
        "unscheduled",
        [desk.skills.fridge.pk],
        "Sul",
    )
    placed = agent.post(f"/api/v1/service/appointments/{visit['id']}/find-slot").json()
    assert (placed["technician_id"], placed["starts_at"]) == (
        desk.techs.ana.pk,
        "2030-03-04T11:00:00Z",
    )
    assert placed["activity_id"] is not None
    refused = agent.post(
        f"/api/v1/service/appointments/{visit['id']}/reschedule",
        {"technician": desk.techs.bia.pk, "starts_at": at(0, 16).isoformat()},
    )
    assert (
        refused.status_code == 422 and "working hours" in refused.json()["errors"]["starts_at"][0]
    )
    moved = agent.post(
        f"/api/v1/service/appointments/{visit['id']}/reschedule",
        {"technician": desk.techs.bia.pk, "starts_at": "2030-03-05T09:00:00-03:00"},
    ).json()
    assert (moved["technician_id"], moved["ends_at"]) == (desk.techs.bia.pk, "2030-03-05T14:00:00Z")
    assert agent.get(f"/api/v1/service/appointments/{visit['id']}").json()["status"] == (
        "scheduled"
    )

    day = agent.get("/api/v1/service/appointments", {"day": "2030-03-05"}).json()["items"]
    assert [a["id"] for a in day] == [visit["id"]]
    assert agent.get("/api/v1/service/appointments", {"day": "2030-03-04"}).json()["items"] == []
    mine = agent.get("/api/v1/service/appointments", {"technician": desk.techs.bia.pk})
    assert len(mine.json()["items"]) == 1

    board = agent.get("/api/v1/service/dispatch-board", {"day": "2030-03-05"}).json()
    rows = {r["technician"]["id"]: r for r in board["rows"]}
    assert rows[desk.techs.bia.pk]["visits"][0]["appointment"]["id"] == visit["id"]
    assert rows[desk.techs.ana.pk]["working"] == [
        {"start": "2030-03-05T11:00:00Z", "end": "2030-03-05T20:00:00Z"}
    ]

    assert agent.post(f"/api/v1/service/appointments/{visit['id']}/done").json()["status"] == "done"
    again = agent.post(f"/api/v1/service/appointments/{visit['id']}/cancel")
    assert again.status_code == 409 and again.json()["code"] == "wrong_status"

    # another team's visit is not found; a visit nobody can take says why
    stranger = api_as(desk.stranger)
    assert stranger.get(f"/api/v1/service/appointments/{visit['id']}").status_code == 404
    assert stranger.post(f"/api/v1/service/appointments/{visit['id']}/cancel").status_code == 404
    far = agent.post(
        "/api/v1/service/appointments",
        {"ticket": desk.ticket.pk, "duration_minutes": 60, **window, "region": "Norte"},
    ).json()
    report = agent.post(
        "/api/v1/service/appointments/schedule", {"first": str(MON), "last": "2030-03-08"}
    ).json()
    assert report["scheduled"] == []
    assert report["unplaced"][0]["appointment_id"] == far["id"]
    assert report["unplaced"][0]["reason"] == "region"
    nowhere = agent.post(f"/api/v1/service/appointments/{far['id']}/find-slot")
    assert nowhere.status_code == 409 and nowhere.json()["code"] == "no_slot_region"
    assert Appointment.objects.get(pk=far["id"]).status == "unscheduled"
