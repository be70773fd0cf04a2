"""Every write on the knowledge base: articles and FAQs, their versions and status, readers'
feedback, categories, and a FAQ made from an answered ticket in one click.

The right is ``service.article`` (shared by the service desk): view to read and answer "was this
helpful?", create, edit (text, status, categories) and delete. Each edit that changes the text
(title, summary or body) first keeps the text it replaces as an ``ArticleVersion`` and bumps
``version``; restoring an old version is such an edit, so nothing is ever lost. The search
words (``kb_search``) are recomputed on every save; the database's index follows by itself.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from clientela.platform import audit, events, permissions
from clientela.platform.errors import Conflict, NotFound, ValidationFailed
from clientela.platform.models import User
from clientela.service import kb_search, selectors, selectors_kb
from clientela.service.models import Kind, Ticket
from clientela.service.models_kb import (
    Article,
    ArticleCategory,
    ArticleFeedback,
    ArticleKind,
    ArticleStatus,
    ArticleVersion,
    Audience,
)

KEY = "service.article"
Errors = dict[str, list[str]]
TEXT = ("title", "summary", "body")
MAX_BODY = 100_000
MAX_TAGS, MAX_TAG = 20, 40
# where each status may go; publishing again an archived article is allowed
STATUS_MOVES = {
    (ArticleStatus.DRAFT, ArticleStatus.PUBLISHED),
    (ArticleStatus.DRAFT, ArticleStatus.ARCHIVED),
    (ArticleStatus.PUBLISHED, ArticleStatus.DRAFT),
    (ArticleStatus.PUBLISHED, ArticleStatus.ARCHIVED),
    (ArticleStatus.ARCHIVED, ArticleStatus.PUBLISHED),
    (ArticleStatus.ARCHIVED, ArticleStatus.DRAFT),
}


def language_of(code: str | None) -> str:
    """``pt-br`` for any Portuguese, else ``en``: the two languages the search stems."""
    return "pt-br" if (code or "").lower().startswith("pt") else "en"


# --- cleaning --------------------------------------------------------------------------------


def _text(values: dict[str, Any], name: str, errors: Errors, size: int, required: bool) -> str:
    raw = str(values.get(name) or "")
    text = raw.strip() if name == "body" else " ".join(raw.split())
    if required and not text:
        errors[name] = [_("This field is required.")]
    elif len(text) > size:
        errors[name] = [_("Use at most %(n)d characters.") % {"n": size}]
    return text


def _choice(values: dict[str, Any], name: str, choices: Any, errors: Errors) -> None:
    if values[name] not in choices:
        errors[name] = [_("Choose one of the listed values.")]


def _tags(raw: Any, errors: Errors) -> list[str]:
    items = raw.split(",") if isinstance(raw, str) else raw or []
    if not isinstance(items, list | tuple):
        errors["tags"] = [_("Give a list of tags.")]
        return []
    tags: dict[str, str] = {}
    for item in items:
        tag = " ".join(str(item).split())
        if len(tag) > MAX_TAG:
            errors["tags"] = [_("A tag has at most %(n)d characters.") % {"n": MAX_TAG}]
        elif tag:
            tags.setdefault(tag.lower(), tag)
    if len(tags) > MAX_TAGS:
        errors["tags"] = [_("Use at most %(n)d tags.") % {"n": MAX_TAGS}]
    return list(tags.values())


def _category(value: Any, errors: Errors) -> ArticleCategory | None:
    if value in (None, ""):
        return None
    if isinstance(value, ArticleCategory):
        return value
    try:
        found = ArticleCategory.objects.filter(pk=int(value)).first()
    except (TypeError, ValueError):
        found = None
    if found is None:
        errors["category"] = [_("Unknown category.")]
    return found


def clean_article(raw: dict[str, Any], current: Article | None = None) -> dict[str, Any]:
    """The article's values laid over ``current``'s, checked whole: a refusal names each field."""
    base: dict[str, Any] = {}
    if current is not None:
        base = {n: getattr(current, n) for n in (*TEXT, "kind", "audience", "language", "tags")}
        base["category"] = current.category
    values = {**base, **raw}
    errors: Errors = {}
    cleaned: dict[str, Any] = {
        "title": _text(values, "title", errors, 300, True),
        "summary": _text(values, "summary", errors, 500, False),
        "body": _text(values, "body", errors, MAX_BODY, True),
        "kind": values.get("kind") or ArticleKind.ARTICLE,
        "audience": values.get("audience") or Audience.INTERNAL,
        "language": values.get("language") or "en",
        "tags": _tags(values.get("tags"), errors),
        "category": _category(values.get("category"), errors),
    }
    _choice(cleaned, "kind", ArticleKind.values, errors)
    _choice(cleaned, "audience", Audience.values, errors)
    _choice(cleaned, "language", kb_search.LANGUAGES, errors)
    if errors:
        raise ValidationFailed(errors=errors)
    return cleaned


def _stem(article: Article) -> None:
    article.search_title, article.search_stems = kb_search.article_stems(
        article.title, article.summary, article.body, article.tags, article.language
    )


def _emit(actor: User | None, verb: str, article: Article, **payload: Any) -> None:
    data = {"id": article.pk, **payload}
    events.emit(events.Event(f"{KEY}.{verb}", actor.pk if actor else None, data))


# --- articles --------------------------------------------------------------------------------


def article_create(
    *,
    actor: User,
    values: dict[str, Any],
    status: str = "",
    source_ticket: Ticket | None = None,
) -> Article:
    """A new article or FAQ, a draft unless ``status`` says published."""
    permissions.require(actor, KEY, "create")
    status = status or ArticleStatus.DRAFT
    if status not in (ArticleStatus.DRAFT, ArticleStatus.PUBLISHED):
        raise ValidationFailed(errors={"status": [_("A new article is a draft or published.")]})
    article = Article(
        **clean_article(values), status=status, author=actor, source_ticket=source_ticket
    )
    if status == ArticleStatus.PUBLISHED:
        article.published_at = timezone.now()
    _stem(article)
    with transaction.atomic():
        article.save()
        audit.record(
            actor=actor, action="create", obj=article, changes=audit.diff({}, _snapshot(article))
        )
    _emit(actor, "created", article)
    return article


def _snapshot(article: Article) -> dict[str, Any]:
    values = audit.snapshot(article)
    for name in ("search_title", "search_stems", "views", "helpful_yes", "helpful_no"):
        values.pop(name, None)
    return values


def _locked(actor: User, article_id: Any, action: str = "edit") -> Article:
    permissions.require(actor, KEY, action)
    try:
        pk = int(article_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    found = Article.objects.select_for_update().filter(pk=pk).first()
    if found is None:
        raise NotFound()
    return found


def _write(actor: User, article: Article, cleaned: dict[str, Any]) -> Article:
    """Lay ``cleaned`` on the locked ``article``; a new text keeps the old one as a version."""
    before = _snapshot(article)
    if any(cleaned.get(n, getattr(article, n)) != getattr(article, n) for n in TEXT):
        ArticleVersion.objects.create(
            article=article,
            version=article.version,
            title=article.title,
            summary=article.summary,
            body=article.body,
            author=article.author,
        )
        article.version += 1
        article.author = actor
    for name, value in cleaned.items():
        setattr(article, name, value)
    _stem(article)
    article.save()
    changes = audit.diff(before, _snapshot(article))
    if changes:
        audit.record(actor=actor, action="update", obj=article, changes=changes)
        _emit(actor, "updated", article, fields=sorted(changes))
    return article


def article_update(*, actor: User, article_id: Any, values: dict[str, Any]) -> Article:
    """Only the fields given change; a changed title, summary or text is a new version."""
    with transaction.atomic():
        article = _locked(actor, article_id)
        return _write(actor, article, clean_article(values, article))


def article_restore(*, actor: User, article_id: Any, version: Any) -> Article:
    """Bring back an old version's text, as a new version (the current text is kept too)."""
    with transaction.atomic():
        article = _locked(actor, article_id)
        old = selectors_kb.version_get(article, version)
        text = {"title": old.title, "summary": old.summary, "body": old.body}
        return _write(actor, article, clean_article(text, article))


