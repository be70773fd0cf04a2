"""Data-subject tools: the personal-data export (ZIP of JSON) and erasure by anonymisation."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date
from typing import Any

import pytest

from clientela.customers import privacy
from clientela.customers.models import (
    AccountContact,
    Address,
    Consent,
    Contact,
    ContactPoint,
    Lead,
)
from clientela.customers.search_index import search
from clientela.customers.services import account_create
from clientela.customers.services.consent import consent_record
from clientela.customers.services.leads import ConversionPlan, lead_convert, lead_create
from clientela.customers.services.privacy import contact_anonymise, contact_personal_data_export
from clientela.platform.audit import verify_chain
from clientela.platform.errors import Conflict, NotFound, PermissionDenied
from clientela.platform.models import AuditEntry
from clientela.platform.selectors import record_history

PERSONAL = [
    "Joana",
    "Pereira",
    "joana@pereira.dev",
    "+5511987654321",
    "987654321",
    "529.982.247-25",
    "52998224725",
    "Rua das Flores 12",
    "01310-100",
    "joana.alt@mail.com",
    "+5521987654321",
    "Allergic to peanuts",
    "CRM-77",
    "203.0.113.9",
]


@pytest.fixture
def team(make_team):
    return make_team("Vendas SP")


@pytest.fixture
def manager(make_user, team):
    return make_user("sales-manager", teams=[team])


@pytest.fixture
def person(manager):
    """A contact with every kind of personal data, converted from a lead, with consents."""
    lead = lead_create(
        actor=manager,
        values={
            "first_name": "Joana",
            "last_name": "Pereira",
            "company": "Estrela Consultoria",
            "email": "joana@pereira.dev",
            "phone": "+55 11 98765-4321",
            "tax_id": "529.982.247-25",
        },
    )
    contact = lead_convert(actor=manager, lead_id=lead.pk, plan=ConversionPlan()).contact
    Contact.objects.filter(pk=contact.pk).update(
        birthday=date(1990, 5, 17),
        gender="female",
        description="Allergic to peanuts",
        external_id="CRM-77",
    )
    ContactPoint.objects.create(contact=contact, kind="email", value="joana.alt@mail.com")
    ContactPoint.objects.create(contact=contact, kind="phone", value="+5521987654321")
    Address.objects.create(contact=contact, street="Rua das Flores 12", postal_code="01310-100")
    for status in ("opt_in", "opt_out"):
        consent_record(
            actor=manager,
            contact_id=contact.pk,
            values={
                "channel": "email",
                "purpose": "newsletter",
                "status": status,
                "proof": {"form": "footer", "ip": "203.0.113.9", "text": "Send me news"},
            },
        )
    contact = Contact.objects.select_related("account").get(pk=contact.pk)
    contact.save()  # search_text from everything above
    return contact


def _zip(content: bytes) -> dict[str, Any]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert archive.testzip() is None
        return {name: json.loads(archive.read(name)) for name in archive.namelist()}


def test_export_is_a_zip_of_json_with_every_section(manager, person):
    export = contact_personal_data_export(actor=manager, contact_id=person.pk)

    files = _zip(export.content)
    assert export.filename == f"personal-data-contact-{person.pk}.zip"
    assert set(files) >= {
        "manifest.json",
        "contact.json",
        "contact_points.json",
        "addresses.json",
        "memberships.json",
        "consents.json",
        "leads.json",
        "audit.json",
    }
    contact = files["contact.json"]
    assert contact["first_name"] == "Joana" and contact["birthday"] == "1990-05-17"
    assert "search_text" not in contact
    assert {p["value"] for p in files["contact_points.json"]} == {
        "joana.alt@mail.com",
        "+5521987654321",
    }
    assert files["addresses.json"][0]["street"] == "Rua das Flores 12"
    assert files["memberships.json"][0]["account"] == "Estrela Consultoria"
    assert [c["status"] for c in files["consents.json"]] == ["opt_in", "opt_out"]
    assert files["leads.json"][0]["email"] == "joana@pereira.dev"
    actions = [e["action"] for e in files["audit.json"]]
    assert "convert" in actions and "consent" in actions
    assert files["manifest.json"]["subject"] == {
        "record_type": "customers.contact",
        "id": person.pk,
    }
    entry = AuditEntry.objects.filter(action="export").get()
    assert entry.object_id == str(person.pk) and "contact" in entry.changes["personal_data"][1]


def test_export_needs_the_export_right_and_a_visible_contact(person, make_user, make_team, team):
    with pytest.raises(PermissionDenied):
        contact_personal_data_export(
            actor=make_user("sales-rep", teams=[team]), contact_id=person.pk
        )
    with pytest.raises(NotFound):
        contact_personal_data_export(
            actor=make_user("sales-manager", teams=[make_team("Vendas RJ")]), contact_id=person.pk
        )
    assert not AuditEntry.objects.filter(action="export").exists()


def test_later_apps_add_sections_and_erasers(manager, person, monkeypatch):
    erased: list[int] = []

    def erase(contact):
        erased.append(contact.pk)
        return 3

    provider = privacy.PersonalDataProvider(
        "tickets", lambda c: [{"subject": f"ticket of {c.first_name}"}], erase
    )
    monkeypatch.setitem(privacy._providers, "tickets", provider)

    files = _zip(contact_personal_data_export(actor=manager, contact_id=person.pk).content)
    assert files["tickets.json"] == [{"subject": "ticket of Joana"}]
    contact_anonymise(actor=manager, contact_id=person.pk)
    assert erased == [person.pk]
    entry = AuditEntry.objects.get(action="anonymise")
    assert entry.changes["related_rows_erased"][1]["tickets"] == 3


def test_anonymise_leaves_no_personal_value_behind(manager, person):
    account_id = person.account_id
    consents = Consent.objects.filter(contact=person).count()

    contact = contact_anonymise(actor=manager, contact_id=person.pk)

    contact = Contact.objects.get(pk=person.pk)  # the id stays
    stored = json.dumps(privacy.row(contact)) + contact.search_text
    for value in PERSONAL:
        assert value.casefold() not in stored.casefold(), value
    assert (contact.first_name, contact.birthday, contact.email) == ("Anonymised", None, "")
    assert contact.do_not_contact and contact.anonymized_at is not None
    assert contact.gender == "female"  # a band for aggregates, not an identifier
    assert not ContactPoint.objects.filter(contact=contact).exists()
    assert not Address.objects.filter(contact=contact).exists()
    assert AccountContact.objects.filter(contact=contact, account_id=account_id).exists()
    assert Consent.objects.filter(contact=contact).count() == consents
    assert all(c.proof == {"form": "footer", "text": "Send me news"} for c in Consent.objects.all())
    lead = Lead.objects.get(converted_contact=contact)
    lead_text = json.dumps(privacy.row(lead)) + lead.search_text
    for value in PERSONAL:
        assert value.casefold() not in lead_text.casefold(), value
    assert lead.company == "Estrela Consultoria"
    for word in ("Joana", "Pereira Joana", "joana@pereira.dev", "987654321", "52998224725"):
        assert not search(Contact.objects.filter(pk=contact.pk), word).exists(), word
    entry = AuditEntry.objects.get(action="anonymise")
    assert entry.object_repr == "Anonymised"
    assert "email" in entry.changes["erased_fields"][1]
    assert not any(v in json.dumps(entry.changes) for v in PERSONAL)
    assert verify_chain() == []


def test_history_hides_old_values_once_anonymised(manager, person):
    before = privacy.redact_entries(record_history(manager, person))
    assert any("Joana" in json.dumps(e.changes) for e in before)

    contact_anonymise(actor=manager, contact_id=person.pk)

    shown = privacy.redact_entries(record_history(manager, person))
    dumped = json.dumps([[e.object_repr, e.changes] for e in shown if e.action != "anonymise"])
    for value in PERSONAL:
        assert value not in dumped, value
    assert all(e.object_repr == privacy.REDACTED for e in shown)
    lead = Lead.objects.get(converted_contact=person)
    lead_shown = privacy.redact_entries(record_history(manager, lead))
    assert "Joana" not in json.dumps([e.changes for e in lead_shown])
    # The stored entries are untouched: the hash chain still verifies.
    assert any("Joana" in json.dumps(e.changes) for e in record_history(manager, person))
    assert verify_chain() == []


def test_anonymise_needs_delete_right_and_happens_once(person, manager, make_user, team):
    with pytest.raises(PermissionDenied):
        contact_anonymise(actor=make_user("sales-rep", teams=[team]), contact_id=person.pk)
    assert Contact.objects.get(pk=person.pk).first_name == "Joana"
    contact_anonymise(actor=manager, contact_id=person.pk)
    with pytest.raises(Conflict) as caught:
        contact_anonymise(actor=manager, contact_id=person.pk)
    assert caught.value.code == "contact_already_anonymised"
    assert AuditEntry.objects.filter(action="anonymise").count() == 1


def test_accounts_are_not_touched(manager, person):
    other = account_create(actor=manager, values={"name": "Other Ltda", "email": "x@other.com"})
    contact_anonymise(actor=manager, contact_id=person.pk)
    other.refresh_from_db()
    assert (other.name, other.email) == ("Other Ltda", "x@other.com")


# --- the Privacy page ---------------------------------------------------------------------------


def test_privacy_page_exports_and_erases_after_typed_confirmation(manager, person, logged_in):
    browser = logged_in(manager)
    page = browser.get(f"/contacts/{person.pk}/privacy/")
    assert page.status_code == 200
    assert b"Download personal data" in page.content and b"Erase personal data" in page.content

    download = browser.post(f"/contacts/{person.pk}/privacy/", {"action": "export"})
    assert download["Content-Type"] == "application/zip"
    assert _zip(download.content)["contact.json"]["last_name"] == "Pereira"

    wrong = browser.post(
        f"/contacts/{person.pk}/privacy/", {"action": "anonymise", "confirm_name": "Joana"}
    )
    assert wrong.status_code == 422 and b"does not match" in wrong.content
    assert Contact.objects.get(pk=person.pk).anonymized_at is None

    done = browser.post(
        f"/contacts/{person.pk}/privacy/",
        {"action": "anonymise", "confirm_name": "  joana   PEREIRA "},
    )
    assert done.status_code == 302
    assert Contact.objects.get(pk=person.pk).anonymized_at is not None
    after = browser.get(f"/contacts/{person.pk}/privacy/")
    assert b"Anonymised on" in after.content and b"Erase personal data" not in after.content


def test_privacy_page_records_consent_and_do_not_contact(manager, person, logged_in):
    browser = logged_in(manager)
    bad = browser.post(
        f"/contacts/{person.pk}/privacy/",
        {"action": "consent", "channel": "fax", "purpose": "marketing", "status": "opt_in"},
    )
    assert bad.status_code == 422
    assert Consent.objects.filter(contact=person).count() == 2
    browser.post(
        f"/contacts/{person.pk}/privacy/",
        {"action": "consent", "channel": "sms", "purpose": "surveys", "status": "opt_in"},
    )
    latest = Consent.objects.filter(contact=person).order_by("-id").first()
    assert latest is not None and (latest.channel, latest.status) == ("sms", "opt_in")
    assert latest.proof["form"] == "privacy page"
    browser.post(f"/contacts/{person.pk}/privacy/", {"action": "dnc", "value": "1"})
    assert Contact.objects.get(pk=person.pk).do_not_contact is True


def test_privacy_page_offers_only_what_the_role_allows(person, make_user, team, logged_in):
    page = logged_in(make_user("sales-rep", teams=[team])).get(f"/contacts/{person.pk}/privacy/")
    assert page.status_code == 200
    assert b"Record a consent change" in page.content
    assert b"Download personal data" not in page.content
    assert b"Erase personal data" not in page.content
    reader = logged_in(make_user("read-only"))
    response = reader.post(f"/contacts/{person.pk}/privacy/", {"action": "export"})
    assert response.status_code == 403
    assert not AuditEntry.objects.filter(action="export").exists()


def test_pages_hide_old_values_once_anonymised(manager, person, logged_in):
    client = logged_in(manager)
    contact_anonymise(actor=manager, contact_id=person.pk)

    pages = [
        client.get(f"/contacts/{person.pk}/", {"tab": "history"}),
        client.get(f"/timeline/customers.contact/{person.pk}/", {"kind": "changes"}),
    ]

    for response in pages:
        assert response.status_code == 200
        html = response.content.decode()
        for value in PERSONAL:
            assert value not in html, value
