"""Keeps the house standing: layering, migrations, the API snapshot and coverage, permissions."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from io import StringIO
from pathlib import Path

from django.apps import apps
from django.core.management import call_command
from django.test import Client

from clientela.platform import registry
from clientela.platform.models import Role, RolePermission

REPO = Path(__file__).resolve().parents[3]
SNAPSHOT = REPO / "docs" / "openapi.json"
# Tables that are not business records and so carry no permission rows of their own.
NOT_RECORD_TYPES = {
    # platform machinery
    *("AuditHead", "PeriodicJob", "RolePermission", "ApiToken", "Notification"),
    *("Tag", "SavedView", "CalendarFeed", "RoundRobinTurn"),
    # parts of a customer record: rights follow the account, contact or lead they belong to
    *("AccountContact", "ContactPoint", "Address", "Consent", "MergeRecord"),
    # one table for every custom object's records: each object is its own type (objects.<key>)
    "CustomRecord",
    # customer-data jobs: rights checked against the record type they work on
    *("DuplicateCandidate", "ImportJob", "ImportRowError", "ImportMapping"),
    # parts of a deal, its pipeline or its documents: rights follow the deal, the pipeline
    # settings (sales.pipeline), the catalogue (sales.product) or the order they belong to
    *("Stage", "OpportunityContact", "StageChange", "OpportunityLine", "QuoteLine"),
    *("OrderLine", "DeliveryEvent", "Quote"),
    *("ProductGroup", "Tax", "PriceList", "Price", "ExchangeRate"),
    # sales machinery: document numbers, quotas and forecast history (read through forecasts)
    *("DocumentCounter", "ForecastSnapshot"),
    # parts of a ticket (rights follow the ticket) and the mail channel's log of what arrived
    *("TicketMessage", "Attachment", "InboundMail"),
    # parts of an asset, a ticket, a maintenance plan or the knowledge base: rights follow them
    *("Warranty", "WorkLog", "MaintenanceVisit"),
    *("ArticleCategory", "ArticleVersion", "ArticleFeedback"),
}


def test_apps_depend_downward_only():
    result = subprocess.run(
        [Path(sys.executable).with_name("lint-imports"), "--no-cache"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_migrations_are_up_to_date(db):
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()


def _spec() -> dict:
    return Client().get("/api/openapi.json").json()


def test_openapi_snapshot_is_current(db):
    """docs/openapi.json is what clients read; refresh it with CLIENTELA_UPDATE_SNAPSHOT=1."""
    current = json.dumps(_spec(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    if os.environ.get("CLIENTELA_UPDATE_SNAPSHOT") == "1":
        SNAPSHOT.write_text(current, encoding="utf-8")
    assert SNAPSHOT.read_text(encoding="utf-8") == current, (
        "the API changed: run the tests once with CLIENTELA_UPDATE_SNAPSHOT=1 and review the diff"
    )


def _test_sources() -> str:
    return "\n".join(
        p.read_text(encoding="utf-8") for p in REPO.glob("clientela/**/tests/test_*.py")
    )


def test_every_api_operation_is_exercised_by_a_test(db):
    """Each method + path of the spec appears in some test as a call like ``.patch("/api/v1/…``."""
    sources = _test_sources()
    missing = []
    for path, operations in _spec()["paths"].items():
        if not path.startswith("/api/v1/"):
            continue
        pattern = re.escape(path)
        pattern = re.sub(r"\\\{[a-z_]+\\\}", r"[^\"/?]+", pattern)
        for method in operations:
            call = rf"\.{method}\(\s*f?[\"']{pattern}[\"'?]"
            if not re.search(call, sources):
                missing.append(f"{method.upper()} {path}")
    assert not missing, f"API operations with no test: {missing}"


def test_every_model_is_a_registered_record_type_or_declared_otherwise():
    ours = [m for m in apps.get_models() if m.__module__.startswith("clientela.")]
    unregistered = []
    for model in ours:
        if model.__name__ in NOT_RECORD_TYPES:
            continue
        try:
            registry.for_model(model)
        except LookupError:
            unregistered.append(model.__name__)
    assert not unregistered


def test_every_role_has_a_permission_row_for_every_record_type(db):
    keys = {t.key for t in registry.all_types()}
    for role in Role.objects.all():
        rows = set(RolePermission.objects.filter(role=role).values_list("object_type", flat=True))
        assert rows == keys, role.slug
