"""The JSON document the ERP receives for one record.

``data`` is the record exactly as Clientela's API answers ``GET /api/v1/<records>/{id}``: the
app's own API output schema builds it, so the ERP's developers read its fields in the OpenAPI
document (``/api/docs``), custom fields included, and it changes only when the API does. The
envelope around it says what it is and why it was sent:

    {"id": "<uuid: de-duplicate on it>", "source": "clientela",
     "event": "customers.account.created" | "sales.order.confirmed" | "rule",
     "rule_id": 7 | null, "object_type": "customers.account", "object_id": 12,
     "occurred_at": "2026-12-07T05:18:00.123456+00:00", "data": {...}}
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.module_loading import import_string
from ninja.responses import NinjaJSONEncoder

from clientela.platform import registry

# Record type → its API output schema (the "one record" answer): the order with its lines and
# delivery steps as ``GET /api/v1/orders/{id}`` answers it.
SCHEMAS = {
    "customers.account": "clientela.customers.schemas.AccountDetailOut",
    "customers.contact": "clientela.customers.schemas.ContactDetailOut",
    "customers.lead": "clientela.customers.schemas_leads.LeadOut",
    "sales.order": "clientela.sales.schemas_documents.OrderDetailOut",
}


class DocumentUnavailable(Exception):
    """The record type has no document (unknown type, or its app is not installed yet)."""


def _schema(object_type: str) -> Any:
    path = SCHEMAS.get(object_type)
    if path is None:
        raise DocumentUnavailable(f"no ERP document for {object_type}")
    try:
        return import_string(path)
    except ImportError:
        raise DocumentUnavailable(f"{path} is not installed") from None


def load(object_type: str, record_id: Any) -> models.Model | None:
    """The record (not scoped to anyone's visibility: the ERP gets every record sent to it),
    or None when it was deleted since."""
    _schema(object_type)
    try:
        model = registry.get(object_type).model
    except KeyError:
        raise DocumentUnavailable(f"{object_type} is not a record type here") from None
    return model._default_manager.filter(pk=record_id).first()


def build(
    object_type: str, record: models.Model, *, event: str, rule_id: int | None = None
) -> dict[str, Any]:
    # Through the API's own JSON encoder: the same values, to the same precision, as the API.
    answer = _schema(object_type).from_orm(record).model_dump()
    data = json.loads(json.dumps(answer, cls=NinjaJSONEncoder))
    return {
        "id": str(uuid.uuid4()),
        "source": "clientela",
        "event": event,
        "rule_id": rule_id,
        "object_type": object_type,
        "object_id": record.pk,
        "occurred_at": timezone.now().isoformat(),
        "data": data,
    }


def encode(document: dict[str, Any]) -> bytes:
    """The bytes posted and written: compact, keys sorted, UTF-8 (what the signature covers)."""
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.encode("utf-8")
