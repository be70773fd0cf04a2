"""Settings → Plugins (administrators): what is installed, what each adds, and the switches.

Thin over ``services.plugins``; a switch is a POST (CSRF-checked) and applies to every process.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from clientela.platform.errors import Conflict
from clientela.platform.http import AuthedRequest
from clientela.platform.services import plugins as services


def plugin_list(request: AuthedRequest) -> HttpResponse:
    items = services.plugin_list(request.user)
    return render(request, "platform/settings/plugins.html", {"plugins": items})


@require_POST
def plugin_switch(request: AuthedRequest, name: str) -> HttpResponse:
    enabled = request.POST.get("enabled") == "1"
    try:
        info = services.plugin_set_enabled(actor=request.user, name=name, enabled=enabled)
    except Conflict as exc:
        messages.error(request, str(exc.message))
    else:
        on, off = _("%(plugin)s is switched on."), _("%(plugin)s is switched off.")
        messages.success(request, (on if info.enabled else off) % {"plugin": info.label})
    return redirect("settings:plugin_list")
