"""The customers' rule actions on real rules and records: add tags, and create a related record
(a contact on an account, an account for a lead's company) through the customers services."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from pydantic import ValidationError as PydanticValidationError

from clientela.customers.models import Account, AccountContact, Contact, Lead
from clientela.customers.services.accounts import account_create
from clientela.customers.services.leads import lead_create
from clientela.customers.services.tags import tag_names, tags_set
from clientela.platform.errors import Conflict, PermissionDenied
from clientela.platform.models import AuditEntry, Rule, User
from clientela.platform.rules import registry
from clientela.platform.services.rules import rule_create


def rule_with(admin: User, key: str, params: dict[str, Any], **values: Any) -> Rule:
    """A switched-off rule saved through the service with one action."""
    return rule_create(
        actor=admin,
        values={
            "name": "Test rule",
            "object_type": "customers.lead",
            "trigger": "created",
            "is_active": False,
            "actions": [{"type": key, "params": params}],
            **values,
        },
    )


def call_of(rule: Rule, record: Any) -> registry.ActionCall:
    step = rule.actions[0]
    params = registry.action_type(step["type"]).params.model_validate(step["params"])
    return registry.ActionCall(rule, None, rule.object_type, record, params, rule.run_as)


def run(rule: Rule, record: Any) -> dict[str, Any]:
    return registry.action_type(rule.actions[0]["type"]).run(call_of(rule, record))


def describe(rule: Rule, record: Any) -> str:
    return registry.action_type(rule.actions[0]["type"]).describe(call_of(rule, record))


def refused(key: str, params: dict[str, Any], object_type: str) -> dict[Any, str]:
    with pytest.raises(PydanticValidationError) as info:
        registry.action_type(key).params.model_validate(
            params, context={"object_type": object_type}
        )
    return {error["loc"]: error["msg"] for error in info.value.errors()}


def new_lead(actor: User, **values: Any) -> Lead:
    values = {"first_name": "Ana", "last_name": "Lima", "company": "Lima Ltda", **values}
    return lead_create(actor=actor, values=values)


# --- add tags -----------------------------------------------------------------------------


def test_tags_are_added_through_the_tags_service(admin_user: User) -> None:
    rule = rule_with(admin_user, "customers.add_tag", {"tags": [" Hot  lead", "web", "WEB"]})
    assert rule.actions[0]["params"] == {"tags": ["Hot lead", "web"]}
    lead = new_lead(admin_user)
    tags_set(actor=admin_user, record=lead, names=["web"])
    assert describe(rule, lead) == "Add the tags Hot lead"

    assert run(rule, lead) == {"tags": ["Hot lead", "web"], "changed": True}
    assert tag_names(lead) == ["Hot lead", "web"]
    entry = (
        AuditEntry.objects.filter(object_type="customers.lead", action="update")
        .order_by("seq")
        .last()
    )
    assert entry is not None and entry.changes == {"tags": [["web"], ["Hot lead", "web"]]}
    # a second run finds them there
    assert run(rule, lead) == {"tags": ["Hot lead", "web"], "changed": False}
    assert describe(rule, lead) == "Add no tag: the record has Hot lead, web already."


def test_tag_settings_are_refused_with_their_paths(db: Any) -> None:
    lead = "customers.lead"
    assert refused("customers.add_tag", {"tags": []}, lead) == {
        ("tags",): "List should have at least 1 item after validation, not 0"
    }
    assert refused("customers.add_tag", {"tags": ["  "]}, lead) == {
        ("tags",): "Value error, Enter at least one tag."
    }
    assert refused("customers.add_tag", {"tags": ["x" * 51]}, lead) == {
        ("tags",): f"Value error, A tag has at most 50 characters: {'x' * 51}"
    }
    # tags are on customer records only
    assert "customers.add_tag" in {a.key for a in registry.action_types("customers.contact")}
    assert "customers.add_tag" not in {a.key for a in registry.action_types("activities.activity")}


def test_a_run_as_user_who_may_not_edit_adds_no_tag(
    admin_user: User, make_user: Callable[..., User]
) -> None:
    viewer = make_user("read-only")
    rule = rule_with(admin_user, "customers.add_tag", {"tags": ["vip"]}, run_as=viewer.pk)
    lead = new_lead(admin_user)
    with pytest.raises(PermissionDenied):
        run(rule, lead)
    assert tag_names(lead) == []


# --- create a related record --------------------------------------------------------------


def test_a_contact_is_added_to_the_account_that_fired_the_rule(
    admin_user: User, make_user: Callable[..., User]
) -> None:
    rep = make_user("sales-rep")
    rule = rule_with(
        admin_user,
        "customers.create_related",
        {
            "create": "contact",
            "first_name": "Accounts payable",
            "last_name": "{{ name }}",
            "email": "{{ email }}",
            "account_role": "buyer",
        },
        object_type="customers.account",
    )
    account = account_create(
        actor=admin_user, values={"name": "Lima Ltda", "email": "ap@lima.example", "owner": rep.pk}
    )
    assert describe(rule, account) == "Add the contact “Accounts payable Lima Ltda” to Lima Ltda"
    assert not Contact.objects.exists()

    result = run(rule, account)

    contact = Contact.objects.get()
    assert result == {"contact": contact.pk}
    assert (contact.first_name, contact.last_name, contact.email) == (
        "Accounts payable",
        "Lima Ltda",
        "ap@lima.example",
    )
    assert (contact.account_id, contact.owner_id) == (account.pk, rep.pk)
    assert list(AccountContact.objects.values_list("account_id", "role")) == [(account.pk, "buyer")]


def test_an_account_is_made_for_a_leads_company_once(admin_user: User) -> None:
    rule = rule_with(admin_user, "customers.create_related", {"create": "account"})
    lead = new_lead(admin_user, website="https://lima.example", industry="retail")
    assert describe(rule, lead) == "Create the account “Lima Ltda”"

    first = run(rule, lead)

    account = Account.objects.get()
    assert first == {"account": account.pk}
    assert (account.name, account.website, account.industry, account.owner_id) == (
        "Lima Ltda",
        "https://lima.example",
        "retail",
        admin_user.pk,
    )
    # the same company again: the account is used, not doubled
    assert describe(rule, lead) == "Use the existing account “Lima Ltda”"
    assert run(rule, new_lead(admin_user, company="LIMA LTDA")) == {
        "account": account.pk,
        "existing": True,
    }
    assert Account.objects.count() == 1


def test_a_lead_without_a_company_gets_no_account(admin_user: User) -> None:
    rule = rule_with(admin_user, "customers.create_related", {"create": "account"})
    lead = new_lead(admin_user, company="")
    with pytest.raises(Conflict) as info:
        run(rule, lead)
    assert info.value.code == "no_company"
    assert describe(rule, lead) == "Create no account: The lead names no company."
    assert not Account.objects.exists()


def test_related_record_settings_are_refused_with_their_paths(db: Any) -> None:
    key = "customers.create_related"
    assert refused(key, {"create": "contact", "first_name": "A"}, "customers.lead") == {
        ("create",): "Contacts are created on an account: use this on account rules."
    }
    assert refused(key, {"create": "account"}, "customers.account") == {
        ("create",): "Accounts are created for a lead's company: use this on lead rules."
    }
    assert refused(key, {"create": "contact"}, "customers.account") == {
        ("first_name",): "This field is required."
    }
    assert refused(key, {"create": "contact", "first_name": "{{ nick }}"}, "customers.account") == {
        ("first_name",): "Value error, Unknown merge field: nick."
    }


def test_a_run_as_user_who_may_not_create_makes_no_account(
    admin_user: User, make_user: Callable[..., User]
) -> None:
    viewer = make_user("read-only")
    rule = rule_with(
        admin_user, "customers.create_related", {"create": "account"}, run_as=viewer.pk
    )
    with pytest.raises(PermissionDenied):
        run(rule, new_lead(admin_user))
    assert not Account.objects.exists()
