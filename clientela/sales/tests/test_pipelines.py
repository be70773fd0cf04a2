"""Pipeline services: stages kept, renamed, reordered, added and removed in one change; the
default pipeline and stages with deals are protected; only those allowed may configure."""

from __future__ import annotations

import pytest

from clientela.platform.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from clientela.platform.models import AuditEntry
from clientela.sales.models import Pipeline, Stage
from clientela.sales.services import (
    default_pipeline,
    ensure_default_pipeline,
    opportunity_create,
    pipeline_create,
    pipeline_delete,
    pipeline_update,
)

STAGES = [
    {"name": "Lead in", "probability": 10},
    {"name": "Proposal", "probability": 60, "required_fields": ["amount"], "rotting_days": 7},
    {"name": "Signed", "probability": 100, "kind": "won"},
    {"name": "Dropped", "kind": "lost", "required_fields": ["lost_reason"]},
]


@pytest.fixture
def admin(make_user):
    return make_user("administrator")


def names(pipeline: Pipeline) -> list[str]:
    return list(pipeline.stages.order_by("position").values_list("name", flat=True))


def test_a_pipeline_is_created_with_its_ordered_stages_and_audited(admin):
    pipeline = pipeline_create(actor=admin, values={"name": " Renewals ", "stages": STAGES})

    assert pipeline.name == "Renewals"
    assert names(pipeline) == ["Lead in", "Proposal", "Signed", "Dropped"]
    proposal = pipeline.stages.get(name="Proposal")
    assert (proposal.probability, proposal.rotting_days, proposal.required_fields) == (
        60,
        7,
        ["amount"],
    )
    assert not pipeline.is_default
    assert AuditEntry.objects.filter(object_type="sales.pipeline", action="create").exists()


def test_stages_are_renamed_reordered_added_and_removed_in_one_change(admin):
    pipeline = pipeline_create(actor=admin, values={"name": "Renewals", "stages": STAGES})
    ids = dict(pipeline.stages.values_list("name", "id"))
    # swap two names (unique per pipeline) and reorder, add one, drop "Dropped"
    new = [
        {"id": ids["Proposal"], "name": "Lead in", "probability": 15},
        {"id": ids["Lead in"], "name": "Proposal", "probability": 55},
        {"name": "Negotiation", "probability": 80},
        {"id": ids["Signed"], "name": "Signed", "probability": 100, "kind": "won"},
    ]
    pipeline_update(actor=admin, pipeline_id=pipeline.pk, values={"stages": new})

    assert names(pipeline) == ["Lead in", "Proposal", "Negotiation", "Signed"]
    assert Stage.objects.get(pk=ids["Proposal"]).name == "Lead in"
    assert not Stage.objects.filter(pk=ids["Dropped"]).exists()


def test_a_stage_with_deals_cannot_be_removed_and_nothing_changes(admin):
    pipeline = pipeline_create(actor=admin, values={"name": "Renewals", "stages": STAGES})
    first = pipeline.stages.get(name="Lead in")
    opportunity_create(actor=admin, values={"name": "Deal", "stage": first.pk})

    with pytest.raises(ValidationFailed) as caught:
        pipeline_update(
            actor=admin,
            pipeline_id=pipeline.pk,
            values={"stages": [{"name": "Only", "probability": 5}]},
        )
    assert "Lead in" in caught.value.errors["stages"][0]
    assert names(pipeline) == ["Lead in", "Proposal", "Signed", "Dropped"]
    with pytest.raises(Conflict):
        pipeline_delete(actor=admin, pipeline_id=pipeline.pk)


