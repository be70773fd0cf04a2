"""The Reports section and the sales reports: listed by rights, figures and charts rendered
from the user's own deals, bad filters shown as form errors."""

from __future__ import annotations

import datetime as dt

import pytest
from defusedxml import ElementTree
from django.utils import timezone

from clientela.sales.models import Opportunity, Quota
from clientela.sales.services import default_pipeline, opportunity_create, opportunity_move


@pytest.fixture
def rep(make_user, make_team):
    return make_user("sales-rep", teams=[make_team("North")])


def won(actor, amount: str, when: dt.datetime):
    deal = opportunity_create(actor=actor, values={"name": "w", "amount": amount})
    won_stage = default_pipeline().stages.get(kind="won")
    opportunity_move(actor=actor, opportunity_id=deal.pk, stage_id=won_stage.pk)
    Opportunity.objects.filter(pk=deal.pk).update(
        closed_at=when, created_at=when - dt.timedelta(days=10)
    )
    return deal


def test_the_reports_page_lists_what_the_role_may_see(rep, make_user, logged_in):
    page = logged_in(rep).get("/reports/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "/reports/sales/forecast/" in html and "/reports/sales/metrics/" in html
    agent = logged_in(make_user("service-agent")).get("/reports/").content.decode()
    assert "/reports/sales/forecast/" not in agent
    assert "/reports/service/metrics/" in agent  # the service desk's, not the sales reports
    assert "/reports/service/metrics/" not in html  # a sales rep has no service rights


def test_the_forecast_shows_the_reps_figures_against_quota_with_charts(rep, logged_in):
    today = timezone.localdate()
    won(rep, "1500", timezone.now())
    opportunity_create(
        actor=rep,
        values={
            "name": "c",
            "amount": "500",
            "forecast_category": "commit",
            "expected_close_date": today,
        },
    )
    Quota.objects.create(user=rep, month=today.replace(day=1), amount="4000")
    page = logged_in(rep).get("/reports/sales/forecast/", {"period": "month", "group": "owner"})
    html = page.content.decode()
    assert page.status_code == 200
    assert rep.display_name in html
    assert "1,500.00" in html and "2,000.00" in html and "4,000.00" in html and "38%" in html
    svgs = [part.split("</svg>")[0] + "</svg>" for part in html.split("<svg")[1:]]
    assert len(svgs) == 2
    for svg in svgs:
        ElementTree.fromstring("<svg" + svg)
    bad = logged_in(rep).get("/reports/sales/forecast/", {"date": "31/31/2026", "group": "x"})
    assert bad.status_code == 200 and 'role="alert"' in bad.content.decode()


def test_the_metrics_page_computes_from_the_visible_deals(rep, make_user, logged_in):
    won(rep, "1000", timezone.now() - dt.timedelta(days=2))
    lost = opportunity_create(actor=rep, values={"name": "l"})
    lost_stage = default_pipeline().stages.get(kind="lost")
    opportunity_move(
        actor=rep, opportunity_id=lost.pk, stage_id=lost_stage.pk, values={"lost_reason": "price"}
    )
    page = logged_in(rep).get("/reports/sales/metrics/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "50.0%" in html  # one won, one lost
    assert "Price" in html
    outsider = make_user("sales-rep")
    other = logged_in(outsider).get("/reports/sales/metrics/").content.decode()
    assert "50.0%" not in other


def test_a_user_without_sales_rights_is_refused(make_user, logged_in):
    agent = logged_in(make_user("service-agent"))
    assert agent.get("/reports/sales/metrics/").status_code == 403
    assert agent.get("/reports/sales/forecast/").status_code == 403
