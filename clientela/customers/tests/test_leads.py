"""Lead services: fields, the lifecycle in LEAD_TRANSITIONS, what a converted lead keeps."""

from __future__ import annotations

import pytest

from clientela.customers.models import LEAD_TRANSITIONS, Lead
from clientela.customers.services.leads import (
    ConversionPlan,
    allowed_statuses,
    lead_bulk_upsert,
    lead_convert,
    lead_create,
    lead_delete,
    lead_set_status,
    lead_update,
)
from clientela.platform.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from clientela.platform.models import AuditEntry


@pytest.fixture
def team(make_team):
    return make_team("Vendas SP")


@pytest.fixture
def rep(make_user, team):
    return make_user("sales-rep", teams=[team])


def _lead(actor, **values):
    return lead_create(actor=actor, values={"first_name": "Ana", "last_name": "Souza", **values})


def test_lead_create_normalises_and_audits(rep, team):
    lead = lead_create(
        actor=rep,
        values={
            "first_name": " Ana ",
            "last_name": "Souza",
            "company": "Padaria Estrela",
            "email": "ana@estrela.com.br",
            "phone": "(11) 98765-4321",
            "tax_id": "11222333000181",
            "source": "web_form",
            "rating": "warm",
        },
    )
    assert (lead.first_name, lead.phone, lead.tax_id) == (
        "Ana",
        "+5511987654321",
        "11.222.333/0001-81",
    )
    assert (lead.status, lead.source, lead.rating) == ("new", "web_form", "warm")
    assert (lead.owner_id, lead.team_id) == (rep.pk, team.pk)
    assert "souza" in lead.search_text and "padaria" in lead.search_text
    entry = AuditEntry.objects.get(object_type="customers.lead", object_id=str(lead.pk))
    assert entry.action == "create" and entry.changes["company"] == [None, "Padaria Estrela"]


@pytest.mark.parametrize(
    "values,field",
    [
        ({}, "last_name"),
        ({"email": "nope"}, "email"),
        ({"last_name": "X", "source": "carrier_pigeon"}, "source"),
        ({"last_name": "X", "rating": "lukewarm"}, "rating"),
        ({"last_name": "X", "tax_id": "11.222.333/0001-82"}, "tax_id"),
        ({"last_name": "X", "website": "javascript:alert(1)"}, "website"),
        ({"last_name": "X", "country": "Brasil"}, "country"),
        ({"last_name": ["not", "text"]}, "last_name"),
    ],
)
def test_lead_create_refuses_bad_fields_and_writes_nothing(rep, values, field):
    with pytest.raises(ValidationFailed) as caught:
        lead_create(actor=rep, values=values)
    assert field in caught.value.errors
    assert not Lead.objects.exists()
    assert not AuditEntry.objects.filter(object_type="customers.lead").exists()


def test_lead_update_changes_fields_and_keeps_status(rep):
    lead = _lead(rep, company="Old Co")
    updated = lead_update(
        actor=rep, lead_id=lead.pk, values={"company": "New Co", "rating": "hot", "status": "x"}
    )
    assert (updated.company, updated.rating, updated.status) == ("New Co", "hot", "new")
    assert "new co" in Lead.objects.get(pk=lead.pk).search_text


def test_every_allowed_move_is_declared_and_each_works(rep):
    lead = _lead(rep)
    assert allowed_statuses(lead) == ["working", "qualified", "disqualified"]
    lead_set_status(actor=rep, lead_id=lead.pk, status="working")
    lead_set_status(actor=rep, lead_id=lead.pk, status="qualified")
    lead = lead_set_status(actor=rep, lead_id=lead.pk, status="disqualified", reason="no_budget")
    assert (lead.status, lead.disqualify_reason) == ("disqualified", "no_budget")
    lead = lead_set_status(actor=rep, lead_id=lead.pk, status="working")
    assert (lead.status, lead.disqualify_reason) == ("working", "")
    moves = AuditEntry.objects.filter(object_type="customers.lead", action="update")
    assert [e.changes["status"] for e in moves.order_by("seq")] == [
        ["new", "working"],
        ["working", "qualified"],
        ["qualified", "disqualified"],
        ["disqualified", "working"],
    ]


def test_invalid_transition_is_refused_and_nothing_changes(rep):
    lead = _lead(rep)
    lead_set_status(actor=rep, lead_id=lead.pk, status="disqualified", reason="spam")
    entries = AuditEntry.objects.count()
    assert ("disqualified", "qualified") not in LEAD_TRANSITIONS
    with pytest.raises(Conflict) as caught:
        lead_set_status(actor=rep, lead_id=lead.pk, status="qualified")
    assert caught.value.code == "lead_transition_not_allowed"
    lead.refresh_from_db()
    assert (lead.status, lead.disqualify_reason) == ("disqualified", "spam")
    assert AuditEntry.objects.count() == entries


def test_disqualifying_needs_a_known_reason(rep):
    lead = _lead(rep)
    for reason in ("", "bored"):
        with pytest.raises(ValidationFailed) as caught:
            lead_set_status(actor=rep, lead_id=lead.pk, status="disqualified", reason=reason)
        assert "reason" in caught.value.errors
    lead.refresh_from_db()
    assert lead.status == "new"


