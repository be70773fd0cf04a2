"""Settings → Configuration: download the configuration, install a file or a shipped template.

Installing always shows what would change first (a dry run) and installs on a second,
explicit confirmation; the document travels between the two steps in the session, never in a
hidden form field the browser could alter.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from clientela.platform import permissions
from clientela.platform.errors import FORM_ERRORS, DomainError
from clientela.platform.http import AuthedRequest
from clientela.platform.services import configuration
from clientela.platform.services.customfields import KEY

PENDING = "clientela:configuration:pending"


def _page(request: AuthedRequest, **context: Any) -> HttpResponse:
    return render(
        request,
        "platform/settings/configuration.html",
        {
            "verticals": configuration.verticals(),
            "can_install": permissions.can(request.user, KEY, "create")
            and permissions.can(request.user, KEY, "edit"),
            **context,
        },
    )


def configuration_page(request: AuthedRequest) -> HttpResponse:
    permissions.require(request.user, KEY, "view")
    return _page(request)


def configuration_download(request: AuthedRequest) -> HttpResponse:
    fmt = "json" if request.GET.get("format") == "json" else "yaml"
    document = configuration.configuration_export(actor=request.user)
    response = HttpResponse(
        configuration.dump(document, fmt),
        content_type="application/json" if fmt == "json" else "application/yaml",
    )
    name = f"clientela-configuration-{timezone.localdate():%Y%m%d}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _errors(exc: DomainError) -> list[str]:
    lines = [str(exc.message)]
    lines += [f"{where}: {'; '.join(str(m) for m in found)}" for where, found in exc.errors.items()]
    return lines


@require_POST
def configuration_check(request: AuthedRequest) -> HttpResponse:
    """Step one: read the upload (or the chosen template) and show what installing would do."""
    permissions.require(request.user, KEY, "create")
    try:
        slug = request.POST.get("template", "")
        if slug:
            document = configuration.vertical_document(slug)
        else:
            upload = request.FILES.get("file")
            if upload is None:
                return _page(request, problems=[_("Choose a file, or one of the templates.")])
            if upload.size and upload.size > configuration.MAX_BYTES:
                return _page(request, problems=[_("The file is larger than 1 MB.")])
            document = configuration.parse(upload.read(configuration.MAX_BYTES + 1))
        report = configuration.configuration_install(
            actor=request.user, document=document, dry_run=True
        )
    except FORM_ERRORS as exc:
        return _page(request, problems=_errors(exc))
    # as JSON values (a YAML date becomes its ISO text, which the fields' cleaning takes)
    request.session[PENDING] = json.loads(json.dumps(document, default=str))
    return _page(request, report=report, document_name=configuration.display_name(document))


@require_POST
def configuration_install(request: AuthedRequest) -> HttpResponse:
    """Step two: install what step one checked."""
    document = request.session.get(PENDING)
    if not document:
        messages.error(request, _("Nothing to install: choose a file or a template first."))
        return redirect("settings:configuration")
    try:
        report = configuration.configuration_install(actor=request.user, document=document)
    except FORM_ERRORS as exc:
        return _page(request, problems=_errors(exc))
    request.session.pop(PENDING, None)
    messages.success(
        request,
        _("Installed: %(created)d fields added, %(updated)d changed, %(unchanged)d unchanged.")
        % {
            "created": len(report.created),
            "updated": len(report.updated),
            "unchanged": len(report.unchanged),
        },
    )
    return redirect("settings:configuration")
