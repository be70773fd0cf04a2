"""API shapes for opportunities, their stage history, pipelines with their stages, and boards.

Amounts travel as strings with two decimals (``"1200.50"``), as custom fields' decimals do, so
no client rounds them; requests may send a string or a JSON number, rounded half up to cents.
References are ``…_id`` fields, except in a move's ``values`` and a stage's
``required_fields``, which name the deal's fields the way a stage asks for them
(``account``, ``amount``…): a refused move's 422 answer names them that way too.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import BeforeValidator, Field, StrictInt, StringConstraints, WithJsonSchema

from clientela.customers.models import LeadSource
from clientela.platform import customfields
from clientela.platform.api_customfields import (
    CUSTOM_IN,
    CUSTOM_OUT,
    DECIMAL_PATTERN,
    describe_record_schemas,
)
from clientela.sales import selectors
from clientela.sales.models import ContactRole, ForecastCategory, LostReason, StageKind
from clientela.sales.services import GUIDANCE_KINDS, MAX_GUIDANCE, MAX_STAGES, REQUIRABLE, money

KEY = "sales.opportunity"
MAX_ID = 2**63 - 1  # the key columns' bigint
MAX_CONTACTS = 50

Id = Annotated[int, Field(ge=1, le=MAX_ID)]


def _amount_in(value: Any) -> Any:
    """A JSON number is read as its text (1.005 stays 1.005 and rounds to 1.01); a boolean is
    no amount (not 0 or 1), nor is anything else."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError(_("Enter an amount such as 1234.56."))
    return value if isinstance(value, str) else str(value)


Amount = Annotated[
    str,
    BeforeValidator(_amount_in),
    StringConstraints(max_length=40),
    WithJsonSchema({"anyOf": [{"type": "string", "maxLength": 40}, {"type": "number"}]}),
]
Sort = Literal["-created", "created"]
StatusValue = Literal["open", "won", "lost"]


def _options(values: Any, *, blank: bool = False) -> str:
    listed = ", ".join(f"`{value}`" for value in values)
    return f"Empty or one of: {listed}." if blank else f"One of: {listed}."


def _text(value: Any) -> str:
    """An amount as the API answers it: a string with two decimals."""
    return format(money(value), "f")


AMOUNT_IN = (
    "An amount as a string (1234.56) or a number, from 0 to 99999999999999.99; rounded half "
    "up to cents."
)
AMOUNT_OUT = "An amount as a string with two decimals, e.g. 1234.56."
ROLE = "The contact's part in the deal. " + _options(ContactRole.values)
REQUIRABLE_NOTE = "Field names: " + ", ".join(f"`{name}`" for name in REQUIRABLE) + "."


# --- opportunities ------------------------------------------------------------------------


class ContactRoleIn(Schema):
    contact: Id = Field(description="A contact's id (one you may see).")
    role: str = Field(default=ContactRole.OTHER, max_length=16, description=ROLE)


class ContactRoleOut(Schema):
    contact: int = Field(description="The contact's id.")
    role: str = Field(description=ROLE)

    @staticmethod
    def resolve_contact(obj: Any) -> int:
        return int(obj.contact_id)


class OpportunityOut(Schema):
    id: int = Field(description="The opportunity's id.")
    name: str = Field(description="What the deal is, e.g. 'Fleet renewal 2027'.")
    account_id: int | None = Field(description="The account the deal is with.")
    lead_id: int | None = Field(description="The lead the deal came from.")
    pipeline_id: int = Field(description="The pipeline the deal moves through.")
    stage_id: int = Field(description="The stage the deal is in.")
    stage_name: str = Field(description="The stage's name.")
    status: str = Field(description="The stage's kind: " + _options(StageKind.values))
    amount: str = Field(pattern=DECIMAL_PATTERN, description=AMOUNT_OUT)
    currency: str = Field(description="The amount's ISO 4217 currency code, e.g. BRL.")
    expected_close_date: date | None = Field(description="When the deal should close.")
    probability: int = Field(description="Chance of winning, 0 to 100 (%).")
    probability_typed: bool = Field(
        description="Whether someone typed the probability: a move to another open stage "
        "then keeps it instead of taking the stage's."
    )
    forecast_category: str = Field(description=_options(ForecastCategory.values))
    next_step: str = Field(description="What happens next.")
    description: str = Field(description="Free notes on the deal.")
    competitors: str = Field(description="Who else is bidding.")
    lost_reason: str = Field(
        description="Why it was lost. " + _options(LostReason.values, blank=True)
    )
    lost_note: str = Field(description="More on why it was lost.")
    lead_source: str = Field(
        description="Where it came from. " + _options(LeadSource.values, blank=True)
    )
    stage_entered_at: datetime | None = Field(description="When it entered its stage (UTC).")
    closed_at: datetime | None = Field(description="When it was won or lost (UTC); else null.")
    rotting: bool = Field(
        description="An open deal idle in its stage for longer than the stage's rotting_days."
    )
    contacts: list[ContactRoleOut] = Field(description="The contacts on the deal, with roles.")
    owner_id: int = Field(description="The user who owns the deal.")
    team_id: int | None = Field(description="The owner's team the deal belongs to.")
    created_at: datetime = Field(description="When it was created (UTC).")
    updated_at: datetime = Field(description="When it last changed (UTC).")
    custom: dict[str, Any] = Field(description=CUSTOM_OUT)

    @staticmethod
    def resolve_stage_name(obj: Any) -> str:
        return str(obj.stage.name)

    @staticmethod
    def resolve_amount(obj: Any) -> str:
        return _text(obj.amount)

    @staticmethod
    def resolve_probability_typed(obj: Any) -> bool:
        return bool(obj.probability_set)

    @staticmethod
    def resolve_rotting(obj: Any) -> bool:
        return selectors.rotting(obj)

    @staticmethod
    def resolve_contacts(obj: Any) -> list[Any]:
        """From the prefetch cache when the caller prefetched ``contact_roles``."""
        return list(obj.contact_roles.all())

    @staticmethod
    def resolve_custom(obj: Any) -> dict[str, Any]:
        return customfields.values_of(obj, KEY)


