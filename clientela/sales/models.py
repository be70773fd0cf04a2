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
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from clientela.customers.models import Account, Contact, Lead, LeadSource
from clientela.platform.models import OwnedModel, owner_field, team_field


class StageKind(models.TextChoices):
    OPEN = "open", pgettext_lazy("status", "Open")
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

    def get_absolute_url(self) -> str:
        return reverse("sales:opportunity_detail", args=[self.pk])


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
    # when the deal moved on (kept on the row so time in stage is a plain aggregate)
    left_at = models.DateTimeField(null=True, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    amount = models.DecimalField(max_digits=16, decimal_places=2)
    probability = models.PositiveSmallIntegerField()
    # Copied from the deal, so the reports read the history alone, not joined to a million
    # deals: when the deal was created (it never changes), and whether this is the first time
    # the deal entered this stage (the funnel counts deals, not entries).
    deal_created_at = models.DateTimeField(null=True, blank=True)
    first_entry = models.BooleanField(default=True)

    class Meta:
        ordering = ["opportunity_id", "at", "id"]
        indexes = [
            models.Index(fields=["opportunity", "at"]),
            models.Index(fields=["to_stage", "at"]),
            # Time in stage: the moves that left a stage in a period; the funnel: first entries
            # into a stage by deals created in a period. PostgreSQL answers both from the index
            # alone, the deal's id included for those who see only some deals.
            models.Index(
                fields=["to_stage", "left_at"],
                include=["at", "opportunity"],
                name="sales_sc_left_idx",
            ),
            models.Index(
                fields=["to_stage", "deal_created_at"],
                include=["opportunity"],
                condition=models.Q(first_entry=True),
                name="sales_sc_funnel_idx",
            ),
        ]
        verbose_name = _("stage change")
        verbose_name_plural = _("stage changes")

    def __str__(self) -> str:
        return f"{self.opportunity_id}: {self.from_name} → {self.to_name}"


# --- products and prices -------------------------------------------------------------------


class ProductGroup(models.Model):
    """A product group (category): plans set goals and reports total per group."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("product group")
        verbose_name_plural = _("product groups")

    def __str__(self) -> str:
        return self.name


class Tax(models.Model):
    """A tax rate. Inclusive: the prices it applies to already contain it (Brazilian retail
    prices do); exclusive: it is added on top."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    rate = models.DecimalField(_("rate (%)"), max_digits=7, decimal_places=4)
    inclusive = models.BooleanField(_("included in prices"), default=False)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("tax")
        verbose_name_plural = _("taxes")

    def __str__(self) -> str:
        return f"{self.name} ({self.rate.normalize()}%)"


class Product(models.Model):
    sku = models.CharField(_("SKU"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    unit = models.CharField(_("unit"), max_length=20, default="un")
    group = models.ForeignKey(
        ProductGroup,
        verbose_name=_("product group"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="products",
    )
    tax = models.ForeignKey(
        Tax,
        verbose_name=_("tax"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["group", "name"])]
        verbose_name = _("product")
        verbose_name_plural = _("products")

    def __str__(self) -> str:
        return f"{self.sku} — {self.name}"


class PriceList(models.Model):
    """Prices in one currency, valid between two dates (open ends allowed)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    currency = models.CharField(_("currency"), max_length=3)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["currency", "name", "id"]
        verbose_name = _("price list")
        verbose_name_plural = _("price lists")

    def __str__(self) -> str:
        return f"{self.name} ({self.currency})"


class Price(models.Model):
    """A product's unit price in a list from ``min_quantity`` up (volume tiers: the tier with
    the largest minimum not above the quantity applies)."""

    price_list = models.ForeignKey(PriceList, on_delete=models.CASCADE, related_name="prices")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="prices")
    min_quantity = models.DecimalField(
        _("from quantity"), max_digits=12, decimal_places=3, default=1
    )
    unit_price = models.DecimalField(_("unit price"), max_digits=16, decimal_places=4)

    class Meta:
        ordering = ["price_list_id", "product_id", "min_quantity"]
        constraints = [
            models.UniqueConstraint(
                fields=["price_list", "product", "min_quantity"], name="price_tier_unique"
            )
        ]
        indexes = [models.Index(fields=["product", "price_list", "min_quantity"])]
        verbose_name = _("price")
        verbose_name_plural = _("prices")

    def __str__(self) -> str:
        return f"{self.product_id} ≥ {self.min_quantity}: {self.unit_price}"


class OpportunityLine(models.Model):
    """A product (or a described item) on a deal. The price, discount and tax are copied when
    the line is written, so later price or tax changes do not rewrite an offer; the amounts are
    kept rounded to cents (``pricing.line_amounts``)."""

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField(default=0)
    product = models.ForeignKey(
        Product,
        verbose_name=_("product"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    description = models.CharField(_("description"), max_length=300)
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=3)
    unit_price = models.DecimalField(_("unit price"), max_digits=16, decimal_places=4)
    discount_percent = models.DecimalField(
        _("discount (%)"), max_digits=5, decimal_places=2, default=0
    )
    tax_rate = models.DecimalField(_("tax rate (%)"), max_digits=7, decimal_places=4, default=0)
    tax_inclusive = models.BooleanField(_("tax included"), default=False)
    net_amount = models.DecimalField(_("net"), max_digits=16, decimal_places=2)
    tax_amount = models.DecimalField(_("tax"), max_digits=16, decimal_places=2)
    total_amount = models.DecimalField(_("total"), max_digits=16, decimal_places=2)

    class Meta:
        ordering = ["opportunity_id", "position", "id"]
        verbose_name = _("opportunity line")
        verbose_name_plural = _("opportunity lines")

    def __str__(self) -> str:
        return f"{self.quantity} x {self.description}"


class ExchangeRate(models.Model):
    """How many units of the company currency one unit of ``currency`` was worth from ``day``
    on (entered or imported); reports convert with the latest rate not after their date."""

    currency = models.CharField(_("currency"), max_length=3)
    day = models.DateField(_("from"))
    rate = models.DecimalField(_("rate"), max_digits=18, decimal_places=8)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["currency", "-day"]
        constraints = [
            models.UniqueConstraint(fields=["currency", "day"], name="exchange_rate_unique"),
            models.CheckConstraint(condition=Q(rate__gt=0), name="exchange_rate_positive"),
        ]
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")

    def __str__(self) -> str:
        return f"{self.currency} {self.day}: {self.rate}"


# --- forecasting ---------------------------------------------------------------------------


class Quota(models.Model):
    """A rep's sales target for a month, in the company currency."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="+"
    )
    month = models.DateField(_("month"))  # the first day of the month
    amount = models.DecimalField(_("amount"), max_digits=16, decimal_places=2)

    class Meta:
        ordering = ["month", "user_id"]
        constraints = [models.UniqueConstraint(fields=["user", "month"], name="quota_unique")]
        verbose_name = _("quota")
        verbose_name_plural = _("quotas")

    def __str__(self) -> str:
        return f"{self.user_id} {self.month:%Y-%m}: {self.amount}"


class ForecastSnapshot(models.Model):
    """A rep's forecast for a period as it stood when taken (weekly), so forecast accuracy can
    be measured once the period has closed."""

    taken_at = models.DateTimeField(_("taken"))
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    period_start = models.DateField()
    period_end = models.DateField()  # inclusive
    closed_won = models.DecimalField(max_digits=18, decimal_places=2)
    commit = models.DecimalField(max_digits=18, decimal_places=2)
    best_case = models.DecimalField(max_digits=18, decimal_places=2)
    pipeline = models.DecimalField(max_digits=18, decimal_places=2)
    weighted = models.DecimalField(max_digits=18, decimal_places=2)

    class Meta:
        ordering = ["-taken_at", "owner_id"]
        indexes = [models.Index(fields=["period_start", "owner", "taken_at"])]
        verbose_name = _("forecast snapshot")
        verbose_name_plural = _("forecast snapshots")

    def __str__(self) -> str:
        return f"{self.owner_id} {self.period_start}: {self.commit}"


# --- quotes and orders ---------------------------------------------------------------------


class CompanyProfile(models.Model):
    """The company as its documents show it (one row): name, address, logo, PIX key."""

    name = models.CharField(_("name"), max_length=200)
    legal_name = models.CharField(_("legal name"), max_length=200, blank=True)
    tax_id = models.CharField(_("tax id"), max_length=32, blank=True)
    address = models.TextField(_("address"), blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    website = models.CharField(_("website"), max_length=200, blank=True)
    # a small PNG or JPEG, kept in the database (checked by its first bytes when uploaded)
    logo = models.BinaryField(_("logo"), null=True, blank=True, editable=False)
    logo_type = models.CharField(max_length=20, blank=True, editable=False)
    pix_key = models.CharField(_("PIX key"), max_length=77, blank=True)
    quote_terms = models.TextField(_("quote terms"), blank=True)
    quote_valid_days = models.PositiveSmallIntegerField(_("quotes valid for (days)"), default=30)

    class Meta:
        verbose_name = _("company profile")
        verbose_name_plural = _("company profile")

    def __str__(self) -> str:
        return self.name


class QuoteStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SENT = "sent", _("Sent")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    SUPERSEDED = "superseded", _("Superseded")


class Quote(models.Model):
    """An offer made from a deal: numbered per year, and versioned (a revision is a new row
    with the same number and the next version; the old one stays, superseded)."""

    opportunity = models.ForeignKey(Opportunity, on_delete=models.PROTECT, related_name="quotes")
    number = models.CharField(_("number"), max_length=20)
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    status = models.CharField(_("status"), max_length=10, choices=QuoteStatus, default="draft")
    currency = models.CharField(_("currency"), max_length=3)
    valid_until = models.DateField(_("valid until"))
    terms = models.TextField(_("terms"), blank=True)
    discount_percent = models.DecimalField(
        _("discount (%)"), max_digits=5, decimal_places=2, default=0
    )
    net_amount = models.DecimalField(_("net"), max_digits=16, decimal_places=2, default=0)
    tax_amount = models.DecimalField(_("tax"), max_digits=16, decimal_places=2, default=0)
    total_amount = models.DecimalField(_("total"), max_digits=16, decimal_places=2, default=0)
    language = models.CharField(_("language"), max_length=10, default="en")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_note = models.CharField(_("note"), max_length=500, blank=True)
    # the customer's link: only its digest is kept, and it stops working after ``link_expires``
    link_digest = models.CharField(max_length=64, blank=True, editable=False)
    link_expires = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["number", "version"], name="quote_version_unique")
        ]
        indexes = [models.Index(fields=["opportunity", "number", "version"])]
        verbose_name = _("quote")
        verbose_name_plural = _("quotes")

    def __str__(self) -> str:
        return f"{self.number} v{self.version}"


class QuoteLine(models.Model):
    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField(default=0)
    product = models.ForeignKey(
        Product, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    description = models.CharField(_("description"), max_length=300)
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=3)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    unit_price = models.DecimalField(_("unit price"), max_digits=16, decimal_places=4)
    discount_percent = models.DecimalField(
        _("discount (%)"), max_digits=5, decimal_places=2, default=0
    )
    tax_rate = models.DecimalField(_("tax rate (%)"), max_digits=7, decimal_places=4, default=0)
    tax_inclusive = models.BooleanField(_("tax included"), default=False)
    net_amount = models.DecimalField(_("net"), max_digits=16, decimal_places=2)
    tax_amount = models.DecimalField(_("tax"), max_digits=16, decimal_places=2)
    total_amount = models.DecimalField(_("total"), max_digits=16, decimal_places=2)

    class Meta:
        ordering = ["quote_id", "position", "id"]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.description}"


