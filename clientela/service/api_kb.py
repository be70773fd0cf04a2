"""The API of the knowledge base: articles and FAQs (search, versions, status, feedback),
categories, the suggestions for a ticket and a FAQ made from a ticket.

Rights: ``service.article`` (view, create, edit, delete). Whoever may only view reads the
published articles; whoever may edit also sees drafts and archived ones.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from clientela.platform import permissions
from clientela.platform.api import PageParams
from clientela.platform.errors import ValidationFailed
from clientela.platform.http import AuthedRequest
from clientela.service import knowledge, selectors
from clientela.service import selectors_kb as kb
from clientela.service.schemas import Id
from clientela.service.schemas_kb import (
    ArticleDetailOut,
    ArticleIn,
    ArticleOrder,
    ArticleOut,
    ArticlePage,
    ArticlePatch,
    ArticleStatusValue,
    ArticleVersionOut,
    AudienceValue,
    CategoryIn,
    CategoryOut,
    CategoryPage,
    CategoryPatch,
    FeedbackIn,
    KindValue,
    LanguageValue,
)

router = Router(tags=["Knowledge base"])
KEY = kb.KEY
MAX_OFFSET = 10_000


class ArticleQuery(PageParams):
    cursor: str | None = Field(default=None, max_length=500, description="From `next_cursor`.")
    limit: int = Field(default=50, ge=1, le=200, description="Items per page, 1 to 200.")
    q: str = Field(
        default="",
        max_length=200,
        description="Words in English or Portuguese (stemmed, accents ignored); every word must "
        "match. With a query the answer is ranked by relevance, the title first.",
    )
    status: ArticleStatusValue | None = None
    kind: KindValue | None = None
    audience: AudienceValue | None = None
    language: LanguageValue | None = None
    category: Id | None = None
    order: ArticleOrder = Field(
        default="updated",
        description="Without `q`: updated (newest first), helpful (most helpful first) or title.",
    )


def _search_page(rows: Any, params: ArticleQuery) -> dict[str, Any]:
    offset = 0
    if params.cursor:
        key, _dot, number = params.cursor.partition(".")
        if key != "q" or not number.isdigit() or int(number) > MAX_OFFSET:
            message = _("This cursor belongs to another listing; start again from the first page.")
            raise ValidationFailed(errors={"cursor": [message]})
        offset = int(number)
    found = kb.search(rows, params.q, limit=params.limit + 1, offset=offset)
    more = len(found) > params.limit and offset + params.limit <= MAX_OFFSET
    next_cursor = f"q.{offset + params.limit}" if more else None
    return {"items": found[: params.limit], "next_cursor": next_cursor}


def _list_page(rows: Any, params: ArticleQuery) -> dict[str, Any]:
    inner = None
    if params.cursor:
        key, dot, inner = params.cursor.partition(".")
        if not dot or key != params.order:
            message = _("This cursor belongs to another listing; start again from the first page.")
            raise ValidationFailed(errors={"cursor": [message]})
    page = kb.article_page(rows, order=params.order, cursor=inner, limit=params.limit)
    next_cursor = f"{params.order}.{page.next_cursor}" if page.next_cursor else None
    return {"items": page.items, "next_cursor": next_cursor}


# --- articles ------------------------------------------------------------------------------


@router.get("/kb/articles", response=ArticlePage, summary="Knowledge base articles, or a search")
def list_articles(request: AuthedRequest, params: Query[ArticleQuery]):
    """A query matching nothing, or made only of symbols, answers an empty page."""
    permissions.require(request.user, KEY, "view")
    filters = kb.ArticleFilters(
        status=params.status or "",
        kind=params.kind or "",
        audience=params.audience or "",
        language=params.language or "",
        category_id=params.category,
    )
    rows = kb.filtered(kb.article_rows(request.user), filters)
    if params.q.strip():
        return _search_page(rows, params)
    return _list_page(rows, params)


@router.post("/kb/articles", response={201: ArticleDetailOut}, summary="Write an article or FAQ")
def create_article(request: AuthedRequest, payload: ArticleIn):
    values = payload.model_dump(exclude={"status"})
    article = knowledge.article_create(actor=request.user, values=values, status=payload.status)
    return Status(201, article)


@router.get("/kb/articles/{article_id}", response=ArticleDetailOut, summary="One article")
def get_article(request: AuthedRequest, article_id: int):
    return kb.article_get(request.user, article_id)


@router.patch("/kb/articles/{article_id}", response=ArticleDetailOut, summary="Change an article")
def patch_article(request: AuthedRequest, article_id: int, payload: ArticlePatch):
    """A new title, summary or body keeps the text it replaces as a version (`version` + 1)."""
    kb.article_get(request.user, article_id)
    values = payload.model_dump(exclude_unset=True)
    return knowledge.article_update(actor=request.user, article_id=article_id, values=values)


@router.delete("/kb/articles/{article_id}", response={204: None}, summary="Delete an article")
def delete_article(request: AuthedRequest, article_id: int):
    kb.article_get(request.user, article_id)
    knowledge.article_delete(actor=request.user, article_id=article_id)
    return Status(204, None)


@router.post(
    "/kb/articles/{article_id}/publish", response=ArticleDetailOut, summary="Publish an article"
)
def publish_article(request: AuthedRequest, article_id: int):
    kb.article_get(request.user, article_id)
    return knowledge.article_set_status(
        actor=request.user, article_id=article_id, status="published"
    )


@router.post(
    "/kb/articles/{article_id}/archive", response=ArticleDetailOut, summary="Archive an article"
)
def archive_article(request: AuthedRequest, article_id: int):
    kb.article_get(request.user, article_id)
    return knowledge.article_set_status(
        actor=request.user, article_id=article_id, status="archived"
    )


@router.get(
    "/kb/articles/{article_id}/versions",
    response=list[ArticleVersionOut],
    summary="An article's earlier versions, newest first",
)
def article_versions(request: AuthedRequest, article_id: int):
    return kb.versions(kb.article_get(request.user, article_id))


@router.post(
    "/kb/articles/{article_id}/versions/{version}/restore",
    response=ArticleDetailOut,
    summary="Restore an earlier version",
)
def restore_article(request: AuthedRequest, article_id: int, version: int):
    """The old text becomes a new version; the text it replaces is kept too."""
    kb.article_get(request.user, article_id)
    return knowledge.article_restore(actor=request.user, article_id=article_id, version=version)


@router.post("/kb/articles/{article_id}/feedback", response=ArticleOut, summary="Was this helpful?")
def article_feedback(request: AuthedRequest, article_id: int, payload: FeedbackIn):
    """One answer per user: answering again changes it. A draft answers 409."""
    return knowledge.article_feedback(
        actor=request.user,
        article_id=article_id,
        helpful=payload.helpful,
        comment=payload.comment,
        ticket_id=payload.ticket,
    )


# --- a ticket's side -----------------------------------------------------------------------


class SuggestionQuery(Schema):
    text: str = Field(default="", max_length=2000, description="What the agent is writing.")


@router.get(
    "/tickets/{ticket_id}/kb-suggestions",
    response=list[ArticleOut],
    summary="Articles that may answer a ticket",
)
def ticket_suggestions(request: AuthedRequest, ticket_id: int, params: Query[SuggestionQuery]):
    """The five published articles that best match the ticket's subject, its first customer
    message and `text` (a reply being written)."""
    ticket = selectors.ticket_get(request.user, ticket_id)
    return kb.suggestions(request.user, ticket, params.text)


@router.post(
    "/tickets/{ticket_id}/faq", response={201: ArticleDetailOut}, summary="Make a FAQ of a ticket"
)
def faq_from_ticket(request: AuthedRequest, ticket_id: int):
    """A draft FAQ: the ticket's subject as the question, its last public reply as the answer.
    A ticket with no customer message or no reply answers 409 (`not_answered`)."""
    return Status(201, knowledge.faq_from_ticket(actor=request.user, ticket_id=ticket_id))


# --- categories ----------------------------------------------------------------------------


@router.get("/kb/categories", response=CategoryPage, summary="Knowledge base categories")
def list_categories(request: AuthedRequest, params: Query[PageParams]):
    return kb.category_page(request.user, cursor=params.cursor, limit=params.limit)


@router.post("/kb/categories", response={201: CategoryOut}, summary="Add a category")
def create_category(request: AuthedRequest, payload: CategoryIn):
    return Status(201, knowledge.category_save(actor=request.user, values=payload.model_dump()))


@router.patch("/kb/categories/{category_id}", response=CategoryOut, summary="Rename a category")
def patch_category(request: AuthedRequest, category_id: int, payload: CategoryPatch):
    permissions.require(request.user, KEY, "edit")
    current = kb.category_get(category_id)
    values = {"name": current.name, "position": current.position}
    values |= payload.model_dump(exclude_unset=True)
    return knowledge.category_save(actor=request.user, values=values, category_id=category_id)


@router.delete("/kb/categories/{category_id}", response={204: None}, summary="Delete a category")
def delete_category(request: AuthedRequest, category_id: int):
    """Its articles stay, uncategorised."""
    knowledge.category_delete(actor=request.user, category_id=category_id)
    return Status(204, None)
