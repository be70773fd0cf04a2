"""Rules in a real browser: an administrator builds a rule with the condition and action
editors, a lead created through the UI fires it, the worker runs it, and the administrator sees
the notification, the execution log and a dry run."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from clientela.customers.models import Lead
from clientela.platform.models import Notification, Rule, RuleRun, RunStatus, User
from clientela.platform.rules import runner

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SignIn = Callable[..., None]
Url = Callable[[str], str]


def _work() -> None:
    """What the task worker does with the runs the lead's commit enqueued."""
    for run_id in RuleRun.objects.filter(status=RunStatus.PENDING).values_list("id", flat=True):
        runner.attempt(run_id)


def test_build_a_rule_see_it_fire_and_test_it(
    page: Page, admin_user: User, sign_in: SignIn, url: Url
) -> None:
    sign_in(page, "admin")
    page.locator("#nav").get_by_role("link", name="Settings", exact=True).click()
    page.get_by_role("link", name="Rules").click()
    expect(page.locator(".empty-state")).to_contain_text("No rules yet.")
    page.locator(".empty-state").get_by_role("link", name="New rule").click()

    # the record type reloads the editor with the lead's fields
    expect(page.locator("[data-editor=conditions]")).to_be_visible()  # the script is running
    page.select_option("select[name=object_type]", "customers.lead")
    expect(page).to_have_url(url("/settings/rules/new/?object_type=customers.lead"))
    page.fill("input[name=name]", "Acme leads")
    expect(page.locator("[data-trigger=cron]")).to_have_count(0)
    expect(page.locator("input[name=cron]")).to_be_hidden()  # not the chosen trigger
    expect(page.locator("textarea[name=conditions]")).to_be_hidden()  # the editor replaces it

    conditions = page.locator("[data-editor=conditions]")
    conditions.get_by_role("button", name="Add a condition").click()
    leaf = conditions.locator(".rule-leaf").first
    leaf.get_by_label("Field").select_option("company")
    leaf.get_by_label("Comparison").select_option("starts_with")
    leaf.get_by_label("Value").fill("Acme")

    actions = page.locator("[data-editor=actions]")
    actions.get_by_role("button", name="Add an action").click()
    step = actions.locator(".rule-step").first
    step.get_by_label("Action").select_option("platform.notify")
    step.locator("input[data-path='actions.0.params.title']").fill("Call {{ first_name }} today")
    # a second step's settings come from its schema, values in words; then it is removed
    actions.get_by_role("button", name="Add an action").click()
    second = actions.locator(".rule-step").nth(1)
    second.get_by_label("Action").select_option("customers.create_related")
    role = second.locator("select[data-path='actions.1.params.account_role']")
    expect(role.locator("option[value=decision_maker]")).to_have_text("Decision maker")
    expect(role.locator("option[value=user]")).to_have_text("User")
    second.get_by_role("button", name="Remove").click()
    expect(actions.locator(".rule-step")).to_have_count(1)
    page.locator("form.rule-form button[type=submit]").click()

    expect(page.locator("main h1")).to_have_text("Acme leads")
    expect(page.locator(".message-success")).to_have_text("The rule was saved.")
    rule = Rule.objects.get()
    assert rule.conditions == {"all": [{"field": "company", "op": "starts_with", "value": "Acme"}]}
    assert rule.actions[0]["params"]["title"] == "Call {{ first_name }} today"

    # a lead created through the UI fires it; one for another company does not
    for first, company in (("Ana", "Acme SA"), ("Bia", "Beta Ltda")):
        page.goto("/leads/new/")
        page.fill("input[name=first_name]", first)
        page.fill("input[name=last_name]", "Souza")
        page.fill("input[name=company]", company)
        page.get_by_role("button", name="Save").click()
        expect(page.locator("main h1")).to_contain_text(first)
    _work()

    notification = Notification.objects.get(user=admin_user)
    assert notification.title == "Call Ana today"
    page.goto(f"/settings/rules/{rule.pk}/")
    expect(page.locator("#bell .badge")).to_have_text("1")
    expect(page.locator("tr[data-run]")).to_have_count(2)
    expect(page.locator("tr[data-run] .status-badge.done")).to_have_count(1)
    expect(page.locator("tr[data-run] .status-badge.skipped")).to_have_count(1)

    # the dry run against the other lead explains why it would not act
    beta = Lead.objects.get(company="Beta Ltda")
    page.select_option("#rule-sample", str(beta.pk))
    page.get_by_role("button", name="Test", exact=True).click()
    result = page.locator("#rule-test-result")
    expect(result).to_contain_text("the conditions do not hold")
    expect(result.locator("td").first).to_have_text("Company")
    assert Notification.objects.count() == 1