class DocumentCounter(models.Model):
    """The last number given per document kind and year (``Q-2026``), taken under a row lock
    so two users never get the same number."""

    prefix = models.CharField(max_length=20, unique=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.prefix}: {self.last}"


class OrderStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    CONFIRMED = "confirmed", _("Confirmed")
    SHIPPED = "shipped", _("Shipped")
    DELIVERED = "delivered", _("Delivered")
    CANCELLED = "cancelled", _("Cancelled")


class SalesOrder(OwnedModel):
    """What the customer bought: made from an accepted quote, handed to the back-office once
    confirmed (``sales.order.confirmed`` for plugins; webhooks get ``sales.order.updated``)."""

    number = models.CharField(_("number"), max_length=20, unique=True)
    opportunity = models.ForeignKey(
        Opportunity, verbose_name=_("opportunity"), on_delete=models.PROTECT, related_name="orders"
    )
    quote = models.ForeignKey(
        Quote, null=True, blank=True, on_delete=models.PROTECT, related_name="orders"
    )
    account = models.ForeignKey(
        Account,
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="orders",
    )
    status = models.CharField(_("status"), max_length=10, choices=OrderStatus, default="draft")
    currency = models.CharField(_("currency"), max_length=3)
    net_amount = models.DecimalField(_("net"), max_digits=16, decimal_places=2, default=0)
    tax_amount = models.DecimalField(_("tax"), max_digits=16, decimal_places=2, default=0)
    total_amount = models.DecimalField(_("total"), max_digits=16, decimal_places=2, default=0)
    carrier = models.CharField(_("carrier"), max_length=100, blank=True)
    tracking_number = models.CharField(_("tracking number"), max_length=100, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    shipped_at = models.DateTimeField(_("shipped"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["account", "created_at"]),
            models.Index(fields=["status", "created_at"]),
            models.Index(fields=["team", "owner"]),
        ]
        verbose_name = _("sales order")
        verbose_name_plural = _("sales orders")

    def __str__(self) -> str:
        return self.number


class OrderLine(models.Model):
    order = models.ForeignKey(SalesOrder, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField(default=0)
    product = models.ForeignKey(
        Product, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    description = models.CharField(_("description"), max_length=300)
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=3)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    unit_price = models.DecimalField(_("unit price"), max_digits=16, decimal_places=4)
    net_amount = models.DecimalField(_("net"), max_digits=16, decimal_places=2)
    tax_amount = models.DecimalField(_("tax"), max_digits=16, decimal_places=2)
    total_amount = models.DecimalField(_("total"), max_digits=16, decimal_places=2)

    class Meta:
        ordering = ["order_id", "position", "id"]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.description}"


class DeliveryEvent(models.Model):
    """A step of an order's delivery as the carrier or the back-office reported it."""

    order = models.ForeignKey(SalesOrder, on_delete=models.CASCADE, related_name="deliveries")
    at = models.DateTimeField(_("when"))
    status = models.CharField(_("status"), max_length=60)
    description = models.CharField(_("description"), max_length=500, blank=True)
    location = models.CharField(_("location"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["order_id", "at", "id"]
        indexes = [models.Index(fields=["order", "at"])]
        verbose_name = _("delivery event")
        verbose_name_plural = _("delivery events")

    def __str__(self) -> str:
        return f"{self.order_id} {self.at}: {self.status}"
