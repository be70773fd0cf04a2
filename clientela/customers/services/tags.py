"""Tags on customer records: free labels, created the first time somebody uses a name.

A name is trimmed, compared without regard to case (``VIP`` and ``vip`` are one tag) and kept as
first written. ``tags_set`` replaces a record's tags; ``tags_add`` adds to many records at once
(bulk tagging from the lists). Both check edit permission on every record and audit each change.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext as _

from clientela.platform import audit, events, permissions, registry
from clientela.platform.errors import NotFound, ValidationFailed
from clientela.platform.models import Tag, User

MAX_TAG_LENGTH = 50
MAX_TAGS = 20


def clean_tag_names(names: Any, errors: dict[str, list[str]], field: str = "tags") -> list[str]:
    """Trimmed, de-duplicated names; problems go to ``errors[field]``."""
    if names is None:
        return []
    if isinstance(names, str):
        names = names.split(",")
    if not isinstance(names, list | tuple):
        errors[field] = [_("Enter a list of tags.")]
        return []
    cleaned: dict[str, str] = {}
    for name in names:
        if not isinstance(name, str):
            errors[field] = [_("Each tag must be text.")]
            return []
        name = " ".join(name.split())
        if len(name) > MAX_TAG_LENGTH:
            errors[field] = [
                _("A tag has at most %(n)d characters: %(tag)s")
                % {"n": MAX_TAG_LENGTH, "tag": name[:60]}
            ]
            return []
        if name:
            cleaned.setdefault(name.casefold(), name)
    if len(cleaned) > MAX_TAGS:
        errors[field] = [_("A record has at most %(n)d tags.") % {"n": MAX_TAGS}]
        return []
    return list(cleaned.values())


def tag_objects(names: Iterable[str]) -> list[Tag]:
    """The tags with these names, creating the missing ones (safe when two users race)."""
    result = []
    for name in names:
        tag = Tag.objects.filter(name__iexact=name).order_by("id").first()
        if tag is None:
            try:
                with transaction.atomic():
                    tag = Tag.objects.create(name=name)
            except IntegrityError:
                tag = Tag.objects.get(name=name)
        result.append(tag)
    return result


def tag_names(record: models.Model) -> list[str]:
    return sorted((t.name for t in record.tags.all()), key=str.casefold)  # type: ignore[attr-defined]


def apply_tags(record: models.Model, names: Sequence[str]) -> None:
    """Replace the record's tags; the caller holds the transaction and writes the audit."""
    record.tags.set(tag_objects(names))  # type: ignore[attr-defined]


def _editable(actor: User, record: models.Model) -> models.Model:
    model = type(record)
    return permissions.get_for_action(actor, model._default_manager.all(), record.pk, "edit")


def _audit_tags(actor: User, record: models.Model, before: list[str]) -> bool:
    after = tag_names(record)
    changes = audit.diff({"tags": before}, {"tags": after})
    if not changes:
        return False
    audit.record(actor=actor, action="update", obj=record, changes=changes)
    key = registry.for_model(type(record)).key
    payload = {"id": record.pk, "fields": ["tags"], "changes": changes}
    events.emit(events.Event(f"{key}.updated", actor.pk, payload))
    return True


def tags_set(*, actor: User, record: models.Model, names: Any) -> list[str]:
    """Give ``record`` exactly these tags; returns the names it ends up with."""
    errors: dict[str, list[str]] = {}
    cleaned = clean_tag_names(names, errors)
    if errors:
        raise ValidationFailed(errors=errors)
    record = _editable(actor, record)
    with transaction.atomic():
        before = tag_names(record)
        apply_tags(record, cleaned)
        _audit_tags(actor, record, before)
    return tag_names(record)


def _editable_many(actor: User, records: list[models.Model]) -> list[models.Model]:
    """The records again, with their tags, if the actor may edit every one (one query a type)."""
    result: list[models.Model] = []
    for model in {type(r) for r in records}:
        permissions.require(actor, registry.for_model(model).key, "edit")
        ids = {r.pk for r in records if type(r) is model}
        found = list(
            permissions.visible_to(actor, model._default_manager.filter(pk__in=ids))
            .prefetch_related("tags")
            .order_by("pk")
        )
        if len(found) != len(ids):
            raise NotFound()
        result += found
    return result


def tags_add(*, actor: User, records: Iterable[models.Model], names: Any) -> int:
    """Add these tags to every record (all or none); returns how many records changed.

    Built for the lists' bulk action: a fixed number of queries to check and load the records,
    then one audit entry per record that gained a tag and one insert for all the links.
    """
    errors: dict[str, list[str]] = {}
    cleaned = clean_tag_names(names, errors)
    if errors:
        raise ValidationFailed(errors=errors)
    checked = _editable_many(actor, list(records))
    links: list[models.Model] = []
    changed = 0
    with transaction.atomic():
        tags = tag_objects(cleaned)
        for record in checked:
            rows = _add_to(actor, record, tags)
            changed += bool(rows)
            links += rows
        for through, grouped in _by_through(links).items():
            through.objects.bulk_create(grouped, ignore_conflicts=True)
    return changed


def _add_to(actor: User, record: models.Model, tags: list[Tag]) -> list[models.Model]:
    """The link rows ``record`` needs for ``tags``, after checking the limit and auditing."""
    before = sorted((t.name for t in record.tags.all()), key=str.casefold)  # type: ignore[attr-defined]
    have = {n.casefold() for n in before}
    new = [t for t in tags if t.name.casefold() not in have]
    if not new:
        return []
    if len(have) + len(new) > MAX_TAGS:
        raise ValidationFailed(
            errors={
                "tags": [
                    _("%(record)s would have more than %(n)d tags.")
                    % {"record": record, "n": MAX_TAGS}
                ]
            }
        )
    after = sorted(before + [t.name for t in new], key=str.casefold)
    changes = {"tags": [before, after]}
    audit.record(actor=actor, action="update", obj=record, changes=changes)
    key = registry.for_model(type(record)).key
    payload = {"id": record.pk, "fields": ["tags"], "changes": changes}
    events.emit(events.Event(f"{key}.updated", actor.pk, payload))
    through = type(record).tags.through  # type: ignore[attr-defined]
    column = f"{record._meta.model_name}_id"
    return [through(**{column: record.pk, "tag_id": t.pk}) for t in new]


def _by_through(links: list[models.Model]) -> dict[Any, list[models.Model]]:
    grouped: dict[Any, list[models.Model]] = {}
    for link in links:
        grouped.setdefault(type(link), []).append(link)
    return grouped
