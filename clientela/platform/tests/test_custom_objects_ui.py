"""The pages of custom objects, through Django's test client (forms, lists, export, import)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from clientela.customers.services import contact_create
from clientela.platform import customobjects
from clientela.platform.models import CustomField, CustomObject, CustomRecord
from clientela.platform.services import customfields as field_services
from clientela.platform.services import customobjects as object_services
from clientela.platform.services import customrecords


@pytest.fixture
def vehicle(admin_user):
    object_services.object_create(
        actor=admin_user, values={"key": "vehicle", "label": "Vehicle", "label_plural": "Vehicles"}
    )
    field_services.field_create(
        actor=admin_user,
        values={
            "object_type": "objects.vehicle",
            "key": "plate",
            "label": "Plate",
            "field_type": "text",
            "required": True,
        },
    )
    kind = customobjects.kind_by_key("vehicle")
    assert kind is not None
    return kind


def test_an_administrator_creates_edits_and_deletes_an_object_in_settings(admin_user, logged_in):
    browser = logged_in(admin_user)

    assert "Custom objects" in browser.get("/settings/").content.decode()
    empty = browser.get("/settings/custom-objects/").content.decode()
    assert "No custom objects yet." in empty
    bad = browser.post("/settings/custom-objects/new/", {"key": "Not ok!", "label": "X"})
    assert bad.status_code == 200
    assert "lower-case letters" in bad.content.decode()
    created = browser.post(
        "/settings/custom-objects/new/",
        {"key": "vehicle", "label": "Vehicle", "label_plural": "Vehicles", "is_active": "on"},
    )
    assert created.status_code == 302
    row = CustomObject.objects.get()
    listed = browser.get("/settings/custom-objects/").content.decode()
    assert "?object_type=objects.vehicle" in listed
    field_page = browser.get("/settings/custom-fields/new/?object_type=objects.vehicle")
    assert field_page.status_code == 200
    browser.post(
        f"/settings/custom-objects/{row.pk}/",
        {"label": "Car", "label_plural": "Cars", "is_active": "on"},
    )
    assert CustomObject.objects.get().label == "Car"
    assert "Cars" in browser.get("/").content.decode()  # the shell's navigation

    confirm = browser.get(f"/settings/custom-objects/{row.pk}/delete/")
    assert "Yes, delete" in confirm.content.decode()
    assert browser.post(f"/settings/custom-objects/{row.pk}/delete/").status_code == 302
    assert not CustomObject.objects.exists()


def test_others_do_not_reach_settings_of_objects(make_user, logged_in, vehicle):
    browser = logged_in(make_user("sales-manager"))

    assert browser.get("/settings/custom-objects/").status_code == 403
    assert (
        browser.post("/settings/custom-objects/new/", {"key": "x", "label": "X"}).status_code == 403
    )
    assert CustomObject.objects.count() == 1


def test_delete_with_records_is_refused_on_the_page(admin_user, logged_in, vehicle):
    customrecords.record_create(
        actor=admin_user, kind=vehicle, values={"name": "Gol", "custom": {"plate": "A"}}
    )
    browser = logged_in(admin_user)

    page = browser.get(f"/settings/custom-objects/{vehicle.id}/delete/").content.decode()
    refused = browser.post(f"/settings/custom-objects/{vehicle.id}/delete/")

    assert "It has 1 record." in page
    assert refused.status_code == 200
    assert "still has 1 records" in refused.content.decode()
    assert CustomObject.objects.count() == 1


def test_a_record_is_created_with_its_fields_and_shown_with_its_links(
    admin_user, logged_in, vehicle
):
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
    browser = logged_in(admin_user)

    form = browser.get("/objects/vehicle/new/").content.decode()
    missing = browser.post("/objects/vehicle/new/", {"name": "Gol", "cf__shown": ["plate"]})
    saved = browser.post(
        "/objects/vehicle/new/",
        {
            "name": "Gol",
            "cf__shown": ["plate", "driver"],
            "cf_plate": "ABC1D23",
            "cf_driver": f"#{contact.pk}",
        },
    )

    assert 'name="cf_plate"' in form
    assert "This field is required." in missing.content.decode()
    assert saved.status_code == 302
    record = CustomRecord.objects.get()
    assert record.custom == {"plate": "ABC1D23", "driver": contact.pk}
    detail = browser.get(saved["Location"]).content.decode()
    assert "ABC1D23" in detail
    assert f'href="/contacts/{contact.pk}/"' in detail
    assert "Ana Lima" in detail
    assert "custom.plate" in detail  # the history
    edited = browser.post(
        f"/objects/vehicle/{record.pk}/edit/",
        {"name": "Gol 2", "cf__shown": ["plate"], "cf_plate": "ABC1D23"},
    )
    assert edited.status_code == 302
    assert CustomRecord.objects.get().name == "Gol 2"


def test_the_list_searches_filters_sorts_and_shows_an_empty_state(admin_user, logged_in, vehicle):
    browser = logged_in(admin_user)
    assert "No Vehicles yet." in browser.get("/objects/vehicle/").content.decode()
    for name, plate in (("Gol", "B"), ("Uno", "A"), ("Palio", "C")):
        customrecords.record_create(
            actor=admin_user, kind=vehicle, values={"name": name, "custom": {"plate": plate}}
        )

    searched = browser.get("/objects/vehicle/", {"q": "un"}).content.decode()
    descending = browser.get("/objects/vehicle/", {"sort": "-name"}).content.decode()
    by_plate = browser.get(
        "/objects/vehicle/", {"plate_eq": "x"}
    )  # an unknown filter is a list error
    columns = browser.get("/objects/vehicle/", {"columns": "name,cf_plate"}).content.decode()

    assert "Uno" in searched and "Gol" not in searched
    assert descending.index("Uno") < descending.index("Palio") < descending.index("Gol")
    assert "has no filter called" in by_plate.content.decode()
    assert '<th scope="col">Plate</th>' in columns
    assert browser.get("/objects/nothing/").status_code == 404


def test_bulk_delete_asks_first_then_deletes(admin_user, logged_in, vehicle):
    ids = [
        customrecords.record_create(
            actor=admin_user, kind=vehicle, values={"name": n, "custom": {"plate": "P"}}
        ).pk
        for n in ("A", "B", "C")
    ]
    browser = logged_in(admin_user)

    confirm = browser.post("/objects/vehicle/bulk-delete/", {"ids": ids[:2]})
    assert "Delete 2 records?" in confirm.content.decode()
    assert CustomRecord.objects.count() == 3
    done = browser.post("/objects/vehicle/bulk-delete/", {"ids": ids[:2], "confirmed": "1"})

    assert done.status_code == 302
    assert list(CustomRecord.objects.values_list("name", flat=True)) == ["C"]


def test_another_users_record_is_not_found_on_the_pages(
    admin_user, make_user, make_team, logged_in, vehicle
):
    hidden = customrecords.record_create(
        actor=admin_user, kind=vehicle, values={"name": "Secret", "custom": {"plate": "S"}}
    )
    browser = logged_in(make_user("sales-rep", teams=[make_team("North")]))

    assert browser.get(f"/objects/vehicle/{hidden.pk}/").status_code == 404
    assert browser.post(f"/objects/vehicle/{hidden.pk}/delete/").status_code == 404
    assert "Secret" not in browser.get("/objects/vehicle/").content.decode()
    assert CustomRecord.objects.filter(pk=hidden.pk).exists()


def test_the_csv_export_neutralises_formulas(admin_user, logged_in, vehicle):
    customrecords.record_create(
        actor=admin_user,
        kind=vehicle,
        values={"name": '=HYPERLINK("http://x")', "custom": {"plate": "+55"}},
    )
    browser = logged_in(admin_user)

    response = browser.get("/objects/vehicle/", {"export": "csv", "columns": "name,cf_plate"})

    assert response["Content-Type"].startswith("text/csv")
    lines = b"".join(response.streaming_content).decode().splitlines()
    record = CustomRecord.objects.get()
    assert lines == ["id,Name,Plate", f'{record.pk},"\'=HYPERLINK(""http://x"")",\'+55']


def test_the_csv_import_is_all_or_nothing_with_a_report_per_row(admin_user, logged_in, vehicle):
    browser = logged_in(admin_user)
    bad = "name,Plate\nGol,ABC\n,XYZ\nUno,\n"
    good = "name;plate;owner\nGol;ABC;admin\nUno;XYZ;\n"

    refused = browser.post(
        "/objects/vehicle/import/",
        {"file": SimpleUploadedFile("v.csv", bad.encode(), content_type="text/csv")},
    )
    page = refused.content.decode()
    assert "Nothing was imported: 2 rows have problems." in page
    assert "row 3" in page and "row 4" in page
    assert not CustomRecord.objects.exists()

    done = browser.post(
        "/objects/vehicle/import/",
        {"file": SimpleUploadedFile("v.csv", good.encode(), content_type="text/csv")},
    )
    assert done.status_code == 302
    stored = CustomRecord.objects.order_by("name").values_list("name", "custom", "owner_id")
    assert list(stored) == [
        ("Gol", {"plate": "ABC"}, admin_user.pk),
        ("Uno", {"plate": "XYZ"}, admin_user.pk),
    ]
    unknown = browser.post(
        "/objects/vehicle/import/",
        {"file": SimpleUploadedFile("v.csv", b"name,colour\nA,red\n", content_type="text/csv")},
    )
    assert "does not know: colour" in unknown.content.decode()
    assert CustomField.objects.filter(object_type="objects.vehicle").count() == 1