def article_set_status(*, actor: User, article_id: Any, status: str) -> Article:
    """Publish (dated then), archive or take back to draft."""
    if status not in ArticleStatus.values:
        raise ValidationFailed(errors={"status": [_("Choose one of the listed values.")]})
    with transaction.atomic():
        article = _locked(actor, article_id)
        if article.status == status:
            return article
        if (article.status, status) not in STATUS_MOVES:
            raise Conflict(code="invalid_transition")
        before = _snapshot(article)
        article.status = status
        if status == ArticleStatus.PUBLISHED:
            article.published_at = timezone.now()
        article.save()
        audit.record(
            actor=actor,
            action="update",
            obj=article,
            changes=audit.diff(before, _snapshot(article)),
        )
    _emit(actor, "status_changed", article, status=status)
    return article


def article_delete(*, actor: User, article_id: Any) -> None:
    with transaction.atomic():
        article = _locked(actor, article_id, "delete")
        before, pk = _snapshot(article), article.pk
        article.delete()
        article.pk = pk
        audit.record(actor=actor, action="delete", obj=article, changes=audit.diff(before, {}))
    _emit(actor, "deleted", article)


def article_viewed(article: Article) -> None:
    """Count a reading (not audited: it changes nothing anyone wrote)."""
    Article.objects.filter(pk=article.pk).update(views=F("views") + 1)


# --- feedback --------------------------------------------------------------------------------


