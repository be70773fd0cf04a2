"""Settings → Configuration and /api/v1/configuration: download, check, install."""

from __future__ import annotations

import yaml
from django.core.files.uploadedfile import SimpleUploadedFile

from clientela.platform.models import CustomField
from clientela.platform.services.configuration import vertical_document


def test_a_template_is_checked_then_installed_from_settings(admin_user, logged_in):
    browser = logged_in(admin_user)
    page = browser.get("/settings/configuration/")
    assert page.status_code == 200
    assert "Banking and credit" in page.content.decode()

    checked = browser.post("/settings/configuration/check/", {"template": "banking"})

    assert checked.status_code == 200
    assert checked.context["report"].dry_run
    assert "customers.account.segment" in checked.context["report"].created
    assert CustomField.objects.count() == 0

    done = browser.post("/settings/configuration/install/", follow=True)

    assert done.status_code == 200
    installed = set(CustomField.objects.values_list("key", flat=True))
    assert {"segment", "credit_limit", "pep", "requested_amount"} <= installed


def test_a_downloaded_file_installs_back(admin_user, logged_in):
    browser = logged_in(admin_user)
    browser.post("/settings/configuration/check/", {"template": "utilities"})
    browser.post("/settings/configuration/install/")
    download = browser.get("/settings/configuration/download/")
    assert download["Content-Disposition"].startswith("attachment;")
    text = download.content
    wanted = set(CustomField.objects.values_list("object_type", "key"))
    CustomField.objects.all().delete()

    upload = SimpleUploadedFile("config.yaml", text, content_type="application/yaml")
    browser.post("/settings/configuration/check/", {"file": upload})
    browser.post("/settings/configuration/install/")

    assert set(CustomField.objects.values_list("object_type", "key")) == wanted
    assert yaml.safe_load(text)["format"] == "clientela-configuration"


def test_a_broken_upload_shows_why_and_installs_nothing(admin_user, logged_in):
    browser = logged_in(admin_user)
    upload = SimpleUploadedFile("x.yaml", b"a: &x [1]\nb: *x\n")

    answer = browser.post("/settings/configuration/check/", {"file": upload})

    assert answer.status_code == 200
    assert any("aliases" in line for line in answer.context["problems"])
    nothing = browser.post("/settings/configuration/install/", follow=True)
    assert "Nothing to install" in nothing.content.decode()
    assert CustomField.objects.count() == 0


def test_a_sales_rep_cannot_reach_the_configuration(make_user, logged_in):
    browser = logged_in(make_user("sales-rep"))
    assert browser.get("/settings/configuration/").status_code == 403
    assert (
        browser.post("/settings/configuration/check/", {"template": "banking"}).status_code == 403
    )
    assert CustomField.objects.count() == 0


def test_the_api_exports_checks_and_installs(admin_user, api_as):
    api = api_as(admin_user)
    templates = api.get("/api/v1/configuration/templates")
    assert {"utilities", "banking"} <= {t["slug"] for t in templates.json()}

    checked = api.post("/api/v1/configuration/templates/utilities/install?dry_run=true")
    assert checked.status_code == 200 and checked.json()["dry_run"] is True
    assert CustomField.objects.count() == 0

    document = vertical_document("banking")
    installed = api.post("/api/v1/configuration/install", {"document": document})
    assert installed.status_code == 200
    assert "customers.account.segment" in installed.json()["created"]

    exported = api.get("/api/v1/configuration").json()
    assert {e["key"] for e in exported["custom_fields"]["customers.account"]} >= {"segment"}

    bad = api.post(
        "/api/v1/configuration/install",
        {"document": {"format": "clientela-configuration", "version": 7}},
    )
    assert bad.status_code == 422
    assert "newer" in bad.json()["title"]


def test_the_api_refuses_a_read_only_token_and_a_rep(admin_user, make_user, api_as):
    document = vertical_document("banking")
    read_only = api_as(admin_user, read_only=True)
    assert (
        read_only.post("/api/v1/configuration/install", {"document": document}).status_code == 403
    )
    rep = api_as(make_user("sales-rep"))
    assert rep.get("/api/v1/configuration").status_code == 403
    assert rep.post("/api/v1/configuration/install", {"document": document}).status_code == 403
    assert CustomField.objects.count() == 0
