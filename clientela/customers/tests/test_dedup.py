"""The duplicate scan: matching rules, blocking, stored pairs, rescans, the task and the pages."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django_tasks_db.models import DBTaskResult

from clientela.customers import dedup
from clientela.customers import dedup_rules as rules
from clientela.customers.models import (
    Account,
    Address,
    Contact,
    ContactPoint,
    DuplicateCandidate,
    MergeRecord,
)
from clientela.platform.taskqueue.worker import Runner


@pytest.fixture
def team(make_team):
    return make_team("Vendas SP")


@pytest.fixture
def manager(make_user, team):
    return make_user("sales-manager", teams=[team])


def _contact(owner, team, **values):
    return Contact.objects.create(owner=owner, team=team, **values)


def test_sound_codes_tolerate_spelling_variants():
    assert rules.sound("Sousa") == rules.sound("Souza") == rules.sound("SOUZA")
    assert rules.sound("João") == rules.sound("Joao")
    assert rules.sound("Silva") != rules.sound("Santos")
    assert rules.sound("") == ""


def test_score_is_high_for_one_person_and_low_for_namesakes():
    a = rules.make_profile(
        1, first="Maria", last="Silva", emails=["maria@x.com"], phones=["+5511987654321"]
    )
    b = rules.make_profile(
        2, first="María", last="Silva", emails=["MARIA@x.com"], phones=["(11) 98765-4321"]
    )
    namesake = rules.make_profile(
        3, first="Maria", last="Silva", emails=["msilva@y.org"], phones=["+5521912345678"]
    )
    value, reasons = rules.score(a, b)
    assert value > 0.95
    assert reasons[0] == {"field": "email", "similarity": 1.0}
    assert {"field": "phone", "similarity": 1.0} in reasons
    assert rules.score(a, namesake)[0] < dedup.DEFAULT_THRESHOLD


def test_swapped_names_still_match():
    a = rules.make_profile(1, first="Silva", last="Carlos", birth="19800101", tax="12345678909")
    b = rules.make_profile(2, first="Carlos", last="Silva", birth="19800101", tax="12345678909")
    assert rules.score(a, b)[0] > 0.95


def test_company_names_ignore_legal_forms():
    assert rules.company_name("ACME Comércio Ltda.") == "acme"
    assert rules.web_domain("https://www.acme.com.br/contato") == "acme.com.br"


def _people(owner, team):
    """Three real duplicate pairs and two namesakes who are different people."""
    ana = _contact(owner, team, first_name="Ana", last_name="Souza", email="ana@acme.com")
    ana2 = _contact(owner, team, first_name="Anna", last_name="Sousa", email="ana@acme.com")
    bob = _contact(owner, team, first_name="Roberto", last_name="Lima", phone="+5511987654321")
    bob2 = _contact(owner, team, first_name="Roberto", last_name="Lima")
    ContactPoint.objects.create(contact=bob2, kind="phone", value="(11) 98765-4321")
    cpf = "529.982.247-25"
    cai = _contact(owner, team, first_name="Caio", last_name="Prado", tax_id=cpf)
    cai2 = _contact(
        owner, team, first_name="Caio", last_name="Prado Jr", tax_id=cpf, birthday=date(1990, 1, 2)
    )
    for record in (cai, cai2):
        Address.objects.create(contact=record, street="Rua Augusta, 1500", postal_code="01304-001")
    _contact(owner, team, first_name="José", last_name="Santos", email="jose1@a.com")
    _contact(owner, team, first_name="José", last_name="Santos", email="zezinho@b.org")
    return {(ana.pk, ana2.pk), (bob.pk, bob2.pk), (cai.pk, cai2.pk)}


def _pairs(object_type="customers.contact", status="open"):
    rows = DuplicateCandidate.objects.filter(object_type=object_type, status=status)
    return {(c.left_id, c.right_id) for c in rows}


def test_scan_finds_the_duplicates_and_not_the_namesakes(manager, team):
    expected = _people(manager, team)
    result = dedup.scan(dedup.CONTACT)
    assert _pairs() == expected
    assert result.scanned == 8 and result.found == 3
    bob = DuplicateCandidate.objects.get(left_id=min(expected)[0] + 2)
    assert {"field": "phone", "similarity": 1.0} in bob.reasons


def test_rescan_keeps_one_row_per_pair_and_respects_dismissals(manager, team):
    expected = sorted(_people(manager, team))
    dedup.scan(dedup.CONTACT)
    DuplicateCandidate.objects.filter(left_id=expected[0][0]).update(status="dismissed")
    Contact.objects.filter(pk=expected[1][1]).update(phone="", first_name="Zélia")
    ContactPoint.objects.filter(contact_id=expected[1][1]).delete()
    result = dedup.scan(dedup.CONTACT)
    assert _pairs() == {expected[2]}
    assert _pairs(status="dismissed") == {expected[0]}
    assert result.removed == 1
    assert DuplicateCandidate.objects.count() == 2


def test_the_bounded_memory_paths_find_the_same_pairs(manager, team, monkeypatch):
    expected = _people(manager, team)
    monkeypatch.setattr(dedup, "KEEP_PROFILES", 0)  # reload profiles batch by batch
    monkeypatch.setattr(dedup, "SCORE_BATCH", 2)
    monkeypatch.setattr(dedup, "CHUNK", 3)
    dedup.scan(dedup.CONTACT)
    assert _pairs() == expected


def test_oversize_blocks_are_skipped_but_other_keys_still_pair(manager, team, monkeypatch):
    for n in range(6):
        _contact(manager, team, first_name="Maria", last_name="Silva", email=f"m{n}@x.com")
    twin = _contact(manager, team, first_name="Maria", last_name="Silva", email="m0@x.com")
    monkeypatch.setattr(dedup, "MAX_BLOCK", 3)
    result = dedup.scan(dedup.CONTACT)
    first = Contact.objects.get(email="m0@x.com", pk__lt=twin.pk)
    assert _pairs() == {(first.pk, twin.pk)}
    assert result.compared == 1


def test_accounts_match_on_tax_id_root_and_name(manager, team):
    acme = Account.objects.create(
        owner=manager, team=team, name="ACME Comércio Ltda", tax_id="11.222.333/0001-81"
    )
    branch = Account.objects.create(
        owner=manager, team=team, name="Acme", tax_id="11.222.333/0002-62", website="acme.com"
    )
    Account.objects.create(owner=manager, team=team, name="Padaria Estrela")
    dedup.scan(dedup.ACCOUNT)
    assert _pairs("customers.account") == {(acme.pk, branch.pk)}


def test_scan_refuses_an_unknown_record_type():
    with pytest.raises(ValueError):
        dedup.scan("customers.lead")


@pytest.mark.django_db(transaction=True)
def test_the_task_runs_on_the_worker_and_reports_progress(make_user, make_team):
    team = make_team("Ops")
    manager = make_user("sales-manager", teams=[team])
    expected = _people(manager, team)
    result = dedup.dedup_scan.enqueue(object_type="customers.contact")
    Runner(interval=0, max_tasks=1).run()
    result.refresh()
    assert result.status == "SUCCESSFUL"
    assert result.return_value[0]["found"] == 3
    progress = dedup.scan_progress(str(result.id))
    assert progress is not None and progress["phase"] == "done"
    assert _pairs() == expected
    # kept in the database's cache table, where the web processes read it (no Redis here)
    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key FROM clientela_cache")
        keys = [key for (key,) in cursor.fetchall()]
    assert any(dedup.progress_key(str(result.id)) in key for key in keys)


@pytest.mark.django_db
def test_progress_is_written_at_most_twice_a_second_but_every_change_of_phase(monkeypatch):
    clock = [100.0]
    monkeypatch.setattr(dedup.time, "monotonic", lambda: clock[0])
    report = dedup._reporter("r-1", "customers.contact")

    def shown() -> tuple[str, int] | None:
        value = dedup.scan_progress("r-1")
        return (value["phase"], value["done"]) if value else None

    report("reading", 1, 10)
    report("reading", 5, 10)  # too soon: not written
    assert shown() == ("reading", 1)
    clock[0] += dedup.PROGRESS_EVERY
    report("reading", 6, 10)
    assert shown() == ("reading", 6)
    report("reading", 10, 10)  # the end of a phase is always written
    assert shown() == ("reading", 10)
    report("comparing", 0, 4)  # so is a new phase
    assert shown() == ("comparing", 0)


# --- pages ----------------------------------------------------------------------------------


def test_list_page_shows_pairs_filters_and_dismisses(manager, team, logged_in):
    _people(manager, team)
    dedup.scan(dedup.CONTACT)
    browser = logged_in(manager)
    page = browser.get("/duplicates/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Anna Sousa" in html and "Scan for duplicates" in html
    assert "same e-mail" in html
    assert "Zé" not in html
    strict = browser.get("/duplicates/?min_score=99&type=customers.account")
    assert strict.status_code == 200 and "No possible duplicates" in strict.content.decode()
    bad = browser.get("/duplicates/?min_score=abc&type=x&cursor=%%%")
    assert bad.status_code == 200
    assert "The minimum score is a number from 0 to 100." in bad.content.decode()
    pair = DuplicateCandidate.objects.order_by("id")[0]
    done = browser.post(f"/duplicates/{pair.pk}/dismiss/", {"next_url": "https://evil.example/"})
    assert done.status_code == 302 and done["Location"] == "/duplicates/"
    assert DuplicateCandidate.objects.get(pk=pair.pk).status == "dismissed"


def test_merge_screen_previews_merges_and_history_undoes(manager, team, logged_in):
    _people(manager, team)
    dedup.scan(dedup.CONTACT)
    ana = Contact.objects.get(first_name="Ana")
    pair = DuplicateCandidate.objects.get(status="open", left_id=ana.pk)
    Address.objects.create(contact_id=pair.right_id, street="Rua Bahia, 10")
    browser = logged_in(manager)
    screen = browser.get(f"/duplicates/{pair.pk}/")
    assert screen.status_code == 200 and "Keep this record" in screen.content.decode()
    preview = browser.post(
        f"/duplicates/{pair.pk}/",
        {"survivor": "left", "pick_first_name": "right"},
        headers={"HX-Request": "true"},
    )
    assert b'data-field="first_name">Anna<' in preview.content
    assert "1 \N{MULTIPLICATION SIGN} addresses" in preview.content.decode()
    assert Contact.objects.filter(pk=pair.right_id).exists()
    done = browser.post(
        f"/duplicates/{pair.pk}/",
        {"survivor": "left", "pick_first_name": "right", "action": "merge"},
    )
    assert done.status_code == 302 and done["Location"] == f"/contacts/{pair.left_id}/"
    assert Contact.objects.get(pk=pair.left_id).first_name == "Anna"
    assert not Contact.objects.filter(pk=pair.right_id).exists()
    history = browser.get("/merges/")
    assert "Undo" in history.content.decode()
    merge_id = MergeRecord.objects.get().pk
    undone = browser.post(f"/merges/{merge_id}/undo/")
    assert undone.status_code == 302
    assert Contact.objects.get(pk=pair.right_id).first_name == "Anna"
    assert Contact.objects.get(pk=pair.left_id).first_name == "Ana"


def test_pages_hide_other_teams_pairs_and_refuse_scans_to_reps(
    manager, team, make_user, make_team, logged_in
):
    _people(manager, team)
    dedup.scan(dedup.CONTACT)
    pair = DuplicateCandidate.objects.order_by("id")[0]
    outsider = logged_in(make_user("sales-manager", teams=[make_team("Other")]))
    assert "Anna" not in outsider.get("/duplicates/").content.decode()
    assert outsider.get(f"/duplicates/{pair.pk}/").status_code == 404
    assert outsider.post(f"/duplicates/{pair.pk}/dismiss/").status_code == 404
    assert DuplicateCandidate.objects.get(pk=pair.pk).status == "open"
    rep = logged_in(make_user("sales-rep", teams=[team]))
    assert "Scan for duplicates" not in rep.get("/duplicates/").content.decode()
    assert rep.post("/duplicates/scan/", {"type": ""}).status_code == 403
    assert not DBTaskResult.objects.exists()
    assert rep.get("/duplicates/scan/abc/").status_code == 403


def test_scan_page_follows_a_queued_scan(manager, logged_in):
    browser = logged_in(manager)
    started = browser.post("/duplicates/scan/", {"type": "customers.contact"})
    assert started.status_code == 302
    page = browser.get(started["Location"])
    assert page.status_code == 200
    assert "Waiting for the background worker" in page.content.decode()
    assert browser.get("/duplicates/scan/not-a-scan/").status_code == 404


def test_account_pairs_merge_from_the_screen(manager, team, logged_in):
    parent = Account.objects.create(owner=manager, team=team, name="Grupo Acme")
    acme = Account.objects.create(
        owner=manager, team=team, name="ACME Comércio Ltda", tax_id="11.222.333/0001-81"
    )
    branch = Account.objects.create(
        owner=manager,
        team=team,
        name="Acme",
        tax_id="11.222.333/0002-62",
        industry="retail",
        parent=parent,
    )
    dedup.scan(dedup.ACCOUNT)
    pair = DuplicateCandidate.objects.get(object_type="customers.account")
    browser = logged_in(manager)
    screen = browser.get(f"/duplicates/{pair.pk}/").content.decode()
    assert "Retail" in screen and "Grupo Acme" in screen and "same name" in screen
    done = browser.post(
        f"/duplicates/{pair.pk}/",
        {"survivor": "right", "pick_name": "left", "pick_tax_id": "right", "action": "merge"},
    )
    assert done.status_code == 302 and done["Location"] == f"/accounts/{branch.pk}/"
    kept = Account.objects.get(pk=branch.pk)
    assert (kept.name, kept.tax_id, kept.parent_id) == (
        "ACME Comércio Ltda",
        "11.222.333/0002-62",
        parent.pk,
    )
    assert not Account.objects.filter(pk=acme.pk).exists()
