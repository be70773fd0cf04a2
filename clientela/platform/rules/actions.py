"""The platform's built-in rule actions: send an e-mail, update fields, assign an owner, call a
webhook. Imported by ``PlatformConfig.ready()``, which registers them.

Each acts as the rule's run-as user through the services that UI and API use (permissions,
audit, events); what cannot be done raises a platform error, which the engine logs and retries.
``describe`` says what ``run`` would do and writes nothing (round-robin turns are only looked at).
"""

from __future__ import annotations

import smtplib
from typing import Any, Literal, cast

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.mail import EmailMessage, make_msgid
from django.core.validators import validate_email
from django.db.models import Model
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from clientela.platform import outbox, permissions
from clientela.platform.errors import Conflict, DomainError
from clientela.platform.models import User, WebhookEndpoint
from clientela.platform.rules import conditions, merge, params, recipients, registry, triggers
from clientela.platform.rules.params import MergeText, invalid, object_type_of
from clientela.platform.rules.recipients import Recipient
from clientela.platform.services.webhooks import require_admin

WEBHOOK_EVENT = "rule.action"


def target_of(call: registry.ActionCall) -> registry.Target:
    return registry.target(call.object_type)


def record_of(call: registry.ActionCall) -> Model:
    if call.record is None:
        raise Conflict(_("The record is gone."), code="record_gone")
    return call.record


def require_visible(actor: User, record: Model) -> None:
    """Actions that send a record's data out need a run-as user who may see it."""
    permissions.get_visible(actor, type(record)._default_manager.all(), record.pk)


# --- send an e-mail -------------------------------------------------------------------------

To = Literal["record", "address", "owner", "owner_manager", "user", "role", "team_round_robin"]