def test_status_converted_only_through_conversion(rep):
    lead = _lead(rep)
    with pytest.raises(Conflict) as caught:
        lead_set_status(actor=rep, lead_id=lead.pk, status="converted")
    assert caught.value.code == "lead_use_conversion"
    with pytest.raises(ValidationFailed):
        lead_set_status(actor=rep, lead_id=lead.pk, status="won")
    lead.refresh_from_db()
    assert lead.status == "new"


def test_converted_lead_accepts_notes_only_and_cannot_be_deleted(rep, make_user, team):
    lead = _lead(rep, company="Padaria Estrela")
    lead_convert(actor=rep, lead_id=lead.pk, plan=ConversionPlan())
    with pytest.raises(Conflict) as caught:
        lead_update(actor=rep, lead_id=lead.pk, values={"email": "x@example.com"})
    assert caught.value.code == "lead_converted"
    lead = lead_update(actor=rep, lead_id=lead.pk, values={"description": "Called back."})
    assert lead.description == "Called back." and lead.email == ""
    with pytest.raises(Conflict):
        lead_set_status(actor=rep, lead_id=lead.pk, status="working")
    with pytest.raises(Conflict):
        lead_delete(actor=make_user("sales-manager", teams=[team]), lead_id=lead.pk)
    assert Lead.objects.filter(pk=lead.pk, status="converted").exists()


def test_another_teams_lead_is_not_found_and_unchanged(rep, make_user, make_team):
    other = make_user("sales-rep", teams=[make_team("Vendas RJ")])
    lead = _lead(other)
    with pytest.raises(NotFound):
        lead_update(actor=rep, lead_id=lead.pk, values={"company": "Mine now"})
    with pytest.raises(NotFound):
        lead_set_status(actor=rep, lead_id=lead.pk, status="working")
    with pytest.raises(NotFound):
        lead_delete(actor=rep, lead_id=lead.pk)
    lead.refresh_from_db()
    assert (lead.company, lead.status) == ("", "new")


def test_rep_cannot_delete_and_read_only_cannot_create(rep, make_user):
    lead = _lead(rep)
    with pytest.raises(PermissionDenied):
        lead_delete(actor=rep, lead_id=lead.pk)
    with pytest.raises(PermissionDenied):
        _lead(make_user("read-only"))
    assert Lead.objects.count() == 1


def test_bulk_service_caps_the_batch_at_500(rep):
    with pytest.raises(ValidationFailed) as caught:
        lead_bulk_upsert(actor=rep, items=[{"last_name": "x"}] * 501)
    assert list(caught.value.errors) == ["items"]
    assert not Lead.objects.exists()


# --- pages ------------------------------------------------------------------------------------


def test_lead_pages_create_edit_move_and_show_history(rep, logged_in):
    browser = logged_in(rep)
    response = browser.post(
        "/leads/new/",
        {"first_name": "Caio", "last_name": "Lima", "country": "BR", "source": "referral"},
    )
    lead = Lead.objects.get(last_name="Lima")
    assert response.status_code == 302 and response["Location"] == f"/leads/{lead.pk}/"
    page = browser.get(f"/leads/{lead.pk}/")
    assert page.status_code == 200
    assert b"Mark as Working" in page.content and b"Disqualify" in page.content

    browser.post(f"/leads/{lead.pk}/status/", {"status": "qualified"})
    browser.post(
        f"/leads/{lead.pk}/edit/",
        {"last_name": "Lima", "company": "Lima ME", "country": "BR", "source": "referral"},
    )
    lead.refresh_from_db()
    assert (lead.status, lead.company) == ("qualified", "Lima ME")
    history = browser.get(f"/leads/{lead.pk}/?tab=history")
    assert b"Lima ME" in history.content and b"qualified" in history.content


def test_lead_page_refuses_bad_input_and_bad_moves_with_messages(rep, logged_in):
    browser = logged_in(rep)
    response = browser.post("/leads/new/", {"email": "nope", "country": "BR", "source": "manual"})
    assert response.status_code == 200
    assert b"Enter a valid e-mail address." in response.content
    assert not Lead.objects.exists()

    lead = _lead(rep)
    lead_set_status(actor=rep, lead_id=lead.pk, status="disqualified", reason="spam")
    page = browser.post(f"/leads/{lead.pk}/status/", {"status": "qualified"}, follow=True)
    assert "cannot move from" in page.content.decode()
    assert Lead.objects.get(pk=lead.pk).status == "disqualified"


def test_lead_delete_asks_first(rep, make_user, team, logged_in):
    lead = _lead(rep)
    browser = logged_in(make_user("sales-manager", teams=[team]))
    confirm = browser.get(f"/leads/{lead.pk}/delete/")
    assert confirm.status_code == 200 and b"Yes, delete" in confirm.content
    assert Lead.objects.filter(pk=lead.pk).exists()
    response = browser.post(f"/leads/{lead.pk}/delete/")
    assert response.status_code == 302 and response["Location"] == "/leads/"
    assert not Lead.objects.filter(pk=lead.pk).exists()


def test_another_teams_lead_page_is_404(rep, make_user, make_team, logged_in):
    theirs = _lead(make_user("sales-rep", teams=[make_team("Vendas RJ")]))
    browser = logged_in(rep)
    for path in ("", "edit/", "delete/", "convert/"):
        assert browser.get(f"/leads/{theirs.pk}/{path}").status_code == 404
    assert browser.post(f"/leads/{theirs.pk}/status/", {"status": "working"}).status_code == 404
    assert Lead.objects.get(pk=theirs.pk).status == "new"
