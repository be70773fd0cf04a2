"""Fetching support mail by IMAP polling, against a real dovecot on loopback."""

from __future__ import annotations

import imaplib
from typing import Any

import pytest

from clientela.service import imap
from clientela.service.imap import (
    Cursor,
    ImapError,
    ImapSettings,
    check,
    fetch_new,
    mark_processed,
)
from clientela.testing.imap import (  # noqa: F401 (the imap_server fixture)
    DovecotServer,
    ImapAccount,
    free_port,
    imap_server_fixture,
)

SEEN = frozenset({"\\Seen"})
UNREAD: frozenset[str] = frozenset()


def message(n: int) -> bytes:
    """A small support request, with LF line endings as a script would write it."""
    return (
        f"From: Customer {n} <customer{n}@example.com>\n"
        "To: support@example.com\n"
        f"Subject: Order {n} has not arrived\n"
        f"Message-ID: <request-{n}@example.com>\n"
        "\n"
        f"Hello, where is order {n}?\n"
    ).encode()


def settings_for(account: ImapAccount, **overrides: Any) -> ImapSettings:
    given: dict[str, Any] = {
        "host": account.host,
        "port": account.port,
        "username": account.user,
        "password": account.password,
        "timeout": 10,
    }
    return ImapSettings(**(given | overrides))


def uidvalidity(account: ImapAccount, folder: str = "INBOX") -> int:
    with account.connect() as conn:
        conn.select(folder, readonly=True)
        return int(conn.response("UIDVALIDITY")[1][0])


def lf(raw: bytes) -> bytes:
    return raw.replace(b"\r\n", b"\n")


def test_fetch_new_returns_new_mail_in_uid_order_with_its_bytes(imap_server: DovecotServer):
    account = imap_server.new_user()
    account.deliver_many([message(1), message(2), message(3)])

    fetched, cursor = fetch_new(settings_for(account), Cursor(uidvalidity=0, last_uid=0))

    assert [m.uid for m in fetched] == [1, 2, 3]
    assert [lf(m.raw) for m in fetched] == [message(1), message(2), message(3)]
    assert cursor == Cursor(uidvalidity=uidvalidity(account), last_uid=3)
    assert cursor.uidvalidity > 0
    assert account.flags() == {1: UNREAD, 2: UNREAD, 3: UNREAD}  # BODY.PEEK[] sets no \Seen


def test_fetch_new_with_the_latest_cursor_returns_nothing(imap_server: DovecotServer):
    account = imap_server.new_user()
    account.deliver_many([message(1), message(2), message(3)])
    settings = settings_for(account)
    _fetched, cursor = fetch_new(settings, Cursor(0, 0))

    # "UID 4:*" still matches message 3, the folder's last: it must not come back.
    fetched, again = fetch_new(settings, cursor)

    assert fetched == []
    assert again == cursor


def test_fetch_new_returns_a_later_message_alone(imap_server: DovecotServer):
    account = imap_server.new_user()
    account.deliver_many([message(1), message(2), message(3)])
    settings = settings_for(account)
    _fetched, cursor = fetch_new(settings, Cursor(0, 0))
    account.deliver(message(4))

    fetched, after = fetch_new(settings, cursor)

    assert [(m.uid, lf(m.raw)) for m in fetched] == [(4, message(4))]
    assert after == Cursor(uidvalidity=cursor.uidvalidity, last_uid=4)


def test_fetch_new_on_an_empty_folder_keeps_the_cursor(imap_server: DovecotServer):
    account = imap_server.new_user()
    account.deliver(message(1), folder="Support")
    with account.connect() as conn:
        conn.select("Support")
        conn.uid("STORE", "1", "+FLAGS.SILENT", "(\\Deleted)")
        conn.expunge()

    fetched, cursor = fetch_new(settings_for(account, folder="Support"), Cursor(0, 0))

    assert fetched == []
    assert cursor == Cursor(uidvalidity=uidvalidity(account, "Support"), last_uid=0)


