"""Custom fields on the account, contact and lead pages: the forms show an input per field,
save what changed, put the service's errors at their inputs; the record pages show the values;
the list filters on them; Settings deletes a field in use and changes its type only when every
value converts (decision 0005)."""

from __future__ import annotations

import re
from html import unescape

import pytest

from clientela.customers.models import Account, Contact, Lead
from clientela.customers.services import account_create, contact_create, contact_update
from clientela.customers.services.leads import lead_create
from clientela.platform.models import AuditEntry, CustomField
from clientela.platform.services.customfields import field_create, index_sync

TIERS = [{"value": "gold", "label": "Gold"}, {"value": "silver", "label": "Silver"}]
FIELDS = "/settings/custom-fields/"


def make_field(actor, key, field_type="text", object_type="customers.contact", **values):
    values = {"object_type": object_type, "key": key, "label": key.title(), **values}
    if field_type in ("choice", "multi_choice"):
        values.setdefault("choices", TIERS)
    row = field_create(actor=actor, values={**values, "field_type": field_type})
    index_sync(row.pk)  # what the task worker does after the commit
    return row


def shown(*keys):
    """The marker each custom input posts: the fields the page showed."""
    return {"cf__shown": list(keys)}


def field_box(html, key):
    """The markup of one custom input, with its label, help and errors."""
    match = re.search(
        rf'data-custom-field="{key}">(.*?)(?=<div class="field|</fieldset>)', html, re.S
    )
    assert match, key
    return match.group(1)


def initials(html):
    """The values the page showed, which the browser posts back with the form."""
    found: dict[str, list[str]] = {}
    for name, value in re.findall(r'name="(initial-cf_[a-z_]+)"(?: value="([^"]*)")?', html):
        found.setdefault(name, []).append(unescape(value))
    return found


@pytest.fixture
def rep(make_user, make_team):
    return make_user("sales-rep", teams=[make_team("Vendas SP")])


@pytest.fixture
def contact_fields(admin_user):
    return [
        make_field(admin_user, "tier", "choice", required=True, group="Sales"),
        make_field(admin_user, "seats", "integer", min_value=1, max_value=500, group="Sales"),
        make_field(admin_user, "budget", "currency", currency="BRL", help_text="Per year"),
        make_field(admin_user, "renewal", "datetime"),
        make_field(admin_user, "vip", "boolean"),
        make_field(admin_user, "interests", "multi_choice"),
        make_field(admin_user, "site", "url"),
        make_field(admin_user, "shop", "lookup", target="customers.account"),
        make_field(admin_user, "notes", "long_text"),
    ]


def test_the_contact_form_shows_the_fields_grouped_with_their_inputs(
    rep, contact_fields, logged_in
):
    html = logged_in(rep).get("/contacts/new/").content.decode()

    legends = re.findall(r"<legend>(.*?)</legend>", html)
    assert legends.index("Sales") + 1 == legends.index("More details")
    tier = field_box(html, "tier")
    assert '<abbr class="required-mark" title="required">*</abbr>' in tier
    assert '<select name="cf_tier"' in tier and '<option value="gold">Gold</option>' in tier
    assert 'type="number"' in field_box(html, "seats") and 'max="500"' in field_box(html, "seats")
    assert "Budget (BRL)" in field_box(html, "budget") and "Per year" in field_box(html, "budget")
    assert 'type="datetime-local"' in field_box(html, "renewal")
    assert 'type="checkbox" name="cf_vip"' in field_box(html, "vip")
    assert field_box(html, "interests").count('type="checkbox" name="cf_interests"') == 2
    assert 'type="url"' in field_box(html, "site")
    # the list filters on the link, so the form offers the list filter's picker
    assert 'hx-get="/lists/contact/choices/cf_shop/"' in field_box(html, "shop")
    assert "<textarea" in field_box(html, "notes")


def test_a_contact_form_saves_its_custom_fields(rep, contact_fields, logged_in):
    shop = account_create(actor=rep, values={"name": "Padaria Estrela"})
    client = logged_in(rep)

    response = client.post(
        "/contacts/new/",
        {
            "first_name": "Ana",
            "cf_tier": "gold",
            "cf_seats": "12",
            "cf_budget": "1234.5",
            "cf_renewal": "2026-11-26T14:30",
            "cf_interests": ["silver", "gold"],
            "cf_site": "example.com",
            "cf_shop": f"#{shop.pk} Padaria Estrela",
            "cf_notes": "",
            **shown(*("tier", "seats", "budget", "renewal", "vip"), *("interests", "site", "shop")),
        },
    )

    assert response.status_code == 302, response.context["custom_form"].errors
    contact = Contact.objects.get()
    assert contact.custom == {
        "tier": "gold",
        "seats": 12,
        "budget": 1234.5,
        "renewal": "2026-11-26T17:30:00Z",  # São Paulo time, stored in UTC
        "vip": False,
        "interests": ["gold", "silver"],
        "site": "https://example.com",
        "shop": shop.pk,
    }


