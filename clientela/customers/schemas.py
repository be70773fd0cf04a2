"""API shapes for accounts and contacts."""

from __future__ import annotations

from datetime import datetime

from ninja import Schema
from pydantic import Field


class AccountOut(Schema):
    id: int
    name: str
    tax_id: str
    country: str
    phone: str
    email: str
    website: str
    owner_id: int
    team_id: int | None
    created_at: datetime
    updated_at: datetime


class AccountIn(Schema):
    name: str = Field(max_length=200)
    tax_id: str = Field(default="", max_length=32)
    country: str = Field(default="BR", max_length=2)
    phone: str = Field(default="", max_length=40)
    email: str = Field(default="", max_length=254)
    website: str = Field(default="", max_length=200)
    owner_id: int | None = None
    team_id: int | None = None


class AccountPatch(Schema):
    name: str | None = Field(default=None, max_length=200)
    tax_id: str | None = Field(default=None, max_length=32)
    country: str | None = Field(default=None, max_length=2)
    phone: str | None = Field(default=None, max_length=40)
    email: str | None = Field(default=None, max_length=254)
    website: str | None = Field(default=None, max_length=200)
    owner_id: int | None = None
    team_id: int | None = None


class AccountPage(Schema):
    items: list[AccountOut]
    next_cursor: str | None


class ContactOut(Schema):
    id: int
    first_name: str
    last_name: str
    email: str
    phone: str
    tax_id: str
    job_title: str
    account_id: int | None
    owner_id: int
    team_id: int | None
    created_at: datetime
    updated_at: datetime


class ContactIn(Schema):
    first_name: str = Field(max_length=100)
    last_name: str = Field(default="", max_length=100)
    email: str = Field(default="", max_length=254)
    phone: str = Field(default="", max_length=40)
    tax_id: str = Field(default="", max_length=32)
    job_title: str = Field(default="", max_length=120)
    account_id: int | None = None
    owner_id: int | None = None
    team_id: int | None = None


class ContactPatch(Schema):
    first_name: str | None = Field(default=None, max_length=100)
    last_name: str | None = Field(default=None, max_length=100)
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=40)
    tax_id: str | None = Field(default=None, max_length=32)
    job_title: str | None = Field(default=None, max_length=120)
    account_id: int | None = None
    owner_id: int | None = None
    team_id: int | None = None


class ContactPage(Schema):
    items: list[ContactOut]
    next_cursor: str | None
