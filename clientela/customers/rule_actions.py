"""Rule actions on customer records: add tags, and create a related record (a contact on the
account that fired the rule, or an account for a lead's company).

Both go through the customers services as the rule's run-as user (permissions, audit, events).
"""

from __future__ import annotations

from typing import Any, Literal, cast

from django.db.models import Model
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from clientela.customers.models import Account, Lead
from clientela.customers.services.accounts import account_create
from clientela.customers.services.contacts import contact_create
from clientela.customers.services.leads import lead_account_values
from clientela.customers.services.tags import MAX_TAGS, clean_tag_names, tag_names, tags_add
from clientela.platform import permissions
from clientela.platform.errors import Conflict
from clientela.platform.models import User
from clientela.platform.rules import merge, registry
from clientela.platform.rules.params import MergeText, invalid, object_type_of

TAGGED = ("customers.account", "customers.contact", "customers.lead")


def _record(call: registry.ActionCall) -> Model:
    if call.record is None:
        raise Conflict(_("The record is gone."), code="record_gone")
    return call.record


# --- add tags -----------------------------------------------------------------------------


class AddTag(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tags: list[str] = Field(
        min_length=1,
        max_length=MAX_TAGS,
        title=gettext_noop("Tags"),
        description=gettext_noop("The tags to add; a new name creates the tag."),
    )

    @field_validator("tags")
    @classmethod
    def _tags(cls, value: list[str]) -> list[str]:
        errors: dict[str, list[str]] = {}
        names = clean_tag_names(value, errors)
        if errors:
            raise ValueError(" ".join(errors["tags"]))
        if not names:
            raise ValueError(_("Enter at least one tag."))
        return names


def add_tag_run(call: registry.ActionCall) -> dict[str, Any]:
    p = cast(AddTag, call.params)
    record = _record(call)
    changed = tags_add(actor=call.actor, records=[record], names=p.tags)
    return {"tags": p.tags, "changed": bool(changed)}


def add_tag_describe(call: registry.ActionCall) -> str:
    p = cast(AddTag, call.params)
    have = {n.casefold() for n in tag_names(call.record)} if call.record is not None else set()
    new = [n for n in p.tags if n.casefold() not in have]
    if not new:
        return _("Add no tag: the record has %(tags)s already.") % {"tags": ", ".join(p.tags)}
    return _("Add the tags %(tags)s") % {"tags": ", ".join(new)}


# --- create a related record --------------------------------------------------------------

NEEDS = {"contact": "customers.account", "account": "customers.lead"}


class CreateRelated(BaseModel):
    model_config = ConfigDict(extra="forbid")

    create: Literal["contact", "account"] = Field(
        "contact",
        title=gettext_noop("Create"),
        description=gettext_noop(
            "contact: a contact on the account that fired the rule; account: an account for "
            "the lead's company (an account with its tax id or name is used instead)."
        ),
    )
    first_name: MergeText = Field("", max_length=100, title=gettext_noop("First name"))
    last_name: MergeText = Field("", max_length=100, title=gettext_noop("Last name"))
    email: MergeText = Field("", max_length=254, title=gettext_noop("E-mail"))
    job_title: MergeText = Field("", max_length=120, title=gettext_noop("Job title"))
    account_role: Literal["decision_maker", "influencer", "buyer", "user"] = Field(
        "user",
        title=gettext_noop("Role at the account"),
        description=gettext_noop("The new contact's role at the account."),
    )
    name: MergeText = Field(
        "{{ company }}",
        max_length=200,
        title=gettext_noop("Account name"),
        description=gettext_noop("The new account's name (merge fields allowed)."),
    )

    @model_validator(mode="after")
    def _check(self, info: ValidationInfo) -> CreateRelated:
        object_type = object_type_of(info)
        if object_type is not None and object_type != NEEDS[self.create]:
            message = (
                _("Contacts are created on an account: use this on account rules.")
                if self.create == "contact"
                else _("Accounts are created for a lead's company: use this on lead rules.")
            )
            raise invalid("CreateRelated", {("create",): message})
        if self.create == "contact" and not self.first_name.strip():
            raise invalid("CreateRelated", {("first_name",): _("This field is required.")})
        if self.create == "account" and not self.name.strip():
            raise invalid("CreateRelated", {("name",): _("This field is required.")})
        return self


def _contact_values(call: registry.ActionCall, p: CreateRelated) -> dict[str, Any]:
    account = _record(call)
    values: dict[str, Any] = {
        name: merge.render_line(getattr(p, name), call.object_type, account)
        for name in ("first_name", "last_name", "email", "job_title")
    }
    values.update(
        account=account.pk,
        accounts=[{"account_id": account.pk, "role": p.account_role}],
        owner=getattr(account, "owner_id", None),
        team=getattr(account, "team_id", None),
    )
    return values


def _existing_account(actor: User, values: dict[str, Any]) -> Account | None:
    """An account the actor sees with the lead's tax id, or else its name."""
    visible = permissions.visible_to(actor, Account.objects.all())
    if values.get("tax_id"):
        found = visible.filter(tax_id=values["tax_id"]).order_by("id").first()
        if found is not None:
            return found
    return visible.filter(name__iexact=values["name"]).order_by("id").first()


def _account_values(call: registry.ActionCall, p: CreateRelated) -> dict[str, Any]:
    lead = cast(Lead, _record(call))
    name = merge.render_line(p.name, call.object_type, lead)[:200]
    if not name:
        raise Conflict(_("The lead names no company."), code="no_company")
    values = lead_account_values(lead)
    values.update(name=name, owner=lead.owner_id, team=lead.team_id)
    return values


def create_related_run(call: registry.ActionCall) -> dict[str, Any]:
    p = cast(CreateRelated, call.params)
    if p.create == "contact":
        contact = contact_create(actor=call.actor, values=_contact_values(call, p))
        return {"contact": contact.pk}
    values = _account_values(call, p)
    existing = _existing_account(call.actor, values)
    if existing is not None:
        return {"account": existing.pk, "existing": True}
    return {"account": account_create(actor=call.actor, values=values).pk}


def create_related_describe(call: registry.ActionCall) -> str:
    p = cast(CreateRelated, call.params)
    if p.create == "contact":
        values = _contact_values(call, p)
        name = f"{values['first_name']} {values['last_name']}".strip()
        return _("Add the contact “%(name)s” to %(account)s") % {
            "name": name,
            "account": call.record,
        }
    try:
        values = _account_values(call, p)
    except Conflict as exc:
        return _("Create no account: %(reason)s") % {"reason": exc.message}
    existing = _existing_account(call.actor, values)
    if existing is not None:
        return _("Use the existing account “%(name)s”") % {"name": existing.name}
    return _("Create the account “%(name)s”") % {"name": values["name"]}


ACTIONS = (
    registry.ActionType(
        "customers.add_tag",
        gettext_lazy("Add tags"),
        AddTag,
        add_tag_run,
        add_tag_describe,
        object_types=TAGGED,
    ),
    registry.ActionType(
        "customers.create_related",
        gettext_lazy("Create a related record"),
        CreateRelated,
        create_related_run,
        create_related_describe,
        object_types=tuple(NEEDS.values()),
    ),
)
for _action in ACTIONS:
    registry.register_action(_action)
