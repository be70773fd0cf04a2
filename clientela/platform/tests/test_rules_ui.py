"""Settings → Rules pages: the empty list, the editor (trigger inputs shaped into the documents the
service checks, errors inside conditions and actions shown by path), the rule page with its
execution log and dry run, switching off, deleting, retrying, and who may see them."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from clientela.customers.models import Lead
from clientela.customers.services.leads import lead_create
from clientela.platform.models import Notification, Rule, RuleRun, RunStatus, User
from clientela.platform.rules import runner
from clientela.platform.services import rules as services

NOTIFY = [
    {
        "type": "platform.notify",
        "params": {"to": "owner", "title": "Call {{ first_name }}", "body": ""},
    }
]
BIG = {"all": [{"field": "company", "op": "starts_with", "value": "Acme"}]}


@pytest.fixture
def browser(logged_in: Callable[[User], Client], admin_user: User) -> Client:
    return logged_in(admin_user)


def _form(admin: User, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "name": "Acme leads",
        "description": "Acme is a key prospect",
        "object_type": "customers.lead",
        "is_active": "on",
        "run_as": admin.pk,
        "trigger": "created",
        "conditions": json.dumps(BIG),
        "actions": json.dumps(NOTIFY),
        "offset_unit": "minutes",
        "offset_direction": "after",
    }
    data.update(changes)
    return data


@pytest.fixture
def committed(django_capture_on_commit_callbacks: Any) -> Callable[..., Any]:
    """Run what services hand to ``on_commit`` (the rule matching) as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def _rule(admin: User, **values: object) -> Rule:
    document: dict[str, object] = {
        "name": "Acme leads",
        "object_type": "customers.lead",
        "trigger": "created",
        "run_as": admin.pk,
        "conditions": BIG,
        "actions": NOTIFY,
    }
    document.update(values)
    return services.rule_create(actor=admin, values=document)


def _run_all() -> None:
    """What the worker does with the runs the commit enqueued."""
    for run_id in RuleRun.objects.filter(status=RunStatus.PENDING).values_list("id", flat=True):
        runner.attempt(run_id)


