"""Settings → Field service: skills (one list, each row renamed in place) and technicians.

Both are settings records (``service.skill``, ``service.technician``): whoever may view a kind
sees its page read only; the buttons show to those allowed, and ``dispatch_staff`` checks again.
Deleting asks first (a dialog; without script, a confirmation page).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from clientela.platform import permissions
from clientela.platform.errors import FORM_ERRORS, NotFound
from clientela.platform.http import AuthedRequest
from clientela.platform.models import User
from clientela.service import dispatch_staff, selectors_dispatch
from clientela.service.forms_dispatch import SkillForm, TechnicianForm, calendar_choices
from clientela.service.models import Skill, Technician

NS = "service_dispatch"
SKILL, TECHNICIAN = "service.skill", "service.technician"


def _tabs(actor: User) -> list[tuple[str, str, Any]]:
    tabs = (
        (f"{NS}:technician_list", "technicians", gettext_lazy("Technicians"), TECHNICIAN),
        (f"{NS}:skill_list", "skills", gettext_lazy("Skills"), SKILL),
    )
    return [
        (url, key, label) for url, key, label, kind in tabs if permissions.can(actor, kind, "view")
    ]


def _page(
    request: AuthedRequest, key: str, tab: str, template: str, **context: Any
) -> HttpResponse:
    rights = {
        f"can_{a}": permissions.can(request.user, key, a) for a in ("create", "edit", "delete")
    }
    context.update(rights, tab=tab, tabs=_tabs(request.user))
    return render(request, template, context)


def _record(model: Any, pk: int) -> Any:
    found = model._default_manager.filter(pk=pk).first() if 0 < pk < 2**63 else None
    if found is None:
        raise NotFound()
    return found


def _confirm_delete(
    request: AuthedRequest, key: str, record: Any, delete: Any, back: str
) -> HttpResponse:
    permissions.require(request.user, key, "delete")
    if request.method != "POST":
        context = {"object": record, "cancel_url": back}
        return render(request, "platform/confirm_delete.html", context)
    try:
        delete(actor=request.user, **{f"{key.split('.')[1]}_id": record.pk})
    except FORM_ERRORS as exc:
        reason = {"name": str(record), "reason": exc.message}
        messages.error(request, _("“%(name)s” was not deleted. %(reason)s") % reason)
    else:
        messages.success(request, _("“%(name)s” was deleted.") % {"name": str(record)})
    return redirect(back)


# --- skills ----------------------------------------------------------------------------------


def _skills(
    request: AuthedRequest,
    new: SkillForm | None = None,
    edited: tuple[int, SkillForm] | None = None,
) -> HttpResponse:
    rows = []
    for skill in selectors_dispatch.skills():
        form = edited[1] if edited and edited[0] == skill.pk else None
        form = form or SkillForm(
            initial={"name": skill.name},
            auto_id=f"id_skill_{skill.pk}_%s",
            form_id=f"skill-{skill.pk}",
        )
        rows.append({"record": skill, "form": form})
    new = new or SkillForm(auto_id="id_new_%s")
    urls = {"delete": f"{NS}:skill_delete"}
    return _page(
        request, SKILL, "skills", "service/dispatch/skills.html", rows=rows, new=new, urls=urls
    )


def _save_skill(request: AuthedRequest, form: SkillForm, pk: int | None) -> bool:
    if not form.is_valid():
        return False
    try:
        saved = dispatch_staff.skill_save(actor=request.user, values=form.values(), skill_id=pk)
    except FORM_ERRORS as exc:
        form.show_errors(exc.errors, exc.message)
        return False
    messages.success(request, _("The skill “%(name)s” was saved.") % {"name": saved.name})
    return True


def skill_list(request: AuthedRequest) -> HttpResponse:
    """The skills; its POST adds one."""
    permissions.require(request.user, SKILL, "view")
    if request.method != "POST":
        return _skills(request)
    permissions.require(request.user, SKILL, "create")
    new = SkillForm(request.POST, auto_id="id_new_%s")
    if _save_skill(request, new, None):
        return redirect(f"{NS}:skill_list")
    return _skills(request, new=new)


@require_POST
def skill_edit(request: AuthedRequest, skill_id: int) -> HttpResponse:
    permissions.require(request.user, SKILL, "edit")
    skill = _record(Skill, skill_id)
    form = SkillForm(request.POST, auto_id=f"id_skill_{skill.pk}_%s", form_id=f"skill-{skill.pk}")
    if _save_skill(request, form, skill.pk):
        return redirect(f"{NS}:skill_list")
    return _skills(request, edited=(skill.pk, form))


def skill_delete(request: AuthedRequest, skill_id: int) -> HttpResponse:
    permissions.require(request.user, SKILL, "delete")
    skill = _record(Skill, skill_id)
    return _confirm_delete(request, SKILL, skill, dispatch_staff.skill_delete, f"{NS}:skill_list")


# --- technicians -----------------------------------------------------------------------------


def technician_list(request: AuthedRequest) -> HttpResponse:
    permissions.require(request.user, TECHNICIAN, "view")
    rows = list(selectors_dispatch.technicians())
    urls = {"delete": f"{NS}:technician_delete"}
    return _page(
        request,
        TECHNICIAN,
        "technicians",
        "service/dispatch/technicians.html",
        rows=rows,
        urls=urls,
    )


def _user_choices(technician: Technician | None) -> list[tuple[int, str]]:
    """Active users without a profile, and the technician's own user."""
    users = selectors_dispatch.users_without_profile(technician)
    return [(u.pk, u.display_name) for u in users]


def technician_form(request: AuthedRequest, technician_id: int | None = None) -> HttpResponse:
    actor = request.user
    action = "edit" if technician_id is not None else "create"
    permissions.require(actor, TECHNICIAN, "view" if technician_id is not None else "create")
    record = _record(Technician, technician_id) if technician_id is not None else None
    data = request.POST if request.method == "POST" else None
    if data is not None:
        permissions.require(actor, TECHNICIAN, action)
    choices = {"user": _user_choices(record), "calendar": calendar_choices()}
    form = TechnicianForm(data, initial=TechnicianForm.initial_for(record), choices=choices)
    editable = permissions.can(actor, TECHNICIAN, action)
    for field in form.fields.values():
        field.disabled = not editable
    if data is not None and form.is_valid():
        ids = {"technician_id": record.pk} if record is not None else {}
        try:
            saved = dispatch_staff.technician_save(actor=actor, values=form.values(), **ids)
        except FORM_ERRORS as exc:
            form.show_errors(exc.errors, exc.message)
        else:
            messages.success(request, _("The technician “%(name)s” was saved.") % {"name": saved})
            return redirect(f"{NS}:technician_list")
    urls = {"delete": f"{NS}:technician_delete"}
    context = {"form": form, "record": record, "editable": editable, "urls": urls}
    return _page(
        request, TECHNICIAN, "technicians", "service/dispatch/technician_form.html", **context
    )


def technician_delete(request: AuthedRequest, technician_id: int) -> HttpResponse:
    permissions.require(request.user, TECHNICIAN, "delete")
    record = _record(Technician, technician_id)
    back = f"{NS}:technician_list"
    return _confirm_delete(request, TECHNICIAN, record, dispatch_staff.technician_delete, back)
