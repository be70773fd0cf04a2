"""Knowledge base search on the database in use (SQLite's FTS5 or PostgreSQL's GIN index):
stemming in English and Portuguese, accents either way, the title ranked above the text, what
each reader may find, hostile queries, and suggestions for a ticket."""

from __future__ import annotations

import pytest

from clientela.service import knowledge, services
from clientela.service import selectors_kb as kb
from clientela.service.models import Queue
from clientela.service.models_kb import Article


@pytest.fixture
def writer(make_user, make_team):
    return make_user("service-agent", teams=[make_team("Desk")], username="kim")


def write(actor, title, body, *, language="en", status="published", **values) -> Article:
    values = {"title": title, "body": body, "language": language, **values}
    return knowledge.article_create(actor=actor, values=values, status=status)


def titles(actor, text, **filters) -> list[str]:
    rows = kb.filtered(kb.article_rows(actor), kb.ArticleFilters(**filters))
    return [a.title for a in kb.search(rows, text)]


def test_search_stems_english_and_portuguese_and_ignores_accents(writer):
    write(writer, "How to connect a printer", "Plug the USB cable in and install the driver.")
    write(
        writer,
        "Como configurar a impressora",
        "Abra o painel de configuração e escolha a rede.",
        language="pt-br",
    )
    write(writer, "Reset your password", "Use the link on the sign-in page.")
    write(writer, "Atualização do sistema", "A configuracao fica salva.", language="pt-br")

    assert titles(writer, "connecting printers") == ["How to connect a printer"]
    assert titles(writer, "impressoras") == ["Como configurar a impressora"]
    assert titles(writer, "PASSWORDS reset") == ["Reset your password"]
    # an accented query finds the plain spelling and a plain query the accented one
    both = {"Como configurar a impressora", "Atualização do sistema"}
    assert set(titles(writer, "configuração")) == both
    assert set(titles(writer, "configuracao")) == both
    assert titles(writer, "atualizacao") == ["Atualização do sistema"]
    # every word must match; a filter narrows the search
    assert titles(writer, "printer password") == []
    assert titles(writer, "configuracao", language="en") == []


def test_a_title_match_ranks_above_a_text_only_match(writer):
    body_only = write(
        writer, "Network basics", "Sometimes a router needs a restart before the modem."
    )
    in_title = write(writer, "Restart the router", "Unplug it for ten seconds.")
    write(writer, "Unrelated", "Nothing to see here.")

    assert titles(writer, "router restart") == [in_title.title, body_only.title]
    # an edit is searchable at once: the index follows the row
    knowledge.article_update(
        actor=writer, article_id=body_only.pk, values={"title": "Modem basics", "body": "Lights."}
    )
    assert titles(writer, "router") == [in_title.title]
    Article.objects.filter(pk=in_title.pk).delete()
    assert titles(writer, "router") == []


def test_readers_find_only_what_they_may_read(writer, make_user):
    write(writer, "Printer jam (published)", "Open the tray.", audience="public")
    write(writer, "Printer jam draft", "Open the tray.", status="draft", audience="public")
    write(writer, "Printer internals", "Open the tray.", audience="internal")
    reader, rep = make_user("read-only"), make_user("sales-rep")

    assert set(titles(writer, "printer")) == {
        "Printer jam (published)",
        "Printer jam draft",
        "Printer internals",
    }
    assert set(titles(reader, "printer")) == {"Printer jam (published)", "Printer internals"}
    assert titles(rep, "printer") == []
    public = [a.title for a in kb.search(kb.public_articles(), "printer")]
    assert public == ["Printer jam (published)"]


def test_hostile_queries_neither_fail_nor_match_everything(writer):
    write(writer, "Invoice copies", "Download the PDF from the billing page.")
    write(writer, "Delivery times", "Orders ship in two days.")

    for query in (
        '"',
        '" OR 1=1 --',
        "NEAR(invoice delivery)",
        "*",
        "invoice*",
        "'; DROP TABLE service_article; --",
        "a:b OR c:d",
        "(((",
        "!@#$%^&*()_+",
        "the and of a",
        "x" * 500,
        "\x00 invoice",
    ):
        found = titles(writer, query)
        assert len(found) < 2, query
    assert titles(writer, 'invoice" OR "delivery') == []  # words, not operators
    assert titles(writer, "invoice*") == ["Invoice copies"]
    assert Article.objects.count() == 2


def test_suggestions_for_a_ticket_follow_its_question_and_the_reply_typed(writer, make_team):
    team = writer.teams.first()
    queue = Queue.objects.create(name="Support", lead=writer, team=team)
    ticket = services.ticket_create(
        actor=writer,
        values={"subject": "Printer not working", "queue": queue.pk},
        message="My printer shows a paper jam error.",
    )
    write(writer, "Clearing a paper jam", "Open the tray and pull the sheet.")
    write(writer, "Printer drivers", "Install the latest driver.")
    write(writer, "Refunds", "We refund within a week.")
    write(writer, "Printer jam (draft)", "Not yet.", status="draft")

    first = [a.title for a in kb.suggestions(writer, ticket)]
    typed = [a.title for a in kb.suggestions(writer, ticket, "about your refund")]

    assert first[:2] == ["Clearing a paper jam", "Printer drivers"]
    assert "Refunds" not in first and "Printer jam (draft)" not in first
    assert "Refunds" in typed and len(typed) <= 5
