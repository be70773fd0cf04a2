"""Custom objects: defining them, their records' service, who sees what, and no restart."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clientela.customers.services import contact_create
from clientela.platform import customfields, customobjects, permissions, registry, timeline
from clientela.platform.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from clientela.platform.models import (
    AuditEntry,
    CustomField,
    CustomObject,
    CustomRecord,
    Role,
    RolePermission,
    Scope,
)
from clientela.platform.services import customfields as field_services
from clientela.platform.services import customobjects as object_services
from clientela.platform.services import customrecords


def vehicle(admin, **extra):
    values = {"key": "vehicle", "label": "Vehicle", "label_plural": "Vehicles", **extra}
    return object_services.object_create(actor=admin, values=values)


def kind(key="vehicle"):
    found = customobjects.kind_by_key(key)
    assert found is not None
    return found


def test_an_administrator_defines_an_object_and_it_becomes_a_record_type(admin_user):
    row = vehicle(admin_user, description="Cars we insure")

    found = registry.get("objects.vehicle")
    assert (found.label, found.area, found.owned) == ("Vehicles", "objects", True)
    assert found.model._meta.proxy and found.model._meta.concrete_model is CustomRecord
    assert customfields.customizable("objects.vehicle") is not None
    assert "objects.vehicle" in {t.key for t in registry.all_types()}
    entry = AuditEntry.objects.get(object_type="platform.customobject", object_id=str(row.pk))
    assert entry.action == "create"
    assert entry.changes["key"] == [None, "vehicle"]


def test_built_in_roles_get_defaults_and_custom_roles_nothing(admin_user):
    custom = Role.objects.create(name="Auditors", slug="auditors")
    vehicle(admin_user)

    rows = {
        p.role.slug: p
        for p in RolePermission.objects.filter(object_type="objects.vehicle").select_related("role")
    }
    assert rows["administrator"].can_delete and rows["administrator"].scope == Scope.ALL
    rep = rows["sales-rep"]
    assert (rep.can_view, rep.can_create, rep.can_edit, rep.can_delete) == (
        True,
        True,
        True,
        False,
    )
    assert rep.scope == Scope.TEAM
    assert rows["read-only"].can_view and not rows["read-only"].can_create
    assert not any(
        getattr(rows[custom.slug], f"can_{a}") for a in ("view", "create", "edit", "delete")
    )


@pytest.mark.parametrize(
    ("key", "problem"),
    [("véhicule", "key"), ("1car", "key"), ("car-x", "key"), ("a" * 41, "key"), ("", "key")],
)
def test_a_bad_key_is_refused_and_nothing_is_written(admin_user, key, problem):
    with pytest.raises(ValidationFailed) as refused:
        object_services.object_create(actor=admin_user, values={"key": key, "label": "X"})

    assert problem in refused.value.errors
    assert not CustomObject.objects.exists()


def test_a_taken_key_a_blank_name_and_a_huge_description_are_refused(admin_user):
    vehicle(admin_user)

    with pytest.raises(ValidationFailed) as taken:
        vehicle(admin_user)
    with pytest.raises(ValidationFailed) as blank:
        object_services.object_create(actor=admin_user, values={"key": "policy", "label": " "})
    with pytest.raises(ValidationFailed) as huge:
        object_services.object_create(
            actor=admin_user, values={"key": "policy", "label": "P", "description": "x" * 5000}
        )

    assert taken.value.errors == {"key": ["A custom object with this key exists."]}
    assert "label" in blank.value.errors
    assert "description" in huge.value.errors
    assert CustomObject.objects.count() == 1


def test_only_administrators_define_objects(make_user, admin_user):
    manager = make_user("sales-manager")

    with pytest.raises(PermissionDenied):
        vehicle(manager)
    row = vehicle(admin_user)
    with pytest.raises(PermissionDenied):
        object_services.object_update(actor=manager, pk=row.pk, values={"label": "Car"})
    with pytest.raises(PermissionDenied):
        object_services.object_delete(actor=manager, pk=row.pk)

    assert CustomObject.objects.get().label == "Vehicle"


def test_the_key_never_changes_but_names_and_the_switch_do(admin_user):
    row = vehicle(admin_user)

    with pytest.raises(ValidationFailed):
        object_services.object_update(actor=admin_user, pk=row.pk, values={"key": "car"})
    object_services.object_update(
        actor=admin_user, pk=row.pk, values={"label": "Car", "label_plural": "Cars"}
    )

    assert registry.get("objects.vehicle").label == "Cars"
    object_services.object_update(actor=admin_user, pk=row.pk, values={"is_active": False})
    with pytest.raises(ValidationFailed):
        customrecords.record_create(actor=admin_user, kind=kind(), values={"name": "Gol"})
    assert not CustomRecord.objects.exists()


def test_delete_is_refused_while_records_exist_then_removes_fields_and_rights(admin_user):
    row = vehicle(admin_user)
    field_services.field_create(
        actor=admin_user,
        values={
            "object_type": "objects.vehicle",
            "key": "plate",
            "field_type": "text",
            "label": "Plate",
        },
    )
    record = customrecords.record_create(actor=admin_user, kind=kind(), values={"name": "Gol"})

    with pytest.raises(Conflict) as refused:
        object_services.object_delete(actor=admin_user, pk=row.pk)
    assert "still has 1 records" in str(refused.value.message)
    assert CustomObject.objects.filter(pk=row.pk).exists()

    customrecords.record_delete(actor=admin_user, kind=kind(), pk=record.pk)
    object_services.object_delete(actor=admin_user, pk=row.pk)

    assert not CustomObject.objects.exists()
    assert not CustomField.objects.filter(object_type="objects.vehicle").exists()
    assert not RolePermission.objects.filter(object_type="objects.vehicle").exists()
    with pytest.raises(KeyError):
        registry.get("objects.vehicle")


def test_records_take_custom_fields_validated_and_audited(admin_user):
    vehicle(admin_user)
    field_services.field_create(
        actor=admin_user,
        values={
            "object_type": "objects.vehicle",
            "key": "year",
            "label": "Year",
            "field_type": "integer",
            "required": True,
            "min_value": 1900,
        },
    )

    with pytest.raises(ValidationFailed) as refused:
        customrecords.record_create(
            actor=admin_user, kind=kind(), values={"name": "Gol", "custom": {"year": "old"}}
        )
    assert refused.value.errors == {"custom.year": ["Enter a number."]}
    with pytest.raises(ValidationFailed) as missing:
        customrecords.record_create(actor=admin_user, kind=kind(), values={"name": ""})
    assert set(missing.value.errors) == {"name", "custom.year"}
    assert not CustomRecord.objects.exists()

    record = customrecords.record_create(
        actor=admin_user, kind=kind(), values={"name": " Gol ", "custom": {"year": "2019"}}
    )
    assert (record.name, record.custom, record.owner_id) == ("Gol", {"year": 2019}, admin_user.pk)
    customrecords.record_update(
        actor=admin_user, kind=kind(), pk=record.pk, values={"custom": {"year": 2020}}
    )

    entries = AuditEntry.objects.filter(object_type="objects.vehicle", object_id=str(record.pk))
    assert [e.action for e in entries.order_by("seq")] == ["create", "update"]
    assert entries.order_by("seq").last().changes == {"custom.year": [2019, 2020]}


def test_a_record_of_another_object_is_not_found_through_this_one(admin_user):
    vehicle(admin_user)
    object_services.object_create(actor=admin_user, values={"key": "policy", "label": "Policy"})
    policy = customrecords.record_create(
        actor=admin_user, kind=kind("policy"), values={"name": "P"}
    )

    with pytest.raises(NotFound):
        customrecords.record_get(admin_user, kind(), policy.pk)
    with pytest.raises(NotFound):
        customrecords.record_update(
            actor=admin_user, kind=kind(), pk=policy.pk, values={"name": "x"}
        )
    with pytest.raises(NotFound):
        customrecords.record_delete(actor=admin_user, kind=kind(), pk=policy.pk)
    assert CustomRecord.objects.get(pk=policy.pk).name == "P"


@pytest.mark.parametrize(
    ("role", "sees", "creates", "deletes"),
    [
        ("administrator", {"mine", "team", "other"}, True, True),
        ("sales-manager", {"mine", "team"}, True, True),
        ("sales-rep", {"mine", "team"}, True, False),
        ("service-agent", {"mine", "team", "other"}, True, False),
        ("marketing", {"mine", "team", "other"}, False, False),
        ("read-only", {"mine", "team", "other"}, False, False),
    ],
)
def test_visibility_follows_the_role_and_scope(
    admin_user, make_user, make_team, role, sees, creates, deletes
):
    vehicle(admin_user)
    team, elsewhere = make_team("North"), make_team("South")
    actor = make_user(role, teams=[team])
    mate, stranger = make_user("sales-rep", teams=[team]), make_user("sales-rep", teams=[elsewhere])
    made = {}
    for name, owner, home in (
        ("mine", actor, team),
        ("team", mate, team),
        ("other", stranger, elsewhere),
    ):
        made[name] = CustomRecord.objects.create(
            object_id=kind().id, name=name, owner=owner, team=home
        )

    shown = set(customrecords.record_list(actor, kind()).values_list("name", flat=True))

    assert shown == sees
    assert permissions.can(actor, "objects.vehicle", "create") is creates
    assert permissions.can(actor, "objects.vehicle", "delete") is deletes
    if "other" not in sees:
        with pytest.raises(NotFound):
            customrecords.record_get(actor, kind(), made["other"].pk)


def test_bulk_delete_is_all_or_nothing(admin_user, make_user, make_team):
    vehicle(admin_user)
    team = make_team("North")
    manager = make_user("sales-manager", teams=[team])
    ours = customrecords.record_create(actor=manager, kind=kind(), values={"name": "A"})
    theirs = customrecords.record_create(actor=admin_user, kind=kind(), values={"name": "B"})

    with pytest.raises(ValidationFailed) as refused:
        customrecords.records_delete(actor=manager, kind=kind(), ids=[ours.pk, theirs.pk])
    assert refused.value.errors == {"ids": [f"#{theirs.pk}"]}
    assert CustomRecord.objects.count() == 2

    assert customrecords.records_delete(actor=manager, kind=kind(), ids=[ours.pk]) == 1
    assert list(CustomRecord.objects.values_list("name", flat=True)) == ["B"]
    with pytest.raises(ValidationFailed):
        customrecords.records_delete(actor=manager, kind=kind(), ids=["x"])


def test_a_filterable_field_gets_a_partial_index_and_filters_inside_the_object(admin_user):
    vehicle(admin_user)
    object_services.object_create(actor=admin_user, values={"key": "policy", "label": "Policy"})
    for key in ("vehicle", "policy"):
        field_services.field_create(
            actor=admin_user,
            values={
                "object_type": f"objects.{key}",
                "key": "code",
                "field_type": "text",
                "label": "Code",
            },
        )
    field = CustomField.objects.get(object_type="objects.vehicle")
    assert field_services.index_sync(field.pk) == "ready"
    customrecords.record_create(
        actor=admin_user, kind=kind(), values={"name": "Gol", "custom": {"code": "A1"}}
    )
    customrecords.record_create(
        actor=admin_user, kind=kind("policy"), values={"name": "P", "custom": {"code": "A1"}}
    )

    item = customfields.definition("objects.vehicle", "code")
    index = customfields.index_for(customfields.customizable("objects.vehicle"), item)
    assert index.condition is not None
    with CaptureQueriesContext(connection) as queries:
        found = list(
            customrecords.record_list(admin_user, kind())
            .annotate(cf_code=customfields.StoredValue(item))
            .filter(cf_code="A1")
        )
    assert [r.name for r in found] == ["Gol"]
    assert f'"object_id" = {kind().id}' in queries[0]["sql"]

    removed = field_services.field_delete(actor=admin_user, pk=field.pk, confirm_key="code")
    assert removed == 1
    assert CustomRecord.objects.get(name="P").custom == {"code": "A1"}


def test_another_process_sees_a_new_object_without_restart(admin_user, monkeypatch):
    assert customobjects.kind_by_key("vehicle") is None  # this process has read the objects
    # Another process adds the object: the row, then the shared version changes.
    CustomObject.objects.create(key="vehicle", label="Vehicle", label_plural="Vehicles")
    assert customobjects.kind_by_key("vehicle") is None  # the local copy is still trusted
    cache.set(customfields.VERSION_KEY, "another-process", timeout=None)
    monkeypatch.setattr(customfields, "LOCAL_TTL", 0.0)
    customfields._local.checked = 0.0

    assert customobjects.kind_by_key("vehicle") is not None
    assert registry.get("objects.vehicle").label == "Vehicles"
    assert customfields.customizable("objects.vehicle") is not None


def test_a_cleared_local_cache_reads_the_objects_again(admin_user):
    assert "objects.vehicle" not in customobjects.kinds()
    CustomObject.objects.create(key="vehicle", label="Vehicle", label_plural="Vehicles")

    customfields.forget()

    assert "objects.vehicle" in customobjects.kinds()


def test_a_record_linked_to_a_contact_shows_on_its_timeline(admin_user, make_user, make_team):
    vehicle(admin_user)
    field_services.field_create(
        actor=admin_user,
        values={
            "object_type": "objects.vehicle",
            "key": "driver",
            "label": "Driver",
            "field_type": "lookup",
            "target": "customers.contact",
        },
    )
    contact = contact_create(actor=admin_user, values={"first_name": "Ana", "last_name": "Lima"})
    record = customrecords.record_create(
        actor=admin_user, kind=kind(), values={"name": "Gol", "custom": {"driver": contact.pk}}
    )
    customrecords.record_create(actor=admin_user, kind=kind(), values={"name": "Unlinked"})
    rep = make_user("sales-rep", teams=[make_team("North")])

    page = timeline.collect(admin_user, "customers.contact", contact, kinds=["objects"])
    hidden = timeline.collect(rep, "customers.contact", contact, kinds=["objects"])

    assert [(e.title, e.url) for e in page.entries] == [
        ("Vehicle: Gol", f"/objects/vehicle/{record.pk}/")
    ]
    assert hidden.entries == []


def test_a_link_to_a_contact_out_of_sight_is_refused(admin_user, make_user, make_team):
    vehicle(admin_user)
    field_services.field_create(
        actor=admin_user,
        values={
            "object_type": "objects.vehicle",
            "key": "driver",
            "label": "Driver",
            "field_type": "lookup",
            "target": "customers.contact",
        },
    )
    contact = contact_create(actor=admin_user, values={"first_name": "Ana"})
    rep = make_user("sales-rep", teams=[make_team("North")])

    with pytest.raises(ValidationFailed) as refused:
        customrecords.record_create(
            actor=rep, kind=kind(), values={"name": "Gol", "custom": {"driver": contact.pk}}
        )

    assert refused.value.errors == {"custom.driver": ["Unknown record."]}
    assert not CustomRecord.objects.exists()