class OpportunityPatch(Schema):
    name: str | None = Field(default=None, max_length=200, description="What the deal is.")
    account_id: Id | None = Field(default=None, description="An account you may see; null: none.")
    lead_id: Id | None = Field(default=None, description="A lead you may see; null: none.")
    pipeline_id: Id | None = Field(
        default=None,
        description="An active pipeline; without stage_id the deal enters its first open stage.",
    )
    stage_id: Id | None = Field(
        default=None,
        description="A stage of an active pipeline; entering it checks its required_fields "
        "(422 naming the missing ones) and sets status, probability and history.",
    )
    amount: Amount | None = Field(default=None, description=AMOUNT_IN)
    currency: str | None = Field(
        default=None,
        min_length=3,
        max_length=3,
        pattern=r"^[A-Za-z]{3}$",
        description="An ISO 4217 code such as BRL, USD or EUR (three letters).",
    )
    expected_close_date: date | None = Field(default=None, description="YYYY-MM-DD; null: none.")
    probability: StrictInt | None = Field(
        default=None,
        description="Chance of winning, 0 to 100 (%); null: the stage's probability again.",
    )
    forecast_category: str | None = Field(
        default=None, max_length=10, description=_options(ForecastCategory.values)
    )
    next_step: str | None = Field(default=None, max_length=200, description="What happens next.")
    description: str | None = Field(default=None, max_length=20000, description="Free notes.")
    competitors: str | None = Field(default=None, max_length=300, description="Who else bids.")
    lost_reason: str | None = Field(
        default=None, max_length=12, description=_options(LostReason.values, blank=True)
    )
    lost_note: str | None = Field(default=None, max_length=500, description="More on the loss.")
    lead_source: str | None = Field(
        default=None, max_length=10, description=_options(LeadSource.values, blank=True)
    )
    owner_id: Id | None = Field(
        default=None, description="The owning user; you when omitted on create."
    )
    team_id: Id | None = Field(
        default=None, description="The owner's team; the owner's first team when omitted."
    )
    contacts: list[ContactRoleIn] | None = Field(
        default=None,
        max_length=MAX_CONTACTS,
        description="All the deal's contacts with their roles (replaces the list).",
    )
    custom: dict[str, Any] | None = Field(default=None, description=CUSTOM_IN)


class OpportunityIn(OpportunityPatch):
    name: str = Field(max_length=200, description="What the deal is.")  # type: ignore[assignment]
    pipeline_id: Id | None = Field(
        default=None,
        description="An active pipeline; the default pipeline when omitted. The deal starts "
        "in its first open stage unless stage_id says otherwise.",
    )
    currency: str | None = Field(
        default=None,
        min_length=3,
        max_length=3,
        pattern=r"^[A-Za-z]{3}$",
        description="An ISO 4217 code (three letters); the company's currency when omitted.",
    )


class OpportunityPage(Schema):
    items: list[OpportunityOut] = Field(description="One page of opportunities.")
    next_cursor: str | None = Field(
        description="Pass as `cursor` (with the same `sort`) for the next page; null at the end."
    )


