"""The e-mail channel's own records: the mailboxes polled and every message received.

Every inbound message is kept whole (``raw``) before anything is made of it, so a message that
could not be parsed or stored as a ticket is never lost: it stays here with its outcome and the
error, and can be processed again.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class MailAccount(models.Model):
    """A support mailbox read by IMAP polling; its mail lands in ``queue``."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    queue = models.ForeignKey(
        "service.Queue", verbose_name=_("queue"), on_delete=models.PROTECT, related_name="+"
    )
    host = models.CharField(_("IMAP server"), max_length=255)
    port = models.PositiveIntegerField(_("port"), default=993)
    use_ssl = models.BooleanField(_("SSL/TLS"), default=True)
    starttls = models.BooleanField(_("STARTTLS"), default=False)
    username = models.CharField(_("user name"), max_length=255)
    # kept as given: the server needs it back (protect the database and its backups)
    password = models.CharField(_("password"), max_length=255)
    folder = models.CharField(_("folder"), max_length=255, default="INBOX")
    processed_folder = models.CharField(_("move processed mail to"), max_length=255, blank=True)
    active = models.BooleanField(_("active"), default=True)
    uidvalidity = models.BigIntegerField(default=0, editable=False)
    last_uid = models.BigIntegerField(default=0, editable=False)
    last_polled_at = models.DateTimeField(_("last checked"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("mailbox")
        verbose_name_plural = _("mailboxes")

    def __str__(self) -> str:
        return self.name


class Outcome(models.TextChoices):
    PENDING = "pending", _("Waiting")
    TICKET = "ticket", _("New ticket")
    REPLY = "reply", _("Added to a ticket")
    AUTO = "auto", _("Automatic message, not answered")
    DUPLICATE = "duplicate", _("Already received")
    FAILED = "failed", _("Failed")


class InboundMail(models.Model):
    account = models.ForeignKey(
        MailAccount, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    queue = models.ForeignKey(
        "service.Queue", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    message_id = models.CharField(max_length=255, db_index=True)
    from_address = models.CharField(max_length=254, blank=True)
    subject = models.CharField(max_length=500, blank=True)
    raw = models.BinaryField()
    size = models.PositiveIntegerField(default=0)
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    outcome = models.CharField(max_length=10, choices=Outcome, default="pending")
    detail = models.TextField(blank=True)  # why (auto-reply, loop…), the error, the defects
    ticket = models.ForeignKey(
        "service.Ticket", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["from_address", "received_at"])]

    def __str__(self) -> str:
        return f"{self.from_address}: {self.subject}"
