"""List machinery every record list reuses: columns, typed filters, indexed sorts, keyset pages.

An app describes a list once as a ``ListSpec``; the page, the API, saved views, bulk actions
and exports all read request parameters through ``ListSpec.parse`` so an unknown filter, a bad
value or a sort the list does not offer is refused the same way everywhere (422 / form errors).
Sorts are a closed set on purpose: each one must be backed by an index that still works under
the visibility filter, so a first page stays fast at a million rows.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any
from urllib.parse import urlencode

from django.db import connection
from django.db.models import Model, Q, QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from clientela.platform import permissions, registry
from clientela.platform.errors import ValidationFailed
from clientela.platform.models import Scope, User
from clientela.platform.pagination import Page, paginate
from clientela.platform.pagination import _decode as decode_cursor
from clientela.platform.permissions import BigInt

# Parameters that are not filters: the search box, the page, the sort and the columns.
RESERVED = ("q", "cursor", "limit", "sort", "columns", "export", "view")
MAX_QUERY = 100
MAX_TEXT = 100
MAX_REPORTED = 20  # unknown parameters named in one error answer
MAX_BRANCH_TEAMS = 8  # beyond this many teams one query with the OR is cheaper


# A range filter holding at most this many rows is read through its field's index (SQLite:
# see ``ListSpec._narrow``); sorting that many ids costs about what walking the list's order
# costs when one row in a hundred matches.
NARROW_ROWS = 10_000


class FilterKind(StrEnum):
    CHOICE = "choice"
    TEXT = "text"
    DATE_RANGE = "date_range"
    USER = "user"
    TEAM = "team"
    TAG = "tag"
    BOOLEAN = "boolean"
    REFERENCE = "reference"
    NUMBER_RANGE = "number_range"


@dataclass(frozen=True)
class Column:
    key: str
    label: str | Promise
    path: str  # attribute path read on each row, e.g. "owner.display_name"
    sortable: bool = False
    select: str = ""  # relation to select_related when the column shows
    prefetch: str = ""  # relation to prefetch_related when the column shows
    render: Callable[[Any], Any] | None = None  # the value from the record, instead of ``path``


@dataclass(frozen=True)
class Filter:
    key: str
    label: str | Promise
    kind: FilterKind
    path: str  # ORM lookup path, e.g. "owner_id", "tags__name", "created_at"
    choices: Sequence[tuple[str, Any]] = ()
    target: str = ""  # REFERENCE: the record type picked, e.g. "customers.account"
    # CHOICE: the value most records have (blank, or the default), which a partial index
    # serving this filter leaves out. A choice of other values states "not that value" too:
    # SQLite uses a partial index only when the query states its condition term for term.
    partial_excludes: str | None = None
    # The condition for one parsed parameter, when ``path`` and ``kind`` cannot say it (custom
    # fields compare stored JSON values): ``condition(param_name, value) -> Q``.
    condition: Callable[..., Q] | None = None
    # A condition added after the parameters' own, given which of them came: a range left
    # open at one end is closed there (see ``customlists``). An ``ids_first`` filter's
    # ``condition`` and ``closing`` take a third argument, ``indexed`` (see ``ListSpec.apply``).
    closing: Callable[..., Q] | None = None
    # The ordering an equality on one value of this filter reads straight from an index
    # (a custom field's index is the value, then the list's default order): with it, a
    # team-scoped page walks that index and checks visibility per row (see ``page``).
    index_order: tuple[str, ...] = ()
    # A range on a value whose index also holds the sort's columns (a custom field's): the
    # page's ids are read from that index alone, then their rows, instead of sorting every
    # full row in range (see ``page``).
    ids_first: bool = False

    def param_names(self) -> tuple[str, ...]:
        if self.kind == FilterKind.DATE_RANGE:
            return (f"{self.key}_from", f"{self.key}_to")
        if self.kind == FilterKind.NUMBER_RANGE:
            return (f"{self.key}_min", f"{self.key}_max")
        return (self.key,)


@dataclass(frozen=True)
class Sort:
    key: str  # "name", "-created"
    label: str | Promise
    ordering: tuple[str, ...]  # must end in a unique field and match an index
    # led by an index of its own that no visibility branch has (a custom field's): a
    # team-scoped page walks it and checks visibility per row instead of splitting
    walks_own_index: bool = False


@dataclass(frozen=True)
class ListState:
    """A parsed, validated request: what to filter, search, sort and show."""

    filters: dict[str, Any]
    raw: dict[str, list[str]]
    query: str
    sort: Sort
    columns: tuple[Column, ...]
    cursor: str | None = None
    # What the database said while the request was answered (``ListSpec.apply``): whether a
    # range filter's rows are few, by the filter's key. Not part of the request.
    hints: dict[str, bool] = field(default_factory=dict, compare=False, repr=False)

    def params(self, **overrides: Any) -> dict[str, Any]:
        """The state as request parameters (for links, saved views and the API)."""
        out: dict[str, Any] = {k: v if len(v) > 1 else v[0] for k, v in self.raw.items()}
        if self.query:
            out["q"] = self.query
        out["sort"] = self.sort.key
        out["columns"] = ",".join(c.key for c in self.columns)
        out.update(overrides)
        return {k: v for k, v in out.items() if v not in (None, "")}

    def urlencode(self, **overrides: Any) -> str:
        return urlencode(self.params(**overrides), doseq=True)


def _values(params: Mapping[str, Any], key: str) -> list[str]:
    """Every non-empty value of ``key`` from a QueryDict or a plain dict."""
    getlist = getattr(params, "getlist", None)
    raw: Any = getlist(key) if getlist is not None else params.get(key)
    if raw is None:
        return []
    items = raw if isinstance(raw, list | tuple) else [raw]
    return [str(v).strip() for v in items if v is not None and str(v).strip() != ""]


def _parse_int(value: str) -> int:
    if not value.isdigit() or len(value) > 18:
        raise ValueError(value)
    return int(value)


REFERENCE_RE = re.compile(r"#?(\d{1,18})(?:\s.*)?", re.DOTALL)


def _parse_reference(value: str) -> int:
    """A record id: ``42``, or a picker's choice ``#42 Acme Ltda`` (the name is ignored)."""
    match = REFERENCE_RE.fullmatch(value)
    if match is None:
        raise ValueError(value)
    return int(match.group(1))


