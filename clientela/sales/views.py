"""Sales pages: the board, the list, a deal's page, its form, the move, delete.

The same selectors and services as the API. The board's columns come from ``selectors.board``
(a fixed number of queries whatever the number of deals); a card dropped on another column, or
moved with its "Move to…" select, posts to ``opportunity_move``: when the stage requires fields
the deal lacks, the answer is a dialog asking for exactly those, and sending it completes the
move. Pipeline settings are in ``views_pipelines``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.db.models import F, Value
from django.db.models.fields import DateField
from django.db.models.functions import Coalesce
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.html import format_html_join
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from clientela.activities import selectors as activity_selectors
from clientela.customers import selectors as customer_selectors
from clientela.customers.models import Account, Contact
from clientela.customers.selectors_lists import filter_options, visible_ids
from clientela.platform import customforms, permissions
from clientela.platform.errors import FORM_ERRORS, Conflict, NotFound, ValidationFailed
from clientela.platform.http import AuthedRequest
from clientela.platform.pagination import paginate
from clientela.sales import selectors, services
from clientela.sales.forms import (
    ContactRoleFormSet,
    DealForms,
    MoveForm,
    OpportunityForm,
)
from clientela.sales.models import Opportunity, Pipeline, Stage, StageKind
from clientela.sales.rules import stage_choices
from clientela.sales.selectors import OpportunityFilters

PAGE_SIZE = 50
KEY = services.KEY
SORTS = {
    "-created": (gettext_lazy("Newest first"), ("-created_at", "-id")),
    "close": (gettext_lazy("Closing soonest"), ("close_on", "id")),
    "-amount": (gettext_lazy("Largest amount"), ("-amount", "-id")),
    "name": (gettext_lazy("Name A-Z"), ("name", "id")),
}
PERIODS = {
    "this_month": gettext_lazy("This month"),
    "next_month": gettext_lazy("Next month"),
    "this_quarter": gettext_lazy("This quarter"),
    "next_quarter": gettext_lazy("Next quarter"),
    "this_year": gettext_lazy("This year"),
}
NO_DATE = dt.date(9999, 12, 31)  # deals without a close date sort last


def _rights(actor: Any) -> dict[str, bool]:
    return {f"can_{a}": permissions.can(actor, KEY, a) for a in ("create", "edit", "delete")}


# --- filters -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """What a page's query asks for, checked: the selectors' filters, and the same as clean
    query parameters for links (pages, "N more", the board's refresh)."""

    selection: OpportunityFilters
    params: dict[str, str]
    period: str = ""

    def query(self, **overrides: Any) -> str:
        merged = {**self.params, **{k: str(v) for k, v in overrides.items()}}
        return urlencode({k: v for k, v in merged.items() if v not in ("", "None")})


def _int(value: str) -> int | None:
    return int(value) if value.isdigit() and len(value) < 16 else None


def _date(value: str) -> dt.date | None:
    try:
        return parse_date(value.strip())
    except ValueError:
        return None


def _months_later(day: dt.date, months: int) -> dt.date:
    total = day.year * 12 + day.month - 1 + months
    return dt.date(total // 12, total % 12 + 1, 1)


def period_range(period: str, today: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last day of a named period around ``today`` (the user's date)."""
    month = today.replace(day=1)
    quarter = month.replace(month=(today.month - 1) // 3 * 3 + 1)
    start, months = {
        "this_month": (month, 1),
        "next_month": (_months_later(month, 1), 1),
        "this_quarter": (quarter, 3),
        "next_quarter": (_months_later(quarter, 3), 3),
        "this_year": (month.replace(month=1), 12),
    }[period]
    return start, _months_later(start, months) - dt.timedelta(days=1)


def read_filters(request: AuthedRequest) -> Filters:
    get = request.GET
    raw = {k: get.get(k, "").strip() for k in ("pipeline", "stage", "owner", "team")}
    raw |= {k: get.get(k, "").strip() for k in ("account", "contact", "status", "period")}
    ids = {k: _int(raw[k]) for k in ("pipeline", "stage", "team", "account", "contact")}
    owner = request.user.pk if raw["owner"] == "me" else _int(raw["owner"])
    status = raw["status"] if raw["status"] in StageKind.values else ""
    period = raw["period"] if raw["period"] in PERIODS else ""
    close_from: dt.date | None
    close_to: dt.date | None
    if period:
        close_from, close_to = period_range(period, timezone.localdate())
    else:
        close_from, close_to = _date(get.get("close_from", "")), _date(get.get("close_to", ""))
    query = get.get("q", "").strip()[:100]
    selection = OpportunityFilters(
        pipeline_id=ids["pipeline"],
        stage_id=ids["stage"],
        status=status,
        owner_id=owner,
        team_id=ids["team"],
        account_id=ids["account"],
        contact_id=ids["contact"],
        close_from=close_from,
        close_to=close_to,
        query=query,
    )
    params = {k: str(v) for k, v in ids.items() if v is not None}
    params |= {"status": status, "period": period, "q": query}
    params["owner"] = raw["owner"] if owner else ""
    if not period:
        params |= {"close_from": str(close_from or ""), "close_to": str(close_to or "")}
    return Filters(selection, {k: v for k, v in params.items() if v}, period)


# --- the board -----------------------------------------------------------------------------


def _pipelines() -> list[Pipeline]:
    """The active pipelines, the default one first."""
    return sorted(selectors.pipelines(), key=lambda p: (not p.is_default, p.position, p.pk))


def board(request: AuthedRequest) -> HttpResponse:
    permissions.require(request.user, KEY, "view")
    pipelines = _pipelines()
    filters = read_filters(request)
    chosen = filters.selection.pipeline_id
    pipeline = next((p for p in pipelines if p.pk == chosen), None) or services.default_pipeline()
    only = OpportunityFilters(
        owner_id=filters.selection.owner_id,
        team_id=filters.selection.team_id,
        close_from=filters.selection.close_from,
        close_to=filters.selection.close_to,
    )
    filters = replace(filters, params={**filters.params, "pipeline": str(pipeline.pk)})
    result = selectors.board(request.user, pipeline, only, currency=services.company_currency())
    _mark_cards(request, [card for column in result.columns for card in column.cards])
    listed = reverse("sales:opportunity_list")
    stages = [column.stage for column in result.columns]
    for column in result.columns:
        column.more_url = f"{listed}?{filters.query(stage=column.stage.pk)}"  # type: ignore[attr-defined]
    context: dict[str, Any] = {
        "board": result,
        "pipeline": pipeline,
        "pipelines": pipelines,
        "pipeline_links": [(p, "?" + filters.query(pipeline=p.pk)) for p in pipelines],
        "refresh_url": f"{reverse('sales:board')}?{filters.query()}",
        # one "Move to…" dialog for every card: the script sets the deal (its id in the URL)
        "move_url": reverse("sales:opportunity_move", args=[0]),
        "stage_options": _options(stages),
        "filters": filters,
        **_rights(request.user),
    }
    if request.headers.get("HX-Target") == "board":
        return render(request, "sales/_board.html", context)
    context.update(options=filter_options(request.user), periods=PERIODS.items())
    return render(request, "sales/board.html", context)


def _options(stages: list[Stage]) -> SafeString:
    """The stages as the options of the board's one "Move to…" select."""
    return format_html_join("", '<option value="{}">{}</option>', ((s.pk, s.name) for s in stages))


def _mark_cards(request: AuthedRequest, cards: Sequence[Opportunity]) -> None:
    """Whether each card is rotting, and its account when the user may see it (one query)."""
    now = timezone.now()
    accounts = [c.account_id for c in cards if c.account_id]
    seen = visible_ids(request.user, Account, accounts) if accounts else set()
    for card in cards:
        card.is_rotting = selectors.rotting(card, now)  # type: ignore[attr-defined]
        card.shown_account = card.account if card.account_id in seen else None  # type: ignore[attr-defined]


# --- moving a deal -------------------------------------------------------------------------


def _htmx(request: AuthedRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _back(request: AuthedRequest, fallback: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return fallback


def _stage_in(deal: Opportunity, stage_id: str) -> Stage | None:
    return next((s for s in selectors.stages_of(deal.pipeline) if str(s.pk) == stage_id), None)


@require_POST
def opportunity_move(request: AuthedRequest, opportunity_id: int) -> HttpResponse:
    deal = selectors.opportunity_get(request.user, opportunity_id)
    permissions.require(request.user, KEY, "edit")
    stage_id = request.POST.get("stage", "").strip()
    asked = [name for name in request.POST.getlist("asked") if name in services.REQUIRABLE]
    form = _move_form(request, deal, asked, bound=bool(asked))
    if asked and not form.is_valid():
        return _ask(request, deal, stage_id, form)
    try:
        moved = services.opportunity_move(
            actor=request.user,
            opportunity_id=deal.pk,
            stage_id=stage_id,
            values=form.values() if asked else {},
        )
    except ValidationFailed as exc:
        wanted = {key.split(".")[0] for key in exc.errors}
        if not exc.errors or not wanted <= set(services.REQUIRABLE):
            return _refused(request, deal, exc)
        form = _move_form(request, deal, sorted(wanted | set(asked)), bound=bool(asked))
        if asked:
            form.apply(exc.errors)
        return _ask(request, deal, stage_id, form)
    except Conflict as exc:
        return _refused(request, deal, exc)
    return _moved(request, moved)


def _move_form(
    request: AuthedRequest, deal: Opportunity, asked: list[str], *, bound: bool
) -> MoveForm:
    lists: dict[str, Any] = {"account_choices": [], "contact_choices": []}
    if "account" in asked:
        lists["account_choices"] = _account_choices(request.user, deal.account_id)
    if "contacts" in asked:
        lists["contact_choices"] = _contact_choices(request.user, [])
    return MoveForm(request.POST if bound else None, asked=asked, **lists)


def _ask(request: AuthedRequest, deal: Opportunity, stage_id: str, form: MoveForm) -> HttpResponse:
    context = {
        "deal": deal,
        "stage": _stage_in(deal, stage_id),
        "stage_id": stage_id,
        "form": form,
        "next": _back(request, reverse("sales:opportunity_detail", args=[deal.pk])),
        "modal": _htmx(request),
    }
    template = "sales/_move_dialog.html" if _htmx(request) else "sales/move.html"
    return render(request, template, context)


def _refused(request: AuthedRequest, deal: Opportunity, exc: ValidationFailed | Conflict) -> Any:
    texts = [str(m) for messages_ in exc.errors.values() for m in messages_]
    text = " ".join(dict.fromkeys(texts)) or str(exc.message)
    if _htmx(request):
        return render(request, "sales/_move_result.html", {"deal": deal, "error": text}, status=422)
    messages.error(request, text)
    return redirect(_back(request, reverse("sales:opportunity_detail", args=[deal.pk])))


def _moved(request: AuthedRequest, deal: Opportunity) -> HttpResponse:
    if _htmx(request):
        response = render(request, "sales/_move_result.html", {"deal": deal})
        response["HX-Trigger"] = json.dumps({"board-refresh": {"deal": deal.pk}})
        return response
    text = _("“%(name)s” is now in %(stage)s.") % {"name": deal.name, "stage": deal.stage.name}
    messages.success(request, text)
    return redirect(_back(request, reverse("sales:opportunity_detail", args=[deal.pk])))


# --- the list ------------------------------------------------------------------------------


def opportunity_list(request: AuthedRequest) -> HttpResponse:
    permissions.require(request.user, KEY, "view")
    filters = read_filters(request)
    sort = request.GET.get("sort", "")
    sort = sort if sort in SORTS else "-created"
    rows = selectors.opportunity_list(request.user, filters.selection).annotate(
        close_on=Coalesce(F("expected_close_date"), Value(NO_DATE), output_field=DateField())
    )
    cursor_error = ""
    try:
        page = paginate(
            rows, ordering=SORTS[sort][1], cursor=request.GET.get("cursor"), limit=PAGE_SIZE
        )
    except ValidationFailed:
        cursor_error = _("This page link is no longer valid; here is the first page.")
        page = paginate(rows, ordering=SORTS[sort][1], cursor=None, limit=PAGE_SIZE)
    _mark_cards(request, page.items)
    if filters.selection.pipeline_id:
        pipeline = selectors.pipeline_get(filters.selection.pipeline_id)
        stages = [(str(s.pk), s.name) for s in selectors.stages_of(pipeline)] if pipeline else []
    else:
        stages = stage_choices()
    context = {
        "page": page,
        "filters": filters,
        "sort": sort,
        "sorts": [(key, label) for key, (label, _order) in SORTS.items()],
        "filtered": bool(filters.params),
        "pipelines": selectors.pipelines(active_only=False),
        "stage_options": stages,
        "statuses": StageKind.choices,
        "periods": PERIODS.items(),
        "options": filter_options(request.user),
        "cursor_error": cursor_error,
        "first_query": filters.query(sort=sort),
        "next_query": filters.query(sort=sort, cursor=page.next_cursor),
        **_rights(request.user),
    }
    return render(request, "sales/list.html", context)


# --- one deal ------------------------------------------------------------------------------


def opportunity_detail(request: AuthedRequest, opportunity_id: int) -> HttpResponse:
    deal = selectors.opportunity_get(request.user, opportunity_id)
    actor = request.user
    stages = selectors.stages_of(deal.pipeline)
    roles = list(selectors.contact_roles(deal))
    seen_contacts = visible_ids(actor, Contact, [r.contact_id for r in roles]) if roles else set()
    seen_account = visible_ids(actor, Account, [deal.account_id]) if deal.account_id else set()
    linked = activity_selectors.activity_base(actor).filter(link_type=KEY, link_id=deal.pk)
    activities = list(linked.order_by(F("due_at").asc(nulls_last=True), "id")[:50])
    current = next((i for i, s in enumerate(stages) if s.pk == deal.stage_id), -1)
    context = {
        "deal": deal,
        "stages": stages,
        "path": [
            {"stage": s, "current": i == current, "passed": i < current and s.kind == "open"}
            for i, s in enumerate(stages)
        ],
        "shown_account": deal.account if deal.account_id in seen_account else None,
        "roles": [r for r in roles if r.contact_id in seen_contacts],
        "hidden_roles": len([r for r in roles if r.contact_id not in seen_contacts]),
        "history": list(selectors.stage_history(actor, deal)),
        "activities": activity_selectors.with_visible_links(actor, activities),
        "can_complete": permissions.can(actor, "activities.activity", "edit"),
        "can_plan": permissions.can(actor, "activities.activity", "create"),
        "custom": customforms.shown(actor, KEY, deal),
        "rotting": selectors.rotting(deal),
        "weighted": deal.amount * deal.probability / 100,
        **_rights(actor),
    }
    return render(request, "sales/detail.html", context)


def opportunity_delete(request: AuthedRequest, opportunity_id: int) -> HttpResponse:
    deal = selectors.opportunity_get(request.user, opportunity_id)
    if request.method == "POST":
        try:
            services.opportunity_delete(actor=request.user, opportunity_id=deal.pk)
        except FORM_ERRORS as exc:
            messages.error(request, str(exc.message))
            return redirect("sales:opportunity_detail", opportunity_id=deal.pk)
        messages.success(request, _("The opportunity %(name)s was deleted.") % {"name": deal.name})
        return redirect("sales:opportunity_list")
    return render(
        request,
        "platform/confirm_delete.html",
        {"object": deal, "cancel_url": "sales:opportunity_list"},
    )


# --- the form ------------------------------------------------------------------------------

CHOICES = 300  # records a form's select lists (plus the chosen ones further down)


def _account_choices(actor: Any, chosen: int | None) -> list[tuple[int, str]]:
    listed = customer_selectors.account_choices(actor, limit=CHOICES)
    if chosen and chosen not in {pk for pk, _name in listed}:
        found = customer_selectors.account_list(actor).filter(pk=chosen).first()
        listed.insert(0, (chosen, found.name if found else _("(an account you cannot see)")))
    return listed


def _contact_choices(actor: Any, chosen: list[int]) -> list[tuple[int, str]]:
    rows = (
        customer_selectors.contact_list(actor)
        .select_related(None)
        .order_by("last_name", "first_name", "id")
    )
    listed = [(c.pk, str(c)) for c in rows.only("first_name", "last_name")[:CHOICES]]
    missing = set(chosen) - {pk for pk, _name in listed}
    if missing:
        listed[:0] = [(c.pk, str(c)) for c in rows.filter(pk__in=missing)]
    return listed


def _pipeline_choices(deal: Opportunity | None) -> tuple[list[Any], list[Any]]:
    """Active pipelines (and the deal's own), and their stages grouped by pipeline."""
    pipelines = _pipelines()
    if deal is not None and deal.pipeline_id not in {p.pk for p in pipelines}:
        pipelines.append(deal.pipeline)
    groups = [(p.name, [(s.pk, s.name) for s in selectors.stages_of(p)]) for p in pipelines]
    return [(p.pk, p.name) for p in pipelines], groups


def _owner_choices(actor: Any, deal: Opportunity | None) -> list[tuple[int, str]]:
    """The users the actor may give a deal to (as the lists' owner filter offers them)."""
    listed = [(u.pk, u.display_name) for u in filter_options(actor)["users"]]
    if deal is not None and deal.owner_id not in {pk for pk, _name in listed}:
        listed.insert(0, (deal.owner_id, deal.owner.display_name))
    return listed


def _initial(request: AuthedRequest, deal: Opportunity | None) -> dict[str, Any]:
    if deal is None:
        fresh: dict[str, Any] = {
            "currency": services.company_currency(),
            "pipeline": services.default_pipeline().pk,
            "owner": request.user.pk,
        }
        for name in ("account", "pipeline"):
            if request.GET.get(name, "").isdigit():
                fresh[name] = int(request.GET[name])
        return fresh
    links = ("account", "pipeline", "stage", "owner")
    values = {f: getattr(deal, f) for f in OpportunityForm.base_fields if f not in links}
    values |= {f: getattr(deal, f"{f}_id") for f in links}
    values["probability"] = deal.probability if deal.probability_set else None
    return values


def _deal_forms(request: AuthedRequest, deal: Opportunity | None) -> DealForms:
    data = request.POST if request.method == "POST" else None
    initial = _initial(request, deal)
    rows = [{"contact": r.contact_id, "role": r.role} for r in _own_roles(request, deal)]
    if deal is None and request.GET.get("contact", "").isdigit():
        rows = [{"contact": int(request.GET["contact"]), "role": "decision_maker"}]
    pipelines, stages = _pipeline_choices(deal)
    main = OpportunityForm(
        data,
        initial=initial,
        account_choices=_account_choices(request.user, initial.get("account")),
        pipeline_choices=pipelines,
        stage_choices=stages,
        owner_choices=_owner_choices(request.user, deal),
    )
    contacts = ContactRoleFormSet(
        data,
        prefix="contacts",
        initial=rows,
        form_kwargs={
            "contact_choices": _contact_choices(request.user, [r["contact"] for r in rows])
        },
    )
    custom = customforms.CustomFieldsForm(data, actor=request.user, object_type=KEY, record=deal)
    return DealForms(main, contacts, custom)


def _own_roles(request: AuthedRequest, deal: Opportunity | None) -> list[Any]:
    """The deal's contacts the user may see (the others are kept unless the rows change)."""
    if deal is None:
        return []
    roles = list(selectors.contact_roles(deal))
    seen = visible_ids(request.user, Contact, [r.contact_id for r in roles]) if roles else set()
    return [r for r in roles if r.contact_id in seen]


def opportunity_form(request: AuthedRequest, opportunity_id: int | None = None) -> HttpResponse:
    deal = selectors.opportunity_get(request.user, opportunity_id) if opportunity_id else None
    permissions.require(request.user, KEY, "edit" if deal else "create")
    forms = _deal_forms(request, deal)
    if request.method == "POST" and forms.is_valid():
        values = forms.values(creating=deal is None)
        try:
            if deal is None:
                saved = services.opportunity_create(actor=request.user, values=values)
            else:
                saved = services.opportunity_update(
                    actor=request.user, opportunity_id=deal.pk, values=values
                )
        except (*FORM_ERRORS, NotFound) as exc:
            if isinstance(exc, NotFound) and not exc.errors:
                raise
            forms.apply(exc.errors, exc.message)
        else:
            messages.success(request, _("The opportunity was saved."))
            return redirect("sales:opportunity_detail", opportunity_id=saved.pk)
    context = {
        "form": forms.main,
        "contacts": forms.contacts,
        "contact_errors": forms.contact_errors,
        "custom_form": forms.custom,
        "deal": deal,
    }
    return render(request, "sales/form.html", context)
