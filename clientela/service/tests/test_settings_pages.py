"""Settings → Service desk with the test client on the real database: the lists with their empty
states; creating, changing and deleting queues, business calendars (the weekday grid and the
year's public holidays), SLA policies (the targets grid and its errors), mailboxes (the password
never shown and kept when left empty; "Test connection" against a real dovecot) and ticket
categories (inline); a queue with tickets is not deleted; read-only and refused users."""

from __future__ import annotations

import html
import re

import pytest
from django.test import Client
from django.utils import timezone

import clientela.service.settings_cards  # noqa: F401  (the card, as apps.py imports it)
from clientela.platform.models import AuditEntry, Tag, Team
from clientela.service import configuration, services
from clientela.service.forms_settings import SlaPolicyForm
from clientela.service.models import (
    BusinessCalendar,
    MailAccount,
    Queue,
    SlaPolicy,
    TicketCategory,
)
from clientela.testing.imap import DovecotServer, imap_server_fixture  # noqa: F401

BASE = "/service/settings"
QUEUES = f"{BASE}/queues/"
CALENDARS = f"{BASE}/calendars/"
POLICIES = f"{BASE}/sla-policies/"
MAILBOXES = f"{BASE}/mailboxes/"
CATEGORIES = f"{BASE}/categories/"
LISTS = (QUEUES, CALENDARS, POLICIES, MAILBOXES, CATEGORIES)
WEEK = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@pytest.fixture
def manager(make_user):
    """May view the service desk's set-up (the platform area is read-only to sales managers)."""
    return make_user("sales-manager")


@pytest.fixture
def rep(make_user):
    return make_user("sales-rep")


@pytest.fixture
def lead(make_user):
    return make_user("service-agent", first_name="Tina", last_name="Lima")


@pytest.fixture
def support(admin_user, lead):
    return configuration.queue_save(actor=admin_user, values={"name": "Suporte", "lead": lead.pk})


@pytest.fixture
def office(admin_user):
    return configuration.calendar_save(
        actor=admin_user,
        values={
            "name": "Escritório",
            "timezone": "America/Sao_Paulo",
            "hours": {"mon": ["09:00-18:00"]},
        },
    )


def text(response) -> str:
    assert response.status_code == 200, response.status_code
    return html.unescape(response.content.decode())


def messages_of(response) -> list[str]:
    return [
        html.unescape(m) for m in re.findall(r'<p class="message[^"]*">(.*?)</p>', text(response))
    ]


def grid(**days: str) -> dict[str, str]:
    return {f"hours_{day}": days.get(day, "") for day in WEEK}


def targets(**cells: tuple[str, str]) -> dict[str, str]:
    """``urgent_first_response=("1", "30")``: the grid's hours and minutes boxes."""
    data = {}
    for priority in ("urgent", "high", "normal", "low"):
        for target in ("first_response", "resolution"):
            hours, minutes = cells.get(f"{priority}_{target}", ("", ""))
            data[f"{priority}_{target}_hours"] = hours
            data[f"{priority}_{target}_minutes"] = minutes
    return data


def cell(page: str, priority: str, target: str) -> str:
    row = re.search(rf'<tr data-priority="{priority}">(.*?)</tr>', page, re.DOTALL)
    assert row is not None
    found = re.search(rf'<td data-target="{target}">(.*?)</td>', row.group(1), re.DOTALL)
    assert found is not None
    return found.group(1)


# --- lists and the card -------------------------------------------------------------------


def test_each_list_starts_with_an_empty_state(admin_user, logged_in):
    client = logged_in(admin_user)
    expected = {
        QUEUES: ("No queues yet.", f'href="{QUEUES}new/"'),
        CALENDARS: ("No business calendars yet.", f'href="{CALENDARS}new/"'),
        POLICIES: ("No SLA policies yet.", f'href="{POLICIES}new/"'),
        MAILBOXES: ("No mailboxes yet.", f'href="{MAILBOXES}new/"'),
        CATEGORIES: ("No ticket categories yet.", f'action="{CATEGORIES}"'),
    }
    for url, (title, create) in expected.items():
        page = text(client.get(url))
        assert title in page and create in page, url
        assert [f'href="{u}"' in page for u in LISTS] == [True] * 5, url  # the tabs


