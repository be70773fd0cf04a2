"""Inbound support mail, parsed: raw RFC 5322 bytes in, a plain and safe `InboundMail` out.

The e-mail channel turns mail sent to a support address into a ticket or a reply on one. This is
its pure layer: no database, no Django, and it never raises, because what arrives from the
internet is broken or hostile often enough. What it could not read it notes in `defects`; the
caller keeps the raw message, so a defect loses nothing for good.

Headers are read from their raw values rather than through the header registry alone: the
registry turns 8-bit bytes and unknown charsets into U+FFFD before we could try a fallback.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import hashlib
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.errors import MessageDefect
from email.headerregistry import HeaderRegistry, UnstructuredHeader
from email.message import Message
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from functools import partial
from html.parser import HTMLParser
from itertools import groupby
from operator import itemgetter
from typing import Any

MAX_SUBJECT = 500
MAX_TEXT = 1_000_000
MAX_HTML = 1_000_000  # characters handed to the HTML parser: pure Python, ~5 s per million
MAX_FILENAME = 150
MAX_ID = 255
MAX_NAME = 200
MAX_REFERENCES = 100
MAX_ADDRESSES = 500
MAX_DEPTH = 50
MAX_DEFECTS = 100
MAX_HEADER = 20_000  # characters of one header value read
MAX_MIME_HEADER = 4_000  # of a Content-Type/-Disposition: room for a long RFC 2231 filename
MAX_PARSED_ADDRESS = 500  # longer address headers skip the (quadratic) RFC 5322 parser
MAX_HEADER_VALUES = 20  # repeats of one address header read
AUTO_CODES = ("loop", "bounce", "auto-reply", "list")

# Whoever sends the mail picks the charset; these codecs are no text encoding a mailer uses and
# idna/punycode are slow on long input, so they count as unknown.
_UNSAFE_CODECS = frozenset({"idna", "punycode", "raw_unicode_escape", "unicode_escape"})
_TRANSFER_ENCODINGS = frozenset(
    {"", "7bit", "8bit", "binary", "base64", "quoted-printable", "x-uuencode", "uuencode", "uue"}
)
_EXTENSIONS = {
    "application/pdf": "pdf",
    "application/zip": "zip",
    "image/gif": "gif",
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "message/delivery-status": "txt",
    "message/rfc822": "eml",
    "text/calendar": "ics",
    "text/csv": "csv",
    "text/html": "html",
    "text/plain": "txt",
}
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
_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")
_SURROGATES = re.compile("[\ud800-\udfff]")
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_LINE_JUNK = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]")
_NON_ASCII_TEXT = re.compile("[^\x00-\x7f\ufffd]")
_BAD_QP = re.compile(r"=(?![0-9A-Fa-f]{2}|[ \t]*(?:\r?\n|$))")
_TICKET = re.compile(r"\[#([0-9]{1,18})\]")


class _MimeHeader(UnstructuredHeader):
    """Content-Type, -Disposition and -Transfer-Encoding kept as capped text. The stdlib reads
    their parameters from the string anyway, while its structured parser for them is quadratic
    on hostile input (a 20 kB Content-Type took 17 s on CPython 3.12.1) and runs for every part
    during parsing; the cap also bounds the parameter splitting, quadratic too."""

    @classmethod
    def parse(cls, value: str, kwds: dict[str, Any]) -> None:
        super().parse(value[:MAX_MIME_HEADER], kwds)


def _policy() -> Any:
    """policy.default with the MIME headers above as plain text; nothing else changes."""
    registry = HeaderRegistry()
    for name in ("content-type", "content-disposition", "content-transfer-encoding"):
        registry.map_to_type(name, _MimeHeader)  # type: ignore[arg-type]  # BaseHeader is mixed in
    return policy.default.clone(header_factory=registry)


_POLICY = _policy()
_VERBATIM = _POLICY.clone(refold_source="none")  # re-serialise headers as they came


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
        msg, whole = message_from_bytes(data, policy=_POLICY), True
    except Exception as exc:  # the stdlib parser recurses per MIME level: deep nesting kills it
        msg, whole = BytesParser(policy=_POLICY).parsebytes(data, headersonly=True), False
        draft.defects.append(f"MIME structure unreadable ({type(exc).__name__}); headers only")
    if not msg.keys():
        draft.defects.append("message has no headers")
    return msg, whole


def _read_subject(msg: Message, draft: _Draft) -> None:
    draft.subject = _subject(msg, draft.defects)


def _read_date(msg: Message, draft: _Draft) -> None:
    draft.date = _date(msg, draft.defects)


def _read_auto(msg: Message, draft: _Draft, *, own: set[str]) -> None:
    draft.auto = _auto(msg, draft.from_address, own)


def _read_ids(msg: Message, draft: _Draft) -> None:
    ids = _ids(_raw_all(msg, "Message-ID"))
    if ids:
        draft.message_id = ids[0]
    draft.in_reply_to = _ids(_raw_all(msg, "In-Reply-To"))
    draft.references = _ids(_raw_all(msg, "References"))[-MAX_REFERENCES:]


# --- headers ---------------------------------------------------------------------------------


def _raw_all(msg: Message, name: str) -> list[str]:
    """Every value of one header as it arrived, unfolded; 8-bit bytes are surrogate escapes."""
    wanted = name.lower()
    values = [str(v)[: MAX_HEADER * 2] for k, v in msg.raw_items() if str(k).lower() == wanted]
    return [re.sub(r"[\r\n]", "", re.sub(r"\r?\n(?=[ \t])", "", v))[:MAX_HEADER] for v in values]


def _first(msg: Message, name: str) -> str:
    values = _raw_all(msg, name)
    return values[0] if values else ""


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _line(text: str) -> str:
    """One line of display text: no control or bidi-override characters, whitespace collapsed."""
    return " ".join(_LINE_JUNK.sub(" ", text).split())


def _ids(values: list[str]) -> list[str]:
    """Message ids without brackets, in order, once each. Some mailers drop the brackets, so
    bare tokens with an "@" count when a value has no bracketed id. Long ids are cut the same
    way wherever they appear, so threading still matches them."""
    found: list[str] = []
    for value in values:
        ids = _ID.findall(value) or [t for t in re.split(r"[\s,]+", value) if "@" in t]
        found.extend(_LINE_JUNK.sub("", i)[:MAX_ID] for i in ids)
    return _unique(i for i in found if i)


def _subject(msg: Message, defects: list[str]) -> str:
    value = _first(msg, "Subject")
    text = _decode_words(_repair(value, defects, "Subject header"), defects, "Subject header")
    return _line(text)[:MAX_SUBJECT]


def _repair(value: str, defects: list[str], label: str) -> str:
    """Raw 8-bit header bytes made text: UTF-8 as RFC 6532 allows, else the body fallbacks."""
    if not _SURROGATES.search(value):
        return value
    try:
        data = value.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return _SURROGATES.sub("", value)
    return _decode(data, "utf-8", defects, label)


def _decode_words(text: str, defects: list[str], label: str) -> str:
    """RFC 2047 encoded words decoded with the same charset fallbacks as bodies. Adjacent words
    are joined before decoding (mailers split multi-byte characters across them) and the
    whitespace between them is dropped, as the RFC says."""
    out: list[str] = []
    pending: list[tuple[str, bytes]] = []
    pos = 0
    for match in _WORD.finditer(text):
        gap = text[pos : match.start()]
        if gap.strip() or not pending:
            out.extend((_flush(pending, defects, label), gap))
        pending.append((match.group(1).split("*")[0], _word_bytes(match, defects, label)))
        pos = match.end()
    out.extend((_flush(pending, defects, label), text[pos:]))
    return "".join(out)


def _flush(pending: list[tuple[str, bytes]], defects: list[str], label: str) -> str:
    runs = groupby(pending, key=itemgetter(0))
    text = "".join(_decode(b"".join(d for _, d in run), cs, defects, label) for cs, run in runs)
    pending.clear()
    return text


def _word_bytes(match: re.Match[str], defects: list[str], label: str) -> bytes:
    payload = match.group(3)
    if match.group(2).lower() == "q":
        return binascii.a2b_qp(payload.encode("utf-8"), header=True)
    try:
        return base64.b64decode(payload + "=" * (-len(payload) % 4), validate=True)
    except (binascii.Error, ValueError):
        defects.append(f"{label}: invalid base64 in an encoded word")
        return payload.encode("utf-8")


def _addresses(msg: Message, name: str, defects: list[str]) -> list[tuple[str, str]]:
    """(display name, lower-cased addr-spec or "") for every address in every `name` header."""
    pairs: list[tuple[str, str]] = []
    for value in _raw_all(msg, name)[:MAX_HEADER_VALUES]:
        pairs.extend(_address_pairs(_repair(value, defects, f"{name} header")))
    return [(_line(n)[:MAX_NAME], _addr_spec(a)) for n, a in pairs[:MAX_ADDRESSES]]


def _address_pairs(value: str) -> list[tuple[str, str]]:
    """The header registry's RFC 5322 parser (any header parses as an address list when asked
    as "to"). It is quadratic on hostile input, so a long value (a long recipient list, never
    a real From) or one it gives up on goes to the older, lenient and linear parser."""
    strict = _strict_pairs(value) if len(value) <= MAX_PARSED_ADDRESS else None
    if strict is not None:
        return strict
    return [(_decode_words(n, [], ""), a) for n, a in getaddresses([value])]


def _strict_pairs(value: str) -> list[tuple[str, str]] | None:
    try:
        header = _POLICY.header_factory("to", value)
        return [(str(a.display_name), str(a.addr_spec)) for a in header.addresses]
    except Exception:
        return None


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
    value = _first(msg, "Date")
    if not value.strip():
        return None
    try:
        moment = parsedate_to_datetime(value)
        return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)
    except Exception:
        defects.append(f"unreadable Date header {_line(value)[:80]!r}")
        return None


# --- auto-replies, bounces, lists and loops ---------------------------------------------------


def _auto(msg: Message, sender: str, own: set[str]) -> str:
    """Why this mail must not be answered, or "". A loop is checked first because answering
    one costs the most; a bounce next, since bounces often carry auto-reply headers too."""
    if (sender and sender in own) or _raw_all(msg, "X-Clientela-Loop"):
        return "loop"
    if _is_bounce(msg):
        return "bounce"
    if _is_auto_reply(msg):
        return "auto-reply"
    if _precedence(msg) == "list" or _raw_all(msg, "List-Id") or _raw_all(msg, "List-Unsubscribe"):
        return "list"
    return ""


def _precedence(msg: Message) -> str:
    return _first(msg, "Precedence").strip().lower()


def _is_bounce(msg: Message) -> bool:
    if any(re.fullmatch(r"<\s*>", v.strip()) for v in _raw_all(msg, "Return-Path")):
        return True
    senders = [
        a for n in ("From", "Sender") for v in _raw_all(msg, n) for _, a in _address_pairs(v)
    ]
    if any(a.split("@")[0].strip().lower() in ("mailer-daemon", "postmaster") for a in senders):
        return True
    if _content_type(msg) != "multipart/report":
        return False
    try:
        report = _params(msg).get_param("report-type") or ""
    except Exception:  # RFC 2231 parameters can be broken in many ways
        return False
    return str(report).strip().lower() == "delivery-status"


def _is_auto_reply(msg: Message) -> bool:
    submitted = _first(msg, "Auto-Submitted").split(";")[0].strip().lower()
    if submitted not in ("", "no"):
        return True
    flags = _raw_all(msg, "X-Autoreply") + _raw_all(msg, "X-Autorespond")
    if any(v.strip().lower() not in ("no", "false", "0") for v in flags):
        return True
    suppressed = ",".join(_raw_all(msg, "X-Auto-Response-Suppress")).lower().split(",")
    if {t.strip() for t in suppressed} & {"all", "oof", "autoreply"}:
        return True
    return _precedence(msg) in ("bulk", "junk", "auto_reply")


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
        text = "\n\n".join(_html_to_text(h, draft.defects) for h in draft.html)
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
        label = "message" if seen == 1 else f"part {seen} ({_content_type(part)})"
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
    if not _content_type(part).startswith("multipart/"):
        return None
    payload = part.get_payload()
    if not isinstance(payload, list):
        return None
    return [p for p in payload if isinstance(p, Message)]


def _describe(defect: MessageDefect) -> str:
    name = type(defect).__name__
    doc = (type(defect).__doc__ or name).strip().splitlines()[0].rstrip(".")
    return _DEFECT_TEXT.get(name, doc)


def _content_type(part: Message) -> str:
    try:
        return part.get_content_type()
    except Exception:
        return "application/octet-stream"


def _params(part: Message) -> Message:
    """A compat32 copy of the part's Content-Type and Content-Disposition, repaired to text
    first: the header registry reads 8-bit bytes in a parameter (a filename) as U+FFFD."""
    view = Message()
    for name in ("Content-Type", "Content-Disposition"):
        value = _first(part, name)[:MAX_MIME_HEADER]
        if value:
            view[name] = _repair(value, [], name)
    return view


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
    ctype = _content_type(part)
    view = _params(part)
    disposition = view.get_content_disposition()
    filename = _decode_words(_filename(view), draft.defects, label)
    is_text = ctype in ("text/plain", "text/html") or ctype.startswith("multipart/")
    if is_text and disposition != "attachment" and not filename:
        data = _payload(part, label, draft.defects)
        text = _decode(data, _charset(view), draft.defects, label)
        (draft.html if ctype == "text/html" else draft.plain).append(text)
        return
    if ctype in ("message/rfc822", "message/global"):
        filename = _forwarded_name(part)
    content = _payload(part, label, draft.defects)
    filename = _safe_filename(filename, ctype, len(draft.attachments) + 1)
    if len(content) > limits.max_attachment_bytes:
        draft.defects.append(
            f"attachment {filename!r} ({len(content)} bytes) dropped: "
            f"over the {limits.max_attachment_bytes}-byte limit"
        )
        return
    content_ids = _ids([_first(part, "Content-ID")])
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
    encoding = _first(part, "Content-Transfer-Encoding").strip().lower()
    if encoding not in _TRANSFER_ENCODINGS:
        defects.append(f"{label}: unknown transfer encoding {_line(encoding)[:40]!r}; read as is")
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


# --- text ------------------------------------------------------------------------------------


def _decode(data: bytes, charset: str | None, defects: list[str], label: str) -> str:
    """Bytes to text by the declared charset. US-ASCII, also the default, is read as UTF-8, its
    superset, since 8-bit text under an ASCII label is nearly always UTF-8 today. When the
    charset is unknown or lies, the fallbacks below decide and a defect says so."""
    name = (charset or "us-ascii").strip().strip('"').lower()
    codec = _codec(name)
    if codec == "ascii":
        codec = "utf-8"
    if codec is not None:
        try:
            return data.decode(codec)
        except UnicodeError:
            reason = f"text is not valid {name}"
    else:
        reason = f"unknown charset {_line(name)[:40]!r}"
    text, used = _fallback(data, codec)
    defects.append(f"{label}: {reason}; read as {used}")
    return text


def _fallback(data: bytes, codec: str | None) -> tuple[str, str]:
    """A known charset with a few bad bytes keeps its reading; otherwise UTF-8 when the bytes
    are mostly UTF-8 (with U+FFFD for the damage), else latin-1, which reads every byte."""
    if codec not in (None, "utf-8"):
        return data.decode(codec, "replace"), f"{codec} with replacement characters"
    lenient = data.decode("utf-8", "replace")
    if "\ufffd" not in lenient:
        return lenient, "utf-8"
    if _NON_ASCII_TEXT.search(lenient):
        return lenient, "utf-8 with replacement characters"
    return data.decode("latin-1"), "latin-1"


def _codec(name: str) -> str | None:
    try:
        codec = codecs.lookup(name)
    except (LookupError, ValueError, TypeError):
        return None
    # bytes.decode() itself refuses codecs flagged as not text (base64, zlib…)
    if codec.name in _UNSAFE_CODECS or not getattr(codec, "_is_text_encoding", True):
        return None
    return codec.name


class _TextExtractor(HTMLParser):
    """The visible text of an HTML body. Nothing is fetched or run: tags only decide where line
    breaks go, and the content of script, style and head is dropped."""

    SKIP = frozenset({"script", "style", "head", "title", "template"})
    BLOCK = frozenset(
        {"br", "p", "div", "li", "tr", "ul", "ol", "table", "blockquote", "pre", "hr"}
        | {"h1", "h2", "h3", "h4", "h5", "h6", "section", "article", "header", "footer"}
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self.skipping: list[str] = []
        self.pre = 0  # inside <pre>, whitespace is the text's own layout

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "body":  # an unclosed <head> must not swallow the body
            self.skipping = [t for t in self.skipping if t != "head"]
        if tag in self.SKIP:
            self.skipping.append(tag)
        elif tag in self.BLOCK:
            self.chunks.append("\n")
        self.pre += tag == "pre"

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in self.SKIP:  # "<script/>" has no content to skip
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.skipping:
            while self.skipping.pop() != tag:
                continue
        elif tag in self.BLOCK:
            self.chunks.append("\n")
        self.pre -= tag == "pre" and self.pre > 0

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.chunks.append(data if self.pre else re.sub(r"\s+", " ", data))


def _html_to_text(markup: str, defects: list[str]) -> str:
    if len(markup) > MAX_HTML:
        defects.append(f"HTML body cut to {MAX_HTML} characters before conversion")
        markup = markup[:MAX_HTML]
    parser = _TextExtractor()
    try:
        parser.feed(markup + "<br>")  # the tag ends any trailing text held back as "&..."
    except Exception as exc:
        defects.append(f"HTML body only partly converted ({type(exc).__name__})")
    # What is left is an unclosed tag, comment or script, which a browser would not show either;
    # close() would print it as text, char by char, quadratic before CPython 3.12.11.
    if parser.rawdata:
        defects.append("HTML body ends in an unclosed tag or comment; the rest was dropped")
    lines = (line.strip() for line in "".join(parser.chunks).split("\n"))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _safe_filename(name: str, content_type: str, number: int) -> str:
    """A name safe to show and to offer for download: no directories, no control or format
    characters (a right-to-left override can disguise an extension), at most MAX_FILENAME
    characters with the extension kept, and never empty."""
    name = "".join(
        c for c in unicodedata.normalize("NFC", name) if unicodedata.category(c)[0] != "C"
    )
    name = " ".join(re.split(r"[/\\]", name)[-1].split()).strip(" .")
    if not name:
        return f"attachment-{number}.{_EXTENSIONS.get(content_type, 'bin')}"
    if len(name) <= MAX_FILENAME:
        return name
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem or len(ext) > 16 or not ext.isalnum():
        return name[:MAX_FILENAME].rstrip(" .")
    return f"{stem[: MAX_FILENAME - len(ext) - 1].rstrip(' .')}.{ext}"


# --- subjects and replies --------------------------------------------------------------------


def ticket_reference(subject: str) -> int | None:
    """The ticket number of a "[#123]" tag anywhere in a subject. A bare "Ticket #123" is not
    enough: customers write such phrases themselves about other systems' tickets."""
    match = _TICKET.search(subject)
    return int(match.group(1)) if match else None