def _parse_bool(value: str) -> bool:
    lowered = value.lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ValueError(value)


def _parse_number(value: str) -> Decimal:
    text = value.replace(" ", "")
    if "," in text:
        text = (
            text.replace(".", "").replace(",", ".")
            if text.rfind(",") > text.rfind(".")
            else text.replace(",", "")
        )
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError(value) from None
    if not number.is_finite() or abs(number) >= 10**15:
        raise ValueError(value)
    return number


def _day_start(value: str) -> dt.datetime:
    day = dt.date.fromisoformat(value)
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


@dataclass(frozen=True)
class ListSpec:
    object_type: str
    model: type[Model]
    columns: tuple[Column, ...]
    filters: tuple[Filter, ...]
    sorts: tuple[Sort, ...]
    default_sort: str
    default_columns: tuple[str, ...]
    select: tuple[str, ...] = ()
    # Expressions some columns, filters or sorts read by name (custom fields: ``cf_<key>``);
    # a queryset gets only those the request uses.
    annotations: Mapping[str, Any] = field(default_factory=dict)
    _by_key: dict[str, Column] = field(default_factory=dict, compare=False, repr=False)
    _current: dict[Hashable, ListSpec] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._by_key.update({c.key: c for c in self.columns})
        sort_keys = {s.key for s in self.sorts}
        if self.default_sort not in sort_keys:
            raise ValueError(f"default sort {self.default_sort!r} is not offered")
        for column in self.columns:
            if column.sortable and not sort_keys & {column.key, f"-{column.key}"}:
                raise ValueError(f"column {column.key!r} is sortable but has no sort")
        unknown = set(self.default_columns) - set(self._by_key)
        if unknown:
            raise ValueError(f"unknown default columns {sorted(unknown)}")

    def current(self) -> ListSpec:
        """This list with what extensions add now (custom fields' columns, filters, sorts).

        Built again only when an extension's ``version`` changes, so a field an administrator
        adds shows in every process's lists with no restart.
        """
        parts = [p for extend in _extensions if (p := extend(self)) is not None]
        if not parts:
            return self
        key = tuple(p.version for p in parts)
        found = self._current.get(key)
        if found is None:
            found = replace(
                self,
                columns=self.columns + tuple(c for p in parts for c in p.columns),
                filters=self.filters + tuple(f for p in parts for f in p.filters),
                sorts=self.sorts + tuple(s for p in parts for s in p.sorts),
                annotations={
                    **self.annotations,
                    **{k: v for p in parts for k, v in p.annotations.items()},
                },
                _by_key={},
                _current={},
            )
            self._current.clear()  # only the latest version is worth keeping
            self._current[key] = found
        return found

    # --- parsing ---------------------------------------------------------------------------

    def parse(self, params: Mapping[str, Any]) -> ListState:
        """Validate request parameters; every problem is reported at once as a 422."""
        errors: dict[str, list[str]] = {}
        self._refuse_unknown(params, errors)
        filters, raw = self._parse_filters(params, errors)
        sort = self._parse_sort(params, errors)
        columns = self._parse_columns(params, errors)
        query = " ".join(_values(params, "q"))
        if len(query) > MAX_QUERY:
            errors["q"] = [_("Enter at most %(n)d characters.") % {"n": MAX_QUERY}]
        if errors:
            raise ValidationFailed(errors=errors)
        cursors = _values(params, "cursor")
        cursor = cursors[0] if cursors else None
        return ListState(filters, raw, query, sort, columns, cursor)

    def _refuse_unknown(self, params: Mapping[str, Any], errors: dict[str, list[str]]) -> None:
        known = set(RESERVED)
        for item in self.filters:
            known.update(item.param_names())
        unknown = [key for key in params if key not in known]
        for key in unknown[:MAX_REPORTED]:
            errors[key[:MAX_TEXT]] = [
                _("This list has no filter called “%(name)s”.") % {"name": key[:MAX_TEXT]}
            ]

    def _parse_filters(
        self, params: Mapping[str, Any], errors: dict[str, list[str]]
    ) -> tuple[dict[str, Any], dict[str, list[str]]]:
        cleaned: dict[str, Any] = {}
        raw: dict[str, list[str]] = {}
        for item in self.filters:
            for name in item.param_names():
                values = _values(params, name)
                if not values:
                    continue
                raw[name] = values
                try:
                    cleaned[name] = self._clean(item, values)
                except ValueError:
                    errors[name] = [
                        _("“%(value)s” is not a valid value.") % {"value": values[0][:MAX_TEXT]}
                    ]
        return cleaned, raw

    def _clean(self, item: Filter, values: list[str]) -> Any:
        if item.kind == FilterKind.CHOICE:
            allowed = {c[0] for c in item.choices}
            if not set(values) <= allowed:
                raise ValueError(values)
            return values
        value = values[0]
        if item.kind in (FilterKind.TEXT, FilterKind.TAG):
            if len(value) > MAX_TEXT:
                raise ValueError(value)
            return value
        if item.kind == FilterKind.BOOLEAN:
            return _parse_bool(value)
        if item.kind == FilterKind.DATE_RANGE:
            return _day_start(value)
        if item.kind == FilterKind.NUMBER_RANGE:
            return _parse_number(value)
        if item.kind == FilterKind.USER and value == "me":
            return value
        if item.kind == FilterKind.REFERENCE:
            return _parse_reference(value)
        return _parse_int(value)

    def _parse_sort(self, params: Mapping[str, Any], errors: dict[str, list[str]]) -> Sort:
        wanted = (_values(params, "sort") or [self.default_sort])[0]
        for sort in self.sorts:
            if sort.key == wanted:
                return sort
        offered = ", ".join(s.key for s in self.sorts)
        errors["sort"] = [
            _("This list cannot be sorted by “%(sort)s”; choose one of: %(offered)s.")
            % {"sort": wanted, "offered": offered}
        ]
        return self.sorts[0]

    def _parse_columns(
        self, params: Mapping[str, Any], errors: dict[str, list[str]]
    ) -> tuple[Column, ...]:
        keys = [k.strip() for v in _values(params, "columns") for k in v.split(",") if k.strip()]
        unknown = [k for k in keys if k not in self._by_key]
        if unknown:
            errors["columns"] = [
                _("Unknown columns: %(names)s.") % {"names": ", ".join(unknown[:10])}
            ]
        chosen = [k for k in dict.fromkeys(keys) if k in self._by_key] or self.default_columns
        return tuple(self._by_key[k] for k in chosen)

    def column_keys(self) -> list[str]:
        return [c.key for c in self.columns]

    # --- querying --------------------------------------------------------------------------

    def apply[M: Model](
        self, queryset: QuerySet[M], state: ListState, actor_id: int
    ) -> QuerySet[M]:
        """The filters of ``state`` on a queryset (the caller scopes it with ``visible_to``)."""
        used = self._annotations_used(state)
        if used:
            queryset = queryset.annotate(**used)
        for item in self.filters:
            given = frozenset(n for n in item.param_names() if n in state.filters)
            if not given:
                continue
            if item.ids_first and item.condition is not None:
                indexed = self._narrow(item, given, state)
                for name in item.param_names():
                    if name in given:
                        queryset = queryset.filter(
                            item.condition(name, state.filters[name], indexed)
                        )
                if item.closing is not None:
                    queryset = queryset.filter(item.closing(given, indexed))
                continue
            for name in item.param_names():
                if name in given:
                    queryset = queryset.filter(
                        self._condition(item, name, state.filters[name], actor_id)
                    )
        return queryset

    def _narrow(self, item: Filter, given: frozenset[str], state: ListState) -> bool:
        """Whether a range filter's rows are few enough (``NARROW_ROWS``) for the field's
        index to be the way in: then the page's ids are read from it and sorted (``page``);
        a wider range is stated unindexed, and the list's order is walked, testing each row.

        SQLite keeps no statistics on a custom field's expression and cannot tell "at least
        495" (1% of a million contacts: the index, 5 ms) from "at most 499" (half of them:
        the order, a page found in the first rows; through the index, 1.4 s for a team-scoped
        rep). So it is asked, once a request: the index counts the range up to the limit.
        PostgreSQL's planner knows the field's distribution and is not asked.
        """
        if connection.vendor != "sqlite" or item.condition is None:
            return True
        if item.key not in state.hints:
            probe: QuerySet[Any] = self.model._default_manager.all()
            if item.path in self.annotations:
                probe = probe.annotate(**{item.path: self.annotations[item.path]})
            for name in sorted(given):
                probe = probe.filter(item.condition(name, state.filters[name], True))
            if item.closing is not None:
                probe = probe.filter(item.closing(given, True))
            found = probe.order_by().values("pk")[: NARROW_ROWS + 1].count()
            state.hints[item.key] = found <= NARROW_ROWS
        return state.hints[item.key]

    def _annotations_used(self, state: ListState) -> dict[str, Any]:
        """The named expressions this request's filters and sort read (selected, so a keyset
        cursor can carry the sort's value)."""
        if not self.annotations:
            return {}
        names = {f.lstrip("-") for f in state.sort.ordering}
        names.update(
            item.path for item in self.filters if set(item.param_names()) & set(state.filters)
        )
        return {name: self.annotations[name] for name in names if name in self.annotations}

    def _condition(self, item: Filter, name: str, value: Any, actor_id: int) -> Q:
        if item.condition is not None:
            return item.condition(name, value)
        if item.kind == FilterKind.CHOICE:
            chosen = Q(**{f"{item.path}__in": value})
            left_out = item.partial_excludes
            if left_out is None or left_out in value:
                return chosen
            return chosen & ~Q(**{item.path: left_out})
        if item.kind == FilterKind.TEXT:
            return Q(**{f"{item.path}__iexact": value})
        if item.kind == FilterKind.DATE_RANGE:
            if name.endswith("_from"):
                return Q(**{f"{item.path}__gte": value})
            return Q(**{f"{item.path}__lt": value + dt.timedelta(days=1)})
        if item.kind == FilterKind.USER and value == "me":
            return Q(**{item.path: actor_id})
        return Q(**{item.path: value})

    def shaped[M: Model](self, queryset: QuerySet[M], state: ListState) -> QuerySet[M]:
        """Joins and prefetches for the visible columns only, so rows cost no extra queries."""
        select = {*self.select, *(c.select for c in state.columns if c.select)}
        prefetch = [c.prefetch for c in state.columns if c.prefetch]
        if select:
            queryset = queryset.select_related(*sorted(select))
        if prefetch:
            queryset = queryset.prefetch_related(*prefetch)
        return queryset

    def ordered[M: Model](self, queryset: QuerySet[M], state: ListState) -> QuerySet[M]:
        return queryset.order_by(*state.sort.ordering)

    def page[M: Model](
        self,
        queryset: QuerySet[M],
        state: ListState,
        *,
        limit: int,
        branches: Sequence[Q] = (),
        unscoped: QuerySet[M] | None = None,
    ) -> Page[M]:
        """One keyset page; the cursor carries its sort, and one from another sort is refused.

        ``branches`` (see ``visibility_branches``) split what the actor may see into parts
        that each walk their own index in sort order (an OR of owner and team makes databases
        collect and sort every visible row instead). Each part is read from ``unscoped`` (the
        same filters and search without the visibility OR): with the OR repeated beside the
        part's own condition, the planner multiplies the two selectivities, expects a few
        rows, and runs the search index once per part instead of walking the part's index
        (docs/decisions/0002-search.md). The page is then read from the visible ``queryset``
        by the ids the parts gave: the database looks those rows up by key, ``visible_to``
        still decides what is shown, and the rows are ordered with its own collation.
        """
        inner = _inner_cursor(state)
        ordering = state.sort.ordering
        bound = _leading_bound(ordering, inner) if inner else Q()
        if any(state.hints.values()):
            # a narrow range (SQLite): its index, visibility checked on those rows
            candidates = _candidates(queryset.filter(bound), ordering, inner, limit, [Q()])
            queryset = queryset.filter(pk__in=candidates)
        elif len(branches) > 1 and unscoped is not None and not self._walks_index(state):
            candidates = _candidates(unscoped.filter(bound), ordering, inner, limit, branches)
            queryset = queryset.filter(pk__in=candidates)
        elif not branches and self._ids_first(state):
            candidates = _candidates(queryset.filter(bound), ordering, inner, limit, [Q()])
            queryset = queryset.filter(pk__in=candidates)
        else:
            queryset = queryset.filter(bound)
        page = paginate(queryset, ordering=ordering, cursor=inner, limit=limit)
        next_cursor = f"{state.sort.key}.{page.next_cursor}" if page.next_cursor else None
        return Page(page.items, next_cursor)

    def _walks_index(self, state: ListState) -> bool:
        """Whether one index already yields the page's rows in order (a sort by a custom
        field, or one value of a custom filter under the default order). The branches would
        each sort or filter their whole part instead (a team-scoped rep sorting a million
        contacts by a custom number took 110 to 140 ms on SQLite); walking that index and checking
        visibility per row reads about a page divided by the share of rows the actor sees."""
        if state.sort.walks_own_index:
            return True
        for item in self.filters:
            value = state.filters.get(item.key)
            one = value is not None and not (isinstance(value, list | tuple) and len(value) != 1)
            if one and item.index_order and item.index_order == state.sort.ordering:
                return True
        return False

    def _ids_first(self, state: ListState) -> bool:
        """A range filter whose index holds the sort's columns: SQLite sorted every full row
        in range (with its joins) to keep a page, 50 ms for 11,000 rows of a million; the
        ids alone come from the index, and then only the page's rows are read."""
        return any(
            item.ids_first
            and any(name in state.filters for name in item.param_names())
            and state.hints.get(item.key, True)
            for item in self.filters
        )

    def describe(self) -> str:
        """A Markdown summary of the filters and sorts, for the API documentation."""
        lines = ["Filters (query parameters):", ""]
        for item in self.filters:
            names = " / ".join(f"`{n}`" for n in item.param_names())
            hint = ", ".join(c[0] for c in item.choices) if item.choices else item.kind.value
            lines.append(f"- {names}: {hint}")
        lines += ["", "Sorts (`sort`): " + ", ".join(f"`{s.key}`" for s in self.sorts)]
        lines += ["", "Columns (`columns`, comma-separated): " + ", ".join(self.column_keys())]
        return "\n".join(lines)


