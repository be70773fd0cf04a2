"""Mail that must not be answered: loops, bounces, auto-replies and mailing-list traffic.

Read from the headers alone, for `mailparse`, which runs it as one guarded step of its reading.
"""

from __future__ import annotations

import re
from email.message import Message

from clientela.service.mailheaders import address_pairs, content_type, first, params, raw_all

AUTO_CODES = ("loop", "bounce", "auto-reply", "list")


def auto(msg: Message, sender: str, own: set[str]) -> str:
    """Why this mail must not be answered, or "". A loop is checked first because answering
    one costs the most; a bounce next, since bounces often carry auto-reply headers too."""
    if (sender and sender in own) or raw_all(msg, "X-Clientela-Loop"):
        return "loop"
    if _is_bounce(msg):
        return "bounce"
    if _is_auto_reply(msg):
        return "auto-reply"
    if _precedence(msg) == "list" or raw_all(msg, "List-Id") or raw_all(msg, "List-Unsubscribe"):
        return "list"
    return ""


def _precedence(msg: Message) -> str:
    return first(msg, "Precedence").strip().lower()


def _is_bounce(msg: Message) -> bool:
    if any(re.fullmatch(r"<\s*>", v.strip()) for v in raw_all(msg, "Return-Path")):
        return True
    senders = [a for n in ("From", "Sender") for v in raw_all(msg, n) for _, a in address_pairs(v)]
    if any(a.split("@")[0].strip().lower() in ("mailer-daemon", "postmaster") for a in senders):
        return True
    if content_type(msg) != "multipart/report":
        return False
    try:
        report = params(msg).get_param("report-type") or ""
    except Exception:  # RFC 2231 parameters can be broken in many ways
        return False
    return str(report).strip().lower() == "delivery-status"


def _is_auto_reply(msg: Message) -> bool:
    submitted = first(msg, "Auto-Submitted").split(";")[0].strip().lower()
    if submitted not in ("", "no"):
        return True
    flags = raw_all(msg, "X-Autoreply") + raw_all(msg, "X-Autorespond")
    if any(v.strip().lower() not in ("no", "false", "0") for v in flags):
        return True
    suppressed = ",".join(raw_all(msg, "X-Auto-Response-Suppress")).lower().split(",")
    if {t.strip() for t in suppressed} & {"all", "oof", "autoreply"}:
        return True
    return _precedence(msg) in ("bulk", "junk", "auto_reply")
