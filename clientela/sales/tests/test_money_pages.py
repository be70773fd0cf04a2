"""Settings → Exchange rates and Settings → Quotas with the test client on the real database:
the rate table (newest first, by currency, paginated), adding one rate, a CSV import refused
whole with its lines' errors, deleting after a confirmation; the quota grid saved all or none,
with the error on its cell, for the reps in the actor's scope only; read-only and forbidden
roles, and nothing changed by a refused request."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from clientela.platform.errors import ValidationFailed
from clientela.platform.models import AuditEntry, RolePermission
from clientela.sales.currency import rates_save
from clientela.sales.forecast import quotas_save
from clientela.sales.models import ExchangeRate, Quota

D = Decimal
RATES = "/sales/settings/rates/"
ADD = "/sales/settings/rates/new/"
IMPORT = "/sales/settings/rates/import/"
QUOTAS = "/sales/settings/quotas/"


@pytest.fixture
def admin(make_user):
    return make_user("administrator", username="ada")


@pytest.fixture
def north(make_team):
    return make_team("North")


@pytest.fixture
def south(make_team):
    return make_team("South")


@pytest.fixture
def rita(make_user, north):
    return make_user("sales-rep", teams=[north], username="rita", first_name="Rita")


@pytest.fixture
def sam(make_user, south):
    return make_user("sales-rep", teams=[south], username="sam", first_name="Sam")


@pytest.fixture
def manager(make_user, north):
    return make_user("sales-manager", teams=[north], username="mona")


def upload(content: bytes, name: str = "rates.csv") -> dict:
    return {"file": SimpleUploadedFile(name, content, content_type="text/csv")}


def rates_table() -> list[tuple[str, str, str]]:
    return [(r.currency, str(r.day), str(r.rate)) for r in ExchangeRate.objects.order_by("pk")]


def text(response) -> str:
    return response.content.decode()


# --- exchange rates ------------------------------------------------------------------------


def test_without_rates_the_page_says_what_they_are_for(admin, logged_in):
    response = logged_in(admin).get(RATES)
    assert response.status_code == 200
    page = text(response)
    assert "No exchange rates yet." in page
    assert "convert deals in other currencies to BRL" in page
    assert "USD;2027-01-04;5,4321" in page  # the import's format, with an example line
    assert f'action="{ADD}"' in page and f'action="{IMPORT}"' in page


def test_a_rate_is_added_and_listed_newest_first_by_currency(admin, logged_in):
    client = logged_in(admin)
    rates_save(
        actor=admin,
        items=[
            {"currency": "USD", "day": "2027-01-01", "rate": "5.1"},
            {"currency": "EUR", "day": "2027-01-02", "rate": "6.000001"},
        ],
    )
    response = client.post(ADD, {"currency": "usd", "day": "2027-01-04", "rate": "5,4321"})
    assert response.status_code == 302 and response["Location"] == RATES
    assert ExchangeRate.objects.get(currency="USD", day=dt.date(2027, 1, 4)).rate == D("5.4321")

    page = text(client.get(RATES))
    assert "The exchange rate was saved." in page
    rows = re.findall(
        r"<tr data-rate=\"\d+\">\s*<td>(\w+)</td>\s*<td><time datetime=\"([\d-]+)\"", page
    )
    assert rows == [("USD", "2027-01-04"), ("EUR", "2027-01-02"), ("USD", "2027-01-01")]
    assert "5.4321" in page and "6.000001" in page  # every decimal the rate has
    assert "Rate (in BRL)" in page

    only_eur = text(client.get(RATES, {"currency": "eur"}))
    assert re.findall(r"<tr data-rate=\"\d+\">\s*<td>(\w+)</td>", only_eur) == ["EUR"]
    assert '<option value="EUR" selected>' in only_eur


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"rate": "0"}, "rate", "Enter a positive rate."),
        ({"rate": "-5"}, "rate", "Enter a positive rate."),
        ({"rate": "five"}, "rate", "Enter a positive rate."),
        ({"rate": "0.000000001"}, "rate", "Enter a positive rate."),  # 0 once stored
        ({"rate": "NaN"}, "rate", "Enter a positive rate."),
        ({"rate": "1e99"}, "rate", "Enter a positive rate."),
        ({"currency": "BRL"}, "currency", "Enter another currency&#x27;s code"),
        ({"currency": "XYZ"}, "currency", "Enter another currency&#x27;s code"),
        ({"currency": "DOLLAR"}, "currency", "at most 3 characters"),
        ({"day": "2027-02-30"}, "day", "Enter a valid date."),
    ],
)
def test_a_bad_rate_is_refused_on_its_field(admin, logged_in, values, field, message):
    good = {"currency": "USD", "day": "2027-01-04", "rate": "5.2"}
    response = logged_in(admin).post(ADD, {**good, **values})
    assert response.status_code == 200
    page = text(response)
    block = page[page.index(f'for="id_{field}"') :]
    block = block[: block.index('<div class="field')] if '<div class="field' in block else block
    assert message in block
    assert ExchangeRate.objects.count() == 0


def test_a_csv_file_is_imported_and_its_rates_listed(admin, logged_in):
    client = logged_in(admin)
    content = "moeda;dia;taxa\nUSD;2027-01-04;5,4321\n\nEUR;2027-01-04;6.1\n".encode("cp1252")
    response = client.post(IMPORT, upload(content))
    assert response.status_code == 302 and response["Location"] == RATES
    assert rates_table() == [
        ("USD", "2027-01-04", "5.43210000"),
        ("EUR", "2027-01-04", "6.10000000"),
    ]
    page = text(client.get(RATES))
    assert "2 exchange rates were imported." in page
    assert page.count("<tr data-rate=") == 2


def test_a_csv_file_with_a_bad_line_is_refused_whole_with_the_lines_listed(admin, logged_in):
    rates_save(actor=admin, items=[{"currency": "USD", "day": "2027-01-01", "rate": "5"}])
    before = rates_table()
    content = (
        b"currency,day,rate\n"
        b"USD,2027-01-02,5.3\n"  # line 2: good, yet not written
        b"EUR,2027-13-01,6\n"  # line 3: no such month
        b"\n"
        b"GBP,2027-01-02,-1\n"  # line 5: negative
        b"JPY,2027-01-02,abc\n"  # line 6: text
        b"BRL,2027-01-02,1\n"  # line 7: the company's own currency
    )
    response = logged_in(admin).post(IMPORT, upload(content))
    assert response.status_code == 200
    page = text(response)
    assert "The file was not imported: fix these lines and upload it again." in page
    problems = re.findall(
        r"<tr><td class=\"number\">(\d+)</td><td><code>([^<]*)</code></td><td>([^<]*)</td>", page
    )
    assert problems == [
        ("3", "EUR;2027-13-01;6", "Enter a valid date."),
        ("5", "GBP;2027-01-02;-1", "Enter a positive rate."),
        ("6", "JPY;2027-01-02;abc", "Enter a positive rate."),
        ("7", "BRL;2027-01-02;1", "Enter another currency&#x27;s code, such as USD or EUR."),
    ]
    assert rates_table() == before


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("USD;2027-01-04;5,1\n".encode("utf-16"), "Upload a CSV text file"),  # NUL bytes
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "Upload a CSV text file"),
        (b"USD;2027-01-04;5\n" * 70000, "The file is larger than 1 MiB."),
        (b"currency;day;rate\n\n", "The file has no rates."),
        (b'USD;"2027-01-04;5\n' + b"x" * 200000, "Upload a CSV text file"),  # a field too long
        (b"\xff\xfe\xfa;2027-01-04;5\n", "Enter another currency"),  # neither UTF-8 nor a code
        (b"USD;2027-01-04\n", "Enter a positive rate."),  # a missing cell
    ],
)
def test_malformed_files_are_refused_and_nothing_is_written(admin, logged_in, content, message):
    response = logged_in(admin).post(IMPORT, upload(content))
    assert response.status_code == 200
    page = text(response)
    assert "The file was not imported" in page
    assert message in page
    assert ExchangeRate.objects.count() == 0


def test_an_import_without_a_file_asks_for_one(admin, logged_in):
    client = logged_in(admin)
    assert "This field is required." in text(client.post(IMPORT, {}))
    assert "The submitted file is empty." in text(client.post(IMPORT, upload(b"")))
    assert ExchangeRate.objects.count() == 0


def test_the_rate_table_is_paginated(admin, logged_in):
    start = dt.date(2027, 1, 1)
    items = [
        {"currency": "USD", "day": str(start + dt.timedelta(days=n)), "rate": "5"}
        for n in range(55)
    ]
    rates_save(actor=admin, items=items)
    client = logged_in(admin)
    first = text(client.get(RATES))
    assert first.count("<tr data-rate=") == 50
    assert 'datetime="2027-02-24"' in first  # the newest day first
    cursor = re.search(r'rel="next" href="/sales/settings/rates/\?cursor=([\w-]+)"', first)
    assert cursor is not None
    second = text(client.get(RATES, {"cursor": cursor.group(1)}))
    assert second.count("<tr data-rate=") == 5
    assert 'datetime="2027-01-01"' in second and 'rel="next"' not in second
    broken = text(client.get(RATES, {"cursor": "not-a-cursor"}))
    assert "This page link is no longer valid" in broken
    assert broken.count("<tr data-rate=") == 50


def test_a_rate_is_deleted_after_a_confirmation(admin, logged_in):
    rates_save(
        actor=admin,
        items=[
            {"currency": "USD", "day": "2027-01-01", "rate": "5"},
            {"currency": "USD", "day": "2027-02-01", "rate": "5.5"},
        ],
    )
    rate = ExchangeRate.objects.get(day=dt.date(2027, 2, 1))
    client = logged_in(admin)
    url = f"{RATES}{rate.pk}/delete/"
    confirm = client.get(url)
    assert confirm.status_code == 200
    assert "Delete the USD rate from 02/01/2027?" in text(confirm)
    assert ExchangeRate.objects.filter(pk=rate.pk).exists()  # a GET changes nothing

    response = client.post(url)
    assert response.status_code == 302 and response["Location"] == RATES
    assert rates_table() == [("USD", "2027-01-01", "5.00000000")]
    assert "The USD rate from 02/01/2027 was deleted." in text(client.get(RATES))
    entry = AuditEntry.objects.filter(object_type="sales.exchangerate", action="delete").get()
    assert (entry.object_id, entry.actor_id) == (str(rate.pk), admin.pk)
    assert entry.changes["rate"] == ["5.50000000", None]
    assert client.post(url).status_code == 404  # gone
    assert client.get(f"{RATES}999999/delete/").status_code == 404


def test_those_who_may_not_configure_prices_read_rates_but_change_nothing(
    admin, rita, logged_in, make_user
):
    rates_save(actor=admin, items=[{"currency": "USD", "day": "2027-01-01", "rate": "5"}])
    rate = ExchangeRate.objects.get()
    before = rates_table()
    client = logged_in(rita)  # reps read rates: their deals are converted with them
    page = text(client.get(RATES))
    assert "<tr data-rate=" in page
    assert f'action="{ADD}"' not in page and f'action="{IMPORT}"' not in page
    assert "/delete/" not in page
    good = {"currency": "EUR", "day": "2027-01-04", "rate": "6"}
    assert client.post(ADD, good).status_code == 403
    assert client.post(IMPORT, upload(b"EUR;2027-01-04;6\n")).status_code == 403
    assert client.get(f"{RATES}{rate.pk}/delete/").status_code == 403
    assert client.post(f"{RATES}{rate.pk}/delete/").status_code == 403
    assert rates_table() == before

    agent = logged_in(make_user("service-agent"))  # neither deals nor the catalogue
    assert agent.get(RATES).status_code == 403
    assert logged_in(admin).get(ADD).status_code == 405  # forms post


# --- quotas --------------------------------------------------------------------------------


def grid_post(user, values: dict[int, str], was: str = "|" * 11) -> dict[str, str]:
    """What the page posts for one rep: the amounts it showed and the cells as typed."""
    data = {f"was-{user.pk}": was}
    for month in range(1, 13):
        data[f"q-{user.pk}-{month}"] = values.get(month, "")
    return data


def quotas() -> list[tuple[int, str, str]]:
    rows = Quota.objects.order_by("user_id", "month")
    return [(q.user_id, f"{q.month:%Y-%m}", str(q.amount)) for q in rows]


def test_an_administrator_sets_two_months_and_sees_the_yearly_total(admin, rita, logged_in):
    client = logged_in(admin)
    page = text(client.get(QUOTAS, {"year": "2027"}))
    assert "Quotas for 2027" in page
    assert f'name="q-{rita.pk}-1"' in page and f'name="was-{rita.pk}"' in page

    response = client.post(f"{QUOTAS}?year=2027", grid_post(rita, {1: "5000", 2: "6000,50"}))
    assert response.status_code == 302
    assert response["Location"] == f"{QUOTAS}?year=2027&team=&page=1"
    assert quotas() == [(rita.pk, "2027-01", "5000.00"), (rita.pk, "2027-02", "6000.50")]
    entry = AuditEntry.objects.filter(object_type="sales.quota").get()
    assert entry.actor_id == admin.pk

    page = text(client.get(response["Location"]))
    assert "2 quotas were saved." in page
    row = page[page.index(f'<tr data-user="{rita.pk}">') :]
    row = row[: row.index("</tr>")]
    assert 'value="5000.00"' in row and 'value="6000.50"' in row
    assert '<td class="number row-total">R$11,000.50</td>' in row
    assert '<rect width="100" height="10" fill="#2563eb"/>' in row  # the largest total
    assert 'value="5000.00|6000.50||||||||||"' in row  # what the page showed, month by month
    assert "R$11,000.50" in page[page.index("<tfoot>") :]


def test_unchanged_cells_are_not_sent_and_an_emptied_cell_removes_its_quota(admin, rita, logged_in):
    quotas_save(
        actor=admin,
        items=[
            {"user": rita.pk, "month": "2027-01", "amount": "5000"},
            {"user": rita.pk, "month": "2027-02", "amount": "6000"},
        ],
    )
    was = "|".join(["5000.00", "6000.00", *[""] * 10])
    # meanwhile someone else set March; this page still shows it empty
    quotas_save(actor=admin, items=[{"user": rita.pk, "month": "2027-03", "amount": "7000"}])
    client = logged_in(admin)
    response = client.post(f"{QUOTAS}?year=2027", grid_post(rita, {1: "5000.00"}, was))
    assert response.status_code == 302
    assert quotas() == [(rita.pk, "2027-01", "5000.00"), (rita.pk, "2027-03", "7000.00")]
    assert "1 quota was saved." in text(client.get(response["Location"]))
    now = "|".join(["5000.00", "", "7000.00", *[""] * 9])
    unchanged = client.post(f"{QUOTAS}?year=2027", grid_post(rita, {1: "5000", 3: "7000.00"}, now))
    assert "No quota was changed." in text(client.get(unchanged["Location"]))
    assert len(quotas()) == 2


def test_a_bad_cell_refuses_the_whole_grid_and_shows_the_typed_values(admin, rita, sam, logged_in):
    client = logged_in(admin)
    data = {
        **grid_post(rita, {1: "5000", 3: "lots"}),
        **grid_post(sam, {2: "-10", 4: "1e30", 5: "4000"}),
    }
    response = client.post(f"{QUOTAS}?year=2027", data)
    assert response.status_code == 200
    page = text(response)
    assert quotas() == []
    assert "Nothing was saved: correct the cells marked below and save again." in page
    for user, month in ((rita, 3), (sam, 2), (sam, 4)):
        name = f"q-{user.pk}-{month}"
        assert f'aria-describedby="{name}-error"' in page
        assert f'<p class="error" id="{name}-error">Enter an amount such as 1234.56.</p>' in page
    for user, month in ((rita, 1), (sam, 5)):
        assert f'id="q-{user.pk}-{month}-error"' not in page
    assert f'name="q-{rita.pk}-1" id="q-{rita.pk}-1" value="5000"' in page
    assert f'name="q-{rita.pk}-3" id="q-{rita.pk}-3" value="lots"' in page
    assert f'name="q-{sam.pk}-4" id="q-{sam.pk}-4" value="1e30"' in page


def test_a_quota_for_a_user_outside_the_actors_scope_is_refused(
    manager, rita, sam, logged_in, admin
):
    # a custom grant: this manager may set quotas, for the team whose deals they see
    RolePermission.objects.filter(role=manager.role, object_type="sales.quota").update(
        can_edit=True
    )
    quotas_save(actor=admin, items=[{"user": sam.pk, "month": "2027-01", "amount": "100"}])
    before = quotas()
    client = logged_in(manager)
    page = text(client.get(QUOTAS, {"year": "2027"}))
    assert f'data-user="{rita.pk}"' in page and f'data-user="{sam.pk}"' not in page

    data = {**grid_post(rita, {1: "5000"}), **grid_post(sam, {1: "9000", 2: "9000"})}
    response = client.post(f"{QUOTAS}?year=2027", data)
    assert response.status_code == 200
    assert "Choose an active user." in text(response)
    assert quotas() == before  # Rita's good cell was not written either
    with pytest.raises(ValidationFailed) as caught:
        quotas_save(actor=manager, items=[{"user": sam.pk, "month": "2027-01", "amount": "1"}])
    assert set(caught.value.errors) == {"items.0.user"}

    assert client.post(f"{QUOTAS}?year=2027", grid_post(rita, {1: "5000"})).status_code == 302
    assert (rita.pk, "2027-01", "5000.00") in quotas()


def test_a_forged_user_id_is_refused(admin, rita, logged_in, make_user):
    gone = make_user("sales-rep", is_active=False)
    client = logged_in(admin)
    for forged in (str(gone.pk), "999999", "abc", "-1"):
        data = {f"was-{forged}": "", f"q-{forged}-1": "100"}
        response = client.post(f"{QUOTAS}?year=2027", data)
        assert response.status_code == 200
        assert "Choose an active user." in text(response)
    assert quotas() == []


def test_those_who_may_view_quotas_see_them_read_only(admin, manager, rita, sam, logged_in):
    quotas_save(actor=admin, items=[{"user": rita.pk, "month": "2027-01", "amount": "5000"}])
    client = logged_in(manager)
    response = client.get(QUOTAS, {"year": "2027"})
    assert response.status_code == 200
    page = text(response)
    assert "Your role lets you see the quotas, not change them." in page
    assert '<input type="text"' not in page and "Save quotas" not in page
    assert "R$5,000.00" in page
    assert f'data-user="{sam.pk}"' not in page  # another team's rep
    before = quotas()
    assert client.post(f"{QUOTAS}?year=2027", grid_post(rita, {1: "1"})).status_code == 403
    assert quotas() == before


def test_reps_without_quota_rights_are_refused(rita, logged_in):
    client = logged_in(rita)
    assert client.get(QUOTAS).status_code == 403
    assert client.post(QUOTAS, grid_post(rita, {1: "1"})).status_code == 403
    assert quotas() == []


def test_the_grid_picks_a_year_and_a_team(admin, rita, sam, logged_in, make_user, north):
    make_user("service-agent", teams=[north], username="sol")  # owns no deals: not a rep
    quotas_save(actor=admin, items=[{"user": sam.pk, "month": "2028-06", "amount": "10"}])
    client = logged_in(admin)
    this_year = dt.date.today().year
    for asked in ("", "1999", "abc", "\uff13\uff10\uff10\uff10"):
        assert f"Quotas for {this_year}" in text(client.get(QUOTAS, {"year": asked}))
    page = text(client.get(QUOTAS, {"year": "2028"}))
    assert f'name="q-{sam.pk}-6" id="q-{sam.pk}-6" value="10.00"' in page
    assert ">sol<" not in page
    north_only = text(client.get(QUOTAS, {"year": "2028", "team": str(north.pk)}))
    assert f'data-user="{rita.pk}"' in north_only and f'data-user="{sam.pk}"' not in north_only
    assert f'<option value="{north.pk}" selected>North</option>' in north_only
    assert client.get(QUOTAS, {"team": "x", "page": "99999999"}).status_code == 200


def test_the_pages_query_count_does_not_grow_with_rows(
    admin, logged_in, make_user, django_assert_max_num_queries
):
    client = logged_in(admin)
    client.get(RATES)  # the session and the grants, read once like every page
    reps = [make_user("sales-rep", username=f"rep-{n}") for n in range(12)]
    items = [{"user": r.pk, "month": "2027-03", "amount": "100"} for r in reps]
    quotas_save(actor=admin, items=items)
    rates = [{"currency": "USD", "day": f"2027-01-{d:02d}", "rate": "5"} for d in range(1, 29)]
    rates_save(actor=admin, items=rates)
    with django_assert_max_num_queries(6):
        assert text(client.get(RATES)).count("<tr data-rate=") == 28
    with django_assert_max_num_queries(7):
        assert text(client.get(QUOTAS, {"year": "2027"})).count("<tr data-user=") == 13