def test_bad_values_show_at_their_inputs_keep_the_input_and_write_nothing(
    rep, contact_fields, logged_in
):
    response = logged_in(rep).post(
        "/contacts/new/",
        {
            "first_name": "Ana",
            "cf_tier": "",
            "cf_seats": "9000",
            "cf_site": "not a site",
            "cf_shop": "#999999",
            "cf_notes": "Keep <this> text",
            **shown("tier", "seats", "site", "shop", "notes"),
        },
    )

    assert response.status_code == 200
    assert Contact.objects.count() == 0
    errors = response.context["custom_form"].errors
    assert errors == {
        "cf_tier": ["This field is required."],
        "cf_seats": ["Enter 500 or less."],
        "cf_site": ["Enter a valid web address."],
        "cf_shop": ["Unknown record."],
    }
    html = response.content.decode()
    assert "Enter 500 or less." in field_box(html, "seats")
    assert 'value="9000"' in field_box(html, "seats")
    assert 'value="not a site"' in field_box(html, "site")
    assert "Keep &lt;this&gt; text</textarea>" in field_box(html, "notes")
    assert "Some fields are not valid." in html


def test_the_edit_form_prefills_and_saves_only_what_changed(
    rep, admin_user, contact_fields, logged_in
):
    shop = account_create(actor=rep, values={"name": "Padaria Estrela"})
    contact = contact_create(
        actor=rep,
        values={
            "first_name": "Ana",
            "custom": {
                "tier": "gold",
                "budget": "1234.50",
                "renewal": "2026-11-26T17:30:00Z",
                "vip": True,
                "interests": ["silver"],
                "shop": shop.pk,
            },
        },
    )
    client = logged_in(rep)
    page = client.get(f"/contacts/{contact.pk}/edit/")
    showed = initials(page.content.decode())
    assert showed["initial-cf_vip"] == ["True"]
    form = page.context["custom_form"]
    assert {name: form[name].value() for name in form.fields} == {
        "cf_tier": "gold",
        "cf_seats": None,
        "cf_budget": "1234.5",
        "cf_renewal": "2026-11-26T14:30",
        "cf_vip": True,
        "cf_interests": ["silver"],
        "cf_site": None,
        "cf_shop": f"#{shop.pk} Padaria Estrela",
        "cf_notes": None,
    }
    # someone else sets the seats meanwhile: the form did not change them, so they stay
    contact_update(actor=admin_user, contact_id=contact.pk, values={"custom": {"seats": 7}})

    response = client.post(
        f"/contacts/{contact.pk}/edit/",
        {
            "first_name": "Ana",
            "cf_tier": "silver",
            "cf_seats": "",
            "cf_budget": "1234.5",
            "cf_renewal": "2026-11-26T14:30",
            "cf_interests": ["silver"],
            "cf_shop": f"#{shop.pk} Padaria Estrela",
            **shown("tier", "seats", "budget", "renewal", "vip", "interests", "shop"),
            **showed,
        },
    )

    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.custom == {
        "tier": "silver",
        "seats": 7,
        "budget": 1234.5,
        "renewal": "2026-11-26T17:30:00Z",
        "vip": False,  # unticked
        "interests": ["silver"],
        "shop": shop.pk,
    }
    entry = AuditEntry.objects.filter(object_id=str(contact.pk), actor=rep, action="update").get()
    assert entry.changes == {"custom.tier": ["gold", "silver"], "custom.vip": [True, False]}


def test_a_post_without_the_custom_inputs_leaves_the_values_alone(rep, contact_fields, logged_in):
    contact = contact_create(
        actor=rep, values={"first_name": "Ana", "custom": {"tier": "gold", "vip": True}}
    )

    response = logged_in(rep).post(f"/contacts/{contact.pk}/edit/", {"first_name": "Bia"})

    assert response.status_code == 302
    contact.refresh_from_db()
    assert (contact.first_name, contact.custom) == ("Bia", {"tier": "gold", "vip": True})


