"""Every write on pipelines and opportunities.

An opportunity's stage decides its status (open, won, lost), its probability (unless someone
typed one), its forecast category once closed, and when it closed. Moving it checks the fields
the stage requires, keeps a ``StageChange``, and creates the activities the stage's guidance
suggests; the platform's record services then check permissions, write the audit log and emit
the events rules react to (``sales.opportunity.updated`` with the stage among its changes).
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from babel.numbers import list_currencies
from django.conf import settings
from django.db import transaction
from django.db.models import Max, Model
from django.utils import timezone, translation
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clientela.customers.models import Account, Contact, Lead, LeadSource
from clientela.platform import audit, customfields, permissions
from clientela.platform.errors import Conflict, NotFound, ValidationFailed, not_found_on
from clientela.platform.models import User
from clientela.platform.services.records import record_create, record_delete, record_update
from clientela.sales.models import (
    ContactRole,
    ForecastCategory,
    LostReason,
    Opportunity,
    OpportunityContact,
    Pipeline,
    Stage,
    StageChange,
    StageKind,
)

KEY = "sales.opportunity"
PIPELINE_KEY = "sales.pipeline"
CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("99999999999999.99")  # the column's 16 digits
TEXTS = {"name": 200, "next_step": 200, "description": 20000, "competitors": 300}
TEXTS |= {"lost_note": 500}
CHOICES = {
    "forecast_category": ForecastCategory.values,
    "lost_reason": LostReason.values,
    "lead_source": LeadSource.values,
}
# what a stage may ask a deal to have before it enters, with the label the form shows
REQUIRABLE = {
    "amount": gettext_lazy("amount"),
    "expected_close_date": gettext_lazy("expected close date"),
    "account": gettext_lazy("account"),
    "next_step": gettext_lazy("next step"),
    "competitors": gettext_lazy("competitors"),
    "lost_reason": gettext_lazy("lost reason"),
    "description": gettext_lazy("description"),
    "contacts": gettext_lazy("contacts"),
}
GUIDANCE_KINDS = ("call", "meeting", "task", "email")
MAX_STAGES = 30
MAX_GUIDANCE = 10
Errors = dict[str, list[str]]


MAX_PK = 2**63 - 1


def pk_of(value: Any) -> int | None:
    """A record id from user input (an int, or ASCII digits), or ``None``: never an error
    ("²" is a digit to ``str.isdigit``, and 30 digits overflow the database's integer)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 < value <= MAX_PK else None
    text = str(value).strip()
    if not text.isascii() or not text.isdecimal() or len(text) > 19:
        return None
    number = int(text)
    return number if 0 < number <= MAX_PK else None


def company_currency() -> str:
    return str(getattr(settings, "CLIENTELA_CURRENCY", "BRL"))


# --- cleaning ------------------------------------------------------------------------------


def money(value: Any) -> Decimal:
    """An amount as the column keeps it: two places, half up (1.005 → 1.01)."""
    if isinstance(value, bool) or value is None or isinstance(value, list | dict):
        raise ValueError(value)
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(value) from None
    if not amount.is_finite():
        raise ValueError(value)
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def _clean_texts(values: dict[str, Any], errors: Errors) -> None:
    for name, size in TEXTS.items():
        if name not in values:
            continue
        value = "" if values[name] is None else values[name]
        if not isinstance(value, str):
            errors[name] = [_("Enter text.")]
            continue
        values[name] = value = value.strip()
        if len(value) > size:
            errors[name] = [_("Enter at most %(n)d characters.") % {"n": size}]
    if "name" in values and values["name"] == "" and "name" not in errors:
        errors["name"] = [_("This field is required.")]


def _clean_choices(values: dict[str, Any], errors: Errors) -> None:
    for name, choices in CHOICES.items():
        if name in values:
            value = values[name] if values[name] is not None else ""
            blank_ok = name != "forecast_category"
            if (value == "" and not blank_ok) or (value != "" and value not in choices):
                errors[name] = [_("Choose one of the listed values.")]
            values[name] = value


def _clean_numbers(values: dict[str, Any], errors: Errors) -> None:
    if "amount" in values:
        _clean_amount(values, errors)
    if "currency" in values:
        code = values["currency"]
        code = code.strip().upper() if isinstance(code, str) else ""
        if code not in list_currencies():
            errors["currency"] = [_("Enter a currency code such as BRL, USD or EUR.")]
        values["currency"] = code
    if "probability" in values:
        chance = values["probability"]
        if chance in (None, ""):
            values["probability"] = None
        elif isinstance(chance, bool) or not isinstance(chance, int) or not 0 <= chance <= 100:
            errors["probability"] = [_("Enter a whole number from 0 to 100.")]
    if "expected_close_date" in values:
        _clean_date(values, errors)


def _clean_amount(values: dict[str, Any], errors: Errors) -> None:
    try:
        amount = money(values["amount"] if values["amount"] != "" else 0)
    except ValueError:
        errors["amount"] = [_("Enter an amount such as 1234.56.")]
        return
    if not Decimal(0) <= amount <= MAX_AMOUNT:
        errors["amount"] = [_("Enter an amount from 0 to 99,999,999,999,999.99.")]
    values["amount"] = amount


def _clean_date(values: dict[str, Any], errors: Errors) -> None:
    day = values["expected_close_date"]
    if isinstance(day, str):
        text = day.strip()
        day = parse_date(text) if text and len(text) <= 10 else None
        if day is None and text:
            errors["expected_close_date"] = [_("Enter a valid date.")]
    elif day is not None and (not isinstance(day, dt.date) or isinstance(day, dt.datetime)):
        errors["expected_close_date"] = [_("Enter a valid date.")]
        day = None
    values["expected_close_date"] = day


def _visible(actor: User, model: type[Model], pk: Any, field: str) -> Model:
    return not_found_on(
        field, lambda: permissions.get_visible(actor, model._default_manager.all(), pk)
    )


def _clean_links(actor: User, values: dict[str, Any]) -> None:
    for name, model in (("account", Account), ("lead", Lead)):
        if name in values and not isinstance(values[name], model):
            pk = values[name]
            values[name] = None if pk in (None, "") else _visible(actor, model, pk, name)


def _stage_of(values: dict[str, Any], current: Opportunity | None, errors: Errors) -> Stage | None:
    """The stage the values name (an id or a Stage) in the pipeline they name; the pipeline's
    first stage when only the pipeline changes; the default pipeline's first for a new deal."""
    pipeline_given, stage_given = "pipeline" in values, "stage" in values
    pipeline: Pipeline | None = None
    if pipeline_given:
        raw = values.pop("pipeline")
        pipeline = raw if isinstance(raw, Pipeline) else _pipeline_by_id(raw)
        if pipeline is None or not pipeline.active:
            errors["pipeline"] = [_("Choose an active pipeline.")]
            return None
    if stage_given:
        raw = values.pop("stage")
        stage = raw if isinstance(raw, Stage) else _stage_by_id(raw)
        if stage is None:
            errors["stage"] = [_("Choose one of the pipeline's stages.")]
            return None
        if not stage.pipeline.active:
            errors["stage"] = [_("Choose an active pipeline.")]
            return None
        # a deal changes pipeline only when the change names the new pipeline too
        within = pipeline.pk if pipeline is not None else getattr(current, "pipeline_id", None)
        if within is not None and stage.pipeline_id != within:
            errors["stage"] = [_("Choose one of the pipeline's stages.")]
            return None
        return stage
    if pipeline is not None:
        if current is not None and current.pipeline_id == pipeline.pk:
            return None
        return _first_stage(pipeline, errors)
    if current is None:
        return _first_stage(default_pipeline(), errors)
    return None


def _pipeline_by_id(value: Any) -> Pipeline | None:
    pk = pk_of(value)
    return None if pk is None else Pipeline.objects.filter(pk=pk).first()


def _stage_by_id(value: Any) -> Stage | None:
    pk = pk_of(value)
    return None if pk is None else Stage.objects.select_related("pipeline").filter(pk=pk).first()


def _first_stage(pipeline: Pipeline, errors: Errors) -> Stage | None:
    stage = pipeline.stages.filter(kind=StageKind.OPEN).order_by("position", "id").first()
    if stage is None:
        errors["stage"] = [_("The pipeline has no open stage.")]
    return stage


def clean_opportunity(
    actor: User, values: dict[str, Any], *, current: Opportunity | None = None
) -> tuple[dict[str, Any], Stage | None]:
    """The values to write and the stage to enter (``None``: the stage does not change)."""
    allowed = (*TEXTS, *CHOICES, "amount", "currency", "probability", "expected_close_date")
    allowed += ("account", "lead", "pipeline", "stage", "owner", "team", customfields.COLUMN)
    unknown = sorted(set(values) - set(allowed))
    errors: Errors = {name: [_("This field cannot be set here.")] for name in unknown}
    values = {k: v for k, v in values.items() if k in allowed}
    if current is None:
        values.setdefault("currency", company_currency())
        values.setdefault("name", "")
    _clean_texts(values, errors)
    _clean_choices(values, errors)
    _clean_numbers(values, errors)
    stage = _stage_of(values, current, errors)
    customfields.clean_into(actor, KEY, values, errors, creating=current is None)
    if errors:
        raise ValidationFailed(errors=errors)
    _clean_links(actor, values)
    if "probability" in values:
        typed = values["probability"]
        values["probability_set"] = typed is not None
        if typed is None:
            values["probability"] = (
                stage or getattr(current, "stage", None) or Stage()
            ).probability
    return values, stage


# --- stages --------------------------------------------------------------------------------


def _enter(values: dict[str, Any], stage: Stage, current: Opportunity | None) -> None:
    """What entering ``stage`` changes on the deal, into ``values``."""
    now = timezone.now()
    values.update(stage=stage, pipeline=stage.pipeline, status=stage.kind, stage_entered_at=now)
    typed = values.get("probability_set", getattr(current, "probability_set", False))
    # closing settles the probability; a deal reopened later starts again from its stage's
    if stage.kind == StageKind.WON:
        values.update(closed_at=now, probability=100, forecast_category=ForecastCategory.CLOSED)
        values["probability_set"] = False
    elif stage.kind == StageKind.LOST:
        values.update(closed_at=now, probability=0, forecast_category=ForecastCategory.OMITTED)
        values["probability_set"] = False
    else:
        values["closed_at"] = None
        if not typed:
            values["probability"] = stage.probability
        # an open deal is never "closed"; one reopened starts again in the pipeline unless
        # the same change gives it a category ("omitted" is a rep's choice on an open deal)
        reopened = current is not None and current.status != StageKind.OPEN
        category = values.get("forecast_category", getattr(current, "forecast_category", ""))
        if category in (ForecastCategory.CLOSED, "") or (
            reopened and "forecast_category" not in values
        ):
            values["forecast_category"] = ForecastCategory.PIPELINE


def _blank(name: str, values: dict[str, Any], current: Opportunity | None) -> bool:
    if name == "contacts":  # the list sent with the change, else the deal's own
        if "contacts" in values:
            return not values["contacts"]
        return current is None or not current.contact_roles.exists()
    value = values[name] if name in values else getattr(current, name, None)
    if name == "amount":
        return value in (None, "") or Decimal(value) == 0
    return value in (None, "")


def missing_for(stage: Stage, values: dict[str, Any], current: Opportunity | None) -> Errors:
    """The stage's required fields the deal (with ``values`` applied) leaves blank."""
    errors: Errors = {}
    for name in stage.required_fields or []:
        if name in REQUIRABLE and _blank(name, values, current):
            errors[name] = [_("Required to enter the stage “%(stage)s”.") % {"stage": stage.name}]
    return errors


def _history(opportunity: Opportunity, before: Stage | None, actor: User) -> None:
    moment = opportunity.stage_entered_at or timezone.now()
    history = StageChange.objects.filter(opportunity=opportunity)
    history.filter(left_at__isnull=True).update(left_at=moment)
    first = not history.filter(to_stage=opportunity.stage).exists()
    StageChange.objects.create(
        opportunity=opportunity,
        from_stage=before,
        to_stage=opportunity.stage,
        from_name=before.name if before else "",
        to_name=opportunity.stage.name,
        to_kind=opportunity.stage.kind,
        at=moment,
        by=actor,
        amount=opportunity.amount,
        probability=opportunity.probability,
        deal_created_at=opportunity.created_at,
        first_entry=first,
    )


def _guide(actor: User, opportunity: Opportunity) -> None:
    """The stage's suggested activities, for the deal's owner (or the mover, when the mover
    may not give the owner work), linked to the deal and its account."""
    from clientela.activities.services import activity_create

    for item in opportunity.stage.guidance or []:
        due = timezone.now() + dt.timedelta(days=int(item.get("due_days") or 0))
        values = {
            "kind": item.get("kind") or "task",
            "subject": str(item.get("subject") or "")[:200],
            "due_at": due,
            "link_type": KEY,
            "link_id": opportunity.pk,
            "account": opportunity.account_id,
            "owner": opportunity.owner_id,
        }
        try:
            activity_create(actor=actor, values=values)
        except ValidationFailed:
            activity_create(actor=actor, values={**values, "owner": None})


# --- opportunities -------------------------------------------------------------------------


def opportunity_create(*, actor: User, values: dict[str, Any]) -> Opportunity:
    permissions.require(actor, KEY, "create")
    contacts = values.get("contacts")
    cleaned, stage = clean_opportunity(actor, {k: v for k, v in values.items() if k != "contacts"})
    assert stage is not None  # a new deal always has one (or cleaning raised)
    _enter(cleaned, stage, None)
    errors = missing_for(stage, {**cleaned, "contacts": contacts or []}, None)
    if errors:
        raise ValidationFailed(errors=errors)
    with transaction.atomic():
        opportunity = record_create(actor=actor, model=Opportunity, values=cleaned)
        if contacts:
            _write_contacts(actor, opportunity, contacts)
        _history(opportunity, None, actor)
        _guide(actor, opportunity)
    return opportunity


def opportunity_update(*, actor: User, opportunity_id: Any, values: dict[str, Any]) -> Opportunity:
    current = permissions.get_for_action(
        actor, Opportunity.objects.select_related("stage"), opportunity_id, "edit"
    )
    contacts = values.get("contacts")
    cleaned, stage = clean_opportunity(
        actor, {k: v for k, v in values.items() if k != "contacts"}, current=current
    )
    moving = stage is not None and stage.pk != current.stage_id
    if moving:
        assert stage is not None
        _enter(cleaned, stage, current)
        sent = {"contacts": contacts} if contacts is not None else {}
        errors = missing_for(stage, {**cleaned, **sent}, current)
        if errors:
            raise ValidationFailed(errors=errors)
    elif cleaned.get("probability_set") is False and "probability" in cleaned:
        cleaned["probability"] = current.stage.probability
    with transaction.atomic():
        opportunity = record_update(actor=actor, model=Opportunity, pk=current.pk, values=cleaned)
        if contacts is not None:
            _write_contacts(actor, opportunity, contacts)
        if moving:
            _history(opportunity, current.stage, actor)
            _guide(actor, opportunity)
    return opportunity


def opportunity_move(
    *, actor: User, opportunity_id: Any, stage_id: Any, values: dict[str, Any] | None = None
) -> Opportunity:
    """The board's drag and drop: enter ``stage_id``, with the fields the stage asks for."""
    return opportunity_update(
        actor=actor, opportunity_id=opportunity_id, values={**(values or {}), "stage": stage_id}
    )


def opportunity_delete(*, actor: User, opportunity_id: Any) -> None:
    record_delete(actor=actor, model=Opportunity, pk=opportunity_id)


def _write_contacts(actor: User, opportunity: Opportunity, items: Any) -> None:
    """Replace the deal's contacts: ``[{"contact": id, "role": "decision_maker"}, …]``."""
    if not isinstance(items, list) or len(items) > 50:
        raise ValidationFailed(errors={"contacts": [_("Give at most 50 contacts.")]})
    roles: dict[int, str] = {}
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise ValidationFailed(errors={f"contacts.{index}": [_("Enter a contact and role.")]})
        role = item.get("role") or ContactRole.OTHER
        if role not in ContactRole.values:
            message = _("Choose one of the listed values.")
            raise ValidationFailed(errors={f"contacts.{index}.role": [message]})
        contact = _visible(actor, Contact, item.get("contact"), f"contacts.{index}.contact")
        roles[int(contact.pk)] = role
    before = sorted(opportunity.contact_roles.values_list("contact_id", "role"))
    opportunity.contact_roles.all().delete()
    OpportunityContact.objects.bulk_create(
        OpportunityContact(opportunity=opportunity, contact_id=pk, role=role)
        for pk, role in roles.items()
    )
    after = sorted(roles.items())
    if before != after:
        audit.record(
            actor=actor,
            action="update",
            obj=opportunity,
            changes={"contacts": [_roles_text(before), _roles_text(after)]},
        )


def _roles_text(pairs: list[tuple[int, str]]) -> str:
    return ", ".join(f"{pk}:{role}" for pk, role in pairs)


# --- pipelines -----------------------------------------------------------------------------


def default_pipeline() -> Pipeline:
    """The default pipeline, made with the seed's phases the first time one is needed."""
    found = Pipeline.objects.filter(is_default=True).first()
    return found if found is not None else ensure_default_pipeline()


def default_stages() -> list[dict[str, Any]]:
    """The seed's phases: initiation, identification, qualification, RFP received, quote sent,
    won or lost; with the probabilities, idle days, required fields and guidance a small sales
    team starts from (all editable)."""
    return [
        {"name": _("Initiation"), "probability": 10, "rotting_days": 14},
        {
            "name": _("Identification"),
            "probability": 20,
            "rotting_days": 14,
            "guidance": [{"kind": "call", "subject": _("Discovery call"), "due_days": 2}],
        },
        {
            "name": _("Qualification"),
            "probability": 30,
            "rotting_days": 21,
            "required_fields": ["account"],
            "guidance": [
                {"kind": "meeting", "subject": _("Confirm budget and timeline"), "due_days": 5}
            ],
        },
        {
            "name": _("RFP received"),
            "probability": 50,
            "rotting_days": 14,
            "required_fields": ["account", "amount", "expected_close_date"],
            "guidance": [{"kind": "task", "subject": _("Answer the RFP"), "due_days": 7}],
        },
        {
            "name": _("Quote sent"),
            "probability": 70,
            "rotting_days": 10,
            "required_fields": ["account", "amount", "expected_close_date"],
            "guidance": [{"kind": "call", "subject": _("Follow up on the quote"), "due_days": 3}],
        },
        {"name": _("Won"), "probability": 100, "kind": StageKind.WON},
        {
            "name": _("Lost"),
            "probability": 0,
            "kind": StageKind.LOST,
            "required_fields": ["lost_reason"],
        },
    ]


def ensure_default_pipeline() -> Pipeline:
    """A default pipeline in the install's language, unless one exists (idempotent)."""
    with transaction.atomic():
        found = Pipeline.objects.select_for_update().filter(is_default=True).first()
        if found is not None:
            return found
        with translation.override(settings.LANGUAGE_CODE):
            name = _("Sales")
            stages = default_stages()
        if Pipeline.objects.filter(name=name).exists():
            name = f"{name} ({Pipeline.objects.count() + 1})"
        pipeline = Pipeline.objects.create(name=name, is_default=True, position=0)
        _write_stages(pipeline, stages)
    return pipeline


def _clean_stage(item: Any, index: int, errors: Errors) -> dict[str, Any]:
    where = f"stages.{index}"
    if not isinstance(item, dict):
        errors[where] = [_("Enter the stage's name and settings.")]
        return {}
    name = _name(item.get("name"), f"{where}.name", errors)
    chance = item.get("probability", 0)
    if isinstance(chance, bool) or not isinstance(chance, int) or not 0 <= chance <= 100:
        errors[f"{where}.probability"] = [_("Enter a whole number from 0 to 100.")]
    kind = item.get("kind") or StageKind.OPEN
    if kind not in StageKind.values:
        errors[f"{where}.kind"] = [_("Choose one of the listed values.")]
    rotting = item.get("rotting_days")
    if rotting in ("", 0):
        rotting = None
    if rotting is not None and (
        isinstance(rotting, bool) or not isinstance(rotting, int) or not 0 < rotting <= 3650
    ):
        errors[f"{where}.rotting_days"] = [_("Enter a number of days from 1 to 3650.")]
    required = item.get("required_fields") or []
    if not isinstance(required, list) or any(
        not isinstance(r, str) or r not in REQUIRABLE for r in required
    ):
        errors[f"{where}.required_fields"] = [_("Choose among the listed fields.")]
    guidance = item.get("guidance") or []
    cleaned_guidance = _clean_guidance(guidance, f"{where}.guidance", errors)
    return {
        "id": item.get("id"),
        "name": name,
        "probability": chance,
        "kind": kind,
        "rotting_days": rotting,
        "required_fields": sorted({r for r in required if isinstance(r, str)})
        if isinstance(required, list)
        else [],
        "guidance": cleaned_guidance,
    }


def _clean_guidance(items: Any, where: str, errors: Errors) -> list[dict[str, Any]]:
    if not isinstance(items, list) or len(items) > MAX_GUIDANCE:
        errors[where] = [_("Give at most %(n)d suggested activities.") % {"n": MAX_GUIDANCE}]
        return []
    cleaned = []
    for index, item in enumerate(items):
        spot = f"{where}.{index}"
        if not isinstance(item, dict):
            errors[spot] = [_("Enter the activity's kind, subject and due days.")]
            continue
        subject = item.get("subject")
        subject = subject.strip() if isinstance(subject, str) else ""
        days = item.get("due_days", 0)
        kind = item.get("kind") or "task"
        if not subject or len(subject) > 200:
            errors[f"{spot}.subject"] = [_("Enter a subject of at most 200 characters.")]
        if kind not in GUIDANCE_KINDS:
            errors[f"{spot}.kind"] = [_("Choose one of the listed values.")]
        if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= 365:
            errors[f"{spot}.due_days"] = [_("Enter a number of days from 0 to 365.")]
        cleaned.append({"kind": kind, "subject": subject, "due_days": days})
    return cleaned


def _clean_pipeline(values: dict[str, Any], *, creating: bool) -> tuple[dict[str, Any], Any]:
    errors: Errors = {}
    cleaned: dict[str, Any] = {}
    if "name" in values or creating:
        cleaned["name"] = _name(values.get("name"), "name", errors)
    for flag in ("is_default", "active"):
        if flag in values:
            if not isinstance(values[flag], bool):
                errors[flag] = [_("Enter true or false.")]
            cleaned[flag] = bool(values[flag])
    stages = None
    if "stages" in values or creating:
        stages = _clean_stages(values.get("stages"), errors)
    if errors:
        raise ValidationFailed(errors=errors)
    return cleaned, stages


def _name(value: Any, where: str, errors: Errors) -> str:
    """A pipeline's or stage's name: 1 to 100 printable characters."""
    name = value.strip() if isinstance(value, str) else ""
    if not name or len(name) > 100 or not name.isprintable():
        errors[where] = [_("Enter a name of at most 100 characters.")]
    return name


def _clean_stages(items: Any, errors: Errors) -> list[dict[str, Any]]:
    if not isinstance(items, list) or not 0 < len(items) <= MAX_STAGES:
        errors["stages"] = [_("Give from 1 to %(n)d stages.") % {"n": MAX_STAGES}]
        return []
    stages = [_clean_stage(item, i, errors) for i, item in enumerate(items)]
    names = [s.get("name", "").casefold() for s in stages]
    if len(set(names)) != len(names):
        errors["stages"] = [_("Two stages have the same name.")]
    if stages and not any(s.get("kind") == StageKind.OPEN for s in stages):
        errors["stages"] = [_("A pipeline needs at least one open stage.")]
    return stages


def _require_settings(actor: User, action: str) -> None:
    permissions.require(actor, PIPELINE_KEY, action)


def pipeline_create(*, actor: User, values: dict[str, Any]) -> Pipeline:
    _require_settings(actor, "create")
    cleaned, stages = _clean_pipeline(values, creating=True)
    with transaction.atomic():
        if Pipeline.objects.filter(name__iexact=cleaned["name"]).exists():
            raise ValidationFailed(errors={"name": [_("A pipeline with this name exists.")]})
        if cleaned.get("is_default") and cleaned.get("active") is False:
            raise ValidationFailed(errors={"active": [_("The default pipeline stays active.")]})
        if cleaned.get("is_default"):
            Pipeline.objects.filter(is_default=True).update(is_default=False)
        position = (Pipeline.objects.aggregate(m=Max("position"))["m"] or 0) + 1
        pipeline = Pipeline.objects.create(**cleaned, position=position)
        _write_stages(pipeline, stages)
        audit.record(
            actor=actor,
            action="create",
            obj=pipeline,
            changes=audit.diff({}, _state(pipeline)),
        )
    return pipeline


def pipeline_update(*, actor: User, pipeline_id: Any, values: dict[str, Any]) -> Pipeline:
    """Change a pipeline; ``stages`` (when given) is the whole new list in order: stages named
    by ``id`` are kept and changed, others added, and the missing ones removed unless deals
    are in them (or have been: their history keeps the name)."""
    _require_settings(actor, "edit")
    cleaned, stages = _clean_pipeline(values, creating=False)
    with transaction.atomic():
        pipeline = Pipeline.objects.select_for_update().filter(pk=_int(pipeline_id)).first()
        if pipeline is None:
            raise NotFound()
        before = _state(pipeline)
        name = cleaned.get("name")
        if name and Pipeline.objects.filter(name__iexact=name).exclude(pk=pipeline.pk).exists():
            raise ValidationFailed(errors={"name": [_("A pipeline with this name exists.")]})
        if cleaned.get("is_default") is False and pipeline.is_default:
            raise ValidationFailed(
                errors={"is_default": [_("Make another pipeline the default instead.")]}
            )
        default = cleaned.get("is_default", pipeline.is_default)
        if default and not cleaned.get("active", pipeline.active):
            raise ValidationFailed(errors={"active": [_("The default pipeline stays active.")]})
        if cleaned.get("is_default"):
            Pipeline.objects.filter(is_default=True).exclude(pk=pipeline.pk).update(
                is_default=False
            )
        for field, value in cleaned.items():
            setattr(pipeline, field, value)
        pipeline.save()
        if stages is not None:
            _write_stages(pipeline, stages)
        changes = audit.diff(before, _state(pipeline))
        if changes:
            audit.record(actor=actor, action="update", obj=pipeline, changes=changes)
    return pipeline


def pipeline_delete(*, actor: User, pipeline_id: Any) -> None:
    _require_settings(actor, "delete")
    with transaction.atomic():
        pipeline = Pipeline.objects.select_for_update().filter(pk=_int(pipeline_id)).first()
        if pipeline is None:
            raise NotFound()
        if pipeline.is_default:
            raise Conflict(_("The default pipeline cannot be deleted."))
        if Opportunity.objects.filter(pipeline=pipeline).exists():
            raise Conflict(_("Opportunities are in this pipeline; move them first."))
        before = _state(pipeline)
        pk = pipeline.pk
        pipeline.delete()
        pipeline.pk = pk
        audit.record(actor=actor, action="delete", obj=pipeline, changes=audit.diff(before, {}))


def _int(value: Any) -> int:
    pk = pk_of(value)
    if pk is None:
        raise NotFound()
    return pk


def _state(pipeline: Pipeline) -> dict[str, Any]:
    """What the audit log keeps of a pipeline: its flags and every stage's settings."""
    stages = [
        f"{s.name} ({s.kind}, {s.probability}%, {s.rotting_days or '-'}d, "
        f"{'+'.join(s.required_fields or []) or '-'}, {len(s.guidance or [])} guidance)"
        for s in pipeline.stages.order_by("position", "id")
    ]
    return {
        "name": pipeline.name,
        "active": pipeline.active,
        "is_default": pipeline.is_default,
        "stages": "; ".join(stages),
    }


def _write_stages(pipeline: Pipeline, stages: list[dict[str, Any]]) -> None:
    existing = {s.pk: s for s in pipeline.stages.all()}
    kept: set[int] = set()
    # names are unique per pipeline: park the kept ones under temporary names first
    # (a control character: a cleaned name never has one)
    for parked in existing:
        Stage.objects.filter(pk=parked).update(name=f"\x01{parked}")
    for position, item in enumerate(stages):
        fields = {k: v for k, v in item.items() if k != "id"}
        pk = item.get("id")
        found = existing.get(pk) if isinstance(pk, int) and not isinstance(pk, bool) else None
        stage = found if found is not None else Stage(pipeline=pipeline)
        if (
            found is not None
            and fields.get("kind", found.kind) != found.kind
            and (Opportunity.objects.filter(stage_id=found.pk).exists())
        ):
            raise ValidationFailed(
                errors={
                    f"stages.{position}.kind": [
                        _("Deals are in this stage; its kind cannot change. Move them first.")
                    ]
                }
            )
        for name, value in fields.items():
            setattr(stage, name, value)
        stage.position = position
        stage.save()
        kept.add(stage.pk)
    for pk in set(existing) - kept:
        if Opportunity.objects.filter(stage_id=pk).exists():
            name = existing[pk].name
            raise ValidationFailed(
                errors={
                    "stages": [
                        _("Opportunities are in the stage “%(stage)s”; move them first.")
                        % {"stage": name}
                    ]
                }
            )
        Stage.objects.filter(pk=pk).delete()
