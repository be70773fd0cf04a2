"""Sending the records of domain events, in the background.

The event handler runs in the request that committed the change, so it only enqueues; the task
builds the document once (the record as it is then) and delivers it, and on failure enqueues
itself again with the same document (same id: the ERP de-duplicates) after a growing delay, up
to ``MAX_ATTEMPTS``. A plugin switched off meanwhile sends nothing more.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.tasks import task
from django.utils import timezone

from clientela.platform import events, plugins
from clientela_erp_bridge.config import config
from clientela_erp_bridge.delivery import DeliveryFailed, deliver
from clientela_erp_bridge.documents import DocumentUnavailable, build, load

logger = logging.getLogger(__name__)

NAME = "erp_bridge"
MAX_ATTEMPTS = 6
FIRST_DELAY = timedelta(seconds=30)  # then 1, 2, 4, 8 minutes


def retry_delay(attempt: int) -> timedelta:
    return FIRST_DELAY * (2 ** (attempt - 1)) if attempt > 0 else timedelta(0)


def object_type_of(event_name: str) -> str:
    """``sales.order.confirmed`` → ``sales.order``."""
    return event_name.rsplit(".", 1)[0]


def on_event(event: events.Event) -> None:
    """Subscribed (through the plugin context, so only while the plugin is on) to each event
    in ``config.DEFAULT_EVENTS``; sends those the configuration lists. The payload must carry
    the record's ``id``."""
    if event.name not in config().events:
        return
    record_id = event.payload.get("id")
    if not isinstance(record_id, int) or isinstance(record_id, bool):
        logger.warning("ERP bridge: %s has no record id in its payload", event.name)
        return
    send_record.enqueue(event.name, object_type_of(event.name), record_id)


def _document(event_name: str, object_type: str, record_id: int) -> dict[str, Any] | None:
    record = load(object_type, record_id)
    return None if record is None else build(object_type, record, event=event_name)


@task()
def send_record(
    event_name: str,
    object_type: str,
    record_id: int,
    document: dict[str, Any] | None = None,
    attempt: int = 1,
) -> str:
    if not plugins.is_enabled(NAME):
        return "skipped: the ERP bridge is switched off"
    try:
        document = document or _document(event_name, object_type, record_id)
    except DocumentUnavailable as exc:
        logger.error("ERP bridge: %s %s not sent: %s", object_type, record_id, exc)
        raise
    if document is None:
        return "skipped: the record was deleted"
    try:
        deliver(document)
    except DeliveryFailed as exc:
        if attempt >= MAX_ATTEMPTS:
            logger.error("ERP bridge: gave up on document %s: %s", document["id"], exc)
            raise
        run_after = timezone.now() + retry_delay(attempt)
        send_record.using(run_after=run_after).enqueue(
            event_name, object_type, record_id, document, attempt + 1
        )
        return f"attempt {attempt} failed, retrying: {exc}"
    return f"delivered {document['id']}"
