"""Leads and privacy in a real browser: create, qualify, convert, then record a consent."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from clientela.customers.models import Consent, Contact, Lead
from clientela.platform.models import User

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
Url = Callable[[str], str]


def test_create_qualify_convert_and_record_consent(
    page: Page, admin_user: User, sign_in: Callable[..., None], url: Url
) -> None:
    sign_in(page, "admin")
    page.goto("/leads/new/")
    page.fill("input[name=first_name]", "Ana")
    page.fill("input[name=last_name]", "Souza")
    page.fill("input[name=company]", "Padaria Estrela")
    page.fill("input[name=email]", "ana@estrela.com.br")
    page.fill("input[name=phone]", "(11) 98765-4321")
    page.select_option("select[name=source]", "web_form")
    page.get_by_role("button", name="Save").click()

    lead = Lead.objects.get(last_name="Souza")
    expect(page).to_have_url(url(f"/leads/{lead.pk}/"))
    expect(page.locator(".lead-status")).to_have_text("New")

    page.get_by_role("button", name="Mark as Qualified").click()
    expect(page.locator(".lead-status")).to_have_text("Qualified")
    expect(page.locator(".message-success")).to_contain_text("qualified")

    page.get_by_role("link", name="Convert").click()
    expect(page).to_have_url(url(f"/leads/{lead.pk}/convert/"))
    expect(page.locator("input[name=account_name]")).to_have_value("Padaria Estrela")
    expect(page.locator("input[name=contact_email]")).to_have_value("ana@estrela.com.br")
    # Choosing "link" hides the fields of a new account (CSS :has, no script).
    page.check("input[name=account_mode][value=link]")
    expect(page.locator("input[name=account_name]")).to_be_hidden()
    page.check("input[name=account_mode][value=create]")
    expect(page.locator("input[name=account_name]")).to_be_visible()
    page.locator("form.convert-form").get_by_role("button", name="Convert").click()

    contact = Contact.objects.get(email="ana@estrela.com.br")
    expect(page).to_have_url(url(f"/contacts/{contact.pk}/"))
    expect(page.locator("main h1")).to_have_text("Ana Souza")
    lead.refresh_from_db()
    assert lead.status == "converted" and lead.converted_contact_id == contact.pk
    assert contact.account is not None and contact.account.name == "Padaria Estrela"

    page.goto(f"/contacts/{contact.pk}/privacy/")
    cell = page.locator("td[data-channel=email][data-purpose=newsletter]")
    expect(cell).to_have_text(re.compile("^—"))
    page.select_option("select[name=channel]", "email")
    page.select_option("select[name=purpose]", "newsletter")
    page.select_option("select[name=status]", "opt_in")
    page.fill("input[name=source]", "Phone call")
    page.fill("textarea[name=text]", "May we send you our monthly newsletter?")
    page.get_by_role("button", name="Record", exact=True).click()

    expect(page.locator(".message-success")).to_contain_text("consent change was recorded")
    expect(cell).to_contain_text("Opted in")
    expect(page.locator("table.consent-history tbody tr")).to_have_count(1)
    expect(page.locator("table.consent-history")).to_contain_text("Phone call")
    consent = Consent.objects.get(contact=contact)
    assert (consent.channel, consent.purpose, consent.status) == ("email", "newsletter", "opt_in")
    assert consent.proof["form"] == "privacy page" and consent.proof["ip"] == "127.0.0.1"
    assert consent.proof["text"] == "May we send you our monthly newsletter?"
