"""Settings → Custom fields: administrators add, change and remove fields through the pages;
nobody else reaches them (decision 0005; values on records: customers' test_custom_fields_forms)."""

from __future__ import annotations

from clientela.platform.models import AuditEntry, CustomField
from clientela.platform.services.customfields import field_create, index_sync

LIST = "/settings/custom-fields/"
NEW = "/settings/custom-fields/new/"
CONTACT = "customers.contact"


def form_data(**values):
    """What the "Add field" form posts, with its defaults (the boxes a browser sends)."""
    data = {
        "object_type": CONTACT,
        "label": "Tier",
        "key": "",
        "field_type": "text",
        "choices": "",
        "target": "",
        "currency": "BRL",
        "default": "",
        "help_text": "",
        "group": "",
        "position": "",
        "min_value": "",
        "max_value": "",
        "max_length": "",
        "pattern": "",
        "filterable": "on",
    }
    data.update(values)
    return {k: v for k, v in data.items() if v is not None}


def make_field(actor, key="tier", field_type="text", **values):
    values = {"object_type": CONTACT, "key": key, "label": key.title(), **values}
    return field_create(actor=actor, values={**values, "field_type": field_type})


def test_an_administrator_adds_a_field_through_the_settings_form(admin_user, logged_in):
    browser = logged_in(admin_user)
    index = browser.get("/settings/")
    assert LIST in index.content.decode()
    empty = browser.get(LIST)
    assert empty.status_code == 200
    assert "No custom fields yet." in empty.content.decode()

    page = browser.get(f"{NEW}?object_type={CONTACT}")
    assert page.status_code == 200
    assert page.context["form"]["object_type"].value() == CONTACT

    response = browser.post(
        NEW,
        form_data(
            label="Nível de satisfação",
            field_type="choice",
            choices="high|Very happy\nMedium\n\nlow|Unhappy",
            help_text="What the customer told us",
            group="Relationship",
            required="on",
            default="medium",
            target="customers.account",  # not a link: ignored
            min_value="3",  # not a number: ignored
        ),
    )

    assert response.status_code == 302
    assert response["Location"] == LIST
    row = CustomField.objects.get()
    assert (row.object_type, row.key, row.label, row.field_type) == (
        CONTACT,
        "nivel_de_satisfacao",
        "Nível de satisfação",
        "choice",
    )
    assert row.choices == [
        {"value": "high", "label": "Very happy"},
        {"value": "Medium", "label": "Medium"},
        {"value": "low", "label": "Unhappy"},
    ]
    assert (row.required, row.default, row.group, row.filterable) == (
        True,
        "Medium",
        "Relationship",
        True,
    )
    assert (row.target, row.min_value, row.index_state) == ("", None, "building")
    assert AuditEntry.objects.filter(object_type="platform.customfield", action="create").count()

    listing = browser.get(LIST)
    html = listing.content.decode()
    assert "The field “Nível de satisfação” was added." in html
    assert "<code>nivel_de_satisfacao</code>" in html
    assert "being built" in html
    index_sync(row.pk)
    assert "ready" in browser.get(LIST).content.decode()


def test_a_typed_key_is_kept_and_a_taken_key_is_refused_at_its_input(admin_user, logged_in):
    browser = logged_in(admin_user)
    make_field(admin_user, "tier")

    response = browser.post(NEW, form_data(label="Another tier", key="tier"))

    assert response.status_code == 200
    assert response.context["form"].errors == {"key": ["This record type already has this key."]}
    assert CustomField.objects.count() == 1
    response = browser.post(NEW, form_data(label="Another tier", key="Tier_2"))
    assert response.status_code == 302
    assert CustomField.objects.filter(key="tier_2").exists()


