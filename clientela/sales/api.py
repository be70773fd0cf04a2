"""API for sales: opportunities (CRUD, filtered keyset list, moves, stage history), pipelines
with their stages, and a pipeline's board."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from clientela.platform import permissions
from clientela.platform.api import PageParams
from clientela.platform.errors import NotFound, PermissionDenied, ValidationFailed
from clientela.platform.http import AuthedRequest
from clientela.platform.pagination import paginate
from clientela.sales import selectors, services
from clientela.sales.models import Opportunity, Pipeline
from clientela.sales.schemas import (
    BoardOut,
    Id,
    MoveIn,
    OpportunityIn,
    OpportunityOut,
    OpportunityPage,
    OpportunityPatch,
    PipelineIn,
    PipelineOut,
    PipelinePage,
    PipelinePatch,
    Sort,
    StageChangeOut,
    StatusValue,
)

router = Router(tags=["sales"])
REFERENCES = {f"{n}_id": n for n in ("owner", "team", "account", "lead", "pipeline", "stage")}
# Each backed by the (created_at, id) index; a cursor carries its sort, as the customer lists'.
SORTS = {"-created": ("-created_at", "-id"), "created": ("created_at", "id")}
CURSOR = "Where the previous page ended (its `next_cursor`); omit for the first page."
LIMIT = "Items per page, 1 to 200."


class OpportunityQuery(PageParams):
    cursor: str | None = Field(default=None, max_length=500, description=CURSOR)
    limit: int = Field(default=50, ge=1, le=200, description=LIMIT)
    pipeline: Id | None = Field(default=None, description="Only this pipeline's deals.")
    stage: Id | None = Field(default=None, description="Only the deals in this stage.")
    status: StatusValue | None = Field(default=None, description="open, won or lost.")
    owner: Id | None = Field(default=None, description="Only this user's deals.")
    team: Id | None = Field(default=None, description="Only this team's deals.")
    account: Id | None = Field(default=None, description="Only the deals with this account.")
    contact: Id | None = Field(default=None, description="Only the deals with this contact.")
    close_from: date | None = Field(default=None, description="Expected to close on or after.")
    close_to: date | None = Field(default=None, description="Expected to close on or before.")
    q: str = Field(
        default="", max_length=100, description="Words in the deal's or its account's name."
    )
    sort: Sort = Field(
        default="-created", description="`-created` (newest first) or `created` (oldest first)."
    )


class BoardQuery(Schema):
    owner: Id | None = Field(default=None, description="Only this user's deals.")
    team: Id | None = Field(default=None, description="Only this team's deals.")
    close_from: date | None = Field(default=None, description="Expected to close on or after.")
    close_to: date | None = Field(default=None, description="Expected to close on or before.")


class PipelineQuery(PageParams):
    cursor: str | None = Field(default=None, max_length=500, description=CURSOR)
    limit: int = Field(default=50, ge=1, le=200, description=LIMIT)
    include_inactive: bool = Field(default=False, description="Also the retired pipelines.")


def _values(payload: Any) -> dict[str, Any]:
    """Schema fields that were sent, as service values (``account_id`` → ``account`` …)."""
    return {REFERENCES.get(k, k): v for k, v in payload.dict(exclude_unset=True).items()}


def _pipeline_values(payload: PipelineIn | PipelinePatch) -> dict[str, Any]:
    """Each stage whole: a setting left out of a listed stage takes its default."""
    values = payload.dict(exclude_unset=True)
    if payload.stages is not None:
        values["stages"] = [stage.dict() for stage in payload.stages]
    return values


def _page(rows: QuerySet[Opportunity], sort: str, cursor: str | None, limit: int) -> Any:
    """A keyset page whose cursor names its sort: one from another order is refused (422)
    rather than skipping or repeating rows."""
    inner = None
    if cursor:
        key, dot, inner = cursor.partition(".")
        if not dot or key != sort:
            message = _(
                "This cursor belongs to another sort order; start again from the first page."
            )
            raise ValidationFailed(errors={"cursor": [message]})
    page = paginate(rows, ordering=SORTS[sort], cursor=inner, limit=limit)
    next_cursor = f"{sort}.{page.next_cursor}" if page.next_cursor else None
    return {"items": page.items, "next_cursor": next_cursor}


def _reader(request: AuthedRequest) -> None:
    """Pipelines are the company's sales policy: whoever may see deals reads them (to file and
    move deals), as does whoever may see the settings."""
    actor = request.user
    if not (
        permissions.can(actor, services.PIPELINE_KEY, "view")
        or permissions.can(actor, services.KEY, "view")
    ):
        raise PermissionDenied()


def _pipeline(request: AuthedRequest, pipeline_id: Any) -> Pipeline:
    _reader(request)
    pipeline = selectors.pipeline_get(pipeline_id)
    if pipeline is None:
        raise NotFound()
    return pipeline


# --- opportunities ------------------------------------------------------------------------


@router.get("/opportunities", response=OpportunityPage, summary="Opportunities, filtered")
def list_opportunities(request: AuthedRequest, params: Query[OpportunityQuery]):
    """The deals you may see; a cursor from another `sort` answers 422."""
    filters = selectors.OpportunityFilters(
        pipeline_id=params.pipeline,
        stage_id=params.stage,
        status=params.status or "",
        owner_id=params.owner,
        team_id=params.team,
        account_id=params.account,
        contact_id=params.contact,
        close_from=params.close_from,
        close_to=params.close_to,
        query=params.q,
    )
    rows = selectors.opportunity_list(request.user, filters).prefetch_related("contact_roles")
    return _page(rows, params.sort, params.cursor, params.limit)


@router.post("/opportunities", response={201: OpportunityOut}, summary="Create an opportunity")
def create_opportunity(request: AuthedRequest, payload: OpportunityIn):
    """It enters the stage given, else its pipeline's first open stage (the default pipeline's
    when none is given); the stage's required fields must be filled (422 naming them). A
    linked record you may not see answers 404 naming the field."""
    deal = services.opportunity_create(actor=request.user, values=_values(payload))
    return Status(201, selectors.opportunity_get(request.user, deal.pk))


@router.get("/opportunities/{opportunity_id}", response=OpportunityOut, summary="One opportunity")
def get_opportunity(request: AuthedRequest, opportunity_id: int):
    return selectors.opportunity_get(request.user, opportunity_id)


@router.patch(
    "/opportunities/{opportunity_id}", response=OpportunityOut, summary="Change an opportunity"
)
def patch_opportunity(request: AuthedRequest, opportunity_id: int, payload: OpportunityPatch):
    """Only the fields sent change; a new stage_id moves the deal as the move endpoint does."""
    services.opportunity_update(
        actor=request.user, opportunity_id=opportunity_id, values=_values(payload)
    )
    return selectors.opportunity_get(request.user, opportunity_id)


@router.delete(
    "/opportunities/{opportunity_id}", response={204: None}, summary="Delete an opportunity"
)
def delete_opportunity(request: AuthedRequest, opportunity_id: int):
    services.opportunity_delete(actor=request.user, opportunity_id=opportunity_id)
    return Status(204, None)


@router.post(
    "/opportunities/{opportunity_id}/move",
    response=OpportunityOut,
    summary="Move an opportunity to a stage",
)
def move_opportunity(request: AuthedRequest, opportunity_id: int, payload: MoveIn):
    """The board's drag and drop. A stage whose required fields the deal (with `values`) leaves
    blank answers 422 with one error per missing field, keyed as in `required_fields`, and the
    deal stays where it was. Entering a stage sets status, probability and forecast category,
    keeps a history entry and creates the stage's guidance activities."""
    values = payload.values.dict(exclude_unset=True) if payload.values is not None else None
    services.opportunity_move(
        actor=request.user, opportunity_id=opportunity_id, stage_id=payload.stage, values=values
    )
    return selectors.opportunity_get(request.user, opportunity_id)


