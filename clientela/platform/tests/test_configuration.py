"""Configuration documents: export, install (all or nothing), the shipped vertical templates,
hostile files, and the ``clientela configuration`` command."""

from __future__ import annotations

import json

import pytest
import yaml
from django.utils import translation

from clientela import cli
from clientela.platform.errors import Conflict, PermissionDenied, ValidationFailed
from clientela.platform.models import CustomField, CustomObject
from clientela.platform.services import configuration
from clientela.platform.services.configuration import (
    configuration_export,
    configuration_install,
    parse,
    vertical_document,
    verticals,
)
from clientela.platform.services.customfields import field_create


def _fields(document):
    return {
        (object_type, entry["key"])
        for object_type, entries in document["custom_fields"].items()
        for entry in entries
    }


def _installed():
    return set(CustomField.objects.values_list("object_type", "key"))


def _objects(document):
    return [f"objects.{entry['key']}" for entry in document.get("custom_objects", [])]


@pytest.mark.parametrize("slug", ["utilities", "banking"])
def test_each_shipped_template_installs_into_an_empty_install(admin_user, slug):
    document = vertical_document(slug)
    assert CustomField.objects.count() == 0

    report = configuration_install(actor=admin_user, document=document)

    assert _installed() == _fields(document)
    assert sorted(report.created) == sorted(
        [*_objects(document), *(f"{t}.{k}" for t, k in _fields(document))]
    )
    assert set(CustomObject.objects.values_list("key", flat=True)) == {
        name.removeprefix("objects.") for name in _objects(document)
    }
    again = configuration_install(actor=admin_user, document=document)
    assert again.created == again.updated == []
    assert len(again.unchanged) == len(report.created)


def test_the_templates_are_listed_with_their_names(db):
    slugs = {v.slug: v for v in verticals()}
    assert {"utilities", "banking"} <= set(slugs)
    with translation.override("pt-br"):
        assert {v.slug: v.name for v in verticals()}["banking"] == "Bancos e crédito"


def test_labels_are_installed_in_the_installers_language(admin_user):
    with translation.override("pt-br"):
        configuration_install(actor=admin_user, document=vertical_document("utilities"))

    row = CustomField.objects.get(key="supply_type")
    assert row.label == "Tipo de fornecimento"
    assert row.group == "Fornecimento"
    assert {c["value"]: c["label"] for c in row.choices}["water"] == "Água e esgoto"


def test_an_export_installs_back_into_an_empty_install(admin_user):
    configuration_install(actor=admin_user, document=vertical_document("banking"))
    exported = configuration_export(actor=admin_user)
    before = {
        row.key: (row.object_type, row.field_type, row.choices, row.currency, row.filterable)
        for row in CustomField.objects.all()
    }
    text = configuration.dump(exported)
    CustomField.objects.all().delete()

    configuration_install(actor=admin_user, document=parse(text))

    after = {
        row.key: (row.object_type, row.field_type, row.choices, row.currency, row.filterable)
        for row in CustomField.objects.all()
    }
    assert after == before
    assert (
        json.loads(configuration.dump(exported, "json"))["custom_fields"]
        == exported["custom_fields"]
    )


def test_a_field_with_another_type_stops_the_whole_install(admin_user):
    field_create(
        actor=admin_user,
        values={
            "object_type": "customers.account",
            "key": "segment",
            "label": "Segment",
            "field_type": "text",
        },
    )

    with pytest.raises(Conflict) as excinfo:
        configuration_install(actor=admin_user, document=vertical_document("banking"))

    assert "customers.account.segment" in str(excinfo.value)
    assert _installed() == {("customers.account", "segment")}


def test_one_bad_field_installs_nothing_and_says_where(admin_user):
    document = vertical_document("utilities")
    document["custom_fields"]["customers.contact"].append(
        {"key": "shoe_size", "label": "Shoe size", "type": "integer", "min_value": "x"}
    )

    with pytest.raises(ValidationFailed) as excinfo:
        configuration_install(actor=admin_user, document=document)

    assert list(excinfo.value.errors) == ["custom_fields.customers.contact.2.min_value"]
    assert CustomField.objects.count() == 0


def test_a_dry_run_reports_and_changes_nothing(admin_user):
    report = configuration_install(
        actor=admin_user, document=vertical_document("utilities"), dry_run=True
    )

    document = vertical_document("utilities")
    assert report.dry_run and len(report.created) == len(_fields(document)) + len(
        _objects(document)
    )
    assert CustomField.objects.count() == 0
    assert not CustomObject.objects.exists()


def test_only_an_administrator_installs(make_user):
    with pytest.raises(PermissionDenied):
        configuration_install(
            actor=make_user("sales-manager"), document=vertical_document("utilities")
        )
    assert CustomField.objects.count() == 0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (b"\xff\xfe not utf-8", "UTF-8"),
        (b"a" * (configuration.MAX_BYTES + 1), "1 MB"),
        ("- just\n- a list\n", "does not hold"),
        ("format: clientela-configuration\nversion: [1\n", "neither valid"),
        ("a: &x [1, 2]\nb: *x\n", "aliases"),
    ],
)
def test_hostile_or_broken_files_are_refused_clearly(text, message):
    with pytest.raises(ValidationFailed) as excinfo:
        parse(text)
    assert message in str(excinfo.value)