def test_the_settings_index_has_a_service_desk_card_for_who_may_view_queues(
    admin_user, manager, rep, logged_in
):
    card = f'<a class="card" href="{QUEUES}"><strong>Service desk</strong>'
    assert card in text(logged_in(admin_user).get("/settings/"))
    assert card in text(logged_in(manager).get("/settings/"))
    assert card not in text(logged_in(rep).get("/settings/"))


# --- queues ----------------------------------------------------------------------------------


def test_an_administrator_creates_a_queue_and_sees_it_listed(admin_user, lead, office, logged_in):
    team = Team.objects.create(name="Suporte N1")
    client = logged_in(admin_user)
    form = text(client.get(f"{QUEUES}new/"))
    assert re.search(r'name="acknowledge"[^>]* checked>', form) is not None
    assert re.search(r'name="active"[^>]* checked>', form) is not None

    response = client.post(
        f"{QUEUES}new/",
        {
            "name": "  Atendimento ",
            "email": "Suporte@Acme.test",
            "team": team.pk,
            "lead": lead.pk,
            "assignment": "round_robin",
            "calendar": office.pk,
            "active": "on",
            "position": "3",
        },
        follow=True,
    )

    queue = Queue.objects.get()
    assert (queue.name, queue.email, queue.team, queue.lead, queue.calendar) == (
        "Atendimento",
        "suporte@acme.test",
        team,
        lead,
        office,
    )
    assert (queue.assignment, queue.acknowledge, queue.active, queue.position) == (
        "round_robin",
        False,
        True,
        3,
    )
    assert response.redirect_chain == [(QUEUES, 302)]
    assert messages_of(response) == ["The queue “Atendimento” was saved."]
    row = re.search(rf'<tr data-queue="{queue.pk}">(.*?)</tr>', text(response), re.DOTALL)
    assert row is not None
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.DOTALL)
    assert cells[1:7] == [
        "suporte@acme.test",
        "Suporte N1",
        "Tina Lima",
        "Round robin",
        "Escritório",
        "0",
    ]
    audited = AuditEntry.objects.filter(object_type="service.queue", object_id=str(queue.pk))
    assert list(audited.values_list("action", flat=True)) == ["create"]


def test_a_queue_is_changed_and_its_errors_shown_on_their_fields(
    admin_user, support, lead, logged_in
):
    client = logged_in(admin_user)
    configuration.queue_save(actor=admin_user, values={"name": "Vendas", "lead": lead.pk})
    url = f"{QUEUES}{support.pk}/"
    page = text(client.get(url))
    assert 'value="Suporte"' in page

    data = {"name": "Vendas", "email": "nope", "lead": lead.pk, "assignment": "manual"}
    refused = text(client.post(url, data))

    assert "This name is taken." in refused and "Enter a valid e-mail address." in refused
    support.refresh_from_db()
    assert support.name == "Suporte"

    client.post(url, {"name": "Suporte 2", "lead": lead.pk, "assignment": "least_loaded"})
    support.refresh_from_db()
    assert (support.name, support.assignment, support.active, support.acknowledge) == (
        "Suporte 2",
        "least_loaded",
        False,
        False,
    )


def test_a_queue_is_deleted_after_its_confirmation(admin_user, support, logged_in):
    client = logged_in(admin_user)
    url = f"{QUEUES}{support.pk}/delete/"
    assert "Delete “Suporte”?" in text(client.get(url))
    assert Queue.objects.filter(pk=support.pk).exists()

    response = client.post(url, follow=True)

    assert not Queue.objects.exists()
    assert messages_of(response) == ["The queue “Suporte” was deleted."]


