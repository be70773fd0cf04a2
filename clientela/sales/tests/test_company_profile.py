"""The company profile and the quotas through the API: read by those allowed, changed by
administrators, every value checked (PIX key, e-mail, web address, logo bytes), audited."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from clientela.platform.models import AuditEntry
from clientela.sales.models import CompanyProfile, Quota

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def admin(make_user, api_as):
    return api_as(make_user("administrator"))


def logo(api, content: bytes, name: str = "logo.png"):
    upload = SimpleUploadedFile(name, content, content_type="image/png")
    return api.client.post("/api/v1/company-profile/logo", {"file": upload}, headers=api.headers)


def test_the_profile_is_read_changed_and_audited(admin):
    answer = admin.patch(
        "/api/v1/company-profile",
        {
            "name": "Clientela Demo Ltda",
            "city": "Recife",
            "pix_key": "12.345.678/0001-95",
            "email": "vendas@example.com",
            "website": "https://example.com",
            "address": "Rua da Aurora, 100\nBoa Vista",
            "quote_valid_days": 15,
        },
    )
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert (body["pix_key"], body["quote_valid_days"], body["address"]) == (
        "12345678000195",
        15,
        "Rua da Aurora, 100\nBoa Vista",
    )
    assert admin.get("/api/v1/company-profile").json()["name"] == "Clientela Demo Ltda"
    assert AuditEntry.objects.filter(object_type="sales.company").exists()


def test_bad_values_are_refused_and_nothing_changes(admin):
    answer = admin.patch(
        "/api/v1/company-profile",
        {"name": " ", "pix_key": "abc", "email": "nope", "website": "javascript:alert(1)"},
    )
    assert answer.status_code == 422
    assert {"name", "pix_key", "email", "website"} <= set(answer.json()["errors"])
    assert CompanyProfile.objects.count() <= 1
    assert not CompanyProfile.objects.filter(pix_key="abc").exists()


def test_a_logo_must_be_a_small_png_or_jpeg(admin):
    assert logo(admin, PNG).status_code == 200
    assert CompanyProfile.objects.get().logo_type == "image/png"
    refused = logo(admin, b"<svg onload=alert(1)></svg>", "logo.svg")
    assert refused.status_code == 422 and "logo" in refused.json()["errors"]
    too_big = logo(admin, PNG + b"\x00" * (300 * 1024))
    assert too_big.status_code == 422
    assert admin.delete("/api/v1/company-profile/logo").status_code == 204
    assert CompanyProfile.objects.get().logo_type == ""


def test_reps_read_nothing_and_change_nothing(make_user, api_as):
    rep = api_as(make_user("sales-rep"))
    assert rep.get("/api/v1/company-profile").status_code == 403
    assert rep.patch("/api/v1/company-profile", {"name": "Mine"}).status_code == 403


def test_quotas_are_set_and_listed_by_year(admin, make_user):
    ana = make_user("sales-rep")
    put = admin.client.put(
        "/api/v1/quotas",
        json.dumps({"items": [{"user": ana.pk, "month": "2027-01", "amount": "5000"}]}),
        content_type="application/json",
        headers=admin.headers,
    )
    assert put.status_code == 200 and put.json() == {"written": 1}
    listed = admin.get("/api/v1/quotas", {"year": 2027}).json()
    assert listed == [{"user": ana.pk, "month": "2027-01-01", "amount": "5000.00"}]
    bad = admin.client.put(
        "/api/v1/quotas",
        json.dumps({"items": [{"user": 999999, "month": "2027-13", "amount": "1"}]}),
        content_type="application/json",
        headers=admin.headers,
    )
    assert bad.status_code == 422
    assert Quota.objects.count() == 1


def test_a_manager_lists_only_the_quotas_of_the_people_in_their_scope(
    admin, make_user, make_team, api_as
):
    north, south = make_team("North"), make_team("South")
    manager = make_user("sales-manager", teams=[north])
    ana, bia = make_user("sales-rep", teams=[north]), make_user("sales-rep", teams=[south])
    items = [{"user": u.pk, "month": "2027-02", "amount": "100"} for u in (ana, bia)]
    put = admin.client.put(
        "/api/v1/quotas",
        json.dumps({"items": items}),
        content_type="application/json",
        headers=admin.headers,
    )
    assert put.status_code == 200
    assert {q["user"] for q in admin.get("/api/v1/quotas", {"year": 2027}).json()} == {
        ana.pk,
        bia.pk,
    }
    listed = api_as(manager).get("/api/v1/quotas", {"year": 2027})
    assert listed.status_code == 200
    assert [q["user"] for q in listed.json()] == [ana.pk]  # not South's rep
    assert api_as(ana).get("/api/v1/quotas", {"year": 2027}).status_code == 403


def test_the_settings_page_saves_the_profile_and_the_logo(make_user, logged_in):
    from django.core.files.uploadedfile import SimpleUploadedFile

    admin = make_user("administrator")
    browser = logged_in(admin)
    index = browser.get("/settings/").content.decode()
    assert "/sales/settings/company/" in index
    form = {"name": "Demo Ltda", "quote_valid_days": "20", "pix_key": "vendas@example.com"}
    saved = browser.post(
        "/sales/settings/company/", {**form, "logo": SimpleUploadedFile("l.png", PNG)}
    )
    assert saved.status_code == 302
    profile = CompanyProfile.objects.get()
    assert (profile.name, profile.quote_valid_days, profile.logo_type) == (
        "Demo Ltda",
        20,
        "image/png",
    )
    bad = browser.post("/sales/settings/company/", {**form, "pix_key": "???"})
    assert bad.status_code == 200 and 'role="alert"' in bad.content.decode()
    rep = logged_in(make_user("sales-rep"))
    assert rep.get("/sales/settings/company/").status_code == 403
