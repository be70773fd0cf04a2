"""Converting a lead: create or link an account and a contact, all in one transaction."""

from __future__ import annotations

import pytest
from django.utils import timezone

from clientela.customers import selectors_leads
from clientela.customers.models import Account, AccountContact, Contact, Lead
from clientela.customers.services import account_create, contact_create
from clientela.customers.services import leads as lead_services
from clientela.customers.services.leads import ConversionPlan, lead_convert, lead_create
from clientela.platform import events
from clientela.platform.errors import Conflict, NotFound, ValidationFailed
from clientela.platform.models import AuditEntry


@pytest.fixture
def team(make_team):
    return make_team("Vendas SP")


@pytest.fixture
def rep(make_user, team):
    return make_user("sales-rep", teams=[team])


@pytest.fixture
def lead(rep):
    return lead_create(
        actor=rep,
        values={
            "first_name": "Ana",
            "last_name": "Souza",
            "company": "Padaria Estrela",
            "job_title": "Owner",
            "email": "ana@estrela.com.br",
            "phone": "+55 11 98765-4321",
            "tax_id": "11.222.333/0001-81",
            "website": "https://estrela.com.br",
        },
    )


def _counts() -> tuple[int, int, int, int]:
    return (
        Account.objects.count(),
        Contact.objects.count(),
        AccountContact.objects.count(),
        AuditEntry.objects.count(),
    )


def test_conversion_creates_account_and_contact_from_the_lead(
    rep, team, lead, django_capture_on_commit_callbacks
):
    seen: list[events.Event] = []
    events.subscribe("customers.lead.converted", seen.append)
    with django_capture_on_commit_callbacks(execute=True):
        result = lead_convert(actor=rep, lead_id=lead.pk, plan=ConversionPlan())

    account, contact = result.account, result.contact
    assert (account.name, account.tax_id, account.website) == (
        "Padaria Estrela",
        "11.222.333/0001-81",
        "https://estrela.com.br",
    )
    assert (contact.first_name, contact.last_name, contact.email, contact.phone) == (
        "Ana",
        "Souza",
        "ana@estrela.com.br",
        "+5511987654321",
    )
    assert contact.tax_id == ""  # a CNPJ is the company's, not the person's
    assert (contact.account_id, contact.job_title) == (account.pk, "Owner")
    assert (account.owner_id, account.team_id, contact.team_id) == (rep.pk, team.pk, team.pk)
    assert AccountContact.objects.filter(account=account, contact=contact).count() == 1
    lead.refresh_from_db()
    assert lead.status == "converted" and lead.converted_at is not None
    assert (lead.converted_account_id, lead.converted_contact_id) == (account.pk, contact.pk)
    entry = AuditEntry.objects.get(object_type="customers.lead", action="convert")
    assert entry.changes["status"] == ["new", "converted"]
    assert entry.changes["converted_contact"] == [None, contact.pk]
    mine = [e for e in seen if e.payload["lead_id"] == lead.pk]
    assert len(mine) == 1 and mine[0].payload["contact_id"] == contact.pk
    assert mine[0].payload["account_id"] == account.pk


def test_conversion_links_existing_records_and_sets_a_missing_primary_account(rep, lead):
    account = account_create(actor=rep, values={"name": "Estrela Holding"})
    contact = contact_create(actor=rep, values={"first_name": "Ana", "email": "ana@x.com"})
    before = (Account.objects.count(), Contact.objects.count())

    result = lead_convert(
        actor=rep,
        lead_id=lead.pk,
        plan=ConversionPlan(
            account_mode="link", account_id=account.pk, contact_mode="link", contact_id=contact.pk
        ),
    )

    assert (Account.objects.count(), Contact.objects.count()) == before
    assert (result.account.pk, result.contact.pk) == (account.pk, contact.pk)
    contact.refresh_from_db()
    assert contact.account_id == account.pk
    assert AccountContact.objects.filter(account=account, contact=contact).exists()
    assert Lead.objects.get(pk=lead.pk).converted_contact_id == contact.pk


def test_conversion_without_an_account_for_a_person(rep):
    person = lead_create(actor=rep, values={"last_name": "Oliveira", "email": "jo@x.com"})
    result = lead_convert(actor=rep, lead_id=person.pk, plan=ConversionPlan(account_mode="none"))
    assert result.account is None
    assert (result.contact.first_name, result.contact.last_name) == ("Oliveira", "")
    assert Account.objects.count() == 0


def test_conversion_is_rolled_back_entirely_when_the_contact_part_fails(rep, lead):
    before = _counts()
    plan = ConversionPlan(contact_values={"email": "not-an-address", "first_name": ""})
    with pytest.raises(ValidationFailed) as caught:
        lead_convert(actor=rep, lead_id=lead.pk, plan=plan)
    assert set(caught.value.errors) == {"contact.email", "contact.first_name"}
    assert _counts() == before  # the account created first was rolled back too
    lead.refresh_from_db()
    assert (lead.status, lead.converted_account_id, lead.converted_at) == ("new", None, None)


def test_both_parts_report_their_errors_at_once(rep, lead):
    plan = ConversionPlan(account_values={"name": ""}, contact_values={"phone": "12"})
    with pytest.raises(ValidationFailed) as caught:
        lead_convert(actor=rep, lead_id=lead.pk, plan=plan)
    assert set(caught.value.errors) == {"account.name", "contact.phone"}
    assert Account.objects.count() == 0 and Contact.objects.count() == 0


def test_a_converted_lead_cannot_be_converted_again(rep, lead):
    lead_convert(actor=rep, lead_id=lead.pk, plan=ConversionPlan())
    before = _counts()
    with pytest.raises(Conflict) as caught:
        lead_convert(actor=rep, lead_id=lead.pk, plan=ConversionPlan())
    assert caught.value.code == "lead_already_converted"
    assert _counts() == before