def test_a_queue_with_tickets_is_not_deleted_and_says_it_is_in_use(admin_user, support, logged_in):
    services.ticket_create(actor=admin_user, values={"subject": "Sem sinal", "queue": support.pk})

    response = logged_in(admin_user).post(f"{QUEUES}{support.pk}/delete/", follow=True)

    assert messages_of(response) == [
        "“Suporte” was not deleted. It is in use; deactivate it instead."
    ]
    assert list(Queue.objects.values_list("name", flat=True)) == ["Suporte"]
    assert support.tickets.count() == 1
    row = re.search(rf'<tr data-queue="{support.pk}">(.*?)</tr>', text(response), re.DOTALL)
    assert row is not None and '<td class="number">1</td>' in row.group(1)


# --- business calendars ----------------------------------------------------------------------


def test_the_opening_hours_grid_goes_to_the_service_and_comes_back(admin_user, logged_in):
    client = logged_in(admin_user)
    data = {
        "name": "Matriz",
        "timezone": "America/Sao_Paulo",
        "country": "br",
        "subdivision": "sp",
        "closed_days": "2030-12-24\n\n2030-12-31 ",
        "open_days": "",
        **grid(
            mon="09:00-12:00, 13:00-18:00",
            tue="9:00 - 18:00",
            wed="13:00-18:00,09:00-12:00",
            fri="08:00-17:00",
            sat="09:00-13:00",
        ),
    }

    response = client.post(f"{CALENDARS}new/", data, follow=True)

    calendar = BusinessCalendar.objects.get()
    assert calendar.hours == {
        "mon": ["09:00-12:00", "13:00-18:00"],
        "tue": ["09:00-18:00"],
        "wed": ["09:00-12:00", "13:00-18:00"],
        "thu": [],
        "fri": ["08:00-17:00"],
        "sat": ["09:00-13:00"],
        "sun": [],
    }
    assert (calendar.country, calendar.subdivision) == ("BR", "SP")
    assert calendar.closed_days == ["2030-12-24", "2030-12-31"]
    assert messages_of(response) == ["The business calendar “Matriz” was saved."]
    assert "Mon 09:00-12:00, 13:00-18:00 · Tue 09:00-18:00 · Wed 09:00-12:00, 13:00-18:00" in (
        text(response)
    )

    page = text(client.get(f"{CALENDARS}{calendar.pk}/"))
    values = dict(re.findall(r'name="hours_(\w+)" value="([^"]*)"', page))
    assert values == {
        "mon": "09:00-12:00, 13:00-18:00",
        "tue": "09:00-18:00",
        "wed": "09:00-12:00, 13:00-18:00",
        "fri": "08:00-17:00",
        "sat": "09:00-13:00",
    }
    assert 'name="hours_thu" maxlength' in page or 'name="hours_thu" id' in page
    assert "2030-12-24\n2030-12-31</textarea>" in page

    # saved again unchanged: the same hours, nothing audited
    entries = AuditEntry.objects.count()
    client.post(
        f"{CALENDARS}{calendar.pk}/",
        {**data, **grid(**{d: ", ".join(r) for d, r in calendar.hours.items()})},
    )
    calendar.refresh_from_db()
    assert calendar.hours["mon"] == ["09:00-12:00", "13:00-18:00"]
    assert AuditEntry.objects.count() == entries


def test_a_wrong_day_of_the_grid_is_shown_on_that_day_and_nothing_is_saved(admin_user, logged_in):
    data = {
        "name": "Filial",
        "timezone": "America/Sao_Paulo",
        **grid(
            mon="09:00-18:00", tue="18:00-09:00", thu="9h às 18h", fri="09:00-13:00, 12:00-18:00"
        ),
    }

    page = text(logged_in(admin_user).post(f"{CALENDARS}new/", data))

    rows = dict(re.findall(r'<tr data-day="hours_(\w+)">(.*?)</tr>', page, re.DOTALL))
    wrong = [day for day, row in rows.items() if 'class="error"' in row]
    assert wrong == ["tue", "thu", "fri"]
    assert (
        "Use ranges such as 09:00-12:00, 13:00-18:00, in order and not overlapping." in rows["tue"]
    )
    assert not BusinessCalendar.objects.exists()


