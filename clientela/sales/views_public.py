"""The customer's quote page: reached by the secret link of the quote's e-mail, without an
account. It shows the quote and takes one answer, accept or decline; the secret travels in the
path, so the page sends no referrer and asks search engines to keep out."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.http import require_http_methods

from clientela.platform.errors import Conflict, NotFound, ValidationFailed
from clientela.sales.quotes import company, pix_payload, qr_svg, quote_by_link, quote_decide


def _private(response: HttpResponse) -> HttpResponse:
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Cache-Control"] = "no-store"
    return response


@login_not_required
@require_http_methods(["GET", "POST"])
def quote_public(request: HttpRequest, quote_id: int, token: str) -> HttpResponse:
    try:
        quote = quote_by_link(quote_id, token)
    except NotFound:
        raise Http404 from None
    except Conflict as exc:
        return _private(
            render(request, "documents/quote_public.html", {"gone": exc.message}, status=410)
        )
    problem = ""
    translation.activate(quote.language)  # the customer reads the quote's language throughout
    if request.method == "POST":
        answer = request.POST.get("answer")
        if answer in ("accept", "decline"):
            try:
                quote = quote_decide(
                    quote_id=quote.pk,
                    token=token,
                    accept=answer == "accept",
                    note=request.POST.get("note", "")[:500],
                )
            except (Conflict, ValidationFailed) as exc:
                problem = str(exc.message)
    with translation.override(quote.language):
        payload = pix_payload(quote) if quote.status in ("sent", "accepted") else ""
        context = {
            "quote": quote,
            "lines": list(quote.lines.order_by("position", "id")),
            "company": company(),
            "account": quote.opportunity.account,
            "pix_payload": payload,
            "pix_qr": qr_svg(payload) if payload else "",
            "problem": problem,
        }
        return _private(render(request, "documents/quote_public.html", context))