class SendEmail(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to: To = Field(
        "record",
        title=gettext_noop("To"),
        description=gettext_noop(
            "The record's own e-mail address, a fixed address, or a user: the owner, the "
            "owner's manager, a chosen user, or users of a role or a team in turn."
        ),
    )
    address: str | None = Field(
        None,
        max_length=254,
        title=gettext_noop("Address"),
        description=gettext_noop("The address, when sending to a fixed address."),
    )
    user: int | None = recipients.user_field()
    role: str | None = recipients.role_field()
    team: int | None = recipients.team_field()
    subject: MergeText = Field(
        min_length=1,
        max_length=200,
        title=gettext_noop("Subject"),
        description=gettext_noop('Merge fields allowed: {{ first_name }}, {{ company | "you" }}.'),
    )
    body: MergeText = Field(
        min_length=1,
        max_length=20_000,
        title=gettext_noop("Message"),
        description=gettext_noop("Plain text; merge fields allowed."),
    )

    @field_validator("address")
    @classmethod
    def _address(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip()
        try:
            validate_email(value)
        except DjangoValidationError:
            raise ValueError(_("Enter a valid e-mail address.")) from None
        return value

    @model_validator(mode="after")
    def _who(self, info: ValidationInfo) -> SendEmail:
        if self.to == "address" and not self.address:
            raise invalid("SendEmail", {("address",): _("Enter the address to send to.")})
        if self.to in recipients.KINDS:
            params.check_recipient("SendEmail", self.recipient())
        object_type = object_type_of(info)
        if self.to == "record" and object_type and "email" not in params.readable(object_type):
            raise invalid("SendEmail", {("to",): _("This kind of record has no e-mail address.")})
        return self

    def recipient(self) -> Recipient:
        return Recipient(self.to, user=self.user, role=self.role, team=self.team)


def _record_address(call: registry.ActionCall) -> tuple[str, str]:
    """The record's e-mail and language; refused when it has none or asked not to be
    contacted."""
    target, record = target_of(call), record_of(call)
    known = params.readable(call.object_type)
    if "do_not_contact" in known and target.read(record, "do_not_contact"):
        raise Conflict(_("The person asked not to be contacted."), code="do_not_contact")
    address = str(target.read(record, "email") or "").strip()
    try:
        validate_email(address)
    except DjangoValidationError:
        raise Conflict(_("The record has no valid e-mail address."), code="no_email") from None
    language = str(target.read(record, "language") or "") if "language" in known else ""
    return address, language


def _addressee(call: registry.ActionCall, take: bool) -> tuple[str, User | None, str]:
    """Where the message goes, the user it is for (if one) and the language to write in."""
    p = cast(SendEmail, call.params)
    if p.to == "address":
        return str(p.address), None, ""
    if p.to == "record":
        address, language = _record_address(call)
        return address, None, language
    user = recipients.resolve(p.recipient(), call.record, take=take)
    if not user.email:
        raise Conflict(
            _("%(user)s has no e-mail address.") % {"user": user.display_name}, code="no_email"
        )
    return user.email, user, ""


def _texts(call: registry.ActionCall, user: User | None, language: str) -> tuple[str, str]:
    p = cast(SendEmail, call.params)
    with merge.speaking_to(user, language):
        subject = merge.render_line(p.subject, call.object_type, call.record)
        body = merge.render(p.body, call.object_type, call.record)
    return subject[:200], body


def send_email_run(call: registry.ActionCall) -> dict[str, Any]:
    if call.record is not None:
        require_visible(call.actor, call.record)
    address, user, language = _addressee(call, take=True)
    subject, body = _texts(call, user, language)
    message_id = make_msgid(domain="clientela")
    message = EmailMessage(
        subject=subject,
        body=body,
        to=[address],
        headers={"Message-ID": message_id, "Auto-Submitted": "auto-generated"},
    )
    try:
        message.send()
    except (OSError, smtplib.SMTPException) as exc:
        if _permanent(exc):
            raise DomainError(
                _("The mail server refused the message: %(error)s") % {"error": exc},
                code="mail_refused",
            ) from exc
        raise MailNotSent(str(exc) or type(exc).__name__) from exc
    return {"email": address, "message_id": message_id}


class MailNotSent(Exception):
    """The mail server could not be reached or asked to try later."""


def _permanent(exc: Exception) -> bool:
    """A 5xx answer: sending the same message again would be refused again."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _message in exc.recipients.values())
    return isinstance(exc, smtplib.SMTPResponseException) and exc.smtp_code >= 500


def send_email_describe(call: registry.ActionCall) -> str:
    try:
        address, user, language = _addressee(call, take=False)
    except DomainError as exc:
        return _("Send no e-mail: %(reason)s") % {"reason": exc.message}
    subject, _body = _texts(call, user, language)
    who = f"{user.display_name} <{address}>" if user is not None else address
    return _("Send “%(subject)s” to %(who)s") % {"subject": subject, "who": who}


# --- update fields --------------------------------------------------------------------------


class UpdateFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    values: dict[str, Any] = Field(
        min_length=1,
        max_length=30,
        title=gettext_noop("New values"),
        description=gettext_noop(
            "Each field and its new value; texts may hold merge fields. An empty value clears "
            "the field."
        ),
    )

    @field_validator("values")
    @classmethod
    def _values(cls, values: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
        object_type = object_type_of(info)
        if object_type is None:
            return values
        allowed = params.writable(object_type)
        errors: dict[params.Loc, str] = {}
        cleaned: dict[str, Any] = {}
        for path, value in values.items():
            if path not in allowed:
                errors[(path,)] = _("A rule cannot set this field.")
                continue
            try:
                cleaned[path] = params.field_value(object_type, allowed[path], value)
            except ValueError as exc:
                errors[(path,)] = str(exc)
        if errors:
            raise invalid("UpdateFields", errors, values)
        return cleaned


def _as_written(object_type: str, path: str, value: Any, record: Model) -> Any:
    """A stored setting as the record's service takes it: merge fields rendered, dates and
    numbers back in their types (custom fields take their stored form)."""
    if isinstance(value, str) and "{{" in value:
        return merge.render(value, object_type, record)
    info = params.readable(object_type).get(path)
    if value in (None, "") or path.startswith("custom.") or info is None:
        return value
    if info.type in ("date", "datetime", "decimal", "number", "boolean", "user"):
        coerced = conditions.coerce(value, info)
        return int(coerced) if info.type == "number" else coerced
    return value


def _update_values(call: registry.ActionCall) -> dict[str, Any]:
    p = cast(UpdateFields, call.params)
    record = record_of(call)
    values: dict[str, Any] = {}
    custom: dict[str, Any] = {}
    for path, value in p.values.items():
        written = _as_written(call.object_type, path, value, record)
        if path.startswith("custom."):
            custom[path.split(".", 1)[1]] = written
        else:
            values[path] = written
    if custom:
        values["custom"] = custom
    return values


def update_fields_run(call: registry.ActionCall) -> dict[str, Any]:
    target_of(call).update(call.actor, record_of(call), _update_values(call))
    return {"fields": sorted(cast(UpdateFields, call.params).values)}


def update_fields_describe(call: registry.ActionCall) -> str:
    p = cast(UpdateFields, call.params)
    known = params.readable(call.object_type)
    parts = []
    for path, value in p.values.items():
        info = known.get(path)
        shown = value
        if call.record is not None and isinstance(value, str) and "{{" in value:
            shown = merge.render(value, call.object_type, call.record)
        label = str(info.label) if info else path
        parts.append(
            _("%(field)s to “%(value)s”") % {"field": label, "value": merge.show(shown, info)}
        )
    return _("Set %(changes)s") % {"changes": "; ".join(parts)}


# --- assign an owner ------------------------------------------------------------------------


class Territory(BaseModel):
    model_config = ConfigDict(extra="forbid")

    field: str = Field(
        max_length=80,
        title=gettext_noop("Field"),
        description=gettext_noop("The field whose value picks the owner, e.g. state."),
    )
    map: dict[str, int] = Field(
        min_length=1,
        max_length=500,
        title=gettext_noop("Owner by value"),
        description=gettext_noop(
            "Each value and the user who gets its records; values match without regard to case."
        ),
    )
    otherwise: int | None = Field(
        None,
        gt=0,
        title=gettext_noop("Otherwise"),
        description=gettext_noop("Who gets the other records (nobody: the owner stays)."),
    )

    @model_validator(mode="after")
    def _check(self, info: ValidationInfo) -> Territory:
        errors: dict[params.Loc, str] = {}
        object_type = object_type_of(info)
        if object_type and self.field not in params.readable(object_type):
            errors[("field",)] = _("Choose one of the offered fields.")
        keys = [k.strip().casefold() for k in self.map]
        for key, user_id in self.map.items():
            problem = params.active_user(user_id) if key.strip() else _("Enter a value.")
            if not problem and keys.count(key.strip().casefold()) > 1:
                problem = _("This value is listed twice.")
            if problem:
                errors[("map", key)] = problem
        if self.otherwise is not None and params.active_user(self.otherwise):
            errors[("otherwise",)] = params.active_user(self.otherwise)
        if errors:
            raise invalid("Territory", errors)
        return self

    def owner_for(self, value: Any) -> int | None:
        wanted = str(getattr(value, "pk", value) if value is not None else "").strip().casefold()
        for key, user_id in self.map.items():
            if wanted and key.strip().casefold() == wanted:
                return user_id
        return self.otherwise


class AssignOwner(BaseModel):
    model_config = ConfigDict(extra="forbid")

    method: Literal["round_robin", "territory"] = Field(
        "round_robin",
        title=gettext_noop("How"),
        description=gettext_noop(
            "In turn among a team's active members, or by a territory: a field's value."
        ),
    )
    team: int | None = recipients.team_field()
    territory: Territory | None = Field(None, title=gettext_noop("Territory"))

    @model_validator(mode="after")
    def _check(self) -> AssignOwner:
        if self.method == "round_robin":
            params.check_recipient("AssignOwner", Recipient("team_round_robin", team=self.team))
        elif self.territory is None:
            raise invalid("AssignOwner", {("territory",): _("Set up the territory.")})
        return self


def _new_owner(call: registry.ActionCall, take: bool) -> tuple[User | None, dict[str, Any]]:
    """The user who gets the record (None: nobody matched) and the values to write."""
    p = cast(AssignOwner, call.params)
    record = record_of(call)
    if p.method == "round_robin":
        spec = Recipient("team_round_robin", team=p.team)
        user = recipients.resolve(spec, record, take=take)
        return user, {"owner": user.pk, "team": p.team}
    territory = cast(Territory, p.territory)
    user_id = territory.owner_for(triggers.read(target_of(call), record, territory.field))
    if user_id is None:
        return None, {}
    found = User.objects.filter(pk=user_id, is_active=True).first()
    if found is None:
        raise Conflict(_("The territory's user is no longer active."), code="user_inactive")
    return found, {"owner": found.pk}


def assign_owner_run(call: registry.ActionCall) -> dict[str, Any]:
    user, values = _new_owner(call, take=True)
    if user is None:
        return {"owner": None}
    record = record_of(call)
    current = (getattr(record, "owner_id", None), getattr(record, "team_id", None))
    if current == (values["owner"], values.get("team", current[1])):
        return {"owner": user.pk, "unchanged": True}
    target_of(call).update(call.actor, record, values)
    return {"owner": user.pk}


def assign_owner_describe(call: registry.ActionCall) -> str:
    try:
        user, _values = _new_owner(call, take=False)
    except DomainError as exc:
        return _("Assign no owner: %(reason)s") % {"reason": exc.message}
    if user is None:
        return _("Keep the owner: no territory matches.")
    return _("Give the record to %(user)s") % {"user": user.display_name}


# --- call a webhook -------------------------------------------------------------------------


class CallWebhook(BaseModel):
    model_config = ConfigDict(extra="forbid")

    endpoint: int = Field(
        gt=0,
        title=gettext_noop("Webhook"),
        description=gettext_noop("The outbound webhook (Settings, Webhooks) that is called."),
    )
    fields: list[str] = Field(
        default_factory=list,
        max_length=50,
        title=gettext_noop("Fields sent"),
        description=gettext_noop("The record's fields sent with the call, e.g. status, email."),
    )
    note: str = Field(
        "",
        max_length=100,
        title=gettext_noop("Note"),
        description=gettext_noop("Sent as written, so the receiver can tell rules apart."),
    )

    @model_validator(mode="after")
    def _check(self, info: ValidationInfo) -> CallWebhook:
        errors: dict[params.Loc, str] = {}
        if not WebhookEndpoint.objects.filter(pk=self.endpoint).exists():
            errors[("endpoint",)] = _("Unknown webhook.")
        object_type = object_type_of(info)
        known = params.readable(object_type) if object_type else None
        for index, path in enumerate(self.fields):
            if known is not None and path not in known:
                errors[("fields", index)] = _("Choose one of the offered fields.")
            elif self.fields.index(path) != index:
                errors[("fields", index)] = _("This field is listed twice.")
        if errors:
            raise invalid("CallWebhook", errors)
        return self


def _plain(value: Any) -> Any:
    if isinstance(value, list | tuple | set):
        return [_plain(v) for v in value]
    if isinstance(value, Model):
        return value.pk
    return value


def _webhook_data(call: registry.ActionCall) -> dict[str, Any]:
    p = cast(CallWebhook, call.params)
    target, record = target_of(call), record_of(call)
    return {
        "object_type": call.object_type,
        "id": record.pk,
        "rule": {"id": call.rule.pk, "name": call.rule.name},
        "run": str(call.run.pk) if call.run is not None else None,
        "note": p.note,
        "fields": {path: _plain(triggers.read(target, record, path)) for path in p.fields},
        "actor_id": call.actor.pk,
    }


def _endpoint(call: registry.ActionCall) -> WebhookEndpoint:
    p = cast(CallWebhook, call.params)
    endpoint = WebhookEndpoint.objects.filter(pk=p.endpoint).first()
    if endpoint is None:
        raise Conflict(_("The webhook was deleted."), code="webhook_gone")
    if not endpoint.is_active:
        raise Conflict(_("The webhook is switched off."), code="webhook_off")
    return endpoint


def call_webhook_run(call: registry.ActionCall) -> dict[str, Any]:
    require_admin(call.actor, "platform.webhook", "view")
    record = record_of(call)
    require_visible(call.actor, record)
    delivery = outbox.deliver(_endpoint(call), WEBHOOK_EVENT, _webhook_data(call))
    return {"delivery": str(delivery)}


def call_webhook_describe(call: registry.ActionCall) -> str:
    try:
        endpoint = _endpoint(call)
    except DomainError as exc:
        return _("Call no webhook: %(reason)s") % {"reason": exc.message}
    return _("Post the record to %(url)s") % {"url": endpoint.url}


# --- registration ---------------------------------------------------------------------------

BUILT_IN = (
    registry.ActionType(
        "platform.send_email",
        gettext_lazy("Send an e-mail"),
        SendEmail,
        send_email_run,
        send_email_describe,
    ),
    registry.ActionType(
        "platform.update_fields",
        gettext_lazy("Update fields"),
        UpdateFields,
        update_fields_run,
        update_fields_describe,
    ),
    registry.ActionType(
        "platform.assign_owner",
        gettext_lazy("Assign an owner"),
        AssignOwner,
        assign_owner_run,
        assign_owner_describe,
    ),
    registry.ActionType(
        "platform.call_webhook",
        gettext_lazy("Call a webhook"),
        CallWebhook,
        call_webhook_run,
        call_webhook_describe,
    ),
)

for _action in BUILT_IN:
    registry.register_action(_action)