def test_a_calendar_refuses_an_unknown_country_a_bad_date_and_zone(admin_user, logged_in):
    data = {
        "name": "Filial",
        "timezone": "Mars/Olympus",
        "country": "XX",
        "closed_days": "2030-02-30",
        **grid(),
    }

    page = text(logged_in(admin_user).post(f"{CALENDARS}new/", data))

    assert "Select a valid choice. Mars/Olympus is not one of the available choices." in page
    data["timezone"] = "UTC"
    page = text(logged_in(admin_user).post(f"{CALENDARS}new/", data))
    assert "Unknown country or state for public holidays." in page
    assert "“2030-02-30” is not a date (YYYY-MM-DD)." in page
    assert not BusinessCalendar.objects.exists()


def test_a_calendars_page_lists_this_years_public_holidays(admin_user, logged_in):
    year = timezone.localdate().year
    calendar = configuration.calendar_save(
        actor=admin_user,
        values={
            "name": "São Paulo",
            "timezone": "America/Sao_Paulo",
            "hours": {"mon": ["09:00-18:00"]},
            "country": "BR",
            "subdivision": "SP",
            "open_days": [f"{year}-04-21"],
        },
    )
    elsewhere = configuration.calendar_save(
        actor=admin_user,
        values={"name": "Remoto", "timezone": "UTC", "hours": {"mon": ["00:00-24:00"]}},
    )
    client = logged_in(admin_user)

    page = text(client.get(f"{CALENDARS}{calendar.pk}/"))

    assert "Public holidays this year" in page
    days = dict(re.findall(r'<tr data-holiday="([\d-]+)">(.*?)</tr>', page, re.DOTALL))
    assert "Constitutionalist Revolution" in days[f"{year}-07-09"]  # São Paulo's own
    assert "Christmas Day" in days[f"{year}-12-25"]
    assert "Worked" in days[f"{year}-04-21"] and "Worked" not in days[f"{year}-12-25"]
    assert "This calendar follows no country's public holidays" in text(
        client.get(f"{CALENDARS}{elsewhere.pk}/")
    )


def test_a_calendar_a_queue_uses_is_not_deleted(admin_user, lead, office, logged_in):
    configuration.queue_save(
        actor=admin_user, values={"name": "Suporte", "lead": lead.pk, "calendar": office.pk}
    )
    client = logged_in(admin_user)

    refused = client.post(f"{CALENDARS}{office.pk}/delete/", follow=True)

    assert messages_of(refused) == [
        "“Escritório” was not deleted. It is in use; deactivate it instead."
    ]
    assert BusinessCalendar.objects.count() == 1
    Queue.objects.update(calendar=None)
    deleted = client.post(f"{CALENDARS}{office.pk}/delete/", follow=True)
    assert messages_of(deleted) == ["The business calendar “Escritório” was deleted."]
    assert not BusinessCalendar.objects.exists()


# --- SLA policies ----------------------------------------------------------------------------


def test_an_sla_policy_is_created_from_the_targets_grid(admin_user, support, office, logged_in):
    gold = Tag.objects.create(name="Ouro")
    client = logged_in(admin_user)
    data = {
        "name": "Ouro",
        "position": "1",
        "calendar": office.pk,
        "queue": support.pk,
        "tier": gold.pk,
        "warn_percent": "75",
        "active": "on",
        **targets(
            urgent_first_response=("0", "30"),
            urgent_resolution=("4", ""),
            high_first_response=("2", "15"),
            normal_resolution=("", "90"),
        ),
    }

    response = client.post(f"{POLICIES}new/", data, follow=True)

    policy = SlaPolicy.objects.get()
    assert policy.targets == {
        "urgent": {"first_response": 30, "resolution": 240},
        "high": {"first_response": 135},
        "normal": {"resolution": 90},
    }
    assert (policy.calendar, policy.queue, policy.tier) == (office, support, gold)
    assert (policy.position, policy.warn_percent, policy.active) == (1, 75, True)
    assert messages_of(response) == ["The SLA policy “Ouro” was saved."]
    row = re.search(rf'<tr data-policy="{policy.pk}">(.*?)</tr>', text(response), re.DOTALL)
    assert row is not None
    assert re.findall(r"<li>(.*?)</li>", row.group(1)) == [
        "Urgent: 30 min / 4 h",
        "High: 2 h 15 min / —",
        "Normal: — / 1 h 30 min",
    ]

    page = text(client.get(f"{POLICIES}{policy.pk}/"))
    assert 'name="high_first_response_hours" value="2"' in page
    assert 'name="high_first_response_minutes" value="15"' in page
    assert 'name="low_resolution_hours" min' in page  # empty, no target


