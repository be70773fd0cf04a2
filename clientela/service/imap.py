"""Fetching support mail from a mailbox by IMAP polling.

Pure protocol code: no models. The caller keeps a ``Cursor`` per mailbox in its own model and
stores each fetched message before calling ``mark_processed``, so a crash between the two fetches
the message again (the caller deduplicates by Message-ID) instead of losing it.

Messages are read with ``BODY.PEEK[]``, which leaves their \\Seen flag alone: a mailbox read by
people as well as by Clientela shows what Clientela has not yet stored as unread until
``mark_processed`` runs.
"""

from __future__ import annotations

import base64
import imaplib
import re
import socket
import ssl
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from itertools import batched
from typing import Any

MAX_UIDS_PER_COMMAND = 500  # keeps each UID set in a command line of a few kilobytes


class ImapError(Exception):
    """The mailbox could not be read or changed; the message says why, in plain English."""


@dataclass(frozen=True)
class ImapSettings:
    host: str
    port: int
    username: str
    password: str
    folder: str = "INBOX"
    use_ssl: bool = False  # IMAPS (port 993) when true
    starttls: bool = False
    processed_folder: str = ""  # move fetched mail here; "" = just mark it \Seen
    timeout: float = 30.0


@dataclass(frozen=True)
class Fetched:
    uid: int
    raw: bytes


@dataclass(frozen=True)
class Cursor:
    uidvalidity: int  # 0 = unknown
    last_uid: int  # highest UID already stored


def fetch_new(
    settings: ImapSettings, cursor: Cursor, *, batch: int = 200, limit: int = 5000
) -> tuple[list[Fetched], Cursor]:
    """The messages after ``cursor`` in UID order (at most ``limit``), and the cursor after them.

    When the folder's UIDVALIDITY is not the cursor's (the folder was recreated, or the cursor
    is new), its UIDs mean something else now: every message is fetched again from UID 1.
    """
    if batch < 1 or limit < 1:
        raise ValueError("batch and limit must be at least 1")
    with _session(settings) as conn:
        uidvalidity = _select(conn, settings.folder, readonly=True)
        after = cursor.last_uid if cursor.uidvalidity == uidvalidity else 0
        uids = _uids_after(conn, after)[:limit]
        fetched: list[Fetched] = []
        for chunk in batched(uids, batch):
            fetched.extend(_fetch(conn, chunk))
    last_uid = fetched[-1].uid if fetched else after
    return fetched, Cursor(uidvalidity=uidvalidity, last_uid=last_uid)


def mark_processed(settings: ImapSettings, uids: Sequence[int]) -> None:
    """Sets \\Seen on the stored messages, or moves them to ``processed_folder`` (created on
    first use). UIDs no longer in the folder are ignored."""
    if not uids:
        return
    with _session(settings) as conn:
        _select(conn, settings.folder, readonly=False)
        capabilities = _capabilities(conn) if settings.processed_folder else set()
        for chunk in batched(sorted(set(uids)), MAX_UIDS_PER_COMMAND):
            uid_set = _uid_set(chunk)
            if settings.processed_folder:
                _move(conn, uid_set, settings.processed_folder, capabilities)
            else:
                _ok(conn.uid("STORE", uid_set, "+FLAGS.SILENT", "(\\Seen)"), "mark mail as read")


def check(settings: ImapSettings) -> str:
    """An empty string when Clientela can sign in and open the folder, else what went wrong."""
    try:
        with _session(settings) as conn:
            _select(conn, settings.folder, readonly=True)
    except ImapError as error:
        return str(error)
    return ""


@contextmanager
def _session(settings: ImapSettings) -> Iterator[imaplib.IMAP4]:
    """A signed-in connection; imaplib's and the socket's errors come out as ``ImapError``."""
    try:
        conn = _connect(settings)
    except (OSError, imaplib.IMAP4.error) as error:
        raise ImapError(_problem(error, settings)) from error
    try:
        _login(conn, settings)
        yield conn
    except (OSError, imaplib.IMAP4.error) as error:
        raise ImapError(_problem(error, settings)) from error
    finally:
        _logout(conn)


