"""Raw mail headers read as text, shared by `mailparse` and `mailauto`: the parsing policy,
every value of a header as it arrived, address pairs, and a part's Content-Type parameters.

Headers are read from their raw values rather than through the header registry alone: the
registry turns 8-bit bytes and unknown charsets into U+FFFD before we could try a fallback.
"""

from __future__ import annotations

import re
from email import policy
from email.headerregistry import HeaderRegistry, UnstructuredHeader
from email.message import Message
from email.utils import getaddresses
from typing import Any

from clientela.service.mailtext import decode_words, repair

MAX_HEADER = 20_000  # characters of one header value read
MAX_MIME_HEADER = 4_000  # of a Content-Type/-Disposition: room for a long RFC 2231 filename
MAX_PARSED_ADDRESS = 500  # longer address headers skip the (quadratic) RFC 5322 parser


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


POLICY = _policy()


def raw_all(msg: Message, name: str) -> list[str]:
    """Every value of one header as it arrived, unfolded; 8-bit bytes are surrogate escapes."""
    wanted = name.lower()
    values = [str(v)[: MAX_HEADER * 2] for k, v in msg.raw_items() if str(k).lower() == wanted]
    return [re.sub(r"[\r\n]", "", re.sub(r"\r?\n(?=[ \t])", "", v))[:MAX_HEADER] for v in values]


def first(msg: Message, name: str) -> str:
    values = raw_all(msg, name)
    return values[0] if values else ""


def address_pairs(value: str) -> list[tuple[str, str]]:
    """The header registry's RFC 5322 parser (any header parses as an address list when asked
    as "to"). It is quadratic on hostile input, so a long value (a long recipient list, never
    a real From) or one it gives up on goes to the older, lenient and linear parser."""
    strict = _strict_pairs(value) if len(value) <= MAX_PARSED_ADDRESS else None
    if strict is not None:
        return strict
    return [(decode_words(n, [], ""), a) for n, a in getaddresses([value])]


def _strict_pairs(value: str) -> list[tuple[str, str]] | None:
    try:
        header = POLICY.header_factory("to", value)
        return [(str(a.display_name), str(a.addr_spec)) for a in header.addresses]
    except Exception:
        return None


def content_type(part: Message) -> str:
    try:
        return part.get_content_type()
    except Exception:
        return "application/octet-stream"


def params(part: Message) -> Message:
    """A compat32 copy of the part's Content-Type and Content-Disposition, repaired to text
    first: the header registry reads 8-bit bytes in a parameter (a filename) as U+FFFD."""
    view = Message()
    for name in ("Content-Type", "Content-Disposition"):
        value = first(part, name)[:MAX_MIME_HEADER]
        if value:
            view[name] = repair(value, [], name)
    return view
