"""Platform tables: people and their rights, the audit chain, tokens, notifications, schedules.

``platform`` names no business object: apps register theirs in ``registry`` and the permission
rows below refer to them by key (``customers.account``).
"""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Scope(models.TextChoices):
    OWN = "own", _("Own records")
    TEAM = "team", _("Team's records")
    ALL = "all", _("All records")


class Action(models.TextChoices):
    VIEW = "view", _("View")
    CREATE = "create", _("Create")
    EDIT = "edit", _("Edit")
    DELETE = "delete", _("Delete")
    EXPORT = "export", _("Export")


class Team(models.Model):
    name = models.CharField(_("name"), max_length=120, unique=True)
    description = models.TextField(_("description"), blank=True)
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("manager"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_teams",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self) -> str:
        return self.name


class Role(models.Model):
    name = models.CharField(_("name"), max_length=120, unique=True)
    slug = models.SlugField(_("code"), max_length=60, unique=True)
    description = models.TextField(_("description"), blank=True)
    is_builtin = models.BooleanField(_("built-in"), default=False)
    is_admin = models.BooleanField(
        _("administrator"),
        default=False,
        help_text=_("Administrators manage users, roles, teams and settings."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("role")
        verbose_name_plural = _("roles")

    def __str__(self) -> str:
        return self.name


class RolePermission(models.Model):
    """What one role may do with one kind of record, and which of those records it sees."""

    role = models.ForeignKey(Role, on_delete=models.CASCADE, related_name="permissions")
    object_type = models.CharField(_("record type"), max_length=80)
    can_view = models.BooleanField(_("view"), default=False)
    can_create = models.BooleanField(_("create"), default=False)
    can_edit = models.BooleanField(_("edit"), default=False)
    can_delete = models.BooleanField(_("delete"), default=False)
    can_export = models.BooleanField(_("export"), default=False)
    scope = models.CharField(_("visibility"), max_length=8, choices=Scope, default=Scope.OWN)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["role", "object_type"], name="role_object_type_unique")
        ]
        ordering = ["role_id", "object_type"]

    def __str__(self) -> str:
        return f"{self.role_id}:{self.object_type}"

    def allows(self, action: str) -> bool:
        return bool(getattr(self, f"can_{action}"))


class User(AbstractUser):
    email = models.EmailField(_("e-mail address"), unique=True)
    role = models.ForeignKey(
        Role, verbose_name=_("role"), null=True, blank=True, on_delete=models.PROTECT
    )
    teams = models.ManyToManyField(
        Team, verbose_name=_("teams"), blank=True, related_name="members"
    )
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, blank=True
    )
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True)
    totp_secret = models.CharField(max_length=64, blank=True)
    totp_enabled = models.BooleanField(_("two-factor authentication"), default=False)
    totp_last_step = models.BigIntegerField(default=0)

    REQUIRED_FIELDS: ClassVar[list[str]] = ["email"]

    class Meta:
        ordering = ["username"]
        verbose_name = _("user")
        verbose_name_plural = _("users")

    @property
    def is_administrator(self) -> bool:
        return bool(self.is_superuser or (self.role is not None and self.role.is_admin))

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username


def owner_field(*, db_index: bool = True) -> models.ForeignKey[Any, Any]:
    """An owned record's owner. A model whose own indexes begin with ``owner`` (and ``team``)
    redeclares it with ``db_index=False``: one more index would only slow every write."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=db_index,
    )


def team_field(*, db_index: bool = True) -> models.ForeignKey[Any, Any]:
    return models.ForeignKey(
        Team,
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=db_index,
    )


class OwnedModel(models.Model):
    """Base for business records whose visibility follows their owner and team."""

    owner = owner_field()
    team = team_field()
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


class Channel(models.TextChoices):
    UI = "ui", _("Web interface")
    API = "api", _("API")
    IMPORT = "import", _("Import")
    AUTOMATION = "automation", _("Automation")
    SYSTEM = "system", _("System")


class AuditEntry(models.Model):
    """One append-only line of the audit chain; ``hash`` covers the content and ``prev_hash``."""

    seq = models.BigIntegerField(unique=True)
    at = models.DateTimeField(_("when"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        db_constraint=False,
        related_name="+",
    )
    actor_label = models.CharField(max_length=150)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel)
    action = models.CharField(_("action"), max_length=16)
    object_type = models.CharField(_("record type"), max_length=80)
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(_("record"), max_length=200)
    changes = models.JSONField(_("changes"), default=dict)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["-seq"]
        indexes = [models.Index(fields=["object_type", "object_id", "seq"])]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise RuntimeError("audit entries are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise RuntimeError("audit entries are append-only")


class AuditHead(models.Model):
    """The chain's last sequence number and hash: writers lock it, and a cut tail shows."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)

    def __str__(self) -> str:
        return f"head #{self.seq}"


class ApiToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=12, unique=True)
    digest = models.CharField(max_length=64)
    read_only = models.BooleanField(_("read-only"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class Notification(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"])]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")

    def __str__(self) -> str:
        return self.title


class PeriodicJob(models.Model):
    """A task run on a cron schedule; the row is how many workers agree on who runs it."""

    name = models.CharField(max_length=120, unique=True)
    task_path = models.CharField(max_length=200)
    cron = models.CharField(max_length=120)
    enabled = models.BooleanField(default=True)
    next_run_at = models.DateTimeField(db_index=True)
    last_run_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Tag(models.Model):
    """A free label any business record can carry; created on first use."""

    name = models.CharField(_("name"), max_length=50, unique=True)
    color = models.CharField(_("colour"), max_length=7, default="#64748b")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self) -> str:
        return self.name


class SavedView(models.Model):
    """A list's filters, sort and columns kept under a name, for oneself or shared."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views"
    )
    object_type = models.CharField(_("record type"), max_length=80)
    name = models.CharField(_("name"), max_length=100)
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    columns = models.JSONField(_("columns"), default=list, blank=True)
    sort = models.CharField(_("sort"), max_length=60, blank=True)
    shared = models.BooleanField(_("shared with everyone"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["object_type", "user"])]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "object_type", "name"], name="saved_view_name_unique"
            )
        ]
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")

    def __str__(self) -> str:
        return self.name


class FieldType(models.TextChoices):
    """What a custom field holds, and so how it is stored, cleaned, filtered and shown."""

    TEXT = "text", _("Text")
    LONG_TEXT = "long_text", _("Long text")
    INTEGER = "integer", _("Whole number")
    DECIMAL = "decimal", _("Decimal number")
    CURRENCY = "currency", _("Amount of money")
    DATE = "date", _("Date")
    DATETIME = "datetime", _("Date and time")
    BOOLEAN = "boolean", _("Yes or no")
    CHOICE = "choice", _("Single choice")
    MULTI_CHOICE = "multi_choice", _("Multiple choice")
    EMAIL = "email", _("E-mail")
    PHONE = "phone", _("Phone")
    URL = "url", _("Web address")
    LOOKUP = "lookup", _("Link to a record")


class CustomField(models.Model):
    """A field an administrator adds to a record type; values live in the record's ``custom``.

    See docs/decisions/0005-custom-fields.md: one JSON column per record type, and for each
    field used in filters an expression index created while the application runs.
    """

    object_type = models.CharField(_("record type"), max_length=80)
    key = models.CharField(_("key"), max_length=40)
    label = models.CharField(_("label"), max_length=120)
    field_type = models.CharField(_("type"), max_length=20, choices=FieldType.choices)
    required = models.BooleanField(_("required"), default=False)
    default = models.JSONField(_("default"), null=True, blank=True)
    help_text = models.CharField(_("help text"), max_length=300, blank=True)
    group = models.CharField(_("group"), max_length=80, blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)
    choices = models.JSONField(_("choices"), default=list, blank=True)
    min_value = models.DecimalField(
        _("minimum"), max_digits=18, decimal_places=4, null=True, blank=True
    )
    max_value = models.DecimalField(
        _("maximum"), max_digits=18, decimal_places=4, null=True, blank=True
    )
    max_length = models.PositiveIntegerField(_("maximum length"), null=True, blank=True)
    pattern = models.CharField(_("pattern"), max_length=200, blank=True)
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    target = models.CharField(_("linked record type"), max_length=80, blank=True)
    filterable = models.BooleanField(_("use in list filters and sorts"), default=True)
    searchable = models.BooleanField(_("include in search"), default=False)
    index_state = models.CharField(_("index"), max_length=20, default="none")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["object_type", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["object_type", "key"], name="custom_field_key_unique")
        ]
        verbose_name = _("custom field")
        verbose_name_plural = _("custom fields")

    def __str__(self) -> str:
        return self.label


# --- webhooks (docs/decisions/0006-webhooks.md) ----------------------------------------------


class WebhookEndpoint(models.Model):
    """An outside address that receives the events it asks for, signed with its secret.

    The secret is kept as issued: signing needs it back (HMAC). Only its creation and rotation
    show it; pages, the API and the audit log never do.
    """

    url = models.URLField(_("address"), max_length=500)
    description = models.CharField(_("description"), max_length=200, blank=True)
    event_types = models.JSONField(_("events"), default=list)
    is_active = models.BooleanField(_("active"), default=True)
    secret = models.CharField(max_length=100)
    consecutive_failures = models.PositiveIntegerField(default=0)
    disabled_at = models.DateTimeField(_("disabled"), null=True, blank=True)
    disabled_reason = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("outbound webhook")
        verbose_name_plural = _("outbound webhooks")

    def __str__(self) -> str:
        return self.description or self.url


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    RETRYING = "retrying", _("Retrying")
    SUCCEEDED = "succeeded", _("Delivered")
    FAILED = "failed", _("Failed")


class WebhookDelivery(models.Model):
    """One event for one endpoint: the outbox row, kept until it is delivered or given up.

    ``next_attempt_at`` is when it is due (or, while an attempt runs, when that attempt's lease
    ends); ``queued_at`` says a task was enqueued for it, so the sweep does not enqueue it twice.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.CharField(_("event"), max_length=120)
    payload = models.JSONField(default=dict)
    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    queued_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    response_status = models.PositiveSmallIntegerField(_("response code"), null=True, blank=True)
    response_body = models.TextField(_("response"), blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["endpoint", "-created_at"], name="webhook_delivery_log"),
            models.Index(
                fields=["next_attempt_at"],
                name="webhook_delivery_due",
                condition=models.Q(status__in=["pending", "retrying"]),
            ),
        ]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")

    def __str__(self) -> str:
        return f"{self.event} → {self.endpoint_id} ({self.status})"