def test_fetch_new_starts_over_when_the_folder_was_recreated(imap_server: DovecotServer):
    account = imap_server.new_user()
    account.deliver_many([message(1), message(2)], folder="Support")
    settings = settings_for(account, folder="Support")
    _fetched, old = fetch_new(settings, Cursor(0, 0))
    with account.connect() as conn:
        assert conn.delete("Support")[0] == "OK"
    account.deliver(message(3), folder="Support")  # creates the folder again

    fetched, cursor = fetch_new(settings, old)

    assert [(m.uid, lf(m.raw)) for m in fetched] == [(1, message(3))]
    assert cursor == Cursor(uidvalidity=uidvalidity(account, "Support"), last_uid=1)
    assert cursor.uidvalidity != old.uidvalidity
    assert old.last_uid == 2


def test_fetch_new_respects_batch_and_limit(
    imap_server: DovecotServer, monkeypatch: pytest.MonkeyPatch
):
    account = imap_server.new_user()
    account.deliver_many([message(n) for n in range(1, 26)])
    settings = settings_for(account)
    fetches = spy_on_uid_fetch(monkeypatch)

    first, cursor = fetch_new(settings, Cursor(0, 0), batch=10, limit=20)
    second, last = fetch_new(settings, cursor, batch=10, limit=20)

    assert [m.uid for m in first] == list(range(1, 21))
    assert [m.uid for m in second] == list(range(21, 26))
    assert [lf(m.raw) for m in first + second] == [message(n) for n in range(1, 26)]
    assert fetches == ["1:10", "11:20", "21:25"]
    assert (cursor.last_uid, last.last_uid) == (20, 25)


