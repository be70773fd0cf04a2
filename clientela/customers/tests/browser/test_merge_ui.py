"""Merging two duplicates in a real browser: scan → pair → pick fields → merge → undo."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from django.apps import apps
from playwright.sync_api import Page, expect

from clientela.customers.models import Contact
from clientela.platform.models import Team, User
from clientela.platform.taskqueue.worker import Runner, start_in_thread

# Activities sit above customers: looked up by label, not imported (apps depend downward).
Activity = apps.get_model("activities", "Activity")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SignIn = Callable[..., None]


@pytest.fixture
def worker() -> Iterator[Runner]:
    """The background worker, in a thread of the test process as `clientela serve` runs it."""
    runner = start_in_thread(interval=0.2, tick_every=3600)
    yield runner
    runner.stop()


def test_merge_two_duplicates_and_undo(
    page: Page, make_user: Callable[..., User], sign_in: SignIn, worker: Runner
) -> None:
    team = Team.objects.create(name="Vendas BH")
    manager = make_user("sales-manager", teams=[team], username="gerente")
    keep = Contact.objects.create(
        owner=manager, team=team, first_name="Ana", last_name="Souza", email="ana@acme.com"
    )
    lose = Contact.objects.create(
        owner=manager,
        team=team,
        first_name="Anna",
        last_name="Sousa",
        email="ana@acme.com",
        phone="+5531987654321",
        job_title="Diretora",
    )
    Activity.objects.create(
        owner=manager, team=team, kind="call", subject="Call about the renewal", contact=lose
    )
    sign_in(page, "gerente")

    page.goto("/duplicates/")
    expect(page.get_by_text("No possible duplicates.")).to_be_visible()
    page.get_by_role("button", name="Scan for duplicates").click()
    expect(page.get_by_text("The scan is finished.")).to_be_visible(timeout=20_000)
    page.get_by_role("link", name="See the possible duplicates").click()
    page.get_by_role("link", name="Compare and merge").click()

    expect(page.get_by_role("heading", name="Merge duplicates")).to_be_visible()
    page.locator("input[name=pick_first_name][value=right]").check()
    expect(page.locator("#merge-preview [data-field=first_name]")).to_have_text("Anna")
    expect(page.locator("#merge-preview [data-field=job_title]")).to_have_text("Diretora")
    page.get_by_role("button", name="Merge", exact=True).click()

    page.wait_for_url(f"**/contacts/{keep.pk}/")
    expect(page.get_by_role("heading", name="Anna Souza")).to_be_visible()
    expect(page.get_by_text("Diretora").first).to_be_visible()
    page.get_by_role("link", name="Timeline").click()
    expect(page.get_by_text("Call about the renewal")).to_be_visible()
    assert not Contact.objects.filter(pk=lose.pk).exists()

    page.goto("/merges/")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Undo").click()
    page.wait_for_url(f"**/contacts/{lose.pk}/")
    expect(page.get_by_role("heading", name="Anna Sousa")).to_be_visible()
    expect(page.get_by_text("The merge was undone; both records are back.")).to_be_visible()
    assert Contact.objects.get(pk=keep.pk).first_name == "Ana"
    assert Activity.objects.get().contact_id == lose.pk