def test_the_list_starts_empty_with_a_way_to_begin(browser: Client) -> None:
    page = browser.get("/settings/rules/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "No rules yet." in html
    assert 'href="/settings/rules/new/"' in html
    assert 'href="/settings/rules/"' in browser.get("/settings/").content.decode()


def test_the_editor_offers_the_record_types_fields_and_actions(browser: Client) -> None:
    page = browser.get("/settings/rules/new/?object_type=customers.lead")
    assert page.status_code == 200
    html = page.content.decode()
    meta = page.context["meta"]
    paths = {f["path"] for f in meta["fields"]}
    assert {"status", "company", "owner.email"} <= paths
    assert "platform.notify" in {a["key"] for a in meta["actions"]}
    assert 'id="rule-editor-meta"' in html and 'data-editor="conditions"' in html
    # the status trigger offers the lead's statuses as boxes to tick
    assert 'value="status=qualified"' in html
    # an unknown record type falls back to the first one offered
    other = browser.get("/settings/rules/new/?object_type=nope.nothing")
    assert other.status_code == 200


def test_creating_a_rule_saves_its_documents_and_opens_its_page(
    browser: Client, admin_user: User
) -> None:
    answer = browser.post("/settings/rules/new/", _form(admin_user))

    rule = Rule.objects.get()
    assert answer.status_code == 302
    assert answer["Location"] == f"/settings/rules/{rule.pk}/"
    assert (rule.name, rule.object_type, rule.trigger) == (
        "Acme leads",
        "customers.lead",
        "created",
    )
    assert rule.conditions == BIG
    assert rule.actions == NOTIFY
    assert rule.run_as == admin_user and rule.is_active
    page = browser.get(answer["Location"]).content.decode()
    assert "Record created" in page and "No runs yet." in page


@pytest.mark.parametrize(
    ("changes", "config"),
    [
        (
            {"trigger": "date_relative", "date_field": "created_at", "offset_amount": "2"}
            | {"offset_unit": "days", "offset_direction": "before"},
            {"field": "created_at", "offset_minutes": -2880},
        ),
        (
            {"trigger": "status_entered", "status_field": "status"}
            | {"status_to": ["status=qualified", "status=working"]},
            {"field": "status", "to": ["qualified", "working"]},
        ),
        (
            {"trigger": "field_changed", "changed_field": "company", "to_values": "Acme, Beta"},
            {"field": "company", "to": ["Acme", "Beta"]},
        ),
        ({"trigger": "schedule", "cron": "0 8 * * 1"}, {"cron": "0 8 * * 1"}),
    ],
)
def test_the_trigger_inputs_become_the_trigger_settings(
    browser: Client, admin_user: User, changes: dict[str, object], config: dict[str, object]
) -> None:
    answer = browser.post("/settings/rules/new/", _form(admin_user, **changes))

    assert answer.status_code == 302, answer.content.decode()[:2000]
    assert Rule.objects.get().trigger_config == config


def test_the_edit_form_reads_back_what_was_saved(browser: Client, admin_user: User) -> None:
    rule = _rule(
        admin_user,
        trigger="date_relative",
        trigger_config={"field": "created_at", "offset_minutes": 120},
    )
    form = browser.get(f"/settings/rules/{rule.pk}/edit/").context["form"]

    assert form.initial["offset_amount"] == 2
    assert form.initial["offset_unit"] == "hours"
    assert form.initial["offset_direction"] == "after"
    assert json.loads(form.initial["actions"]) == NOTIFY
    assert form.fields["object_type"].disabled


def test_errors_inside_the_documents_are_shown_by_path_and_nothing_is_saved(
    browser: Client, admin_user: User
) -> None:
    bad_conditions = {"all": [{"field": "company", "op": "gt", "value": "x"}, {"field": "nope"}]}
    bad_actions = [{"type": "platform.notify", "params": {"to": "owner", "title": ""}}]
    page = browser.post(
        "/settings/rules/new/",
        _form(
            admin_user,
            conditions=json.dumps(bad_conditions),
            actions=json.dumps(bad_actions),
            trigger="schedule",
            cron="every day",
        ),
    )

    assert page.status_code == 200
    assert Rule.objects.count() == 0
    errors = page.context["meta"]["errors"]
    assert "conditions.all.1.field" in errors
    assert any(path.startswith("actions.0.params") for path in errors)
    assert page.context["form"].errors["cron"]  # the trigger's own input carries its error
    assert "Some conditions or actions need attention" in page.content.decode()


def test_a_document_that_is_not_json_is_refused(browser: Client, admin_user: User) -> None:
    page = browser.post("/settings/rules/new/", _form(admin_user, actions="[{"))

    assert page.status_code == 200
    assert page.context["form"].errors["actions"] == ["This is not valid JSON."]
    assert Rule.objects.count() == 0


def test_a_fired_rule_shows_its_run_on_its_page_and_on_the_records_log(
    browser: Client, admin_user: User, committed: Callable[..., Any]
) -> None:
    rule = _rule(admin_user)
    with committed():
        acme = lead_create(
            actor=admin_user,
            values={"first_name": "Ana", "last_name": "Souza", "company": "Acme SA"},
        )
        lead_create(
            actor=admin_user, values={"first_name": "Bia", "last_name": "Lima", "company": "Beta"}
        )
    _run_all()

    assert Notification.objects.get(user=admin_user).title == "Call Ana"
    page = browser.get(f"/settings/rules/{rule.pk}/").content.decode()
    assert page.count("data-run=") == 2
    assert "status-badge done" in page and "status-badge skipped" in page
    done = browser.get(f"/settings/rules/{rule.pk}/?status=done").content.decode()
    assert done.count("data-run=") == 1
    log = browser.get(f"/settings/rules/runs/customers.lead/{acme.pk}/")
    assert log.status_code == 200
    assert log.content.decode().count("data-run=") == 1
    assert "Acme leads" in log.content.decode()


def test_the_dry_run_explains_and_writes_nothing(browser: Client, admin_user: User) -> None:
    rule = _rule(admin_user)
    lead = lead_create(
        actor=admin_user, values={"first_name": "Ana", "last_name": "Souza", "company": "Acme SA"}
    )
    RuleRun.objects.all().delete()
    fragment = browser.post(
        f"/settings/rules/{rule.pk}/test/", {"record_id": lead.pk}, HTTP_HX_REQUEST="true"
    )

    html = fragment.content.decode()
    assert fragment.status_code == 200
    assert "the conditions hold, so the rule would act." in html
    assert "starts with" in html and "Acme SA" in html
    assert RuleRun.objects.count() == 0 and Notification.objects.count() == 0
    # without htmx the whole page comes back with the result in it
    whole = browser.post(f"/settings/rules/{rule.pk}/test/", {"sample": lead.pk})
    assert "<h1>Acme leads</h1>" in whole.content.decode()
    assert "the conditions hold" in whole.content.decode()
    missing = browser.post(f"/settings/rules/{rule.pk}/test/", {"record_id": "999999"})
    assert missing.context["error"]


def test_switching_off_and_deleting_with_confirmation(browser: Client, admin_user: User) -> None:
    rule = _rule(admin_user)

    browser.post(f"/settings/rules/{rule.pk}/toggle/")
    rule.refresh_from_db()
    assert not rule.is_active
    confirm = browser.get(f"/settings/rules/{rule.pk}/delete/")
    assert "Delete the rule “Acme leads”?" in confirm.content.decode()
    assert Rule.objects.filter(pk=rule.pk).exists()
    browser.post(f"/settings/rules/{rule.pk}/delete/")
    assert not Rule.objects.filter(pk=rule.pk).exists()


def test_a_failed_run_can_be_tried_again(
    browser: Client, admin_user: User, committed: Callable[..., Any]
) -> None:
    rule = _rule(admin_user)
    with committed():
        lead = lead_create(
            actor=admin_user,
            values={"first_name": "Ana", "last_name": "Souza", "company": "Acme SA"},
        )
    run = RuleRun.objects.get(rule=rule, record_id=str(lead.pk))
    RuleRun.objects.filter(pk=run.pk).update(status=RunStatus.FAILED, error="SMTP down")

    page = browser.get(f"/settings/rules/{rule.pk}/").content.decode()
    assert "SMTP down" in page and "Try again" in page
    back = browser.post(
        f"/settings/rules/runs/{run.pk}/retry/", {"next": f"/settings/rules/{rule.pk}/"}
    )
    assert back["Location"] == f"/settings/rules/{rule.pk}/"
    run.refresh_from_db()
    assert run.status in {RunStatus.PENDING, RunStatus.RETRYING}
    # a "next" pointing elsewhere is not followed
    for elsewhere in ("https://evil.example/", "//evil.example/", "/\\evil.example/"):
        RuleRun.objects.filter(pk=run.pk).update(status=RunStatus.FAILED)
        away = browser.post(f"/settings/rules/runs/{run.pk}/retry/", {"next": elsewhere})
        assert away["Location"] == f"/settings/rules/{rule.pk}/"


def test_only_administrators_reach_the_rules(
    logged_in: Callable[[User], Client], make_user: Callable[..., User], admin_user: User
) -> None:
    rule = _rule(admin_user)
    rep = logged_in(make_user("sales-rep"))

    for path in ("/settings/rules/", "/settings/rules/new/", f"/settings/rules/{rule.pk}/"):
        assert rep.get(path).status_code in {403, 404}
    assert rep.post(f"/settings/rules/{rule.pk}/toggle/").status_code in {403, 404}
    rule.refresh_from_db()
    assert rule.is_active
    assert Lead.objects.count() == 0