def test_bad_pipelines_are_refused_with_exact_paths(admin):
    bad = {
        "name": "x" * 101,
        "stages": [
            {"name": "Same", "probability": 101},
            {"name": "same", "kind": "maybe", "rotting_days": 0.5},
            {"name": "Tab\tname", "required_fields": ["amount", "salary"]},
            {"name": "G", "guidance": [{"kind": "fax", "subject": "", "due_days": -1}]},
            "not a stage",
        ],
    }
    with pytest.raises(ValidationFailed) as caught:
        pipeline_create(actor=admin, values=bad)
    errors = caught.value.errors
    assert {
        "name",
        "stages",
        "stages.0.probability",
        "stages.1.kind",
        "stages.1.rotting_days",
        "stages.2.name",
        "stages.2.required_fields",
        "stages.3.guidance.0.kind",
        "stages.3.guidance.0.subject",
        "stages.3.guidance.0.due_days",
        "stages.4",
    } <= set(errors)
    with pytest.raises(ValidationFailed) as caught:
        pipeline_create(
            actor=admin, values={"name": "Closed only", "stages": [{"name": "W", "kind": "won"}]}
        )
    assert "open stage" in caught.value.errors["stages"][0]
    assert Pipeline.objects.count() == 1  # the default one only


def test_the_default_pipeline_moves_but_is_never_deleted_or_left_without(admin):
    default = default_pipeline()
    with pytest.raises(Conflict):
        pipeline_delete(actor=admin, pipeline_id=default.pk)
    with pytest.raises(ValidationFailed):
        pipeline_update(actor=admin, pipeline_id=default.pk, values={"is_default": False})
    other = pipeline_create(actor=admin, values={"name": "Renewals", "stages": STAGES})
    pipeline_update(actor=admin, pipeline_id=other.pk, values={"is_default": True})
    assert list(Pipeline.objects.filter(is_default=True)) == [other]
    pipeline_delete(actor=admin, pipeline_id=default.pk)
    assert ensure_default_pipeline() == other  # idempotent: no second default


def test_only_those_allowed_configure_pipelines(make_user):
    for role in ("sales-rep", "sales-manager"):
        with pytest.raises(PermissionDenied):
            pipeline_create(actor=make_user(role), values={"name": "Mine", "stages": STAGES})


def test_a_stage_holding_deals_keeps_its_kind_and_the_default_stays_active(admin):
    pipeline = pipeline_create(actor=admin, values={"name": "Renewals", "stages": STAGES})
    first = pipeline.stages.get(name="Lead in")
    opportunity_create(actor=admin, values={"name": "Deal", "stage": first.pk})
    changed = [{"id": first.pk, "name": "Lead in", "kind": "won"}, *STAGES[1:]]
    with pytest.raises(ValidationFailed) as caught:
        pipeline_update(actor=admin, pipeline_id=pipeline.pk, values={"stages": changed})
    assert "stages.0.kind" in caught.value.errors
    with pytest.raises(ValidationFailed) as caught:
        pipeline_update(
            actor=admin, pipeline_id=pipeline.pk, values={"is_default": True, "active": False}
        )
    assert "active" in caught.value.errors
    pipeline_update(actor=admin, pipeline_id=pipeline.pk, values={"active": False})
    with pytest.raises(ValidationFailed):
        pipeline_update(actor=admin, pipeline_id=pipeline.pk, values={"is_default": True})
    assert default_pipeline().active


def test_malformed_input_never_crashes(admin):
    bad_required = {"name": "R", "stages": [{"name": "A", "required_fields": [{"x": 1}, ["y"]]}]}
    with pytest.raises(ValidationFailed) as caught:
        pipeline_create(actor=admin, values=bad_required)
    assert "stages.0.required_fields" in caught.value.errors
    for odd in ("²", "9" * 30, -1, True, "1e3"):
        with pytest.raises(NotFound):
            pipeline_delete(actor=admin, pipeline_id=odd)
        with pytest.raises(ValidationFailed):
            opportunity_create(actor=admin, values={"name": "x", "pipeline": odd})


def test_pipeline_changes_are_audited_whole(admin):
    pipeline = pipeline_create(actor=admin, values={"name": "Renewals", "stages": STAGES})
    ids = dict(pipeline.stages.values_list("name", "id"))
    stages = [{**s, "id": ids[s["name"]]} for s in STAGES]
    stages[1]["probability"] = 65
    pipeline_update(
        actor=admin, pipeline_id=pipeline.pk, values={"stages": stages, "active": False}
    )
    entry = AuditEntry.objects.filter(object_type="sales.pipeline", action="update").get()
    assert set(entry.changes) == {"active", "stages"}
    assert "65%" in entry.changes["stages"][1]