@router.get(
    "/opportunities/{opportunity_id}/history",
    response=list[StageChangeOut],
    summary="An opportunity's stage changes, oldest first",
)
def opportunity_history(request: AuthedRequest, opportunity_id: int):
    deal = selectors.opportunity_get(request.user, opportunity_id)
    return list(selectors.stage_history(request.user, deal))


# --- pipelines ----------------------------------------------------------------------------


@router.get("/pipelines", response=PipelinePage, summary="Pipelines with their stages")
def list_pipelines(request: AuthedRequest, params: Query[PipelineQuery]):
    _reader(request)
    rows = selectors.pipelines(active_only=not params.include_inactive)
    return paginate(
        rows.prefetch_related("stages"),
        ordering=("position", "id"),
        cursor=params.cursor,
        limit=params.limit,
    )


@router.post("/pipelines", response={201: PipelineOut}, summary="Create a pipeline")
def create_pipeline(request: AuthedRequest, payload: PipelineIn):
    """A name in use or bad stages answer 422 with errors keyed `stages.<n>.<field>`."""
    pipeline = services.pipeline_create(actor=request.user, values=_pipeline_values(payload))
    return Status(201, _pipeline(request, pipeline.pk))


@router.get("/pipelines/{pipeline_id}", response=PipelineOut, summary="One pipeline")
def get_pipeline(request: AuthedRequest, pipeline_id: int):
    return _pipeline(request, pipeline_id)


@router.patch("/pipelines/{pipeline_id}", response=PipelineOut, summary="Change a pipeline")
def patch_pipeline(request: AuthedRequest, pipeline_id: int, payload: PipelinePatch):
    """`stages` replaces the list: stages named by `id` are kept, the others added, missing ones
    removed; removing a stage that holds deals answers 422 and nothing changes."""
    services.pipeline_update(
        actor=request.user, pipeline_id=pipeline_id, values=_pipeline_values(payload)
    )
    return _pipeline(request, pipeline_id)


@router.delete("/pipelines/{pipeline_id}", response={204: None}, summary="Delete a pipeline")
def delete_pipeline(request: AuthedRequest, pipeline_id: int):
    """The default pipeline, or one that holds deals, answers 409."""
    services.pipeline_delete(actor=request.user, pipeline_id=pipeline_id)
    return Status(204, None)


@router.get(
    "/pipelines/{pipeline_id}/board", response=BoardOut, summary="A pipeline's board by stage"
)
def pipeline_board(request: AuthedRequest, pipeline_id: int, params: Query[BoardQuery]):
    """Per stage the deals you may see: count, total and probability-weighted total in the
    company's currency, and the first cards."""
    pipeline = _pipeline(request, pipeline_id)
    filters = selectors.OpportunityFilters(
        owner_id=params.owner,
        team_id=params.team,
        close_from=params.close_from,
        close_to=params.close_to,
    )
    return selectors.board(request.user, pipeline, filters, currency=services.company_currency())