def test_documents_of_another_kind_or_a_newer_version_are_refused(admin_user):
    for document, message in (
        ({"format": "something-else", "version": 1}, "does not hold"),
        ({"format": configuration.FORMAT, "version": 99}, "newer"),
        ({"format": configuration.FORMAT, "version": 1, "pipelines": []}, "Unknown sections"),
        (
            {"format": configuration.FORMAT, "version": 1, "custom_fields": {"platform.user": []}},
            "platform.user",
        ),
    ):
        with pytest.raises(ValidationFailed) as excinfo:
            configuration_install(actor=admin_user, document=document)
        assert message in str(excinfo.value)


def test_the_command_lists_installs_and_exports(admin_user, tmp_path, capsys):
    assert cli.main(["configuration", "list"]) == 0
    assert "utilities" in capsys.readouterr().out

    assert cli.main(["configuration", "install", "banking", "--dry-run"]) == 0
    assert json.loads(capsys.readouterr().out)["dry_run"] is True
    assert CustomField.objects.count() == 0

    assert cli.main(["configuration", "install", "banking"]) == 0
    capsys.readouterr()
    target = tmp_path / "config.yaml"
    assert cli.main(["configuration", "export", str(target)]) == 0
    written = yaml.safe_load(target.read_text(encoding="utf-8"))
    assert _fields(written) == _installed()

    bad = tmp_path / "bad.yaml"
    bad.write_text("format: nope\nversion: 1\n", encoding="utf-8")
    assert cli.main(["configuration", "install", str(bad)]) == 1
    assert "does not hold" in capsys.readouterr().err


def test_custom_objects_export_and_install_with_their_fields_all_or_nothing(admin_user):
    configuration_install(actor=admin_user, document=vertical_document("banking"))
    exported = parse(configuration.dump(configuration_export(actor=admin_user)))
    assert exported["custom_objects"] == [
        {
            "key": "card",
            "label": "Card",
            "label_plural": "Cards",
            "description": "Credit and debit cards held by contacts.",
        }
    ]
    assert [f["key"] for f in exported["custom_fields"]["objects.card"]] == [
        "holder",
        "brand",
        "credit_limit",
    ]
    exported["custom_objects"].append({"key": "policy", "label": "Policy"})
    exported["custom_fields"]["objects.policy"] = [
        {"key": "premium", "label": "Premium", "type": "integer", "min_value": "x"}
    ]

    with pytest.raises(ValidationFailed) as excinfo:
        configuration_install(actor=admin_user, document=exported)

    assert list(excinfo.value.errors) == ["custom_fields.objects.policy.0.min_value"]
    assert list(CustomObject.objects.values_list("key", flat=True)) == ["card"]
    exported["custom_fields"]["objects.policy"][0]["min_value"] = 0
    report = configuration_install(actor=admin_user, document=exported)
    assert report.created == ["objects.policy", "objects.policy.premium"]
    assert ("objects.policy", "premium") in _installed()


def test_a_bad_custom_object_installs_nothing(admin_user):
    document = vertical_document("utilities")
    document["custom_objects"].append({"key": "Bad Key", "label": "X"})

    with pytest.raises(ValidationFailed) as excinfo:
        configuration_install(actor=admin_user, document=document)

    assert list(excinfo.value.errors) == ["custom_objects.1.key"]
    assert not CustomObject.objects.exists()
    assert CustomField.objects.count() == 0


RULE_DOCUMENT = {
    "format": "clientela-configuration",
    "version": 1,
    "custom_fields": {
        "customers.lead": [{"key": "budget", "label": "Budget", "type": "decimal"}],
    },
    "rules": [
        {
            "name": {"en": "Big budgets", "pt-br": "Orçamentos grandes"},
            "object_type": "customers.lead",
            "trigger": "created",
            "conditions": {"all": [{"field": "custom.budget", "op": "gte", "value": "10000"}]},
            "actions": [{"type": "platform.notify", "params": {"title": "Big budget"}}],
        }
    ],
}


def test_rules_travel_in_the_document_and_run_as_the_installer(admin_user, make_user):
    from clientela.platform.models import Rule

    # given a document with a field and a rule naming it, installed by another administrator
    installer = make_user("administrator")
    report = configuration_install(actor=installer, document=RULE_DOCUMENT)
    assert "customers.lead: Big budgets" in report.created
    rule = Rule.objects.get()
    assert (rule.name, rule.run_as, rule.created_by) == ("Big budgets", installer, installer)
    assert rule.conditions == RULE_DOCUMENT["rules"][0]["conditions"]
    # the export carries it back; installing it again changes nothing
    exported = configuration_export(actor=admin_user)
    assert [r["name"] for r in exported["rules"]] == ["Big budgets"]
    assert "run_as" not in exported["rules"][0]
    again = configuration_install(actor=admin_user, document=parse(configuration.dump(exported)))
    assert again.unchanged[-1] == "customers.lead: Big budgets"
    assert Rule.objects.get().run_as == installer


def test_a_bad_rule_installs_nothing_and_says_where(admin_user):
    from clientela.platform.models import Rule

    document = json.loads(json.dumps(RULE_DOCUMENT))
    document["rules"][0]["conditions"]["all"][0]["value"] = "lots"
    with pytest.raises(ValidationFailed) as excinfo:
        configuration_install(actor=admin_user, document=document)
    assert excinfo.value.errors == {"rules.0.conditions.all.0.value": ["Enter a number."]}
    assert not Rule.objects.exists()
    assert not CustomField.objects.exists()
