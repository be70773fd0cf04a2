"""API shapes of the knowledge base: articles and FAQs, their versions, feedback and categories.

Requests name the category as ``category`` (its id), answers as ``category_id``. A change
(``ArticlePatch``) sets only the fields sent; the checks that need the domain (a category that
exists, tags, lengths) are the service's, whose 422 names the field.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from ninja import Schema
from pydantic import Field

from clientela.service.schemas import Id

UNSET: Any = None  # omitted, not null: see schemas_settings
KindValue = Literal["article", "faq"]
ArticleStatusValue = Literal["draft", "published", "archived"]
AudienceValue = Literal["internal", "public"]
LanguageValue = Literal["en", "pt-br"]
ArticleOrder = Literal["updated", "helpful", "title"]
KIND = "article (a how-to) or faq (title: the question, body: the answer)."
AUDIENCE = "internal (agents only) or public (customers too, once published)."


class ArticleOut(Schema):
    id: int
    kind: KindValue = Field(description=KIND)
    title: str
    summary: str
    category_id: int | None
    tags: list[str]
    status: ArticleStatusValue
    audience: AudienceValue = Field(description=AUDIENCE)
    language: LanguageValue
    version: int = Field(description="Goes up by one with each change of the text.")
    helpful_yes: int = Field(description="Readers who found it helpful.")
    helpful_no: int = Field(description="Readers who did not.")
    views: int
    source_ticket_id: int | None = Field(description="The ticket a FAQ was made from.")
    published_at: dt.datetime | None
    updated_at: dt.datetime


class ArticleDetailOut(ArticleOut):
    body: str = Field(description="Plain text; a blank line between paragraphs.")
    author_id: int | None = Field(description="Who wrote the current version.")
    created_at: dt.datetime


class ArticlePage(Schema):
    items: list[ArticleOut]
    next_cursor: str | None = Field(
        description="Pass as `cursor` (with the same query and order) for the next page."
    )


class ArticleIn(Schema):
    kind: KindValue = Field(default="article", description=KIND)
    title: str = Field(max_length=300, description="Required. For a FAQ: the question.")
    summary: str = Field(default="", max_length=500)
    body: str = Field(max_length=100_000, description="Required. For a FAQ: the answer.")
    category: Id | None = Field(default=None, description="A category's id; null: none.")
    tags: list[str] = Field(default_factory=list, max_length=20)
    audience: AudienceValue = Field(default="internal", description=AUDIENCE)
    language: LanguageValue = Field(default="en")
    status: Literal["draft", "published"] = Field(default="draft")


class ArticlePatch(Schema):
    kind: KindValue = Field(default=UNSET, description=KIND)
    title: str = Field(default=UNSET, max_length=300)
    summary: str = Field(default=UNSET, max_length=500)
    body: str = Field(default=UNSET, max_length=100_000)
    category: Id | None = Field(default=None, description="A category's id; null: none.")
    tags: list[str] = Field(default=UNSET, max_length=20)
    audience: AudienceValue = Field(default=UNSET, description=AUDIENCE)
    language: LanguageValue = Field(default=UNSET)


class ArticleVersionOut(Schema):
    version: int
    title: str
    summary: str
    body: str
    author_id: int | None
    created_at: dt.datetime = Field(description="When this text was replaced.")


class FeedbackIn(Schema):
    helpful: bool
    comment: str = Field(default="", max_length=2000)
    ticket: Id | None = Field(default=None, description="The ticket it was read for, if any.")


class CategoryOut(Schema):
    id: int
    name: str
    position: int


class CategoryPage(Schema):
    items: list[CategoryOut]
    next_cursor: str | None


class CategoryIn(Schema):
    name: str = Field(max_length=100, description="Unique, whatever the case.")
    position: int = Field(default=0, ge=0, le=10_000)


class CategoryPatch(Schema):
    name: str = Field(default=UNSET, max_length=100)
    position: int = Field(default=UNSET, ge=0, le=10_000)