def test_the_contact_page_shows_the_values_grouped_and_hides_blanks(rep, contact_fields, logged_in):
    shop = account_create(actor=rep, values={"name": "Padaria <Estrela>"})
    contact = contact_create(
        actor=rep,
        values={
            "first_name": "Ana",
            "custom": {
                "tier": "gold",
                "budget": "1234.5",
                "interests": ["gold", "silver"],
                "shop": shop.pk,
                "notes": "line one\nline two",
            },
        },
    )
    empty = contact_create(actor=rep, values={"first_name": "Bia", "custom": {"tier": "gold"}})
    client = logged_in(rep)

    html = client.get(f"/contacts/{contact.pk}/").content.decode()

    sections = re.findall(r'<section class="panel custom-values"[^>]*><h2>(.*?)</h2>', html)
    assert sections == ["Sales", "More details"]
    assert re.search(r'<dt>Tier</dt><dd data-custom-field="tier">Gold</dd>', html)
    assert 'data-custom-field="budget">BRL 1,234.50</dd>' in html
    assert 'data-custom-field="interests">Gold, Silver</dd>' in html
    assert 'data-custom-field="shop">Padaria &lt;Estrela&gt;</dd>' in html
    assert 'data-custom-field="notes">line one<br>line two</dd>' in html
    assert "<dt>Seats</dt>" not in html and "<dt>Vip</dt>" not in html
    assert "No values filled in yet." not in html

    CustomField.objects.filter(key="tier").delete()  # so Bia has no value left
    from clientela.platform import customfields

    customfields.forget()
    assert "No values filled in yet." in client.get(f"/contacts/{empty.pk}/").content.decode()


def test_a_rep_cannot_see_a_linked_record_out_of_sight(
    rep, admin_user, contact_fields, logged_in, make_user, make_team
):
    other = make_user("sales-rep", teams=[make_team("Norte")])
    hidden = account_create(actor=other, values={"name": "Segredo"})
    contact = contact_create(
        actor=admin_user,
        values={
            "first_name": "Ana",
            "owner": rep.pk,
            "custom": {"tier": "gold", "shop": hidden.pk},
        },
    )

    client = logged_in(rep)
    html = client.get(f"/contacts/{contact.pk}/").content.decode()
    assert f'data-custom-field="shop">#{hidden.pk}</dd>' in html and "Segredo" not in html
    form = client.get(f"/contacts/{contact.pk}/edit/").context["custom_form"]
    assert form["cf_shop"].value() == f"#{hidden.pk}"


def test_account_and_lead_forms_save_their_own_fields(admin_user, rep, logged_in):
    make_field(admin_user, "segment", "choice", object_type="customers.account")
    make_field(admin_user, "budget", "decimal", object_type="customers.lead", required=True)
    client = logged_in(rep)

    response = client.post(
        "/accounts/new/",
        {"name": "Padaria", "country": "BR", "cf_segment": "silver", **shown("segment")},
    )
    assert response.status_code == 302
    account = Account.objects.get()
    assert account.custom == {"segment": "silver"}
    assert (
        'data-custom-field="segment">Silver</dd>'
        in client.get(f"/accounts/{account.pk}/").content.decode()
    )

    lead_data = {"first_name": "Caio", "country": "BR", "source": "manual", **shown("budget")}
    response = client.post("/leads/new/", {**lead_data, "cf_budget": "lots"})
    assert response.status_code == 200
    assert response.context["custom_form"].errors == {"cf_budget": ["Enter a number."]}
    assert not Lead.objects.exists()
    response = client.post("/leads/new/", {**lead_data, "cf_budget": "1.500,25"})
    assert response.status_code == 302
    lead = Lead.objects.get()
    assert lead.custom == {"budget": 1500.25}
    assert (
        'data-custom-field="budget">1,500.25</dd>'
        in client.get(f"/leads/{lead.pk}/").content.decode()
    )


def test_a_converted_lead_keeps_its_values_and_its_form_has_only_the_notes(admin_user, logged_in):
    make_field(admin_user, "budget", "integer", object_type="customers.lead")
    lead = lead_create(actor=admin_user, values={"first_name": "Caio", "custom": {"budget": 5}})
    Lead.objects.filter(pk=lead.pk).update(status="converted")

    client = logged_in(admin_user)
    page = client.get(f"/leads/{lead.pk}/edit/")
    assert page.context["custom_form"] is None
    assert "cf_budget" not in page.content.decode()
    response = client.post(f"/leads/{lead.pk}/edit/", {"description": "Won", "cf_budget": "9"})
    assert response.status_code == 302
    lead.refresh_from_db()
    assert (lead.description, lead.custom) == ("Won", {"budget": 5})


def test_the_contact_list_filters_on_a_number_range(admin_user, rep, logged_in):
    make_field(admin_user, "seats", "integer")
    for name, seats in (("Ana", 12), ("Bia", 30), ("Caio", None)):
        custom = {"seats": seats} if seats else {}
        contact_create(actor=rep, values={"first_name": name, "custom": custom})
    client = logged_in(rep)

    html = client.get("/contacts/").content.decode()
    assert 'name="cf_seats_min"' in html and 'name="cf_seats_max"' in html

    response = client.get("/contacts/", {"cf_seats_min": "20", "columns": "name,cf_seats"})
    rows = [r["label"] for r in response.context["rows"]]
    assert rows == ["Bia"]
    assert response.context["rows"][0]["cells"] == ["Bia", "30"]
    assert 'name="cf_seats_min" value="20"' in response.content.decode()
    rows = client.get("/contacts/", {"cf_seats_max": "20"}).context["rows"]
    assert [r["label"] for r in rows] == ["Ana"]


