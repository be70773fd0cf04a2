"""Settings → Webhooks pages: lists and empty states, forms, secrets shown once, the delivery
log with its badges, pages and "send again", and who may see them."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django_tasks_db.models import DBTaskResult

from clientela.platform import events, outbox
from clientela.platform.models import InboundHook, User, WebhookDelivery, WebhookEndpoint
from clientela.platform.services import inbound_hooks, webhooks

HOOK = "https://example.com/hook"


@pytest.fixture
def browser(logged_in: Callable[[User], Client], admin_user: User) -> Client:
    return logged_in(admin_user)


def make_endpoint(admin: User, url: str = HOOK) -> tuple[WebhookEndpoint, str]:
    return webhooks.endpoint_create(actor=admin, values={"url": url, "event_types": ["*"]})


def test_the_lists_start_empty_with_a_way_to_begin(browser: Client) -> None:
    page = browser.get("/settings/webhooks/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "No outbound webhooks yet." in html and "No inbound webhooks yet." in html
    assert 'href="/settings/webhooks/outbound/new/"' in html
    assert 'href="/settings/webhooks/inbound/new/"' in html


def test_creating_an_outbound_webhook_shows_its_secret_once(browser: Client) -> None:
    # when the form is sent
    form = browser.get("/settings/webhooks/outbound/new/").content.decode()
    assert 'value="customers.contact.created"' in form and 'value="*"' in form
    page = browser.post(
        "/settings/webhooks/outbound/new/",
        {
            "url": HOOK,
            "description": "ERP",
            "event_types": ["customers.contact.created", "customers.lead.created"],
            "is_active": "on",
        },
    )

    # then the answer shows the secret, and no later page does
    endpoint = WebhookEndpoint.objects.get()
    assert page.status_code == 200
    assert page["Cache-Control"] == "no-store"
    assert endpoint.secret in page.content.decode()
    assert "will not be shown again" in page.content.decode()
    assert endpoint.event_types == ["customers.contact.created", "customers.lead.created"]
    for path in ("/settings/webhooks/", f"/settings/webhooks/outbound/{endpoint.pk}/"):
        later = browser.get(path).content.decode()
        assert endpoint.secret not in later
        assert HOOK in later
    edit = browser.get(f"/settings/webhooks/outbound/{endpoint.pk}/edit/").content.decode()
    assert endpoint.secret not in edit


def test_a_refused_address_is_a_form_error(browser: Client) -> None:
    page = browser.post(
        "/settings/webhooks/outbound/new/",
        {"url": "http://169.254.169.254/latest", "event_types": ["*"]},
    )
    assert page.status_code == 200
    assert "This address is not allowed" in page.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_editing_and_deleting_with_confirmation(browser: Client, admin_user: User) -> None:
    endpoint, _secret = make_endpoint(admin_user)
    saved = browser.post(
        f"/settings/webhooks/outbound/{endpoint.pk}/edit/",
        {"url": HOOK + "/v2", "description": "ERP", "event_types": ["customers.lead.deleted"]},
    )
    assert saved.status_code == 302
    endpoint.refresh_from_db()
    assert (endpoint.url, endpoint.event_types, endpoint.is_active) == (
        HOOK + "/v2",
        ["customers.lead.deleted"],
        False,  # the box was not ticked
    )

    confirm = browser.get(f"/settings/webhooks/outbound/{endpoint.pk}/delete/")
    assert "Yes, delete" in confirm.content.decode()
    assert WebhookEndpoint.objects.exists()
    gone = browser.post(f"/settings/webhooks/outbound/{endpoint.pk}/delete/")
    assert gone.status_code == 302
    assert not WebhookEndpoint.objects.exists()


def test_rotating_shows_the_new_secret_once(browser: Client, admin_user: User) -> None:
    endpoint, old = make_endpoint(admin_user)
    assert browser.get(f"/settings/webhooks/outbound/{endpoint.pk}/rotate/").status_code == 405
    page = browser.post(f"/settings/webhooks/outbound/{endpoint.pk}/rotate/")
    endpoint.refresh_from_db()
    assert endpoint.secret != old
    assert endpoint.secret in page.content.decode()
    assert "The old secret no longer works." in page.content.decode()


def test_a_switched_off_webhook_is_switched_on_again(browser: Client, admin_user: User) -> None:
    endpoint, _secret = make_endpoint(admin_user)
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        is_active=False, consecutive_failures=10, disabled_reason="failures"
    )
    detail = browser.get(f"/settings/webhooks/outbound/{endpoint.pk}/").content.decode()
    assert "Switched off after 10 failed deliveries in a row." in detail
    assert "Switch on again" in detail
    browser.post(f"/settings/webhooks/outbound/{endpoint.pk}/enable/")
    endpoint.refresh_from_db()
    assert (endpoint.is_active, endpoint.consecutive_failures) == (True, 0)


def test_the_delivery_log_is_paged_filtered_and_offers_send_again(
    browser: Client, admin_user: User
) -> None:
    # given 30 deliveries, one of them failed
    endpoint, _secret = make_endpoint(admin_user)
    for n in range(30):
        outbox.record_deliveries(events.Event("customers.lead.created", None, {"id": n}))
    failed = WebhookDelivery.objects.order_by("created_at").first()
    assert failed is not None
    WebhookDelivery.objects.filter(pk=failed.pk).update(
        status="failed", attempts=8, response_status=500, response_body="boom", error="HTTP 500"
    )

    # then the first page has 25 with a link to the next, which has the other 5
    path = f"/settings/webhooks/outbound/{endpoint.pk}/"
    first = browser.get(path)
    html = first.content.decode()
    assert html.count("data-delivery=") == 25
    assert 'class="status-badge pending"' in html
    assert first.context["page"].next_cursor
    second = browser.get(path, {"cursor": first.context["page"].next_cursor}).content.decode()
    assert second.count("data-delivery=") == 5
    assert 'class="status-badge failed"' in second and "boom" in second
    only_failed = browser.get(path, {"status": "failed"}).content.decode()
    assert only_failed.count("data-delivery=") == 1
    assert f"/deliveries/{failed.pk}/resend/" in only_failed

    # when the failed one is sent again
    answer = browser.post(
        f"/settings/webhooks/outbound/{endpoint.pk}/deliveries/{failed.pk}/resend/"
    )

    # then it waits for its attempt, with a task queued for it
    assert answer.status_code == 302
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == ("pending", 0)
    queued = DBTaskResult.objects.filter(task_path__endswith=".deliver_webhook", status="READY")
    assert [r.args_kwargs["args"] for r in queued] == [[str(failed.pk)]]


def test_creating_an_inbound_webhook_shows_its_address_and_secret_once(
    browser: Client, admin_user: User, make_user: Callable[..., User]
) -> None:
    rep = make_user("sales-rep")
    form = browser.get("/settings/webhooks/inbound/new/").content.decode()
    assert 'value="lead"' in form and 'value="activity"' in form
    page = browser.post(
        "/settings/webhooks/inbound/new/",
        {"kind": "lead", "description": "Site", "owner": rep.pk, "is_active": "on"},
    )
    hook = InboundHook.objects.get()
    html = page.content.decode()
    assert hook.secret in html
    assert f"http://testserver/hooks/in/{hook.public_id}" in html
    listed = browser.get("/settings/webhooks/").content.decode()
    assert hook.secret not in listed and f"/hooks/in/{hook.public_id}" in listed
    edit = browser.get(f"/settings/webhooks/inbound/{hook.pk}/").content.decode()
    assert hook.secret not in edit


def test_inbound_webhooks_are_edited_rotated_and_deleted(browser: Client, admin_user: User) -> None:
    hook, old = inbound_hooks.hook_create(
        actor=admin_user, values={"kind": "lead", "owner": admin_user.pk}
    )
    path = f"/settings/webhooks/inbound/{hook.pk}/"
    saved = browser.post(path, {"kind": "activity", "description": "Chat", "owner": admin_user.pk})
    assert saved.status_code == 302
    hook.refresh_from_db()
    assert (hook.kind, hook.description, hook.is_active) == ("activity", "Chat", False)

    rotated = browser.post(path + "rotate/")
    hook.refresh_from_db()
    assert hook.secret != old and hook.secret in rotated.content.decode()

    assert "Yes, delete" in browser.get(path + "delete/").content.decode()
    browser.post(path + "delete/")
    assert not InboundHook.objects.exists()


@pytest.mark.parametrize("role", ["sales-manager", "sales-rep"])
def test_the_pages_are_for_administrators(
    logged_in: Callable[[User], Client],
    make_user: Callable[..., User],
    admin_user: User,
    role: str,
) -> None:
    endpoint, _secret = make_endpoint(admin_user)
    browser = logged_in(make_user(role))
    for path in (
        "/settings/webhooks/",
        "/settings/webhooks/outbound/new/",
        f"/settings/webhooks/outbound/{endpoint.pk}/",
        "/settings/webhooks/inbound/new/",
    ):
        assert browser.get(path).status_code == 403, path
    assert browser.post(f"/settings/webhooks/outbound/{endpoint.pk}/delete/").status_code == 403
    assert WebhookEndpoint.objects.exists()