def _connect(settings: ImapSettings) -> imaplib.IMAP4:
    host, port, timeout = settings.host, settings.port, settings.timeout
    if settings.use_ssl:
        context = ssl.create_default_context()
        return imaplib.IMAP4_SSL(host, port, ssl_context=context, timeout=timeout)
    conn = imaplib.IMAP4(host, port, timeout=timeout)
    try:
        if settings.starttls:
            if "STARTTLS" not in conn.capabilities:
                raise ImapError(f"The IMAP server at {host}:{port} does not offer STARTTLS.")
            conn.starttls(ssl.create_default_context())
    except BaseException:
        _logout(conn)
        raise
    return conn


def _login(conn: imaplib.IMAP4, settings: ImapSettings) -> None:
    if "LOGINDISABLED" in conn.capabilities:
        raise ImapError(
            f"The IMAP server at {settings.host}:{settings.port} does not accept a password "
            "over an unencrypted connection: turn on SSL or STARTTLS."
        )
    try:
        if (settings.username + settings.password).isascii():
            conn.login(settings.username, settings.password)
        elif "AUTH=PLAIN" in conn.capabilities:  # LOGIN is ASCII only; SASL PLAIN takes UTF-8
            plain = f"\0{settings.username}\0{settings.password}".encode()
            conn.authenticate("PLAIN", lambda _challenge: plain)
        else:
            raise ImapError("The IMAP server accepts only user names and passwords in ASCII.")
    except imaplib.IMAP4.abort:
        raise
    except imaplib.IMAP4.error as error:
        text = _text(error)
        if text.startswith("[AUTHENTICATIONFAILED]") or not text.startswith("["):
            raise ImapError("The IMAP server rejected the user name or password.") from error
        raise ImapError(f"The IMAP server refused the sign-in: {text}") from error


def _logout(conn: imaplib.IMAP4) -> None:
    with suppress(imaplib.IMAP4.error, OSError):
        conn.logout()  # closes the socket even when the server is gone


def _problem(error: OSError | imaplib.IMAP4.error, settings: ImapSettings) -> str:
    where = f"{settings.host}:{settings.port}"
    if isinstance(error, imaplib.IMAP4.abort):
        return f"The connection to {where} broke off: {_text(error)}"
    if isinstance(error, imaplib.IMAP4.error):
        return f"The IMAP server at {where} answered: {_text(error)}"
    if isinstance(error, socket.gaierror):
        return f"Unknown host {settings.host!r}."
    if isinstance(error, ConnectionRefusedError):
        return f"Nothing answers at {where} (connection refused)."
    if isinstance(error, TimeoutError):
        return f"No answer from {where} within {settings.timeout:g} seconds."
    if isinstance(error, ssl.SSLCertVerificationError):
        return f"The certificate of {where} cannot be trusted: {error.verify_message}."
    if isinstance(error, ssl.SSLError):
        return f"The secure connection to {where} failed: {error.reason or error}."
    return f"Cannot reach {where}: {error.strerror or error}."


def _select(conn: imaplib.IMAP4, folder: str, *, readonly: bool) -> int:
    """Opens the folder and answers its UIDVALIDITY."""
    mailbox = _mailbox(folder)
    typ, data = conn.select(mailbox, readonly=readonly)
    if typ != "OK":
        typ, listed = conn.list('""', mailbox)
        if typ == "OK" and not any(listed):
            raise ImapError(f"The folder {folder!r} does not exist on the IMAP server.")
        raise ImapError(f"Cannot open the folder {folder!r}: {_text(data[0])}")
    _typ, values = conn.response("UIDVALIDITY")
    if not values or values[-1] is None:
        raise ImapError(f"The IMAP server gave no UIDVALIDITY for the folder {folder!r}.")
    return int(values[-1])


def _uids_after(conn: imaplib.IMAP4, last_uid: int) -> list[int]:
    data = _ok(conn.uid("SEARCH", f"UID {last_uid + 1}:*"), "list new mail")
    # "n:*" always matches the folder's last message, even when its UID is below n.
    uids = {int(uid) for line in data if line for uid in line.split()}
    return sorted(uid for uid in uids if uid > last_uid)


