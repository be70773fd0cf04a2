"""Customers: accounts, contacts, leads and what hangs off them (points, addresses, consent).

Primary e-mail and phone stay as columns on each record (lists, sorting and search read them
without a join); every further e-mail or phone is a ``ContactPoint`` row. ``search_text`` is a
folded (lower-case, accent-free) copy of everything the search box looks at, kept by the services.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from clientela.customers.search_index import document, refresh
from clientela.platform.models import OwnedModel, Tag, owner_field, team_field


def _with_search_text(record: Any, kwargs: dict[str, Any]) -> dict[str, Any]:
    """Rebuild ``record.search_text`` before a save; a save limited to ``update_fields`` also
    writes it, so the search index (triggers, GIN index) follows every change."""
    record.search_text = document(record)
    fields = kwargs.get("update_fields")
    if fields is not None:
        kwargs = {**kwargs, "update_fields": {*fields, "search_text"}}
    return kwargs


class Lifecycle(models.TextChoices):
    PROSPECT = "prospect", _("Prospect")
    CUSTOMER = "customer", _("Customer")
    FORMER = "former", _("Former customer")


class Relationship(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    PARTNER = "partner", _("Partner")
    SUPPLIER = "supplier", _("Supplier")
    DISTRIBUTOR = "distributor", _("Distributor")


class AccountKind(models.TextChoices):
    COMPANY = "company", _("Company")
    HOUSEHOLD = "household", _("Household")


class SizeBand(models.TextChoices):
    MICRO = "1-9", _("1-9 employees")
    SMALL = "10-49", _("10-49 employees")
    MEDIUM = "50-249", _("50-249 employees")
    LARGE = "250-999", _("250-999 employees")
    ENTERPRISE = "1000+", _("1,000 or more employees")


class Industry(models.TextChoices):
    AGRICULTURE = "agriculture", _("Agriculture")
    BANKING = "banking", _("Banking and finance")
    CONSTRUCTION = "construction", _("Construction")
    EDUCATION = "education", _("Education")
    ENERGY = "energy", _("Energy and utilities")
    GOVERNMENT = "government", _("Government")
    HEALTHCARE = "healthcare", _("Healthcare")
    HOSPITALITY = "hospitality", _("Hospitality")
    INSURANCE = "insurance", _("Insurance")
    MANUFACTURING = "manufacturing", _("Manufacturing")
    MEDIA = "media", _("Media")
    RETAIL = "retail", _("Retail")
    SERVICES = "services", _("Professional services")
    TECHNOLOGY = "technology", _("Technology")
    TELECOM = "telecom", _("Telecommunications")
    TRANSPORT = "transport", _("Transport and logistics")
    OTHER = "other", _("Other")


class Account(OwnedModel):
    # The indexes in Meta begin with owner and with team: no single-column ones.
    owner = owner_field(db_index=False)
    team = team_field(db_index=False)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=12, choices=AccountKind, default="company")
    tax_id = models.CharField(_("tax id"), max_length=32, blank=True)
    country = models.CharField(_("country"), max_length=2, default="BR")
    industry = models.CharField(_("industry"), max_length=20, choices=Industry, blank=True)
    size_band = models.CharField(_("size"), max_length=8, choices=SizeBand, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    website = models.URLField(_("website"), blank=True)
    lifecycle = models.CharField(
        _("lifecycle status"), max_length=12, choices=Lifecycle, default="prospect"
    )
    relationship = models.CharField(
        _("relationship"), max_length=12, choices=Relationship, default="customer"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="children",
    )
    description = models.TextField(_("description"), blank=True)
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="+")
    external_id = models.CharField(_("external id"), max_length=100, blank=True)
    search_text = models.TextField(blank=True, editable=False)

    # Custom fields' values, {key: value}; NULL until one is set (decision 0005: a nullable
    # column is added without rewriting the table, and keeps the table's triggers).
    custom = models.JSONField(_("custom fields"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["name", "id"]
        indexes = [
            models.Index(fields=["name", "id"]),
            models.Index(fields=["team", "owner"]),
            models.Index(fields=["owner", "name", "id"]),
            models.Index(fields=["team", "name", "id"]),
            models.Index(fields=["tax_id"]),
            # The list filters, each on the accounts whose value is not the usual one (the
            # lists' filters say so too: see ``Filter.partial_excludes``).
            *(
                models.Index(
                    fields=[column, "name", "id"],
                    condition=~Q(**{column: usual}),
                    name=f"account_{column}_name",
                )
                for column, usual in (
                    ("lifecycle", "prospect"),
                    ("relationship", "customer"),
                    ("industry", ""),
                    ("size_band", ""),
                )
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["external_id"],
                condition=~Q(external_id=""),
                name="account_external_id_unique",
            )
        ]
        verbose_name = _("account")
        verbose_name_plural = _("accounts")

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Keep ``search_text`` current, and the contacts' too when the name changes (their
        company is this name)."""
        renamed = not self._state.adding and (
            Account.objects.filter(pk=self.pk).exclude(name=self.name).exists()
        )
        super().save(*args, **_with_search_text(self, kwargs))
        if renamed:
            refresh(self.contacts.all())


