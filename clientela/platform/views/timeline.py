"""The timeline partial that record pages load with htmx."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.dateparse import parse_datetime

from clientela.platform import timeline
from clientela.platform.http import AuthedRequest


def timeline_view(request: AuthedRequest, object_type: str, object_id: int) -> HttpResponse:
    record = timeline.record_for(request.user, object_type, object_id)
    sources = timeline.sources_for(object_type)
    known = {s.kind for s in sources}
    kinds = [k for k in request.GET.getlist("kind") if k in known]
    before = (
        parse_datetime(request.GET.get("before", "") or "") if "before" in request.GET else None
    )
    entries = timeline.collect(request.user, object_type, record, kinds=kinds, before=before)
    return render(
        request,
        "platform/_timeline.html",
        {
            "entries": entries,
            "sources": sources,
            "kinds": kinds,
            "object_type": object_type,
            "object_id": object_id,
            "more": entries[-1].at.isoformat() if len(entries) == 50 else "",
        },
    )
