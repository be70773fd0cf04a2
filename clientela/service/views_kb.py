"""The knowledge base's pages: the list with its search, an article with "was this helpful?",
the editor, versions, categories, and what the ticket page asks for (suggestions as the agent
types, a FAQ made from the ticket).

The views call ``knowledge`` (writes) and ``selectors_kb`` (reads) like the API does. A search
ranks by relevance and pages by position; a list without a query pages by a key.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from clientela.platform import permissions
from clientela.platform.errors import FORM_ERRORS, ValidationFailed
from clientela.platform.http import AuthedRequest
from clientela.service import knowledge, selectors
from clientela.service import selectors_kb as kb
from clientela.service.forms_kb import ArticleForm, CategoryForm, FeedbackForm
from clientela.service.models_kb import Article, ArticleKind, ArticleStatus, Audience

KEY = kb.KEY
NS = "service_kb"
PAGE_SIZE = 25
ORDER_LABELS = {
    "updated": gettext_lazy("Recently updated"),
    "helpful": gettext_lazy("Most helpful"),
    "title": gettext_lazy("Title"),
}
STATUS_ACTIONS = {
    ArticleStatus.PUBLISHED: gettext_lazy("The article is published."),
    ArticleStatus.ARCHIVED: gettext_lazy("The article is archived."),
    ArticleStatus.DRAFT: gettext_lazy("The article is a draft again."),
}


def _url(name: str, *args: Any) -> str:
    return reverse(f"{NS}:{name}", args=args)


def _htmx(request: AuthedRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _rights(actor: Any) -> dict[str, bool]:
    return {f"can_{a}": kb.can(actor, a) for a in ("create", "edit", "delete")}


def _int(value: Any) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 <= number < 2**63 else None


def paragraphs(text: str) -> list[str]:
    """A plain-text body's paragraphs (a blank line between them)."""
    blocks = text.replace("\r\n", "\n").split("\n\n")
    return [b.strip() for b in blocks if b.strip()]


# --- the list --------------------------------------------------------------------------------


def _filters(request: AuthedRequest) -> tuple[kb.ArticleFilters, dict[str, str]]:
    get = request.GET
    params = {k: get.get(k, "").strip()[:100] for k in ("q", "kind", "status", "category")}
    params |= {k: get.get(k, "").strip()[:20] for k in ("audience", "language", "order")}
    category = _int(params["category"]) if params["category"] != "none" else None
    filters = kb.ArticleFilters(
        query=params["q"],
        status=params["status"] if params["status"] in ArticleStatus.values else "",
        kind=params["kind"] if params["kind"] in ArticleKind.values else "",
        audience=params["audience"] if params["audience"] in Audience.values else "",
        language=params["language"] if params["language"] in ("en", "pt-br") else "",
        category_id=category,
        uncategorised=params["category"] == "none",
    )
    return filters, {k: v for k, v in params.items() if v}


def _results(request: AuthedRequest, rows: Any, filters: kb.ArticleFilters, order: str) -> Any:
    """(articles, next-page query) of a search or of a list; a bad cursor starts again."""
    base = {k: v for k, v in request.GET.items() if k not in ("cursor", "offset")}
    if filters.query:
        offset = min(_int(request.GET.get("offset")) or 0, 10_000)
        found = kb.search(rows, filters.query, limit=PAGE_SIZE + 1, offset=offset)
        more = {"offset": offset + PAGE_SIZE} if len(found) > PAGE_SIZE else None
        return found[:PAGE_SIZE], more and urlencode(base | more), ""
    try:
        page = kb.article_page(rows, order=order, cursor=request.GET.get("cursor"), limit=PAGE_SIZE)
        error = ""
    except ValidationFailed:
        page, error = kb.article_page(rows, order=order, limit=PAGE_SIZE), _("That page is gone.")
    following = page.next_cursor and urlencode(base | {"cursor": page.next_cursor})
    return page.items, following, error


