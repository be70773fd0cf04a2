"""The knowledge base API: the article's life (write, change, versions, restore, publish,
archive, delete), search and filters with pages, feedback, categories, a ticket's suggestions
and a FAQ made from it; refusals as problem+json that write nothing."""

from __future__ import annotations

import pytest

from clientela.service import conversation, services
from clientela.service.models import Queue
from clientela.service.models_kb import Article, ArticleCategory


@pytest.fixture
def agent(make_user, make_team):
    return make_user("service-agent", teams=[make_team("Desk")], username="ana")


@pytest.fixture
def api(api_as, agent):
    return api_as(agent)


def test_an_article_is_written_changed_restored_published_and_archived(
    api, agent, api_as, make_user
):
    category = api.post("/api/v1/kb/categories", {"name": "Printers", "position": 2}).json()
    created = api.post(
        "/api/v1/kb/articles",
        {
            "title": "Connect a printer",
            "body": "Use USB.",
            "category": category["id"],
            "tags": ["usb"],
        },
    )
    assert created.status_code == 201
    article = created.json()
    assert (article["status"], article["version"], article["category_id"]) == (
        "draft",
        1,
        category["id"],
    )
    a = article["id"]

    changed = api.patch(f"/api/v1/kb/articles/{a}", {"body": "Use Wi-Fi.", "audience": "public"})
    assert (changed.json()["version"], changed.json()["body"]) == (2, "Use Wi-Fi.")
    versions = api.get(f"/api/v1/kb/articles/{a}/versions").json()
    assert [(v["version"], v["body"]) for v in versions] == [(1, "Use USB.")]
    restored = api.post(f"/api/v1/kb/articles/{a}/versions/1/restore").json()
    assert (restored["version"], restored["body"]) == (3, "Use USB.")
    assert api.post(f"/api/v1/kb/articles/{a}/versions/9/restore").status_code == 404

    assert api.post(f"/api/v1/kb/articles/{a}/publish").json()["status"] == "published"
    reader = api_as(make_user("read-only"))
    assert reader.get(f"/api/v1/kb/articles/{a}").json()["title"] == "Connect a printer"
    assert api.post(f"/api/v1/kb/articles/{a}/archive").json()["status"] == "archived"
    assert reader.get(f"/api/v1/kb/articles/{a}").status_code == 404  # archived: editors only

    refused = api.delete(f"/api/v1/kb/articles/{a}")  # agents do not delete
    assert refused.status_code == 403 and refused["Content-Type"] == "application/problem+json"
    admin = api_as(make_user("administrator"))
    assert admin.delete(f"/api/v1/kb/articles/{a}").status_code == 204
    assert not Article.objects.exists()


def test_search_filters_and_pages(api):
    for n in range(3):
        api.post(
            "/api/v1/kb/articles",
            {"title": f"Printer tip {n}", "body": "Printers need paper.", "status": "published"},
        )
    api.post(
        "/api/v1/kb/articles",
        {
            "kind": "faq",
            "title": "Qual impressora comprar?",
            "body": "Qualquer uma.",
            "language": "pt-br",
        },
    )

    first = api.get("/api/v1/kb/articles", {"q": "printers", "limit": 2}).json()
    assert len(first["items"]) == 2 and first["next_cursor"] == "q.2"
    rest = api.get("/api/v1/kb/articles", {"q": "printers", "limit": 2, "cursor": "q.2"}).json()
    assert len(rest["items"]) == 1 and rest["next_cursor"] is None
    faqs = api.get("/api/v1/kb/articles", {"q": "impressoras", "kind": "faq", "status": "draft"})
    assert [i["title"] for i in faqs.json()["items"]] == ["Qual impressora comprar?"]
    assert api.get("/api/v1/kb/articles", {"q": '"NEAR(*'}).json()["items"] == []
    listed = api.get("/api/v1/kb/articles", {"order": "title", "limit": 3}).json()
    assert [i["title"] for i in listed["items"]] == [
        "Printer tip 0",
        "Printer tip 1",
        "Printer tip 2",
    ]
    bad = api.get("/api/v1/kb/articles", {"cursor": "q.2"})
    assert bad.status_code == 422 and "cursor" in bad.json()["errors"]


def test_feedback_categories_and_bad_input(api, make_user, api_as):
    a = api.post(
        "/api/v1/kb/articles", {"title": "Refunds", "body": "A week.", "status": "published"}
    ).json()["id"]
    reader = api_as(make_user("read-only"))
    assert reader.post(f"/api/v1/kb/articles/{a}/feedback", {"helpful": True}).status_code == 200
    voted = api.post(f"/api/v1/kb/articles/{a}/feedback", {"helpful": False, "comment": "Vague"})
    assert (voted.json()["helpful_yes"], voted.json()["helpful_no"]) == (1, 1)
    again = reader.post(f"/api/v1/kb/articles/{a}/feedback", {"helpful": False})
    assert (again.json()["helpful_yes"], again.json()["helpful_no"]) == (0, 2)
    assert reader.post("/api/v1/kb/categories", {"name": "X"}).status_code == 403

    bad = api.post("/api/v1/kb/articles", {"title": "", "body": "x", "category": 99999})
    assert bad.status_code == 422 and set(bad.json()["errors"]) == {"title", "category"}
    c = api.post("/api/v1/kb/categories", {"name": "Billing"}).json()["id"]
    assert api.post("/api/v1/kb/categories", {"name": "billing"}).status_code == 422
    assert api.patch(f"/api/v1/kb/categories/{c}", {"name": "Money"}).json()["name"] == "Money"
    assert [i["name"] for i in api.get("/api/v1/kb/categories").json()["items"]] == ["Money"]
    admin = api_as(make_user("administrator"))
    assert admin.delete(f"/api/v1/kb/categories/{c}").status_code == 204
    assert ArticleCategory.objects.count() == 0 and Article.objects.count() == 1


def test_suggestions_and_a_faq_from_a_ticket(api, agent, make_user, make_team, api_as):
    queue = Queue.objects.create(name="Support", lead=agent, team=agent.teams.first())
    ticket = services.ticket_create(
        actor=agent, values={"subject": "Refund please", "queue": queue.pk}, message="My refund?"
    )
    api.post("/api/v1/kb/articles", {"title": "Refunds", "body": "A week.", "status": "published"})
    found = api.get(f"/api/v1/tickets/{ticket.pk}/kb-suggestions", {"text": "refund"}).json()
    assert [a["title"] for a in found] == ["Refunds"]

    assert api.post(f"/api/v1/tickets/{ticket.pk}/faq").status_code == 409
    conversation.ticket_reply(actor=agent, ticket_id=ticket.pk, body="Within a week.")
    faq = api.post(f"/api/v1/tickets/{ticket.pk}/faq")
    assert faq.status_code == 201
    assert (faq.json()["kind"], faq.json()["body"], faq.json()["status"]) == (
        "faq",
        "Within a week.",
        "draft",
    )

    stranger = api_as(make_user("service-agent", teams=[make_team("Field")]))
    assert stranger.post(f"/api/v1/tickets/{ticket.pk}/faq").status_code == 404
    assert stranger.get(f"/api/v1/tickets/{ticket.pk}/kb-suggestions").status_code == 404
    assert Article.objects.filter(kind="faq").count() == 1
