"""Service: tickets in queues, with the conversation, the SLA clock and the mail that feeds them.

A ticket's lifecycle is code (``TRANSITIONS``), not data: the SLA clock, first-contact
resolution and the reports rely on what each status means. Queues, calendars and SLA policies
are the company's data, edited in Settings.

The SLA clock is stored as instants, not computed on read: ``first_response_due`` and
``resolution_due`` (with their warning instants) are set when a ticket is created, re-prioritised
or resumed, in business time of the queue's calendar. While a ticket waits for the customer its
due instants are cleared and the business seconds left are kept, so the periodic sweep only
compares columns with "now" on a partial index of the running clocks (decision 0011).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from clientela.customers.models import Account, Contact, Tag
from clientela.platform.models import Team, owner_field, team_field
from clientela.service.models_assets import (
    Asset,
    MaintenancePlan,
    MaintenanceVisit,
    ServiceContract,
    Warranty,
    WorkLog,
)
from clientela.service.models_dispatch import Appointment, Skill, Technician
from clientela.service.models_kb import Article, ArticleCategory, ArticleFeedback, ArticleVersion
from clientela.service.models_mail import InboundMail, MailAccount

__all__ = [
    "Appointment",
    "Article",
    "ArticleCategory",
    "ArticleFeedback",
    "ArticleVersion",
    "Asset",
    "Attachment",
    "BusinessCalendar",
    "InboundMail",
    "MailAccount",
    "MaintenancePlan",
    "MaintenanceVisit",
    "Queue",
    "ServiceContract",
    "Skill",
    "SlaPolicy",
    "Technician",
    "Ticket",
    "TicketCategory",
    "TicketMessage",
    "Warranty",
    "WorkLog",
]


class Status(models.TextChoices):
    NEW = "new", _("New")
    OPEN = "open", pgettext_lazy("status", "Open")
    PENDING = "pending", _("Pending customer")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


# The ticket lifecycle: (from, to) pairs a service may make. Reopening is resolved → open;
# a closed ticket stays closed (new mail on it opens a related ticket).
TRANSITIONS = frozenset(
    {
        ("new", "open"),
        ("new", "pending"),
        ("new", "resolved"),
        ("new", "closed"),
        ("open", "pending"),
        ("open", "resolved"),
        ("open", "closed"),
        ("pending", "open"),
        ("pending", "resolved"),
        ("pending", "closed"),
        ("resolved", "open"),
        ("resolved", "closed"),
    }
)
# statuses whose SLA clock runs (pending pauses it; resolved and closed stop it)
RUNNING = ("new", "open")
ACTIVE = ("new", "open", "pending")


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


PRIORITY_RANK = {"urgent": 0, "high": 1, "normal": 2, "low": 3}
END_OF_TIME = dt.datetime(9999, 12, 31, tzinfo=dt.UTC)


class SlaState(models.TextChoices):
    OK = "ok", _("On time")
    WARNING = "warning", _("Due soon")
    BREACHED = "breached", _("Late")


class TicketChannel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    PHONE = "phone", _("Phone")
    PORTAL = "portal", _("Portal")
    CHAT = "chat", _("Chat")
    API = "api", _("API")
    MANUAL = "manual", _("Manual")


class Assignment(models.TextChoices):
    MANUAL = "manual", _("Manual")
    ROUND_ROBIN = "round_robin", _("Round robin")
    LEAST_LOADED = "least_loaded", _("Least loaded")
    BY_SKILL = "by_skill", _("By skill (least loaded of those who have it)")


class BusinessCalendar(models.Model):
    """Opening hours in a time zone, closed on the public holidays of a country and state."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    timezone = models.CharField(_("time zone"), max_length=64, default="America/Sao_Paulo")
    # {"mon": ["09:00-18:00"], …}; a day not named is closed
    hours = models.JSONField(_("opening hours"), default=dict)
    country = models.CharField(_("holidays of country"), max_length=3, blank=True)
    subdivision = models.CharField(_("state or region"), max_length=10, blank=True)
    closed_days = models.JSONField(_("other closed days"), default=list, blank=True)
    open_days = models.JSONField(_("holidays worked"), default=list, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")

    def __str__(self) -> str:
        return self.name


class SlaPolicy(models.Model):
    """Targets in business minutes per priority; the first policy that matches a ticket wins."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    position = models.PositiveIntegerField(_("position"), default=0)
    calendar = models.ForeignKey(
        BusinessCalendar,
        verbose_name=_("business hours"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # {"urgent": {"first_response": 60, "resolution": 480}, …} in business minutes
    targets = models.JSONField(_("targets"), default=dict)
    # which tickets it covers; empty matches any (a customer tier is an account tag)
    queue = models.ForeignKey(
        "Queue", verbose_name=_("queue"), null=True, blank=True, on_delete=models.CASCADE
    )
    tier = models.ForeignKey(
        Tag,
        verbose_name=_("customer tier (account tag)"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    warn_percent = models.PositiveSmallIntegerField(_("warn at % of the target"), default=80)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")

    def __str__(self) -> str:
        return self.name


class Queue(models.Model):
    """Where tickets wait: a team's inbox, with its support address and how work is handed out."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    email = models.EmailField(_("support address"), blank=True)
    team = models.ForeignKey(
        Team, verbose_name=_("team"), null=True, blank=True, on_delete=models.PROTECT
    )
    # owns the queue's unassigned tickets (record visibility needs an owner)
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("queue lead"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    assignment = models.CharField(
        _("assignment"), max_length=12, choices=Assignment, default="manual"
    )
    calendar = models.ForeignKey(
        BusinessCalendar,
        verbose_name=_("business hours"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    acknowledge = models.BooleanField(_("acknowledge new e-mail tickets"), default=True)
    active = models.BooleanField(_("active"), default=True)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("queue")
        verbose_name_plural = _("queues")

    def __str__(self) -> str:
        return self.name


class TicketCategory(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    # who may take its tickets when the queue assigns by skill
    skills = models.ManyToManyField(
        Skill, verbose_name=_("skills needed"), blank=True, related_name="+"
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("ticket category")
        verbose_name_plural = _("ticket categories")

    def __str__(self) -> str:
        return self.name


class TicketCoverage(models.TextChoices):
    WARRANTY = "warranty", _("Under warranty")
    CONTRACT = "contract", _("Under contract")
    NONE = "none", _("Not covered (billable)")


class Ticket(models.Model):
    # visibility: ``owner`` is the assignee, or the queue's lead while nobody is assigned;
    # ``team`` is the queue's team
    owner = owner_field(db_index=False)
    team = team_field(db_index=False)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    subject = models.CharField(_("subject"), max_length=500)
    channel = models.CharField(_("channel"), max_length=8, choices=TicketChannel, default="manual")
    status = models.CharField(_("status"), max_length=10, choices=Status, default="new")
    priority = models.CharField(_("priority"), max_length=8, choices=Priority, default="normal")
    queue = models.ForeignKey(
        Queue, verbose_name=_("queue"), on_delete=models.PROTECT, related_name="tickets"
    )
    category = models.ForeignKey(
        TicketCategory,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    account = models.ForeignKey(
        Account,
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    contact = models.ForeignKey(
        Contact,
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    requester_email = models.EmailField(_("requester e-mail"), blank=True)
    asset = models.ForeignKey(
        Asset,
        verbose_name=_("asset"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # the entitlement it uses (an incident, and the hours logged) and what covers the work
    contract = models.ForeignKey(
        ServiceContract,
        verbose_name=_("contract"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets",
    )
    coverage = models.CharField(_("coverage"), max_length=9, choices=TicketCoverage, blank=True)

    # the SLA clock (see the module's docstring)
    sla_policy = models.ForeignKey(
        SlaPolicy,
        verbose_name=_("SLA policy"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    first_response_due = models.DateTimeField(_("first response due"), null=True, blank=True)
    resolution_due = models.DateTimeField(_("resolution due"), null=True, blank=True)
    # when to warn that a target is near; cleared once warned
    first_response_warn = models.DateTimeField(null=True, blank=True, editable=False)
    resolution_warn = models.DateTimeField(null=True, blank=True, editable=False)
    # business seconds left while paused (pending customer)
    first_response_left = models.BigIntegerField(null=True, blank=True, editable=False)
    resolution_left = models.BigIntegerField(null=True, blank=True, editable=False)
    # what rules and the queue show: "warning" once a target is near, "breached" once missed
    sla_state = models.CharField(_("SLA"), max_length=8, choices=SlaState, blank=True)
    first_response_breached = models.BooleanField(_("first response late"), default=False)
    resolution_breached = models.BooleanField(_("resolution late"), default=False)

    # the nearer running due instant, END_OF_TIME when no clock runs: the queue's order
    sort_due = models.DateTimeField(default=END_OF_TIME, editable=False)
    first_responded_at = models.DateTimeField(_("first response"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    last_customer_at = models.DateTimeField(_("last customer message"), null=True, blank=True)
    # first-contact resolution: resolved with one customer contact and no transfer
    customer_messages = models.PositiveIntegerField(default=0, editable=False)
    transfers = models.PositiveIntegerField(default=0, editable=False)
    reopened = models.PositiveIntegerField(_("times reopened"), default=0, editable=False)
    first_contact_resolution = models.BooleanField(
        _("resolved on first contact"), null=True, blank=True
    )
    csat_score = models.PositiveSmallIntegerField(_("satisfaction (1 to 5)"), null=True, blank=True)
    csat_comment = models.TextField(_("satisfaction comment"), blank=True)

    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="merged",
    )
    related = models.ManyToManyField("self", verbose_name=_("related tickets"), blank=True)
    custom = models.JSONField(_("custom fields"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        indexes = [
            models.Index(fields=["owner", "status", "sort_due", "id"]),
            models.Index(fields=["team", "status", "sort_due", "id"]),
            models.Index(fields=["queue", "status", "sort_due", "id"]),
            models.Index(fields=["status", "sort_due", "id"]),
            # the queue's default view: every active ticket by due instant, read in order
            models.Index(
                fields=["sort_due", "id"],
                condition=Q(status__in=ACTIVE),
                name="ticket_active_by_due",
            ),
            models.Index(
                fields=["queue", "team", "owner", "assignee", "sla_state"],
                condition=Q(status__in=ACTIVE),
                name="ticket_active_counts",
            ),
            models.Index(fields=["assignee", "status"]),
            models.Index(fields=["account", "id"]),
            models.Index(fields=["contact", "id"]),
            models.Index(fields=["asset", "id"]),
            models.Index(fields=["contract", "id"]),
            models.Index(fields=["status", "resolved_at"]),
            models.Index(fields=["created_at"]),
            # the sweep: running clocks only (a tenth of the table at most)
            models.Index(
                fields=["first_response_due"],
                condition=Q(first_response_due__isnull=False, first_response_breached=False),
                name="ticket_first_response_clock",
            ),
            models.Index(
                fields=["resolution_due"],
                condition=Q(resolution_due__isnull=False, resolution_breached=False),
                name="ticket_resolution_clock",
            ),
            models.Index(
                fields=["first_response_warn"],
                condition=Q(first_response_warn__isnull=False),
                name="ticket_first_response_warning",
            ),
            models.Index(
                fields=["resolution_warn"],
                condition=Q(resolution_warn__isnull=False),
                name="ticket_resolution_warning",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.subject}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        running = [d for d in (self.first_response_due, self.resolution_due) if d is not None]
        self.sort_due = min(running, default=END_OF_TIME)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "sort_due"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("service:ticket", args=[self.pk])

    @property
    def reference(self) -> str:
        return f"[#{self.pk}]"


class Kind(models.TextChoices):
    CUSTOMER = "customer", _("Customer message")
    REPLY = "reply", _("Reply")
    NOTE = "note", _("Internal note")
    SYSTEM = "system", _("Automatic message")


class Delivery(models.TextChoices):
    QUEUED = "queued", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Not sent")


class TicketMessage(models.Model):
    """One entry of a ticket's conversation; only notes are internal."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    from_address = models.CharField(_("from"), max_length=254, blank=True)
    to_addresses = models.TextField(_("to"), blank=True)
    body = models.TextField(_("message"))
    channel = models.CharField(_("channel"), max_length=8, choices=TicketChannel, default="manual")
    # e-mail threading: our own Message-ID for what we send, theirs for what we receive
    message_id = models.CharField(max_length=255, blank=True, db_index=True)
    # outgoing mail: queued on commit, sent by a task worker (``service.tasks.send_message``)
    delivery = models.CharField(_("delivery"), max_length=8, choices=Delivery, blank=True)
    delivery_error = models.TextField(blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["ticket", "created_at", "id"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def public(self) -> bool:
        return self.kind != Kind.NOTE


def _attachment_path(instance: Attachment, filename: str) -> str:
    # the stored name is random: the user's name is kept in ``filename`` and sent on download
    import uuid

    return f"service/attachments/{instance.ticket_id}/{uuid.uuid4().hex}"


class Attachment(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    message = models.ForeignKey(
        TicketMessage,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    filename = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(max_length=64)
    file = models.FileField(upload_to=_attachment_path, max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.filename
