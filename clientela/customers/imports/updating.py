"""Rows that update records which already exist: compared first, written where they change.

A re-import matches nearly every row to its record and changes few of them. The records' stored
values are read as plain tuples and compared with the rows; only the records a row changes are
loaded as model instances, changed, and written with one prepared UPDATE each. The row's
company becomes the contact's account (and a membership), and its address changes the
record's first address in place, or is added when the record has none. Its custom values are
merged into the record's: fields the file does not fill keep theirs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Model
from django.utils import timezone

from clientela.customers.imports.inserting import update_rows
from clientela.customers.imports.specs import CleanRow
from clientela.customers.models import Account, Address, Contact
from clientela.platform import customfields

if TYPE_CHECKING:
    from clientela.customers.imports.batch import Tally
    from clientela.customers.imports.writing import Writer

ADDRESS_FIELDS = ["street", "complement", "district", "city", "state", "postal_code", "country"]
CUSTOM = customfields.COLUMN


def write_updates(writer: Writer, tally: Tally) -> None:
    if not writer.updates:
        return
    usable = {pk: _usable(writer, rows, tally) for pk, rows in writer.updates.items()}
    usable = {pk: rows for pk, rows in usable.items() if rows}
    addresses = _current_addresses(writer, usable)
    touched = []
    for pk, values in _stored(writer, usable).items():
        rows = usable[pk]
        if _differs(writer, values, rows, addresses.get(pk)):
            touched.append(pk)
        else:
            tally.skipped += len(rows)
    if touched:
        _write(writer, {pk: usable[pk] for pk in touched}, addresses, tally)


def _usable(writer: Writer, rows: list[tuple[int, CleanRow]], tally: Tally) -> list[CleanRow]:
    """The rows that may update their record: a company that names no account the actor may
    see or create rejects its row, as it does a new one."""
    from clientela.customers.imports.batch import rejection

    usable = []
    for number, row in rows:
        if writer.model is Contact and row.company and row.company not in writer.known:
            message = writer.company_refusal()
            tally.rejected.append(
                rejection(writer.ctx.job, number, row.cells, {"company": [message]})
            )
        else:
            usable.append(row)
    return usable


def _stored(writer: Writer, usable: dict[int, list[CleanRow]]) -> dict[int, dict[str, Any]]:
    """The records' current values of every field the rows name (and the contact's account)."""
    named = {n for rows in usable.values() for row in rows for n in row.values}
    names = sorted(named - {"owner", "team"})
    if writer.model is Contact:
        names.append("account_id")
    found = writer.model._default_manager.filter(pk__in=list(usable)).values_list("pk", *names)
    return {int(pk): dict(zip(names, values, strict=True)) for pk, *values in found}


def _differs(
    writer: Writer, stored: dict[str, Any], rows: list[CleanRow], address: dict[str, Any] | None
) -> bool:
    """Whether ``apply`` (with the company and the address) would change anything."""
    for row in rows:
        for name, value in row.values.items():
            if value in ("", None) or name in ("owner", "team"):
                continue
            if name == "external_id" and stored.get("external_id"):
                continue
            if name == CUSTOM:
                if _custom_differs(stored[name], value):
                    return True
            elif stored[name] != value:
                return True
        if _parts_differ(writer, stored, row, address):
            return True
    return False


def _custom_differs(current: dict[str, Any] | None, values: dict[str, Any]) -> bool:
    """Whether the row's custom values change the stored ones (the others are kept)."""
    current = current or {}
    return any(current.get(k) != v for k, v in values.items())


def _parts_differ(
    writer: Writer, stored: dict[str, Any], row: CleanRow, address: dict[str, Any] | None
) -> bool:
    """Whether the row's company or address changes the record."""
    if row.company and writer.known[row.company].pk != stored["account_id"]:
        return True
    if not row.address:
        return False
    if address is None:
        return True
    return any(v and k in ADDRESS_FIELDS and address[k] != v for k, v in row.address.items())


