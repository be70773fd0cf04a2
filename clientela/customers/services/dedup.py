"""Writes around the duplicate list: start a scan, answer "not a duplicate"."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from clientela.customers import dedup, selectors_dedup
from clientela.customers.models import DuplicateCandidate
from clientela.platform import audit, events, permissions
from clientela.platform.errors import NotFound, PermissionDenied, ValidationFailed
from clientela.platform.models import User


def can_scan(actor: User, object_type: str = "") -> bool:
    """Scanning (and merging) is for those who may delete such records: managers and admins."""
    chosen = [object_type] if object_type else list(dedup.OBJECT_TYPES)
    return all(permissions.can(actor, t, "delete") for t in chosen)


def dedup_scan_start(*, actor: User, object_type: str = "") -> str:
    """Queue a scan; returns the task result id to follow its progress."""
    if object_type and object_type not in dedup.OBJECT_TYPES:
        raise ValidationFailed(errors={"object_type": [_("Choose contacts or accounts.")]})
    if not can_scan(actor, object_type):
        raise PermissionDenied()
    result = dedup.dedup_scan.enqueue(object_type=object_type)
    return str(result.id)


def dedup_scan_status(*, actor: User, scan_id: Any) -> dict[str, Any]:
    """Status of a queued scan: ``status`` (READY, RUNNING, SUCCESSFUL, FAILED) and progress."""
    if not can_scan(actor):
        raise PermissionDenied()
    try:
        result = dedup.dedup_scan.get_result(str(scan_id))
    except Exception:  # unknown or malformed id: the backends raise different errors
        raise NotFound() from None
    status = str(result.status.value if hasattr(result.status, "value") else result.status)
    progress = dedup.scan_progress(str(result.id)) or {}
    results = result.return_value if status == "SUCCESSFUL" else progress.get("results")
    return {"id": str(result.id), "status": status, "progress": progress, "results": results}


def candidate_dismiss(*, actor: User, candidate_id: Any) -> DuplicateCandidate:
    """ "Not a duplicate": the pair leaves the list and later scans do not bring it back."""
    candidate = selectors_dedup.candidate_get(actor, candidate_id)
    permissions.require(actor, candidate.object_type, "edit")
    with transaction.atomic():
        locked = DuplicateCandidate.objects.select_for_update().filter(pk=candidate.pk).first()
        if locked is None or locked.status != "open":
            raise NotFound()
        locked.status = "dismissed"
        locked.save(update_fields=["status"])
        audit.record(
            actor=actor,
            action="dismiss",
            obj=locked,
            changes={"status": ["open", "dismissed"]},
            object_type="customers.duplicate",
        )
    events.emit(events.Event("customers.duplicate.dismissed", actor.pk, {"id": locked.pk}))
    return locked
