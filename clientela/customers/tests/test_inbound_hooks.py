"""Inbound webhooks of the kind ``lead``: an outside system posts a lead, signed; Clientela
creates it through the lead service as the hook's owner, on the API channel."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from clientela.customers.models import Lead
from clientela.platform.models import AuditEntry, InboundHook, User
from clientela.platform.services import inbound_hooks

LEAD = {"first_name": "Marta", "last_name": "Souza", "email": "marta@example.com"}


@pytest.fixture
def rep(make_user: Callable[..., User]) -> User:
    return make_user("sales-rep")


@pytest.fixture
def hook(admin_user: User, rep: User) -> tuple[InboundHook, str]:
    return inbound_hooks.hook_create(
        actor=admin_user, values={"kind": "lead", "owner": rep.pk, "description": "Site form"}
    )


def signed(secret: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    message = body if timestamp is None else str(timestamp).encode() + b"." + body
    digest = hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
    headers = {"X-Clientela-Signature": f"sha256={digest}"}
    if timestamp is not None:
        headers["X-Clientela-Timestamp"] = str(timestamp)
    return headers


def post(hook: InboundHook, body: bytes, headers: dict[str, str] | None = None) -> Any:
    """An outside system: no session, CSRF checks on, as a browser-less client would be."""
    client = Client(enforce_csrf_checks=True)
    return client.post(
        f"/hooks/in/{hook.public_id}",
        data=body,
        content_type="application/json",
        headers=headers or {},
    )


def test_a_signed_post_creates_a_lead_as_the_owner_on_the_api_channel(
    hook: tuple[InboundHook, str], rep: User
) -> None:
    # given a hook and a lead signed with its secret
    row, secret = hook
    body = json.dumps(LEAD).encode()

    # when it is posted
    answer = post(row, body, signed(secret, body))

    # then the lead exists, owned by the hook's owner, and the audit log says it came by the API
    assert answer.status_code == 201, answer.content
    lead = Lead.objects.get()
    assert answer.json() == {"object_type": "customers.lead", "id": lead.pk}
    assert (lead.first_name, lead.email, lead.owner_id, lead.source) == (
        "Marta",
        "marta@example.com",
        rep.pk,
        "api",
    )
    entry = AuditEntry.objects.get(object_type="customers.lead", object_id=str(lead.pk))
    assert (entry.action, entry.channel, entry.actor_id) == ("create", "api", rep.pk)
    row.refresh_from_db()
    assert row.received_count == 1 and row.last_received_at is not None


def test_a_timestamped_signature_and_a_bearer_secret_also_work(
    hook: tuple[InboundHook, str],
) -> None:
    row, secret = hook
    body = json.dumps(LEAD).encode()
    assert post(row, body, signed(secret, body, int(time.time()))).status_code == 201
    assert post(row, body, {"Authorization": f"Bearer {secret}"}).status_code == 201
    assert Lead.objects.count() == 2


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Clientela-Signature": "sha256=" + "0" * 64},
        {"X-Clientela-Signature": "garbage"},
        {"Authorization": "Bearer whsec_wrong"},
        {"Authorization": "Basic d2hzZWM6eA=="},
    ],
)
def test_a_post_without_the_secret_is_refused_and_writes_nothing(
    hook: tuple[InboundHook, str], headers: dict[str, str]
) -> None:
    row, _secret = hook
    answer = post(row, json.dumps(LEAD).encode(), headers)
    assert answer.status_code == 401
    assert answer["Content-Type"] == "application/problem+json"
    assert answer.json()["code"] == "bad_signature"
    assert not Lead.objects.exists()
    assert not AuditEntry.objects.filter(object_type="customers.lead").exists()
    row.refresh_from_db()
    assert row.received_count == 0


def test_a_signature_of_another_body_or_an_old_timestamp_is_refused(
    hook: tuple[InboundHook, str],
) -> None:
    row, secret = hook
    body = json.dumps(LEAD).encode()
    other = signed(secret, b'{"first_name": "Someone else"}')
    stale = signed(secret, body, int(time.time()) - 3600)
    assert post(row, body, other).status_code == 401
    assert post(row, body, stale).status_code == 401
    assert not Lead.objects.exists()


def test_malformed_json_is_a_bad_request(hook: tuple[InboundHook, str]) -> None:
    row, secret = hook
    body = b'{"first_name": "Marta",'
    answer = post(row, body, signed(secret, body))
    assert (answer.status_code, answer.json()["code"]) == (400, "bad_request")
    not_an_object = b"[1, 2]"
    answer = post(row, not_an_object, signed(secret, not_an_object))
    assert (answer.status_code, answer.json()["errors"]) == (
        422,
        {"body": ["Send one JSON object."]},
    )
    assert not Lead.objects.exists()


def test_invalid_fields_answer_422_with_field_errors(hook: tuple[InboundHook, str]) -> None:
    row, secret = hook
    for document, field in (
        ({"first_name": "x" * 101, "last_name": "S"}, "first_name"),  # the schema's limit
        ({"email": "not-an-address", "last_name": "S"}, "email"),  # the service's check
        ({"rating": "lukewarm", "last_name": "S"}, "rating"),
        ({"job_title": "CEO"}, "last_name"),  # no name, company or e-mail
    ):
        body = json.dumps(document).encode()
        answer = post(row, body, signed(secret, body))
        assert answer.status_code == 422, (document, answer.content)
        assert answer.json()["code"] == "validation_failed"
        assert field in answer.json()["errors"], answer.json()
    assert not Lead.objects.exists()


def test_an_oversized_body_is_refused(hook: tuple[InboundHook, str]) -> None:
    row, secret = hook
    body = json.dumps({**LEAD, "description": "x" * (256 * 1024)}).encode()
    answer = post(row, body, signed(secret, body))
    assert (answer.status_code, answer.json()["code"]) == (413, "too_large")
    assert not Lead.objects.exists()


def test_unknown_and_switched_off_hooks(hook: tuple[InboundHook, str], admin_user: User) -> None:
    row, secret = hook
    body = json.dumps(LEAD).encode()
    missing = Client().post("/hooks/in/nope", data=body, content_type="application/json")
    assert missing.status_code == 404
    inbound_hooks.hook_update(actor=admin_user, pk=row.pk, values={"is_active": False})
    answer = post(row, body, signed(secret, body))
    assert (answer.status_code, answer.json()["code"]) == (410, "disabled")
    assert not Lead.objects.exists()


def test_only_post_is_accepted(hook: tuple[InboundHook, str]) -> None:
    row, _secret = hook
    assert Client().get(f"/hooks/in/{row.public_id}").status_code == 405


def test_posts_are_throttled_per_hook(hook: tuple[InboundHook, str], settings: Any) -> None:
    settings.INBOUND_HOOK_RATE_LIMIT = 2
    row, secret = hook
    body = json.dumps(LEAD).encode()
    codes = [post(row, body, signed(secret, body)).status_code for _ in range(3)]
    assert codes == [201, 201, 429]
    assert Lead.objects.count() == 2


def test_the_owner_still_needs_the_right_to_create_leads(
    hook: tuple[InboundHook, str], admin_user: User, make_user: Callable[..., User]
) -> None:
    row, secret = hook
    reader = make_user("read-only")
    inbound_hooks.hook_update(actor=admin_user, pk=row.pk, values={"owner": reader.pk})
    body = json.dumps(LEAD).encode()
    answer = post(row, body, signed(secret, body))
    assert (answer.status_code, answer.json()["code"]) == (403, "permission_denied")
    assert not Lead.objects.exists()
