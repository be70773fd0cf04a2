"""The writes of one batch, in bulk: a few queries per batch whatever its size."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from clientela.customers import search_index
from clientela.customers.imports.inserting import (
    RecordFactory,
    column_plan,
    insert_lists,
    insert_rows,
    record_params,
)
from clientela.customers.imports.specs import (
    ACCOUNTS,
    CleanRow,
    ImportSpec,
    created_values,
    missing_required,
)
from clientela.customers.imports.updating import apply, write_updates
from clientela.customers.models import (
    Account,
    AccountContact,
    Address,
    Contact,
    DuplicateCandidate,
)
from clientela.platform import audit, customfields, events
from clientela.platform.context import use_channel
from clientela.platform.permissions import visible_to

if TYPE_CHECKING:
    from clientela.customers.imports.batch import RunContext, Tally

ACCOUNT_TYPE = "customers.account"


def row_params(spec: ImportSpec, row: CleanRow, created: dict[str, Any] | None = None) -> list[Any]:
    """The insert parameters of the record the row would create, but for the columns the
    writer sets (owner, team, times, and a contact's account). Reads no database; custom
    values go as the JSON the database stores (text on SQLite, jsonb on PostgreSQL).
    ``created`` is ``created_values`` of the row when known already."""
    if created is None:
        created = created_values(spec.object_type, row.values)
    values = {k: v for k, v in created.items() if k not in ("owner", "team")}
    return column_plan(spec.model).row({**spec.defaults, **values, "search_text": row.document})


class NewRecord:
    """A record the batch creates: its row's insert parameters, or, once another row of the
    batch merged into it, a model instance (``record``) the parameters are taken from."""

    __slots__ = ("number", "params", "pk", "record", "row")

    def __init__(self, number: int, row: CleanRow) -> None:
        self.number, self.row, self.params = number, row, row.params
        self.record: Model | None = None
        self.pk: int | None = None


class Writer:
    def __init__(self, ctx: RunContext) -> None:
        self.ctx = ctx
        self.model = ctx.spec.model
        self.new: list[NewRecord] = []
        self.updates: dict[int, list[tuple[int, CleanRow]]] = {}  # record → (number, row)
        self.flags: list[tuple[int | NewRecord, NewRecord, str]] = []
        self.created_ids: list[int] = []
        self.changed: dict[int, dict[str, list[Any]]] = {}
        self.pending_updates = 0
        self.now = timezone.now()
        self.created_accounts: list[int] = []
        self.known: dict[str, Account] = {}  # the accounts the batch's companies name
        self.joined: list[tuple[int, int]] = []  # (account, contact) of updated contacts
        self.new_addresses: list[tuple[int, dict[str, str]]] = []  # of updated records
        self.fixed = {
            **ctx.spec.defaults,
            "owner_id": ctx.owner_id,
            "team_id": ctx.team_id,
            "created_at": self.now,
            "updated_at": self.now,
        }
        self.build = RecordFactory(self.model, self.fixed)
        plan = column_plan(self.model)
        fixed = plan.row(self.fixed)
        self.set_columns = [
            (plan.index[name], fixed[plan.index[name]])
            for name in ("owner_id", "team_id", "created_at", "updated_at")
        ]
        self.account_column = plan.index.get("account_id")
        # An account made for a company takes the accounts' custom defaults; a required custom
        # field with no default cannot be filled from a contact's row, so none is made then.
        self.account_custom = created_values(ACCOUNT_TYPE, {}).get(customfields.COLUMN)
        self.account_needs = [
            key.removeprefix("custom.") for key in missing_required(ACCOUNT_TYPE, {})
        ]

    def add(self, number: int, row: CleanRow) -> NewRecord:
        new = NewRecord(number, row)
        if new.params is None:
            new.params = row_params(self.ctx.spec, row)
        self.new.append(new)
        return new

    def update(self, number: int, target: int | NewRecord, row: CleanRow) -> None:
        if isinstance(target, int):
            self.updates.setdefault(target, []).append((number, row))
            return
        # A record this batch creates: merge the row into it, as a model instance from now on.
        if target.record is None:
            values = created_values(self.ctx.spec.object_type, target.row.values)
            values = {k: v for k, v in values.items() if k not in ("owner", "team")}
            target.record = self.build(values)
            target.params = None
        apply(target.record, row)
        if row.company and not target.row.company:
            target.row.company = row.company
        target.row.document = None  # the merged record's text differs from its first row's
        self.pending_updates += 1

    def flag(self, target: int | NewRecord, new: NewRecord, kind: str) -> None:
        self.flags.append((target, new, kind))

    def write(self, tally: Tally) -> None:
        self._link_accounts(tally)
        write_updates(self, tally)
        rows = []
        for new in self.new:
            if new.record is not None:  # merged: its own document and parameters
                record = new.record
                record.search_text = _search_text(self.ctx, record)  # type: ignore[attr-defined]
                new.params = record_params(record)
            else:
                assert new.params is not None
                for index, value in self.set_columns:
                    new.params[index] = value
            rows.append(new.params)
        self.created_ids = insert_lists(self.model, rows)
        for new, pk in zip(self.new, self.created_ids, strict=True):
            new.pk = pk
        tally.created += len(rows)
        tally.updated += self.pending_updates
        self._write_addresses()
        self._write_memberships()
        self._write_flags(tally)

    def _link_accounts(self, tally: Tally) -> None:
        """Contacts' companies: the visible account of that name, or a new one."""
        if self.model is not Contact:
            return
        companies = [new for new in self.new if new.row.company]
        names = {new.row.company for new in companies}
        names |= {r.company for rows in self.updates.values() for _n, r in rows if r.company}
        if not names:
            return
        known = self.known
        found = visible_to(self.ctx.actor, Account.objects.filter(name__in=names))
        for account in found.order_by("pk").only("pk", "name"):
            known.setdefault(account.name, account)
        missing = sorted(names - set(known))
        if missing and self.ctx.may_create_accounts and not self.account_needs:
            created = [self._account(name) for name in missing]
            insert_rows(created)
            self.created_accounts = [int(a.pk) for a in created]
            known.update({a.name: a for a in created})
        self._attach(companies, known, tally)

    def _account(self, name: str) -> Account:
        account = Account(
            name=name,
            owner_id=self.ctx.owner_id,
            team_id=self.ctx.team_id,
            created_at=self.now,
            updated_at=self.now,
            custom=dict(self.account_custom) if self.account_custom else None,
        )
        account.search_text = _search_text(self.ctx, account, fields=("name",))
        return account

    def _attach(self, companies: list[NewRecord], known: dict[str, Account], tally: Tally) -> None:
        from clientela.customers.imports.batch import rejection

        refused = self.company_refusal()
        dropped: set[int] = set()
        for new in companies:
            account = known.get(new.row.company)
            if account is None:
                dropped.add(id(new))
                tally.rejected.append(
                    rejection(self.ctx.job, new.number, new.row.cells, {"company": [refused]})
                )
            elif new.record is not None:  # its search text is built from the record
                new.record.account = account  # type: ignore[attr-defined]
            else:
                assert new.params is not None and self.account_column is not None
                new.params[self.account_column] = account.pk
        if dropped:
            self.new = [new for new in self.new if id(new) not in dropped]

    def company_refusal(self) -> str:
        """Why a row's company, which names no visible account, cannot become one."""
        if self.ctx.may_create_accounts and self.account_needs:
            labels = ", ".join(ACCOUNTS.label_of(f"custom.{key}") for key in self.account_needs)
            return _(
                "No account has this name, and a new account needs values this file cannot "
                "give: %(fields)s."
            ) % {"fields": labels}
        return _("No account has this name and you may not create accounts.")

    def search_text(self, record: Model) -> str:
        return _search_text(self.ctx, record)

    def _write_addresses(self) -> None:
        if self.model not in (Contact, Account):
            return
        parent = "contact_id" if self.model is Contact else "account_id"
        plan = column_plan(Address)
        at, rows = plan.index[parent], []
        for new in self.new:
            if new.row.address:  # made with the row (by the helper), or here
                params = new.row.address_params or plan.row(new.row.address)
                params[at] = new.pk
                rows.append(params)
        for pk, address in self.new_addresses:  # of records the batch updates
            params = plan.row(address)
            params[at] = pk
            rows.append(params)
        insert_lists(Address, rows, returning=False)

    def _write_memberships(self) -> None:
        """A contact's primary account is also one of its memberships, as the services keep it."""
        if self.model is not Contact:
            return
        plan = column_plan(AccountContact)
        template = plan.row({"role": "employee", "created_at": self.now})
        to_account, to_contact = plan.index["account_id"], plan.index["contact_id"]
        rows = []
        for new in self.new:
            if new.record is not None:
                account = new.record.account_id  # type: ignore[attr-defined]
            else:
                account = new.params[self.account_column]  # type: ignore[index]
            if account:
                params = template.copy()
                params[to_account], params[to_contact] = account, new.pk
                rows.append(params)
        insert_lists(AccountContact, rows, returning=False)
        AccountContact.objects.bulk_create(
            [
                AccountContact(account_id=account, contact_id=contact, role="employee")
                for account, contact in self.joined
            ],
            ignore_conflicts=True,  # already a member: kept as it was
        )

    def _write_flags(self, tally: Tally) -> None:
        pairs = []
        for target, new, kind in self.flags:
            left = int(target if isinstance(target, int) else target.pk)  # type: ignore[arg-type]
            right = int(new.pk)  # type: ignore[arg-type]
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


def _search_text(ctx: RunContext, record: Model, fields: tuple[str, ...] = ()) -> str:
    """The search helper's document builder when there is one, else the folded fields."""
    builder = getattr(search_index, "document", None)
    if builder is not None:
        return str(builder(record))
    names = fields or ctx.spec.search_fields
    return search_index.fold(" ".join(str(getattr(record, f) or "") for f in names))
