"""Sales pages with the test client on real data: the board (columns, totals, filters, a fixed
number of queries), moving a deal (the required-fields dialog, visibility, CSRF), the list, a
deal's page, its form, delete, pipeline settings and the deals panel on customer pages."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from clientela.activities.models import Activity
from clientela.customers.services import account_create, contact_create
from clientela.platform.services.customfields import field_create
from clientela.sales.models import Opportunity, Pipeline, StageChange
from clientela.sales.services import (
    default_pipeline,
    opportunity_create,
    opportunity_move,
    pipeline_create,
)
from clientela.sales.views import period_range

HTMX = {"HX-Request": "true"}


@pytest.fixture
def north(make_team):
    return make_team("North")


@pytest.fixture
def rep(make_user, north):
    return make_user("sales-rep", teams=[north], username="rita")


@pytest.fixture
def south(make_user, make_team):
    return make_user("sales-rep", teams=[make_team("South")])


def stage(name: str):
    return default_pipeline().stages.get(name=name)


def deal(actor, name: str, **values):
    return opportunity_create(actor=actor, values={"name": name, **values})


def column(response, name: str):
    return next(c for c in response.context["board"].columns if c.stage.name == name)


def csrf_token(page: str) -> str:
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert found, "the page has no CSRF token"
    return found.group(1)


# --- the board -----------------------------------------------------------------------------


def test_the_board_shows_every_stage_with_count_sum_weighted_sum_and_cards(rep, logged_in):
    account = account_create(actor=rep, values={"name": "Transportes Ideal"})
    deal(rep, "Frota", account=account.pk, amount="1200.50", expected_close_date="2030-03-31")
    deal(rep, "Oficina", amount="300")
    won = deal(rep, "Vans", amount="5000")
    opportunity_move(actor=rep, opportunity_id=won.pk, stage_id=stage("Won").pk)

    response = logged_in(rep).get("/sales/")

    assert response.status_code == 200
    names = [c.stage.name for c in response.context["board"].columns]
    assert names == [
        "Initiation",
        "Identification",
        "Qualification",
        "RFP received",
        "Quote sent",
        "Won",
        "Lost",
    ]
    first = column(response, "Initiation")
    assert (first.count, first.total, first.weighted) == (
        2,
        Decimal("1500.50"),
        Decimal("150.05"),
    )
    assert [c.name for c in first.cards] == ["Frota", "Oficina"]  # by close date, blanks last
    assert column(response, "Won").total == Decimal("5000")
    html = response.content.decode()
    assert "R$1,500.50" in html and "R$150.05" in html  # the company currency, in English
    assert "Transportes Ideal" in html and "3/31/2030" in html and "rita" in html
    assert f'data-drop-stage="{stage("Quote sent").pk}"' in html
    assert html.count("data-move-open") == 3  # a "Move to…" on every card
    # one move form for the board, its deal set by the script; without it, the deal's page
    assert html.count('class="move-form') == 1
    assert 'data-move-url="/sales/opportunities/0/move/"' in html
    assert 'href="/sales/opportunities/' in html and '/#move"' in html


def test_the_board_reads_in_portuguese_with_brazilian_money(rep, logged_in):
    deal(rep, "Frota", amount="1234.5")
    rep.language = "pt-br"
    rep.save()

    html = logged_in(rep).get("/sales/").content.decode()

    assert "R$\xa01.234,50" in html
    assert "Responsável" in html  # the pending strings are merged into the catalogue later


def test_rotting_deals_are_highlighted(rep, logged_in):
    old = deal(rep, "Parada")
    deal(rep, "Nova")
    Opportunity.objects.filter(pk=old.pk).update(
        stage_entered_at=timezone.now() - dt.timedelta(days=15)  # Initiation rots after 14
    )

    response = logged_in(rep).get("/sales/")

    cards = {c.name: c.is_rotting for c in column(response, "Initiation").cards}
    assert cards == {"Parada": True, "Nova": False}
    assert response.content.decode().count("deal-card is-rotting") == 1


def test_the_board_filters_by_owner_team_and_close_period(make_user, north, logged_in):
    manager = make_user("sales-manager", teams=[north])
    rep = make_user("sales-rep", teams=[north])
    today = timezone.localdate()
    deal(manager, "Mine", expected_close_date=today.isoformat())
    deal(rep, "Theirs", expected_close_date=(today + dt.timedelta(days=400)).isoformat())
    client = logged_in(manager)

    def shown(query: str) -> list[str]:
        response = client.get(f"/sales/?{query}")
        assert response.status_code == 200
        return sorted(c.name for col in response.context["board"].columns for c in col.cards)

    assert shown("") == ["Mine", "Theirs"]
    assert shown("owner=me") == ["Mine"]
    assert shown(f"owner={rep.pk}") == ["Theirs"]
    assert shown(f"team={north.pk}") == ["Mine", "Theirs"]
    assert shown("team=999999") == []
    assert shown("period=this_month") == ["Mine"]
    later = today + dt.timedelta(days=400)
    assert shown(f"close_from={later.isoformat()}") == ["Theirs"]
    assert shown("owner=abc&period=never&close_from=31/02/2030") == ["Mine", "Theirs"]


def test_periods_are_whole_months_quarters_and_years():
    day = dt.date(2027, 11, 20)
    assert period_range("this_month", day) == (dt.date(2027, 11, 1), dt.date(2027, 11, 30))
    assert period_range("next_month", day) == (dt.date(2027, 12, 1), dt.date(2027, 12, 31))
    assert period_range("this_quarter", day) == (dt.date(2027, 10, 1), dt.date(2027, 12, 31))
    assert period_range("next_quarter", day) == (dt.date(2028, 1, 1), dt.date(2028, 3, 31))
    assert period_range("this_year", day) == (dt.date(2027, 1, 1), dt.date(2027, 12, 31))


def test_the_board_picks_a_pipeline_default_first(admin_user, rep, logged_in):
    other = pipeline_create(
        actor=admin_user,
        values={"name": "Renewals", "stages": [{"name": "Due"}, {"name": "Renewed"}]},
    )
    Pipeline.objects.filter(pk=other.pk).update(position=0)
    deal(rep, "Renovação", pipeline=other.pk)
    client = logged_in(rep)

    default = client.get("/sales/")
    chosen = client.get(f"/sales/?pipeline={other.pk}")

    assert [p.name for p in default.context["pipelines"]] == ["Sales", "Renewals"]
    assert default.context["pipeline"] == default_pipeline()
    assert [c.stage.name for c in chosen.context["board"].columns] == ["Due", "Renewed"]
    assert column(chosen, "Due").cards[0].name == "Renovação"


def test_the_board_reads_in_a_fixed_number_of_queries(rep, logged_in):
    """Ten thousand open deals cost what ten cost: totals and cards come from two statements,
    accounts are checked once for every card; nothing is read per card."""
    pipeline, first = default_pipeline(), stage("Initiation")
    account = account_create(actor=rep, values={"name": "Ideal"})
    team = rep.teams.get()
    client = logged_in(rep)

    def add(n: int) -> None:
        Opportunity.objects.bulk_create(
            Opportunity(
                owner=rep,
                team=team,
                name=f"D{i}",
                account=account,
                pipeline=pipeline,
                stage=first,
                status="open",
                amount=Decimal(10),
                currency="BRL",
                probability=10,
                stage_entered_at=timezone.now(),
            )
            for i in range(n)
        )

    def count(headers: dict[str, str] | None = None) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/sales/", headers=headers or {}).status_code == 200
        return len(captured)

    add(3)
    count()  # warm up the caches of the first request
    few, few_partial = count(), count({"HX-Target": "board"})
    add(120)
    response = client.get("/sales/")
    assert column(response, "Initiation").count == 123
    assert column(response, "Initiation").more == 73
    assert f"/sales/opportunities/?pipeline={pipeline.pk}&amp;stage={first.pk}" in (
        response.content.decode()
    )
    assert (count(), count({"HX-Target": "board"})) == (few, few_partial)


def test_the_htmx_refresh_answers_the_columns_only(rep, logged_in):
    deal(rep, "Frota")

    partial = logged_in(rep).get("/sales/?owner=me", headers={"HX-Target": "board"})

    html = partial.content.decode()
    assert html.startswith('<div id="board"')
    assert "<html" not in html
    assert 'hx-get="/sales/?owner=me&amp;pipeline=' in html


def test_a_read_only_user_sees_the_board_without_move_controls(rep, make_user, logged_in):
    deal(rep, "Frota")
    reader = make_user("read-only")

    html = logged_in(reader).get("/sales/").content.decode()

    assert "Frota" in html
    assert "move-form" not in html and 'draggable="true"' not in html
    assert "data-move-open" not in html
    assert "New opportunity" not in html


# --- moving a deal -------------------------------------------------------------------------


def test_a_move_from_the_board_moves_and_asks_the_board_to_refresh(rep, logged_in):
    frota = deal(rep, "Frota")

    response = logged_in(rep).post(
        f"/sales/opportunities/{frota.pk}/move/",
        {"stage": stage("Identification").pk, "next": "/sales/"},
        headers=HTMX,
    )

    assert response.status_code == 200
    assert json.loads(response["HX-Trigger"]) == {"board-refresh": {"deal": frota.pk}}
    assert "“Frota” is now in Identification." in response.content.decode()
    frota.refresh_from_db()
    assert frota.stage.name == "Identification"
    assert Activity.objects.filter(link_type="sales.opportunity", link_id=frota.pk).count() == 1


def test_a_stage_with_required_fields_answers_a_dialog_asking_exactly_for_them(rep, logged_in):
    account = account_create(actor=rep, values={"name": "Ideal"})
    frota = deal(rep, "Frota", account=account.pk)
    client = logged_in(rep)
    url = f"/sales/opportunities/{frota.pk}/move/"
    rfp = stage("RFP received").pk

    asked = client.post(url, {"stage": rfp}, headers=HTMX)

    html = asked.content.decode()
    assert asked.status_code == 200 and "HX-Trigger" not in asked
    assert html.startswith('<dialog class="move-dialog" data-move-dialog')
    assert "Move “Frota” to RFP received" in html
    assert asked.context["form"].asked == ["amount", "expected_close_date"]
    assert set(re.findall(r'<(?:input|select|textarea)[^>]* name="(\w+)"', html)) == {
        "csrfmiddlewaretoken",
        "stage",
        "next",
        "asked",
        "amount",
        "expected_close_date",
    }
    frota.refresh_from_db()
    assert frota.stage.name == "Initiation"

    wrong = client.post(
        url,
        {"stage": rfp, "asked": ["amount", "expected_close_date"], "amount": "-5"},
        headers=HTMX,
    )
    assert wrong.status_code == 200
    assert wrong.context["form"].errors.keys() == {"amount", "expected_close_date"}
    assert "has-error" in wrong.content.decode()

    done = client.post(
        url,
        {
            "stage": rfp,
            "asked": ["amount", "expected_close_date"],
            "amount": "80000",
            "expected_close_date": "2030-03-31",
        },
        headers=HTMX,
    )
    assert done.status_code == 200 and "board-refresh" in done["HX-Trigger"]
    frota.refresh_from_db()
    assert (frota.stage.name, frota.amount, frota.expected_close_date) == (
        "RFP received",
        Decimal("80000.00"),
        dt.date(2030, 3, 31),
    )


def test_the_dialog_can_ask_for_an_account_and_a_contact(rep, admin_user, logged_in):
    ana = contact_create(actor=rep, values={"first_name": "Ana"})
    account = account_create(actor=rep, values={"name": "Ideal"})
    pipeline = pipeline_create(
        actor=admin_user,
        values={
            "name": "Big deals",
            "stages": [{"name": "New"}, {"name": "Proposal", "required_fields": ["contacts"]}],
        },
    )
    big = deal(rep, "Frota", pipeline=pipeline.pk)
    proposal = pipeline.stages.get(name="Proposal").pk
    client = logged_in(rep)
    url = f"/sales/opportunities/{big.pk}/move/"

    asked = client.post(url, {"stage": proposal}, headers=HTMX)
    assert asked.context["form"].asked == ["contacts"]
    assert f'<option value="{ana.pk}">Ana</option>' in asked.content.decode()

    client.post(
        url,
        {"stage": proposal, "asked": "contacts", "contacts": ana.pk, "role": "champion"},
        headers=HTMX,
    )
    big.refresh_from_db()
    assert big.stage.name == "Proposal"
    assert list(big.contact_roles.values_list("contact_id", "role")) == [(ana.pk, "champion")]
    assert account.pk  # visible accounts are only listed when the account is asked for


def test_moving_another_teams_deal_is_not_found_and_changes_nothing(rep, south, logged_in):
    theirs = deal(south, "Deles")

    response = logged_in(rep).post(
        f"/sales/opportunities/{theirs.pk}/move/",
        {"stage": stage("Identification").pk},
        headers=HTMX,
    )

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.stage.name == "Initiation"
    assert StageChange.objects.filter(opportunity=theirs).count() == 1


def test_a_refused_move_says_why(rep, admin_user, logged_in):
    frota = deal(rep, "Frota")
    other = pipeline_create(actor=admin_user, values={"name": "Other", "stages": [{"name": "X"}]})
    Pipeline.objects.filter(pk=other.pk).update(active=False)
    client = logged_in(rep)
    url = f"/sales/opportunities/{frota.pk}/move/"

    bad = client.post(url, {"stage": "abc"}, headers=HTMX)
    inactive = client.post(url, {"stage": other.stages.get().pk}, headers=HTMX)

    assert bad.status_code == 422
    assert "Choose one of the pipeline&#x27;s stages." in bad.content.decode()
    assert 'role="alert"' in bad.content.decode()
    assert inactive.status_code == 422 and "Choose an active pipeline." in inactive.content.decode()
    frota.refresh_from_db()
    assert frota.stage.name == "Initiation"


def test_a_read_only_user_cannot_move(rep, make_user, logged_in):
    frota = deal(rep, "Frota")

    response = logged_in(make_user("read-only")).post(
        f"/sales/opportunities/{frota.pk}/move/", {"stage": stage("Won").pk}, headers=HTMX
    )

    assert response.status_code == 403
    frota.refresh_from_db()
    assert frota.status == "open"


def test_moving_needs_the_csrf_token(rep):
    frota = deal(rep, "Frota")
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(rep)
    token = csrf_token(browser.get("/sales/").content.decode())
    url = f"/sales/opportunities/{frota.pk}/move/"
    target = stage("Identification").pk

    forged = browser.post(url, {"stage": target}, headers=HTMX)
    frota.refresh_from_db()
    assert forged.status_code == 403 and frota.stage.name == "Initiation"

    with_header = browser.post(url, {"stage": target}, headers={**HTMX, "X-CSRFToken": token})
    assert with_header.status_code == 200
    frota.refresh_from_db()
    assert frota.stage.name == "Identification"


def test_without_javascript_a_move_redirects_back_or_asks_on_a_page(rep, logged_in):
    frota = deal(rep, "Frota")
    client = logged_in(rep)
    url = f"/sales/opportunities/{frota.pk}/move/"

    moved = client.post(url, {"stage": stage("Identification").pk, "next": "/sales/?owner=me"})
    assert moved.status_code == 302 and moved["Location"] == "/sales/?owner=me"
    page = client.get("/sales/?owner=me").content.decode()
    assert "“Frota” is now in Identification." in page

    asked = client.post(url, {"stage": stage("Lost").pk, "next": "https://evil.example/"})
    html = asked.content.decode()
    assert asked.status_code == 200 and "<html" in html and "<dialog" not in html
    assert 'name="lost_reason"' in html and "hx-post" not in html
    assert f'href="/sales/opportunities/{frota.pk}/"' in html  # the unsafe "next" is dropped

    lost = client.post(
        url, {"stage": stage("Lost").pk, "asked": "lost_reason", "lost_reason": "price"}
    )
    assert lost.status_code == 302 and lost["Location"] == f"/sales/opportunities/{frota.pk}/"
    frota.refresh_from_db()
    assert (frota.status, frota.lost_reason) == ("lost", "price")


# --- the list ------------------------------------------------------------------------------


def test_the_list_filters_sorts_and_pages(rep, logged_in, monkeypatch):
    account = account_create(actor=rep, values={"name": "Ideal"})
    for n, close in enumerate(("2030-05-01", "2030-01-01", "", "2030-03-01")):
        deal(rep, f"D{n}", amount=str(100 * (n + 1)), expected_close_date=close, account=account.pk)
    won = deal(rep, "W", amount="1")
    opportunity_move(actor=rep, opportunity_id=won.pk, stage_id=stage("Won").pk)
    monkeypatch.setattr("clientela.sales.views.PAGE_SIZE", 2)
    client = logged_in(rep)

    def names(query: str) -> list[str]:
        found, url = [], f"/sales/opportunities/?{query}"
        for _ in range(5):
            response = client.get(url)
            assert response.status_code == 200
            page = response.context["page"]
            found += [d.name for d in page.items]
            if not page.next_cursor:
                return found
            url = "/sales/opportunities/?" + response.context["next_query"]
        return found

    assert names("") == ["W", "D3", "D2", "D1", "D0"]
    assert names("sort=close") == ["D1", "D3", "D0", "D2", "W"]
    assert names("sort=-amount&status=open") == ["D3", "D2", "D1", "D0"]
    assert names(f"stage={stage('Won').pk}") == ["W"]
    assert names("q=ideal&sort=name") == ["D0", "D1", "D2", "D3"]
    assert names("close_from=2030-02-01&close_to=2030-04-30") == ["D3"]
    assert names(f"account={account.pk}&owner=me&sort=bogus") == ["D3", "D2", "D1", "D0"]
    broken = client.get("/sales/opportunities/?cursor=nonsense")
    assert broken.status_code == 200 and "no longer valid" in broken.content.decode()


def test_the_list_has_an_empty_state_and_a_no_match_row(rep, logged_in):
    client = logged_in(rep)

    empty = client.get("/sales/opportunities/").content.decode()
    deal(rep, "Frota")
    no_match = client.get("/sales/opportunities/?q=zzz").content.decode()

    assert "No opportunities yet." in empty and 'class="empty-state"' in empty
    assert "No opportunity matches these filters." in no_match


# --- a deal's page -------------------------------------------------------------------------


def test_the_deal_page_shows_facts_path_history_contacts_activities_and_custom_values(
    rep, admin_user, logged_in
):
    field_create(
        actor=admin_user,
        values={
            "object_type": "sales.opportunity",
            "key": "fleet_size",
            "label": "Fleet size",
            "field_type": "integer",
        },
    )
    account = account_create(actor=rep, values={"name": "Ideal"})
    ana = contact_create(actor=rep, values={"first_name": "Ana", "job_title": "CFO"})
    frota = deal(
        rep,
        "Frota",
        account=account.pk,
        amount="1000",
        contacts=[{"contact": ana.pk, "role": "economic_buyer"}],
        custom={"fleet_size": 40},
    )
    opportunity_move(actor=rep, opportunity_id=frota.pk, stage_id=stage("Identification").pk)

    response = logged_in(rep).get(f"/sales/opportunities/{frota.pk}/")

    html = response.content.decode()
    assert response.status_code == 200
    assert (
        '<li class="stage-step kind-open is-passed"><span class="stage-step-name">Initiation'
        in (html)
    )
    assert 'is-current" aria-current="step"><span class="stage-step-name">Identification' in html
    assert [(c.from_name, c.to_name) for c in response.context["history"]] == [
        ("", "Initiation"),
        ("Initiation", "Identification"),
    ]
    assert "Economic buyer" in html and "CFO" in html and ">Ana</a>" in html
    assert "Discovery call" in html  # the stage's suggested activity, linked to the deal
    assert 'data-custom-field="fleet_size">40</dd>' in html
    assert "R$1,000.00" in html and "R$200.00" in html  # amount and weighted (20%)
    assert f'href="/sales/opportunities/{frota.pk}/edit/"' in html
    assert f'action="/sales/opportunities/{frota.pk}/move/"' in html


def test_the_deal_page_never_names_records_the_viewer_may_not_see(
    rep, south, make_user, north, logged_in
):
    hidden_account = account_create(actor=south, values={"name": "Conta Secreta"})
    hidden_contact = contact_create(actor=south, values={"first_name": "Zé Secreto"})
    frota = deal(south, "Frota", account=hidden_account.pk)
    frota.contact_roles.create(contact=hidden_contact, role="user")
    Opportunity.objects.filter(pk=frota.pk).update(team=north)  # handed to the north team

    html = logged_in(rep).get(f"/sales/opportunities/{frota.pk}/").content.decode()
    board = logged_in(rep).get("/sales/").content.decode()

    assert "Frota" in html and "Frota" in board
    assert "Conta Secreta" not in html and "Zé Secreto" not in html
    assert "Conta Secreta" not in board
    assert "(an account you cannot see)" in html and "Contacts you cannot see: 1" in html


def test_another_teams_deal_page_is_not_found(rep, south, logged_in):
    theirs = deal(south, "Deles")
    client = logged_in(rep)

    assert client.get(f"/sales/opportunities/{theirs.pk}/").status_code == 404
    assert client.get(f"/sales/opportunities/{theirs.pk}/edit/").status_code == 404


# --- the form ------------------------------------------------------------------------------


def test_the_form_creates_a_deal_with_contacts_roles_and_custom_fields(rep, admin_user, logged_in):
    field_create(
        actor=admin_user,
        values={
            "object_type": "sales.opportunity",
            "key": "fleet_size",
            "label": "Fleet size",
            "field_type": "integer",
        },
    )
    account = account_create(actor=rep, values={"name": "Ideal"})
    ana = contact_create(actor=rep, values={"first_name": "Ana"})
    client = logged_in(rep)

    form = client.get(f"/sales/opportunities/new/?account={account.pk}&contact={ana.pk}")
    html = form.content.decode()
    assert f'<option value="{account.pk}" selected>Ideal</option>' in html
    assert f'<option value="{ana.pk}" selected>Ana</option>' in html
    assert 'name="cf_fleet_size"' in html and 'value="BRL"' in html

    saved = client.post(
        "/sales/opportunities/new/",
        {
            "name": "Frota 2027",
            "account": account.pk,
            "pipeline": default_pipeline().pk,
            "stage": "",
            "amount": "80000",
            "currency": "BRL",
            "expected_close_date": "2030-03-31",
            "probability": "",
            "forecast_category": "pipeline",
            "owner": rep.pk,
            "contacts-TOTAL_FORMS": "2",
            "contacts-INITIAL_FORMS": "0",
            "contacts-0-contact": ana.pk,
            "contacts-0-role": "champion",
            "contacts-1-contact": "",
            "contacts-1-role": "other",
            "cf__shown": "fleet_size",
            "cf_fleet_size": "40",
        },
    )

    frota = Opportunity.objects.get()
    assert saved.status_code == 302 and saved["Location"] == f"/sales/opportunities/{frota.pk}/"
    assert (frota.name, frota.account_id, frota.amount, frota.stage.name) == (
        "Frota 2027",
        account.pk,
        Decimal("80000.00"),
        "Initiation",
    )
    assert (frota.probability, frota.probability_set) == (10, False)
    assert frota.custom == {"fleet_size": 40}
    assert list(frota.contact_roles.values_list("contact_id", "role")) == [(ana.pk, "champion")]


def edit_data(frota, **changes):
    base = {
        "name": frota.name,
        "account": frota.account_id or "",
        "pipeline": frota.pipeline_id,
        "stage": frota.stage_id,
        "amount": str(frota.amount),
        "currency": frota.currency,
        "expected_close_date": frota.expected_close_date or "",
        "probability": "",
        "forecast_category": frota.forecast_category,
        "owner": frota.owner_id,
        "contacts-TOTAL_FORMS": "1",
        "contacts-INITIAL_FORMS": "0",
        "contacts-0-contact": "",
        "contacts-0-role": "other",
    }
    return {**base, **changes}


def test_the_form_puts_service_errors_on_their_fields_and_saves_nothing(rep, logged_in):
    frota = deal(rep, "Frota", amount="10")
    client = logged_in(rep)
    url = f"/sales/opportunities/{frota.pk}/edit/"

    bad_currency = client.post(url, edit_data(frota, currency="XYZ"))
    to_rfp = client.post(url, edit_data(frota, stage=stage("RFP received").pk))

    form = bad_currency.context["form"]
    assert form.errors == {"currency": ["Enter a currency code such as BRL, USD or EUR."]}
    assert to_rfp.context["form"].errors == {
        "account": ["Required to enter the stage “RFP received”."],
        "expected_close_date": ["Required to enter the stage “RFP received”."],
    }
    assert "has-error" in to_rfp.content.decode()
    frota.refresh_from_db()
    assert (frota.currency, frota.stage.name) == ("BRL", "Initiation")


def test_editing_sends_only_what_changed_and_can_hand_the_deal_over(
    rep, make_user, north, logged_in
):
    teammate = make_user("sales-rep", teams=[north], username="tiago")
    frota = deal(rep, "Frota", amount="10", probability=45)
    client = logged_in(rep)

    form = client.get(f"/sales/opportunities/{frota.pk}/edit/")
    assert form.context["form"].initial["probability"] == 45
    saved = client.post(
        f"/sales/opportunities/{frota.pk}/edit/",
        edit_data(frota, name="Frota grande", probability="45"),
    )

    assert saved.status_code == 302
    frota.refresh_from_db()
    assert (frota.name, frota.probability, frota.probability_set) == ("Frota grande", 45, True)
    assert frota.stage.name == "Initiation"

    handed = client.post(
        f"/sales/opportunities/{frota.pk}/edit/", edit_data(frota, owner=teammate.pk)
    )
    assert handed.status_code == 302
    frota.refresh_from_db()
    assert (frota.owner_id, frota.team_id) == (teammate.pk, north.pk)


def test_a_rep_without_rights_cannot_open_the_form(make_user, logged_in):
    marketer = make_user("marketing")

    assert logged_in(marketer).get("/sales/opportunities/new/").status_code == 403


def test_delete_asks_for_confirmation_then_deletes(make_user, north, logged_in):
    manager = make_user("sales-manager", teams=[north])
    frota = deal(manager, "Frota")
    client = logged_in(manager)

    confirm = client.get(f"/sales/opportunities/{frota.pk}/delete/")
    deleted = client.post(f"/sales/opportunities/{frota.pk}/delete/")

    assert "Yes, delete" in confirm.content.decode() and "Frota" in confirm.content.decode()
    assert deleted.status_code == 302 and deleted["Location"] == "/sales/opportunities/"
    assert not Opportunity.objects.filter(pk=frota.pk).exists()


def test_a_rep_may_not_delete(rep, logged_in):
    frota = deal(rep, "Frota")

    response = logged_in(rep).post(f"/sales/opportunities/{frota.pk}/delete/")

    assert response.status_code == 403
    assert Opportunity.objects.filter(pk=frota.pk).exists()


# --- pipeline settings ---------------------------------------------------------------------


def stage_rows(rows: list[dict], guidance: dict[int, list[dict]] | None = None) -> dict:
    data = {"stages-TOTAL_FORMS": str(len(rows)), "stages-INITIAL_FORMS": "0"}
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"stages-{i}-{key}"] = value
        items = (guidance or {}).get(i, [])
        data[f"stages-{i}-guidance-TOTAL_FORMS"] = str(len(items))
        data[f"stages-{i}-guidance-INITIAL_FORMS"] = "0"
        for j, item in enumerate(items):
            for key, value in item.items():
                data[f"stages-{i}-guidance-{j}-{key}"] = value
    return data


def test_an_administrator_creates_edits_and_deletes_a_pipeline(admin_user, logged_in):
    client = logged_in(admin_user)
    assert "Add a stage" in client.get("/sales/pipelines/new/").content.decode()

    created = client.post(
        "/sales/pipelines/new/",
        {
            "name": "Renewals",
            "active": "on",
            **stage_rows(
                [
                    {"name": "Due", "probability": "40", "kind": "open", "ORDER": "2"},
                    {
                        "name": "Talking",
                        "probability": "60",
                        "kind": "open",
                        "rotting_days": "7",
                        "required_fields": ["amount", "account"],
                        "ORDER": "1",
                    },
                    {"name": "Renewed", "probability": "100", "kind": "won", "ORDER": "3"},
                    {"name": "Dropped", "probability": "0", "kind": "lost", "DELETE": "on"},
                ],
                {1: [{"kind": "call", "subject": "Call the buyer", "due_days": "2"}]},
            ),
        },
    )

    assert created.status_code == 302 and created["Location"] == "/sales/pipelines/"
    renewals = Pipeline.objects.get(name="Renewals")
    stages = list(renewals.stages.values_list("name", "probability", "kind", "rotting_days"))
    assert stages == [
        ("Talking", 60, "open", 7),
        ("Due", 40, "open", None),
        ("Renewed", 100, "won", None),
    ]
    talking = renewals.stages.get(name="Talking")
    assert talking.required_fields == ["account", "amount"]
    assert talking.guidance == [{"kind": "call", "subject": "Call the buyer", "due_days": 2}]
    listing = client.get("/sales/pipelines/").content.decode()
    assert "Talking → Due → Renewed" in listing

    page = client.get(f"/sales/pipelines/{renewals.pk}/")
    edit = page.context["stages"]
    assert [f.initial["name"] for f in edit.initial_forms] == ["Talking", "Due", "Renewed"]
    ids = [f.initial["id"] for f in edit.initial_forms]
    changed = client.post(
        f"/sales/pipelines/{renewals.pk}/",
        {
            "name": "Renovações",
            "active": "on",
            **stage_rows(
                [
                    {"id": ids[0], "name": "Negotiating", "probability": "60", "kind": "open"},
                    {"id": ids[1], "name": "Due", "probability": "40", "kind": "open"},
                    {"id": ids[2], "name": "Renewed", "probability": "100", "kind": "won"},
                ],
                {0: [{"kind": "call", "subject": "", "due_days": "2"}]},
            ),
        },
    )
    assert changed.status_code == 302
    renewals.refresh_from_db()
    assert renewals.name == "Renovações"
    negotiating = renewals.stages.get(pk=ids[0])
    assert (negotiating.name, negotiating.guidance) == ("Negotiating", [])  # cleared subject

    confirm = client.get(f"/sales/pipelines/{renewals.pk}/delete/")
    assert "Yes, delete" in confirm.content.decode()
    deleted = client.post(f"/sales/pipelines/{renewals.pk}/delete/")
    assert deleted.status_code == 302
    assert not Pipeline.objects.filter(pk=renewals.pk).exists()


def test_pipeline_errors_are_shown_on_their_rows(admin_user, rep, logged_in):
    client = logged_in(admin_user)
    sales = default_pipeline()
    deal(rep, "Frota")

    duplicate = client.post(
        "/sales/pipelines/new/",
        {
            "name": "Dup",
            **stage_rows(
                [
                    {"name": "A", "probability": "10", "kind": "won"},
                    {"name": "B", "probability": "10", "kind": "lost"},
                ],
                {0: [{"kind": "call", "subject": "x" * 5, "due_days": "400"}]},
            ),
        },
    )
    assert duplicate.status_code == 200
    assert duplicate.context["stages"].forms[0].guidance.forms[0].errors == {
        "due_days": ["Ensure this value is less than or equal to 365."]
    }
    no_open = client.post(
        "/sales/pipelines/new/",
        {
            "name": "Closed only",
            **stage_rows(
                [
                    {"name": "A", "probability": "10", "kind": "won"},
                    {"name": "B", "probability": "10", "kind": "lost"},
                ]
            ),
        },
    )
    assert "A pipeline needs at least one open stage." in no_open.content.decode()
    assert not Pipeline.objects.filter(name__in=["Dup", "Closed only"]).exists()

    stages = list(sales.stages.order_by("position"))
    kept = [
        {"id": s.pk, "name": s.name, "probability": s.probability, "kind": s.kind}
        for s in stages[1:]
    ]
    removing = client.post(
        f"/sales/pipelines/{sales.pk}/",
        {"name": sales.name, "is_default": "on", "active": "on", **stage_rows(kept)},
    )
    assert (
        "Opportunities are in the stage “Initiation”; move them first." in removing.content.decode()
    )
    assert sales.stages.filter(name="Initiation").exists()

    refused = client.post(f"/sales/pipelines/{sales.pk}/delete/")
    assert refused.status_code == 302 and refused["Location"] == f"/sales/pipelines/{sales.pk}/"
    page = client.get(refused["Location"]).content.decode()
    assert "The default pipeline cannot be deleted." in page
    assert Pipeline.objects.filter(pk=sales.pk).exists()


def test_a_rep_cannot_open_pipeline_settings_and_a_manager_only_reads(
    rep, make_user, north, logged_in
):
    manager = make_user("sales-manager", teams=[north])
    sales = default_pipeline()
    client = logged_in(rep)

    assert client.get("/sales/pipelines/").status_code == 403
    assert client.get(f"/sales/pipelines/{sales.pk}/").status_code == 403
    refused = client.post(f"/sales/pipelines/{sales.pk}/", {"name": "Hacked"})
    assert refused.status_code == 403
    assert client.post(f"/sales/pipelines/{sales.pk}/delete/").status_code == 403
    sales.refresh_from_db()
    assert sales.name == "Sales"

    reading = logged_in(manager).get("/sales/pipelines/")
    assert reading.status_code == 200
    assert "Initiation → Identification" in reading.content.decode()
    assert f'href="/sales/pipelines/{sales.pk}/"' not in reading.content.decode()
    assert logged_in(manager).get("/sales/pipelines/new/").status_code == 403


# --- the deals panel on customer pages -----------------------------------------------------


def test_the_account_page_shows_open_pipeline_won_revenue_and_latest_deals(rep, logged_in):
    account = account_create(actor=rep, values={"name": "Ideal"})
    deal(rep, "Frota", account=account.pk, amount="100")
    deal(rep, "Vans", account=account.pk, amount="250.50")
    won = deal(rep, "Motos", account=account.pk, amount="7")
    opportunity_move(actor=rep, opportunity_id=won.pk, stage_id=stage("Won").pk)

    html = logged_in(rep).get(f"/accounts/{account.pk}/").content.decode()

    panel = html[html.index('class="panel deals-panel"') :]
    panel = panel[: panel.index("</section>")]
    assert "Open pipeline" in panel and "R$350.50" in panel and "open deals: 2" in panel
    assert "Won revenue" in panel and "R$7.00" in panel
    assert ">Frota</a>" in panel and ">Motos</a>" in panel
    assert f'href="/sales/opportunities/new/?account={account.pk}"' in panel


def test_the_contact_page_lists_the_contacts_deals(rep, make_user, logged_in):
    account = account_create(actor=rep, values={"name": "Ideal"})
    ana = contact_create(actor=rep, values={"first_name": "Ana", "account": account.pk})
    deal(rep, "Frota", contacts=[{"contact": ana.pk, "role": "champion"}])
    deal(rep, "Outra")

    html = logged_in(rep).get(f"/contacts/{ana.pk}/").content.decode()
    without = logged_in(make_user("service-agent")).get(f"/contacts/{ana.pk}/").content.decode()

    assert ">Frota</a>" in html and ">Outra</a>" not in html
    assert f"/sales/opportunities/new/?account={account.pk}&amp;contact={ana.pk}" in html
    assert "deals-panel" not in without  # no right to see deals: no panel


def test_an_activity_planned_from_the_deal_page_is_linked_to_the_deal(rep, south, logged_in):
    account = account_create(actor=rep, values={"name": "Transportes Ideal"})
    made = deal(rep, "Frota", account=account.pk)
    client = logged_in(rep)
    page = client.get(f"/sales/opportunities/{made.pk}/").content.decode()
    link = re.search(r'href="(/activities/new/\?[^"]+)">Plan an activity', page)
    assert link, "the deal page offers to plan an activity"
    url = link.group(1).replace("&amp;", "&")
    assert f"link_id={made.pk}" in url and f"account={account.pk}" in url

    form = client.get(url).content.decode()
    assert 'name="link_type" value="sales.opportunity"' in form
    assert f'href="/sales/opportunities/{made.pk}/">Frota</a>' in form  # "For Frota"
    fields = {
        "kind": "task",
        "subject": "Call about the fleet",
        "status": "planned",
        "due_at": "2030-01-10T09:00",
        "account": str(account.pk),
        "link_type": "sales.opportunity",
        "link_id": str(made.pk),
    }
    response = client.post("/activities/new/", fields)
    assert response.status_code == 302
    planned = Activity.objects.get(subject="Call about the fleet")
    assert (planned.link_type, planned.link_id, planned.account_id) == (
        "sales.opportunity",
        made.pk,
        account.pk,
    )
    assert "Call about the fleet" in client.get(f"/sales/opportunities/{made.pk}/").content.decode()
    shown = client.get(response["Location"]).content.decode()
    assert f'href="/sales/opportunities/{made.pk}/">Frota</a>' in shown

    # a deal the actor cannot see (a tampered form: "not found", as any hidden record), or a
    # type nobody registered (the form again, with the error): nothing written
    hidden = deal(south, "Someone else's")
    refused = client.post("/activities/new/", {**fields, "subject": "Sneaky", "link_id": hidden.pk})
    assert refused.status_code == 404 and "Someone else" not in refused.content.decode()
    unknown = client.post("/activities/new/", {**fields, "subject": "Odd", "link_type": "x.y"})
    assert "Unknown record type." in unknown.content.decode()
    assert not Activity.objects.filter(subject__in=["Sneaky", "Odd"]).exists()


def test_the_deal_page_offers_no_planning_to_those_who_may_not_create_activities(
    rep, make_user, logged_in
):
    from clientela.platform.models import Role, RolePermission

    made = deal(rep, "Frota")
    role = Role.objects.create(name="Deal reader", slug="deal-reader")
    for key in ("sales.opportunity", "activities.activity"):
        RolePermission.objects.create(role=role, object_type=key, can_view=True, scope="all")
    reader = make_user("sales-rep")
    reader.role = role
    reader.save(update_fields=["role"])
    page = logged_in(reader).get(f"/sales/opportunities/{made.pk}/")
    assert page.status_code == 200 and "Frota" in page.content.decode()
    assert "Plan an activity" not in page.content.decode()
    assert (
        "Plan an activity"
        in logged_in(rep).get(f"/sales/opportunities/{made.pk}/").content.decode()
    )
