"""Exports: CSV and XLSX with formulas neutralised, vCard 4.0, only what the actor may see."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
import vobject
from django.http import StreamingHttpResponse
from openpyxl import load_workbook

from clientela.customers.exports import default_columns, export_response, neutralise, vcard
from clientela.customers.models import Account, Address, Contact
from clientela.customers.services import contact_create
from clientela.platform.errors import PermissionDenied, ValidationFailed

COLUMNS = [("first_name", "First name"), ("job_title", "Job title"), ("account.name", "Company")]


def body(response: Any) -> bytes:
    if isinstance(response, StreamingHttpResponse):
        return b"".join(response.streaming_content)  # type: ignore[arg-type]
    return b"".join(response)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+2", "'=1+2"),
        ("+55 11 9999", "'+55 11 9999"),
        ("-10", "'-10"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Ana = Bia", "Ana = Bia"),
        ("", ""),
        (None, ""),
    ],
)
def test_formula_starts_get_a_leading_apostrophe(value, expected):
    assert neutralise(value) == expected


@pytest.fixture
def team_data(make_user, make_team):
    team = make_team("South")
    manager = make_user("sales-manager", teams=[team])
    rep = make_user("sales-rep", teams=[team])
    outsider = make_user("sales-manager", teams=[make_team("North")])
    acme = Account.objects.create(name="=Acme", owner=manager, team=team)
    ana = contact_create(
        actor=manager,
        values={"first_name": "Ana", "job_title": "@boss", "email": "ana@example.com"},
    )
    ana.account = acme
    ana.save()
    contact_create(actor=outsider, values={"first_name": "Hidden"})
    return manager, rep, outsider


def test_csv_export_streams_visible_rows_with_formulas_neutralised(team_data):
    manager, _rep, _outsider = team_data
    response = export_response(
        actor=manager,
        object_type="customers.contact",
        queryset=Contact.objects.select_related("account"),
        columns=COLUMNS,
        fmt="csv",
    )
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Disposition"].startswith('attachment; filename="contacts-')
    text = body(response).decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows == [["First name", "Job title", "Company"], ["Ana", "'@boss", "'=Acme"]]


def test_xlsx_export_cells_are_text_never_formulas(team_data):
    manager, _rep, _outsider = team_data
    response = export_response(
        actor=manager,
        object_type="customers.contact",
        queryset=Contact.objects.all(),
        columns=COLUMNS,
        fmt="xlsx",
    )
    workbook = load_workbook(io.BytesIO(body(response)))
    sheet = workbook.worksheets[0]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows == [["First name", "Job title", "Company"], ["Ana", "'@boss", "'=Acme"]]
    assert all(c.data_type == "s" for row in sheet.iter_rows() for c in row)


def test_export_needs_the_export_right_and_writes_nothing(team_data):
    _manager, rep, _outsider = team_data
    with pytest.raises(PermissionDenied):
        export_response(
            actor=rep,
            object_type="customers.contact",
            queryset=Contact.objects.all(),
            columns=COLUMNS,
            fmt="csv",
        )


def test_unknown_formats_and_vcards_of_accounts_are_refused(team_data):
    manager, _rep, _outsider = team_data
    for object_type, fmt in (("customers.contact", "pdf"), ("customers.account", "vcf")):
        with pytest.raises(ValidationFailed):
            export_response(
                actor=manager,
                object_type=object_type,
                queryset=Contact.objects.all(),
                columns=default_columns("customers.contact"),
                fmt=fmt,
            )


def test_vcard_export_parses_as_vcard_4(team_data):
    manager, _rep, _outsider = team_data
    ana = Contact.objects.select_related("account").get(first_name="Ana")
    ana.last_name = "Souza; Lima, Jr."
    ana.phone = "+5511987654321"
    ana.job_title = "Head of " + "very long " * 10 + "things"
    ana.save()
    Address.objects.create(
        contact=ana,
        street="Av. Paulista, 1000",
        city="São Paulo",
        state="SP",
        postal_code="01310-100",
    )
    response = export_response(
        actor=manager,
        object_type="customers.contact",
        queryset=Contact.objects.select_related("account"),
        columns=[],
        fmt="vcf",
    )
    text = body(response).decode("utf-8")
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    cards = list(vobject.readComponents(text))
    assert len(cards) == 1
    card = cards[0]
    assert card.version.value == "4.0"
    assert card.fn.value == "Ana Souza; Lima, Jr."
    assert card.n.value.family == "Souza; Lima, Jr."
    assert card.email.value == "ana@example.com"
    assert card.tel.value == "tel:+5511987654321"
    assert card.org.value == ["=Acme"]
    assert card.title.value == ana.job_title
    assert card.adr.value.city == "São Paulo"
    assert card.adr.value.street == "Av. Paulista, 1000"


def test_a_vcard_of_a_bare_contact_has_its_required_properties(admin_user):
    contact = contact_create(actor=admin_user, values={"first_name": "Zé"})
    card = vobject.readOne(vcard(Contact.objects.get(pk=contact.pk)))
    assert (card.fn.value, card.uid.value) == ("Zé", f"urn:clientela:contact:{contact.pk}")
