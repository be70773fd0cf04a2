"""Rule documents: conditions checked with exact error paths, values coerced by the field's type,
evaluation with an explanation per comparison, and any document at all answered with a
validation error, never a crash (hypothesis)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clientela.platform.errors import ValidationFailed
from clientela.platform.models import User
from clientela.platform.rules import conditions
from clientela.platform.rules.registry import FieldInfo
from clientela.platform.services.rules import rule_create

FIELDS = {
    f.path: f
    for f in (
        FieldInfo("status", "Status", "choice", (("new", "New"), ("won", "Won"))),
        FieldInfo("name", "Name", "text"),
        FieldInfo("seats", "Seats", "number"),
        FieldInfo("budget", "Budget", "decimal"),
        FieldInfo("renewal", "Renewal", "date"),
        FieldInfo("vip", "VIP", "boolean"),
        FieldInfo("tags", "Tags", "multi_choice"),
    )
}


def errors_of(document: Any) -> dict[str, list[str]]:
    with pytest.raises(ValidationFailed) as excinfo:
        conditions.check(document, FIELDS)
    return excinfo.value.errors


def test_a_document_is_cleaned_and_its_values_coerced() -> None:
    document = {
        "all": [
            {"field": "seats", "op": "gte", "value": "10"},
            {"field": "budget", "op": "lt", "value": 1500.5},
            {"any": [{"field": "renewal", "op": "lte", "value": "2026-03-01"}]},
            {"field": "status", "op": "in", "value": ["new", "won"]},
            {"field": "name", "op": "is_empty"},
            {"field": "vip", "op": "eq", "value": "true"},
        ]
    }
    assert conditions.check(document, FIELDS) == {
        "all": [
            {"field": "seats", "op": "gte", "value": "10"},
            {"field": "budget", "op": "lt", "value": "1500.5"},
            {"any": [{"field": "renewal", "op": "lte", "value": "2026-03-01"}]},
            {"field": "status", "op": "in", "value": ["new", "won"]},
            {"field": "name", "op": "is_empty"},
            {"field": "vip", "op": "eq", "value": True},
        ]
    }
    assert conditions.check({}, FIELDS) == {}


def test_bad_documents_are_refused_with_exact_paths() -> None:
    assert errors_of({"all": [{"field": "nope", "op": "eq", "value": 1}]}) == {
        "conditions.all.0.field": ["Choose one of the offered fields."]
    }
    assert errors_of(
        {
            "all": [
                {"field": "status", "op": "eq", "value": "new"},
                {"field": "seats", "op": "gt", "value": "many"},
                {"any": [{"field": "renewal", "op": "eq", "value": "31/31/2026"}]},
                {"field": "status", "op": "contains", "value": "n"},
                {"field": "status", "op": "eq", "value": "lost"},
            ]
        }
    ) == {
        "conditions.all.1.value": ["Enter a number."],
        "conditions.all.2.any.0.value": ["Enter a date (YYYY-MM-DD)."],
        "conditions.all.3.op": ["This comparison does not suit the field."],
        "conditions.all.4.value": ["Choose one of the offered values."],
    }
    assert errors_of({"both": []}) == {
        "conditions": ["Write a group as {“all”: […]} or {“any”: […]}."]
    }
    assert errors_of({"any": []}) == {"conditions.any": ["A group needs at least one condition."]}
    assert errors_of({"all": [{"field": "seats", "op": "in", "value": 3}]}) == {
        "conditions.all.0.value": ["Give a list of 1 to 100 values."]
    }
    assert errors_of({"all": [{"field": "seats", "op": "eq", "value": 1, "code": "x"}]}) == {
        "conditions.all.0": ["Unknown settings: code."]
    }


def test_depth_and_size_are_limited() -> None:
    leaf = {"field": "seats", "op": "eq", "value": 1}
    deep: dict[str, Any] = {"all": [leaf]}
    for _ in range(conditions.MAX_DEPTH):
        deep = {"all": [deep]}
    assert errors_of(deep) == {
        "conditions" + ".all.0" * conditions.MAX_DEPTH: ["Nest groups at most 4 deep."]
    }
    assert errors_of({"any": [leaf] * (conditions.MAX_LEAVES + 1)}) == {
        "conditions": ["Use at most 50 conditions."]
    }


def values(**record: Any) -> Any:
    return lambda path: record.get(path)


def test_evaluation_explains_each_comparison() -> None:
    document = conditions.check(
        {
            "any": [
                {"field": "budget", "op": "gt", "value": "100.10"},
                {
                    "all": [
                        {"field": "name", "op": "starts_with", "value": "acme"},
                        {"field": "tags", "op": "contains", "value": "vip"},
                    ]
                },
            ]
        },
        FIELDS,
    )
    outcome = conditions.evaluate(
        document, FIELDS, values(budget=100.1, name="ACME Ltda", tags=["vip", "b2b"])
    )
    assert outcome.matched is True
    assert [(x["path"], x["actual"], x["result"]) for x in outcome.explanation()] == [
        ("any.0", "100.1", False),
        ("any.1.all.0", "ACME Ltda", True),
        ("any.1.all.1", ["vip", "b2b"], True),
    ]


@pytest.mark.parametrize(
    ("leaf", "record", "expected"),
    [
        ({"field": "seats", "op": "ne", "value": 3}, {"seats": None}, True),
        ({"field": "seats", "op": "lt", "value": 3}, {"seats": None}, False),
        (
            {"field": "renewal", "op": "gte", "value": "2026-01-01"},
            {"renewal": date(2026, 1, 1)},
            True,
        ),
        ({"field": "renewal", "op": "gt", "value": "2026-01-01"}, {"renewal": "2026-01-01"}, False),
        ({"field": "budget", "op": "eq", "value": "10"}, {"budget": Decimal("10.00")}, True),
        ({"field": "status", "op": "not_in", "value": ["won"]}, {"status": "new"}, True),
        ({"field": "name", "op": "eq", "value": "ana"}, {"name": "ANA"}, True),
        ({"field": "name", "op": "is_not_empty"}, {"name": ""}, False),
        ({"field": "vip", "op": "eq", "value": False}, {"vip": False}, True),
        ({"field": "tags", "op": "is_empty"}, {"tags": []}, True),
    ],
)
def test_each_operator(leaf: dict[str, Any], record: dict[str, Any], expected: bool) -> None:
    document = conditions.check({"all": [leaf]}, FIELDS)
    assert conditions.evaluate(document, FIELDS, values(**record)).matched is expected


def test_changed_reads_the_event_and_a_vanished_field_is_false() -> None:
    document = conditions.check({"all": [{"field": "status", "op": "changed"}]}, FIELDS)
    changes = {"status": ["new", "won"]}
    assert conditions.evaluate(document, FIELDS, values(), changes).matched is True
    assert conditions.evaluate(document, FIELDS, values(), {}).matched is False
    assert conditions.evaluate(document, {}, values(status="new"), changes).matched is False


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)
leaves = st.fixed_dictionaries(
    {
        "field": st.sampled_from([*FIELDS, "x", "custom.nope"]),
        "op": st.sampled_from([*conditions.OP_LABELS, "eval", "__import__"]),
    },
    optional={"value": json_values},
)
documents = st.recursive(
    leaves | json_values,
    lambda inner: st.dictionaries(
        st.sampled_from(["all", "any", "none"]), st.lists(inner, max_size=4), max_size=2
    ),
    max_leaves=15,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents)
def test_any_document_is_checked_or_refused_never_crashes(document: Any) -> None:
    try:
        cleaned = conditions.check(document, FIELDS)
    except ValidationFailed as exc:
        assert exc.errors and all(k.startswith("conditions") for k in exc.errors)
        return
    # a document that passed evaluates against any record without raising
    conditions.evaluate(cleaned, FIELDS, values(seats="x", budget=[1], renewal={}, tags="a"))


def test_a_rule_with_bad_documents_is_refused_whole(admin_user: User) -> None:
    with pytest.raises(ValidationFailed) as excinfo:
        rule_create(
            actor=admin_user,
            values={
                "name": "",
                "object_type": "customers.lead",
                "trigger": "field_changed",
                "trigger_config": {"field": "owner.name"},
                "conditions": {"all": [{"field": "rating", "op": "eq", "value": "boiling"}]},
                "actions": [
                    {"type": "platform.notify", "params": {"to": "user"}},
                    {"type": "nope.nothing", "params": {}},
                ],
            },
        )
    errors = excinfo.value.errors
    assert errors == {
        "name": ["Give the rule a name."],
        "trigger_config.field": ["Choose one of the offered fields."],
        "conditions.all.0.value": ["Choose one of the offered values."],
        "actions.0.params.title": ["Check this value: Field required"],
        "actions.1.type": ["Choose one of the offered actions."],
    }
    assert errors["conditions.all.0.value"] == ["Choose one of the offered values."]
    assert errors["actions.1.type"] == ["Choose one of the offered actions."]
    with pytest.raises(ValidationFailed) as excinfo:
        rule_create(
            actor=admin_user,
            values={
                "name": "x",
                "object_type": "customers.lead",
                "trigger": "schedule",
                "trigger_config": {"cron": "every monday"},
                "actions": [{"type": "platform.wait", "params": {"minutes": 5}}],
            },
        )
    assert excinfo.value.errors == {
        "trigger_config.cron": [
            "Enter a schedule of five fields: minute hour day month weekday (0 8 * * 1)."
        ],
        "actions": ["Add at least one action besides waiting."],
    }