class MoveValues(Schema):
    """The fields a stage may require, named as in the stage's ``required_fields``."""

    amount: Amount | None = Field(default=None, description=AMOUNT_IN)
    expected_close_date: date | None = Field(default=None, description="YYYY-MM-DD.")
    account: Id | None = Field(default=None, description="An account's id (one you may see).")
    next_step: str | None = Field(default=None, max_length=200, description="What happens next.")
    competitors: str | None = Field(default=None, max_length=300, description="Who else bids.")
    lost_reason: str | None = Field(
        default=None, max_length=12, description=_options(LostReason.values)
    )
    lost_note: str | None = Field(default=None, max_length=500, description="More on the loss.")
    description: str | None = Field(default=None, max_length=20000, description="Free notes.")
    contacts: list[ContactRoleIn] | None = Field(
        default=None,
        max_length=MAX_CONTACTS,
        description="All the deal's contacts with their roles (replaces the list).",
    )


class MoveIn(Schema):
    stage: Id = Field(description="The stage to enter (any stage of an active pipeline).")
    values: MoveValues | None = Field(
        default=None,
        description="Fields to set with the move, e.g. those the stage requires. "
        + REQUIRABLE_NOTE,
    )


class StageChangeOut(Schema):
    id: int = Field(description="The move's id.")
    from_stage_id: int | None = Field(
        description="The stage it left (null for where it started, or a removed stage)."
    )
    from_name: str = Field(description="The left stage's name then (empty at the start).")
    to_stage_id: int | None = Field(description="The stage it entered (null once removed).")
    to_name: str = Field(description="The entered stage's name then.")
    to_kind: str = Field(description="The entered stage's kind: " + _options(StageKind.values))
    at: datetime = Field(description="When it moved (UTC).")
    by_id: int | None = Field(description="The user who moved it.")
    amount: str = Field(
        pattern=DECIMAL_PATTERN, description="The deal's amount then. " + AMOUNT_OUT
    )
    probability: int = Field(description="The deal's probability (%) after the move.")

    @staticmethod
    def resolve_amount(obj: Any) -> str:
        return _text(obj.amount)


# --- pipelines ----------------------------------------------------------------------------


class GuidanceItem(Schema):
    kind: str = Field(default="task", max_length=10, description=_options(GUIDANCE_KINDS))
    subject: str = Field(max_length=200, description="The suggested activity's subject.")
    due_days: StrictInt = Field(
        default=0, description="Due this many days after the deal enters the stage (0 to 365)."
    )


class StageOut(Schema):
    id: int = Field(description="The stage's id.")
    name: str = Field(description="The stage's name, unique in its pipeline.")
    position: int = Field(description="Its place in the pipeline, from 0.")
    probability: int = Field(description="Chance of winning a deal in it, 0 to 100 (%).")
    kind: str = Field(description="open, won or lost: the status its deals take.")
    rotting_days: int | None = Field(description="An open deal idle this many days is rotting.")
    required_fields: list[str] = Field(
        description="Fields a deal must have filled to enter. " + REQUIRABLE_NOTE
    )
    guidance: list[GuidanceItem] = Field(
        description="Activities created for the deal's owner when a deal enters."
    )


class StageIn(Schema):
    id: Id | None = Field(
        default=None,
        description="On change: an existing stage of this pipeline, kept and changed; "
        "without id a stage is added.",
    )
    name: str = Field(max_length=100, description="Unique in the pipeline.")
    probability: StrictInt = Field(default=0, description="0 to 100 (%).")
    kind: str = Field(default=StageKind.OPEN, max_length=8, description=_options(StageKind.values))
    rotting_days: StrictInt | None = Field(
        default=None, description="1 to 3650; null: deals in it never rot."
    )
    required_fields: list[str] = Field(
        default_factory=list,
        max_length=len(REQUIRABLE),
        description="Fields a deal must have filled to enter. " + REQUIRABLE_NOTE,
    )
    guidance: list[GuidanceItem] = Field(
        default_factory=list,
        max_length=MAX_GUIDANCE,
        description="Suggested activities on entry (at most 10).",
    )


class PipelineOut(Schema):
    id: int = Field(description="The pipeline's id.")
    name: str = Field(description="Unique among pipelines.")
    position: int = Field(description="Its place among the pipelines.")
    is_default: bool = Field(description="New deals go to the default pipeline.")
    active: bool = Field(description="Only active pipelines take deals.")
    created_at: datetime = Field(description="When it was created (UTC).")
    stages: list[StageOut] = Field(description="Its stages in order.")

    @staticmethod
    def resolve_stages(obj: Any) -> list[Any]:
        """From the prefetch cache when the caller prefetched ``stages``."""
        return sorted(obj.stages.all(), key=lambda s: (s.position, s.pk))


class PipelinePatch(Schema):
    name: str | None = Field(default=None, max_length=100, description="Unique among pipelines.")
    is_default: bool | None = Field(
        default=None,
        description="true makes it the default (the former one stops being); the default "
        "cannot be unset, only replaced.",
    )
    active: bool | None = Field(
        default=None, description="false retires it (not the default pipeline)."
    )
    stages: list[StageIn] | None = Field(
        default=None,
        min_length=1,
        max_length=MAX_STAGES,
        description="The whole list in order (replaces it): stages named by id are kept and "
        "changed, the others added; missing ones are removed unless deals are in them (422).",
    )


