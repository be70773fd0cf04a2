"""Bulk actions from the lists: assign an owner, add tags, delete — all or nothing.

Every record goes through its type's own update or delete service (which use the platform's
record services) or ``tags_add``, so each one is permission-checked, audited and announced
exactly as a single edit would be. One refused record (not visible, not editable, protected by
others) cancels the whole batch; the error lists every refused record so the user can fix the
selection and try again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import models, transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from clientela.customers.models import Account, Contact, Lead
from clientela.customers.selectors_lists import MATCHING_CAP, visible_ids
from clientela.customers.services.accounts import account_delete, account_update
from clientela.customers.services.contacts import contact_delete, contact_update
from clientela.customers.services.leads import lead_delete, lead_update
from clientela.customers.services.tags import tags_add
from clientela.platform import permissions, registry
from clientela.platform.errors import DomainError, PermissionDenied, ValidationFailed
from clientela.platform.models import User

ACTIONS = ("assign_owner", "add_tag", "delete")
MAX_REFUSALS_LISTED = 50

# Each record type's own update and delete services: their business rules (a converted lead
# stays, for one) hold in bulk too, and they go through the platform's record services.
Update = Callable[[User, int, dict[str, Any]], Any]
Delete = Callable[[User, int], Any]
WRITERS: dict[type[models.Model], tuple[Update, Delete]] = {
    Account: (
        lambda actor, pk, values: account_update(actor=actor, account_id=pk, values=values),
        lambda actor, pk: account_delete(actor=actor, account_id=pk),
    ),
    Contact: (
        lambda actor, pk, values: contact_update(actor=actor, contact_id=pk, values=values),
        lambda actor, pk: contact_delete(actor=actor, contact_id=pk),
    ),
    Lead: (
        lambda actor, pk, values: lead_update(actor=actor, lead_id=pk, values=values),
        lambda actor, pk: lead_delete(actor=actor, lead_id=pk),
    ),
}


@dataclass(frozen=True)
class BulkResult:
    action: str
    count: int


def clean_ids(ids: Any) -> list[int]:
    """Distinct positive integer ids, at most ``MATCHING_CAP`` of them."""
    if not isinstance(ids, list | tuple) or not ids:
        raise ValidationFailed(errors={"ids": [_("Select at least one record.")]})
    if len(ids) > MATCHING_CAP:
        raise ValidationFailed(
            errors={
                "ids": [_("Select at most %(n)s records at once.") % {"n": f"{MATCHING_CAP:,}"}]
            }
        )
    cleaned: dict[int, None] = {}
    for value in ids:
        text = str(value).strip()
        if isinstance(value, bool) or not text.isdigit() or len(text) > 18:
            raise ValidationFailed(errors={"ids": [_("Record ids are whole numbers.")]})
        cleaned[int(text)] = None
    return list(cleaned)


def _refused(failures: dict[int, str]) -> ValidationFailed:
    listed = [
        _("#%(id)s: %(reason)s") % {"id": pk, "reason": reason}
        for pk, reason in list(failures.items())[:MAX_REFUSALS_LISTED]
    ]
    if len(failures) > MAX_REFUSALS_LISTED:
        listed.append(_("…and %(n)d more.") % {"n": len(failures) - MAX_REFUSALS_LISTED})
    message = ngettext(
        "Nothing was changed: %(n)d record was refused.",
        "Nothing was changed: %(n)d records were refused.",
        len(failures),
    ) % {"n": len(failures)}
    return ValidationFailed(message, code="bulk_refused", errors={"ids": listed})


def _run_each(
    actor: User, model: type[models.Model], action: str, ids: list[int], step: Callable[[int], Any]
) -> int:
    """Check the actor may ``action`` every id, then run ``step`` per id in one transaction."""
    permissions.require(actor, registry.for_model(model).key, action)
    seen = visible_ids(actor, model, ids)
    failures = {pk: str(_("Not found.")) for pk in ids if pk not in seen}
    if failures:
        raise _refused(failures)
    with transaction.atomic():
        for pk in ids:
            try:
                step(pk)
            except PermissionDenied:
                raise
            except DomainError as exc:
                failures[pk] = "; ".join(
                    [str(exc.message)] + [str(m) for v in exc.errors.values() for m in v]
                )
        if failures:
            raise _refused(failures)
    return len(ids)


def bulk_assign_owner(
    *, actor: User, model: type[models.Model], ids: Any, owner: Any, team: Any = None
) -> BulkResult:
    """Give every record a new owner (and team); the actor's scope rules apply to each."""
    ids = clean_ids(ids)
    if owner in (None, ""):
        raise ValidationFailed(errors={"owner": [_("Choose the new owner.")]})
    values = {"owner": owner, "team": team}
    update = WRITERS[model][0]
    count = _run_each(actor, model, "edit", ids, lambda pk: update(actor, pk, values))
    return BulkResult("assign_owner", count)


def bulk_add_tag(*, actor: User, model: type[models.Model], ids: Any, names: Any) -> BulkResult:
    ids = clean_ids(ids)
    if not names or (isinstance(names, str) and not names.strip()):
        raise ValidationFailed(errors={"tags": [_("Enter the tag to add.")]})
    permissions.require(actor, registry.for_model(model).key, "edit")
    seen = visible_ids(actor, model, ids)
    failures = {pk: str(_("Not found.")) for pk in ids if pk not in seen}
    if failures:
        raise _refused(failures)
    records = list(model._default_manager.filter(pk__in=ids))
    tags_add(actor=actor, records=records, names=names)
    return BulkResult("add_tag", len(records))


def bulk_delete(*, actor: User, model: type[models.Model], ids: Any) -> BulkResult:
    ids = clean_ids(ids)
    delete = WRITERS[model][1]
    count = _run_each(actor, model, "delete", ids, lambda pk: delete(actor, pk))
    return BulkResult("delete", count)


def bulk_action(
    *, actor: User, model: type[models.Model], action: str, ids: Any, **options: Any
) -> BulkResult:
    """One entry point for the page and the API: ``action`` is one of ``ACTIONS``."""
    if action == "assign_owner":
        return bulk_assign_owner(
            actor=actor, model=model, ids=ids, owner=options.get("owner"), team=options.get("team")
        )
    if action == "add_tag":
        return bulk_add_tag(actor=actor, model=model, ids=ids, names=options.get("tags"))
    if action == "delete":
        return bulk_delete(actor=actor, model=model, ids=ids)
    raise ValidationFailed(errors={"action": [_("Unknown action.")]})
