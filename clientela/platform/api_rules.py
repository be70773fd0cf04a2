"""API for rules (administrators): the rules, switching them, testing one against a record, what
an editor may offer, and the runs (per rule, per record) with a retry of a failed one.

Documents are those of decision 0007: ``trigger_config``, ``conditions`` ({"all"|"any": […]})
and ``actions`` ([{"type", "params"}]); errors name the bad part (``conditions.all.1.value``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from ninja import Query, Router, Schema, Status
from pydantic import Field

from clientela.platform.api import PageParams
from clientela.platform.http import AuthedRequest
from clientela.platform.pagination import paginate
from clientela.platform.rules import meta
from clientela.platform.services import rules

router = Router(tags=["rules"])

TRIGGER_HELP = "created, updated, field_changed, status_entered, date_relative, schedule, inbound"


class RuleIn(Schema):
    name: str = Field(max_length=120)
    description: str = Field(default="", max_length=2000)
    object_type: str = Field(max_length=80, description="A record type, e.g. customers.lead")
    trigger: str = Field(max_length=20, description=TRIGGER_HELP)
    trigger_config: dict[str, Any] = Field(default_factory=dict)
    conditions: dict[str, Any] = Field(default_factory=dict)
    actions: list[dict[str, Any]] = Field(max_length=20)
    is_active: bool = True
    position: int = 0
    run_as_id: int | None = Field(default=None, description="Defaults to the caller")


class RulePatch(Schema):
    name: str | None = Field(default=None, max_length=120)
    description: str | None = Field(default=None, max_length=2000)
    object_type: str | None = Field(default=None, max_length=80)
    trigger: str | None = Field(default=None, max_length=20)
    trigger_config: dict[str, Any] | None = None
    conditions: dict[str, Any] | None = None
    actions: list[dict[str, Any]] | None = Field(default=None, max_length=20)
    is_active: bool | None = None
    position: int | None = None
    run_as_id: int | None = None


class RuleOut(Schema):
    id: int
    name: str
    description: str
    object_type: str
    trigger: str
    trigger_config: dict[str, Any]
    conditions: dict[str, Any]
    actions: list[dict[str, Any]]
    is_active: bool
    position: int
    run_as_id: int
    next_run_at: datetime | None = Field(description="Scheduled rules: the next slot")
    created_at: datetime
    updated_at: datetime


class RulePage(Schema):
    items: list[RuleOut]
    next_cursor: str | None


class TestIn(Schema):
    record_id: int


class DryRunOut(Schema):
    matched: bool = Field(description="Whether the conditions hold for the record now")
    explanation: list[dict[str, Any]] = Field(description="Each comparison and its outcome")
    actions: list[dict[str, Any]] = Field(description="What each action would do")


class RunOut(Schema):
    id: UUID
    rule_id: int
    object_type: str
    record_id: str
    event: str = Field(description="What caused it")
    context: dict[str, Any]
    chain: list[int] = Field(description="Rules whose actions led here (loop guard)")
    status: str = Field(description="pending, waiting, retrying, done, skipped or failed")
    step: int = Field(description="The next action to run")
    attempts: int
    next_attempt_at: datetime | None
    log: list[dict[str, Any]]
    error: str
    created_at: datetime
    finished_at: datetime | None


class RunPage(Schema):
    items: list[RunOut]
    next_cursor: str | None


Statuses = Literal["", "pending", "waiting", "retrying", "done", "skipped", "failed"]


class RunFilters(PageParams):
    status: Statuses = ""


class RecordRunFilters(PageParams):
    object_type: str = Field(default="", max_length=80)
    record_id: str = Field(default="", max_length=40)
    status: Statuses = ""


class OptionsOut(Schema):
    object_types: list[dict[str, Any]]
    triggers: list[dict[str, Any]]
    fields: list[dict[str, Any]]
    actions: list[dict[str, Any]]


def _values(payload: Schema, *, partial: bool) -> dict[str, Any]:
    data = payload.dict(exclude_unset=partial)
    values = {k: v for k, v in data.items() if v is not None or k == "run_as_id"}
    if "run_as_id" in values:
        run_as = values.pop("run_as_id")
        if run_as is not None:
            values["run_as"] = run_as
    return values


@router.get("/rules/options", response=OptionsOut, summary="What a rule may use")
def rule_options(request: AuthedRequest, object_type: str = "customers.lead"):
    """Triggers, condition fields (with their operators) and actions for one record type."""
    rules.require_rules_admin(request.user)
    return {
        "object_types": meta.object_types(),
        "triggers": meta.trigger_choices(object_type) if _known(object_type) else [],
        "fields": meta.condition_fields(object_type),
        "actions": meta.action_choices(object_type) if _known(object_type) else [],
    }


def _known(object_type: str) -> bool:
    return object_type in {t["key"] for t in meta.object_types()}


@router.get("/rules", response=RulePage, summary="Rules")
def list_rules(request: AuthedRequest, params: Query[PageParams]):
    return paginate(
        rules.rule_list(request.user), ordering=("id",), cursor=params.cursor, limit=params.limit
    )


@router.post("/rules", response={201: RuleOut}, summary="Create a rule")
def create_rule(request: AuthedRequest, payload: RuleIn):
    rule = rules.rule_create(actor=request.user, values=_values(payload, partial=False))
    return Status(201, rule)


@router.get("/rules/{rule_id}", response=RuleOut, summary="One rule")
def get_rule(request: AuthedRequest, rule_id: int):
    return rules.rule_get(request.user, rule_id)


@router.patch("/rules/{rule_id}", response=RuleOut, summary="Change a rule")
def patch_rule(request: AuthedRequest, rule_id: int, payload: RulePatch):
    """Settings not sent stay; the whole rule is checked again."""
    values = _values(payload, partial=True)
    return rules.rule_update(actor=request.user, rule_id=rule_id, values=values)


@router.delete("/rules/{rule_id}", response={204: None}, summary="Delete a rule")
def delete_rule(request: AuthedRequest, rule_id: int):
    """Its runs, finished or waiting, go with it."""
    rules.rule_delete(actor=request.user, rule_id=rule_id)
    return Status(204, None)


@router.post("/rules/{rule_id}/activate", response=RuleOut, summary="Switch a rule on")
def activate_rule(request: AuthedRequest, rule_id: int):
    """Date-relative rules start looking from now: records whose moment passed while it was
    off are not caught up."""
    return rules.rule_set_active(actor=request.user, rule_id=rule_id, active=True)


@router.post("/rules/{rule_id}/deactivate", response=RuleOut, summary="Switch a rule off")
def deactivate_rule(request: AuthedRequest, rule_id: int):
    """Its waiting runs stop when they come due."""
    return rules.rule_set_active(actor=request.user, rule_id=rule_id, active=False)


@router.post("/rules/{rule_id}/test", response=DryRunOut, summary="Test a rule on a record")
def test_rule(request: AuthedRequest, rule_id: int, payload: TestIn):
    """A dry run: the conditions explained and what each action would do; nothing is written."""
    return rules.rule_test(actor=request.user, rule_id=rule_id, record_id=payload.record_id)


@router.get("/rules/{rule_id}/runs", response=RunPage, summary="A rule's runs")
def list_rule_runs(request: AuthedRequest, rule_id: int, params: Query[RunFilters]):
    return paginate(
        rules.run_list(request.user, rule_id=rule_id, status=params.status or None),
        ordering=("-created_at", "-id"),
        cursor=params.cursor,
        limit=params.limit,
    )


@router.get("/rule-runs", response=RunPage, summary="Rule runs, per record")
def list_runs(request: AuthedRequest, params: Query[RecordRunFilters]):
    rows = rules.run_list(
        request.user,
        object_type=params.object_type or None,
        record_id=params.record_id or None,
        status=params.status or None,
    )
    return paginate(rows, ordering=("-created_at", "-id"), cursor=params.cursor, limit=params.limit)


@router.get("/rule-runs/{run_id}", response=RunOut, summary="One rule run")
def get_run(request: AuthedRequest, run_id: UUID):
    return rules.run_get(request.user, run_id)


@router.post("/rule-runs/{run_id}/retry", response=RunOut, summary="Retry a failed run")
def retry_run(request: AuthedRequest, run_id: UUID):
    """From the step it stopped at; the steps it finished are not repeated. 409 unless failed."""
    return rules.run_retry(actor=request.user, run_id=run_id)
