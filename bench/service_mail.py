"""Inbound mail ingestion: messages per second from a real dovecot mailbox to tickets.

    CLIENTELA_DATA_DIR=/tmp/bench-mail python bench/service_mail.py --messages 2000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/clientela_mail_bench \\
        python bench/service_mail.py --messages 2000

Starts a private dovecot on loopback (``clientela.testing.imap``), APPENDs ``--messages``
support mails to one mailbox (a quarter are answers that thread onto earlier tickets by
In-Reply-To, one in ten carries a 40 KB PDF), then times one ``poll`` of the mailbox: the IMAP
fetch, storing each raw message, parsing, threading, matching or creating the contact, writing
the ticket or the message with its attachment, the audit entries and the processed-folder move.
Acknowledgements go to a local SMTP sink. The target is at least 50 messages/s. Prints one JSON
document.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from email.message import EmailMessage
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from sales_board import refuse_other_databases
from scale import header, load_average, setup_django


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    if args.messages < 1:
        parser.error("--messages must be >= 1")
    return args


def messages(count: int, seed: int) -> list[bytes]:
    rng = random.Random(seed)
    made: list[bytes] = []
    for n in range(count):
        message = EmailMessage()
        customer = rng.randrange(max(count // 3, 1))
        message["From"] = f"Cliente {customer} <cliente{customer}@example.com>"
        message["To"] = "suporte@bench.test"
        message["Message-ID"] = f"<bench-{seed}-{n}@example.com>"
        if made and rng.random() < 0.25:
            earlier = rng.randrange(len(made))
            message["Subject"] = f"Re: Pedido {earlier} não chegou"
            message["In-Reply-To"] = f"<bench-{seed}-{earlier}@example.com>"
            message.set_content("Ainda não chegou.\n\nEm seg., Suporte escreveu:\n> Olá")
        else:
            message["Subject"] = f"Pedido {n} não chegou"
            message.set_content(f"Olá, o pedido {n} não chegou. Podem verificar?\n" * 5)
        if rng.random() < 0.1:
            pdf = b"%PDF-1.4\n" + rng.randbytes(40_000)
            message.add_attachment(pdf, maintype="application", subtype="pdf", filename="nota.pdf")
        made.append(message.as_bytes())
    return made


def desk(account: Any) -> Any:
    from clientela.platform.models import Role, Team, User
    from clientela.service.models import MailAccount, Queue

    team, _ = Team.objects.get_or_create(name="Bench support")
    lead, _ = User.objects.get_or_create(
        username="bench-agent",
        defaults={
            "email": "bench-agent@example.com",
            "role": Role.objects.get(slug="service-agent"),
        },
    )
    lead.teams.add(team)
    queue, _ = Queue.objects.get_or_create(
        name="Bench mail", defaults={"lead": lead, "team": team, "email": "suporte@bench.test"}
    )
    MailAccount.objects.filter(name="Bench").delete()
    return MailAccount.objects.create(
        name="Bench",
        queue=queue,
        host=account.host,
        port=account.port,
        use_ssl=False,
        username=account.user,
        password=account.password,
        processed_folder="Processed",
    )


def smtp_sink() -> Any:
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Sink
    from django.conf import settings

    from clientela.testing.imap import free_port

    port = free_port()
    controller = Controller(Sink(), hostname="127.0.0.1", port=port)
    controller.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 10},
        }
    }
    return controller


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    setup_django()
    from django.core.management import call_command

    database = refuse_other_databases()
    call_command("migrate", verbosity=0)
    from clientela.service import mailboxes
    from clientela.service.models import InboundMail, Ticket
    from clientela.testing.imap import DovecotServer

    server = DovecotServer()
    server.start()
    sink = smtp_sink()
    try:
        account = server.new_user()
        raws = messages(args.messages, args.seed)
        started = time.perf_counter()
        account.deliver_many(raws)
        delivered_s = time.perf_counter() - started
        mailbox = desk(account)
        tickets_before = Ticket.objects.count()
        started = time.perf_counter()
        taken = mailboxes.poll(mailbox)
        seconds = time.perf_counter() - started
    finally:
        sink.stop()
        server.stop()
    outcomes: dict[str, int] = {}
    for outcome in InboundMail.objects.filter(account=mailbox).values_list("outcome", flat=True):
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    report = {
        **header("service_mail_ingest"),
        "database_name": database,
        "messages": taken,
        "bytes": sum(len(r) for r in raws),
        "append_seconds": round(delivered_s, 2),
        "poll_seconds": round(seconds, 2),
        "messages_per_s": round(taken / seconds, 1),
        "new_tickets": Ticket.objects.count() - tickets_before,
        "outcomes": outcomes,
        "load_average_after": load_average(),
    }
    print(json.dumps(report, indent=2, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