def test_the_targets_grid_shows_each_error_on_its_cell(admin_user, logged_in):
    data = {
        "name": "Padrão",
        "warn_percent": "80",
        **targets(
            urgent_first_response=("0", "0"),
            high_resolution=("1", "-5"),
            normal_first_response=("9000", ""),
            low_resolution=("8", "0"),
        ),
    }

    page = text(logged_in(admin_user).post(f"{POLICIES}new/", data))

    assert "Enter from 1 minute to 8784 hours." in cell(page, "urgent", "first_response")
    assert "Ensure this value is greater than or equal to 0." in cell(page, "high", "resolution")
    assert "less than or equal to 8784" in cell(page, "normal", "first_response")
    assert 'class="error"' not in cell(page, "low", "resolution")
    assert 'class="error"' not in cell(page, "urgent", "resolution")
    assert not SlaPolicy.objects.exists()


def test_the_services_target_errors_land_on_their_cells():
    form = SlaPolicyForm({"name": "x"}, initial={})
    form.is_valid()

    form.show_errors({"targets.high.resolution": ["Too long."], "queue": ["Gone."]}, "bad")

    cells = {(r["priority"], c["target"]): c["errors"] for r in form.grid() for c in r["cells"]}
    assert cells[("high", "resolution")] == ["Too long."]
    assert sum(len(e) for e in cells.values()) == 1
    assert form.errors["queue"] == ["Gone."]


def test_sla_policies_are_listed_in_order_and_changed(admin_user, logged_in):
    later = configuration.sla_policy_save(
        actor=admin_user, values={"name": "Padrão", "position": 9, "targets": {}}
    )
    configuration.sla_policy_save(
        actor=admin_user,
        values={"name": "VIP", "position": 1, "targets": {"urgent": {"first_response": 15}}},
    )
    client = logged_in(admin_user)

    names = re.findall(
        r'<tr data-policy="\d+">.*?<a [^>]*>(.*?)</a>', text(client.get(POLICIES)), re.DOTALL
    )
    assert names == ["VIP", "Padrão"]

    client.post(
        f"{POLICIES}{later.pk}/",
        {
            "name": "Padrão",
            "position": "0",
            "warn_percent": "90",
            **targets(low_resolution=("48", "0")),
        },
    )
    later.refresh_from_db()
    assert (later.position, later.warn_percent, later.active) == (0, 90, False)
    assert later.targets == {"low": {"resolution": 2880}}


# --- mailboxes -------------------------------------------------------------------------------


def mailbox_data(queue: Queue, **extra: str) -> dict[str, object]:
    return {
        "name": "Suporte",
        "queue": queue.pk,
        "host": "imap.acme.test",
        "port": "993",
        "use_ssl": "on",
        "username": "suporte@acme.test",
        "folder": "INBOX",
        "processed_folder": "Processados",
        "active": "on",
        **extra,
    }


def test_a_mailbox_keeps_its_password_when_left_empty_and_never_shows_it(
    admin_user, support, logged_in
):
    client = logged_in(admin_user)
    refused = text(client.post(f"{MAILBOXES}new/", mailbox_data(support, password="")))
    assert "This field is required." in refused and not MailAccount.objects.exists()

    client.post(f"{MAILBOXES}new/", mailbox_data(support, password="s3cr3t-Pass"))
    mailbox = MailAccount.objects.get()
    assert (mailbox.host, mailbox.port, mailbox.password, mailbox.use_ssl) == (
        "imap.acme.test",
        993,
        "s3cr3t-Pass",
        True,
    )
    page = text(client.get(f"{MAILBOXES}{mailbox.pk}/"))
    assert "s3cr3t-Pass" not in page
    assert "Leave empty to keep the current password." in page

    client.post(
        f"{MAILBOXES}{mailbox.pk}/",
        mailbox_data(support, password="", port="143", use_ssl="", starttls="on"),
    )
    mailbox.refresh_from_db()
    assert (mailbox.password, mailbox.port, mailbox.use_ssl, mailbox.starttls) == (
        "s3cr3t-Pass",
        143,
        False,
        True,
    )
    client.post(f"{MAILBOXES}{mailbox.pk}/", mailbox_data(support, password="n3w-Pass"))
    mailbox.refresh_from_db()
    assert mailbox.password == "n3w-Pass"


