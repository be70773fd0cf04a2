"""The timeline partial that record pages load with htmx.

One template in three sizes: the whole block (composers such as "log a call" above the list),
the list alone (when a filter chip changes or a composer saved something), or only the next
entries (the "older" button appends them in place).
"""

from __future__ import annotations

from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils.translation import gettext as _

from clientela.platform import timeline
from clientela.platform.errors import ValidationFailed
from clientela.platform.http import AuthedRequest

PAGE_SIZE = 30


def timeline_view(request: AuthedRequest, object_type: str, object_id: int) -> HttpResponse:
    record = timeline.record_for(request.user, object_type, object_id)
    sources = timeline.sources_for(object_type)
    known = {s.kind for s in sources}
    kinds = [k for k in request.GET.getlist("kind") if k in known]
    cursor = request.GET.get("cursor", "")
    try:
        after = timeline.Position.decode(cursor) if cursor else None
    except ValidationFailed:
        return HttpResponseBadRequest(
            _("This link to older entries is not valid; reload the page.")
        )
    page = timeline.collect(
        request.user, object_type, record, kinds=kinds, after=after, limit=PAGE_SIZE
    )
    part = "more" if after else ("list" if request.headers.get("HX-Target") == "timeline" else "")
    context = {
        "page": page,
        "entries": page.entries,
        "sources": sources,
        "kinds": kinds,
        "object_type": object_type,
        "object_id": object_id,
        "part": part,
        "composers": timeline.composers_for(request.user, object_type, record) if not part else [],
    }
    return render(request, "platform/_timeline.html", context)