_FETCH_UID = re.compile(rb"\bUID (\d+)")


def _fetch(conn: imaplib.IMAP4, uids: Sequence[int]) -> list[Fetched]:
    """Reads whole messages without setting \\Seen (``BODY.PEEK[]``), in UID order."""
    data = _ok(conn.uid("FETCH", _uid_set(uids), "(UID BODY.PEEK[])"), "read mail")
    found: list[Fetched] = []
    body: bytes | None = None  # a message whose UID comes after its body
    for item in data:
        if isinstance(item, tuple):
            match, body = _FETCH_UID.search(item[0]), item[1]
        elif body is not None and isinstance(item, bytes):
            match = _FETCH_UID.search(item)
        else:
            continue
        if match and body is not None:
            found.append(Fetched(uid=int(match[1]), raw=body))
            body = None
    wanted = set(uids)  # also drops unsolicited FETCH responses about other messages
    return sorted((m for m in found if m.uid in wanted), key=lambda m: m.uid)


def _move(conn: imaplib.IMAP4, uid_set: str, folder: str, capabilities: set[str]) -> None:
    """UID MOVE where the server has it, else COPY, flag \\Deleted and expunge those UIDs."""
    target = _mailbox(folder)
    command = "MOVE" if "MOVE" in capabilities else "COPY"
    result = conn.uid(command, uid_set, target)
    if result[0] != "OK" and b"[TRYCREATE]" in (result[1][0] or b""):
        _ok(conn.create(target), f"create the folder {folder!r}")
        result = conn.uid(command, uid_set, target)
    _ok(result, f"move mail to the folder {folder!r}")
    if command == "MOVE":
        return
    _ok(conn.uid("STORE", uid_set, "+FLAGS.SILENT", "(\\Deleted)"), "delete moved mail")
    if "UIDPLUS" in capabilities:
        _ok(conn.uid("EXPUNGE", uid_set), "expunge moved mail")
    else:  # also expunges what others flagged \Deleted: plain IMAP4rev1 cannot do better
        _ok(conn.expunge(), "expunge moved mail")


def _capabilities(conn: imaplib.IMAP4) -> set[str]:
    """Asked again after login: servers announce more (MOVE, UIDPLUS) to a signed-in user."""
    data = _ok(conn.capability(), "list its capabilities")
    return set((data[-1] or b"").decode("ascii", "replace").upper().split())


def _ok(result: tuple[str, list[Any]], doing: str) -> list[Any]:
    typ, data = result
    if typ != "OK":
        raise ImapError(f"The IMAP server refused to {doing}: {_text(data[0] if data else '')}")
    return data


def _uid_set(uids: Sequence[int]) -> str:
    """``[1, 2, 3, 7]`` → ``"1:3,7"``; ``uids`` sorted."""
    ranges: list[list[int]] = []
    for uid in uids:
        if ranges and uid == ranges[-1][1] + 1:
            ranges[-1][1] = uid
        else:
            ranges.append([uid, uid])
    return ",".join(str(a) if a == b else f"{a}:{b}" for a, b in ranges)


_NOT_PRINTABLE_ASCII = re.compile(r"[^\x20-\x7e]+")


def _utf7_run(match: re.Match[str]) -> str:
    utf16 = match.group().encode("utf-16-be")
    return "&" + base64.b64encode(utf16).decode("ascii").rstrip("=").replace("/", ",") + "-"


def _mailbox(name: str) -> str:
    """A folder name as an IMAP quoted string in modified UTF-7 (RFC 3501, 5.1.3)."""
    encoded = _NOT_PRINTABLE_ASCII.sub(_utf7_run, name.replace("&", "&-"))
    return '"' + encoded.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _text(value: object) -> str:
    """Server text for a message; imaplib puts the server's bytes in its errors' args."""
    if isinstance(value, BaseException) and value.args:
        value = value.args[0]
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace").strip()
    return str(value).strip()