def test_the_mailbox_list_highlights_the_last_error(admin_user, support, logged_in):
    mailbox = configuration.mailbox_save(
        actor=admin_user,
        values={**mailbox_data(support), "password": "x", "use_ssl": True},
    )
    MailAccount.objects.filter(pk=mailbox.pk).update(last_error="Login refused.")

    page = text(logged_in(admin_user).get(MAILBOXES))

    assert '<span class="error mailbox-error">Login refused.</span>' in page
    assert "imap.acme.test:993" in page


def test_test_connection_signs_in_to_a_real_mailbox(
    admin_user, support, logged_in, imap_server: DovecotServer
):
    account = imap_server.new_user()
    mailbox = configuration.mailbox_save(
        actor=admin_user,
        values={
            "name": "Suporte",
            "queue": support.pk,
            "host": account.host,
            "port": account.port,
            "use_ssl": False,
            "username": account.user,
            "password": account.password,
        },
    )
    client = logged_in(admin_user)
    check = f"{MAILBOXES}{mailbox.pk}/check/"

    works = client.post(check, follow=True)

    assert works.redirect_chain == [(f"{MAILBOXES}{mailbox.pk}/", 302)]
    assert messages_of(works) == ["Connection works."]
    MailAccount.objects.filter(pk=mailbox.pk).update(password="wrong-password")
    failed = messages_of(client.post(check, follow=True))
    assert failed == ["The connection failed: The IMAP server rejected the user name or password."]
    assert client.get(check).status_code == 405


# --- ticket categories -----------------------------------------------------------------------


def test_categories_are_added_renamed_deactivated_and_deleted_inline(admin_user, logged_in):
    client = logged_in(admin_user)

    added = client.post(CATEGORIES, {"name": " Cobrança ", "active": "on"}, follow=True)
    category = TicketCategory.objects.get()
    assert (category.name, category.active) == ("Cobrança", True)
    assert messages_of(added) == ["The category “Cobrança” was saved."]
    assert f'form="category-{category.pk}"' in text(added)

    client.post(f"{CATEGORIES}{category.pk}/", {"name": "Faturamento"})
    category.refresh_from_db()
    assert (category.name, category.active) == ("Faturamento", False)

    configuration.category_save(actor=admin_user, values={"name": "Entrega"})
    taken = text(client.post(f"{CATEGORIES}{category.pk}/", {"name": "Entrega", "active": "on"}))
    row = re.search(rf'<tr data-category="{category.pk}">(.*?)</tr>', taken, re.DOTALL)
    assert row is not None and "This name is taken." in row.group(1)
    assert 'value="Entrega"' in row.group(1)
    category.refresh_from_db()
    assert category.name == "Faturamento"
    duplicate = text(client.post(CATEGORIES, {"name": "Entrega", "active": "on"}))
    assert "This name is taken." in duplicate and TicketCategory.objects.count() == 2

    deleted = client.post(f"{CATEGORIES}{category.pk}/delete/", follow=True)
    assert messages_of(deleted) == ["The category “Faturamento” was deleted."]
    assert list(TicketCategory.objects.values_list("name", flat=True)) == ["Entrega"]


# --- who may do what -------------------------------------------------------------------------