def _write(
    writer: Writer,
    usable: dict[int, list[CleanRow]],
    addresses: dict[int, dict[str, Any]],
    tally: Tally,
) -> None:
    changed, fields = [], {"search_text", "updated_at"}
    now = timezone.now()
    records = writer.model._default_manager.filter(pk__in=list(usable))
    if writer.model is Contact:
        records = records.select_related("account")  # the search document names it
    moved: list[Address] = []
    for record in records:
        pk = int(record.pk)
        rows = usable[pk]
        changes: dict[str, list[Any]] = {}
        for row in rows:
            for name, (old, new) in apply(record, row).items():
                changes[name] = [changes.get(name, [old])[0], new]
            if row.company:
                _move(writer, record, writer.known[row.company], changes)
        changes = {k: v for k, v in changes.items() if v[0] != v[1]}
        with_address = [row.address for row in rows if row.address]
        if with_address:
            changes.update(_update_address(writer, pk, addresses.get(pk), with_address[-1], moved))
        if not changes:  # the rows undo each other
            tally.skipped += len(rows)
            continue
        record.search_text = writer.search_text(record)  # type: ignore[attr-defined]
        record.updated_at = now  # type: ignore[attr-defined]
        writer.changed[pk] = changes
        fields.update(_column(k) for k in changes if not k.startswith("address."))
        changed.append(record)
        tally.updated += len(rows)
    update_rows(changed, sorted(fields))
    update_rows(moved, ADDRESS_FIELDS)


def _column(change: str) -> str:
    """The column a change names: ``custom.tier`` is in ``custom``."""
    return CUSTOM if change.startswith(f"{CUSTOM}.") else change


def apply(record: Model, row: CleanRow) -> dict[str, list[Any]]:
    """The row's non-empty values win; an external id already set is kept. Returns the changes
    (a custom field's as ``custom.<key>``, as the services' audit names it)."""
    changes: dict[str, list[Any]] = {}
    for name, value in row.values.items():
        if value in ("", None) or name in ("owner", "team"):
            continue
        if name == "external_id" and record.__dict__.get("external_id"):
            continue
        if name == CUSTOM:
            _apply_custom(record, value, changes)
            continue
        old = getattr(record, name)
        if old != value:
            changes[name] = [old, value]
            setattr(record, name, value)
    return changes


def _apply_custom(record: Model, values: dict[str, Any], changes: dict[str, list[Any]]) -> None:
    current = getattr(record, CUSTOM) or {}
    changed = {k: v for k, v in values.items() if current.get(k) != v}
    if changed:
        for key, value in changed.items():
            changes[f"{CUSTOM}.{key}"] = [current.get(key), value]
        setattr(record, CUSTOM, {**current, **changed})


def _move(writer: Writer, record: Model, account: Account, changes: dict[str, list[Any]]) -> None:
    """The row's company becomes the contact's account (and one of its memberships)."""
    old = record.account_id  # type: ignore[attr-defined]
    if old != account.pk:
        record.account = account  # type: ignore[attr-defined]
        changes["account"] = [changes.get("account", [old])[0], account.pk]
        writer.joined.append((int(account.pk), int(record.pk)))


def _parent(writer: Writer) -> str:
    return "contact_id" if writer.model is Contact else "account_id"


def _current_addresses(
    writer: Writer, usable: dict[int, list[CleanRow]]
) -> dict[int, dict[str, Any]]:
    """The first address of each record a row brings an address for (its id and parts)."""
    if writer.model not in (Contact, Account):
        return {}
    wanting = [pk for pk, rows in usable.items() if any(r.address for r in rows)]
    if not wanting:
        return {}
    parent = _parent(writer)
    current: dict[int, dict[str, Any]] = {}
    found = Address.objects.filter(**{f"{parent}__in": wanting}).order_by("id")
    for values in found.values("id", parent, *ADDRESS_FIELDS):
        current.setdefault(int(values[parent]), values)
    return current


def _update_address(
    writer: Writer,
    pk: int,
    current: dict[str, Any] | None,
    values: dict[str, str],
    moved: list[Address],
) -> dict[str, list[Any]]:
    """The row's address: its non-empty parts change the record's address, or it is added."""
    if current is None:
        writer.new_addresses.append((pk, values))
        return {f"address.{k}": ["", v] for k, v in values.items() if v}
    address = Address(**{k: v for k, v in current.items()})
    changes = {}
    for name, value in values.items():
        old = current.get(name)
        if value and name in ADDRESS_FIELDS and old != value:
            setattr(address, name, value)
            changes[f"address.{name}"] = [old, value]
    if changes:
        moved.append(address)
    return changes
