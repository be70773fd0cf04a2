"""A private dovecot IMAP server on loopback for tests that read mail over IMAP.

Debian's dovecot-imapd (``bin/peers/dovecot.sh`` installs it) runs in the foreground with a
config written here, in a temporary folder of its own: its own sockets, state, log, users and
mail, a free port on 127.0.0.1, IMAP only, no TLS. Nothing in /etc/dovecot is read and no
system instance is needed, so each pytest-xdist worker runs its own server side by side.

A test module imports the fixture (pytest finds fixtures in the module's namespace) and asks
for it as ``imap_server``::

    from clientela.testing.imap import imap_server_fixture  # noqa: F401

    def test_something(imap_server: DovecotServer): ...

(The function has another name than the fixture, as ``playwright_fixture`` in
``clientela.testing.browser``: imported as ``imap_server``, ruff would report every test's
``imap_server`` parameter as a redefinition of the import, F811.)

One server serves the whole session (it starts in a tenth of a second and takes about one to
stop); a test keeps its mail apart from the others' with ``account = imap_server.new_user()``.
"""

from __future__ import annotations

import grp
import imaplib
import itertools
import os
import pwd
import re
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from collections import deque
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import pytest

HOST = "127.0.0.1"
START_TIMEOUT = 10.0  # seconds for dovecot to accept connections
STOP_TIMEOUT = 10.0
USERS_AHEAD = 200  # users written to the users file before they are needed (see new_user)
# Debian installs the binary in /usr/sbin, which is not on every user's PATH.
DOVECOT = shutil.which("dovecot") or shutil.which("dovecot", path="/usr/sbin:/usr/local/sbin")

# Dovecot 2.3 syntax (Debian 12 ships 2.3.19). IMAP only: the POP3, LMTP and submission services
# start only for protocols listed here, and the IMAPS listener is switched off (port 0).
CONFIG = """\
protocols = imap
listen = {host}
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
# Tests sign in with wrong passwords on purpose: no 2 s delay, no growing penalty per address.
auth_failure_delay = 0
default_internal_user = {internal_user}
default_internal_group = {internal_group}
default_login_user = {login_user}
first_valid_uid = {uid}
first_valid_gid = {gid}
mail_location = maildir:{root}/mail/%u
# Test mail need not survive a crash: no fsync per saved message (500 APPENDs: 7 s → 1.5 s).
mail_fsync = never
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {root}/users
  default_fields = uid={uid} gid={gid} home={root}/mail/%u
}}
service imap-login {{
  {chroot}
  inet_listener imap {{
    address = {host}
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  {chroot}
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
"""


@dataclass(frozen=True)
class ImapAccount:
    """A mailbox user on the test server, with helpers to put mail in and look at it."""

    host: str
    port: int
    user: str
    password: str

    @contextmanager
    def connect(self) -> Iterator[imaplib.IMAP4]:
        """A signed-in imaplib connection, logged out afterwards."""
        conn = imaplib.IMAP4(self.host, self.port, timeout=10)
        try:
            _sign_in(conn, self.user, self.password)
            yield conn
        finally:
            conn.logout()

    def deliver(self, raw: bytes, folder: str = "INBOX") -> int:
        """APPENDs one message (the folder is created if missing) and answers its UID."""
        return self.deliver_many([raw], folder)[0]

    def deliver_many(self, raws: list[bytes], folder: str = "INBOX") -> list[int]:
        """APPENDs the messages in order over one connection and answers their UIDs."""
        with self.connect() as conn:
            mailbox = _quoted(folder)
            if not any(conn.list('""', mailbox)[1]):
                _ok(conn.create(mailbox))
            return [_appended_uid(_ok(conn.append(mailbox, "()", "", raw))) for raw in raws]

    def flags(self, folder: str = "INBOX") -> dict[int, frozenset[str]]:
        """Each message's flags by UID, e.g. ``{1: frozenset({"\\\\Seen"})}``, leaving out
        \\Recent (it only tells which session saw the message first)."""
        with self.connect() as conn:
            _ok(conn.select(_quoted(folder), readonly=True))
            found: dict[int, frozenset[str]] = {}
            for line in _ok(conn.uid("FETCH", "1:*", "(UID FLAGS)")):
                match = re.search(rb"UID (\d+) FLAGS \(([^)]*)\)|FLAGS \(([^)]*)\) UID (\d+)", line)
                if match:
                    uid, flags = match[1] or match[4], match[2] if match[1] else match[3]
                    found[int(uid)] = frozenset(flags.decode().split()) - {"\\Recent"}
            return found


