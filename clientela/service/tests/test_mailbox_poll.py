"""A support mailbox polled end to end: mail delivered to a real dovecot over IMAP becomes
tickets, is moved to the processed folder, and polling again after a crash doubles nothing."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from clientela.service import mailboxes
from clientela.service.configuration import mailbox_check, mailbox_save
from clientela.service.models import InboundMail, MailAccount, Queue, Ticket
from clientela.testing.imap import DovecotServer, imap_server_fixture  # noqa: F401


def request(n: int) -> bytes:
    message = EmailMessage()
    message["From"] = f"Cliente {n} <cliente{n}@example.com>"
    message["To"] = "suporte@acme.test"
    message["Subject"] = f"Pedido {n} não chegou"
    message["Message-ID"] = f"<pedido-{n}@example.com>"
    message.set_content(f"Olá, onde está o pedido {n}?")
    return message.as_bytes()


@pytest.fixture
def mailbox(imap_server: DovecotServer, make_user, make_team, admin_user):
    team = make_team("Suporte")
    lead = make_user("service-agent", teams=[team])
    queue = Queue.objects.create(name="Suporte", lead=lead, team=team, acknowledge=False)
    account = imap_server.new_user()
    saved = mailbox_save(
        actor=admin_user,
        values={
            "name": "Suporte",
            "queue": queue.pk,
            "host": account.host,
            "port": account.port,
            "use_ssl": False,
            "username": account.user,
            "password": account.password,
            "processed_folder": "Processados",
        },
    )
    return saved, account


def test_polling_turns_new_mail_into_tickets_and_moves_it(mailbox):
    saved, account = mailbox
    account.deliver_many([request(n) for n in range(1, 4)])

    assert mailboxes.poll(saved) == 3

    subjects = sorted(Ticket.objects.values_list("subject", flat=True))
    assert subjects == ["Pedido 1 não chegou", "Pedido 2 não chegou", "Pedido 3 não chegou"]
    assert account.flags("INBOX") == {}
    assert len(account.flags("Processados")) == 3
    saved.refresh_from_db()
    assert (saved.last_error, saved.last_polled_at is not None) == ("", True)
    assert saved.last_uid == 3

    account.deliver(request(4))
    assert mailboxes.poll(saved) == 1
    assert Ticket.objects.count() == 4


def test_mail_fetched_again_after_a_crash_is_not_doubled(mailbox):
    saved, account = mailbox
    account.deliver_many([request(n) for n in range(1, 3)])
    mailboxes.poll(saved)
    # a crash before the cursor was saved: the same messages are fetched again
    MailAccount.objects.filter(pk=saved.pk).update(last_uid=0, uidvalidity=0)
    account.deliver_many([request(n) for n in range(1, 3)])  # and they are still there
    saved.refresh_from_db()

    mailboxes.poll(saved)

    assert Ticket.objects.count() == 2
    assert InboundMail.objects.count() == 2


def test_a_wrong_password_is_reported_on_the_mailbox(mailbox, admin_user):
    saved, _account = mailbox
    MailAccount.objects.filter(pk=saved.pk).update(password="wrong")
    saved.refresh_from_db()

    assert mailboxes.poll(saved) == 0

    saved.refresh_from_db()
    assert saved.last_error
    assert mailbox_check(actor=admin_user, mailbox_id=saved.pk) != ""
    assert Ticket.objects.count() == 0


def test_a_polled_batch_counts_floods_and_duplicates_as_one_by_one_ingestion_would(mailbox):
    """The batch is kept in one insert and its senders counted once: the same outcomes as
    ingesting the messages in a row (the 21st from one sender in ten minutes is a loop; a
    message twice in the batch, or already kept, is stored once)."""
    saved, account = mailbox
    robot = []
    for n in range(23):
        message = EmailMessage()
        message["From"], message["To"] = "robot@loop.test", "suporte@acme.test"
        message["Subject"], message["Message-ID"] = f"Ping {n}", f"<ping-{n}@loop.test>"
        message.set_content("ping")
        robot.append(message.as_bytes())
    account.deliver_many([request(1), *robot[:2], robot[1], *robot[2:], request(1)])

    assert mailboxes.poll(saved) == 26

    kept = list(InboundMail.objects.order_by("id").values_list("from_address", "outcome"))
    assert kept[0] == ("cliente1@example.com", "ticket")
    assert [outcome for _sender, outcome in kept[1:]] == ["ticket"] * 20 + ["auto"] * 3
    assert Ticket.objects.count() == 21
