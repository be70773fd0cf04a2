"""API for duplicates and merges: the candidate list, "not a duplicate", scans, merge and undo.

Registered on the customers router, imported by ``clientela.api``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from ninja import Query, Schema, Status
from pydantic import Field

from clientela.customers import selectors_dedup
from clientela.customers.api import router
from clientela.customers.models import DuplicateCandidate, MergeRecord
from clientela.customers.services import dedup as dedup_services
from clientela.customers.services import merge as merge_services
from clientela.platform.api import PageParams
from clientela.platform.http import AuthedRequest
from clientela.platform.pagination import paginate

ObjectType = Literal["customers.contact", "customers.account"]
Choice = Literal["survivor", "merged"]


class RecordRef(Schema):
    id: int
    label: str


class Reason(Schema):
    field: str = Field(description="The field that agreed: first, last, email, phone, tax, …")
    similarity: float = Field(description="0..1, 1 meaning the same value")


class CandidateOut(Schema):
    id: int
    object_type: str
    left: RecordRef
    right: RecordRef
    score: float = Field(description="0..1 weighted similarity of the two records")
    reasons: list[Reason]
    status: str
    found_at: datetime


class CandidatePage(Schema):
    items: list[CandidateOut]
    next_cursor: str | None


class CandidateFilters(PageParams):
    object_type: ObjectType | None = None
    min_score: float = Field(default=0.0, ge=0.0, le=1.0)


class ScanIn(Schema):
    object_type: ObjectType | None = Field(default=None, description="Both kinds when omitted")


class ScanOut(Schema):
    id: str
    status: str = Field(description="READY, RUNNING, SUCCESSFUL or FAILED")
    progress: dict[str, Any] = {}
    results: list[dict[str, Any]] | None = None


class MergeIn(Schema):
    merged_id: int = Field(description="The record that disappears into the survivor")
    choices: dict[str, Choice] = Field(
        default_factory=dict,
        description="Per field, whose value the survivor keeps; blanks are filled otherwise",
    )


class MergeOut(Schema):
    id: int
    object_type: str
    survivor_id: int
    merged_id: int
    merged_at: datetime
    undone_at: datetime | None
    merged_by_id: int | None


class MergePage(Schema):
    items: list[MergeOut]
    next_cursor: str | None


class MergeFilters(PageParams):
    object_type: ObjectType | None = None


def _candidate_out(row: selectors_dedup.PairRow) -> dict[str, Any]:
    c: DuplicateCandidate = row.candidate
    return {
        "id": c.pk,
        "object_type": c.object_type,
        "left": {"id": c.left_id, "label": str(row.left or "")},
        "right": {"id": c.right_id, "label": str(row.right or "")},
        "score": c.score,
        "reasons": c.reasons,
        "status": c.status,
        "found_at": c.found_at,
    }


@router.get("/duplicates", response=CandidatePage, summary="Possible duplicates")
def list_duplicates(request: AuthedRequest, params: Query[CandidateFilters]):
    page = paginate(
        selectors_dedup.candidate_list(
            request.user, object_type=params.object_type, min_score=params.min_score
        ),
        ordering=("-score", "id"),
        cursor=params.cursor,
        limit=params.limit,
    )
    rows = selectors_dedup.with_records(page.items)
    return {"items": [_candidate_out(r) for r in rows], "next_cursor": page.next_cursor}


@router.post("/duplicates/{candidate_id}/dismiss", response=CandidateOut, summary="Not a duplicate")
def dismiss_duplicate(request: AuthedRequest, candidate_id: int):
    candidate = dedup_services.candidate_dismiss(actor=request.user, candidate_id=candidate_id)
    return _candidate_out(selectors_dedup.with_records([candidate])[0])


@router.post("/duplicate-scans", response={202: ScanOut}, summary="Start a duplicate scan")
def start_scan(request: AuthedRequest, payload: ScanIn):
    scan_id = dedup_services.dedup_scan_start(
        actor=request.user, object_type=payload.object_type or ""
    )
    return Status(202, dedup_services.dedup_scan_status(actor=request.user, scan_id=scan_id))


@router.get("/duplicate-scans/{scan_id}", response=ScanOut, summary="A duplicate scan's progress")
def get_scan(request: AuthedRequest, scan_id: str):
    return dedup_services.dedup_scan_status(actor=request.user, scan_id=scan_id[:100])


@router.post(
    "/contacts/{survivor_id}/merge", response={201: MergeOut}, summary="Merge two contacts"
)
def merge_contacts(request: AuthedRequest, survivor_id: int, payload: MergeIn):
    record = merge_services.contact_merge(
        actor=request.user,
        survivor_id=survivor_id,
        merged_id=payload.merged_id,
        choices=dict(payload.choices),
    )
    return Status(201, record)


@router.post(
    "/accounts/{survivor_id}/merge", response={201: MergeOut}, summary="Merge two accounts"
)
def merge_accounts(request: AuthedRequest, survivor_id: int, payload: MergeIn):
    record = merge_services.account_merge(
        actor=request.user,
        survivor_id=survivor_id,
        merged_id=payload.merged_id,
        choices=dict(payload.choices),
    )
    return Status(201, record)


@router.get("/merges", response=MergePage, summary="Merges, newest first")
def list_merges(request: AuthedRequest, params: Query[MergeFilters]):
    return paginate(
        selectors_dedup.merge_list(request.user, object_type=params.object_type),
        ordering=("-id",),
        cursor=params.cursor,
        limit=params.limit,
    )


@router.post("/merges/{merge_id}/undo", response=MergeOut, summary="Undo a merge")
def undo_merge(request: AuthedRequest, merge_id: int) -> MergeRecord:
    return merge_services.merge_undo(actor=request.user, merge_id=merge_id)
