"""Merging two contacts (or two accounts) into one, and undoing it.

The survivor keeps its id and takes, field by field, its own value or the merged record's (a
custom field is chosen as ``custom.<key>``, like a built-in one);
everything that pointed at the merged record is re-linked by the registered relinkers
(``clientela.customers.merge``); the merged record is deleted. A ``MergeRecord`` keeps the
merged row as it was, the survivor's fields before, and each relinker's note, so undo brings
the merged record back with its original id and moves every re-linked row back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clientela.customers import merge
from clientela.customers.models import Account, Contact, ContactPoint, MergeRecord
from clientela.platform import audit, customfields, events, permissions
from clientela.platform.errors import Conflict, NotFound, ValidationFailed
from clientela.platform.models import Tag, User

SURVIVOR, MERGED = "survivor", "merged"
CUSTOM = customfields.COLUMN


@dataclass(frozen=True)
class MergeKind:
    object_type: str
    model: type[Account] | type[Contact]
    fields: tuple[str, ...]
    spare: tuple[tuple[str, str], ...] = ()  # (field, point kind) kept as a further point


CONTACT_KIND = MergeKind(
    "customers.contact",
    Contact,
    (
        *("first_name", "last_name", "email", "phone", "tax_id", "job_title", "account"),
        *("language", "preferred_channel", "birthday", "age_band", "gender", "income_band"),
        *("education", "description", "external_id", "owner", "team"),
    ),
    (("email", "email"), ("phone", "phone")),
)
ACCOUNT_KIND = MergeKind(
    "customers.account",
    Account,
    (
        *("name", "kind", "tax_id", "country", "industry", "size_band", "phone", "email"),
        *("website", "lifecycle", "relationship", "parent", "description", "external_id"),
        *("owner", "team"),
    ),
    (("email", "email"), ("phone", "phone")),
)
KINDS = {k.object_type: k for k in (CONTACT_KIND, ACCOUNT_KIND)}


def _attname(kind: MergeKind, name: str) -> str:
    return kind.model._meta.get_field(name).attname  # type: ignore[union-attr]


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def custom_choices(kind: MergeKind) -> list[str]:
    """The custom fields a merge chooses like built-in ones, as ``custom.<key>``."""
    return [f"{CUSTOM}.{item.key}" for item in customfields.definitions(kind.object_type)]


def _side(choices: dict[str, str], name: str, mine: Any, theirs: Any) -> str:
    """The side chosen for a field; by default the survivor's value unless it is blank."""
    return choices.get(name) or (MERGED if _empty(mine) and not _empty(theirs) else SURVIVOR)


def _custom_values(
    kind: MergeKind, survivor: models.Model, merged: models.Model, choices: dict[str, str]
) -> dict[str, Any] | None:
    """The survivor's custom values: each field from the chosen side; values of fields that
    no longer exist stay as they were."""
    mine = getattr(survivor, CUSTOM) or {}
    theirs = getattr(merged, CUSTOM) or {}
    result = dict(mine)
    for name in custom_choices(kind):
        key = name.removeprefix(f"{CUSTOM}.")
        if _side(choices, name, mine.get(key), theirs.get(key)) == MERGED:
            if theirs.get(key) is None:
                result.pop(key, None)
            else:
                result[key] = theirs[key]
    return result or None


def chosen_values(
    kind: MergeKind, survivor: models.Model, merged: models.Model, choices: dict[str, str]
) -> dict[str, Any]:
    """The survivor's new column values: the choice per field, else its own unless blank."""
    errors: dict[str, list[str]] = {}
    allowed = {*kind.fields, *custom_choices(kind)}
    for name, side in choices.items():
        if name not in allowed:
            errors[name] = [_("This field cannot be chosen in a merge.")]
        elif side not in (SURVIVOR, MERGED):
            errors[name] = [_("Choose the survivor's or the merged record's value.")]
    if errors:
        raise ValidationFailed(errors=errors)
    values = {}
    for name in kind.fields:
        column = _attname(kind, name)
        mine, theirs = getattr(survivor, column), getattr(merged, column)
        values[column] = theirs if _side(choices, name, mine, theirs) == MERGED else mine
    values[CUSTOM] = _custom_values(kind, survivor, merged, choices)
    return values


def _audited(dumped: dict[str, Any]) -> dict[str, Any]:
    """A dumped row as the audit compares it: each custom field under ``custom.<key>``."""
    custom = dumped.get(CUSTOM) or {}
    values = {k: v for k, v in dumped.items() if k != CUSTOM}
    values.update({f"{CUSTOM}.{k}": v for k, v in custom.items()})
    return values


def _load_pair(
    kind: MergeKind, actor: User, survivor_id: Any, merged_id: Any
) -> tuple[models.Model, models.Model]:
    queryset = kind.model._default_manager.all()
    survivor = permissions.get_for_action(actor, queryset, survivor_id, "edit")
    merged = permissions.get_for_action(actor, queryset, merged_id, "delete")
    if survivor.pk == merged.pk:
        raise ValidationFailed(errors={"merged_id": [_("A record cannot be merged into itself.")]})
    return survivor, merged


