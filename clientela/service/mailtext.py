"""Mail text made readable: bytes in a declared (or lying) charset, RFC 2047 encoded words, HTML
bodies as plain text, the cut of a reply above its quoted history, and attachment file names
made safe to show and to offer for download.

Pure and never raising on hostile input, like `mailparse`, which walks the headers and MIME parts
and hands their bytes and text here. What could not be read cleanly is noted in `defects`.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import re
import unicodedata
from html.parser import HTMLParser
from itertools import groupby
from operator import itemgetter

MAX_HTML = 1_000_000  # characters handed to the HTML parser: pure Python, ~5 s per million
MAX_FILENAME = 150

# Whoever sends the mail picks the charset; these codecs are no text encoding a mailer uses and
# idna/punycode are slow on long input, so they count as unknown.
_UNSAFE_CODECS = frozenset({"idna", "punycode", "raw_unicode_escape", "unicode_escape"})

_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")
_SURROGATES = re.compile("[\ud800-\udfff]")
LINE_JUNK = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]")
_NON_ASCII_TEXT = re.compile("[^\x00-\x7f\ufffd]")


def display_line(text: str) -> str:
    """One line of display text: no control or bidi-override characters, whitespace collapsed."""
    return " ".join(LINE_JUNK.sub(" ", text).split())


# --- charsets and encoded words --------------------------------------------------------------


def repair(value: str, defects: list[str], label: str) -> str:
    """Raw 8-bit header bytes made text: UTF-8 as RFC 6532 allows, else the body fallbacks."""
    if not _SURROGATES.search(value):
        return value
    try:
        data = value.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return _SURROGATES.sub("", value)
    return decode(data, "utf-8", defects, label)


def decode_words(text: str, defects: list[str], label: str) -> str:
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
    text = "".join(decode(b"".join(d for _, d in run), cs, defects, label) for cs, run in runs)
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


def decode(data: bytes, charset: str | None, defects: list[str], label: str) -> str:
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
        reason = f"unknown charset {display_line(name)[:40]!r}"
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


# --- HTML ------------------------------------------------------------------------------------


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


def html_to_text(markup: str, defects: list[str]) -> str:
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


# --- replies ---------------------------------------------------------------------------------


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


# --- attachment names ------------------------------------------------------------------------


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


def safe_filename(name: str, content_type: str, number: int) -> str:
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