def test_bad_input_shows_errors_at_the_inputs_and_writes_nothing(admin_user, logged_in):
    browser = logged_in(admin_user)

    response = browser.post(
        NEW,
        form_data(
            label="",
            key="9 lives",
            field_type="choice",
            choices="",
            pattern="([a-z",
        ),
    )

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"label"}  # the form's own check first
    response = browser.post(
        NEW,
        form_data(
            label="Seats", key="9 lives", field_type="integer", min_value="10", max_value="1"
        ),
    )
    errors = response.context["form"].errors
    assert set(errors) == {"key", "max_value"}
    html = response.content.decode()
    assert "The maximum must not be below the minimum." in html
    assert 'value="9 lives"' in html  # what was typed stays
    response = browser.post(
        NEW, form_data(label="Tier", field_type="choice", choices="", currency="reais")
    )
    assert set(response.context["form"].errors) == {"choices"}
    response = browser.post(NEW, form_data(label="Budget", field_type="currency", currency="reais"))
    assert set(response.context["form"].errors) == {"currency"}
    response = browser.post(NEW, form_data(label="Shop", field_type="lookup", target=""))
    assert set(response.context["form"].errors) == {"target"}
    assert not CustomField.objects.exists()
    assert not AuditEntry.objects.filter(object_type="platform.customfield").exists()


def test_only_administrators_reach_the_pages(admin_user, make_user, logged_in):
    row = make_field(admin_user)
    for role in ("sales-rep", "sales-manager"):
        browser = logged_in(make_user(role))
        for path in (NEW, f"{LIST}{row.pk}/", f"{LIST}{row.pk}/type/", f"{LIST}{row.pk}/delete/"):
            assert browser.get(path).status_code == 403, (role, path)
        assert browser.post(NEW, form_data(key="other")).status_code == 403
        assert browser.post(f"{LIST}{row.pk}/", {"label": "Renamed"}).status_code == 403
        assert browser.post(f"{LIST}{row.pk}/delete/", {}).status_code == 403
    rep = logged_in(make_user("sales-rep"))
    assert rep.get(LIST).status_code == 403
    assert LIST not in rep.get("/settings/").content.decode()
    # a sales manager reads the platform's settings: the list, without its buttons
    listing = logged_in(make_user("sales-manager")).get(LIST).content.decode()
    assert "<code>tier</code>" in listing
    assert NEW not in listing and f"{LIST}{row.pk}/delete/" not in listing
    row.refresh_from_db()
    assert (row.label, CustomField.objects.count()) == ("Tier", 1)


def test_the_edit_form_changes_what_a_field_shows_not_its_key_or_type(admin_user, logged_in):
    row = make_field(
        admin_user,
        "tier",
        "choice",
        choices=[{"value": "gold", "label": "Gold"}, {"value": "silver", "label": "Silver"}],
    )
    browser = logged_in(admin_user)
    page = browser.get(f"{LIST}{row.pk}/")
    form = page.context["form"]
    assert set(form.fields) == {
        *("label", "required", "default", "help_text", "group", "position", "choices"),
        *("filterable", "searchable"),
    }
    assert form["choices"].value() == "gold|Gold\nsilver|Silver"

    response = browser.post(
        f"{LIST}{row.pk}/",
        {
            "label": "Customer tier",
            "choices": "gold|Gold\nsilver|Silver\nbronze|Bronze",
            "default": "Bronze",
            "position": "5",
            "group": "Sales",
            "key": "hacked",
            "field_type": "text",
        },
    )

    assert response.status_code == 302
    row.refresh_from_db()
    assert (row.label, row.key, row.field_type, row.default) == (
        "Customer tier",
        "tier",
        "choice",
        "bronze",
    )
    assert (row.position, row.group, row.filterable) == (5, "Sales", False)
    assert [c["value"] for c in row.choices] == ["gold", "silver", "bronze"]


def test_a_field_without_values_is_deleted_after_one_confirmation(admin_user, logged_in):
    row = make_field(admin_user)
    browser = logged_in(admin_user)

    page = browser.get(f"{LIST}{row.pk}/delete/")
    assert "No record holds a value for this field." in page.content.decode()
    assert 'name="confirm_key"' not in page.content.decode()
    response = browser.post(f"{LIST}{row.pk}/delete/", {})

    assert response.status_code == 302
    assert not CustomField.objects.exists()
    assert "The field “Tier” was deleted." in browser.get(LIST).content.decode()
