"""What the rules engine can act on and do, registered by the apps (``platform`` names no
business record).

- A **target** is a record type rules may watch: how to load one record, which fields (and
  fields of related records) conditions and merge fields may read, which of them are dates
  (for date-relative triggers) or statuses (for "status entered"), and how to change fields
  through the app's own service.
- An **action type** is something a rule does: its settings are checked by a pydantic model
  (``params``) when the rule is saved, and ``run`` does it when the rule fires. Apps and plugins
  register more (``plugin`` names the plugin, so a switched-off plugin's actions stop).

See docs/decisions/0007-rules-engine.md.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.db.models import Model, QuerySet
    from django.utils.functional import Promise
    from pydantic import BaseModel

    from clientela.platform.models import Rule, RuleRun, User


# --- targets -------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldInfo:
    """One readable value of a target: ``path`` is what conditions and merge fields name
    (``status``, ``custom.budget``, ``account.industry``)."""

    path: str
    label: str | Promise
    type: str  # text, number, decimal, date, datetime, boolean, choice, multi_choice, user
    choices: Sequence[tuple[str, str | Promise]] = ()


@dataclass(frozen=True)
class Target:
    key: str  # the platform.registry key: "customers.lead"
    label: str | Promise
    # fields conditions may read, built-in and related (custom fields are added by the engine)
    fields: Callable[[], list[FieldInfo]]
    # the record by id, or None when it is gone (never visibility-scoped: rules act as run_as)
    load: Callable[[Any], Model | None]
    # the value at ``path`` on a loaded record (related paths resolved here)
    read: Callable[[Model, str], Any]
    # every record of the type, for scheduled and date-relative scans
    queryset: Callable[[], QuerySet[Any]]
    # change built-in fields through the app's service as ``actor``: update(actor, record, values)
    update: Callable[[User, Model, dict[str, Any]], Model]
    # a link a notification may point at
    url: Callable[[Model], str] = lambda record: ""
    date_fields: Sequence[str] = ()  # paths usable by date-relative triggers
    status_fields: Sequence[str] = ()  # paths usable by "status entered" triggers
    writable_fields: Sequence[str] = ()  # paths the "update fields" action may set


_targets: dict[str, Target] = {}


def register_target(target: Target) -> None:
    existing = _targets.get(target.key)
    if existing is not None and existing.load is not target.load:
        raise ValueError(f"rule target {target.key!r} registered twice")
    _targets[target.key] = target


def target(key: str) -> Target:
    return _targets[key]


def targets() -> list[Target]:
    return sorted(_targets.values(), key=lambda t: t.key)


# --- actions -------------------------------------------------------------------------------


@dataclass
class ActionCall:
    """What an action's ``run`` (or ``describe``) gets."""

    rule: Rule
    run: RuleRun | None  # None in a dry run
    object_type: str
    record: Model | None
    params: BaseModel  # the action's checked settings
    actor: User  # the rule's run_as user: writes go through services as this user
    context: dict[str, Any] = field(default_factory=dict)  # the trigger's data (changes…)


@dataclass(frozen=True)
class ActionType:
    key: str  # "platform.notify", "activities.create", "erp.send"
    label: str | Promise
    params: type[BaseModel]
    # does it; returns a short JSON-able account for the run's log ({"activity": 12})
    run: Callable[[ActionCall], dict[str, Any]]
    # says what it would do, for the dry run ("Notify Ana Souza: New lead")
    describe: Callable[[ActionCall], str]
    # record types it applies to; empty means every target
    object_types: Sequence[str] = ()
    plugin: str = ""  # the plugin that registered it; its actions stop when it is switched off


_actions: dict[str, ActionType] = {}


def register_action(action_type: ActionType) -> None:
    existing = _actions.get(action_type.key)
    if existing is not None and existing.run is not action_type.run:
        raise ValueError(f"rule action {action_type.key!r} registered twice")
    _actions[action_type.key] = action_type


def unregister_action(key: str) -> None:
    _actions.pop(key, None)


def action_type(key: str) -> ActionType:
    return _actions[key]


def action_types(object_type: str | None = None) -> list[ActionType]:
    """Every registered action (for ``object_type`` when given), plugins' included; the engine
    leaves out those of switched-off plugins when it offers or runs them."""
    return sorted(
        (
            a
            for a in _actions.values()
            if object_type is None or not a.object_types or object_type in a.object_types
        ),
        key=lambda a: a.key,
    )