def test_a_disqualified_lead_must_be_reopened_first(rep, lead):
    lead_services.lead_set_status(
        actor=rep, lead_id=lead.pk, status="disqualified", reason="no_need"
    )
    with pytest.raises(Conflict) as caught:
        lead_convert(actor=rep, lead_id=lead.pk, plan=ConversionPlan())
    assert caught.value.code == "lead_transition_not_allowed"
    assert Account.objects.count() == 0


def test_converting_another_teams_lead_is_not_found(rep, make_user, make_team):
    other = make_user("sales-rep", teams=[make_team("Vendas RJ")])
    theirs = lead_create(actor=other, values={"last_name": "Lima", "company": "Lima ME"})
    before = _counts()
    with pytest.raises(NotFound):
        lead_convert(actor=rep, lead_id=theirs.pk, plan=ConversionPlan())
    assert _counts() == before
    assert Lead.objects.get(pk=theirs.pk).status == "new"


def test_linking_a_record_the_actor_cannot_see_is_refused(rep, lead, make_user, make_team):
    other = make_user("sales-rep", teams=[make_team("Vendas RJ")])
    hidden = account_create(actor=other, values={"name": "Hidden Ltda"})
    before = _counts()
    plan = ConversionPlan(account_mode="link", account_id=hidden.pk)
    with pytest.raises(ValidationFailed) as caught:
        lead_convert(actor=rep, lead_id=lead.pk, plan=plan)
    assert caught.value.errors == {"account.id": ["Unknown account."]}
    assert _counts() == before


def test_linking_an_anonymised_contact_is_refused(rep, lead):
    gone = contact_create(actor=rep, values={"first_name": "Gone"})
    Contact.objects.filter(pk=gone.pk).update(anonymized_at=timezone.now())
    plan = ConversionPlan(account_mode="none", contact_mode="link", contact_id=gone.pk)
    with pytest.raises(ValidationFailed) as caught:
        lead_convert(actor=rep, lead_id=lead.pk, plan=plan)
    assert list(caught.value.errors) == ["contact.id"]
    assert Lead.objects.get(pk=lead.pk).status == "new"


def test_conversion_extras_run_in_the_same_transaction(rep, lead, monkeypatch):
    made: list[int] = []

    def probe(*, actor, lead, account, contact, options):
        made.append(contact.pk)
        if options.get("fail"):
            raise ValidationFailed(errors={"extras.probe": ["refused"]})
        return {"seen_contact": contact.pk}

    monkeypatch.setitem(lead_services._extras, "probe", probe)
    with pytest.raises(ValidationFailed):
        lead_convert(actor=rep, lead_id=lead.pk, plan=ConversionPlan(extras={"probe": {"fail": 1}}))
    assert len(made) == 1 and Contact.objects.count() == 0
    result = lead_convert(actor=rep, lead_id=lead.pk, plan=ConversionPlan(extras={"probe": {}}))
    assert result.extras == {"probe": {"seen_contact": result.contact.pk}}
    with pytest.raises(ValidationFailed) as caught:
        lead_convert(actor=rep, lead_id=lead.pk, plan=ConversionPlan(extras={"nope": {}}))
    assert "extras.nope" in caught.value.errors


def test_matches_suggest_visible_records_by_tax_id_email_and_company(
    rep, lead, make_user, make_team
):
    by_tax = account_create(actor=rep, values={"name": "Other name", "tax_id": "11222333000181"})
    by_name = account_create(actor=rep, values={"name": "padaria estrela"})
    account_create(actor=rep, values={"name": "Unrelated"})
    by_email = contact_create(actor=rep, values={"first_name": "A", "email": "ANA@estrela.com.br"})
    contact_create(actor=rep, values={"first_name": "B", "email": "b@estrela.com.br"})
    other = make_user("sales-rep", teams=[make_team("Vendas RJ")])
    account_create(actor=other, values={"name": "Padaria Estrela"})  # not visible to rep

    found = selectors_leads.conversion_matches(rep, lead)

    assert {a.pk for a in found.accounts} == {by_tax.pk, by_name.pk}
    assert [c.pk for c in found.contacts] == [by_email.pk]


def test_wizard_shows_errors_and_converts_with_a_linked_contact(rep, lead, logged_in):
    existing = contact_create(
        actor=rep, values={"first_name": "Ana", "email": "ana@estrela.com.br"}
    )
    browser = logged_in(rep)
    page = browser.get(f"/leads/{lead.pk}/convert/")
    assert page.status_code == 200
    assert f'value="{existing.pk}"'.encode() in page.content  # suggested by e-mail

    bad = browser.post(
        f"/leads/{lead.pk}/convert/",
        {
            "account_mode": "create",
            "account_name": "",
            "contact_mode": "create",
            "contact_first_name": "Ana",
            "contact_email": "broken",
        },
    )
    assert bad.status_code == 200
    assert b"This field is required." in bad.content
    assert b"Enter a valid e-mail address." in bad.content
    assert Account.objects.count() == 0

    done = browser.post(
        f"/leads/{lead.pk}/convert/",
        {
            "account_mode": "create",
            "account_name": "Padaria Estrela",
            "contact_mode": "link",
            "contact_id": existing.pk,
        },
    )
    assert done.status_code == 302 and done["Location"] == f"/contacts/{existing.pk}/"
    assert Lead.objects.get(pk=lead.pk).converted_contact_id == existing.pk
    again = browser.get(f"/leads/{lead.pk}/convert/")
    assert again.status_code == 302