def spy_on_uid_fetch(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The UID sets of the UID FETCH commands sent from now on."""
    sent: list[str] = []
    real_uid = imaplib.IMAP4.uid

    def uid(self: imaplib.IMAP4, command: str, *args: Any) -> Any:
        if command == "FETCH":
            sent.append(args[0])
        return real_uid(self, command, *args)

    monkeypatch.setattr(imaplib.IMAP4, "uid", uid)
    return sent


def test_fetch_new_reads_500_messages_in_order(imap_server: DovecotServer):
    account = imap_server.new_user()
    account.deliver_many([message(n) for n in range(1, 501)])

    fetched, cursor = fetch_new(settings_for(account), Cursor(0, 0))

    assert [m.uid for m in fetched] == list(range(1, 501))
    assert lf(fetched[499].raw) == message(500)
    assert cursor.last_uid == 500


def test_fetch_new_refuses_a_batch_or_limit_below_one(imap_server: DovecotServer):
    settings = settings_for(imap_server.account)

    with pytest.raises(ValueError, match="at least 1"):
        fetch_new(settings, Cursor(0, 0), batch=0)
    with pytest.raises(ValueError, match="at least 1"):
        fetch_new(settings, Cursor(0, 0), limit=0)


def test_fetch_new_with_a_wrong_password_raises_a_clear_error(imap_server: DovecotServer):
    account = imap_server.new_user()
    settings = settings_for(account, password="not-the-password")

    with pytest.raises(ImapError) as error:
        fetch_new(settings, Cursor(0, 0))

    assert str(error.value) == "The IMAP server rejected the user name or password."


def test_mark_processed_moves_mail_to_the_processed_folder(imap_server: DovecotServer):
    account = imap_server.new_user()
    account.deliver_many([message(1), message(2), message(3)])
    settings = settings_for(account, processed_folder="Processed")
    fetched, _cursor = fetch_new(settings, Cursor(0, 0))

    mark_processed(settings, [m.uid for m in fetched])

    assert account.flags("INBOX") == {}
    assert sorted(account.flags("Processed")) == [1, 2, 3]
    moved, _ = fetch_new(settings_for(account, folder="Processed"), Cursor(0, 0))
    assert [lf(m.raw) for m in moved] == [message(1), message(2), message(3)]


@pytest.mark.parametrize("capabilities", [{"IMAP4REV1", "UIDPLUS"}, {"IMAP4REV1"}])
def test_mark_processed_copies_and_expunges_on_a_server_without_move(
    imap_server: DovecotServer, monkeypatch: pytest.MonkeyPatch, capabilities: set[str]
):
    account = imap_server.new_user()
    account.deliver_many([message(1), message(2), message(3)])
    monkeypatch.setattr(imap, "_capabilities", lambda conn: capabilities)
    settings = settings_for(account, processed_folder="Processed")

    mark_processed(settings, [1, 3])

    assert account.flags("INBOX") == {2: UNREAD}
    assert sorted(account.flags("Processed")) == [1, 2]
    copied, _ = fetch_new(settings_for(account, folder="Processed"), Cursor(0, 0))
    assert [lf(m.raw) for m in copied] == [message(1), message(3)]


def test_mark_processed_creates_a_folder_with_an_accented_name(imap_server: DovecotServer):
    account = imap_server.new_user()
    account.deliver_many([message(1), message(2)])

    mark_processed(settings_for(account, processed_folder="Concluídos"), [1, 2])

    with account.connect() as conn:
        _typ, listed = conn.list()
    assert sorted(line.split()[-1].strip(b'"') for line in listed) == [b"Conclu&AO0-dos", b"INBOX"]
    moved, _ = fetch_new(settings_for(account, folder="Concluídos"), Cursor(0, 0))
    assert [lf(m.raw) for m in moved] == [message(1), message(2)]


def test_mark_processed_without_a_folder_marks_mail_read(imap_server: DovecotServer):
    account = imap_server.new_user()
    account.deliver_many([message(1), message(2), message(3)])

    mark_processed(settings_for(account), [1, 3])

    assert account.flags() == {1: SEEN, 2: UNREAD, 3: SEEN}


def test_mark_processed_of_nothing_does_not_connect():
    closed = ImapSettings(host="127.0.0.1", port=free_port(), username="u", password="p")

    mark_processed(closed, [])


def test_check_answers_nothing_when_the_mailbox_opens(imap_server: DovecotServer):
    assert check(settings_for(imap_server.account)) == ""


def test_check_reports_a_wrong_password(imap_server: DovecotServer):
    settings = settings_for(imap_server.account, password="not-the-password")

    assert check(settings) == "The IMAP server rejected the user name or password."


def test_check_signs_in_with_a_non_ascii_password(imap_server: DovecotServer):
    account = imap_server.new_user(password="ação-secreta")

    assert check(settings_for(account)) == ""
    assert check(settings_for(account, password="ação-errada")) == (
        "The IMAP server rejected the user name or password."
    )


def test_check_reports_a_closed_port():
    port = free_port()  # nothing listens there once the probe closed it
    settings = ImapSettings(host="127.0.0.1", port=port, username="u", password="p")

    assert check(settings) == f"Nothing answers at 127.0.0.1:{port} (connection refused)."


def test_check_reports_an_unknown_folder(imap_server: DovecotServer):
    settings = settings_for(imap_server.account, folder="Nope")

    assert check(settings) == "The folder 'Nope' does not exist on the IMAP server."


def test_check_reports_a_server_without_starttls(imap_server: DovecotServer):
    settings = settings_for(imap_server.account, starttls=True)

    assert check(settings) == (
        f"The IMAP server at 127.0.0.1:{imap_server.port} does not offer STARTTLS."
    )


def test_check_reports_ssl_spoken_to_a_plain_port(imap_server: DovecotServer):
    settings = settings_for(imap_server.account, use_ssl=True)

    problem = check(settings)

    assert problem.startswith(f"The secure connection to 127.0.0.1:{imap_server.port} failed: ")
