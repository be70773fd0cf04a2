"""Search over accounts, contacts and leads with the database's own engine (FTS5 / tsvector)."""

from __future__ import annotations

import pytest
from django.db import connection

from clientela.customers import search as shell_providers
from clientela.customers import search_engine, search_index
from clientela.customers.models import Account, Contact, Lead
from clientela.customers.search_index import search


@pytest.fixture
def teams(make_team):
    return make_team("Vendas SP"), make_team("Vendas RJ")


@pytest.fixture
def rep(make_user, teams):
    return make_user("sales-rep", teams=[teams[0]])


@pytest.fixture
def other_rep(make_user, teams):
    return make_user("sales-rep", teams=[teams[1]])


@pytest.fixture
def joao(rep, teams):
    account = Account.objects.create(
        name="Padaria Estrela Ltda", tax_id="11.222.333/0001-81", owner=rep, team=teams[0]
    )
    return Contact.objects.create(
        first_name="João",
        last_name="Silva",
        email="joao.silva@estrela.com.br",
        phone="+5511987654321",
        tax_id="529.982.247-25",
        account=account,
        owner=rep,
        team=teams[0],
    )


@pytest.fixture
def others(other_rep, teams):
    """Records of the other team that match the same words."""
    account = Account.objects.create(name="Estrela do Rio", owner=other_rep, team=teams[1])
    return Contact.objects.create(
        first_name="João",
        last_name="Silveira",
        email="joao@rio.example",
        phone="+5521987650000",
        account=account,
        owner=other_rep,
        team=teams[1],
    )


def contacts(query):
    return list(search(Contact.objects.all(), query))


@pytest.mark.parametrize("query", ["João", "Joao", "JOAO", "jo", "joão silva", "Silv", "SILVA jo"])
def test_prefix_and_accent_insensitive(joao, query):
    assert contacts(query) == [joao]


@pytest.mark.parametrize(
    "query", ["+55 11 98765-4321", "11987654321", "98765-4321", "(11) 98765-4321", "5511987654321"]
)
def test_phone_in_any_format(joao, query):
    Contact.objects.create(first_name="Maria", phone="+5511912345678", owner=joao.owner)
    assert contacts(query) == [joao]


@pytest.mark.parametrize("query", ["529.982.247-25", "52998224725", "529.982"])
def test_contact_tax_id_with_or_without_punctuation(joao, query):
    assert contacts(query) == [joao]


@pytest.mark.parametrize("query", ["11.222.333/0001-81", "11222333000181", "11.222.333"])
def test_account_tax_id_with_or_without_punctuation(joao, query):
    Account.objects.create(name="Outra", tax_id="04.252.011/0001-10", owner=joao.owner)
    assert list(search(Account.objects.all(), query)) == [joao.account]


def test_email_and_company(joao, others):
    assert contacts("joao.silva@estrela.com.br") == [joao]
    assert contacts("estrela") == [joao, others]  # the contacts' company is their account's name
    assert contacts("padaria") == [joao]


def test_renaming_an_account_moves_its_contacts_in_the_index(joao):
    account = joao.account
    account.name = "Mercado Aurora"
    account.save()
    assert contacts("aurora") == [joao]
    assert contacts("padaria") == []


def test_updates_and_deletes_reach_the_index(joao):
    joao.last_name = "Souza"
    joao.email = "joao@estrela.com.br"
    joao.save(update_fields=["last_name", "email"])
    assert contacts("souza") == [joao]
    assert contacts("silva") == []
    joao.delete()
    assert contacts("joao") == []


@pytest.mark.parametrize("query", ["Joaa Silva", "Slva", "Jaoo", "silvaa", "Joao Slva"])
def test_one_typo_still_finds(joao, query):
    assert contacts(query) == [joao]


def test_short_words_before_the_last_are_whole_words(joao):
    ana = Contact.objects.create(first_name="Ana", last_name="da Costa", owner=joao.owner)
    dario = Contact.objects.create(first_name="Dario", last_name="Costa", owner=joao.owner)
    assert contacts("da costa") == [ana]  # "da" is a word here, not the start of "Dario"
    assert set(contacts("costa da")) == {ana, dario}  # the last word is being typed: a prefix


def test_typo_fallback_only_when_nothing_matches(joao):
    mario = Contact.objects.create(first_name="Mario", owner=joao.owner)
    Contact.objects.create(first_name="Maria", owner=joao.owner)
    assert contacts("mario") == [mario]  # an exact hit: no widening to "maria"
    assert contacts("xyzzy") == []


def test_leads_by_name_company_phone_and_tax_id(rep):
    lead = Lead.objects.create(
        first_name="Ana",
        last_name="Conceição",
        company="Café Paulista",
        phone="+5511955554444",
        tax_id="11.222.333/0001-81",
        owner=rep,
    )
    Lead.objects.create(first_name="Bruno", company="Outra", owner=rep)
    for query in ["conceicao", "cafe paul", "955554444", "11222333000181", "Concecao"]:
        assert list(search(Lead.objects.all(), query)) == [lead], query


