"""Custom objects in configuration documents (``services.configuration``): their export, and
their install before the fields (``custom_fields.objects.<key>``) that the document gives them.

Format::

    custom_objects:
      - key: meter
        label: {en: Meter, pt-br: Medidor}      # or a plain string
        label_plural: {en: Meters, pt-br: Medidores}
        description: …
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from clientela.platform.errors import ValidationFailed
from clientela.platform.models import CustomObject, User
from clientela.platform.services import customobjects as services

OBJECT_KEYS = ("key", "label", "label_plural", "description", "is_active")


def objects_export() -> list[dict[str, Any]]:
    return [
        {
            "key": row.key,
            "label": row.label,
            "label_plural": row.label_plural,
            **({"description": row.description} if row.description else {}),
            **({} if row.is_active else {"is_active": False}),
        }
        for row in CustomObject.objects.order_by("key")
    ]


def _values(entry: Any, where: str, translated: Any) -> dict[str, Any]:
    if not isinstance(entry, dict):
        raise ValidationFailed(errors={where: [_("Each object must be a mapping of settings.")]})
    unknown = sorted(set(entry) - set(OBJECT_KEYS))
    if unknown:
        raise ValidationFailed(
            errors={where: [_("Unknown settings: %(names)s.") % {"names": ", ".join(unknown)}]}
        )
    values = dict(entry)
    for name in ("label", "label_plural", "description"):
        if name in values:
            values[name] = translated(values[name])
    return values


def objects_install(actor: User, entries: Any, report: Any, translated: Any) -> None:
    """Create each object the document names, or bring an existing one's names in line."""
    if entries in (None, []):
        return
    if not isinstance(entries, list):
        message = _("“custom_objects” must be a list of objects.")
        raise ValidationFailed(message, errors={"document": [message]})
    for index, entry in enumerate(entries):
        where = f"custom_objects.{index}"
        values = _values(entry, where, translated)
        name = f"objects.{values.get('key')}"
        existing = CustomObject.objects.filter(key=str(values.get("key") or "")).first()
        try:
            if existing is None:
                services.object_create(actor=actor, values=values)
                report.created.append(name)
                continue
            changed = {k: v for k, v in values.items() if k != "key" and getattr(existing, k) != v}
            if changed:
                services.object_update(actor=actor, pk=existing.pk, values=changed)
                report.updated.append(name)
            else:
                report.unchanged.append(name)
        except ValidationFailed as exc:
            errors = {f"{where}.{k}": v for k, v in exc.errors.items()}
            raise ValidationFailed(
                _("The object %(name)s is not valid; nothing was installed.") % {"name": name},
                errors=errors or {where: [str(exc.message)]},
            ) from None
