"""Custom fields on the activity form and page, the same shared form as the customer records
(decision 0005)."""

from __future__ import annotations

from clientela.activities.models import Activity
from clientela.activities.services import activity_create
from clientela.customers.services import account_create
from clientela.platform.models import AuditEntry
from clientela.platform.services.customfields import field_create

BASE = {"kind": "call", "subject": "Follow-up", "status": "planned"}


def make_field(actor, key, field_type, **values):
    values = {"object_type": "activities.activity", "key": key, "label": key.title(), **values}
    return field_create(actor=actor, values={**values, "field_type": field_type})


def test_the_activity_form_saves_shows_errors_and_the_page_shows_values(
    admin_user, make_user, logged_in
):
    make_field(admin_user, "minutes_billed", "integer", required=True, group="Billing")
    make_field(admin_user, "billable", "boolean", group="Billing")
    make_field(admin_user, "follow_up", "date")
    rep = make_user("sales-rep")
    account = account_create(actor=rep, values={"name": "Acme"})
    client = logged_in(rep)
    shown = {"cf__shown": ["minutes_billed", "billable", "follow_up"], "account": account.pk}

    page = client.get("/activities/new/").content.decode()
    assert "<legend>Billing</legend>" in page and 'name="cf_follow_up"' in page

    bad = client.post(
        "/activities/new/",
        {**BASE, **shown, "cf_minutes_billed": "1.5", "cf_follow_up": "31/02/2030"},
    )
    assert bad.status_code == 200
    assert bad.context["custom_form"].errors == {
        "cf_minutes_billed": ["Enter a whole number."],
        "cf_follow_up": ["Enter a date (YYYY-MM-DD)."],
    }
    assert 'value="31/02/2030"' in bad.content.decode()
    assert not Activity.objects.exists()

    good = client.post(
        "/activities/new/",
        {**BASE, **shown, "cf_minutes_billed": "30", "cf_billable": "on"},
    )
    assert good.status_code == 302
    activity = Activity.objects.get()
    assert activity.custom == {"minutes_billed": 30, "billable": True}
    html = client.get(f"/activities/{activity.pk}/").content.decode()
    assert '<section class="panel custom-values" aria-label="Billing"><h2>Billing</h2>' in html
    assert 'data-custom-field="minutes_billed">30</dd>' in html
    assert 'data-custom-field="billable">Yes</dd>' in html
    assert "Follow_Up" not in html


def test_editing_an_activity_changes_only_the_custom_field_that_changed(admin_user, logged_in):
    make_field(admin_user, "minutes_billed", "integer")
    make_field(admin_user, "follow_up", "date")
    account = account_create(actor=admin_user, values={"name": "Acme"})
    activity = activity_create(
        actor=admin_user,
        values={
            **BASE,
            "account": account.pk,
            "custom": {"minutes_billed": 30, "follow_up": "2030-05-02"},
        },
    )
    client = logged_in(admin_user)
    form = client.get(f"/activities/{activity.pk}/edit/").context["custom_form"]
    assert (form["cf_minutes_billed"].value(), form["cf_follow_up"].value()) == (
        "30",
        "2030-05-02",
    )

    response = client.post(
        f"/activities/{activity.pk}/edit/",
        {
            **BASE,
            "account": account.pk,
            "cf__shown": ["minutes_billed", "follow_up"],
            "initial-cf_minutes_billed": "30",
            "initial-cf_follow_up": "2030-05-02",
            "cf_minutes_billed": "30",
            "cf_follow_up": "2030-06-01",
        },
    )

    assert response.status_code == 302
    activity.refresh_from_db()
    assert activity.custom == {"minutes_billed": 30, "follow_up": "2030-06-01"}
    entry = AuditEntry.objects.filter(object_id=str(activity.pk), action="update").get()
    assert entry.changes == {"custom.follow_up": ["2030-05-02", "2030-06-01"]}