def article_list(request: AuthedRequest) -> HttpResponse:
    permissions.require(request.user, KEY, "view")
    filters, params = _filters(request)
    order = params.get("order") if params.get("order") in kb.ORDERINGS else "updated"
    rows = kb.filtered(kb.article_rows(request.user), filters)
    articles, next_query, error = _results(request, rows, filters, order or "updated")
    context = {
        "articles": articles,
        "filters": filters,
        "params": params,
        "order": order,
        "next_query": next_query,
        "page_error": error,
        "orders": list(ORDER_LABELS.items()),
        "kinds": ArticleKind.choices,
        "statuses": ArticleStatus.choices,
        "audiences": Audience.choices,
        "categories": list(kb.categories()),
        "paged": bool(request.GET.get("cursor") or request.GET.get("offset")),
        **_rights(request.user),
    }
    return render(request, "service/kb/list.html", context)


# --- one article -----------------------------------------------------------------------------


def _feedback_context(request: AuthedRequest, article: Article, form: Any = None) -> Any:
    mine = kb.feedback_of(request.user, article)
    initial = {"comment": mine.comment} if mine else {}
    return {
        "article": article,
        "mine": mine,
        "feedback_form": form or FeedbackForm(initial=initial),
        "comments": kb.recent_comments(article) if kb.can(request.user, "edit") else [],
    }


def article_detail(request: AuthedRequest, article_id: int) -> HttpResponse:
    article = kb.article_get(request.user, article_id)
    if article.status == ArticleStatus.PUBLISHED:
        knowledge.article_viewed(article)
        article.views += 1
    context = {
        **_feedback_context(request, article),
        "paragraphs": paragraphs(article.body),
        "moves": [s for s in ArticleStatus if (article.status, s) in knowledge.STATUS_MOVES],
        **_rights(request.user),
    }
    return render(request, "service/kb/article.html", context)


@require_POST
def article_feedback(request: AuthedRequest, article_id: int) -> HttpResponse:
    """Answered over htmx, the panel comes back with the new counts; without it, the page."""
    article = kb.article_get(request.user, article_id)
    form = FeedbackForm(request.POST)
    thanked = False
    if form.is_valid():
        try:
            article = knowledge.article_feedback(
                actor=request.user,
                article_id=article.pk,
                helpful=form.cleaned_data["helpful"],
                comment=form.cleaned_data["comment"],
            )
        except FORM_ERRORS as exc:
            form.add_error(None, str(exc.message))
        else:
            thanked = True
    if not _htmx(request):
        if thanked:
            messages.success(request, _("Thank you for your answer."))
        else:
            messages.error(request, " ".join(str(e) for es in form.errors.values() for e in es))
        return redirect(_url("article", article.pk))
    context = _feedback_context(request, article, None if thanked else form)
    return render(request, "service/kb/_feedback.html", context | {"thanked": thanked})


def article_form(request: AuthedRequest, article_id: int | None = None) -> HttpResponse:
    """A new article (``?kind=faq`` for a FAQ) or an edit."""
    actor = request.user
    article = kb.article_get(actor, article_id) if article_id else None
    permissions.require(actor, KEY, "edit" if article else "create")
    language = knowledge.language_of(get_language())
    form = ArticleForm(request.POST or None, initial=ArticleForm.initial_for(article, language))
    if article is None and request.GET.get("kind") in ArticleKind.values:
        form.initial["kind"] = request.GET["kind"]
    if request.method == "POST" and form.is_valid():
        status = ArticleStatus.PUBLISHED if request.POST.get("publish") else ""
        try:
            if article is None:
                article = knowledge.article_create(actor=actor, values=form.values(), status=status)
            else:
                article = knowledge.article_update(
                    actor=actor, article_id=article.pk, values=form.values()
                )
                if status:
                    knowledge.article_set_status(actor=actor, article_id=article.pk, status=status)
        except FORM_ERRORS as exc:
            form.apply(exc)
        else:
            messages.success(request, _("“%(title)s” was saved.") % {"title": article.title})
            return redirect(_url("article", article.pk))
    return render(request, "service/kb/form.html", {"form": form, "article": article})


@require_POST
def article_status(request: AuthedRequest, article_id: int) -> HttpResponse:
    status = request.POST.get("status", "")
    try:
        knowledge.article_set_status(actor=request.user, article_id=article_id, status=status)
    except FORM_ERRORS as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, str(STATUS_ACTIONS[ArticleStatus(status)]))
    return redirect(_url("article", article_id))


