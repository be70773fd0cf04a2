"""Settings → Exchange rates and Settings → Quotas.

Rates: the table (newest day first, one currency or all), a form for one rate, a CSV import
refused whole with its lines' errors, and deleting a rate after a confirmation. Quotas: a year's
grid of reps by months, saved in one ``quotas_save`` call (all or none). The same services as
the API (``currency``, ``forecast``); pages for people who may only read show no forms.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from babel.numbers import format_decimal
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from clientela.platform import permissions
from clientela.platform.errors import FORM_ERRORS, ValidationFailed
from clientela.platform.formatting import current_locale
from clientela.platform.http import AuthedRequest
from clientela.platform.pagination import paginate
from clientela.sales import currency, forecast
from clientela.sales.forms_money import QuotaGrid, RateForm, RateImportForm
from clientela.sales.services import pk_of

PAGE_SIZE = 50
QUOTA_KEY = "sales.quota"
EXAMPLE = "USD;2027-01-04;5,4321"

# --- exchange rates ------------------------------------------------------------------------


def _rate_text(rate: Decimal) -> str:
    """A rate with every decimal it has (5.1, 0.18734512), in the reader's locale."""
    return format_decimal(rate, format="#,##0.########", locale=current_locale())


def _rates_page(
    request: AuthedRequest,
    form: RateForm | None = None,
    upload: RateImportForm | None = None,
    problems: list[currency.ImportProblem] | None = None,
) -> HttpResponse:
    wanted = request.GET.get("currency", "").strip().upper()
    wanted = wanted if len(wanted) == 3 and wanted.isascii() and wanted.isalpha() else ""
    rows = currency.rates_list(request.user, wanted)
    ordering, cursor_error = ("-day", "currency", "-id"), ""
    try:
        page = paginate(rows, ordering=ordering, cursor=request.GET.get("cursor"), limit=PAGE_SIZE)
    except ValidationFailed:
        cursor_error = _("This page link is no longer valid; here is the first page.")
        page = paginate(rows, ordering=ordering, cursor=None, limit=PAGE_SIZE)
    params = {"currency": wanted} if wanted else {}
    context = {
        "rates": [{"rate": r, "text": _rate_text(r.rate)} for r in page.items],
        "page": page,
        "cursor_error": cursor_error,
        "wanted": wanted,
        "currencies": currency.rate_currencies(),
        "company_currency": currency.company_currency(),
        "first_query": urlencode(params),
        "next_query": urlencode({**params, "cursor": page.next_cursor or ""}),
        "form": form or RateForm(),
        "upload": upload or RateImportForm(),
        "problems": problems or [],
        "example": EXAMPLE,
        "can_edit": permissions.can(request.user, currency.KEY, "edit"),
        "can_delete": permissions.can(request.user, currency.KEY, "delete"),
    }
    return render(request, "sales/money/rates.html", context)


def rate_list(request: AuthedRequest) -> HttpResponse:
    return _rates_page(request)


@require_POST
def rate_create(request: AuthedRequest) -> HttpResponse:
    permissions.require(request.user, currency.KEY, "edit")
    form = RateForm(request.POST)
    if form.is_valid():
        try:
            currency.rates_save(actor=request.user, items=[form.item()])
        except FORM_ERRORS as exc:
            form.apply(exc.errors, exc.message)
        else:
            messages.success(request, _("The exchange rate was saved."))
            return redirect("sales:rate_list")
    return _rates_page(request, form=form)


@require_POST
def rate_import(request: AuthedRequest) -> HttpResponse:
    permissions.require(request.user, currency.KEY, "edit")
    upload = RateImportForm(request.POST, request.FILES)
    problems: list[currency.ImportProblem] = []
    if upload.is_valid():
        # never more than one byte past the limit: the service refuses a file that has it
        content = upload.cleaned_data["file"].read(currency.MAX_IMPORT_BYTES + 1)
        try:
            written = currency.rates_import(actor=request.user, content=content)
        except FORM_ERRORS as exc:
            problems = currency.import_problems(content, exc.errors)
            if not problems:
                problems = [currency.ImportProblem(None, "", [str(exc.message)])]
        else:
            text = ngettext(
                "%(count)s exchange rate was imported.",
                "%(count)s exchange rates were imported.",
                written,
            )
            messages.success(request, text % {"count": written})
            return redirect("sales:rate_list")
    return _rates_page(request, upload=upload, problems=problems)


def rate_delete(request: AuthedRequest, rate_id: int) -> HttpResponse:
    permissions.require(request.user, currency.KEY, "delete")
    rate = currency.rate_get(request.user, rate_id)
    if request.method == "POST":
        currency.rate_delete(actor=request.user, rate_id=rate.pk)
        text = _("The %(currency)s rate from %(day)s was deleted.")
        day = formats.date_format(rate.day, "SHORT_DATE_FORMAT")
        messages.success(request, text % {"currency": rate.currency, "day": day})
        return redirect("sales:rate_list")
    return render(request, "sales/money/rate_delete.html", {"rate": rate})


# --- quotas --------------------------------------------------------------------------------


def _grid_params(request: AuthedRequest) -> tuple[int, int | None, int]:
    """The year (this one unless another between 2000 and 2999 is asked), team and page."""
    year = timezone.localdate().year
    text = request.GET.get("year", "").strip()
    if text.isascii() and text.isdecimal() and 2000 <= int(text) <= 2999:
        year = int(text)
    page = request.GET.get("page", "").strip()
    number = int(page) if page.isascii() and page.isdecimal() and len(page) < 6 else 1
    return year, pk_of(request.GET.get("team", "")), max(number, 1)


def quota_list(request: AuthedRequest) -> HttpResponse:
    year, team_id, page = _grid_params(request)
    data = forecast.quota_year(request.user, year, team_id, page, PAGE_SIZE)
    posted = request.POST if request.method == "POST" else None
    grid = QuotaGrid(data, posted)
    params: dict[str, Any] = {"year": year, "team": team_id or "", "page": page}
    here = reverse("sales:quota_list") + "?" + urlencode(params)
    if posted is not None:
        permissions.require(request.user, QUOTA_KEY, "edit")
        items = grid.items()
        if not items:
            messages.info(request, _("No quota was changed."))
            return redirect(here)
        try:
            written = forecast.quotas_save(actor=request.user, items=items)
        except FORM_ERRORS as exc:
            grid.apply(exc.errors, exc.message)
        else:
            text = ngettext("%(count)s quota was saved.", "%(count)s quotas were saved.", written)
            messages.success(request, text % {"count": written})
            return redirect(here)
    context = {
        "grid": grid,
        "data": data,
        "year": year,
        "years": [year - 1, year + 1],
        "team_id": team_id,
        "months": [dt.date(year, m, 1) for m in range(1, 13)],
        "company_currency": currency.company_currency(),
        "can_edit": permissions.can(request.user, QUOTA_KEY, "edit"),
        "here": here,
        "page": page,
        "previous_query": urlencode({**params, "page": page - 1}),
        "next_query": urlencode({**params, "page": page + 1}),
    }
    return render(request, "sales/money/quotas.html", context)