def merge_preview(
    *, actor: User, object_type: str, survivor_id: Any, merged_id: Any, choices: dict[str, str]
) -> dict[str, Any]:
    """What the survivor would look like, without writing anything."""
    kind = _kind(object_type)
    survivor, merged = _load_pair(kind, actor, survivor_id, merged_id)
    return chosen_values(kind, survivor, merged, choices)


def _kind(object_type: str) -> MergeKind:
    try:
        return KINDS[object_type]
    except KeyError:
        raise NotFound() from None


def _owner_field(kind: MergeKind) -> str:
    return kind.object_type.split(".")[1]  # "contact" or "account" on ContactPoint


def _spare_points(
    kind: MergeKind, survivor: Any, values: dict[str, Any], before: dict[str, Any], lost: Any
) -> merge.Note:
    """Primary e-mails and phones that lose the choice stay on the survivor as further points."""
    created = []
    owner = {_owner_field(kind): survivor}
    for field, point_kind in kind.spare:
        for value in (before[field], getattr(lost, field)):
            if not value or value == values[field]:
                continue
            if not ContactPoint.objects.filter(**owner, kind=point_kind, value=value).exists():
                created.append(
                    ContactPoint.objects.create(**owner, kind=point_kind, value=value).pk
                )
    return {"ids": created}


def _apply_fields(kind: MergeKind, survivor: Any, merged: Any, values: dict[str, Any]) -> None:
    if "external_id" in values and values["external_id"] and merged.external_id:
        # The merged row still exists until the end; free its unique external id now.
        kind.model._default_manager.filter(pk=merged.pk).update(external_id="")
    for column, value in values.items():
        setattr(survivor, column, value)
    if kind is CONTACT_KIND:
        survivor.do_not_contact = survivor.do_not_contact or merged.do_not_contact
    elif survivor.parent_id in (survivor.pk, merged.pk):
        survivor.parent_id = None
    survivor.save()


def _move_tags(survivor: Any, merged: Any) -> merge.Note:
    mine = set(survivor.tags.values_list("pk", flat=True))
    added = [pk for pk in merged.tags.values_list("pk", flat=True) if pk not in mine]
    survivor.tags.add(*added)
    return {"ids": added}


def _run_merge(
    kind: MergeKind, actor: User, survivor: Any, merged: Any, choices: dict[str, str]
) -> tuple[MergeRecord, dict[str, Any]]:
    values = chosen_values(kind, survivor, merged, choices)
    before = merge.dump(survivor)
    lost = merge.dump(merged) | {"tags": list(merged.tags.values_list("pk", flat=True))}
    notes = [
        {"name": r.name, "note": r.apply(survivor.pk, merged.pk)}
        for r in merge.relinkers(kind.object_type)
    ]
    notes.append({"name": "tags", "note": _move_tags(survivor, merged)})
    notes.append(
        {"name": "spare_points", "note": _spare_points(kind, survivor, values, before, merged)}
    )
    _apply_fields(kind, survivor, merged, values)
    notes.append({"name": "fields", "note": {"after": merge.dump(survivor)}})
    left = merge.unlinked_references(kind.model, merged.pk)
    if left:
        raise Conflict(
            _("Other records still point at the merged record: %(kinds)s.")
            % {"kinds": ", ".join(left)},
            code="merge_unlinked",
        )
    merged.delete()
    return MergeRecord.objects.create(
        object_type=kind.object_type,
        survivor_id=survivor.pk,
        merged_id=lost["id"],
        survivor_before=before,
        merged_snapshot=lost,
        relinks=notes,
        merged_by=actor,
    ), before


def _merge(
    kind: MergeKind, actor: User, survivor_id: Any, merged_id: Any, choices: dict[str, str]
) -> MergeRecord:
    survivor, merged = _load_pair(kind, actor, survivor_id, merged_id)
    with transaction.atomic():
        manager = kind.model._default_manager
        locked = {
            r.pk: r
            for r in manager.select_for_update()
            .filter(pk__in=[survivor.pk, merged.pk])
            .order_by("pk")
        }
        if len(locked) != 2:
            raise NotFound()
        survivor, merged = locked[survivor.pk], locked[merged.pk]
        merged_label = str(merged)
        record, before = _run_merge(kind, actor, survivor, merged, choices)
        changes = audit.diff(_audited(before), _audited(merge.dump(survivor)))
        audit.record(
            actor=actor,
            action="merge",
            obj=survivor,
            changes={**changes, "merged_id": [None, record.merged_id]},
        )
        merged.pk = record.merged_id
        audit.record(
            actor=actor,
            action="merge",
            obj=merged,
            changes={"merged_into": [None, survivor.pk], "name": [merged_label, None]},
        )
    payload = {"merge_id": record.pk, "survivor_id": survivor.pk, "merged_id": record.merged_id}
    events.emit(events.Event(f"{kind.object_type}.merged", actor.pk, payload))
    return record


def contact_merge(
    *, actor: User, survivor_id: Any, merged_id: Any, choices: dict[str, str] | None = None
) -> MergeRecord:
    """Merge contact ``merged_id`` into ``survivor_id``; ``choices``: field → survivor|merged."""
    return _merge(CONTACT_KIND, actor, survivor_id, merged_id, choices or {})


