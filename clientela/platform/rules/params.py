"""Checks the built-in actions' settings models share: texts with merge fields, record paths and
field values, each refused with the exact path of the setting (``values.status``).

The rules service validates an action's settings with ``context={"object_type": …}``: with it,
merge fields and paths are checked against the record type; without it (a settings form shown
before the type is known) only their shape is.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from django.utils.translation import gettext as _
from pydantic import AfterValidator, ValidationError, ValidationInfo
from pydantic_core import InitErrorDetails, PydanticCustomError

from clientela.platform import customfields
from clientela.platform.models import User
from clientela.platform.rules import conditions, merge, registry
from clientela.platform.rules.recipients import Recipient, problems

Loc = tuple[str | int, ...]


def invalid(title: str, errors: Mapping[Loc, str], values: Any = None) -> ValidationError:
    """A validation error with a message at each of ``errors``' paths (relative to the model
    being validated; pydantic puts the outer path in front)."""
    details = [
        InitErrorDetails(
            type=PydanticCustomError("invalid", "{message}", {"message": message}),
            loc=loc,
            input=values,
        )
        for loc, message in errors.items()
    ]
    return ValidationError.from_exception_data(title, details)


def object_type_of(info: ValidationInfo) -> str | None:
    """The record type the settings are checked for, when the caller said (and it has a
    target)."""
    context = info.context if isinstance(info.context, dict) else {}
    object_type = context.get("object_type")
    if not isinstance(object_type, str):
        return None
    try:
        registry.target(object_type)
    except KeyError:
        return None
    return object_type


def _merge_checked(value: str, info: ValidationInfo) -> str:
    object_type = object_type_of(info)
    found = merge.check(value, object_type) if object_type else merge.parse(value)[1]
    if found:
        raise ValueError(" ".join(found))
    return value


# A text that may hold merge fields ({{ first_name }}); checked against the record type.
MergeText = Annotated[str, AfterValidator(_merge_checked)]


def check_recipient(title: str, spec: Recipient) -> None:
    """Raise with the setting that is missing or wrong for ``spec`` (``user``, ``role``…)."""
    found = problems(spec)
    if found:
        raise invalid(title, {(name,): message for name, message in found.items()})


def active_user(user_id: int) -> str:
    """The problem with ``user_id`` as a user to give records to ("" when none)."""
    if User.objects.filter(pk=user_id, is_active=True).exists():
        return ""
    return _("Unknown or inactive user.")


# --- paths and values ----------------------------------------------------------------------


def readable(object_type: str) -> dict[str, registry.FieldInfo]:
    """The paths a rule on ``object_type`` may read (built-in, related and custom)."""
    return conditions.field_catalog(object_type)


def writable(object_type: str) -> dict[str, registry.FieldInfo]:
    """The paths "update fields" may set: the target's writable fields and custom fields."""
    catalog = readable(object_type)
    paths = [*registry.target(object_type).writable_fields]
    paths += [f"{customfields.COLUMN}.{d.key}" for d in customfields.definitions(object_type)]
    return {
        path: catalog.get(path) or registry.FieldInfo(path, path, "text")
        for path in dict.fromkeys(paths)
    }


def field_value(object_type: str, info: registry.FieldInfo, value: Any) -> Any:
    """``value`` checked for the field ``info`` names, as it will be written (texts keep their
    merge fields, rendered when the rule runs); ``ValueError`` with the problem."""
    definition = None
    if info.path.startswith(f"{customfields.COLUMN}."):
        definition = customfields.definition(object_type, info.path.split(".", 1)[1])
    if definition is not None and definition.field_type not in customfields.TEXTUAL:
        return customfields.clean_value(definition, value)
    if info.type == "text" or definition is not None:
        return _text_value(object_type, definition, value)
    if value is None or value == "":
        return None
    if info.type == "multi_choice":
        items = value if isinstance(value, list) else [value]
        return [conditions.plain(conditions.coerce(v, info)) for v in items]
    try:
        return conditions.plain(conditions.coerce(value, info))
    except conditions.Unfit as exc:
        raise ValueError(str(exc)) from None


def _text_value(object_type: str, definition: customfields.Definition | None, value: Any) -> Any:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(_("Enter a text."))
    if merge.fields_in(value) or "{{" in value:
        found = merge.check(value, object_type)
        if found:
            raise ValueError(" ".join(found))
        return value  # checked again by the record's service once rendered
    return customfields.clean_value(definition, value) if definition is not None else value
