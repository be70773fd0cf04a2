"""Knowledge base pages with the test client: the list and its search, writing and editing
(versions), publishing, deleting after a confirmation, "was this helpful?" over htmx, the
categories page, and on a ticket's page the suggestions and the "Make a FAQ" button."""

from __future__ import annotations

import pytest

from clientela.service import conversation, knowledge, services
from clientela.service.models import Queue
from clientela.service.models_kb import Article, ArticleCategory, ArticleFeedback

HTMX = {"HX-Request": "true"}


@pytest.fixture
def agent(make_user, make_team):
    return make_user("service-agent", teams=[make_team("Desk")], username="ana")


def html(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def test_writing_editing_publishing_and_deleting_an_article(agent, logged_in, make_user):
    client = logged_in(agent)
    assert "New article" in html(client.get("/service/kb/"))
    refused = client.post("/service/kb/new/", {"kind": "article", "title": "", "body": "x"})
    assert "This field is required." in html(refused) and not Article.objects.exists()

    saved = client.post(
        "/service/kb/new/",
        {
            "kind": "article",
            "title": "Como configurar a impressora",
            "body": "Abra o painel.\n\nEscolha <b>Rede</b>.",
            "tags": "rede, wi-fi",
            "audience": "public",
            "language": "pt-br",
        },
    )
    article = Article.objects.get()
    assert saved.status_code == 302 and saved["Location"] == f"/service/kb/{article.pk}/"
    page = html(client.get(f"/service/kb/{article.pk}/"))
    assert "<p>Escolha &lt;b&gt;Rede&lt;/b&gt;.</p>" in page and "Publish" in page

    client.post(
        f"/service/kb/{article.pk}/edit/",
        {
            **{k: getattr(article, k) for k in ("kind", "title", "audience", "language")},
            "body": "Novo texto.",
            "publish": "1",
        },
    )
    article.refresh_from_db()
    assert (article.version, article.status) == (2, "published")
    versions = html(client.get(f"/service/kb/{article.pk}/versions/"))
    assert "Abra o painel." in versions and "Restore version 1" in versions
    client.post(f"/service/kb/{article.pk}/versions/1/restore/")
    article.refresh_from_db()
    assert (article.version, article.body) == (3, "Abra o painel.\n\nEscolha <b>Rede</b>.")

    found = html(client.get("/service/kb/", {"q": "impressoras"}))
    assert "Como configurar a impressora" in found
    assert "No article matches." in html(client.get("/service/kb/", {"q": "NEAR( *"}))

    assert client.get(f"/service/kb/{article.pk}/delete/").status_code == 403  # agents do not
    admin = logged_in(make_user("administrator"))
    assert "This cannot be undone." in html(admin.get(f"/service/kb/{article.pk}/delete/"))
    assert Article.objects.exists()
    admin.post(f"/service/kb/{article.pk}/delete/")
    assert not Article.objects.exists()


def test_was_this_helpful_and_the_list_sorted_by_it(agent, logged_in, make_user):
    good = knowledge.article_create(
        actor=agent, values={"title": "Good one", "body": "Clear."}, status="published"
    )
    knowledge.article_create(
        actor=agent, values={"title": "Another", "body": "Meh."}, status="published"
    )
    reader = logged_in(make_user("read-only"))

    answer = reader.post(
        f"/service/kb/{good.pk}/feedback/", {"helpful": "yes", "comment": ""}, headers=HTMX
    )
    assert "1 person found it helpful" in html(answer) and "Thank you" in html(answer)
    changed = reader.post(f"/service/kb/{good.pk}/feedback/", {"helpful": "no"}, headers=HTMX)
    assert "0 people found it helpful, 1 did not" in html(changed)
    logged_in(agent).post(f"/service/kb/{good.pk}/feedback/", {"helpful": "yes"})
    assert ArticleFeedback.objects.filter(article=good).count() == 2

    ordered = reader.get("/service/kb/", {"order": "helpful"}).context["articles"]
    assert [a.title for a in ordered] == ["Good one", "Another"]
    assert "You said it did not help." in html(reader.get(f"/service/kb/{good.pk}/"))
    good.refresh_from_db()
    assert good.views == 1


def test_the_categories_page_adds_renames_and_deletes(agent, logged_in, make_user):
    client = logged_in(agent)
    client.post("/service/kb/categories/", {"name": "Printers", "position": "1"})
    category = ArticleCategory.objects.get()
    article = knowledge.article_create(
        actor=agent, values={"title": "Jam", "body": "Pull.", "category": category.pk}
    )
    taken = client.post("/service/kb/categories/", {"name": "printers", "position": "0"})
    assert "This name is taken." in html(taken)
    client.post(f"/service/kb/categories/{category.pk}/", {"name": "Printing", "position": "1"})
    assert "Printing" in html(client.get("/service/kb/categories/"))

    logged_in(make_user("administrator")).post(f"/service/kb/categories/{category.pk}/delete/")

    article.refresh_from_db()
    assert article.category_id is None and not ArticleCategory.objects.exists()


def test_the_ticket_page_suggests_articles_and_makes_a_faq(agent, logged_in, make_user):
    queue = Queue.objects.create(name="Support", lead=agent, team=agent.teams.first())
    ticket = services.ticket_create(
        actor=agent,
        values={"subject": "Printer paper jam", "queue": queue.pk},
        message="The printer is jammed again.",
    )
    knowledge.article_create(
        actor=agent,
        values={"title": "Clear a paper jam", "body": "Open the tray."},
        status="published",
    )
    knowledge.article_create(
        actor=agent, values={"title": "Refund policy", "body": "A week."}, status="published"
    )
    client = logged_in(agent)

    page = html(client.get(f"/service/tickets/{ticket.pk}/"))
    assert "Suggested articles" in page and "Clear a paper jam" in page
    assert "Refund policy" not in page and "Make a FAQ" not in page  # not answered yet
    typed = html(
        client.get(
            f"/service/kb/tickets/{ticket.pk}/suggestions/", {"text": "refund"}, headers=HTMX
        )
    )
    assert "Refund policy" in typed and "data-kb-insert" in typed

    conversation.ticket_reply(actor=agent, ticket_id=ticket.pk, body="Open the front tray.")
    assert "Make a FAQ" in html(client.get(f"/service/tickets/{ticket.pk}/"))
    made = client.post(f"/service/kb/tickets/{ticket.pk}/faq/")
    faq = Article.objects.get(kind="faq")
    assert made.status_code == 302 and made["Location"] == f"/service/kb/{faq.pk}/edit/"
    assert (faq.title, faq.body, faq.status) == (
        "Printer paper jam",
        "Open the front tray.",
        "draft",
    )
    assert "Made from ticket" in html(client.get(made["Location"]))

    stranger = logged_in(make_user("service-agent", teams=[]))
    assert stranger.post(f"/service/kb/tickets/{ticket.pk}/faq/").status_code == 404
    assert Article.objects.filter(kind="faq").count() == 1