def test_a_sales_rep_is_refused_everywhere_and_nothing_changes(
    rep, admin_user, support, office, logged_in
):
    policy = configuration.sla_policy_save(actor=admin_user, values={"name": "P", "targets": {}})
    category = configuration.category_save(actor=admin_user, values={"name": "Cobrança"})
    mailbox = configuration.mailbox_save(
        actor=admin_user, values={**mailbox_data(support), "password": "x"}
    )
    client = logged_in(rep)
    records = {
        QUEUES: support.pk,
        CALENDARS: office.pk,
        POLICIES: policy.pk,
        MAILBOXES: mailbox.pk,
    }
    entries = AuditEntry.objects.count()

    for url in LISTS:
        assert client.get(url).status_code == 403, url
        assert client.get(f"{url}new/").status_code in (403, 404), url
    for url, pk in records.items():
        assert client.get(f"{url}{pk}/").status_code == 403, url
        assert client.post(f"{url}{pk}/", {"name": "Hacked"}).status_code == 403, url
        assert client.post(f"{url}{pk}/delete/").status_code == 403, url
        assert client.post(f"{url}new/", {"name": "New"}).status_code == 403, url
    assert client.post(CATEGORIES, {"name": "New"}).status_code == 403
    assert client.post(f"{CATEGORIES}{category.pk}/", {"name": "Hacked"}).status_code == 403
    assert client.post(f"{CATEGORIES}{category.pk}/delete/").status_code == 403
    assert client.post(f"{MAILBOXES}{mailbox.pk}/check/").status_code == 403

    assert AuditEntry.objects.count() == entries
    assert [m.objects.count() for m in (Queue, BusinessCalendar, SlaPolicy, MailAccount)] == [
        1,
        1,
        1,
        1,
    ]
    assert list(TicketCategory.objects.values_list("name", flat=True)) == ["Cobrança"]
    support.refresh_from_db()
    assert support.name == "Suporte"


def test_a_manager_sees_the_lists_but_no_edit_buttons(
    manager, admin_user, support, office, logged_in
):
    configuration.sla_policy_save(actor=admin_user, values={"name": "P", "targets": {}})
    configuration.category_save(actor=admin_user, values={"name": "Cobrança"})
    configuration.mailbox_save(actor=admin_user, values={**mailbox_data(support), "password": "x"})
    client = logged_in(manager)

    for url in LISTS:
        page = text(client.get(url))
        assert "data-delete-ask" not in page and f'href="{url}new/"' not in page, url
        assert "<dialog" not in page and 'class="button primary"' not in page, url
    assert "Cobrança" in text(client.get(CATEGORIES))
    assert 'form="category-' not in text(client.get(CATEGORIES))

    page = text(client.get(f"{QUEUES}{support.pk}/"))
    assert "You may see this record but not change it." in page
    form = page[page.index('<form method="post" class="form') :]
    assert '<button class="button primary" type="submit">' not in form
    assert re.search(r'<input type="text" name="name" value="Suporte"[^>]* disabled', form)
    assert client.get(f"{QUEUES}new/").status_code == 403
    assert client.post(f"{QUEUES}{support.pk}/", {"name": "X"}).status_code == 403
    assert client.post(f"{QUEUES}{support.pk}/delete/").status_code == 403
    support.refresh_from_db()
    assert support.name == "Suporte"


def test_an_unknown_record_is_not_found(admin_user, logged_in):
    client = logged_in(admin_user)
    for url in (QUEUES, CALENDARS, POLICIES, MAILBOXES):
        assert client.get(f"{url}999999/").status_code == 404, url
        assert client.post(f"{url}999999/delete/").status_code == 404, url
        assert client.get(f"{url}99999999999999999999999/").status_code == 404, url
    assert client.post(f"{CATEGORIES}999999/", {"name": "x"}).status_code == 404


def test_pages_do_not_repeat_queries_per_row(
    admin_user, lead, office, logged_in, django_assert_max_num_queries
):
    for n in range(20):
        queue = configuration.queue_save(
            actor=admin_user,
            values={
                "name": f"Fila {n}",
                "lead": lead.pk,
                "calendar": office.pk,
                "team": Team.objects.create(name=f"Time {n}").pk,
            },
        )
        configuration.sla_policy_save(
            actor=admin_user, values={"name": f"P{n}", "queue": queue.pk, "targets": {}}
        )
    client: Client = logged_in(admin_user)

    for url in (QUEUES, POLICIES):
        with django_assert_max_num_queries(12):
            text(client.get(url))