class InboundHook(models.Model):
    """An address outside systems post records to (``/hooks/in/<public_id>``).

    ``kind`` names a handler an app registered (``platform.inbound``); records are created as
    ``owner`` through that app's services, on the API channel.
    """

    public_id = models.CharField(max_length=32, unique=True)
    kind = models.CharField(_("kind"), max_length=40)
    description = models.CharField(_("description"), max_length=200, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("default owner"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    is_active = models.BooleanField(_("active"), default=True)
    secret = models.CharField(max_length=100)
    last_received_at = models.DateTimeField(_("last received"), null=True, blank=True)
    received_count = models.PositiveIntegerField(_("records received"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("inbound webhook")
        verbose_name_plural = _("inbound webhooks")

    def __str__(self) -> str:
        return self.description or self.public_id


class PluginState(models.Model):
    """Whether an installed plugin (an entry point in ``clientela.plugins``) is switched on.

    A plugin with no row is off until an administrator enables it: installing a package must not
    change what a running CRM does. Every process reads these rows, so a switch applies to all
    servers and workers without a restart.
    """

    name = models.CharField(_("name"), max_length=100, unique=True)
    enabled = models.BooleanField(_("enabled"), default=False)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("plugin")
        verbose_name_plural = _("plugins")

    def __str__(self) -> str:
        return self.name


class RuleTrigger(models.TextChoices):
    CREATED = "created", _("Record created")
    UPDATED = "updated", _("Record updated")
    FIELD_CHANGED = "field_changed", _("A field changed")
    STATUS_ENTERED = "status_entered", _("Status or stage entered")
    DATE_RELATIVE = "date_relative", _("Time relative to a date field")
    SCHEDULE = "schedule", _("Recurring schedule")
    INBOUND = "inbound", _("Inbound event")


class Rule(models.Model):
    """An automation: when ``trigger`` happens to a record of ``object_type`` and ``conditions``
    hold, run ``actions`` in order (a ``wait`` action makes the rest a later step).

    ``trigger_config``, ``conditions`` and ``actions`` are structured documents checked by the
    rules service (never code): see docs/decisions/0007-rules-engine.md for their shapes.
    """

    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    object_type = models.CharField(_("record type"), max_length=80)
    trigger = models.CharField(_("trigger"), max_length=20, choices=RuleTrigger.choices)
    trigger_config = models.JSONField(_("trigger settings"), default=dict, blank=True)
    conditions = models.JSONField(_("conditions"), default=dict, blank=True)
    actions = models.JSONField(_("actions"), default=list)
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveIntegerField(_("order"), default=0)
    run_as = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("run as"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    # date-relative and scheduled rules: how far the periodic scan has looked
    scanned_until = models.DateTimeField(null=True, blank=True)
    next_run_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["is_active", "object_type", "trigger"])]
        verbose_name = _("rule")
        verbose_name_plural = _("rules")

    def __str__(self) -> str:
        return self.name


class RunStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    WAITING = "waiting", _("Waiting for a later step")
    RETRYING = "retrying", _("Retrying")
    DONE = "done", _("Done")
    SKIPPED = "skipped", _("Conditions not met")
    FAILED = "failed", _("Failed")


class RuleRun(models.Model):
    """One firing of a rule on one record: why it fired, each step's outcome, errors.

    The rows are the truth, as with webhook deliveries: a periodic sweep enqueues every run that
    is due and not queued, so a run is never lost when a worker dies.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    rule = models.ForeignKey(
        Rule, verbose_name=_("rule"), on_delete=models.CASCADE, related_name="runs"
    )
    object_type = models.CharField(_("record type"), max_length=80)
    record_id = models.CharField(_("record"), max_length=40, blank=True)
    event = models.CharField(_("cause"), max_length=120, blank=True)
    context = models.JSONField(default=dict, blank=True)  # the trigger's data: changes, from/to…
    chain = models.JSONField(default=list, blank=True)  # rule ids that led here (loop guard)
    status = models.CharField(
        _("status"), max_length=10, choices=RunStatus.choices, default=RunStatus.PENDING
    )
    step = models.PositiveIntegerField(_("next step"), default=0)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    queued_at = models.DateTimeField(null=True, blank=True)
    log = models.JSONField(_("log"), default=list, blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("fired"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["rule", "-created_at"]),
            models.Index(fields=["object_type", "record_id", "-created_at"]),
        ]
        verbose_name = _("rule run")
        verbose_name_plural = _("rule runs")

    def __str__(self) -> str:
        return f"{self.rule_id}:{self.record_id}:{self.status}"


class CustomObject(models.Model):
    """A record type an administrator defined ("Vehicle", "Insurance policy"): its records are
    ``CustomRecord`` rows and its fields are custom fields on ``objects.<key>``; no table is
    created at run time (see docs/decisions/0008-custom-objects.md)."""

    key = models.SlugField(_("key"), max_length=40, unique=True)
    label = models.CharField(_("name"), max_length=80)
    label_plural = models.CharField(_("plural name"), max_length=80)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["label"]
        verbose_name = _("custom object")
        verbose_name_plural = _("custom objects")

    def __str__(self) -> str:
        return self.label


class CustomRecord(OwnedModel):
    """One record of a custom object: a name, its owner and team, and its fields' values."""

    owner = owner_field(db_index=False)
    team = team_field(db_index=False)
    object = models.ForeignKey(
        CustomObject, verbose_name=_("record type"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("name"), max_length=200)
    custom = models.JSONField(_("custom fields"), null=True, blank=True)

    class Meta:
        ordering = ["name", "id"]
        indexes = [
            models.Index(fields=["object", "name", "id"]),
            models.Index(fields=["object", "owner", "name"]),
            models.Index(fields=["object", "team", "name"]),
        ]
        verbose_name = _("custom record")
        verbose_name_plural = _("custom records")

    def __str__(self) -> str:
        return self.name


class RoundRobinTurn(models.Model):
    """Whose turn it is in one rotation (a team's members, a role's users) for the rules'
    "assign round-robin" recipients: the last user given a record; the next one follows them
    in id order. Workers take the row's lock before reading it, so two never give a turn
    twice."""

    key = models.CharField(max_length=80, unique=True)  # "team:3", "role:sales-rep"
    last_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    turns = models.PositiveBigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("round-robin turn")
        verbose_name_plural = _("round-robin turns")

    def __str__(self) -> str:
        return f"{self.key}:{self.last_user_id}"