def test_a_rep_never_gets_another_teams_hit(rep, joao, others, logged_in):
    visible = shell_providers.search_contacts(rep, "joao")
    assert [hit.label for hit in visible.hits] == ["João Silva"]
    assert shell_providers.search_contacts(rep, "Silveira").hits == []
    assert shell_providers.search_contacts(rep, "Silveria").hits == []  # typo path too
    assert shell_providers.search_accounts(rep, "estrela").hits[0].label == "Padaria Estrela Ltda"
    assert len(shell_providers.search_accounts(rep, "estrela").hits) == 1
    page = logged_in(rep).get("/search/", {"q": "joao"})
    assert page.status_code == 200
    assert "João Silva" in page.text and "Silveira" not in page.text


def test_admin_shell_search_finds_every_team(admin_user, joao, others, logged_in):
    page = logged_in(admin_user).get("/search/", {"q": "Joao"})
    assert page.status_code == 200
    assert "João Silva" in page.text and "João Silveira" in page.text


@pytest.mark.parametrize(
    "query", ['"', "*", "%", "_", "NEAR(", "OR", "AND NOT", "'; DROP TABLE customers_contact; --"]
)
def test_hostile_input_is_plain_text(joao, query):
    found = contacts(query)
    assert found == []  # no record holds these words; none is read as an operator
    assert Contact.objects.count() == 1


def test_operator_words_are_searched_as_words(joao):
    near = Contact.objects.create(first_name="Near", last_name="Or", owner=joao.owner)
    assert contacts("NEAR(") == [near]
    assert contacts('"or"') == [near]
    assert contacts("joao OR near") == []  # every word must match: OR is a word, not an operator


def test_empty_query_keeps_the_queryset(joao, others):
    assert contacts("") == [joao, others]
    assert contacts("   ") == [joao, others]


def test_very_long_query_is_trimmed(joao):
    assert contacts("joao " * 5000) == [joao]
    assert contacts("j" * 100_000) == []
    assert len(search_index.query_terms("a b c d e f g h i j k l")) == search_index.MAX_TERMS


def test_document_of_an_unsaved_contact_for_bulk_inserts(joao):
    draft = Contact(
        first_name="José", last_name="Ávila", phone="+12125550123", account=joao.account
    )
    text = search_index.document(draft)
    assert text.split()[:2] == ["jose", "avila"]
    assert {"padaria", "12125550123", "2125550123", "5550123"} <= set(text.split())


def test_the_engine_comes_back_when_a_migration_drops_it(joao):
    """A later migration that rebuilds the table on SQLite drops its triggers."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("DROP TRIGGER customers_contact_fts_ai")
        else:
            cursor.execute("DROP INDEX customers_contact_search_tsv")
    ana = Contact.objects.create(first_name="Ana", last_name="Beatriz", owner=joao.owner)
    if connection.vendor == "postgresql":  # as at the end of a migration: no pending FK checks
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    search_engine.ensure_engine(connection)
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "customers_contact")
        tables = connection.introspection.table_names(cursor)
    if connection.vendor == "postgresql":
        assert "customers_contact_search_tsv" in constraints
    else:
        assert "customers_contact_fts" in tables
    assert contacts("beatriz") == [ana]
    assert contacts("silva") == [joao]


@pytest.mark.parametrize("broad", [1, 2000])
def test_many_matches_take_the_ordered_plan_with_the_same_answer(joao, others, monkeypatch, broad):
    """With many matches SQLite walks the list's order; the answer must not change."""
    monkeypatch.setattr(search_index, "BROAD", broad)
    assert contacts("joao") == [joao, others]
    assert contacts("Silveria") == [others]
    narrowed = search(Contact.objects.filter(owner=joao.owner), "estrela")
    assert list(narrowed) == [joao]
    assert list(Contact.objects.filter(pk__in=narrowed.values("pk"))) == [joao]


def test_shell_lists_leads_with_their_page(rep, other_rep):
    lead = Lead.objects.create(first_name="Ana", company="Café Paulista", owner=rep)
    Lead.objects.create(first_name="Ana", company="Café Carioca", owner=other_rep)
    group = shell_providers.search_leads(rep, "cafe")
    assert [(hit.label, hit.url) for hit in group.hits] == [("Ana", f"/leads/{lead.pk}/")]


def test_nightly_maintenance_keeps_the_answers(joao, others):
    seconds = search_engine.maintain(connection)
    assert set(seconds) == (
        set(search_index.FTS_TABLES) if connection.vendor == "sqlite" else set()
    )
    assert contacts("joao silva") == [joao]
    assert contacts("Silveria") == [others]