class PreferredChannel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    PHONE = "phone", _("Phone")
    SMS = "sms", _("SMS")
    WHATSAPP = "whatsapp", _("WhatsApp")
    POST = "post", _("Post")
    IN_PERSON = "in_person", _("In person")


class AgeBand(models.TextChoices):
    UNDER_25 = "18-24", _("18-24")
    FROM_25 = "25-34", _("25-34")
    FROM_35 = "35-44", _("35-44")
    FROM_45 = "45-54", _("45-54")
    FROM_55 = "55-64", _("55-64")
    OVER_65 = "65+", _("65 or older")


class Gender(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    OTHER = "other", _("Other")
    UNDISCLOSED = "undisclosed", _("Prefers not to say")


class IncomeBand(models.TextChoices):
    LOW = "low", _("Low")
    LOWER_MIDDLE = "lower_middle", _("Lower middle")
    MIDDLE = "middle", _("Middle")
    UPPER_MIDDLE = "upper_middle", _("Upper middle")
    HIGH = "high", _("High")


class Education(models.TextChoices):
    PRIMARY = "primary", _("Primary school")
    SECONDARY = "secondary", _("Secondary school")
    TECHNICAL = "technical", _("Technical course")
    BACHELOR = "bachelor", _("Bachelor's degree")
    POSTGRADUATE = "postgraduate", _("Postgraduate degree")


class Contact(OwnedModel):
    # The indexes in Meta begin with owner and with team: no single-column ones.
    owner = owner_field(db_index=False)
    team = team_field(db_index=False)
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    tax_id = models.CharField(_("tax id"), max_length=32, blank=True)
    job_title = models.CharField(_("job title"), max_length=120, blank=True)
    account = models.ForeignKey(
        Account,
        verbose_name=_("primary account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contacts",
    )
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, blank=True
    )
    preferred_channel = models.CharField(
        _("preferred channel"), max_length=12, choices=PreferredChannel, blank=True
    )
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    age_band = models.CharField(_("age band"), max_length=8, choices=AgeBand, blank=True)
    gender = models.CharField(_("gender"), max_length=12, choices=Gender, blank=True)
    income_band = models.CharField(_("income band"), max_length=14, choices=IncomeBand, blank=True)
    education = models.CharField(_("education"), max_length=14, choices=Education, blank=True)
    do_not_contact = models.BooleanField(_("do not contact"), default=False)
    description = models.TextField(_("description"), blank=True)
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="+")
    external_id = models.CharField(_("external id"), max_length=100, blank=True)
    anonymized_at = models.DateTimeField(_("anonymised"), null=True, blank=True)
    search_text = models.TextField(blank=True, editable=False)

    # Custom fields' values, {key: value}; NULL until one is set (decision 0005: a nullable
    # column is added without rewriting the table, and keeps the table's triggers).
    custom = models.JSONField(_("custom fields"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        indexes = [
            models.Index(fields=["last_name", "first_name", "id"]),
            models.Index(fields=["team", "owner"]),
            models.Index(fields=["owner", "last_name", "first_name", "id"]),
            models.Index(fields=["team", "last_name", "first_name", "id"]),
            models.Index(fields=["email"]),
            models.Index(fields=["phone"]),
            models.Index(fields=["tax_id"]),
            models.Index(fields=["created_at", "id"]),
            models.Index(fields=["owner", "created_at", "id"]),
            models.Index(fields=["team", "created_at", "id"]),
            # The list filters on columns most contacts leave blank (or false): partial, so a
            # contact without a value costs them nothing, and ordered as the lists sort.
            *(
                models.Index(
                    fields=[column, *order], condition=~Q(**{column: ""}), name=f"contact_{name}"
                )
                for column, short in (("language", "language"), ("preferred_channel", "channel"))
                for name, order in (
                    (f"{short}_name", ["last_name", "first_name", "id"]),
                    (f"{short}_new", ["created_at", "id"]),
                )
            ),
            *(
                models.Index(
                    fields=["do_not_contact", *order],
                    condition=Q(do_not_contact=True),
                    name=f"contact_dnc_{name}",
                )
                for name, order in (
                    ("name", ["last_name", "first_name", "id"]),
                    ("new", ["created_at", "id"]),
                )
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["external_id"],
                condition=~Q(external_id=""),
                name="contact_external_id_unique",
            )
        ]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def save(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **_with_search_text(self, kwargs))


class AccountRole(models.TextChoices):
    DECISION_MAKER = "decision_maker", _("Decision maker")
    INFLUENCER = "influencer", _("Influencer")
    BUYER = "buyer", _("Buyer")
    USER = "user", _("User")
    TECHNICAL = "technical", _("Technical contact")
    BILLING = "billing", _("Billing contact")
    EMPLOYEE = "employee", _("Employee")
    OTHER = "other", _("Other")


class AccountContact(models.Model):
    """A contact's tie to an account, with the part they play there (many-to-many)."""

    # The unique constraint below begins with ``account``: it is that column's index.
    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, related_name="memberships", db_index=False
    )
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=16, choices=AccountRole, default="employee")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["account_id", "contact_id"]
        constraints = [
            models.UniqueConstraint(fields=["account", "contact"], name="account_contact_unique")
        ]
        verbose_name = _("account membership")
        verbose_name_plural = _("account memberships")

    def __str__(self) -> str:
        return f"{self.contact_id}@{self.account_id}:{self.role}"


