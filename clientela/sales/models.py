"""Sales: pipelines of ordered stages and the opportunities that move through them.

A stage says how likely a deal in it is to close (``probability``), whether it is still open or
already won or lost (``kind``), after how many idle days a deal in it is "rotting", which fields a
deal must have to enter it, and the activities the company's sales policy suggests on entry
(``guidance``). Every move is kept in ``StageChange``, so cycle length, time per stage and the
funnel come from history, not from the current state.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from clientela.customers.models import Account, Contact, Lead, LeadSource
from clientela.platform.models import OwnedModel, owner_field, team_field


class StageKind(models.TextChoices):
    OPEN = "open", _("Open")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


class ForecastCategory(models.TextChoices):
    PIPELINE = "pipeline", _("Pipeline")
    BEST_CASE = "best_case", _("Best case")
    COMMIT = "commit", _("Commit")
    CLOSED = "closed", _("Closed")
    OMITTED = "omitted", _("Omitted")


class ContactRole(models.TextChoices):
    DECISION_MAKER = "decision_maker", _("Decision maker")
    ECONOMIC_BUYER = "economic_buyer", _("Economic buyer")
    INFLUENCER = "influencer", _("Influencer")
    CHAMPION = "champion", _("Champion")
    TECHNICAL = "technical", _("Technical evaluator")
    USER = "user", _("User")
    OTHER = "other", _("Other")


class LostReason(models.TextChoices):
    PRICE = "price", _("Price")
    COMPETITOR = "competitor", _("Chose a competitor")
    NO_BUDGET = "no_budget", _("No budget")
    NO_DECISION = "no_decision", _("No decision")
    TIMING = "timing", _("Timing")
    PRODUCT_FIT = "product_fit", _("Product did not fit")
    OTHER = "other", _("Other")


class Pipeline(models.Model):
    name = models.CharField(_("name"), max_length=100)
    position = models.PositiveIntegerField(_("position"), default=0)
    is_default = models.BooleanField(_("default"), default=False)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="one_default_pipeline"
            ),
            models.UniqueConstraint(fields=["name"], name="pipeline_name_unique"),
        ]
        verbose_name = _("pipeline")
        verbose_name_plural = _("pipelines")

    def __str__(self) -> str:
        return self.name


class Stage(models.Model):
    pipeline = models.ForeignKey(
        Pipeline, verbose_name=_("pipeline"), on_delete=models.CASCADE, related_name="stages"
    )
    name = models.CharField(_("name"), max_length=100)
    position = models.PositiveIntegerField(_("position"), default=0)
    probability = models.PositiveSmallIntegerField(
        _("probability (%)"), default=0, validators=[MaxValueValidator(100)]
    )
    kind = models.CharField(_("kind"), max_length=8, choices=StageKind, default="open")
    rotting_days = models.PositiveSmallIntegerField(
        _("rotting after (days)"), null=True, blank=True
    )
    # opportunity field names a deal must have filled to enter the stage
    required_fields = models.JSONField(_("required fields"), default=list, blank=True)
    # the sales policy's suggested activities on entry: [{"kind", "subject", "due_days"}]
    guidance = models.JSONField(_("guidance"), default=list, blank=True)

    class Meta:
        ordering = ["pipeline_id", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["pipeline", "name"], name="stage_name_unique"),
        ]
        verbose_name = _("stage")
        verbose_name_plural = _("stages")

    def __str__(self) -> str:
        return self.name


class Opportunity(OwnedModel):
    owner = owner_field(db_index=False)  # the indexes below begin with it
    team = team_field(db_index=False)
    name = models.CharField(_("name"), max_length=200)
    account = models.ForeignKey(
        Account,
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="opportunities",
    )
    pipeline = models.ForeignKey(
        Pipeline, verbose_name=_("pipeline"), on_delete=models.PROTECT, related_name="+"
    )
    stage = models.ForeignKey(
        Stage, verbose_name=_("stage"), on_delete=models.PROTECT, related_name="opportunities"
    )
    # the stage's kind, kept on the row so boards and reports filter without a join
    status = models.CharField(_("status"), max_length=8, choices=StageKind, default="open")
    amount = models.DecimalField(_("amount"), max_digits=16, decimal_places=2, default=0)
    currency = models.CharField(_("currency"), max_length=3)
    expected_close_date = models.DateField(_("expected close date"), null=True, blank=True)
    probability = models.PositiveSmallIntegerField(
        _("probability (%)"), default=0, validators=[MaxValueValidator(100)]
    )
    # set when someone typed the probability: a stage move then keeps it
    probability_set = models.BooleanField(default=False, editable=False)
    forecast_category = models.CharField(
        _("forecast category"), max_length=10, choices=ForecastCategory, default="pipeline"
    )
    next_step = models.CharField(_("next step"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    competitors = models.CharField(_("competitors"), max_length=300, blank=True)
    lost_reason = models.CharField(_("lost reason"), max_length=12, choices=LostReason, blank=True)
    lost_note = models.CharField(_("lost note"), max_length=500, blank=True)
    lead_source = models.CharField(_("lead source"), max_length=10, choices=LeadSource, blank=True)
    lead = models.ForeignKey(
        Lead,
        verbose_name=_("lead"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="opportunities",
    )
    stage_entered_at = models.DateTimeField(_("in stage since"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    contacts = models.ManyToManyField(
        Contact, through="OpportunityContact", related_name="opportunities", blank=True
    )
    custom = models.JSONField(_("custom fields"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # the board: a pipeline's open deals, stage by stage
            models.Index(fields=["pipeline", "status", "stage"]),
            models.Index(fields=["owner", "status", "expected_close_date"]),
            models.Index(fields=["team", "owner"]),
            models.Index(fields=["account", "status"]),
            models.Index(fields=["created_at", "id"]),
            models.Index(fields=["status", "closed_at"]),
            models.Index(fields=["expected_close_date", "id"]),
        ]
        verbose_name = _("opportunity")
        verbose_name_plural = _("opportunities")

    def __str__(self) -> str:
        return self.name


class OpportunityContact(models.Model):
    opportunity = models.ForeignKey(
        Opportunity, on_delete=models.CASCADE, related_name="contact_roles"
    )
    contact = models.ForeignKey(
        Contact, verbose_name=_("contact"), on_delete=models.CASCADE, related_name="+"
    )
    role = models.CharField(_("role"), max_length=16, choices=ContactRole, default="other")

    class Meta:
        ordering = ["opportunity_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["opportunity", "contact"], name="opportunity_contact_unique"
            )
        ]
        indexes = [models.Index(fields=["contact"])]

    def __str__(self) -> str:
        return f"{self.opportunity_id}:{self.contact_id} ({self.role})"


class StageChange(models.Model):
    """One move of a deal between stages (the first row is where it started). The stages'
    names are copied, so history reads the same after a stage is renamed or removed."""

    opportunity = models.ForeignKey(
        Opportunity, on_delete=models.CASCADE, related_name="stage_changes"
    )
    from_stage = models.ForeignKey(
        Stage, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    to_stage = models.ForeignKey(
        Stage, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    from_name = models.CharField(max_length=100, blank=True)
    to_name = models.CharField(max_length=100)
    to_kind = models.CharField(max_length=8, choices=StageKind)
    at = models.DateTimeField(_("when"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    amount = models.DecimalField(max_digits=16, decimal_places=2)
    probability = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["opportunity_id", "at", "id"]
        indexes = [
            models.Index(fields=["opportunity", "at"]),
            models.Index(fields=["to_stage", "at"]),
        ]
        verbose_name = _("stage change")
        verbose_name_plural = _("stage changes")

    def __str__(self) -> str:
        return f"{self.opportunity_id}: {self.from_name} → {self.to_name}"
