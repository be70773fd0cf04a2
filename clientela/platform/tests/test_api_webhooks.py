"""The webhook API's contract: every operation, secrets shown once, administrators only."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from clientela.platform import events, outbox
from clientela.platform.models import InboundHook, User, WebhookDelivery, WebhookEndpoint
from clientela.platform.tests.webhook_receiver import Receiver, running_receiver

HOOK = "https://example.com/hook"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    yield from running_receiver()


@pytest.fixture
def api(api_as: Callable[..., Any], admin_user: User) -> Any:
    return api_as(admin_user)


def test_outbound_webhook_crud(api: Any) -> None:
    # create: the secret is in this answer only
    created = api.post(
        "/api/v1/webhooks",
        {"url": HOOK, "description": "ERP", "event_types": ["customers.contact.created"]},
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["secret"].startswith("whsec_")
    assert WebhookEndpoint.objects.get(pk=body["id"]).secret == body["secret"]
    webhook_id = body["id"]

    listed = api.get("/api/v1/webhooks").json()
    assert [w["id"] for w in listed["items"]] == [webhook_id]
    assert "secret" not in listed["items"][0]
    one = api.get(f"/api/v1/webhooks/{webhook_id}").json()
    assert "secret" not in one
    assert (one["url"], one["event_types"], one["is_active"]) == (
        HOOK,
        ["customers.contact.created"],
        True,
    )

    changed = api.patch(f"/api/v1/webhooks/{webhook_id}", {"event_types": ["*"]})
    assert changed.status_code == 200
    assert changed.json()["event_types"] == ["*"]
    assert changed.json()["url"] == HOOK

    assert api.delete(f"/api/v1/webhooks/{webhook_id}").status_code == 204
    assert not WebhookEndpoint.objects.exists()
    assert api.get(f"/api/v1/webhooks/{webhook_id}").status_code == 404


def test_event_types_are_listed(api: Any) -> None:
    names = [e["name"] for e in api.get("/api/v1/webhooks/event-types").json()]
    assert "customers.lead.deleted" in names
    assert "activities.activity.updated" in names


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"url": "http://169.254.169.254/", "event_types": ["*"]}, "url"),
        ({"url": "gopher://example.com/", "event_types": ["*"]}, "url"),
        ({"url": HOOK, "event_types": ["customers.contact.exploded"]}, "event_types"),
        ({"url": HOOK, "event_types": []}, "event_types"),
    ],
)
def test_bad_webhooks_are_refused_with_field_errors(
    api: Any, payload: dict[str, Any], field: str
) -> None:
    answer = api.post("/api/v1/webhooks", payload)
    assert answer.status_code == 422
    assert answer["Content-Type"] == "application/problem+json"
    assert field in answer.json()["errors"]
    assert not WebhookEndpoint.objects.exists()


def test_rotating_a_secret_answers_the_new_one_once(api: Any) -> None:
    created = api.post("/api/v1/webhooks", {"url": HOOK, "event_types": ["*"]}).json()
    rotated = api.post(f"/api/v1/webhooks/{created['id']}/rotate-secret")
    assert rotated.status_code == 200
    secret = rotated.json()["secret"]
    assert secret != created["secret"]
    assert WebhookEndpoint.objects.get(pk=created["id"]).secret == secret


def test_enabling_a_switched_off_webhook(api: Any) -> None:
    created = api.post("/api/v1/webhooks", {"url": HOOK, "event_types": ["*"]}).json()
    WebhookEndpoint.objects.filter(pk=created["id"]).update(
        is_active=False, consecutive_failures=10, disabled_reason="failures"
    )
    enabled = api.post(f"/api/v1/webhooks/{created['id']}/enable")
    assert enabled.status_code == 200
    assert (enabled.json()["is_active"], enabled.json()["consecutive_failures"]) == (True, 0)
    assert enabled.json()["disabled_reason"] == ""


def test_deliveries_are_listed_and_a_failed_one_sent_again(api: Any, receiver: Receiver) -> None:
    # given a webhook with one failed and one delivered delivery
    created = api.post(
        "/api/v1/webhooks", {"url": receiver.url, "event_types": ["customers.lead.created"]}
    ).json()
    receiver.status = 404
    [failed] = outbox.record_deliveries(events.Event("customers.lead.created", None, {"id": 1}))
    outbox.attempt(failed)
    receiver.status = 200
    [done] = outbox.record_deliveries(events.Event("customers.lead.created", None, {"id": 2}))
    outbox.attempt(done)

    # when listed, all and only the failed
    webhook_id = created["id"]
    everything = api.get(f"/api/v1/webhooks/{webhook_id}/deliveries").json()["items"]
    only_failed = api.get(f"/api/v1/webhooks/{webhook_id}/deliveries", {"status": "failed"}).json()[
        "items"
    ]
    assert [d["id"] for d in everything] == [str(done), str(failed)]
    assert [(d["id"], d["response_status"], d["attempts"]) for d in only_failed] == [
        (str(failed), 404, 1)
    ]
    assert everything[0]["payload"]["data"] == {"object_type": "customers.lead", "id": 2}

    # when the failed one is sent again, and one delivered cannot be
    again = api.post(f"/api/v1/webhooks/{created['id']}/deliveries/{failed}/resend")
    assert again.status_code == 200
    assert (again.json()["status"], again.json()["attempts"]) == ("pending", 0)
    refused = api.post(f"/api/v1/webhooks/{created['id']}/deliveries/{done}/resend")
    assert (refused.status_code, refused.json()["code"]) == (409, "not_failed")
    missing = api.post(
        f"/api/v1/webhooks/{created['id']}/deliveries/00000000-0000-0000-0000-000000000000/resend"
    )
    assert missing.status_code == 404
    assert WebhookDelivery.objects.get(pk=failed).status == "pending"


def test_deliveries_are_paged(api: Any) -> None:
    created = api.post("/api/v1/webhooks", {"url": HOOK, "event_types": ["*"]}).json()
    for n in range(5):
        outbox.record_deliveries(events.Event("customers.lead.created", None, {"id": n}))
    path = f"/api/v1/webhooks/{created['id']}/deliveries"
    first = api.get(path, {"limit": 3}).json()
    second = api.get(path, {"limit": 3, "cursor": first["next_cursor"]}).json()
    assert len(first["items"]) == 3 and len(second["items"]) == 2
    assert second["next_cursor"] is None
    ids = [d["id"] for d in first["items"] + second["items"]]
    assert len(set(ids)) == 5


def test_inbound_hook_crud(api: Any, admin_user: User, make_user: Callable[..., User]) -> None:
    kinds = api.get("/api/v1/inbound-hooks/kinds").json()
    assert {(k["key"], k["object_type"]) for k in kinds} >= {
        ("lead", "customers.lead"),
        ("activity", "activities.activity"),
    }

    created = api.post(
        "/api/v1/inbound-hooks", {"kind": "lead", "description": "Site", "owner_id": admin_user.pk}
    )
    assert created.status_code == 201, created.content
    body = created.json()
    hook = InboundHook.objects.get(pk=body["id"])
    assert body["secret"] == hook.secret
    assert body["path"] == f"/hooks/in/{hook.public_id}"
    hook_id = body["id"]

    listed = api.get("/api/v1/inbound-hooks").json()["items"]
    assert [h["id"] for h in listed] == [hook_id] and "secret" not in listed[0]
    assert "secret" not in api.get(f"/api/v1/inbound-hooks/{hook_id}").json()

    rep = make_user("sales-rep")
    changed = api.patch(
        f"/api/v1/inbound-hooks/{hook_id}", {"owner_id": rep.pk, "kind": "activity"}
    )
    assert changed.status_code == 200
    assert (changed.json()["owner_id"], changed.json()["kind"]) == (rep.pk, "activity")

    rotated = api.post(f"/api/v1/inbound-hooks/{hook_id}/rotate-secret").json()["secret"]
    assert rotated != body["secret"]
    assert InboundHook.objects.get(pk=hook_id).secret == rotated

    assert api.delete(f"/api/v1/inbound-hooks/{hook_id}").status_code == 204
    assert not InboundHook.objects.exists()


def test_an_inbound_hook_needs_a_known_kind_and_an_active_owner(
    api: Any, make_user: Callable[..., User]
) -> None:
    gone = make_user("sales-rep", is_active=False)
    answer = api.post("/api/v1/inbound-hooks", {"kind": "ticket", "owner_id": gone.pk})
    assert answer.status_code == 422
    assert set(answer.json()["errors"]) == {"kind", "owner"}
    assert not InboundHook.objects.exists()


@pytest.mark.parametrize("role", ["sales-manager", "sales-rep"])
def test_the_webhook_api_is_for_administrators(
    api_as: Callable[..., Any], make_user: Callable[..., User], role: str
) -> None:
    client = api_as(make_user(role))
    assert client.get("/api/v1/webhooks").status_code == 403
    assert client.get("/api/v1/inbound-hooks").status_code == 403
    created = client.post("/api/v1/webhooks", {"url": HOOK, "event_types": ["*"]})
    assert created.status_code == 403
    assert not WebhookEndpoint.objects.exists()
