"""Inbound webhooks of the kind ``activity``: a signed post creates an activity as the owner."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable

from django.test import Client

from clientela.activities.models import Activity
from clientela.customers.services.leads import lead_create
from clientela.platform.models import AuditEntry, User
from clientela.platform.services import inbound_hooks


def test_a_signed_post_creates_an_activity_and_bad_fields_answer_422(
    admin_user: User, make_user: Callable[..., User]
) -> None:
    # given an activity hook owned by a rep
    rep = make_user("sales-rep")
    lead = lead_create(actor=rep, values={"last_name": "Souza"})
    hook, secret = inbound_hooks.hook_create(
        actor=admin_user, values={"kind": "activity", "owner": rep.pk}
    )

    def post(document: dict) -> object:
        body = json.dumps(document).encode()
        digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        return Client(enforce_csrf_checks=True).post(
            f"/hooks/in/{hook.public_id}",
            data=body,
            content_type="application/json",
            headers={"X-Clientela-Signature": f"sha256={digest}"},
        )

    # when a call is posted, then it is created through the activity service
    answer = post(
        {"kind": "call", "subject": "Called back from the chat widget", "lead_id": lead.pk}
    )
    assert answer.status_code == 201, answer.content  # type: ignore[attr-defined]
    activity = Activity.objects.get()
    assert (activity.kind, activity.owner_id, activity.lead_id) == ("call", rep.pk, lead.pk)
    entry = AuditEntry.objects.get(object_type="activities.activity", action="create")
    assert (entry.channel, entry.actor_id) == ("api", rep.pk)

    # and a meeting without its time is refused with the field named
    refused = post({"kind": "meeting", "subject": "Visit", "lead_id": lead.pk})
    assert refused.status_code == 422  # type: ignore[attr-defined]
    assert "due_at" in refused.json()["errors"]  # type: ignore[attr-defined]
    unknown_kind = post({"kind": "telepathy", "subject": "?", "lead_id": lead.pk})
    assert unknown_kind.status_code == 422  # type: ignore[attr-defined]
    assert "kind" in unknown_kind.json()["errors"]  # type: ignore[attr-defined]
    assert Activity.objects.count() == 1