class PointKind(models.TextChoices):
    EMAIL = "email", _("E-mail")
    PHONE = "phone", _("Phone")


class ContactPoint(models.Model):
    """A further e-mail address or phone number of an account or a contact."""

    account = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.CASCADE, related_name="points"
    )
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.CASCADE, related_name="points"
    )
    kind = models.CharField(_("kind"), max_length=8, choices=PointKind)
    label = models.CharField(_("label"), max_length=40, blank=True)
    value = models.CharField(_("value"), max_length=254)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["kind", "value"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(account__isnull=False, contact__isnull=True)
                | Q(account__isnull=True, contact__isnull=False),
                name="contact_point_one_parent",
            )
        ]
        verbose_name = _("e-mail or phone")
        verbose_name_plural = _("e-mails and phones")

    def __str__(self) -> str:
        return self.value


class AddressKind(models.TextChoices):
    MAIN = "main", _("Main")
    BILLING = "billing", _("Billing")
    SHIPPING = "shipping", _("Shipping")
    HOME = "home", _("Home")
    WORK = "work", _("Work")


class Address(models.Model):
    account = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.CASCADE, related_name="addresses"
    )
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.CASCADE, related_name="addresses"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=AddressKind, default="main")
    street = models.CharField(_("street and number"), max_length=200, blank=True)
    complement = models.CharField(_("complement"), max_length=100, blank=True)
    district = models.CharField(_("district"), max_length=100, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    state = models.CharField(_("state"), max_length=60, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    country = models.CharField(_("country"), max_length=2, default="BR")

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["postal_code"]), models.Index(fields=["city"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(account__isnull=False, contact__isnull=True)
                | Q(account__isnull=True, contact__isnull=False),
                name="address_one_parent",
            )
        ]
        verbose_name = _("address")
        verbose_name_plural = _("addresses")

    def __str__(self) -> str:
        parts = [self.street, self.city, self.state, self.postal_code]
        return ", ".join(p for p in parts if p)


class LeadSource(models.TextChoices):
    WEB_FORM = "web_form", _("Web form")
    IMPORT = "import", _("Import")
    CAMPAIGN = "campaign", _("Campaign")
    MANUAL = "manual", _("Manual")
    API = "api", _("API")
    REFERRAL = "referral", _("Referral")


class LeadStatus(models.TextChoices):
    NEW = "new", _("New")
    WORKING = "working", _("Working")
    QUALIFIED = "qualified", _("Qualified")
    DISQUALIFIED = "disqualified", _("Disqualified")
    CONVERTED = "converted", _("Converted")


class LeadRating(models.TextChoices):
    HOT = "hot", _("Hot")
    WARM = "warm", _("Warm")
    COLD = "cold", _("Cold")


class DisqualifyReason(models.TextChoices):
    NO_BUDGET = "no_budget", _("No budget")
    NO_NEED = "no_need", _("No need")
    NO_AUTHORITY = "no_authority", _("Not a decision maker")
    BAD_TIMING = "bad_timing", _("Bad timing")
    COMPETITOR = "competitor", _("Chose a competitor")
    UNREACHABLE = "unreachable", _("Unreachable")
    SPAM = "spam", _("Spam or fake")
    DUPLICATE = "duplicate", _("Duplicate")
    OTHER = "other", _("Other")


# The lead lifecycle the code relies on, as allowed (from, to) moves.
LEAD_TRANSITIONS: frozenset[tuple[str, str]] = frozenset(
    {
        ("new", "working"),
        ("new", "qualified"),
        ("new", "disqualified"),
        ("working", "qualified"),
        ("working", "disqualified"),
        ("qualified", "working"),
        ("qualified", "disqualified"),
        ("disqualified", "working"),
        ("new", "converted"),
        ("working", "converted"),
        ("qualified", "converted"),
    }
)


class Lead(OwnedModel):
    # The indexes in Meta begin with owner and with team: no single-column ones.
    owner = owner_field(db_index=False)
    team = team_field(db_index=False)
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    company = models.CharField(_("company"), max_length=200, blank=True)
    job_title = models.CharField(_("job title"), max_length=120, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    website = models.URLField(_("website"), blank=True)
    country = models.CharField(_("country"), max_length=2, default="BR")
    tax_id = models.CharField(_("tax id"), max_length=32, blank=True)
    industry = models.CharField(_("industry"), max_length=20, choices=Industry, blank=True)
    size_band = models.CharField(_("size"), max_length=8, choices=SizeBand, blank=True)
    source = models.CharField(_("source"), max_length=12, choices=LeadSource, default="manual")
    status = models.CharField(_("status"), max_length=14, choices=LeadStatus, default="new")
    disqualify_reason = models.CharField(
        _("disqualification reason"), max_length=14, choices=DisqualifyReason, blank=True
    )
    rating = models.CharField(_("rating"), max_length=6, choices=LeadRating, blank=True)
    description = models.TextField(_("description"), blank=True)
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="+")
    external_id = models.CharField(_("external id"), max_length=100, blank=True)
    converted_account = models.ForeignKey(
        Account,
        verbose_name=_("converted to account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    converted_contact = models.ForeignKey(
        Contact,
        verbose_name=_("converted to contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="source_leads",
    )
    converted_at = models.DateTimeField(_("converted"), null=True, blank=True)
    search_text = models.TextField(blank=True, editable=False)

    # Custom fields' values, {key: value}; NULL until one is set (decision 0005: a nullable
    # column is added without rewriting the table, and keeps the table's triggers).
    custom = models.JSONField(_("custom fields"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["created_at", "id"]),
            models.Index(fields=["team", "owner"]),
            models.Index(fields=["owner", "created_at", "id"]),
            models.Index(fields=["team", "created_at", "id"]),
            models.Index(fields=["status", "created_at", "id"]),
            # The list's filters on source and rating, each on the leads whose value is not the
            # usual one, newest first (the list's filters say so: ``Filter.partial_excludes``).
            *(
                models.Index(
                    fields=[column, "created_at", "id"],
                    condition=~Q(**{column: usual}),
                    name=f"lead_{column}_new",
                )
                for column, usual in (("source", "manual"), ("rating", ""))
            ),
            models.Index(fields=["email"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["external_id"],
                condition=~Q(external_id=""),
                name="lead_external_id_unique",
            )
        ]
        verbose_name = _("lead")
        verbose_name_plural = _("leads")

    def __str__(self) -> str:
        name = f"{self.first_name} {self.last_name}".strip()
        return name or self.company or self.email or f"#{self.pk}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **_with_search_text(self, kwargs))


class ConsentChannel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")
    PHONE = "phone", _("Phone")
    POST = "post", _("Post")
    WHATSAPP = "whatsapp", _("WhatsApp")


class ConsentPurpose(models.TextChoices):
    MARKETING = "marketing", _("Marketing")
    NEWSLETTER = "newsletter", _("Newsletter")
    SURVEYS = "surveys", _("Surveys")
    SERVICE = "service", _("Service messages")
    PROFILING = "profiling", _("Profiling")


class ConsentStatus(models.TextChoices):
    OPT_IN = "opt_in", _("Opted in")
    OPT_OUT = "opt_out", _("Opted out")


class Consent(models.Model):
    """One consent event; the latest per (contact, channel, purpose) is what holds.

    Rows are never edited: a change of mind is a new row, so the history is the proof.
    """

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="consents")
    channel = models.CharField(_("channel"), max_length=10, choices=ConsentChannel)
    purpose = models.CharField(_("purpose"), max_length=12, choices=ConsentPurpose)
    status = models.CharField(_("status"), max_length=8, choices=ConsentStatus)
    source = models.CharField(_("source"), max_length=100, blank=True)
    proof = models.JSONField(_("proof"), default=dict, blank=True)
    recorded_at = models.DateTimeField(_("recorded"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-recorded_at", "-id"]
        indexes = [models.Index(fields=["contact", "channel", "purpose", "recorded_at"])]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")

    def __str__(self) -> str:
        return f"{self.contact_id}:{self.channel}/{self.purpose}={self.status}"


class DuplicateStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("status", "Open")
    DISMISSED = "dismissed", _("Not a duplicate")
    MERGED = "merged", _("Merged")


class DuplicateCandidate(models.Model):
    """A pair the duplicate scan thinks may be one customer, with its score and reasons."""

    object_type = models.CharField(_("record type"), max_length=40)
    left_id = models.BigIntegerField()
    right_id = models.BigIntegerField()
    score = models.FloatField(_("score"))
    reasons = models.JSONField(_("reasons"), default=list)
    status = models.CharField(_("status"), max_length=10, choices=DuplicateStatus, default="open")
    found_at = models.DateTimeField(_("found"), auto_now_add=True)

    class Meta:
        ordering = ["-score", "id"]
        indexes = [models.Index(fields=["object_type", "status", "score"])]
        constraints = [
            models.UniqueConstraint(
                fields=["object_type", "left_id", "right_id"], name="duplicate_pair_unique"
            )
        ]
        verbose_name = _("possible duplicate")
        verbose_name_plural = _("possible duplicates")

    def __str__(self) -> str:
        return f"{self.object_type}:{self.left_id}~{self.right_id} ({self.score:.2f})"


class MergeRecord(models.Model):
    """What a merge did, kept so it can be undone: the loser's snapshot and every re-link."""

    object_type = models.CharField(_("record type"), max_length=40)
    survivor_id = models.BigIntegerField()
    merged_id = models.BigIntegerField()
    survivor_before = models.JSONField(default=dict)
    merged_snapshot = models.JSONField(default=dict)
    relinks = models.JSONField(default=list)
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    merged_at = models.DateTimeField(_("merged"), auto_now_add=True)
    undone_at = models.DateTimeField(_("undone"), null=True, blank=True)

    class Meta:
        ordering = ["-merged_at", "-id"]
        indexes = [models.Index(fields=["object_type", "survivor_id"])]
        verbose_name = _("merge")
        verbose_name_plural = _("merges")

    def __str__(self) -> str:
        return f"{self.object_type}:{self.merged_id}→{self.survivor_id}"


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", _("Uploaded")
    MAPPED = "mapped", _("Mapped")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


class DuplicatePolicy(models.TextChoices):
    UPDATE = "update", _("Update the existing record")
    SKIP = "skip", _("Skip the row")
    FLAG = "flag", _("Create it and flag as a possible duplicate")


class ImportJob(models.Model):
    """One file being imported; ``position`` is the last committed row, so a crash resumes."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    object_type = models.CharField(_("record type"), max_length=40)
    file_name = models.CharField(_("file"), max_length=255)
    stored_path = models.CharField(max_length=500)
    file_format = models.CharField(max_length=8)
    encoding = models.CharField(max_length=20, blank=True)
    delimiter = models.CharField(max_length=4, blank=True)
    headers = models.JSONField(default=list)
    mapping = models.JSONField(default=dict)
    duplicate_policy = models.CharField(
        _("duplicates"), max_length=8, choices=DuplicatePolicy, default="skip"
    )
    status = models.CharField(_("status"), max_length=10, choices=ImportStatus, default="uploaded")
    total_rows = models.IntegerField(null=True, blank=True)
    position = models.IntegerField(default=0)
    created_count = models.IntegerField(default=0)
    updated_count = models.IntegerField(default=0)
    skipped_count = models.IntegerField(default=0)
    flagged_count = models.IntegerField(default=0)
    error_count = models.IntegerField(default=0)
    message = models.TextField(blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    # "app.Model:index,…" the run dropped until its rows are in (``imports.bulkload``)
    deferred_indexes = models.TextField(blank=True, default="", editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self) -> str:
        return f"{self.file_name} ({self.status})"


class ImportRowError(models.Model):
    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="row_errors")
    row_number = models.IntegerField()
    errors = models.JSONField(default=dict)
    raw = models.JSONField(default=list)

    class Meta:
        ordering = ["job_id", "row_number"]
        indexes = [models.Index(fields=["job", "row_number"])]

    def __str__(self) -> str:
        return f"{self.job_id}:{self.row_number}"


class ImportMapping(models.Model):
    """A column mapping remembered for a set of headers, offered again on the next upload."""

    object_type = models.CharField(max_length=40)
    header_signature = models.CharField(max_length=64)
    mapping = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["object_type", "header_signature"], name="import_mapping_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.object_type}:{self.header_signature[:8]}"