def account_merge(
    *, actor: User, survivor_id: Any, merged_id: Any, choices: dict[str, str] | None = None
) -> MergeRecord:
    return _merge(ACCOUNT_KIND, actor, survivor_id, merged_id, choices or {})


# --- undo -----------------------------------------------------------------------------------


def _revert_survivor(
    kind: MergeKind, survivor: Any, record: MergeRecord, after: dict[str, Any]
) -> None:
    """Put back the fields the merge changed, unless somebody changed them again since (each
    custom field on its own: a later change of one keeps that one)."""
    current = merge.dump(survivor)
    for column, old in record.survivor_before.items():
        if column in ("id", "created_at", "updated_at", "search_text", CUSTOM):
            continue
        if current.get(column) == after.get(column) and old != current.get(column):
            field = next(f for f in kind.model._meta.concrete_fields if f.attname == column)
            setattr(survivor, column, field.to_python(old))
    if CUSTOM in record.survivor_before:
        custom = _reverted_custom(
            record.survivor_before[CUSTOM], after.get(CUSTOM), current.get(CUSTOM)
        )
        setattr(survivor, CUSTOM, custom)
    survivor.save()


def _reverted_custom(old: Any, after: Any, current: Any) -> dict[str, Any] | None:
    """Each custom value the merge set goes back to the survivor's own, if still as set."""
    old, after, result = old or {}, after or {}, dict(current or {})
    for key in old.keys() | after.keys():
        if result.get(key) == after.get(key) and old.get(key) != after.get(key):
            if old.get(key) is None:
                result.pop(key, None)
            else:
                result[key] = old[key]
    return result or None


def _undo_notes(kind: MergeKind, record: MergeRecord, survivor: Any, restored: Any) -> None:
    registered = {r.name: r for r in merge.relinkers(kind.object_type)}
    for item in reversed(record.relinks):
        name, note = item["name"], item["note"]
        if name == "fields":
            continue  # read by _revert_survivor
        if name == "tags":
            survivor.tags.remove(*note["ids"])
        elif name == "spare_points":
            ContactPoint.objects.filter(pk__in=note["ids"]).delete()
        elif name in registered:
            registered[name].undo(survivor.pk, restored.pk, note)
        else:
            raise Conflict(_("This merge can no longer be undone."), code="merge_undo_unknown")


def _restore_merged(kind: MergeKind, record: MergeRecord) -> Any:
    snapshot = dict(record.merged_snapshot)
    tags = snapshot.pop("tags", [])
    if kind.model._default_manager.filter(pk=record.merged_id).exists():
        raise Conflict(
            _("A record with the merged record's id exists again."), code="merge_undo_clash"
        )
    restored = merge.restore(kind.model, snapshot)
    restored.tags.set(Tag.objects.filter(pk__in=tags))
    return restored


def _run_undo(kind: MergeKind, record: MergeRecord, survivor: Any) -> Any:
    after: dict[str, Any] = next(
        (i["note"]["after"] for i in record.relinks if i["name"] == "fields"), {}
    )
    _revert_survivor(kind, survivor, record, after)
    restored = _restore_merged(kind, record)
    _undo_notes(kind, record, survivor, restored)
    survivor.save()  # its search text no longer holds what moved back
    record.undone_at = timezone.now()
    record.save(update_fields=["undone_at"])
    return restored


def merge_undo(*, actor: User, merge_id: Any) -> MergeRecord:
    """Bring the merged record back (same id) and move every re-linked row back to it."""
    record = MergeRecord.objects.filter(pk=merge_id).first() if str(merge_id).isdigit() else None
    if record is None or record.object_type not in KINDS:
        raise NotFound()
    kind = KINDS[record.object_type]
    manager = kind.model._default_manager
    permissions.get_for_action(actor, manager.all(), record.survivor_id, "edit")
    permissions.require(actor, kind.object_type, "delete")
    try:
        with transaction.atomic():
            record = MergeRecord.objects.select_for_update().get(pk=record.pk)
            if record.undone_at is not None:
                raise Conflict(_("This merge was already undone."), code="merge_already_undone")
            survivor = manager.select_for_update().get(pk=record.survivor_id)
            before = merge.dump(survivor)
            restored = _run_undo(kind, record, survivor)
            changes = audit.diff(_audited(before), _audited(merge.dump(survivor)))
            audit.record(
                actor=actor,
                action="unmerge",
                obj=survivor,
                changes={**changes, "restored_id": [None, restored.pk]},
            )
            audit.record(
                actor=actor,
                action="unmerge",
                obj=restored,
                changes={"split_from": [None, survivor.pk]},
            )
    except IntegrityError:
        raise Conflict(_("This merge can no longer be undone."), code="merge_undo_clash") from None
    payload = {
        "merge_id": record.pk,
        "survivor_id": record.survivor_id,
        "merged_id": record.merged_id,
    }
    events.emit(events.Event(f"{kind.object_type}.unmerged", actor.pk, payload))
    return record
