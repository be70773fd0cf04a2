"""Delivering a document: a signed HTTP POST, a file in the drop folder, or both.

HTTP goes through Clientela's webhook client (``clientela.platform.webhook_http``): the same
signature (``X-Clientela-Signature: sha256=<hex>``, HMAC-SHA256 of ``<timestamp>.<body>``
keyed by ``CLIENTELA_ERP_SECRET``), the same connect and total timeouts
(``WEBHOOK_CONNECT_TIMEOUT``, ``WEBHOOK_TOTAL_TIMEOUT``), no redirects. Anything but a 2xx
answer raises ``DeliveryFailed``, so the caller (the rules engine, the event task) tries again.

A file is written atomically: into a hidden temporary file in the folder, flushed to disk, then
renamed to its final name, so the ERP never picks up half a document. The HTTP post comes
first: when it fails nothing is written, and a retry delivers both.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import time
from pathlib import Path
from typing import Any

from django.utils import timezone

from clientela.platform.webhook_http import DeliveryError, post, sign
from clientela_erp_bridge.config import Config, NotConfigured, config
from clientela_erp_bridge.documents import encode

USER_AGENT = "Clientela-ERP-Bridge/0.1"
FILE_NAME = re.compile(r"[0-9]{8}T[0-9]{12}Z-[a-z0-9_.]+-[0-9]+-[0-9a-f-]{36}\.json")


class DeliveryFailed(Exception):
    """The document did not reach the ERP; trying again later may help."""


def file_name(document: dict[str, Any]) -> str:
    """``<UTC time>-<record type>-<id>-<document id>.json``: sorts in the order they were
    made, and is built from values Clientela made, never from what a user typed."""
    stamp = timezone.now().strftime("%Y%m%dT%H%M%S%fZ")
    name = f"{stamp}-{document['object_type']}-{int(document['object_id'])}-{document['id']}.json"
    if not FILE_NAME.fullmatch(name):
        raise DeliveryFailed(f"refusing the file name {name!r}")
    return name


def write_file(folder: Path, name: str, body: bytes) -> Path:
    """``body`` in ``folder/name``, all of it or nothing."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=".erp-", suffix=".tmp")
    except OSError as exc:
        raise DeliveryFailed(f"cannot write in the drop folder: {exc}") from None
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(body)
            out.flush()
            os.fsync(out.fileno())
        final = folder / name
        os.replace(temporary, final)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise DeliveryFailed(f"cannot write {name}: {exc}") from None
    return final


def post_document(cfg: Config, document: dict[str, Any], body: bytes) -> int:
    """POST the document; the ERP's status code, or ``DeliveryFailed``."""
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Clientela-Delivery": str(document["id"]),
        "X-Clientela-Event": str(document["event"]),
        "X-Clientela-Timestamp": str(timestamp),
        "X-Clientela-Signature": sign(cfg.secret, timestamp, body),
    }
    try:
        answer = post(cfg.url, body, headers)
    except DeliveryError as exc:
        raise DeliveryFailed(f"the ERP did not answer: {exc}") from None
    if not 200 <= answer.status < 300:
        raise DeliveryFailed(f"the ERP answered HTTP {answer.status}: {answer.body[:200]}")
    return answer.status


def deliver(document: dict[str, Any], cfg: Config | None = None) -> dict[str, Any]:
    """Send ``document`` everywhere the configuration says; what was done, for the run's log."""
    cfg = cfg or config()
    try:
        cfg.check()
    except NotConfigured as exc:
        raise DeliveryFailed(f"the ERP bridge is not configured: {exc}") from None
    body = encode(document)
    done: dict[str, Any] = {"document": document["id"]}
    if cfg.url:
        done["http_status"] = post_document(cfg, document, body)
    if cfg.drop_dir is not None:
        done["file"] = write_file(cfg.drop_dir, file_name(document), body).name
    return done