class PipelineIn(PipelinePatch):
    name: str = Field(max_length=100, description="Unique among pipelines.")  # type: ignore[assignment]
    is_default: bool = Field(default=False, description="Make it the default pipeline.")  # type: ignore[assignment]
    active: bool = Field(default=True, description="Whether it takes deals.")  # type: ignore[assignment]
    stages: list[StageIn] = Field(  # type: ignore[assignment]
        min_length=1,
        max_length=MAX_STAGES,
        description="Its stages in order (1 to 30), at least one of kind open.",
    )


class PipelinePage(Schema):
    items: list[PipelineOut] = Field(description="One page of pipelines, in their order.")
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page.")


# --- the board ----------------------------------------------------------------------------


class BoardCardOut(Schema):
    id: int = Field(description="The opportunity's id.")
    name: str = Field(description="The opportunity's name.")
    account_id: int | None = Field(description="The account the deal is with.")
    amount: str = Field(pattern=DECIMAL_PATTERN, description=AMOUNT_OUT)
    currency: str = Field(description="The amount's currency code.")
    expected_close_date: date | None = Field(description="When the deal should close.")
    probability: int = Field(description="Chance of winning, 0 to 100 (%).")
    owner_id: int = Field(description="The user who owns the deal.")
    stage_entered_at: datetime | None = Field(description="When it entered the stage (UTC).")
    rotting: bool = Field(description="Idle in the stage for longer than its rotting_days.")

    @staticmethod
    def resolve_amount(obj: Any) -> str:
        return _text(obj.amount)

    @staticmethod
    def resolve_rotting(obj: Any) -> bool:
        return selectors.rotting(obj)


class BoardColumnOut(Schema):
    stage_id: int = Field(description="The column's stage.")
    stage_name: str = Field(description="The stage's name.")
    kind: str = Field(description="The stage's kind: open, won or lost.")
    probability: int = Field(description="The stage's probability (%).")
    count: int = Field(description="Deals in the column, in every currency.")
    total: str = Field(
        pattern=DECIMAL_PATTERN, description="Sum of the amounts in the board's currency."
    )
    weighted: str = Field(
        pattern=DECIMAL_PATTERN,
        description="Sum of amount times probability / 100 in the board's currency, to the cent.",
    )
    more: int = Field(description="Deals in the column beyond the cards shown.")
    cards: list[BoardCardOut] = Field(
        description="The first deals (up to 50) by expected close date, undated last."
    )

    @staticmethod
    def resolve_stage_id(obj: Any) -> int:
        return int(obj.stage.pk)

    @staticmethod
    def resolve_stage_name(obj: Any) -> str:
        return str(obj.stage.name)

    @staticmethod
    def resolve_kind(obj: Any) -> str:
        return str(obj.stage.kind)

    @staticmethod
    def resolve_probability(obj: Any) -> int:
        return int(obj.stage.probability)

    @staticmethod
    def resolve_total(obj: Any) -> str:
        return _text(obj.total)

    @staticmethod
    def resolve_weighted(obj: Any) -> str:
        return _text(obj.weighted)


class BoardOut(Schema):
    pipeline_id: int = Field(description="The pipeline shown.")
    pipeline_name: str = Field(description="The pipeline's name.")
    currency: str = Field(
        description="The company's currency: totals sum only the deals in it (CLIENTELA_CURRENCY)."
    )
    other_currencies: bool = Field(
        description="Whether deals in other currencies are counted but left out of the sums."
    )
    count: int = Field(description="Deals on the board.")
    total: str = Field(pattern=DECIMAL_PATTERN, description="Sum of the columns' totals.")
    weighted: str = Field(
        pattern=DECIMAL_PATTERN, description="The whole board's weighted sum, to the cent."
    )
    columns: list[BoardColumnOut] = Field(
        description="One per stage in order. Open deals show; won and lost columns hold the "
        "deals closed in the last 30 days, or every deal when a close date range is given."
    )

    @staticmethod
    def resolve_pipeline_id(obj: Any) -> int:
        return int(obj.pipeline.pk)

    @staticmethod
    def resolve_pipeline_name(obj: Any) -> str:
        return str(obj.pipeline.name)

    @staticmethod
    def resolve_total(obj: Any) -> str:
        return _text(obj.total)

    @staticmethod
    def resolve_weighted(obj: Any) -> str:
        return _text(obj.weighted)


# The OpenAPI document lists the opportunities' custom fields in these schemas' ``custom``.
describe_record_schemas(
    KEY,
    name="Opportunity",
    out=(OpportunityOut,),
    create=(OpportunityIn,),
    update=(OpportunityPatch,),
)
