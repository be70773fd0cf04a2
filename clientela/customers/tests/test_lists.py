"""The account, contact and lead list pages: filters, sort, columns, views, pages, bulk, export."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from clientela.customers.models import Account, Contact, Lead
from clientela.customers.services import account_create, tags_add
from clientela.customers.services.leads import lead_create
from clientela.customers.tests.lists_data import accounts
from clientela.platform.models import AuditEntry, SavedView


@pytest.fixture
def rep(make_user, north):
    return make_user("sales-rep", teams=[north])


def rows(response):
    return [row["label"] for row in response.context["rows"]]


def test_account_list_shows_the_default_columns_sorted_by_name(admin_user, logged_in):
    account_create(actor=admin_user, values={"name": "Oficina Rápida", "lifecycle": "customer"})
    account_create(actor=admin_user, values={"name": "Bar do Zé"})
    account_create(actor=admin_user, values={"name": "Mercado Bom Preço"})

    response = logged_in(admin_user).get("/accounts/")

    assert response.status_code == 200
    assert rows(response) == ["Bar do Zé", "Mercado Bom Preço", "Oficina Rápida"]
    headers = [str(h["label"]) for h in response.context["headers"]]
    assert headers == ["Name", "Tax id", "Lifecycle status", "Phone", "Owner", "Team"]
    assert response.context["rows"][2]["cells"][2] == "Customer"
    assert b"Showing 3 records" in response.content


def test_account_list_sort_descending_and_the_heading_flips_it(admin_user, logged_in):
    accounts(admin_user, None, ["Bravo", "Alfa", "Charlie"])

    response = logged_in(admin_user).get("/accounts/", {"sort": "-name"})

    assert rows(response) == ["Charlie", "Bravo", "Alfa"]
    name_header = response.context["headers"][0]
    assert name_header["direction"] == "descending"
    assert "sort=name" in name_header["url"]


def test_filters_narrow_the_list_and_combine(admin_user, logged_in):
    accounts(admin_user, None, ["Alfa", "Bravo"], lifecycle="customer", industry="retail")
    accounts(admin_user, None, ["Charlie"], lifecycle="customer", industry="banking")
    accounts(admin_user, None, ["Delta"], lifecycle="prospect", industry="retail")
    browser = logged_in(admin_user)

    assert rows(browser.get("/accounts/", {"lifecycle": "customer"})) == [
        "Alfa",
        "Bravo",
        "Charlie",
    ]
    both = browser.get("/accounts/", {"lifecycle": "customer", "industry": "retail"})
    assert rows(both) == ["Alfa", "Bravo"]
    several = browser.get("/accounts/?lifecycle=customer&lifecycle=prospect&industry=retail")
    assert rows(several) == ["Alfa", "Bravo", "Delta"]


def test_owner_me_tag_and_created_range_filters(admin_user, make_user, logged_in):
    other = make_user("administrator")
    mine = account_create(actor=admin_user, values={"name": "Mine"})
    theirs = account_create(actor=other, values={"name": "Theirs"})
    tags_add(actor=admin_user, records=[theirs], names=["VIP"])
    Account.objects.filter(pk=mine.pk).update(created_at=timezone.now() - dt.timedelta(days=30))
    browser = logged_in(admin_user)
    today = timezone.localdate().isoformat()

    assert rows(browser.get("/accounts/", {"owner": "me"})) == ["Mine"]
    assert rows(browser.get("/accounts/", {"owner": str(other.pk)})) == ["Theirs"]
    assert rows(browser.get("/accounts/", {"tag": "VIP"})) == ["Theirs"]
    assert rows(browser.get("/accounts/", {"created_from": today})) == ["Theirs"]
    old = (timezone.localdate() - dt.timedelta(days=10)).isoformat()
    assert rows(browser.get("/accounts/", {"created_to": old})) == ["Mine"]


def test_unknown_filter_bad_value_and_bad_sort_show_errors_and_no_rows(admin_user, logged_in):
    accounts(admin_user, None, ["Alfa"])

    response = logged_in(admin_user).get(
        "/accounts/", {"colour": "red", "lifecycle": "nonsense", "sort": "revenue"}
    )

    assert response.status_code == 200
    assert rows(response) == []
    errors = response.context["errors"]
    assert set(errors) == {"colour", "lifecycle", "sort"}
    assert "no filter called “colour”" in errors["colour"][0]
    assert "cannot be sorted by “revenue”" in errors["sort"][0]
    assert b'role="alert"' in response.content


def test_rep_sees_only_own_and_team_records(rep, make_user, north, south, logged_in):
    stranger = make_user("sales-rep", teams=[south])
    teammate = make_user("sales-rep", teams=[north])
    accounts(rep, north, ["Mine"])
    accounts(teammate, north, ["Teammate's"])
    accounts(stranger, south, ["Stranger's"])

    response = logged_in(rep).get("/accounts/")

    assert rows(response) == ["Mine", "Teammate's"]
    # Even asking for the other team by filter shows nothing of it.
    assert rows(logged_in(rep).get("/accounts/", {"team": str(south.pk)})) == []


def test_keyset_pages_follow_each_other_without_overlap(admin_user, logged_in):
    names = [f"Account {i:03d}" for i in range(120)]
    accounts(admin_user, None, names)
    browser = logged_in(admin_user)

    seen = []
    url = "/accounts/?sort=name"
    for _page in range(3):
        response = browser.get(url)
        seen += rows(response)
        next_url = response.context.get("next_url")
        if not next_url:
            break
        url = "/accounts/" + next_url
    assert seen == names
    assert len(response.context["rows"]) == 20


def test_a_cursor_from_another_sort_is_refused(admin_user, logged_in):
    accounts(admin_user, None, [f"A{i:02d}" for i in range(60)])
    browser = logged_in(admin_user)
    next_url = browser.get("/accounts/", {"sort": "name"}).context["next_url"]
    cursor = next_url.split("cursor=")[1].split("&")[0]

    response = browser.get("/accounts/", {"sort": "-name", "cursor": cursor})

    assert rows(response) == []
    assert "another sort order" in response.context["errors"]["cursor"][0]


def test_chosen_columns_are_remembered_in_the_session(admin_user, logged_in):
    accounts(admin_user, None, ["Alfa"], country="PT")
    browser = logged_in(admin_user)

    first = browser.get("/accounts/?columns=name&columns=country")
    again = browser.get("/accounts/")

    assert [str(h["label"]) for h in first.context["headers"]] == ["Name", "Country"]
    assert [str(h["label"]) for h in again.context["headers"]] == ["Name", "Country"]
    assert again.context["rows"][0]["cells"] == ["Alfa", "PT"]
    reset = browser.get("/accounts/?columns=")
    assert len(reset.context["headers"]) == 6


def test_unknown_column_is_an_error(admin_user, logged_in):
    response = logged_in(admin_user).get("/accounts/", {"columns": "name,password"})
    assert "Unknown columns: password." in response.context["errors"]["columns"][0]


def test_list_query_count_does_not_grow_with_rows(
    admin_user, logged_in, django_assert_max_num_queries
):
    account = account_create(actor=admin_user, values={"name": "Empresa"})
    browser = logged_in(admin_user)
    columns = "name,account,owner,team,tags,email"
    contacts = Contact.objects.bulk_create(
        [
            Contact(first_name=f"P{i}", last_name="Silva", owner=admin_user, account=account)
            for i in range(50)
        ]
    )
    tags_add(actor=admin_user, records=contacts[:3], names=["VIP", "Lead"])
    browser.get("/contacts/")  # session and grants warmed like any later page view

    with django_assert_max_num_queries(15):  # fixed cost: session, grants, menus
        response = browser.get(f"/contacts/?columns={columns}")

    assert len(response.context["rows"]) == 50
    first = response.context["rows"][0]["cells"]
    assert first[1] == "Empresa" and first[4] == "Lead, VIP"


def test_saved_view_opens_with_its_filters_sort_and_columns(admin_user, make_user, logged_in):
    accounts(admin_user, None, ["Alfa", "Bravo"], lifecycle="customer")
    accounts(admin_user, None, ["Charlie"], lifecycle="prospect")
    browser = logged_in(admin_user)

    saved = browser.post(
        "/lists/account/views/",
        {
            "name": "Customers Z-A",
            "shared": "on",
            "query": "lifecycle=customer&sort=-name&columns=name",
        },
    )
    view = SavedView.objects.get()
    assert saved.status_code == 302 and saved["Location"] == f"/accounts/?view={view.pk}"
    assert view.filters == {"lifecycle": ["customer"]} and view.sort == "-name"
    assert view.columns == ["name"] and view.shared

    # Someone else opens the shared view and gets the same list.
    other = logged_in(make_user("administrator"))
    response = other.get(f"/accounts/?view={view.pk}")
    assert rows(response) == ["Bravo", "Alfa"]
    assert [str(h["label"]) for h in response.context["headers"]] == ["Name"]
    assert response.context["current_view"] == view


def test_saved_view_delete_asks_first_and_only_the_owner_may(admin_user, make_user, logged_in):
    browser = logged_in(admin_user)
    browser.post("/lists/account/views/", {"name": "Mine", "shared": "on", "query": ""})
    view = SavedView.objects.get()
    other = logged_in(make_user("administrator"))

    assert other.post(f"/lists/account/views/{view.pk}/delete/").status_code == 403
    confirm = browser.get(f"/lists/account/views/{view.pk}/delete/")
    assert b"Delete the view" in confirm.content and SavedView.objects.exists()
    done = browser.post(f"/lists/account/views/{view.pk}/delete/")
    assert done.status_code == 302 and not SavedView.objects.exists()


def test_bulk_assign_owner_from_the_page(manager, make_user, north, logged_in):
    teammate = make_user("sales-rep", teams=[north])
    created = accounts(manager, north, ["Alfa", "Bravo", "Charlie"])
    browser = logged_in(manager)

    response = browser.post(
        "/lists/account/bulk/",
        {
            "action": "assign_owner",
            "ids": [created[0].pk, created[1].pk],
            "owner": teammate.pk,
            "query": "sort=name",
        },
    )

    assert response.status_code == 302 and response["Location"] == "/accounts/?sort=name"
    owners = dict(Account.objects.values_list("name", "owner_id"))
    assert owners == {"Alfa": teammate.pk, "Bravo": teammate.pk, "Charlie": manager.pk}
    assert AuditEntry.objects.filter(object_type="customers.account", action="update").count() == 2


def test_bulk_delete_asks_for_confirmation_with_the_count(manager, north, logged_in):
    created = accounts(manager, north, ["Alfa", "Bravo", "Charlie"])
    browser = logged_in(manager)
    ids = [a.pk for a in created[:2]]

    confirm = browser.post("/lists/account/bulk/", {"action": "delete", "ids": ids, "query": ""})

    assert confirm.status_code == 200
    assert b"Delete 2 records?" in confirm.content
    assert Account.objects.count() == 3
    done = browser.post(
        "/lists/account/bulk/", {"action": "delete", "ids": ids, "confirmed": "1", "query": ""}
    )
    assert done.status_code == 302
    assert list(Account.objects.values_list("name", flat=True)) == ["Charlie"]
    followed = browser.get(done["Location"])
    assert "2 records were deleted." in followed.content.decode()


def test_bulk_on_another_teams_records_is_refused_and_changes_nothing(
    manager, make_user, north, south, logged_in
):
    stranger = make_user("sales-rep", teams=[south])
    ours = accounts(manager, north, ["Ours"])
    theirs = accounts(stranger, south, ["Theirs"])
    browser = logged_in(manager)
    before = AuditEntry.objects.count()

    response = browser.post(
        "/lists/account/bulk/",
        {"action": "delete", "ids": [ours[0].pk, theirs[0].pk], "confirmed": "1", "query": ""},
        follow=True,
    )

    assert Account.objects.count() == 2
    assert AuditEntry.objects.count() == before
    text = response.content.decode()
    assert "Nothing was changed: 1 record was refused." in text
    assert f"#{theirs[0].pk}: Not found." in text


def test_bulk_add_tag_to_everything_matching_the_filter(admin_user, logged_in):
    accounts(admin_user, None, ["Alfa", "Bravo"], lifecycle="customer")
    accounts(admin_user, None, ["Charlie"], lifecycle="prospect")
    browser = logged_in(admin_user)

    browser.post(
        "/lists/account/bulk/",
        {"action": "add_tag", "all_matching": "1", "tags": "Key", "query": "lifecycle=customer"},
    )

    tagged = Account.objects.filter(tags__name="Key").order_by("name")
    assert [a.name for a in tagged] == ["Alfa", "Bravo"]


def test_export_gives_what_the_list_shows(admin_user, logged_in):
    accounts(admin_user, None, ["Alfa", "Bravo"], lifecycle="customer", country="PT")
    accounts(admin_user, None, ["=Charlie"], lifecycle="prospect")
    browser = logged_in(admin_user)

    response = browser.get(
        "/accounts/",
        {"lifecycle": "customer", "sort": "-name", "columns": "name,country", "export": "csv"},
    )

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert text.splitlines() == ["Name,Country", "Bravo,PT", "Alfa,PT"]


def test_export_includes_the_tags_column_without_a_query_per_row(
    admin_user, logged_in, django_assert_max_num_queries
):
    accounts(admin_user, None, ["Alfa", "Bravo", "Charlie"])
    tags_add(actor=admin_user, records=list(Account.objects.all()), names=["Key", "BR"])
    browser = logged_in(admin_user)

    with django_assert_max_num_queries(15):
        response = browser.get("/accounts/", {"columns": "name,tags", "export": "csv"})
        text = b"".join(response.streaming_content).decode("utf-8-sig")

    assert text.splitlines() == [
        "Name,Tags",
        'Alfa,"BR, Key"',
        'Bravo,"BR, Key"',
        'Charlie,"BR, Key"',
    ]


def test_lead_list_shows_newest_first_and_filters_by_status(admin_user, logged_in):
    first = lead_create(actor=admin_user, values={"company": "Older"})
    lead_create(actor=admin_user, values={"company": "Newer"})
    Lead.objects.filter(pk=first.pk).update(
        created_at=timezone.now() - dt.timedelta(days=1), status="working"
    )
    browser = logged_in(admin_user)

    response = browser.get("/leads/")

    assert response.status_code == 200
    assert rows(response) == ["Newer", "Older"]
    assert rows(browser.get("/leads/", {"status": "working"})) == ["Older"]
    assert b'href="/leads/" class="nav-funnel" aria-current="page"' in response.content


def test_empty_states(admin_user, logged_in):
    browser = logged_in(admin_user)
    assert b"No contacts yet." in browser.get("/contacts/").content
    searched = browser.get("/contacts/", {"q": "nobody"})
    assert b"No record matches this search and these filters." in searched.content


def test_export_holds_to_visibility_and_the_export_right(
    manager, rep, make_user, north, south, logged_in
):
    stranger = make_user("sales-rep", teams=[south])
    accounts(manager, north, ["Ours"])
    accounts(stranger, south, ["Theirs"])

    response = logged_in(manager).get("/accounts/", {"columns": "name", "export": "csv"})
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert text.splitlines() == ["Name", "Ours"]

    page = logged_in(rep).get("/accounts/")
    assert page.context["can_export"] is False and b"export=csv" not in page.content
    assert logged_in(rep).get("/accounts/", {"export": "csv"}).status_code == 403
    assert logged_in(manager).get("/accounts/", {"export": "pdf"}).context["errors"]["export"]


def test_a_spec_must_offer_its_default_sort_and_sorts_for_sortable_columns():
    from clientela.platform.listing import Column, ListSpec, Sort

    name = Column("name", "Name", "name", sortable=True)
    by_name = Sort("name", "Name", ("name", "id"))
    with pytest.raises(ValueError, match="default sort"):
        ListSpec("customers.account", Account, (name,), (), (by_name,), "-created", ("name",))
    with pytest.raises(ValueError, match="sortable but has no sort"):
        ListSpec(
            "customers.account",
            Account,
            (name, Column("city", "City", "city", sortable=True)),
            (),
            (by_name,),
            "name",
            ("name",),
        )
    with pytest.raises(ValueError, match="unknown default columns"):
        ListSpec("customers.account", Account, (name,), (), (by_name,), "name", ("nope",))


def test_parsed_state_round_trips_through_its_query_string():
    from django.http import QueryDict

    from clientela.customers.lists import CONTACTS

    state = CONTACTS.parse(
        QueryDict("q=ana&language=pt-br&created_from=2026-01-02&sort=-name&columns=name,email")
    )
    again = CONTACTS.parse(QueryDict(state.urlencode()))

    assert again == state
    assert state.filters["language"] == ["pt-br"]
    assert state.filters["created_from"].date() == dt.date(2026, 1, 2)
    assert [c.key for c in state.columns] == ["name", "email"]


def test_delete_confirmation_names_refused_records_before_anything_goes(
    manager, make_user, north, south, logged_in
):
    stranger = make_user("sales-rep", teams=[south])
    ours = accounts(manager, north, ["Ours"])[0]
    theirs = accounts(stranger, south, ["Theirs"])[0]

    confirm = logged_in(manager).post(
        "/lists/account/bulk/", {"action": "delete", "ids": [ours.pk, theirs.pk], "query": ""}
    )

    text = confirm.content.decode()
    assert "Delete 2 records?" in text and f"<li>#{theirs.pk}</li>" in text
    assert "Yes, delete them" not in text
    assert Account.objects.count() == 2


def test_delete_everything_matching_confirms_with_the_filter_not_thousands_of_ids(
    admin_user, logged_in
):
    accounts(admin_user, None, [f"Old {i}" for i in range(3)], lifecycle="former")
    accounts(admin_user, None, ["Keep"], lifecycle="customer")
    browser = logged_in(admin_user)
    form = {"action": "delete", "all_matching": "1", "query": "lifecycle=former"}

    confirm = browser.post("/lists/account/bulk/", form)
    assert b"Delete 3 records?" in confirm.content
    assert b'name="all_matching" value="1"' in confirm.content
    assert b'name="ids"' not in confirm.content

    browser.post("/lists/account/bulk/", {**form, "confirmed": "1"})
    assert list(Account.objects.values_list("name", flat=True)) == ["Keep"]


def test_rep_without_the_delete_right_is_told_and_nothing_goes(rep, north, logged_in):
    mine = accounts(rep, north, ["Mine"])[0]

    response = logged_in(rep).post(
        "/lists/account/bulk/", {"action": "delete", "ids": [mine.pk], "query": ""}, follow=True
    )

    assert "You do not have permission to do this." in response.content.decode()
    assert Account.objects.count() == 1


def test_hostile_names_are_escaped_and_floods_of_parameters_bounded(admin_user, logged_in):
    browser = logged_in(admin_user)
    browser.post(
        "/lists/account/views/", {"name": "<script>alert(1)</script>", "shared": "on", "query": ""}
    )

    page = browser.get("/accounts/")
    assert b"<script>alert(1)</script>" not in page.content
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in page.content

    flood = browser.get("/accounts/", {f"x{i}": "1" for i in range(60)})
    assert len(flood.context["errors"]) == 20
    assert rows(flood) == []


def test_owner_and_team_choices_show_only_people_the_rep_may_see(
    rep, make_user, north, south, logged_in
):
    mate = make_user("sales-rep", teams=[north], username="mate")
    make_user("sales-rep", teams=[south], username="stranger")

    options = logged_in(rep).get("/accounts/").context["options"]

    assert sorted(u.username for u in options["users"]) == sorted([rep.username, mate.username])
    assert [t.name for t in options["teams"]] == ["North"]


def test_the_account_filter_picks_by_name_and_shows_the_name(
    rep, make_user, north, south, logged_in
):
    from clientela.customers.services import contact_create

    ours = accounts(rep, north, ["Acme Ltda", "Acme <b>Norte</b>"])
    theirs = accounts(make_user("sales-rep", teams=[south]), south, ["Acme Sul"])[0]
    contact_create(actor=rep, values={"first_name": "Ana", "account": ours[0].pk})
    contact_create(actor=rep, values={"first_name": "Bia"})
    client = logged_in(rep)

    suggested = client.get("/lists/contact/choices/account/", {"account": "acm"})
    listed = client.get("/contacts/", {"account": f"#{ours[0].pk} Acme Ltda"})
    hidden = client.get("/contacts/", {"account": str(theirs.pk)})

    assert suggested.status_code == 200
    body = suggested.content.decode()
    assert f'value="#{ours[0].pk} Acme Ltda"' in body
    assert "Acme &lt;b&gt;Norte&lt;/b&gt;" in body  # escaped
    assert "Acme Sul" not in body  # another team's account is never suggested
    assert rows(listed) == ["Ana"]
    assert f'value="#{ours[0].pk} Acme Ltda"' in listed.content.decode()
    assert rows(hidden) == []
    assert "Acme Sul" not in hidden.content.decode()  # nor named when its id is typed


def test_the_picker_refuses_unknown_filters_and_bad_references(admin_user, logged_in):
    client = logged_in(admin_user)

    assert client.get("/lists/contact/choices/owner/", {"owner": "a"}).status_code == 404
    assert client.get("/lists/nothing/choices/account/").status_code == 404
    assert client.get("/lists/contact/choices/account/", {"account": ""}).content.strip() == b""
    wrong = client.get("/contacts/", {"account": "Acme"})
    assert wrong.context["errors"] == {"account": ["“Acme” is not a valid value."]}