def test_deleting_a_field_in_use_needs_its_key_typed(admin_user, rep, logged_in):
    row = make_field(admin_user, "tier", "choice")
    ana = contact_create(actor=rep, values={"first_name": "Ana", "custom": {"tier": "gold"}})
    client = logged_in(admin_user)
    url = f"{FIELDS}{row.pk}/delete/"

    page = client.get(url).content.decode()
    assert "1 record (Contacts) holds a value for this field." in page
    assert 'name="confirm_key"' in page

    for typed in ("", "Tier", "other"):
        response = client.post(url, {"confirm_key": typed})
        assert response.status_code == 200
        assert "Type the field&#x27;s key (tier) to delete it" in response.content.decode()
    assert CustomField.objects.filter(pk=row.pk).exists()
    ana.refresh_from_db()
    assert ana.custom == {"tier": "gold"}

    response = client.post(url, {"confirm_key": "tier"})

    assert response.status_code == 302
    assert not CustomField.objects.exists()
    ana.refresh_from_db()
    assert not ana.custom
    listing = client.get(FIELDS).content.decode()
    assert "The field “Tier” was deleted. 1 record lost its value." in listing


def test_changing_the_type_is_refused_until_every_value_converts(admin_user, rep, logged_in):
    row = make_field(admin_user, "seats", "text")
    contact_create(actor=rep, values={"first_name": "Ana", "custom": {"seats": "12"}})
    bia = contact_create(actor=rep, values={"first_name": "Bia", "custom": {"seats": "about 30"}})
    client = logged_in(admin_user)
    url = f"{FIELDS}{row.pk}/type/"

    page = client.get(url)
    assert "2 records hold a value for it." in page.content.decode()
    response = client.post(url, {"field_type": "integer", "currency": "BRL"})

    assert response.status_code == 200
    errors = response.context["form"].non_field_errors()
    assert len(errors) == 1 and "“about 30”" in errors[0] and "nothing was changed" in errors[0]
    row.refresh_from_db()
    assert row.field_type == "text"

    response = client.post(url, {"field_type": "choice", "choices": ""})
    assert response.context["form"].errors == {"choices": ["Enter at least one option."]}

    contact_update(actor=rep, contact_id=bia.pk, values={"custom": {"seats": "30"}})
    response = client.post(url, {"field_type": "integer", "currency": "BRL"})

    assert response.status_code == 302
    assert response["Location"] == f"{FIELDS}{row.pk}/"
    row.refresh_from_db()
    assert row.field_type == "integer"
    assert sorted(c.custom["seats"] for c in Contact.objects.all()) == [12, 30]
    assert "is now of the type Whole number." in client.get(FIELDS).content.decode()


def test_a_new_record_form_offers_the_defaults(admin_user, rep, logged_in):
    make_field(admin_user, "tier", "choice", default="silver")
    make_field(admin_user, "vip", "boolean", default=True)
    client = logged_in(rep)

    page = client.get("/contacts/new/")
    html = page.content.decode()
    assert '<option value="silver" selected>Silver</option>' in field_box(html, "tier")
    assert 'name="cf_vip" id="id_cf_vip" checked>' in field_box(html, "vip")
    showed = initials(html)
    assert showed == {"initial-cf_tier": ["silver"], "initial-cf_vip": ["True"]}

    kept = {"first_name": "Ana", "cf_tier": "silver", "cf_vip": "on", **shown("tier", "vip")}
    assert client.post("/contacts/new/", {**kept, **showed}).status_code == 302
    cleared = {"first_name": "Bia", "cf_tier": "", **shown("tier", "vip")}
    assert client.post("/contacts/new/", {**cleared, **showed}).status_code == 302

    custom = dict(Contact.objects.values_list("first_name", "custom"))
    assert custom == {"Ana": {"tier": "silver", "vip": True}, "Bia": {"vip": False}}


def test_a_link_to_a_record_type_without_search_is_typed_by_number(admin_user, logged_in):
    make_field(admin_user, "meeting", "lookup", target="activities.activity")
    client = logged_in(admin_user)

    form = client.get("/contacts/new/").content.decode()
    assert "hx-get" not in field_box(form, "meeting")
    assert 'placeholder="#123"' in field_box(form, "meeting")
    listing = client.get("/contacts/").content.decode()
    assert 'type="number" min="1" name="cf_meeting"' in listing
    assert "/lists/contact/choices/cf_meeting/" not in listing
