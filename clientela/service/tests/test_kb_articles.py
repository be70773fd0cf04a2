"""Knowledge base writes: versions on every change of the text and restoring one, the status
moves, rights (a refusal changes nothing), "was this helpful?" once per reader, categories,
and a FAQ made from an answered ticket."""

from __future__ import annotations

import pytest

from clientela.customers.services import contact_create
from clientela.platform.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from clientela.platform.models import AuditEntry
from clientela.service import conversation, knowledge, services
from clientela.service.models import Queue
from clientela.service.models_kb import Article, ArticleCategory, ArticleFeedback


@pytest.fixture
def desk(make_team):
    return make_team("Desk")


@pytest.fixture
def agent(make_user, desk):
    return make_user("service-agent", teams=[desk], username="ana", language="en")


@pytest.fixture
def queue(agent, desk):
    return Queue.objects.create(name="Support", lead=agent, team=desk)


def draft(actor, **values) -> Article:
    values = {"title": "Reset a router", "body": "Hold the button.", **values}
    return knowledge.article_create(actor=actor, values=values)


def test_each_change_of_text_is_a_version_and_restoring_is_a_new_one(agent, make_user):
    editor = make_user("service-agent", username="bia")
    article = draft(agent, tags="network, Router, network", summary="Quick fix")
    assert (article.version, article.status, article.tags) == (1, "draft", ["network", "Router"])

    knowledge.article_update(actor=editor, article_id=article.pk, values={"body": "Hold 10 s."})
    knowledge.article_update(actor=editor, article_id=article.pk, values={"audience": "public"})
    article = knowledge.article_update(
        actor=agent, article_id=article.pk, values={"title": "Reset your router"}
    )

    assert article.version == 3  # the audience alone is no new text
    old = list(article.versions.values_list("version", "title", "body", "author__username"))
    assert old == [
        (2, "Reset a router", "Hold 10 s.", "bia"),
        (1, "Reset a router", "Hold the button.", "ana"),
    ]
    restored = knowledge.article_restore(actor=editor, article_id=article.pk, version=1)
    assert (restored.version, restored.title, restored.body) == (
        4,
        "Reset a router",
        "Hold the button.",
    )
    assert restored.audience == "public" and restored.summary == "Quick fix"
    assert restored.versions.get(version=3).title == "Reset your router"
    actions = AuditEntry.objects.filter(object_type="service.article", object_id=str(article.pk))
    assert (
        list(actions.values_list("action", flat=True).order_by("seq"))
        == ["create"] + ["update"] * 4
    )
    with pytest.raises(NotFound):
        knowledge.article_restore(actor=editor, article_id=article.pk, version=99)


def test_publishing_archiving_and_bad_input(agent):
    article = draft(agent)
    published = knowledge.article_set_status(actor=agent, article_id=article.pk, status="published")
    assert published.published_at is not None
    archived = knowledge.article_set_status(actor=agent, article_id=article.pk, status="archived")
    assert archived.status == "archived"
    with pytest.raises(ValidationFailed):
        knowledge.article_set_status(actor=agent, article_id=article.pk, status="gone")

    with pytest.raises(ValidationFailed) as refused:
        knowledge.article_create(
            actor=agent,
            values={
                "title": " ",
                "body": "x",
                "kind": "poem",
                "language": "fr",
                "category": 999,
                "tags": ["x" * 41],
            },
        )
    assert set(refused.value.errors) == {"title", "kind", "language", "category", "tags"}
    assert Article.objects.count() == 1


def test_rights_are_checked_and_a_refusal_changes_nothing(agent, make_user):
    article = draft(agent)
    reader, rep = make_user("read-only"), make_user("sales-rep")

    with pytest.raises(PermissionDenied):
        knowledge.article_update(actor=reader, article_id=article.pk, values={"title": "Hacked"})
    with pytest.raises(PermissionDenied):
        knowledge.article_create(actor=rep, values={"title": "Mine", "body": "x"})
    with pytest.raises(PermissionDenied):
        knowledge.article_delete(actor=agent, article_id=article.pk)  # agents do not delete
    with pytest.raises(NotFound):  # a draft is out of a reader's sight
        knowledge.article_feedback(actor=reader, article_id=article.pk, helpful=True)

    article.refresh_from_db()
    assert (article.title, article.version, Article.objects.count()) == ("Reset a router", 1, 1)
    knowledge.article_delete(actor=make_user("administrator"), article_id=article.pk)
    assert not Article.objects.exists()


