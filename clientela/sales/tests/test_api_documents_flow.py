"""The sales API from quote to order, and the figures over deals: a deal quoted, revised, sent
over real SMTP (and refused by a real server that will not take it), printed to PDF; the order
the customer's acceptance makes, moved through its lifecycle with delivery steps; forecasts
against quotas and sales metrics over the days of the caller's time zone."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from email import message_from_bytes, policy
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from clientela.conftest import free_port
from clientela.customers.services import account_create, contact_create
from clientela.platform.models import AuditEntry
from clientela.sales.catalog import opportunity_set_lines, tax_save
from clientela.sales.currency import rates_save
from clientela.sales.models import (
    DeliveryEvent,
    Opportunity,
    Quota,
    Quote,
    SalesOrder,
    StageChange,
)
from clientela.sales.services import default_pipeline, opportunity_create, opportunity_move
from clientela.sales.tests.test_api_documents import conforms, refused

QUOTE = "/api/v1/quotes/{quote_id}"
ORDER = "/api/v1/orders/{order_id}"


@pytest.fixture
def north(make_team):
    return make_team("North")


@pytest.fixture
def rep(make_user, north):
    return make_user("sales-rep", teams=[north], time_zone="Asia/Tokyo")


@pytest.fixture
def stranger(make_user, make_team):
    return make_user("sales-rep", teams=[make_team("South")])


@pytest.fixture
def deal(rep, admin_user):
    """A deal with a buyer who has an e-mail address, and two lines (one with a 5% tax)."""
    account = account_create(actor=rep, values={"name": "Transportes Ideal"})
    buyer = contact_create(
        actor=rep,
        values={"first_name": "Bia", "email": "bia@ideal.example", "account": account.pk},
    )
    made = opportunity_create(
        actor=rep,
        values={
            "name": "Frota 2027",
            "account": account.pk,
            "contacts": [{"contact": buyer.pk, "role": "decision_maker"}],
        },
    )
    iss = tax_save(actor=admin_user, values={"name": "ISS", "rate": "5"})
    lines = [
        {"description": "Rastreador", "quantity": 10, "unit_price": "1234.50", "tax": iss.pk},
        {"description": "Instalação", "quantity": 1, "unit_price": "500"},
    ]
    opportunity_set_lines(actor=rep, opportunity_id=made.pk, lines=lines)
    return made


def figures(body: dict[str, Any]) -> tuple[str, str, str]:
    return body["net_amount"], body["tax_amount"], body["total_amount"]


def sent_link(smtp_server) -> str:
    message = message_from_bytes(smtp_server.messages[-1].as_bytes(), policy=policy.default)
    body = message.get_body(preferencelist=("plain",)).get_content()
    return re.search(r"http://testserver(/q/\S+)", body).group(1)


# --- quotes --------------------------------------------------------------------------------


def test_a_deal_is_quoted_revised_listed_and_printed(rep, deal, api_as):
    api = api_as(rep)

    created = api.post(
        f"/api/v1/opportunities/{deal.pk}/quotes",
        {
            "discount_percent": 10,
            "valid_until": "2027-01-31",
            "terms": "30 dias",
            "language": "pt-br",
        },
    )

    body = conforms(api, created, "/api/v1/opportunities/{opportunity_id}/quotes", "post", 201)
    assert (body["number"], body["version"], body["status"]) == ("Q-2026-0001", 1, "draft")
    assert (body["valid_until"], body["terms"], body["language"]) == (
        "2027-01-31",
        "30 dias",
        "pt-br",
    )
    # 12,345.00 and 500.00 less 10%: 11,110.50 + 5% tax (555.525 → 555.53), and 450.00
    assert (body["discount_percent"], body["currency"]) == ("10.00", "BRL")
    assert figures(body) == ("11560.50", "555.53", "12116.03")
    assert [(x["description"], x["quantity"], *figures(x)) for x in body["lines"]] == [
        ("Rastreador", "10.000", "11110.50", "555.53", "11666.03"),
        ("Instalação", "1.000", "450.00", "0.00", "450.00"),
    ]
    assert (body["pix_payload"], body["created_by_id"], body["sent_at"]) == ("", rep.pk, None)
    assert conforms(api, api.get(f"/api/v1/quotes/{body['id']}"), QUOTE) == body

    opportunity_set_lines(
        actor=rep, opportunity_id=deal.pk, lines=[{"description": "Rastreador", "unit_price": 99}]
    )
    revised = api.post(f"/api/v1/quotes/{body['id']}/revise", {"discount_percent": 0})

    second = conforms(api, revised, QUOTE + "/revise", "post", 201)
    assert (second["number"], second["version"], second["terms"]) == ("Q-2026-0001", 2, "30 dias")
    assert figures(second) == ("99.00", "0.00", "99.00")
    listed = api.get(f"/api/v1/opportunities/{deal.pk}/quotes")
    listed = conforms(api, listed, "/api/v1/opportunities/{opportunity_id}/quotes")
    assert [(q["version"], q["status"]) for q in listed] == [(2, "draft"), (1, "superseded")]
    again = api.post(f"/api/v1/quotes/{body['id']}/revise", {})
    assert refused(again, 409) == {} and again.json()["code"] == "conflict"

    pdf = api.get(f"/api/v1/quotes/{second['id']}/pdf")

    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"] == 'attachment; filename="Q-2026-0001-v2.pdf"'
    assert pdf["X-Content-Type-Options"] == "nosniff"
    assert pdf.content.startswith(b"%PDF-")
    assert Quote.objects.count() == 2


def test_bad_quotes_are_refused_and_nothing_is_written(rep, deal, api_as):
    api = api_as(rep)
    empty = opportunity_create(actor=rep, values={"name": "Sem linhas"})
    path = f"/api/v1/opportunities/{deal.pk}/quotes"
    before = Quote.objects.count(), AuditEntry.objects.count()

    by_service = [
        (api.post(path, {"valid_until": "2026-01-01"}), {"valid_until"}),
        (api.post(path, {"discount_percent": "101"}), {"discount_percent"}),
        (api.post(path, {"language": "fr"}), {"language"}),
        (api.post(f"/api/v1/opportunities/{empty.pk}/quotes", {}), {"lines"}),
    ]
    for payload in (
        {"valid_until": "9999-12-31"},  # beyond any day a quote can be valid to
        {"valid_until": "2027-02-30"},
        {"discount_percent": True},
        {"terms": "a" * 20_001},
        {"language": ["en"]},
    ):
        assert refused(api.post(path, payload)), payload

    for answer, keys in by_service:
        assert set(refused(answer)) == keys
    assert (Quote.objects.count(), AuditEntry.objects.count()) == before


def test_another_teams_quotes_answer_404_and_are_untouched(rep, stranger, deal, make_user, api_as):
    quote = api_as(rep).post(f"/api/v1/opportunities/{deal.pk}/quotes", {}).json()
    api, agent = api_as(stranger), api_as(make_user("service-agent"))
    read_only = api_as(rep, read_only=True)
    path = f"/api/v1/quotes/{quote['id']}"

    answers = [
        caller.get(p)
        for caller in (api, agent)
        for p in (path, f"{path}/pdf", f"/api/v1/opportunities/{deal.pk}/quotes")
    ]
    answers += [
        api.post(f"/api/v1/opportunities/{deal.pk}/quotes", {}),
        api.post(f"{path}/revise", {}),
        api.post(f"{path}/send", {"to": "x@example.com"}),
        api.get(f"/api/v1/opportunities/{deal.pk}/lines"),
    ]

    assert [a.status_code for a in answers] == [404] * 10
    assert {a.json()["code"] for a in answers} == {"not_found"}
    assert read_only.post(f"/api/v1/opportunities/{deal.pk}/quotes", {}).status_code == 403
    assert list(Quote.objects.values_list("version", "status")) == [(1, "draft")]


def test_a_quote_goes_out_over_smtp_with_its_pdf(rep, deal, api_as, smtp_server):
    api = api_as(rep)
    quote = api.post(f"/api/v1/opportunities/{deal.pk}/quotes", {"language": "pt-br"}).json()
    nowhere = api.post(f"/api/v1/quotes/{quote['id']}/send", {"to": "not an address"})
    assert list(refused(nowhere)) == ["to"]
    assert smtp_server.messages == []

    sent = api.post(f"/api/v1/quotes/{quote['id']}/send", {"message": "Segue a proposta."})

    body = conforms(api, sent, QUOTE + "/send", "post", 200)
    assert body["status"] == "sent" and body["sent_at"] is not None
    message = message_from_bytes(smtp_server.messages[-1].as_bytes(), policy=policy.default)
    assert message["To"] == "bia@ideal.example"
    assert "Proposta" in message["Subject"] and "Q-2026-0001" in message["Subject"]
    assert "Segue a proposta." in message.get_body(preferencelist=("plain",)).get_content()
    attachment = next(message.iter_attachments())
    assert attachment.get_filename() == "Q-2026-0001-v1.pdf"
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content().startswith(b"%PDF-")
    assert sent_link(smtp_server).startswith(f"/q/{quote['id']}/")

    again = api.post(f"/api/v1/quotes/{quote['id']}/send", {"to": "compras@ideal.example"})
    assert again.status_code == 200
    assert [m["To"] for m in smtp_server.messages] == ["bia@ideal.example", "compras@ideal.example"]


@pytest.fixture
def refusing_smtp(settings):
    """A real SMTP server on loopback that refuses every recipient (550)."""
    from aiosmtpd.controller import Controller

    class Refuse:
        async def handle_RCPT(self, server, session, envelope, address, options):  # noqa: N802
            return "550 5.1.1 No such mailbox here"

    port = free_port()
    controller = Controller(Refuse(), hostname="127.0.0.1", port=port)
    controller.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 10},
        }
    }
    try:
        yield port
    finally:
        controller.stop()


def test_a_quote_the_mail_server_refuses_answers_409_and_stays_a_draft(
    rep, deal, api_as, refusing_smtp
):
    api = api_as(rep)
    quote = api.post(f"/api/v1/opportunities/{deal.pk}/quotes", {}).json()
    before = AuditEntry.objects.count()

    answer = api.post(f"/api/v1/quotes/{quote['id']}/send", {})

    refused(answer, 409)
    assert "refused the address bia@ideal.example" in answer.json()["title"]
    assert Quote.objects.get(pk=quote["id"]).status == "draft"
    assert AuditEntry.objects.count() == before


# --- orders --------------------------------------------------------------------------------


@pytest.fixture
def order(rep, deal, api_as, smtp_server):
    """The order the customer's acceptance made, through the link of the quote's e-mail."""
    api = api_as(rep)
    quote = api.post(f"/api/v1/opportunities/{deal.pk}/quotes", {}).json()
    api.post(f"/api/v1/quotes/{quote['id']}/send", {})
    Client().post(sent_link(smtp_server), {"answer": "accept"})
    return SalesOrder.objects.get()


def test_an_order_moves_through_its_lifecycle_with_delivery_steps(rep, deal, order, api_as):
    api = api_as(rep)
    path = f"/api/v1/orders/{order.pk}"
    listed = conforms(api, api.get("/api/v1/orders"), "/api/v1/orders")["items"]
    assert [(o["number"], o["status"], *figures(o)) for o in listed] == [
        ("SO-2026-0001", "draft", "12845.00", "617.25", "13462.25")
    ]
    for params, expected in (
        ({"status": "draft"}, [order.pk]),
        ({"status": "shipped"}, []),
        ({"account": deal.account_id}, [order.pk]),
        ({"opportunity": deal.pk}, [order.pk]),
        ({"opportunity": deal.pk + 1}, []),
    ):
        assert [o["id"] for o in api.get("/api/v1/orders", params).json()["items"]] == expected
    detail = conforms(api, api.get(f"/api/v1/orders/{order.pk}"), ORDER)
    assert (detail["opportunity_id"], detail["owner_id"], detail["deliveries"]) == (
        deal.pk,
        rep.pk,
        [],
    )
    assert [(x["description"], x["unit_price"], *figures(x)) for x in detail["lines"]] == [
        ("Rastreador", "1234.5000", "12345.00", "617.25", "12962.25"),
        ("Instalação", "500.0000", "500.00", "0.00", "500.00"),
    ]
    assert refused(api.post(f"{path}/status", {"status": "delivered"}), 409) == {}
    assert refused(api.post(f"{path}/deliveries", {"status": "in transit"}), 409) == {}

    confirmed = api.post(f"/api/v1/orders/{order.pk}/status", {"status": "confirmed"})
    body = conforms(api, confirmed, ORDER + "/status", "post", 200)
    assert body["status"] == "confirmed" and body["confirmed_at"] is not None
    step = api.post(
        f"/api/v1/orders/{order.pk}/deliveries",
        {"status": "in transit", "location": "Recife, PE", "at": "2026-12-01T10:00:00"},
    )
    step = conforms(api, step, ORDER + "/deliveries", "post", 201)
    # a time without offset is the rep's (Tokyo, UTC+9)
    assert (step["at"], step["location"], step["recorded_by_id"]) == (
        "2026-12-01T01:00:00Z",
        "Recife, PE",
        rep.pk,
    )
    shipped = api.post(
        f"{path}/status",
        {"status": "shipped", "carrier": "Correios", "tracking_number": "AA123456789BR"},
    ).json()
    assert (shipped["carrier"], shipped["tracking_number"]) == ("Correios", "AA123456789BR")
    assert refused(api.post(f"{path}/status", {"status": "cancelled"}), 409) == {}
    delivered = api.post(f"{path}/status", {"status": "delivered"}).json()

    assert delivered["status"] == "delivered" and delivered["delivered_at"] is not None
    assert [d["status"] for d in delivered["deliveries"]] == [
        "in transit",
        "confirmed",
        "shipped",
        "delivered",
    ]
    assert api.get("/api/v1/orders", {"status": "delivered"}).json()["items"][0]["id"] == order.pk


def test_bad_order_input_and_other_teams_change_nothing(rep, stranger, order, api_as):
    api, theirs = api_as(rep), api_as(stranger)
    path = f"/api/v1/orders/{order.pk}"
    api.post(f"{path}/status", {"status": "confirmed"})
    before = DeliveryEvent.objects.count(), AuditEntry.objects.count()

    by_service = [
        (api.post(f"{path}/status", {"status": "lost"}), {"status"}),
        (
            api.post(f"{path}/deliveries", {"status": " ", "at": "2999-01-01T00:00:00"}),
            {"status", "at"},
        ),
    ]
    for payload in ({"status": 3}, {"status": "shipped", "carrier": "x" * 101}, {"carrier": "X"}):
        assert refused(api.post(f"{path}/status", payload)), payload
    for payload in ({"status": "ok", "at": "yesterday"}, {"status": "x" * 61}, {"at": None}):
        assert refused(api.post(f"{path}/deliveries", payload)), payload
    outsiders = [
        theirs.get(path),
        theirs.post(f"{path}/status", {"status": "cancelled"}),
        theirs.post(f"{path}/deliveries", {"status": "lost"}),
    ]

    for answer, keys in by_service:
        assert set(refused(answer)) == keys
    assert [a.status_code for a in outsiders] == [404, 404, 404]
    assert theirs.get("/api/v1/orders").json()["items"] == []
    assert refused(api.get("/api/v1/orders", {"status": "lost"}))
    assert refused(api.get("/api/v1/orders", {"account": 2**70}))
    assert refused(api.get("/api/v1/orders", {"cursor": "nonsense"}))
    assert (DeliveryEvent.objects.count(), AuditEntry.objects.count()) == before
    assert SalesOrder.objects.get().status == "confirmed"


# --- forecasts -----------------------------------------------------------------------------


def stage(name: str):
    return default_pipeline().stages.get(name=name)


def open_deal(owner, amount: str, category: str, currency: str = "BRL") -> Opportunity:
    values = {"name": category, "amount": amount, "currency": currency, "probability": 50}
    values |= {"forecast_category": category, "expected_close_date": "2026-12-20"}
    return opportunity_create(actor=owner, values=values)


def won_deal(owner, amount: str, closed: dt.datetime) -> Opportunity:
    made = open_deal(owner, amount, "pipeline")
    opportunity_move(actor=owner, opportunity_id=made.pk, stage_id=stage("Won").pk)
    Opportunity.objects.filter(pk=made.pk).update(closed_at=closed)
    return made


def moment(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(15), timezone.get_current_timezone())


ROW = ("closed_won", "commit", "best_case", "pipeline", "weighted", "quota", "attainment")


def row(answer: dict[str, Any]) -> str:
    """A forecast row's figures in ROW's order, on one line."""
    return " ".join(str(answer[name]) for name in ROW)


def test_the_forecast_adds_up_per_owner_team_and_company(rep, stranger, make_user, north, api_as):
    bia = make_user("sales-rep", teams=[north], first_name="Bia", last_name="Lima")
    won_deal(rep, "1000", moment(dt.date(2026, 12, 2)))
    won_deal(rep, "999", moment(dt.date(2026, 9, 20)))  # another quarter
    open_deal(rep, "300", "commit")
    open_deal(rep, "200", "best_case")
    open_deal(rep, "100", "pipeline")
    open_deal(rep, "100", "commit", currency="USD")  # at 5: 500
    open_deal(rep, "100", "commit", currency="JPY")  # no rate: left out, named
    open_deal(bia, "400", "commit")
    open_deal(stranger, "9999", "commit")  # another team's: not in the rep's sight
    rates_save(
        actor=make_user("administrator"),
        items=[{"currency": "USD", "day": "2020-01-01", "rate": "5"}],
    )
    Quota.objects.create(user=rep, month=dt.date(2026, 12, 1), amount=Decimal("4000"))
    api = api_as(rep)

    answer = api.get("/api/v1/forecast", {"date": "2026-12-15"})

    body = conforms(api, answer, "/api/v1/forecast")
    period = [body[k] for k in ("period", "start", "end", "group", "currency")]
    assert period == ["month", "2026-12-01", "2026-12-31", "owner", "BRL"]
    rows = {answer["key"]: answer for answer in body["rows"]}
    assert list(rows) == sorted([rep.pk, bia.pk])
    # commit: won + 300 + USD 100 at 5; pipeline: 300 + 200 + 100 + 500; weighted: half of it
    assert row(rows[rep.pk]) == "1000.00 1800.00 2000.00 1100.00 550.00 4000.00 0.25"
    assert (rows[rep.pk]["unconverted"], rows[bia.pk]["name"]) == (["JPY"], "Bia Lima")
    assert row(rows[bia.pk]) == "0.00 400.00 400.00 400.00 200.00 None None"
    company = "1000.00 2200.00 2400.00 1500.00 750.00 4000.00 0.25"
    assert row(body["total"]) == company
    assert (body["total"]["key"], body["unconverted"]) == (None, ["JPY"])
    team = api.get("/api/v1/forecast", {"date": "2026-12-15", "group": "team"}).json()
    assert [(r["key"], r["name"], r["commit"], r["quota"]) for r in team["rows"]] == [
        (north.pk, "North", "2200.00", "4000.00")
    ]
    whole = api.get("/api/v1/forecast", {"date": "2026-12-15", "group": "company"}).json()
    assert [row(answer) for answer in whole["rows"]] == [company]
    quarter = api.get("/api/v1/forecast", {"period": "quarter", "date": "2026-11-01"}).json()
    assert (quarter["start"], quarter["end"], quarter["total"]["commit"]) == (
        "2026-10-01",
        "2026-12-31",
        "2200.00",
    )
    for bad in (
        {"period": "week"},
        {"group": "region"},
        {"date": "2026-02-30"},
        {"date": "9999-12-31"},
    ):
        refused(api.get("/api/v1/forecast", bad))
    assert refused(api_as(make_user("service-agent")).get("/api/v1/forecast"), 403) == {}


def test_another_teams_quota_stays_out_of_a_reps_forecast(rep, stranger, api_as):
    Quota.objects.create(user=stranger, month=dt.date(2026, 12, 1), amount=Decimal("777"))
    body = api_as(rep).get("/api/v1/forecast", {"date": "2026-12-15"}).json()
    assert body["rows"] == [] and body["total"]["quota"] is None


def test_the_history_lists_every_month_and_forecasts_once_there_is_enough(rep, make_user, api_as):
    api = api_as(rep)
    won_deal(rep, "100", moment(dt.date(2026, 9, 10)))
    won_deal(rep, "50", moment(dt.date(2026, 9, 29)))
    won_deal(rep, "70", moment(dt.date(2026, 11, 1)))
    won_deal(rep, "5000", moment(dt.date(2026, 12, 1)))  # this month: not history yet

    short = api.get("/api/v1/forecast/history", {"months": 4})

    body = conforms(api, short, "/api/v1/forecast/history")
    assert body == {
        "currency": "BRL",
        "history": [
            {"month": "2026-08-01", "won": "0.00"},
            {"month": "2026-09-01", "won": "150.00"},
            {"month": "2026-10-01", "won": "0.00"},
            {"month": "2026-11-01", "won": "70.00"},
        ],
        "statistical": None,  # too little history
    }
    for month in range(1, 9):
        won_deal(rep, str(1000 + 100 * month), moment(dt.date(2026, month, 15)))
    full = api.get("/api/v1/forecast/history").json()
    assert len(full["history"]) == 24 and full["history"][-1]["month"] == "2026-11-01"
    ahead = full["statistical"]
    assert [m["month"] for m in ahead] == ["2026-12-01", "2027-01-01", "2027-02-01"]
    assert all(Decimal(m["won"]) >= 0 for m in ahead)
    for bad in ({"months": 0}, {"months": 121}, {"months": "two"}):
        refused(api.get("/api/v1/forecast/history", bad))
    assert refused(api_as(make_user("service-agent")).get("/api/v1/forecast/history"), 403) == {}


# --- sales metrics -------------------------------------------------------------------------

T0 = dt.datetime(2026, 1, 1, 12, tzinfo=dt.UTC)


def history_deal(actor, *, days: int, outcome: str | None, amount: str = "1000", reason: str = ""):
    """Created at T0, Initiation → Identification after 2 days → outcome after ``days``."""
    made = opportunity_create(actor=actor, values={"name": "d", "amount": amount})
    opportunity_move(actor=actor, opportunity_id=made.pk, stage_id=stage("Identification").pk)
    if outcome:
        values = {"lost_reason": reason} if outcome == "Lost" else {}
        opportunity_move(
            actor=actor, opportunity_id=made.pk, stage_id=stage(outcome).pk, values=values
        )
    closed = T0 + dt.timedelta(days=days) if outcome else None
    Opportunity.objects.filter(pk=made.pk).update(created_at=T0, closed_at=closed)
    moments = [T0, T0 + dt.timedelta(days=2), closed]
    changes = StageChange.objects.filter(opportunity=made).order_by("id")
    for change, at, left in zip(changes, moments, [*moments[1:], None], strict=False):
        StageChange.objects.filter(pk=change.pk).update(at=at, left_at=left, deal_created_at=T0)
    return made


def test_sales_metrics_over_a_period(rep, api_as):
    for days in (10, 20, 30, 40):
        history_deal(rep, days=days, outcome="Won")
    for days, reason in ((5, "price"), (7, "price"), (9, "timing")):
        history_deal(rep, days=days, outcome="Lost", reason=reason)
    history_deal(rep, days=0, outcome=None, amount="500")
    history_deal(rep, days=0, outcome=None, amount="700")
    api = api_as(rep)

    answer = api.get("/api/v1/sales-metrics", {"start": "2026-01-01", "end": "2026-12-31"})

    body = conforms(api, answer, "/api/v1/sales-metrics")
    assert (body["start"], body["end"], body["time_zone"]) == (
        "2026-01-01",
        "2026-12-31",
        "Asia/Tokyo",
    )
    assert body["pipeline_id"] == default_pipeline().pk
    summary = body["summary"]
    assert (summary["won"], summary["lost"], summary["won_amount"]) == (4, 3, "4000.00")
    assert summary["close_rate"] == pytest.approx(4 / 7)
    assert summary["cycle"] == {"won": 4, "median_days": 25.0, "mean_days": 25.0}
    assert (summary["open_deals"], summary["open_amount"], summary["velocity"]) == (
        2,
        "1200.00",
        "45.71",  # 2 open * 1,000 average * 4/7 / 25 days
    )
    assert body["loss_reasons"] == [
        {"reason": "price", "label": "Price", "deals": 2},
        {"reason": "timing", "label": "Timing", "deals": 1},
    ]
    times = {t["name"]: (t["deals"], t["mean_days"]) for t in body["time_in_stages"]}
    assert times["Initiation"] == (9, 2.0)
    assert times["Identification"] == (7, pytest.approx((8 + 18 + 28 + 38 + 3 + 5 + 7) / 7))
    assert [(s["name"], s["deals"]) for s in body["funnel"]] == [
        ("Initiation", 9),
        ("Identification", 9),
        ("Qualification", 0),
        ("RFP received", 0),
        ("Quote sent", 0),
        ("Won", 4),
        ("Lost", 3),
    ]
    later = api.get("/api/v1/sales-metrics", {"start": "2027-01-01", "end": "2027-03-31"}).json()
    assert (later["summary"]["won"], later["summary"]["close_rate"]) == (0, None)


def test_metrics_read_days_in_the_callers_time_zone(rep, north, make_user, api_as):
    # won at 2026-03-01 02:00 UTC: still February in São Paulo, March in UTC (and Tokyo)
    made = history_deal(rep, days=0, outcome="Won")
    Opportunity.objects.filter(pk=made.pk).update(
        closed_at=dt.datetime(2026, 3, 1, 2, tzinfo=dt.UTC)
    )
    paulista = make_user("sales-rep", teams=[north], time_zone="America/Sao_Paulo")
    february = {"start": "2026-02-01", "end": "2026-02-28"}

    in_brazil = api_as(paulista).get("/api/v1/sales-metrics", february).json()
    in_tokyo = api_as(rep).get("/api/v1/sales-metrics", february).json()

    assert (in_brazil["summary"]["won"], in_brazil["time_zone"]) == (1, "America/Sao_Paulo")
    assert in_tokyo["summary"]["won"] == 0
    march = api_as(rep).get("/api/v1/sales-metrics", {"start": "2026-03-01", "end": "2026-03-01"})
    assert march.json()["summary"]["won"] == 1


def test_bad_metrics_parameters_are_refused(rep, make_user, api_as):
    api = api_as(rep)
    metrics = "/api/v1/sales-metrics"
    assert refused(api.get(metrics, {"start": "2026-03-01", "end": "2026-02-01"})) == {
        "end": ["The end comes before the start."]
    }
    assert list(refused(api.get(metrics, {"start": "2000-01-01", "end": "2026-01-01"}))) == [
        "start"
    ]
    assert list(refused(api.get(metrics, {"pipeline": 2**40}))) == ["pipeline"]
    for bad in (
        {"start": "2026-02-30"},
        {"end": "9999-12-31"},
        {"pipeline": "x"},
        {"pipeline": 2**70},
    ):
        refused(api.get(metrics, bad))
    assert refused(api_as(make_user("service-agent")).get(metrics), 403) == {}
    default = api.get(metrics).json()
    today = timezone.localdate(timezone=dt.timezone(dt.timedelta(hours=9)))
    assert (default["end"], default["start"]) == (
        today.isoformat(),
        (today - dt.timedelta(days=89)).isoformat(),
    )