_ATTRIBUTION = re.compile(
    r"\s*(on|em|el)\s.{0,300}?\b(wrote|escreveu|escribió)\s?:\s*$", re.IGNORECASE
)
_ORIGINAL = re.compile(
    r"\s*-{2,}\s*(original message|mensagem original|mensaje original)\s*-{2,}\s*$",
    re.IGNORECASE,
)
_OUTLOOK_FROM = re.compile(r"\s*\*?(from|de)\s*:\*?\s*\S", re.IGNORECASE)
_OUTLOOK_NEXT = re.compile(
    r"\s*\*?(sent|date|to|cc|subject|enviado|enviada|data|para|assunto)\s*:", re.IGNORECASE
)
_RULE = re.compile(r"\s*[_-]{2,}\s*")


def new_text(text: str) -> str:
    """What a reply adds above the quoted history, so a ticket shows each message once. If the
    cut would leave nothing (a top-quoted forward, say), the whole text is kept."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    cut = next((i for i in range(len(lines)) if _starts_history(lines, i)), len(lines))
    kept = lines[:cut]
    while kept and (not kept[-1].strip() or kept[-1].lstrip().startswith(">") or _rule(kept[-1])):
        kept.pop()
    return "\n".join(kept).strip() or text.strip()


def _starts_history(lines: list[str], i: int) -> bool:
    line = lines[i]
    if _ORIGINAL.match(line) or _ATTRIBUTION.match(line):
        return True
    if i + 1 < len(lines) and _ATTRIBUTION.match(f"{line} {lines[i + 1]}"):
        return True  # a long attribution wrapped onto two lines
    after_gap = i == 0 or not lines[i - 1].strip() or _rule(lines[i - 1])
    return (
        after_gap
        and bool(_OUTLOOK_FROM.match(line))
        and any(_OUTLOOK_NEXT.match(n) for n in lines[i + 1 : i + 4])
    )


def _rule(line: str) -> bool:
    """A separator such as Outlook's "______" line above its quoted header block."""
    return bool(_RULE.fullmatch(line))