def _inner_cursor(state: ListState) -> str | None:
    if not state.cursor:
        return None
    sort_key, sep, inner = state.cursor.partition(".")
    if not sep or sort_key != state.sort.key:
        raise ValidationFailed(
            errors={
                "cursor": [
                    _("This cursor belongs to another sort order; start again from the first page.")
                ]
            }
        )
    return inner


def _leading_bound(ordering: Sequence[str], inner: str) -> Q:
    """``first >= x`` (or ``<=``) next to the keyset condition, so the database seeks straight
    to the cursor in the index instead of scanning from the top on deep pages."""
    values = decode_cursor(inner, len(ordering))
    first = ordering[0]
    op = "lte" if first.startswith("-") else "gte"
    return Q(**{f"{first.lstrip('-')}__{op}": values[0]})


def _candidates(
    records: QuerySet[Any],
    ordering: Sequence[str],
    inner: str | None,
    limit: int,
    branches: Sequence[Q],
) -> set[Any]:
    """The ids that can be on the page: the first ``limit + 1`` of each branch."""
    bare = records.select_related(None).prefetch_related(None)
    names = {f.name for f in records.model._meta.concrete_fields}
    fields = ["pk", *(f.lstrip("-") for f in ordering if f.lstrip("-") in names)]
    pks: set[Any] = set()
    for branch in branches:
        part = paginate(
            bare.filter(branch).only(*fields), ordering=ordering, cursor=inner, limit=limit + 1
        )
        pks.update(row.pk for row in part.items)
    return pks


