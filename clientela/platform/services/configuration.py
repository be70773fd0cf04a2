"""The configuration as one versioned file: export it, and install one (a vertical template).

A configuration document carries what an administrator builds without code, today the custom
fields of every record type (later: custom objects, pipelines, rules). Installing one is all or
nothing: every definition is checked by the same services the Settings pages use, inside one
transaction, and a field whose key exists with another type stops the whole install with a
clear message (a type change is a deliberate act: Settings → Custom fields → Change type).

Format (YAML or JSON)::

    format: clientela-configuration
    version: 1
    name: Utilities
    description: …
    custom_fields:
      customers.account:
        - key: supply_type
          label: {en: Supply type, pt-br: Tipo de fornecimento}   # or a plain string
          type: choice
          choices: [{value: electricity, label: {en: Electricity, pt-br: Energia elétrica}}]
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from importlib import resources
from typing import Any

import yaml
from django.db import transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from clientela.platform import customfields, permissions
from clientela.platform.errors import Conflict, ValidationFailed
from clientela.platform.models import CustomField, User
from clientela.platform.services import configuration_objects, configuration_rules
from clientela.platform.services.customfields import EDITABLE, KEY, field_create, field_update

FORMAT = "clientela-configuration"
VERSION = 1
MAX_BYTES = 1_000_000
SECTIONS = ("custom_objects", "custom_fields", "rules")
FIELD_KEYS = ("key", "type", *EDITABLE, "target")  # a field's settings in a document
VERTICALS_PACKAGE = "clientela.platform.verticals"


@dataclass
class InstallReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    dry_run: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "dry_run": self.dry_run,
        }


# --- export ---------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _field_entry(row: CustomField) -> dict[str, Any]:
    entry: dict[str, Any] = {"key": row.key, "label": row.label, "type": row.field_type}
    optional = {
        "required": row.required,
        "default": row.default,
        "help_text": row.help_text,
        "group": row.group,
        "position": row.position,
        "choices": row.choices,
        "min_value": _plain(row.min_value),
        "max_value": _plain(row.max_value),
        "max_length": row.max_length,
        "pattern": row.pattern,
        "currency": row.currency,
        "target": row.target,
        "searchable": row.searchable,
    }
    entry.update({k: v for k, v in optional.items() if not _unset(v)})
    entry["filterable"] = row.filterable
    return entry


def _unset(value: Any) -> bool:
    """Left out of an export: what a new field has anyway (0 is a value, False is not)."""
    return value is None or value is False or (isinstance(value, str | list) and not value)


def configuration_export(*, actor: User, name: str = "") -> dict[str, Any]:
    """The whole configuration as a document ``configuration_install`` takes back."""
    permissions.require(actor, KEY, "view")
    sections: dict[str, list[dict[str, Any]]] = {}
    for row in CustomField.objects.order_by("object_type", "position", "id"):
        sections.setdefault(row.object_type, []).append(_field_entry(row))
    return {
        "format": FORMAT,
        "version": VERSION,
        "name": name or _("Configuration of %(date)s") % {"date": timezone.localdate()},
        "exported_at": timezone.now().isoformat(timespec="seconds"),
        "custom_objects": configuration_objects.objects_export(),
        "custom_fields": sections,
        **({"rules": configuration_rules.rules_export()} if actor.is_administrator else {}),
    }


def dump(document: dict[str, Any], fmt: str = "yaml") -> str:
    if fmt == "json":
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False)


# --- reading a document ----------------------------------------------------------------------


def _refuse(message: str) -> ValidationFailed:
    return ValidationFailed(message, errors={"document": [message]})


def parse(text: str | bytes) -> dict[str, Any]:
    """A document from YAML or JSON text; refuses what is too big, not a mapping, or uses YAML
    aliases (a few aliases can stand for an enormous structure)."""
    if isinstance(text, bytes):
        if len(text) > MAX_BYTES:
            raise _refuse(_("The file is larger than 1 MB."))
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise _refuse(_("The file is not UTF-8 text.")) from None
    if len(text) > MAX_BYTES:
        raise _refuse(_("The file is larger than 1 MB."))
    try:
        if any(isinstance(event, yaml.AliasEvent) for event in yaml.parse(text)):
            raise _refuse(_("The file uses YAML aliases; write each value out in full."))
        document = yaml.safe_load(text)
    except yaml.YAMLError:
        raise _refuse(_("The file is neither valid YAML nor valid JSON.")) from None
    if not isinstance(document, dict):
        raise _refuse(_("The file does not hold a Clientela configuration."))
    return document


def _check_header(document: dict[str, Any]) -> None:
    if document.get("format") != FORMAT:
        raise _refuse(_("The file does not hold a Clientela configuration."))
    version = document.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise _refuse(_("The configuration's version is missing or not a number."))
    if version > VERSION:
        raise _refuse(
            _("This configuration was written by a newer Clientela (version %(v)d).")
            % {"v": version}
        )


def _translated(value: Any) -> Any:
    """A label given per language ({en: …, pt-br: …}) in the installer's language."""
    if not isinstance(value, dict):
        return value
    language = (get_language() or "en").lower()
    for candidate in (language, language.split("-")[0], "en"):
        if candidate in value:
            return value[candidate]
    return next(iter(value.values()), "")