def test_feedback_is_one_answer_per_reader_which_they_may_change(agent, make_user):
    article = draft(agent)
    with pytest.raises(Conflict):
        knowledge.article_feedback(actor=agent, article_id=article.pk, helpful=True)
    knowledge.article_set_status(actor=agent, article_id=article.pk, status="published")
    reader = make_user("read-only")

    knowledge.article_feedback(actor=agent, article_id=article.pk, helpful=True)
    knowledge.article_feedback(actor=reader, article_id=article.pk, helpful=True)
    counted = knowledge.article_feedback(
        actor=reader, article_id=article.pk, helpful=False, comment="  Missing the 5G model. "
    )

    assert (counted.helpful_yes, counted.helpful_no) == (1, 1)
    mine = ArticleFeedback.objects.get(user=reader)
    assert (mine.helpful, mine.comment) == (False, "Missing the 5G model.")
    assert ArticleFeedback.objects.count() == 2
    with pytest.raises(ValidationFailed):
        knowledge.article_feedback(actor=reader, article_id=article.pk, helpful="maybe")


def test_deleting_a_category_leaves_its_articles_uncategorised(agent, make_user):
    admin = make_user("administrator")
    printers = knowledge.category_save(actor=agent, values={"name": "Printers"})
    article = draft(agent, category=printers.pk)
    with pytest.raises(ValidationFailed):
        knowledge.category_save(actor=agent, values={"name": "printers"})
    renamed = knowledge.category_save(
        actor=agent, values={"name": "Printers and scanners"}, category_id=printers.pk
    )
    assert renamed.name == "Printers and scanners"

    knowledge.category_delete(actor=admin, category_id=printers.pk)

    article.refresh_from_db()
    assert article.category is None and not ArticleCategory.objects.exists()


def test_a_faq_is_made_from_an_answered_ticket_in_one_step(agent, queue, make_user, make_team):
    contact = contact_create(
        actor=agent, values={"first_name": "Rui", "email": "rui@loja.com.br", "language": "pt-br"}
    )
    ticket = services.ticket_create(
        actor=agent,
        values={
            "subject": "Como emitir a segunda via do boleto?",
            "queue": queue.pk,
            "contact": contact.pk,
        },
        message="Preciso da segunda via.\nObrigado",
    )
    with pytest.raises(Conflict) as unanswered:
        knowledge.faq_from_ticket(actor=agent, ticket_id=ticket.pk)
    assert unanswered.value.code == "not_answered"
    conversation.ticket_note(actor=agent, ticket_id=ticket.pk, body="Internal: VIP")
    conversation.ticket_reply(actor=agent, ticket_id=ticket.pk, body="Acesse Financeiro > Boletos.")
    conversation.ticket_reply(
        actor=agent, ticket_id=ticket.pk, body="Em Financeiro > Boletos > 2ª via."
    )

    faq = knowledge.faq_from_ticket(actor=agent, ticket_id=ticket.pk)

    assert (faq.kind, faq.status, faq.language, faq.source_ticket_id) == (
        "faq",
        "draft",
        "pt-br",
        ticket.pk,
    )
    assert faq.title == "Como emitir a segunda via do boleto?"
    assert faq.body == "Em Financeiro > Boletos > 2ª via."
    stranger = make_user("service-agent", teams=[make_team("Field")])
    with pytest.raises(NotFound):
        knowledge.faq_from_ticket(actor=stranger, ticket_id=ticket.pk)
    assert Article.objects.count() == 1


def test_the_demo_knowledge_base_is_built_and_searchable(make_user):
    from clientela.service import selectors_kb
    from clientela.service.demo_kb import ARTICLES, build_demo_kb

    admin = make_user("administrator")
    make_user("service-agent")

    assert build_demo_kb(admin, seed=7) == len(ARTICLES)

    history = Article.objects.get(title="How to connect a printer")
    assert history.version == 3 and history.versions.count() == 2
    rows = selectors_kb.article_rows(admin)
    found = {a.title for a in selectors_kb.search(rows, "impressoras")}
    assert found == {"Como configurar a impressora?", "Como tirar papel preso"}
    assert ArticleCategory.objects.count() == 5