def article_delete(request: AuthedRequest, article_id: int) -> HttpResponse:
    """A confirmation page; its POST deletes."""
    article = kb.article_get(request.user, article_id)
    permissions.require(request.user, KEY, "delete")
    if request.method == "POST":
        knowledge.article_delete(actor=request.user, article_id=article.pk)
        messages.success(request, _("“%(title)s” was deleted.") % {"title": article.title})
        return redirect(_url("list"))
    context = {"object": article, "cancel": _url("article", article.pk)}
    return render(request, "service/kb/confirm_delete.html", context)


def article_versions(request: AuthedRequest, article_id: int) -> HttpResponse:
    article = kb.article_get(request.user, article_id)
    context = {"article": article, "versions": kb.versions(article), **_rights(request.user)}
    return render(request, "service/kb/versions.html", context)


@require_POST
def article_restore(request: AuthedRequest, article_id: int, version: int) -> HttpResponse:
    kb.article_get(request.user, article_id)
    try:
        article = knowledge.article_restore(
            actor=request.user, article_id=article_id, version=version
        )
    except FORM_ERRORS as exc:
        messages.error(request, str(exc.message))
        return redirect(_url("versions", article_id))
    text = _("Version %(old)s was restored as version %(new)s.")
    messages.success(request, text % {"old": version, "new": article.version})
    return redirect(_url("article", article_id))


# --- categories ------------------------------------------------------------------------------


def category_list(request: AuthedRequest) -> HttpResponse:
    """The categories; its POST adds one."""
    permissions.require(request.user, KEY, "view")
    new = CategoryForm(request.POST or None, auto_id="id_new_%s")
    if request.method == "POST" and new.is_valid():
        try:
            knowledge.category_save(actor=request.user, values=new.cleaned_data)
        except FORM_ERRORS as exc:
            new.apply(exc)
        else:
            messages.success(request, _("The category was added."))
            return redirect(_url("categories"))
    context = {"rows": list(kb.categories()), "new": new, **_rights(request.user)}
    return render(request, "service/kb/categories.html", context)


@require_POST
def category_edit(request: AuthedRequest, category_id: int) -> HttpResponse:
    """Rename a category (or move it in the list)."""
    form = CategoryForm(request.POST)
    if form.is_valid():
        try:
            knowledge.category_save(
                actor=request.user, values=form.cleaned_data, category_id=category_id
            )
        except FORM_ERRORS as exc:
            messages.error(request, " ".join(m for ms in exc.errors.values() for m in ms))
        else:
            messages.success(request, _("The category was saved."))
    else:
        messages.error(request, " ".join(str(e) for es in form.errors.values() for e in es))
    return redirect(_url("categories"))


def category_delete(request: AuthedRequest, category_id: int) -> HttpResponse:
    permissions.require(request.user, KEY, "delete")
    category = kb.category_get(category_id)
    if request.method == "POST":
        knowledge.category_delete(actor=request.user, category_id=category.pk)
        messages.success(request, _("“%(name)s” was deleted.") % {"name": category.name})
        return redirect(_url("categories"))
    context = {
        "object": category,
        "cancel": _url("categories"),
        "note": _("Its articles stay, without a category."),
    }
    return render(request, "service/kb/confirm_delete.html", context)


# --- the ticket's side -----------------------------------------------------------------------


def ticket_suggestions(request: AuthedRequest, ticket_id: int) -> HttpResponse:
    """The suggestions panel's list, for what the agent is typing (htmx)."""
    ticket = selectors.ticket_get(request.user, ticket_id)
    found = kb.suggestions(request.user, ticket, request.GET.get("text", "")[:2000])
    return render(request, "service/kb/_suggestions.html", {"kb_suggestions": found})


@require_POST
def faq_from_ticket(request: AuthedRequest, ticket_id: int) -> HttpResponse:
    try:
        article = knowledge.faq_from_ticket(actor=request.user, ticket_id=ticket_id)
    except FORM_ERRORS as exc:
        messages.error(request, str(exc.message))
        return redirect(reverse("service:ticket", args=[ticket_id]))
    messages.success(request, _("A draft FAQ was made from this ticket: check it and publish it."))
    return redirect(_url("edit", article.pk))