class DovecotServer:
    """One dovecot process and its folder; ``start()`` and ``stop()`` it, or use the fixture."""

    host = HOST

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="clientela-dovecot-"))
        self.root.chmod(0o755)  # dovecot's unprivileged processes read their files here
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None
        self._stderr: IO[bytes] | None = None
        self._users: dict[str, str] = {}
        self._spare: deque[tuple[str, str]] = deque()
        self._numbers = itertools.count(1)
        self._account: ImapAccount | None = None

    def start(self) -> None:
        assert DOVECOT, "dovecot is not installed"
        mail = self.root / "mail"
        mail.mkdir()
        uid, gid = _mail_owner()
        os.chown(mail, uid, gid)
        self._add_users(USERS_AHEAD)
        for _attempt in range(3):  # another process may take the free port before dovecot
            self.port = free_port()
            config = self.root / "dovecot.conf"
            config.write_text(_config(self.root, self.port, uid, gid))
            (self.root / "dovecot.log").unlink(missing_ok=True)  # a new try, a new log
            self._close_stderr()
            self._stderr = (self.root / "stderr.log").open("wb")
            self.process = subprocess.Popen(  # noqa: S603 (fixed binary, our own config)
                [DOVECOT, "-F", "-c", str(config)],
                stdout=subprocess.DEVNULL,
                stderr=self._stderr,
            )
            if self._wait_until_ready():
                self._account = self.new_user()
                return
        raise RuntimeError(f"dovecot did not start on {HOST}:\n{self.log()}")

    def stop(self) -> None:
        if self.process is not None:
            _end(self.process)
            self.process = None
        self._close_stderr()
        shutil.rmtree(self.root, ignore_errors=True)

    def new_user(self, password: str | None = None) -> ImapAccount:
        """A user with an empty mailbox of its own, and the given password or a random one.

        Users are written to the users file before they are needed: dovecot looks at the file
        at most once a second, so a user added just now may be unknown for a moment. When the
        spares run out, or for a chosen password, users are added and waited for (about 1 s).
        """
        if password is not None:
            assert not set(password) & {":", "\n"}, "the users file cannot hold : or newlines"
            user = f"user{next(self._numbers)}"
            self._users[user] = password
            self._write_users()
            self._wait_for_user(user, password)
            return ImapAccount(self.host, self.port, user, password)
        if not self._spare:
            self._add_users(USERS_AHEAD)
            if self.process is not None:
                self._wait_for_user(*self._spare[0])
        user, password = self._spare.popleft()
        return ImapAccount(self.host, self.port, user, password)

    def log(self) -> str:
        parts = [self.root / "stderr.log", self.root / "dovecot.log"]
        return "".join(p.read_text(errors="replace") for p in parts if p.exists())

    # The session's first user, for a test that needs no mailbox of its own.
    @property
    def account(self) -> ImapAccount:
        assert self._account is not None, "the server is not started"
        return self._account

    @property
    def user(self) -> str:
        return self.account.user

    @property
    def password(self) -> str:
        return self.account.password

    def deliver(self, raw: bytes, folder: str = "INBOX") -> int:
        return self.account.deliver(raw, folder)

    def _close_stderr(self) -> None:
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None

    def _add_users(self, count: int) -> None:
        for _ in range(count):
            user, password = f"user{next(self._numbers)}", secrets.token_hex(8)
            self._users[user] = password
            self._spare.append((user, password))
        self._write_users()

    def _write_users(self) -> None:
        # Replaced whole, so that dovecot never reads it half written.
        lines = "".join(f"{user}:{{PLAIN}}{pw}::::::\n" for user, pw in self._users.items())
        scratch = self.root / "users.new"
        scratch.write_text(lines)
        scratch.chmod(0o644)
        scratch.replace(self.root / "users")

    def _wait_for_user(self, user: str, password: str) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            with imaplib.IMAP4(self.host, self.port, timeout=10) as conn, suppress(conn.error):
                _sign_in(conn, user, password)
                return
            time.sleep(0.2)
        raise RuntimeError(f"dovecot did not learn of the new user {user} in time")

    def _wait_until_ready(self) -> bool:
        """True once the port greets; False when dovecot gave up (its port was taken)."""
        assert self.process is not None
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                if "Address already in use" in self.log():
                    return False
                raise RuntimeError(f"dovecot exited at start:\n{self.log()}")
            if _greets(self.host, self.port):
                return True
            time.sleep(0.05)
        _end(self.process)
        raise RuntimeError(f"dovecot was not ready within {START_TIMEOUT:g} s:\n{self.log()}")