def visibility_branches(actor: User, model: type[Model]) -> list[Q]:
    """For a team-scoped actor: "mine" and one part per team, whose union is what
    ``visible_to`` lets through. The queryset keeps ``visible_to`` itself; these only split it.
    """
    object_type = registry.for_model(model)
    grant = permissions.grant_for(actor, object_type.key)
    if not object_type.owned or grant.scope != Scope.TEAM:
        return []
    teams = permissions.team_ids(actor)
    if not teams or len(teams) > MAX_BRANCH_TEAMS:
        return []
    return [Q(owner_id=BigInt(actor.pk)), *(Q(team_id=BigInt(team)) for team in teams)]


def cell(record: Model, column: Column) -> Any:
    """The value a column shows for one record, following its attribute path."""
    if column.render is not None:
        return column.render(record)
    value: Any = record
    for part in column.path.split("."):
        if value is None:
            return None
        value = getattr(value, part)
        if callable(value) and not hasattr(value, "all"):
            value = value()
    if hasattr(value, "all"):
        return ", ".join(str(v) for v in value.all())
    return value


@dataclass(frozen=True)
class Extension:
    """What an extension adds to one list now; ``version`` changes when that changes."""

    version: Hashable
    columns: tuple[Column, ...] = ()
    filters: tuple[Filter, ...] = ()
    sorts: tuple[Sort, ...] = ()
    annotations: Mapping[str, Any] = field(default_factory=dict)


_extensions: list[Callable[[ListSpec], Extension | None]] = []


def register_extension(extend: Callable[[ListSpec], Extension | None]) -> None:
    if extend not in _extensions:
        _extensions.append(extend)


_registry: dict[str, ListSpec] = {}


def register(spec: ListSpec) -> ListSpec:
    _registry[spec.object_type] = spec
    return spec


def spec_for(object_type: str) -> ListSpec | None:
    spec = _registry.get(object_type)
    return spec.current() if spec is not None else None


def object_types() -> list[str]:
    return sorted(_registry)


def clean_saved_params(spec: ListSpec, filters: Mapping[str, Any]) -> dict[str, list[str]]:
    """Check a saved view's filters against the list and return them as plain lists."""
    state = spec.parse(filters)
    out = dict(state.raw)
    if state.query:
        out["q"] = [state.query]
    return out
