"""Inbound support mail, parsed: raw RFC 5322 bytes in, a plain and safe `InboundMail` out.

The e-mail channel turns mail sent to a support address into a ticket or a reply on one. This is
its pure layer: no database, no Django, and it never raises, because what arrives from the
internet is broken or hostile often enough. What it could not read it notes in `defects`; the
caller keeps the raw message, so a defect loses nothing for good.

Headers are read from their raw values (see `mailheaders`); the text itself (charsets, encoded
words, HTML bodies, the reply cut, attachment names) in `mailtext`; whether the mail must not
be answered (a loop, bounce, auto-reply or list mail) is decided in `mailauto`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import message_from_bytes
from email.errors import MessageDefect
from email.message import Message
from email.parser import BytesParser
from email.utils import parsedate_to_datetime
from functools import partial

from clientela.service.mailauto import AUTO_CODES as AUTO_CODES  # public API
from clientela.service.mailauto import auto
from clientela.service.mailheaders import (
    POLICY,
    address_pairs,
    content_type,
    first,
    params,
    raw_all,
)
from clientela.service.mailtext import (
    LINE_JUNK,
    decode,
    decode_words,
    display_line,
    html_to_text,
    repair,
    safe_filename,
)
from clientela.service.mailtext import new_text as new_text  # public API, used by inbound.py

MAX_SUBJECT = 500
MAX_TEXT = 1_000_000
MAX_ID = 255
MAX_NAME = 200
MAX_REFERENCES = 100
MAX_ADDRESSES = 500
MAX_DEPTH = 50
MAX_DEFECTS = 100
MAX_HEADER_VALUES = 20  # repeats of one address header read

_TRANSFER_ENCODINGS = frozenset(
    {"", "7bit", "8bit", "binary", "base64", "quoted-printable", "x-uuencode", "uuencode", "uue"}
)
_DEFECT_TEXT = {
    "CloseBoundaryNotFoundDefect": "closing MIME boundary missing (message probably truncated)",
    "StartBoundaryNotFoundDefect": "declared MIME boundary never found",
    "NoBoundaryInMultipartDefect": "multipart without a boundary; read as plain text",
    "MissingHeaderBodySeparatorDefect": "no blank line between headers and body",
    "InvalidBase64PaddingDefect": "invalid base64 (bad padding)",
    "InvalidBase64CharactersDefect": "invalid base64 (characters outside the alphabet skipped)",
    "InvalidBase64LengthDefect": "invalid base64 (impossible length); content left undecoded",
}

_ID = re.compile(r"<([^<>\s]+)>")
_ADDRESS = re.compile(r"[^\s@<>()\[\],;:\\\"]+@[\w.-]+")
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_BAD_QP = re.compile(r"=(?![0-9A-Fa-f]{2}|[ \t]*(?:\r?\n|$))")
_TICKET = re.compile(r"\[#([0-9]{1,18})\]")


_VERBATIM = POLICY.clone(refold_source="none")  # re-serialise headers as they came


@dataclass(frozen=True)
class Attachment:
    """One attached file. `content_type` is what the sender declared, so whoever serves the
    file must not trust it; `inline` marks an embedded image (a Content-ID and no
    "attachment" disposition), which a ticket view shows in place rather than as a download."""

    filename: str
    content_type: str
    content: bytes
    inline: bool
    content_id: str


@dataclass(frozen=True)
class InboundMail:
    """One inbound message as plain values (see `parse`). `auto` is "" for a person, else the
    reason not to answer (one of AUTO_CODES); `defects` says what could not be read cleanly."""

    message_id: str
    in_reply_to: tuple[str, ...]
    references: tuple[str, ...]
    subject: str
    from_address: str
    from_name: str
    reply_to: str
    to: tuple[str, ...]
    date: datetime | None
    text: str
    attachments: tuple[Attachment, ...]
    auto: str
    defects: tuple[str, ...]


@dataclass(frozen=True)
class _Limits:
    max_parts: int
    max_attachment_bytes: int


@dataclass
class _Draft:
    """What has been read so far: `parse` returns it even when reading stopped half-way."""

    message_id: str
    in_reply_to: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    subject: str = ""
    from_address: str = ""
    from_name: str = ""
    reply_to: str = ""
    to: list[str] = field(default_factory=list)
    date: datetime | None = None
    text: str = ""
    plain: list[str] = field(default_factory=list)
    html: list[str] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    auto: str = ""
    defects: list[str] = field(default_factory=list)

    def freeze(self) -> InboundMail:
        defects = _unique(self.defects)
        if len(defects) > MAX_DEFECTS:
            hidden = len(defects) - MAX_DEFECTS + 1
            defects = [*defects[: MAX_DEFECTS - 1], f"{hidden} more defects not listed"]
        return InboundMail(
            message_id=self.message_id,
            in_reply_to=tuple(self.in_reply_to),
            references=tuple(self.references),
            subject=self.subject,
            from_address=self.from_address,
            from_name=self.from_name,
            reply_to=self.reply_to,
            to=tuple(self.to),
            date=self.date,
            text=self.text,
            attachments=tuple(self.attachments),
            auto=self.auto,
            defects=tuple(defects),
        )


def parse(
    raw: bytes,
    *,
    own_addresses: Iterable[str] = (),
    max_parts: int = 200,
    max_attachment_bytes: int = 25 * 1024 * 1024,
) -> InboundMail:
    """Read one raw message. Never raises: a failure half-way returns what was read so far,
    with a defect saying reading stopped, so the caller can still file the mail somewhere."""
    if isinstance(raw, bytes):
        data = raw
    elif isinstance(raw, bytearray | memoryview):
        data = bytes(raw)
    else:  # a str (or worse) where bytes were promised
        data = str(raw).encode("utf-8", "surrogatepass")
    digest = hashlib.sha256(data).hexdigest()[:32]
    draft = _Draft(message_id=f"missing-{digest}@clientela.invalid")
    try:
        own = {a.strip().lower() for a in own_addresses if isinstance(a, str)}
        _read(data, draft, own, _Limits(max_parts, max_attachment_bytes))
    except Exception as exc:
        draft.defects.append(f"reading stopped early ({type(exc).__name__}); kept what was read")
    return draft.freeze()


def _read(data: bytes, draft: _Draft, own: set[str], limits: _Limits) -> None:
    """Each field is read on its own, so one that trips the stdlib costs only itself."""
    msg, whole = _message(data, draft)
    steps: list[tuple[str, Callable[[Message, _Draft], None]]] = [
        ("message ids", _read_ids),
        ("Subject", _read_subject),
        ("addresses", _read_people),
        ("Date", _read_date),
        ("auto-reply headers", partial(_read_auto, own=own)),
    ]
    if whole:
        steps.append(("MIME parts", partial(_read_parts, limits=limits)))
    for what, step in steps:
        try:
            step(msg, draft)
        except Exception as exc:
            draft.defects.append(f"{what}: reading stopped early ({type(exc).__name__})")


def _message(data: bytes, draft: _Draft) -> tuple[Message, bool]:
    """The parsed message, and whether its MIME structure could be read at all."""
    try:
        msg, whole = message_from_bytes(data, policy=POLICY), True
    except Exception as exc:  # the stdlib parser recurses per MIME level: deep nesting kills it
        msg, whole = BytesParser(policy=POLICY).parsebytes(data, headersonly=True), False
        draft.defects.append(f"MIME structure unreadable ({type(exc).__name__}); headers only")
    if not msg.keys():
        draft.defects.append("message has no headers")
    return msg, whole


def _read_subject(msg: Message, draft: _Draft) -> None:
    draft.subject = _subject(msg, draft.defects)


def _read_date(msg: Message, draft: _Draft) -> None:
    draft.date = _date(msg, draft.defects)


def _read_auto(msg: Message, draft: _Draft, *, own: set[str]) -> None:
    draft.auto = auto(msg, draft.from_address, own)


def _read_ids(msg: Message, draft: _Draft) -> None:
    ids = _ids(raw_all(msg, "Message-ID"))
    if ids:
        draft.message_id = ids[0]
    draft.in_reply_to = _ids(raw_all(msg, "In-Reply-To"))
    draft.references = _ids(raw_all(msg, "References"))[-MAX_REFERENCES:]


# --- headers ---------------------------------------------------------------------------------


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _ids(values: list[str]) -> list[str]:
    """Message ids without brackets, in order, once each. Some mailers drop the brackets, so
    bare tokens with an "@" count when a value has no bracketed id. Long ids are cut the same
    way wherever they appear, so threading still matches them."""
    found: list[str] = []
    for value in values:
        ids = _ID.findall(value) or [t for t in re.split(r"[\s,]+", value) if "@" in t]
        found.extend(LINE_JUNK.sub("", i)[:MAX_ID] for i in ids)
    return _unique(i for i in found if i)


def _subject(msg: Message, defects: list[str]) -> str:
    value = first(msg, "Subject")
    text = decode_words(repair(value, defects, "Subject header"), defects, "Subject header")
    return display_line(text)[:MAX_SUBJECT]


def _addresses(msg: Message, name: str, defects: list[str]) -> list[tuple[str, str]]:
    """(display name, lower-cased addr-spec or "") for every address in every `name` header."""
    pairs: list[tuple[str, str]] = []
    for value in raw_all(msg, name)[:MAX_HEADER_VALUES]:
        pairs.extend(address_pairs(repair(value, defects, f"{name} header")))
    return [(display_line(n)[:MAX_NAME], _addr_spec(a)) for n, a in pairs[:MAX_ADDRESSES]]


def _addr_spec(address: str) -> str:
    address = address.strip().lower()
    return address if len(address) <= 320 and _ADDRESS.fullmatch(address) else ""


def _read_people(msg: Message, draft: _Draft) -> None:
    senders = _addresses(msg, "From", draft.defects)
    if senders:
        draft.from_name, draft.from_address = senders[0]
    replies = [a for _, a in _addresses(msg, "Reply-To", draft.defects) if a]
    draft.reply_to = replies[0] if replies else ""
    names = ("To", "Cc", "Delivered-To", "X-Original-To")
    found = [a for n in names for _, a in _addresses(msg, n, draft.defects) if a]
    draft.to = _unique(found)[:MAX_ADDRESSES]


def _date(msg: Message, defects: list[str]) -> datetime | None:
    value = first(msg, "Date")
    if not value.strip():
        return None
    try:
        moment = parsedate_to_datetime(value)
        return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)
    except Exception:
        defects.append(f"unreadable Date header {display_line(value)[:80]!r}")
        return None


# --- MIME parts ------------------------------------------------------------------------------


def _read_parts(msg: Message, draft: _Draft, *, limits: _Limits) -> None:
    for label, part in _leaves(msg, limits.max_parts, draft.defects):
        try:
            _read_part(part, label, draft, limits)
        except Exception as exc:
            draft.defects.append(f"{label}: could not be read ({type(exc).__name__})")
    if draft.plain:
        text = "\n\n".join(draft.plain)
    else:
        text = "\n\n".join(html_to_text(h, draft.defects) for h in draft.html)
    text = _CONTROLS.sub("", text.replace("\r\n", "\n").replace("\r", "\n")).strip()
    if len(text) > MAX_TEXT:
        draft.defects.append(f"body text cut to {MAX_TEXT} characters")
        text = text[:MAX_TEXT]
    draft.text = text


def _leaves(msg: Message, max_parts: int, defects: list[str]) -> list[tuple[str, Message]]:
    """The parts that carry content, labelled, in document order. Multiparts are walked, not
    read; a forwarded message is a leaf (it becomes an .eml). The walk keeps its own stack and
    counts parts, so a hostile nesting cannot exhaust the interpreter's stack or our time.
    A structural defect is noted once, at the first part that shows it."""
    found: list[tuple[str, Message]] = []
    noted: set[str] = set()
    stack: list[tuple[Message, int]] = [(msg, 1)]
    seen = 0
    while stack:
        part, depth = stack.pop()
        seen += 1
        if seen > max_parts:
            defects.append(f"too many MIME parts (more than {max_parts}); the rest were not read")
            break
        label = "message" if seen == 1 else f"part {seen} ({content_type(part)})"
        for text in (_describe(d) for d in part.defects):
            if text not in noted:
                noted.add(text)
                defects.append(f"{label}: {text}")
        children = _children(part)
        if children is None:
            found.append((label, part))
        elif depth >= MAX_DEPTH:
            defects.append(f"{label}: MIME nesting deeper than {MAX_DEPTH}; not read")
        else:
            stack.extend((child, depth + 1) for child in reversed(children))
    return found


def _children(part: Message) -> list[Message] | None:
    if not content_type(part).startswith("multipart/"):
        return None
    payload = part.get_payload()
    if not isinstance(payload, list):
        return None
    return [p for p in payload if isinstance(p, Message)]


def _describe(defect: MessageDefect) -> str:
    name = type(defect).__name__
    doc = (type(defect).__doc__ or name).strip().splitlines()[0].rstrip(".")
    return _DEFECT_TEXT.get(name, doc)


def _charset(view: Message) -> str | None:
    try:
        return view.get_content_charset()
    except Exception:  # an RFC 2231 parameter names its own charset: anything, NULs included
        return "x-unreadable"


def _filename(view: Message) -> str:
    try:
        return view.get_filename() or ""
    except Exception:
        return ""


def _read_part(part: Message, label: str, draft: _Draft, limits: _Limits) -> None:
    ctype = content_type(part)
    view = params(part)
    disposition = view.get_content_disposition()
    filename = decode_words(_filename(view), draft.defects, label)
    is_text = ctype in ("text/plain", "text/html") or ctype.startswith("multipart/")
    if is_text and disposition != "attachment" and not filename:
        data = _payload(part, label, draft.defects)
        text = decode(data, _charset(view), draft.defects, label)
        (draft.html if ctype == "text/html" else draft.plain).append(text)
        return
    if ctype in ("message/rfc822", "message/global"):
        filename = _forwarded_name(part)
    content = _payload(part, label, draft.defects)
    filename = safe_filename(filename, ctype, len(draft.attachments) + 1)
    if len(content) > limits.max_attachment_bytes:
        draft.defects.append(
            f"attachment {filename!r} ({len(content)} bytes) dropped: "
            f"over the {limits.max_attachment_bytes}-byte limit"
        )
        return
    content_ids = _ids([first(part, "Content-ID")])
    content_id = content_ids[0] if content_ids else ""
    inline = disposition != "attachment" and bool(content_id)
    draft.attachments.append(Attachment(filename, ctype, content, inline, content_id))


def _payload(part: Message, label: str, defects: list[str]) -> bytes:
    """A leaf's decoded bytes. Transfer-encoding damage becomes defects: the stdlib notes bad
    base64 on the part as it decodes, and lets bad quoted-printable through silently."""
    if part.is_multipart():  # message/*: the embedded message(s), serialised again
        inner = [p for p in part.get_payload() if isinstance(p, Message)]
        return b"".join(_serialise(p, label, defects) for p in inner)
    before = len(part.defects)
    data = part.get_payload(decode=True)
    defects.extend(f"{label}: {_describe(d)}" for d in part.defects[before:])
    encoding = first(part, "Content-Transfer-Encoding").strip().lower()
    if encoding not in _TRANSFER_ENCODINGS:
        shown = display_line(encoding)[:40]
        defects.append(f"{label}: unknown transfer encoding {shown!r}; read as is")
    elif encoding == "quoted-printable" and _BAD_QP.search(_encoded_text(part)):
        defects.append(f"{label}: invalid quoted-printable (kept as is)")
    return data if isinstance(data, bytes) else b""


def _encoded_text(part: Message) -> str:
    """The payload as it arrived; the stdlib's own accessor stumbles on odd charset params."""
    try:
        return str(part.get_payload())
    except Exception:
        return ""


def _serialise(msg: Message, label: str, defects: list[str]) -> bytes:
    """An embedded message as bytes again, headers as they came. The generator refuses some
    damaged messages; then the text form is kept, and failing that nothing (with a defect)."""
    try:
        return msg.as_bytes(policy=_VERBATIM)
    except Exception:
        defects.append(f"{label}: embedded message re-serialised as text")
    try:
        return msg.as_string(policy=_VERBATIM).encode("utf-8", "surrogateescape")
    except Exception:
        defects.append(f"{label}: embedded message could not be serialised; left empty")
        return b""


def _forwarded_name(part: Message) -> str:
    payload = part.get_payload()
    inner = payload[0] if isinstance(payload, list) and payload else None
    subject = _subject(inner, []) if isinstance(inner, Message) else ""
    subject = subject.replace("/", "-").replace("\\", "-")  # a subject is no path
    return f"{subject or 'message'}.eml"


# --- subjects --------------------------------------------------------------------------------


def ticket_reference(subject: str) -> int | None:
    """The ticket number of a "[#123]" tag anywhere in a subject. A bare "Ticket #123" is not
    enough: customers write such phrases themselves about other systems' tickets."""
    match = _TICKET.search(subject)
    return int(match.group(1)) if match else None
