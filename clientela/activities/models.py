"""Activities: calls, meetings, tasks, e-mails, notes and SMS, tied to a customer record.

An activity points at an account, a contact and/or a lead directly (the lists and the timeline
join on those); records of later apps (opportunity, ticket) are named by ``link_type`` and
``link_id``, since ``activities`` must not import the apps above it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from clientela.customers.models import Account, Contact, Lead
from clientela.platform.models import OwnedModel


class ActivityKind(models.TextChoices):
    CALL = "call", _("Call")
    MEETING = "meeting", _("Meeting")
    TASK = "task", _("Task")
    EMAIL = "email", _("E-mail")
    NOTE = "note", _("Note")
    SMS = "sms", _("SMS")


class ActivityStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class Direction(models.TextChoices):
    INBOUND = "inbound", _("Inbound")
    OUTBOUND = "outbound", _("Outbound")


class Activity(OwnedModel):
    kind = models.CharField(_("kind"), max_length=10, choices=ActivityKind)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("details"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=ActivityStatus, default="planned")
    direction = models.CharField(_("direction"), max_length=10, choices=Direction, blank=True)
    outcome = models.CharField(_("outcome"), max_length=200, blank=True)
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"), null=True, blank=True)
    location = models.CharField(_("location"), max_length=200, blank=True)
    reminder_at = models.DateTimeField(_("reminder"), null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True, editable=False)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    account = models.ForeignKey(
        Account,
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="activities",
    )
    contact = models.ForeignKey(
        Contact,
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="activities",
    )
    lead = models.ForeignKey(
        Lead,
        verbose_name=_("lead"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="activities",
    )
    link_type = models.CharField(max_length=40, blank=True)
    link_id = models.BigIntegerField(null=True, blank=True)

    # Custom fields' values, {key: value}; NULL until one is set (decision 0005: a nullable
    # column is added without rewriting the table, and keeps the table's triggers).
    custom = models.JSONField(_("custom fields"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-due_at", "-id"]
        indexes = [
            models.Index(fields=["account", "due_at"]),
            models.Index(fields=["contact", "due_at"]),
            models.Index(fields=["lead", "due_at"]),
            models.Index(fields=["owner", "due_at"]),
            models.Index(fields=["team", "owner"]),
            models.Index(fields=["reminder_at", "reminded_at"]),
            models.Index(fields=["link_type", "link_id"]),
        ]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")

    def __str__(self) -> str:
        return self.subject


class CalendarFeed(models.Model):
    """A user's secret iCalendar feed URL; only the token's digest is stored."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    prefix = models.CharField(max_length=12, unique=True)
    digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return f"{self.user_id}:{self.prefix}"
