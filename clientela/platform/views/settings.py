"""Settings for administrators: users, teams, roles and their rights, the audit log."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from clientela.platform import audit, navigation, permissions, registry, selectors
from clientela.platform.errors import FORM_ERRORS
from clientela.platform.forms import NewUserForm, RoleForm, TeamForm, UserForm, apply_errors
from clientela.platform.http import AuthedRequest
from clientela.platform.models import Action, Channel, Scope
from clientela.platform.pagination import Page, paginate
from clientela.platform.services import roles, users


def index(request: AuthedRequest) -> HttpResponse:
    user = request.user
    cards: list[tuple[str, str, Any, Any]] = [
        (
            "platform.user",
            "settings:user_list",
            _("Users"),
            _("People who sign in, and their role."),
        ),
        ("platform.team", "settings:team_list", _("Teams"), _("Groups that share records.")),
        ("platform.role", "settings:role_list", _("Roles"), _("What each role may see and do.")),
        (
            "platform.customfield",
            "settings:customfield_list",
            _("Custom fields"),
            _("Fields your company adds to accounts, contacts, leads and activities."),
        ),
        (
            "platform.customobject",
            "settings:customobject_list",
            _("Custom objects"),
            _("Record types your company adds, such as vehicles or policies, with their fields."),
        ),
        (
            "platform.customfield",
            "settings:configuration",
            _("Configuration"),
            _("Download the configuration, or install one or a template for your market."),
        ),
        (
            "platform.webhook",
            "settings:webhook_list",
            _("Webhooks"),
            _("Send record changes to other systems, and receive leads and activities."),
        ),
        (
            "platform.rule",
            "settings:rule_list",
            _("Rules"),
            _("Automate follow-ups: when something happens to a record, act on it."),
        ),
        (
            "platform.plugin",
            "settings:plugin_list",
            _("Plugins"),
            _("Installed extensions: see what each adds, switch them on or off."),
        ),
        ("platform.audit", "settings:audit", _("Audit log"), _("Every change, by whom and how.")),
    ]
    cards += navigation.settings_cards()  # pages later apps add (Sales: pipelines)
    visible = [c for c in cards if permissions.can(user, c[0], "view")]
    return render(request, "platform/settings/index.html", {"cards": visible})


def user_list(request: AuthedRequest) -> HttpResponse:
    permissions.require(request.user, "platform.user", "view")
    page = paginate(
        selectors.user_list(request.user),
        ordering=("username", "id"),
        cursor=request.GET.get("cursor"),
        limit=50,
    )
    return render(request, "platform/settings/users.html", {"page": page})


def _user_data(form: UserForm) -> dict[str, Any]:
    data = dict(form.cleaned_data)
    data.pop("password", None)
    data["teams"] = list(data.get("teams") or [])
    return data


def user_create(request: AuthedRequest) -> HttpResponse:
    permissions.require(request.user, "platform.user", "create")
    form = NewUserForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = users.user_create(
                actor=request.user,
                data=_user_data(form),
                password=form.cleaned_data.get("password") or None,
            )
        except FORM_ERRORS as exc:
            apply_errors(form, exc.errors, exc.message)
        else:
            messages.success(request, _("User %(name)s was created.") % {"name": user.username})
            return redirect("settings:user_list")
    return render(request, "platform/settings/user_form.html", {"form": form, "creating": True})


def user_edit(request: AuthedRequest, user_id: int) -> HttpResponse:
    target = selectors.user_get(request.user, user_id)
    initial = {
        "username": target.username,
        "email": target.email,
        "first_name": target.first_name,
        "last_name": target.last_name,
        "role": target.role_id,
        "teams": list(target.teams.all()),
        "is_active": target.is_active,
        "language": target.language,
    }
    form = UserForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            users.user_update(actor=request.user, user_id=target.pk, data=_user_data(form))
        except FORM_ERRORS as exc:
            apply_errors(form, exc.errors, exc.message)
        else:
            messages.success(request, _("User %(name)s was saved.") % {"name": target.username})
            return redirect("settings:user_list")
    history = selectors.record_history(request.user, target)[:100]
    return render(
        request,
        "platform/settings/user_form.html",
        {"form": form, "creating": False, "target": target, "history": history},
    )


def team_list(request: AuthedRequest) -> HttpResponse:
    permissions.require(request.user, "platform.team", "view")
    page = paginate(
        selectors.team_list(request.user),
        ordering=("name", "id"),
        cursor=request.GET.get("cursor"),
        limit=50,
    )
    return render(request, "platform/settings/teams.html", {"page": page})


def team_form(request: AuthedRequest, team_id: int | None = None) -> HttpResponse:
    team = selectors.team_get(request.user, team_id) if team_id else None
    if team is None:
        permissions.require(request.user, "platform.team", "create")
    initial = (
        {"name": team.name, "description": team.description, "manager": team.manager_id}
        if team
        else {}
    )
    form = TeamForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if team is None:
                users.team_create(actor=request.user, data=form.cleaned_data)
            else:
                users.team_update(actor=request.user, team_id=team.pk, data=form.cleaned_data)
        except FORM_ERRORS as exc:
            apply_errors(form, exc.errors, exc.message)
        else:
            messages.success(request, _("The team was saved."))
            return redirect("settings:team_list")
    return render(request, "platform/settings/team_form.html", {"form": form, "team": team})


def team_delete(request: AuthedRequest, team_id: int) -> HttpResponse:
    team = selectors.team_get(request.user, team_id)
    if request.method == "POST":
        try:
            users.team_delete(actor=request.user, team_id=team.pk)
        except FORM_ERRORS as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("The team %(name)s was deleted.") % {"name": team.name})
        return redirect("settings:team_list")
    return render(
        request,
        "platform/confirm_delete.html",
        {"object": team, "cancel_url": "settings:team_list"},
    )


def role_list(request: AuthedRequest) -> HttpResponse:
    permissions.require(request.user, "platform.role", "view")
    form = RoleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            role = roles.role_create(actor=request.user, **form.cleaned_data)
        except FORM_ERRORS as exc:
            apply_errors(form, exc.errors, exc.message)
        else:
            messages.success(request, _("The role was created; now grant its rights."))
            return redirect("settings:role_detail", role_id=role.pk)
    page = paginate(
        selectors.role_list(request.user),
        ordering=("name", "id"),
        cursor=request.GET.get("cursor"),
        limit=50,
    )
    return render(request, "platform/settings/roles.html", {"page": page, "form": form})


def _matrix_from_post(request: AuthedRequest) -> dict[str, dict[str, Any]]:
    matrix: dict[str, dict[str, Any]] = {}
    for object_type in registry.all_types():
        key = object_type.key
        row: dict[str, Any] = {a: f"{key}:{a}" in request.POST for a in roles.ACTIONS}
        row["scope"] = request.POST.get(f"{key}:scope", Scope.OWN)
        matrix[key] = row
    return matrix


def role_detail(request: AuthedRequest, role_id: int) -> HttpResponse:
    role = selectors.role_get(request.user, role_id)
    if request.method == "POST":
        try:
            roles.role_set_permissions(
                actor=request.user, role_id=role.pk, matrix=_matrix_from_post(request)
            )
        except FORM_ERRORS as exc:
            for key, errs in (exc.errors or {"": [str(exc.message)]}).items():
                messages.error(request, f"{key}: {' '.join(map(str, errs))}" if key else errs[0])
        else:
            messages.success(request, _("The rights of %(role)s were saved.") % {"role": role.name})
            return redirect("settings:role_detail", role_id=role.pk)
    rows = {p.object_type: p for p in role.permissions.all()}
    matrix = [
        {
            "type": t,
            "scope": rows[t.key].scope if t.key in rows else Scope.OWN,
            "cells": [
                {
                    "action": a,
                    "label": label,
                    "available": a in t.actions,
                    "checked": t.key in rows and rows[t.key].allows(a),
                }
                for a, label in Action.choices
            ],
        }
        for t in registry.all_types()
    ]
    can_edit = permissions.can(request.user, "platform.role", "edit")
    return render(
        request,
        "platform/settings/role_detail.html",
        {
            "role": role,
            "matrix": matrix,
            "actions": roles.ACTIONS,
            "scopes": Scope.choices,
            "can_edit": can_edit,
        },
    )


@require_POST
def role_delete(request: AuthedRequest, role_id: int) -> HttpResponse:
    try:
        roles.role_delete(actor=request.user, role_id=role_id)
    except FORM_ERRORS as exc:
        messages.error(request, str(exc.message))
        return redirect("settings:role_detail", role_id=role_id)
    messages.success(request, _("The role was deleted."))
    return redirect("settings:role_list")


def _day_start(raw: str | None, *, next_day: bool = False) -> datetime | None:
    try:
        day = parse_date(raw or "") if raw and len(raw) <= 10 else None
    except ValueError:
        day = None
    if day is None:
        return None
    if next_day:
        day += timedelta(days=1)
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


def audit_log(request: AuthedRequest) -> HttpResponse:
    permissions.require(request.user, "platform.audit", "view")
    params = request.GET
    since, until = _day_start(params.get("since")), _day_start(params.get("until"), next_day=True)
    actor_id = int(params["actor"]) if params.get("actor", "").isdigit() else None
    filters: dict[str, Any] = {
        "object_type": params.get("object_type", "")[:80],
        "channel": params.get("channel", "")[:16],
        "action": params.get("action", "")[:16],
    }
    page = paginate(
        selectors.audit_list(request.user, **filters, actor_id=actor_id, since=since, until=until),
        ordering=("-seq",),
        cursor=params.get("cursor"),
        limit=50,
    )
    page = Page(audit.for_display(page.items), page.next_cursor)
    return render(
        request,
        "platform/settings/audit.html",
        {
            "page": page,
            "filters": filters,
            "types": registry.all_types(),
            "channels": Channel.choices,
            "actions": ["create", "update", "delete"],
            "querystring": params.copy(),
        },
    )
