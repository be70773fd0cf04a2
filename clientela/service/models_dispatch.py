"""Field service: technicians with skills and a home region, and the appointments given to them.

An appointment is work at the customer's (a ticket's visit) with a length, a window it must
fall in, the skills it needs and the region it is in. The scheduler (``scheduling.py``) places
it in a technician's free time; the dispatch board moves it by hand. A scheduled appointment is
mirrored as a meeting on the technician's calendar (``activity``), so it shows in the calendar
pages and in the technician's iCalendar feed with no second calendar to keep.

Skills also route tickets: a category may need skills, and a queue assigning "by skill" gives
a ticket to the least-loaded member who has all of them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Skill(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("skill")
        verbose_name_plural = _("skills")

    def __str__(self) -> str:
        return self.name


class Technician(models.Model):
    """A user's service profile: skills, where they work from and when."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="service_profile",
    )
    skills = models.ManyToManyField(Skill, verbose_name=_("skills"), blank=True, related_name="+")
    region = models.CharField(_("home region"), max_length=60, blank=True)
    # working hours; empty: 08:00 to 17:00 on weekdays in the site's time zone
    calendar = models.ForeignKey(
        "service.BusinessCalendar",
        verbose_name=_("working hours"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    field = models.BooleanField(_("goes on site"), default=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["user__username"]
        verbose_name = _("technician")
        verbose_name_plural = _("technicians")

    def __str__(self) -> str:
        return str(self.user)


class AppointmentStatus(models.TextChoices):
    UNSCHEDULED = "unscheduled", _("Not scheduled")
    SCHEDULED = "scheduled", _("Scheduled")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class Appointment(models.Model):
    ticket = models.ForeignKey(
        "service.Ticket",
        verbose_name=_("ticket"),
        on_delete=models.CASCADE,
        related_name="appointments",
    )
    technician = models.ForeignKey(
        Technician,
        verbose_name=_("technician"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="appointments",
    )
    skills = models.ManyToManyField(
        Skill, verbose_name=_("skills needed"), blank=True, related_name="+"
    )
    region = models.CharField(_("region"), max_length=60, blank=True)
    duration_minutes = models.PositiveIntegerField(_("length (minutes)"), default=60)
    # the window the visit must fall in (the customer's availability, the SLA)
    earliest = models.DateTimeField(_("not before"))
    latest = models.DateTimeField(_("not after"))
    starts_at = models.DateTimeField(_("starts"), null=True, blank=True)
    ends_at = models.DateTimeField(_("ends"), null=True, blank=True)
    status = models.CharField(
        _("status"),
        max_length=11,
        choices=AppointmentStatus,
        default=AppointmentStatus.UNSCHEDULED,
    )
    notes = models.TextField(_("notes"), blank=True)
    activity = models.OneToOneField(
        "activities.Activity", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        indexes = [
            models.Index(fields=["technician", "starts_at"]),
            models.Index(fields=["status", "earliest"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(latest__gt=models.F("earliest")),
                name="appointment_window_not_empty",
            ),
            models.CheckConstraint(
                condition=models.Q(starts_at__isnull=True)
                | models.Q(ends_at__gt=models.F("starts_at")),
                name="appointment_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.starts_at or ''}".strip()
