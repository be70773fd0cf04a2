"""The writes of one batch, in bulk: a few queries per batch whatever its size."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from clientela.customers import search_index
from clientela.customers.imports.inserting import RecordFactory, insert_rows, insert_values
from clientela.customers.imports.specs import CleanRow
from clientela.customers.models import (
    Account,
    AccountContact,
    Address,
    Contact,
    DuplicateCandidate,
)
from clientela.platform import audit, events
from clientela.platform.context import use_channel
from clientela.platform.permissions import visible_to

if TYPE_CHECKING:
    from clientela.customers.imports.batch import RunContext, Tally


class Writer:
    def __init__(self, ctx: RunContext) -> None:
        self.ctx = ctx
        self.model = ctx.spec.model
        self.new: list[tuple[int, Model, CleanRow]] = []
        self.updates: dict[int, list[CleanRow]] = {}
        self.flags: list[tuple[int | Model, Model, str]] = []
        self.created_ids: list[int] = []
        self.changed: dict[int, dict[str, list[Any]]] = {}
        self.pending_updates = 0
        self.now = timezone.now()
        self.created_accounts: list[int] = []
        self.rows_of: dict[int, CleanRow] = {}  # id(new record) → its row
        self.build = RecordFactory(
            self.model,
            {
                **ctx.spec.defaults,
                "owner_id": ctx.owner_id,
                "team_id": ctx.team_id,
                "created_at": self.now,
                "updated_at": self.now,
            },
        )

    def add(self, number: int, row: CleanRow) -> Model:
        values = {k: v for k, v in row.values.items() if k not in ("owner", "team")}
        record = self.build(values)
        self.new.append((number, record, row))
        self.rows_of[id(record)] = row
        return record

    def update(self, target: int | Model, row: CleanRow) -> None:
        if isinstance(target, int):
            self.updates.setdefault(target, []).append(row)
            return
        _apply(target, row)  # a record this batch creates: merge the row into it
        pending_row = self.rows_of[id(target)]
        if row.company and not pending_row.company:
            pending_row.company = row.company
        pending_row.document = None  # the merged record's text differs from its first row's
        self.pending_updates += 1

    def flag(self, target: int | Model, new: Model, kind: str) -> None:
        self.flags.append((target, new, kind))

    def write(self, tally: Tally) -> None:
        self._link_accounts(tally)
        self._write_updates(tally)
        records = []
        for _n, record, row in self.new:
            # The document cleaned with the row holds unless rows merged into the record.
            text = row.document if row.document is not None else _search_text(self.ctx, record)
            record.search_text = text  # type: ignore[attr-defined]
            records.append(record)
        insert_rows(records)
        self.created_ids = [int(r.pk) for r in records]
        tally.created += len(records)
        tally.updated += self.pending_updates
        self._write_addresses()
        self._write_memberships()
        self._write_flags(tally)

    def _link_accounts(self, tally: Tally) -> None:
        """Contacts' companies: the visible account of that name, or a new one."""
        if self.model is not Contact:
            return
        rows = [(n, r, row) for n, r, row in self.new if row.company]
        names = {row.company for _n, _r, row in rows}
        if not names:
            return
        known: dict[str, Account] = {}
        found = visible_to(self.ctx.actor, Account.objects.filter(name__in=names))
        for account in found.order_by("pk").only("pk", "name"):
            known.setdefault(account.name, account)
        missing = sorted(names - set(known))
        if missing and self.ctx.may_create_accounts:
            created = [self._account(name) for name in missing]
            insert_rows(created)
            self.created_accounts = [int(a.pk) for a in created]
            known.update({a.name: a for a in created})
        self._attach(rows, known, tally)

    def _account(self, name: str) -> Account:
        account = Account(
            name=name,
            owner_id=self.ctx.owner_id,
            team_id=self.ctx.team_id,
            created_at=self.now,
            updated_at=self.now,
        )
        account.search_text = _search_text(self.ctx, account, fields=("name",))
        return account

    def _attach(
        self, rows: list[tuple[int, Model, CleanRow]], known: dict[str, Account], tally: Tally
    ) -> None:
        from clientela.customers.imports.batch import rejection

        refused = _("No account has this name and you may not create accounts.")
        for number, record, row in rows:
            if row.company in known:
                account = known[row.company]
                if row.document is None:  # its search text is built from the record
                    record.account = account  # type: ignore[attr-defined]
                else:  # the id alone (the relation's descriptor cost 6 µs a row)
                    record.account_id = account.pk  # type: ignore[attr-defined]
            else:
                self.new = [item for item in self.new if item[1] is not record]
                tally.rejected.append(
                    rejection(self.ctx.job, number, row.cells, {"company": [refused]})
                )

    def _write_updates(self, tally: Tally) -> None:
        if not self.updates:
            return
        changed, fields = [], {"search_text", "updated_at"}
        now = timezone.now()
        records = self.model._default_manager.filter(pk__in=list(self.updates))
        if self.model is Contact:
            records = records.select_related("account")  # the search document names it
        for record in records:
            changes: dict[str, list[Any]] = {}
            for row in self.updates[int(record.pk)]:
                for name, (old, new) in _apply(record, row).items():
                    changes[name] = [changes.get(name, [old])[0], new]
            changes = {k: v for k, v in changes.items() if v[0] != v[1]}
            if not changes:
                tally.skipped += len(self.updates[int(record.pk)])
                continue
            record.search_text = _search_text(self.ctx, record)  # type: ignore[attr-defined]
            record.updated_at = now  # type: ignore[attr-defined]
            self.changed[int(record.pk)] = changes
            fields.update(changes)
            changed.append(record)
            tally.updated += len(self.updates[int(record.pk)])
        self.model._default_manager.bulk_update(changed, sorted(fields))

    def _write_addresses(self) -> None:
        if self.model not in (Contact, Account):
            return
        parent = "contact_id" if self.model is Contact else "account_id"
        rows = [{parent: r.pk, **row.address} for _n, r, row in self.new if row.address]
        wanting = {pk: ups[-1].address for pk, ups in self.updates.items() if ups[-1].address}
        if wanting:
            having = set(
                Address.objects.filter(**{f"{parent}__in": list(wanting)}).values_list(
                    parent, flat=True
                )
            )
            rows += [{parent: pk, **a} for pk, a in wanting.items() if pk not in having]
        insert_values(Address, rows)

    def _write_memberships(self) -> None:
        """A contact's primary account is also one of its memberships, as the services keep it."""
        if self.model is not Contact:
            return
        memberships = [
            {
                "account_id": record.account_id,  # type: ignore[attr-defined]
                "contact_id": record.pk,
                "role": "employee",
                "created_at": self.now,
            }
            for _n, record, _row in self.new
            if record.account_id  # type: ignore[attr-defined]
        ]
        insert_values(AccountContact, memberships)

    def _write_flags(self, tally: Tally) -> None:
        pairs = []
        for target, new, kind in self.flags:
            left = int(target if isinstance(target, int) else target.pk)
            right = int(new.pk)
            pairs.append(
                DuplicateCandidate(
                    object_type=self.ctx.spec.object_type,
                    left_id=min(left, right),
                    right_id=max(left, right),
                    score=1.0,
                    reasons=[kind],
                )
            )
        DuplicateCandidate.objects.bulk_create(pairs, ignore_conflicts=True)
        tally.flagged += len(pairs)

    def audit(self, *, first: int, last: int) -> None:
        """One entry per batch on the job: every created id and every updated field."""
        if not self.created_ids and not self.changed:
            return
        changes = {
            "record_type": self.ctx.spec.object_type,
            "rows": [first, last],
            "created": self.created_ids,
            "updated": {str(pk): diff for pk, diff in self.changed.items()},
        }
        if self.created_accounts:
            changes["accounts_created"] = self.created_accounts  # for the rows' companies
        with use_channel("import"):
            audit.record(
                actor=self.ctx.actor,
                action="import",
                obj=self.ctx.job,
                changes=changes,
                object_type="customers.import",
            )
        events.emit(
            events.Event(
                "customers.import.batch_committed",
                self.ctx.actor.pk,
                {
                    "job": self.ctx.job.pk,
                    "record_type": self.ctx.spec.object_type,
                    "created": self.created_ids,
                    "updated": sorted(self.changed),
                },
            )
        )


def _apply(record: Model, row: CleanRow) -> dict[str, list[Any]]:
    """The row's non-empty values win; an external id already set is kept. Returns the changes."""
    changes: dict[str, list[Any]] = {}
    for name, value in row.values.items():
        if value in ("", None) or name in ("owner", "team"):
            continue
        if name == "external_id" and record.__dict__.get("external_id"):
            continue
        old = getattr(record, name)
        if old != value:
            changes[name] = [old, value]
            setattr(record, name, value)
    return changes


def _search_text(ctx: RunContext, record: Model, fields: tuple[str, ...] = ()) -> str:
    """The search helper's document builder when there is one, else the folded fields."""
    builder = getattr(search_index, "document", None)
    if builder is not None:
        return str(builder(record))
    names = fields or ctx.spec.search_fields
    return search_index.fold(" ".join(str(getattr(record, f) or "") for f in names))
