"""The knowledge base in a real browser: on a ticket's page the suggestions change as the agent
types a reply, one is inserted into the reply; the agent opens it and says it helped; the
search finds it from a Portuguese plural."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from clientela.platform.models import Team, User
from clientela.service import knowledge, services
from clientela.service.models import Queue
from clientela.service.models_kb import ArticleFeedback

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def agent(make_user: Callable[..., User]) -> User:
    team = Team.objects.create(name="Suporte")
    return make_user("service-agent", teams=[team], username="tina", time_zone="UTC")


def test_suggestions_follow_the_reply_and_an_article_is_inserted_and_rated(
    page: Page, agent: User, sign_in: Callable[..., None]
) -> None:
    queue = Queue.objects.create(name="Atendimento", lead=agent, team=agent.teams.get())
    ticket = services.ticket_create(
        actor=agent,
        values={"subject": "Impressora com papel preso", "queue": queue.pk},
        message="A impressora travou com papel preso.",
    )
    jam = knowledge.article_create(
        actor=agent,
        values={
            "title": "Como tirar papel preso da impressora",
            "body": "Abra a bandeja.",
            "language": "pt-br",
        },
        status="published",
    )
    knowledge.article_create(
        actor=agent,
        values={
            "kind": "faq",
            "title": "Qual o prazo do reembolso?",
            "body": "O reembolso sai em 7 dias úteis.",
            "language": "pt-br",
        },
        status="published",
    )
    sign_in(page, "tina")

    page.goto(f"/service/tickets/{ticket.pk}/")
    panel = page.locator("#kb-suggest")
    expect(panel).to_contain_text("Como tirar papel preso da impressora")
    expect(panel).not_to_contain_text("Qual o prazo do reembolso?")

    reply = page.locator("form.reply-form textarea[name=body]")
    reply.click()
    reply.press_sequentially("Sobre o reembolso: ")
    faq = panel.locator(".kb-suggestion", has_text="Qual o prazo do reembolso?")
    expect(faq).to_be_visible()
    faq.get_by_role("button", name="Insert into reply").click()
    expect(reply).to_have_value("Sobre o reembolso: \nO reembolso sai em 7 dias úteis.")

    page.goto("/service/kb/?q=impressoras")
    page.get_by_role("link", name="Como tirar papel preso da impressora").click()
    page.get_by_role("button", name="Yes, it helped").click()
    expect(page.locator("[data-kb-counts]")).to_contain_text("1 person found it helpful")
    expect(page.locator("[data-kb-mine]")).to_contain_text("You said it helped.")
    assert ArticleFeedback.objects.get().article_id == jam.pk
