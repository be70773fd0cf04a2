"""Reads of the knowledge base, always starting from what the reader may see.

Articles are shared by the whole service desk (``service.article``, not owned): whoever may
view them reads the published ones, internal or public; whoever may also edit them sees drafts
and archived ones too. Customers (the portal, later) see only published public articles
(``public_articles``). A search ranks by relevance (``kb_search``); a list pages by a key.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, Q, QuerySet

from clientela.platform import permissions
from clientela.platform.errors import NotFound
from clientela.platform.models import User
from clientela.platform.pagination import Page, paginate
from clientela.service import kb_search
from clientela.service.models import Kind, Ticket
from clientela.service.models_kb import (
    Article,
    ArticleCategory,
    ArticleFeedback,
    ArticleStatus,
    ArticleVersion,
    Audience,
)

KEY = "service.article"
ORDERINGS = {
    "updated": ("-updated_at", "-id"),
    "helpful": ("-helpful_net", "-helpful_yes", "-id"),
    "title": ("title", "id"),
}
SUGGESTIONS = 5


def can(actor: User, action: str) -> bool:
    return permissions.can(actor, KEY, action)


def article_rows(actor: User) -> QuerySet[Article]:
    """What the actor may read: published articles; with the right to edit, every one."""
    rows = Article.objects.select_related("category", "author")
    if not can(actor, "view"):
        return rows.none()
    if can(actor, "edit"):
        return rows
    return rows.filter(status=ArticleStatus.PUBLISHED)


def public_articles() -> QuerySet[Article]:
    """What a customer may read (the portal): published and public."""
    return Article.objects.select_related("category").filter(
        status=ArticleStatus.PUBLISHED, audience=Audience.PUBLIC
    )


def article_get(actor: User, article_id: Any) -> Article:
    try:
        return article_rows(actor).get(pk=int(article_id))
    except (Article.DoesNotExist, TypeError, ValueError):
        raise NotFound() from None


@dataclass(frozen=True)
class ArticleFilters:
    query: str = ""
    status: str = ""
    kind: str = ""
    audience: str = ""
    language: str = ""
    category_id: int | None = None
    uncategorised: bool = False


def filtered(rows: QuerySet[Article], f: ArticleFilters) -> QuerySet[Article]:
    exact = {"status": f.status, "kind": f.kind, "audience": f.audience, "language": f.language}
    rows = rows.filter(**{k: v for k, v in exact.items() if v})
    if f.category_id is not None:
        rows = rows.filter(category_id=f.category_id)
    elif f.uncategorised:
        rows = rows.filter(category__isnull=True)
    return rows


def article_page(
    rows: QuerySet[Article],
    *,
    order: str = "updated",
    cursor: str | None = None,
    limit: int = 50,
) -> Page[Article]:
    """A page of a list without a query (keyset, in ``order``)."""
    rows = rows.annotate(helpful_net=F("helpful_yes") - F("helpful_no"))
    return paginate(
        rows, ordering=ORDERINGS.get(order, ORDERINGS["updated"]), cursor=cursor, limit=limit
    )


def search(
    rows: QuerySet[Article], text: str, *, limit: int = 20, offset: int = 0, any_word: bool = False
) -> list[Article]:
    """The articles of ``rows`` matching ``text``, most relevant first."""
    ids = kb_search.ranked_ids(rows, text, any_word=any_word, limit=limit, offset=offset)
    found = rows.model._default_manager.select_related("category").in_bulk(ids)
    return [found[pk] for pk in ids if pk in found]


# --- a ticket's side ---------------------------------------------------------------------------


def ticket_question(ticket: Ticket) -> str:
    """The ticket's subject and its first customer message: what suggestions start from."""
    first = (
        ticket.messages.filter(kind=Kind.CUSTOMER)
        .order_by("created_at", "id")
        .values_list("body", flat=True)
        .first()
    )
    return f"{ticket.subject}\n{first or ''}"


def suggestions(actor: User, ticket: Ticket, typed: str = "") -> list[Article]:
    """The published articles that best answer the ticket, and what the agent is typing."""
    rows = article_rows(actor).filter(status=ArticleStatus.PUBLISHED)
    question = ticket_question(ticket)
    subject, _newline, message = question.partition("\n")
    # the search keeps the first words: the subject, then the reply, then the question
    text = f"{subject}\n{typed[:2000]}\n{message}"
    return search(rows, text, limit=SUGGESTIONS, any_word=True)


# --- versions, feedback, categories --------------------------------------------------------


def versions(article: Article) -> list[ArticleVersion]:
    return list(article.versions.select_related("author").order_by("-version"))


def version_get(article: Article, number: Any) -> ArticleVersion:
    try:
        return article.versions.get(version=int(number))
    except (ArticleVersion.DoesNotExist, TypeError, ValueError):
        raise NotFound() from None


def feedback_of(actor: User, article: Article) -> ArticleFeedback | None:
    return ArticleFeedback.objects.filter(article=article, user=actor).first()


def recent_comments(article: Article, limit: int = 10) -> list[ArticleFeedback]:
    rows = article.feedback.exclude(comment="").select_related("user")
    return list(rows.order_by("-created_at", "-id")[:limit])


def categories() -> QuerySet[ArticleCategory]:
    return ArticleCategory.objects.annotate(
        article_count=Count("articles", filter=~Q(articles__status=ArticleStatus.ARCHIVED))
    ).order_by("position", "name")


def category_page(actor: User, *, cursor: str | None, limit: int) -> Page[ArticleCategory]:
    """The categories, a page at a time, for whoever may read the knowledge base."""
    permissions.require(actor, KEY, "view")
    rows = ArticleCategory.objects.all()
    return paginate(rows, ordering=("position", "name", "id"), cursor=cursor, limit=limit)


def category_get(category_id: Any) -> ArticleCategory:
    try:
        return ArticleCategory.objects.get(pk=int(category_id))
    except (ArticleCategory.DoesNotExist, TypeError, ValueError):
        raise NotFound() from None
