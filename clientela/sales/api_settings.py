"""Sales settings through the API: the company profile documents print (with its logo) and the
monthly quotas forecasts compare against."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from ninja import File, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from clientela.platform import permissions
from clientela.platform.errors import ValidationFailed
from clientela.platform.http import AuthedRequest
from clientela.sales import company as company_service
from clientela.sales.forecast import quotas_of_year, quotas_save
from clientela.sales.models import CompanyProfile

router = Router(tags=["sales"])


class CompanyOut(Schema):
    name: str = Field(description="The company's name, as documents print it.")
    legal_name: str = Field(description="The registered name, when it differs.")
    tax_id: str = Field(description="The company's tax id (CNPJ in Brazil).")
    address: str = Field(description="The postal address, several lines.")
    city: str = Field(description="The city (also the PIX payload's merchant city).")
    email: str = Field(description="The address customers write to.")
    phone: str = Field(description="The phone customers call.")
    website: str = Field(description="The company's web address.")
    pix_key: str = Field(description="The PIX key BRL quotes carry; empty for none.")
    quote_terms: str = Field(description="The terms new quotes start with.")
    quote_valid_days: int = Field(description="How many days a new quote is valid by default.")
    logo_type: str = Field(description="The logo's image type (image/png, image/jpeg), or ''.")


class CompanyPatch(Schema):
    name: str | None = Field(default=None, max_length=200, description="The company's name.")
    legal_name: str | None = Field(default=None, max_length=200, description="Registered name.")
    tax_id: str | None = Field(default=None, max_length=32, description="Tax id (CNPJ).")
    address: str | None = Field(default=None, max_length=1000, description="Postal address.")
    city: str | None = Field(default=None, max_length=100, description="City.")
    email: str | None = Field(default=None, max_length=254, description="E-mail address.")
    phone: str | None = Field(default=None, max_length=40, description="Phone.")
    website: str | None = Field(default=None, max_length=200, description="Web address.")
    pix_key: str | None = Field(
        default=None, max_length=77, description="PIX key: CPF, CNPJ, +55 phone, e-mail, random."
    )
    quote_terms: str | None = Field(default=None, max_length=20000, description="Quote terms.")
    quote_valid_days: int | None = Field(
        default=None, ge=1, le=365, description="Default validity of new quotes, in days."
    )


class QuotaItem(Schema):
    user: int = Field(ge=1, le=2**63 - 1, description="The rep's user id.")
    month: str = Field(pattern=r"^\d{4}-\d{2}(-\d{2})?$", description="The month: 2027-01.")
    amount: Decimal | None = Field(
        default=None,
        ge=0,
        max_digits=16,
        decimal_places=2,
        description="The target in the company currency; null removes the month's quota.",
    )


class QuotasIn(Schema):
    items: list[QuotaItem] = Field(max_length=5000, description="The quotas to set, all or none.")


class QuotaOut(Schema):
    user: int = Field(description="The rep's user id.")
    month: dt.date = Field(description="The month's first day.")
    amount: str = Field(description="The target in the company currency, two decimals.")


class QuotaQuery(Schema):
    year: int = Field(ge=2000, le=2999, description="The quotas of this year's months.")


class WrittenOut(Schema):
    written: int = Field(description="How many quotas were set or removed.")


def _company(profile: CompanyProfile) -> dict[str, Any]:
    return {name: getattr(profile, name) for name in CompanyOut.model_fields}


@router.get("/company-profile", response=CompanyOut, summary="The company profile")
def get_company(request: AuthedRequest):
    return _company(company_service.company_get(request.user))


@router.patch("/company-profile", response=CompanyOut, summary="Change the company profile")
def patch_company(request: AuthedRequest, payload: CompanyPatch):
    values = payload.model_dump(exclude_unset=True)
    return _company(company_service.company_save(actor=request.user, values=values))


@router.post("/company-profile/logo", response=CompanyOut, summary="Upload the logo")
def put_logo(request: AuthedRequest, file: File[UploadedFile]):
    """A PNG or JPEG of at most 300 KiB; anything else is refused on `logo`."""
    permissions.require(request.user, company_service.KEY, "edit")
    if file.size is None or file.size > company_service.MAX_LOGO:
        raise ValidationFailed(errors={"logo": [_("The logo is larger than 300 KiB.")]})
    content = file.read(company_service.MAX_LOGO + 1)
    return _company(company_service.logo_save(actor=request.user, content=content))


@router.delete("/company-profile/logo", response={204: None}, summary="Remove the logo")
def delete_logo(request: AuthedRequest):
    company_service.logo_save(actor=request.user, content=None)
    return Status(204, None)


@router.get("/quotas", response=list[QuotaOut], summary="A year's monthly quotas")
def list_quotas(request: AuthedRequest, params: Query[QuotaQuery]):
    rows = quotas_of_year(request.user, params.year)
    return [{"user": q.user_id, "month": q.month, "amount": f"{q.amount:.2f}"} for q in rows]


@router.put("/quotas", response=WrittenOut, summary="Set monthly quotas")
def put_quotas(request: AuthedRequest, payload: QuotasIn):
    """All or none; errors are keyed `items.<n>.<field>`."""
    items = [
        {"user": i.user, "month": i.month, "amount": None if i.amount is None else str(i.amount)}
        for i in payload.items
    ]
    return {"written": quotas_save(actor=request.user, items=items)}