@pytest.fixture(scope="session", name="imap_server")
def imap_server_fixture() -> Iterator[DovecotServer]:
    """A real dovecot IMAP server on 127.0.0.1 for the whole session (one per xdist worker)."""
    if not DOVECOT:
        pytest.skip("dovecot is not installed: run bin/peers/dovecot.sh")
    server = DovecotServer()
    try:
        server.start()
        yield server
    finally:
        server.stop()


imap_server = imap_server_fixture  # the same fixture, for ``import imap_server`` (see above)


def free_port() -> int:
    """A TCP port on loopback that nothing listens on (as clientela.conftest's, which this
    module does not import: the root conftest may import this module)."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def _config(root: Path, port: int, uid: int, gid: int) -> str:
    if os.geteuid() == 0:
        internal_user, internal_group, login_user, chroot = "dovecot", "dovecot", "dovenull", ""
    else:  # a rootless dovecot runs every process as the current user and cannot chroot
        internal_user = login_user = pwd.getpwuid(os.geteuid()).pw_name
        internal_group = grp.getgrgid(os.getegid()).gr_name
        chroot = "chroot ="
    return CONFIG.format(
        host=HOST,
        root=root,
        port=port,
        uid=uid,
        gid=gid,
        internal_user=internal_user,
        internal_group=internal_group,
        login_user=login_user,
        chroot=chroot,
    )


def _mail_owner() -> tuple[int, int]:
    """Who owns the mail: Debian's unprivileged ``mail`` user when we are root, else us."""
    if os.geteuid() == 0:
        mail = pwd.getpwnam("mail")
        return mail.pw_uid, mail.pw_gid
    return os.geteuid(), os.getegid()


def _greets(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1) as probe:
            return probe.recv(64).startswith(b"* OK")
    except OSError:
        return False


def _end(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _sign_in(conn: imaplib.IMAP4, user: str, password: str) -> None:
    """SASL PLAIN rather than LOGIN: it carries passwords that are not ASCII."""
    plain = f"\0{user}\0{password}".encode()
    conn.authenticate("PLAIN", lambda _challenge: plain)


def _quoted(folder: str) -> str:
    """ASCII folder names only: the tests name their folders."""
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _ok(result: tuple[str, Sequence[bytes | None]]) -> list[bytes]:
    typ, data = result
    if typ != "OK":
        raise AssertionError(f"IMAP command failed: {typ} {data}")
    return [line for line in data if isinstance(line, bytes)]


def _appended_uid(data: list[bytes]) -> int:
    match = re.search(rb"\[APPENDUID \d+ (\d+)\]", data[0])
    assert match, f"no APPENDUID in {data}"
    return int(match[1])