def article_feedback(
    *, actor: User, article_id: Any, helpful: Any, comment: str = "", ticket_id: Any = None
) -> Article:
    """ "Was this helpful?": one answer per reader, which they may change; the article's counts
    are recounted under its row lock, so two readers answering at once are both counted."""
    if not isinstance(helpful, bool):
        raise ValidationFailed(errors={"helpful": [_("Answer yes or no.")]})
    comment = (comment or "").strip()
    if len(comment) > 2000:
        raise ValidationFailed(
            errors={"comment": [_("Use at most %(n)d characters.") % {"n": 2000}]}
        )
    visible = selectors_kb.article_get(actor, article_id)
    if visible.status != ArticleStatus.PUBLISHED:
        raise Conflict(_("Only a published article takes feedback."))
    ticket = selectors.ticket_get(actor, ticket_id) if ticket_id else None
    with transaction.atomic():
        article = Article.objects.select_for_update().get(pk=visible.pk)
        ArticleFeedback.objects.update_or_create(
            article=article,
            user=actor,
            defaults={"helpful": helpful, "comment": comment, "ticket": ticket},
        )
        counts = article.feedback.aggregate(
            yes=Count("id", filter=Q(helpful=True)), no=Count("id", filter=Q(helpful=False))
        )
        Article.objects.filter(pk=article.pk).update(
            helpful_yes=counts["yes"], helpful_no=counts["no"]
        )
        article.helpful_yes, article.helpful_no = counts["yes"], counts["no"]
    _emit(actor, "feedback", article, helpful=helpful)
    return article


# --- categories ------------------------------------------------------------------------------


def _clean_category(values: dict[str, Any], current: ArticleCategory | None) -> dict[str, Any]:
    errors: Errors = {}
    name = _text(values, "name", errors, 100, True)
    taken = ArticleCategory.objects.filter(name__iexact=name)
    if current is not None:
        taken = taken.exclude(pk=current.pk)
    if name and taken.exists():
        errors["name"] = [_("This name is taken.")]
    try:
        position = int(values.get("position") or 0)
    except (TypeError, ValueError):
        position = -1
    if not 0 <= position <= 10_000:
        errors["position"] = [_("Enter a whole number from 0 to 10,000.")]
    if errors:
        raise ValidationFailed(errors=errors)
    return {"name": name, "position": position}


def category_save(
    *, actor: User, values: dict[str, Any], category_id: Any = None
) -> ArticleCategory:
    permissions.require(actor, KEY, "edit" if category_id else "create")
    current = selectors_kb.category_get(category_id) if category_id else None
    if current is not None and "position" not in values:
        values = {**values, "position": current.position}
    cleaned = _clean_category(values, current)
    category = current or ArticleCategory()
    before = {} if current is None else audit.snapshot(category)
    for name, value in cleaned.items():
        setattr(category, name, value)
    with transaction.atomic():
        category.save()
        changes = audit.diff(before, audit.snapshot(category))
        if changes:
            action = "update" if current else "create"
            audit.record(actor=actor, action=action, obj=category, changes=changes)
    return category


def category_delete(*, actor: User, category_id: Any) -> None:
    """Its articles stay, uncategorised."""
    permissions.require(actor, KEY, "delete")
    category = selectors_kb.category_get(category_id)
    before, pk = audit.snapshot(category), category.pk
    with transaction.atomic():
        category.delete()
        category.pk = pk
        audit.record(actor=actor, action="delete", obj=category, changes=audit.diff(before, {}))


# --- a FAQ from an answered ticket -----------------------------------------------------------


def _question(ticket: Ticket, first: str) -> str:
    """The subject; without one, the first lines of the customer's message."""
    if ticket.subject.strip():
        return ticket.subject.strip()[:300]
    lines = [line.strip() for line in first.splitlines() if line.strip()]
    return " ".join(lines[:2])[:300] or _("Question")


def faq_from_ticket(*, actor: User, ticket_id: Any) -> Article:
    """Seed 003's loop: a question that came in (by e-mail) and was answered becomes a draft
    FAQ: the question is the ticket's subject, the answer its last public reply, in the
    customer's language when known (else the agent's). A ticket the actor cannot see is 404."""
    ticket = selectors.ticket_get(actor, ticket_id)
    permissions.require(actor, KEY, "create")
    conversation = ticket.messages.order_by("created_at", "id")
    first = conversation.filter(kind=Kind.CUSTOMER).first()
    answer = conversation.filter(kind=Kind.REPLY).last()
    if first is None or answer is None:
        raise Conflict(
            _("A FAQ needs a customer's question and a public reply on the ticket."),
            code="not_answered",
        )
    contact_language = ticket.contact.language if ticket.contact_id else ""  # type: ignore[union-attr]
    language = language_of(contact_language or actor.language or get_language())
    values = {
        "kind": ArticleKind.FAQ,
        "title": _question(ticket, first.body),
        "body": answer.body.strip()[:MAX_BODY],
        "language": language,
        "audience": Audience.PUBLIC,
        "category": None,
    }
    return article_create(actor=actor, values=values, source_ticket=ticket)