def _field_values(object_type: str, entry: Any, where: str) -> dict[str, Any]:
    if not isinstance(entry, dict):
        raise ValidationFailed(errors={where: [_("Each field must be a mapping of settings.")]})
    unknown = sorted(set(entry) - set(FIELD_KEYS))
    if unknown:
        raise ValidationFailed(
            errors={where: [_("Unknown settings: %(names)s.") % {"names": ", ".join(unknown)}]}
        )
    values = {k: v for k, v in entry.items() if k != "type"}
    values["field_type"] = entry.get("type")
    values["object_type"] = object_type
    for name in ("label", "help_text", "group"):
        if name in entry:
            values[name] = _translated(entry[name])
    if isinstance(values.get("choices"), list):
        values["choices"] = [
            {**c, "label": _translated(c.get("label"))} if isinstance(c, dict) else c
            for c in values["choices"]
        ]
    return values


def _same(row: CustomField, values: dict[str, Any]) -> bool:
    current = _field_entry(row)
    wanted = {k: v for k, v in values.items() if k not in ("object_type", "field_type")}
    wanted["type"] = values["field_type"]
    return all(
        current.get(k, False if isinstance(v, bool) else None) == _plain(v)
        for k, v in wanted.items()
        if not _unset(v) or isinstance(v, bool)
    )


# --- install --------------------------------------------------------------------------------


def configuration_install(
    *, actor: User, document: dict[str, Any], dry_run: bool = False
) -> InstallReport:
    """Create or update what ``document`` defines, all or nothing.

    A field that exists with the same key and type is brought in line with the document (its
    options may grow; dropping an option records still use is refused, as in Settings).
    """
    permissions.require(actor, KEY, "create")
    permissions.require(actor, KEY, "edit")
    _check_header(document)
    unknown = sorted(
        k
        for k in document
        if k not in (*SECTIONS, "format", "version", "name", "description", "exported_at")
    )
    if unknown:
        raise _refuse(_("Unknown sections: %(names)s.") % {"names": ", ".join(unknown)})
    sections = document.get("custom_fields") or {}
    if not isinstance(sections, dict):
        raise _refuse(_("“custom_fields” must map record types to lists of fields."))
    report = InstallReport(dry_run=dry_run)
    try:
        with transaction.atomic():
            objects = document.get("custom_objects")
            configuration_objects.objects_install(actor, objects, report, _translated)
            for object_type, entries in sections.items():
                _install_fields(actor, str(object_type), entries, report)
            configuration_rules.rules_install(actor, document.get("rules"), report, _translated)
            if dry_run:
                raise _DryRun
    except _DryRun:
        customfields.forget()
    return report


class _DryRun(Exception):
    """Rolls the install back after checking everything."""


def _install_fields(actor: User, object_type: str, entries: Any, report: InstallReport) -> None:
    if customfields.customizable(object_type) is None:
        raise _refuse(
            _("“%(type)s” is not a record type that takes custom fields.") % {"type": object_type}
        )
    if not isinstance(entries, list):
        raise _refuse(_("The fields of “%(type)s” must be a list.") % {"type": object_type})
    for index, entry in enumerate(entries):
        where = f"custom_fields.{object_type}.{index}"
        values = _field_values(object_type, entry, where)
        name = f"{object_type}.{values.get('key')}"
        existing = CustomField.objects.filter(
            object_type=object_type, key=str(values.get("key") or "")
        ).first()
        try:
            if existing is None:
                field_create(actor=actor, values=values)
                report.created.append(name)
            elif existing.field_type != values["field_type"]:
                raise Conflict(
                    _(
                        "The field %(name)s exists as %(current)s; the configuration makes it "
                        "%(wanted)s. Change its type in Settings first; nothing was installed."
                    )
                    % {
                        "name": name,
                        "current": existing.get_field_type_display(),
                        "wanted": values["field_type"],
                    }
                )
            elif _same(existing, values):
                report.unchanged.append(name)
            else:
                editable = {k: v for k, v in values.items() if k not in ("object_type", "key")}
                editable.pop("field_type", None)
                editable.pop("target", None)
                field_update(actor=actor, pk=existing.pk, values=editable)
                report.updated.append(name)
        except ValidationFailed as exc:
            errors = {f"{where}.{k}": v for k, v in exc.errors.items()}
            raise ValidationFailed(
                _("The field %(name)s is not valid; nothing was installed.") % {"name": name},
                errors=errors,
            ) from None


def display_name(document: dict[str, Any]) -> str:
    return str(_translated(document.get("name")) or _("Configuration"))


# --- the vertical templates shipped with Clientela ----------------------------------------------


@dataclass(frozen=True)
class Vertical:
    slug: str
    name: str
    description: str


def verticals() -> list[Vertical]:
    """The templates in ``clientela/platform/verticals/`` (name and description translated)."""
    found = []
    for item in sorted(resources.files(VERTICALS_PACKAGE).iterdir(), key=lambda p: p.name):
        if not item.name.endswith(".yaml"):
            continue
        document = parse(item.read_text(encoding="utf-8"))
        found.append(
            Vertical(
                item.name.removesuffix(".yaml"),
                str(_translated(document.get("name"))),
                str(_translated(document.get("description", ""))),
            )
        )
    return found


def vertical_document(slug: str) -> dict[str, Any]:
    if not slug.replace("-", "").isalnum():
        raise _refuse(_("Unknown template."))
    item = resources.files(VERTICALS_PACKAGE).joinpath(f"{slug}.yaml")
    if not item.is_file():
        raise _refuse(_("Unknown template."))
    return parse(item.read_text(encoding="utf-8"))
