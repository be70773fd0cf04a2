"""The installed base and what covers it: assets, warranties, service contracts, planned service.

An asset is a unit of equipment a customer has (a product, by its code and name: service reads
no sales table, DESIGN.md). A ticket about an asset shows whether the work is covered by a
warranty or a contract, so covered work is not billed and uncovered work is not given away.

A contract's entitlement is counted, not stored: a ticket opened under a contract uses one
incident, and the minutes logged on it (``WorkLog``) use its hours. The remaining balance is the
sum over those rows, so it cannot drift from the tickets it came from.

A maintenance plan generates a ticket ``lead_days`` before each visit falls due. Each visit is a
row keyed by (plan, due date), so running the generator twice never opens two tickets.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from clientela.customers.models import Account, Contact
from clientela.platform.models import OwnedModel


class AssetStatus(models.TextChoices):
    ACTIVE = "active", _("In service")
    REPAIR = "repair", _("In repair")
    STORED = "stored", _("Stored")
    RETIRED = "retired", _("Retired")


class Asset(OwnedModel):
    """A unit installed at a customer's; its owner and team follow the account's."""

    account = models.ForeignKey(
        Account, verbose_name=_("account"), on_delete=models.CASCADE, related_name="+"
    )
    contact = models.ForeignKey(
        Contact,
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    product_code = models.CharField(_("product code"), max_length=64, blank=True)
    product_name = models.CharField(_("product"), max_length=200)
    serial_number = models.CharField(_("serial number"), max_length=100, blank=True)
    installed_on = models.DateField(_("installed on"), null=True, blank=True)
    location = models.CharField(_("location"), max_length=200, blank=True)
    # the region a technician travels to (matched to ``Technician.region``)
    region = models.CharField(_("region"), max_length=60, blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=AssetStatus, default=AssetStatus.ACTIVE
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("part of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="parts",
    )
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["product_name", "serial_number", "id"]
        verbose_name = _("asset")
        verbose_name_plural = _("assets")
        indexes = [
            models.Index(fields=["account", "id"]),
            models.Index(fields=["serial_number"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["product_code", "serial_number"],
                condition=~models.Q(serial_number=""),
                name="asset_serial_per_product",
            )
        ]

    def __str__(self) -> str:
        if self.serial_number:
            return f"{self.product_name} ({self.serial_number})"
        return self.product_name


class Coverage(models.TextChoices):
    PARTS_AND_LABOUR = "full", _("Parts and labour")
    PARTS = "parts", _("Parts only")
    LABOUR = "labour", _("Labour only")


class Warranty(models.Model):
    asset = models.ForeignKey(
        Asset, verbose_name=_("asset"), on_delete=models.CASCADE, related_name="warranties"
    )
    name = models.CharField(_("name"), max_length=100)  # "Manufacturer", "Extended 24 months"
    starts_on = models.DateField(_("starts"))
    ends_on = models.DateField(_("ends"))
    coverage = models.CharField(
        _("coverage"), max_length=6, choices=Coverage, default=Coverage.PARTS_AND_LABOUR
    )
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-ends_on", "id"]
        verbose_name = _("warranty")
        verbose_name_plural = _("warranties")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="warranty_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def covers(self, day: dt.date) -> bool:
        return self.starts_on <= day <= self.ends_on


class ContractStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Active")
    CANCELLED = "cancelled", _("Cancelled")


class ServiceContract(OwnedModel):
    """What a customer bought of service: which assets and channels, when, how much, how fast."""

    account = models.ForeignKey(
        Account, verbose_name=_("account"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("name"), max_length=200)
    number = models.CharField(_("contract number"), max_length=40, blank=True)
    status = models.CharField(
        _("status"), max_length=9, choices=ContractStatus, default=ContractStatus.ACTIVE
    )
    starts_on = models.DateField(_("starts"))
    ends_on = models.DateField(_("ends"))
    # coverage: no asset named covers every asset of the account; no product code, every product
    assets = models.ManyToManyField(
        Asset, verbose_name=_("assets covered"), blank=True, related_name="contracts"
    )
    product_codes = models.JSONField(_("products covered"), default=list, blank=True)
    # ticket channels covered; empty covers every channel
    channels = models.JSONField(_("channels covered"), default=list, blank=True)
    # the hours support is given in; empty: the queue's
    calendar = models.ForeignKey(
        "service.BusinessCalendar",
        verbose_name=_("hours covered"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    sla_policy = models.ForeignKey(
        "service.SlaPolicy",
        verbose_name=_("SLA policy"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # None: unlimited
    incidents_included = models.PositiveIntegerField(_("incidents included"), null=True, blank=True)
    hours_included = models.DecimalField(
        _("hours included"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    renewal_notice_days = models.PositiveSmallIntegerField(
        _("renewal reminder (days before end)"), default=30
    )
    renewal_reminded_on = models.DateField(null=True, blank=True, editable=False)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["-ends_on", "id"]
        verbose_name = _("service contract")
        verbose_name_plural = _("service contracts")
        indexes = [
            models.Index(fields=["account", "status", "ends_on"]),
            models.Index(fields=["status", "ends_on"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="contract_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.name}".strip()


class WorkLog(models.Model):
    """Time spent on a ticket; when the ticket is under a contract it uses the contract's hours."""

    ticket = models.ForeignKey("service.Ticket", on_delete=models.CASCADE, related_name="work_logs")
    contract = models.ForeignKey(
        ServiceContract,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="work_logs",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("who"), on_delete=models.PROTECT, related_name="+"
    )
    minutes = models.PositiveIntegerField(_("minutes"))
    billable = models.BooleanField(_("billable"), default=False)
    note = models.CharField(_("note"), max_length=300, blank=True)
    worked_on = models.DateField(_("date"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-worked_on", "-id"]
        verbose_name = _("work log")
        verbose_name_plural = _("work logs")
        indexes = [models.Index(fields=["contract", "worked_on"])]

    def __str__(self) -> str:
        return f"{self.minutes} min"


class Every(models.TextChoices):
    DAYS = "days", _("days")
    MONTHS = "months", _("months")


class MaintenancePlan(models.Model):
    """Preventive service every N days or months for an asset, or for a contract's assets."""

    name = models.CharField(_("name"), max_length=200)
    asset = models.ForeignKey(
        Asset,
        verbose_name=_("asset"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="maintenance_plans",
    )
    contract = models.ForeignKey(
        ServiceContract,
        verbose_name=_("contract"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="maintenance_plans",
    )
    interval = models.PositiveSmallIntegerField(_("every"), default=6)
    unit = models.CharField(_("unit"), max_length=6, choices=Every, default=Every.MONTHS)
    next_due_on = models.DateField(_("next visit due"))
    # the ticket is opened this many days before the visit falls due
    lead_days = models.PositiveSmallIntegerField(_("open the ticket days ahead"), default=14)
    queue = models.ForeignKey(
        "service.Queue", verbose_name=_("queue"), on_delete=models.PROTECT, related_name="+"
    )
    category = models.ForeignKey(
        "service.TicketCategory",
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # minutes an on-site visit takes (the appointment created with the ticket)
    visit_minutes = models.PositiveIntegerField(_("visit length (minutes)"), default=60)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["next_due_on", "id"]
        verbose_name = _("maintenance plan")
        verbose_name_plural = _("maintenance plans")
        indexes = [models.Index(fields=["active", "next_due_on"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(asset__isnull=False) | models.Q(contract__isnull=False),
                name="maintenance_plan_has_a_subject",
            ),
            models.CheckConstraint(
                condition=models.Q(interval__gte=1), name="maintenance_interval_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class MaintenanceVisit(models.Model):
    """One planned visit of a plan and the ticket opened for it (at most one per due date)."""

    plan = models.ForeignKey(MaintenancePlan, on_delete=models.CASCADE, related_name="visits")
    asset = models.ForeignKey(
        Asset, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    due_on = models.DateField(_("due"))
    ticket = models.ForeignKey(
        "service.Ticket", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["due_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "asset", "due_on"], name="maintenance_visit_once"
            ),
            models.UniqueConstraint(
                fields=["plan", "due_on"],
                condition=models.Q(asset__isnull=True),
                name="maintenance_visit_once_without_asset",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan} {self.due_on}"
