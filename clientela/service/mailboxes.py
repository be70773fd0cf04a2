"""Polling the support mailboxes: fetch what is new by IMAP, store and process it, then mark it.

The cursor (UIDVALIDITY and the last UID stored) advances only after the messages are stored,
and they are marked processed (seen or moved) only after that: a crash in between fetches them
again, and ``ingest`` recognises them by Message-ID. Nothing is lost and nothing doubles.
"""

from __future__ import annotations

from django.utils import timezone

from clientela.service import imap
from clientela.service.inbound import ingest_many, own_addresses
from clientela.service.models import MailAccount


def settings_of(account: MailAccount) -> imap.ImapSettings:
    return imap.ImapSettings(
        host=account.host,
        port=account.port,
        username=account.username,
        password=account.password,
        folder=account.folder or "INBOX",
        use_ssl=account.use_ssl,
        starttls=account.starttls,
        processed_folder=account.processed_folder,
    )


def poll(account: MailAccount) -> int:
    """One round for one mailbox; the number of messages taken in."""
    config = settings_of(account)
    cursor = imap.Cursor(account.uidvalidity, account.last_uid)
    try:
        fetched, cursor = imap.fetch_new(config, cursor)
        raws = [item.raw for item in fetched]
        ingest_many(raws, queue=account.queue, account=account, own=own_addresses())
        MailAccount.objects.filter(pk=account.pk).update(
            uidvalidity=cursor.uidvalidity, last_uid=cursor.last_uid
        )
        if fetched:
            imap.mark_processed(config, [item.uid for item in fetched])
    except imap.ImapError as exc:
        MailAccount.objects.filter(pk=account.pk).update(
            last_polled_at=timezone.now(), last_error=str(exc)[:2000]
        )
        return 0
    MailAccount.objects.filter(pk=account.pk).update(last_polled_at=timezone.now(), last_error="")
    return len(fetched)


def poll_all() -> dict[str, int]:
    taken = {}
    for account in MailAccount.objects.filter(active=True).select_related("queue"):
        taken[account.name] = poll(account)
    return taken
