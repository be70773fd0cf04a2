"""API shapes for leads (conversion and bulk included), consents and data-subject requests."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from ninja import Schema
from pydantic import Field

from clientela.platform import customfields
from clientela.platform.api_customfields import CUSTOM_IN, CUSTOM_OUT, describe_record_schemas

LeadSourceIn = Literal["web_form", "import", "campaign", "manual", "api", "referral"]
LeadRatingIn = Literal["", "hot", "warm", "cold"]
Channel = Literal["email", "sms", "phone", "post", "whatsapp"]
Purpose = Literal["marketing", "newsletter", "surveys", "service", "profiling"]


class LeadOut(Schema):
    id: int
    first_name: str
    last_name: str
    company: str
    job_title: str
    email: str
    phone: str
    website: str
    country: str
    tax_id: str
    industry: str
    size_band: str
    source: str = Field(description="web_form, import, campaign, manual, api or referral")
    status: str = Field(description="new, working, qualified, disqualified or converted")
    disqualify_reason: str
    rating: str = Field(description="hot, warm, cold or empty (scored by marketing later)")
    description: str
    external_id: str
    converted_account_id: int | None
    converted_contact_id: int | None
    converted_at: datetime | None
    owner_id: int
    team_id: int | None
    created_at: datetime
    updated_at: datetime
    custom: dict[str, Any] = Field(description=CUSTOM_OUT)

    @staticmethod
    def resolve_custom(obj: Any) -> dict[str, Any]:
        return customfields.values_of(obj, "customers.lead")


class LeadFields(Schema):
    first_name: str | None = Field(default=None, max_length=100)
    last_name: str | None = Field(default=None, max_length=100)
    company: str | None = Field(default=None, max_length=200)
    job_title: str | None = Field(default=None, max_length=120)
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=40)
    website: str | None = Field(default=None, max_length=200)
    country: str | None = Field(default=None, max_length=2)
    tax_id: str | None = Field(default=None, max_length=32, description="CPF or CNPJ in BR")
    industry: str | None = Field(default=None, max_length=20)
    size_band: str | None = Field(default=None, max_length=8)
    source: LeadSourceIn | None = None
    rating: LeadRatingIn | None = None
    description: str | None = Field(default=None, max_length=10_000)
    external_id: str | None = Field(default=None, max_length=100)
    owner_id: int | None = None
    team_id: int | None = None
    custom: dict[str, Any] | None = Field(default=None, description=CUSTOM_IN)


class LeadIn(LeadFields):
    source: LeadSourceIn = "api"


class LeadPatch(LeadFields):
    """Only the fields sent change; a converted lead accepts ``description`` alone."""


class LeadStatusIn(Schema):
    status: Literal["new", "working", "qualified", "disqualified"]
    reason: str = Field(
        default="", max_length=14, description="Required when disqualifying: no_budget, …"
    )


class ConvertAccount(Schema):
    mode: Literal["create", "link", "none"] = "create"
    id: int | None = Field(default=None, description="The account to link (mode=link)")
    values: dict[str, Any] = Field(
        default_factory=dict,
        description="Overrides of the lead's data for a new account (`custom` included)",
    )


class ConvertContact(Schema):
    mode: Literal["create", "link"] = "create"
    id: int | None = Field(default=None, description="The contact to link (mode=link)")
    values: dict[str, Any] = Field(
        default_factory=dict,
        description="Overrides of the lead's data for a new contact (`custom` included)",
    )


class LeadConvertIn(Schema):
    account: ConvertAccount = Field(default_factory=ConvertAccount)
    contact: ConvertContact = Field(default_factory=ConvertContact)
    extras: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="Parts added by other apps (e.g. an opportunity)"
    )


class LeadConvertOut(Schema):
    lead: LeadOut
    account_id: int | None
    contact_id: int
    extras: dict[str, Any]


class MatchOut(Schema):
    id: int
    label: str
    detail: str


class ConversionMatchesOut(Schema):
    accounts: list[MatchOut]
    contacts: list[MatchOut]


class LeadBulkItem(LeadFields):
    id: int | None = Field(default=None, description="Set to change a lead; omit to create")


class LeadBulkIn(Schema):
    items: list[LeadBulkItem] = Field(min_length=1, max_length=500)


class LeadBulkOut(Schema):
    created: int
    updated: int
    items: list[LeadOut]


# The OpenAPI document lists the leads' custom fields in these schemas' ``custom``.
describe_record_schemas(
    "customers.lead",
    name="Lead",
    out=(LeadOut,),
    create=(LeadIn,),
    update=(LeadPatch, LeadBulkItem),
)


class ConsentIn(Schema):
    channel: Channel
    purpose: Purpose
    status: Literal["opt_in", "opt_out"]
    source: str = Field(default="", max_length=100, description="Where it came from")
    proof: dict[str, str] = Field(
        default_factory=dict, description="form, ip, user_agent and text (what was shown)"
    )
    recorded_at: datetime | None = Field(default=None, description="Defaults to now")


class ConsentOut(Schema):
    id: int
    contact_id: int
    channel: str
    purpose: str
    status: str
    source: str
    proof: dict[str, Any]
    recorded_at: datetime
    recorded_by_id: int | None


class ConsentBulkItem(ConsentIn):
    contact_id: int = Field(description="The contact the consent is about")


class ConsentBulkIn(Schema):
    mode: Literal["create"] = Field(
        default="create", description="Consents are append-only: create is the only mode."
    )
    items: list[ConsentBulkItem] = Field(max_length=500)


class ConsentBulkOut(Schema):
    count: int
    items: list[ConsentOut]


class ConsentStateOut(Schema):
    channel: str
    purpose: str
    status: str | None = Field(description="Latest recorded status, or null when none")
    allowed: bool = Field(description="What can_contact answers for this pair")


class ConsentsOut(Schema):
    do_not_contact: bool
    current: list[ConsentStateOut]
    history: list[ConsentOut]


class AnonymiseIn(Schema):
    confirm: bool = Field(description="Must be true: erasure cannot be undone")


class AnonymiseOut(Schema):
    id: int
    anonymized_at: datetime
    do_not_contact: bool
