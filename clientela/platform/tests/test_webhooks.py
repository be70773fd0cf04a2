"""Outbound webhooks against a real HTTP receiver on loopback: signing, matching, retries, the
sweep, switching off after failures, and the addresses that are refused.

Tasks run through the real database backend: ``drain`` claims and runs them with the same
``run_one`` the ``clientela worker`` loop uses. Retries are driven with a zero back-off or an
explicit clock, never by sleeping.
"""

from __future__ import annotations

import json
import ssl
import subprocess
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.tasks import task_backends
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from clientela.customers.models import Contact
from clientela.customers.services.accounts import account_create
from clientela.customers.services.contacts import contact_create, contact_update
from clientela.platform import events, outbox
from clientela.platform.errors import Conflict, PermissionDenied, ValidationFailed
from clientela.platform.models import (
    AuditEntry,
    DeliveryStatus,
    Notification,
    Role,
    User,
    WebhookDelivery,
    WebhookEndpoint,
)
from clientela.platform.services import webhooks
from clientela.platform.taskqueue.backends import run_one
from clientela.platform.tests.test_tasks_worker import (
    start_worker,
    stop_worker,
    wait_for,
    worker_env,
)
from clientela.platform.tests.webhook_receiver import Receiver, running_receiver, signature_ok

CONTACT_CREATED = "customers.contact.created"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    yield from running_receiver()


def drain() -> int:
    """Run every ready task as the worker would; a task that failed fails the test."""
    backend = task_backends["default"]
    ran = 0
    while run_one(backend, "test-worker"):
        ran += 1
        assert ran < 500, "the queue does not empty"
    failed = DBTaskResult.objects.filter(status="FAILED")
    assert not failed.exists(), [r.exception_class_path for r in failed]
    return ran


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks: Any) -> Callable[..., Any]:
    """Run the after-commit callbacks (the events) as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def endpoint_for(admin: User, url: str, events: list[str] | None = None) -> tuple[Any, str]:
    return webhooks.endpoint_create(
        actor=admin, values={"url": url, "event_types": events or [CONTACT_CREATED]}
    )


def new_contact(admin: User, on_commit: Callable[..., Any], name: str = "Ana") -> Contact:
    with on_commit():
        return contact_create(actor=admin, values={"first_name": name, "last_name": "Lima"})


def test_a_created_contact_is_posted_signed_to_the_receiver(
    admin_user: User, receiver: Receiver, on_commit: Callable[..., Any]
) -> None:
    # given an endpoint that wants created contacts
    endpoint, secret = endpoint_for(admin_user, receiver.url)

    # when a contact is created and the worker runs
    contact = new_contact(admin_user, on_commit)
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert drain() == 1

    # then the receiver got one POST, signed with the secret, naming the delivery
    [request] = receiver.requests
    assert request.path == "/hook"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["x-clientela-event"] == CONTACT_CREATED
    assert request.headers["x-clientela-delivery"] == str(delivery.pk)
    assert abs(int(request.headers["x-clientela-timestamp"]) - timezone.now().timestamp()) < 60
    assert signature_ok(secret, request)
    body = json.loads(request.body)
    assert body["id"] == str(delivery.pk)
    assert body["event"] == CONTACT_CREATED
    assert datetime.fromisoformat(body["occurred_at"]) <= timezone.now()
    assert body["data"] == {
        "object_type": "customers.contact",
        "id": contact.pk,
        "actor_id": admin_user.pk,
    }
    # and the log says so
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("succeeded", 1, 200)
    assert delivery.response_body == '{"ok": true}'
    assert delivery.delivered_at is not None and delivery.duration_ms is not None
    assert delivery.error == ""


def test_a_wrong_secret_does_not_verify(
    admin_user: User, receiver: Receiver, on_commit: Callable[..., Any]
) -> None:
    endpoint_for(admin_user, receiver.url)
    new_contact(admin_user, on_commit)
    drain()
    assert not signature_ok("whsec_not-the-secret", receiver.requests[0])


def test_each_endpoint_gets_only_the_events_it_asked_for(
    admin_user: User, receiver: Receiver, on_commit: Callable[..., Any]
) -> None:
    # given one endpoint for created contacts, one for everything, one switched off
    only_created, _s = endpoint_for(admin_user, receiver.url + "/a")
    everything, _s = endpoint_for(admin_user, receiver.url + "/b", ["*"])
    off, _s = endpoint_for(admin_user, receiver.url + "/c", ["*"])
    webhooks.endpoint_update(actor=admin_user, pk=off.pk, values={"is_active": False})

    # when a contact is created and changed, an account created, and a non-record event emitted
    contact = new_contact(admin_user, on_commit)
    with on_commit():
        contact_update(actor=admin_user, contact_id=contact.pk, values={"job_title": "CFO"})
    with on_commit():
        account_create(actor=admin_user, values={"name": "Lima Ltda"})
    with on_commit():
        events.emit(events.Event("customers.lead.converted", admin_user.pk, {"id": 1}))
    drain()

    # then
    by_path: dict[str, list[str]] = {}
    for request in receiver.requests:
        by_path.setdefault(request.path, []).append(request.headers["x-clientela-event"])
    assert by_path == {
        "/hook/a": [CONTACT_CREATED],
        "/hook/b": [CONTACT_CREATED, "customers.contact.updated", "customers.account.created"],
    }
    updated = next(
        json.loads(r.body)
        for r in receiver.requests
        if r.headers["x-clientela-event"] == "customers.contact.updated"
    )
    assert updated["data"]["id"] == contact.pk
    assert updated["data"]["fields"] == ["job_title"]
    assert not WebhookDelivery.objects.filter(endpoint=off).exists()
    assert only_created.deliveries.count() == 1 and everything.deliveries.count() == 3


def test_the_event_list_names_every_owned_record_type_three_times(db: Any) -> None:
    # the database: custom objects are record types too (decision 0008)
    names = outbox.event_names()
    for key in ("customers.account", "customers.contact", "customers.lead"):
        for verb in ("created", "updated", "deleted"):
            assert f"{key}.{verb}" in names
    assert "activities.activity.deleted" in names
    assert not any(n.startswith("platform.") for n in names)


def test_a_receiver_that_was_down_gets_every_delivery_exactly_once_when_back(
    admin_user: User, receiver: Receiver, on_commit: Callable[..., Any], settings: Any
) -> None:
    # given a receiver that is down and no wait between attempts
    settings.WEBHOOK_RETRY_BASE_SECONDS = 0
    endpoint, secret = endpoint_for(admin_user, receiver.url)
    receiver.stop()

    # when three contacts are created while it is down, and the sweep runs twice
    for name in ("Ana", "Bia", "Caio"):
        new_contact(admin_user, on_commit, name)
    drain()
    rows = WebhookDelivery.objects.filter(endpoint=endpoint)
    assert {(d.status, d.attempts) for d in rows} == {("retrying", 1)}
    assert all("Connection" in d.error or "refused" in d.error for d in rows)
    assert outbox.sweep() == 3
    drain()
    assert {(d.status, d.attempts) for d in rows.all()} == {("retrying", 2)}

    # and it comes back on the same port
    receiver.start()
    assert outbox.sweep() == 3
    drain()

    # then each delivery arrived once, and later sweeps send nothing more
    assert outbox.sweep() == 0
    drain()
    assert sorted(receiver.ids()) == sorted(str(d.pk) for d in rows)
    assert len(receiver.requests) == 3
    assert all(signature_ok(secret, r) for r in receiver.requests)
    assert {(d.status, d.attempts) for d in rows.all()} == {("succeeded", 3)}


def test_the_sweep_posts_a_delivery_whose_task_was_never_enqueued(
    admin_user: User, receiver: Receiver
) -> None:
    # given a delivery row written, and the process gone before it enqueued the task
    endpoint_for(admin_user, receiver.url)
    [delivery_id] = outbox.record_deliveries(events.Event(CONTACT_CREATED, None, {"id": 7}))
    assert drain() == 0

    # when the periodic sweep runs (through its task), then the worker
    from clientela.platform.tasks import sweep_webhooks

    sweep_webhooks.enqueue()
    drain()

    # then it was delivered once; a queued delivery is not queued twice
    assert receiver.ids() == [str(delivery_id)]
    [second] = outbox.record_deliveries(events.Event(CONTACT_CREATED, None, {"id": 8}))
    assert outbox.sweep() == 1
    assert outbox.sweep() == 0
    drain()
    assert receiver.ids() == [str(delivery_id), str(second)]


def test_an_attempt_that_died_half_way_is_due_again_after_its_lease(
    admin_user: User, receiver: Receiver
) -> None:
    # given a delivery claimed by an attempt whose process then died
    endpoint_for(admin_user, receiver.url)
    [delivery_id] = outbox.record_deliveries(events.Event(CONTACT_CREATED, None, {"id": 7}))
    now = timezone.now()
    assert outbox.attempt(delivery_id, now=now - outbox.LEASE * 2) == "skipped"  # not yet due
    WebhookDelivery.objects.filter(pk=delivery_id).update(
        attempts=1, next_attempt_at=now + outbox.LEASE
    )

    # when another task tries it during the lease, and after
    during = outbox.attempt(delivery_id, now=now + timedelta(seconds=5))
    after = outbox.attempt(delivery_id, now=now + outbox.LEASE + timedelta(seconds=1))

    # then only the second one posts it
    assert (during, after) == ("skipped", "succeeded")
    assert receiver.ids() == [str(delivery_id)]
    assert WebhookDelivery.objects.get(pk=delivery_id).attempts == 2


def test_a_server_error_is_retried_with_backoff_and_then_delivered(
    admin_user: User, receiver: Receiver
) -> None:
    # given a receiver answering 500 with a long body
    endpoint_for(admin_user, receiver.url)
    receiver.status, receiver.answer = 500, b"x" * 5000
    [delivery_id] = outbox.record_deliveries(events.Event(CONTACT_CREATED, None, {"id": 7}))

    # when the first attempt runs
    before = timezone.now()
    assert outbox.attempt(delivery_id) == "retrying"

    # then it waits about a minute (60 s plus up to 25 % jitter), keeping the start of the answer
    delivery = WebhookDelivery.objects.get(pk=delivery_id)
    wait = (delivery.next_attempt_at - before).total_seconds()
    assert 59 <= wait <= 60 * 1.25 + 5
    assert (delivery.response_status, delivery.error) == (500, "HTTP 500")
    assert delivery.response_body == "x" * outbox.BODY_KEPT
    assert outbox.sweep() == 0  # not due yet

    # when the receiver recovers and the clock reaches the retry
    receiver.status, receiver.answer = 200, b"ok"
    assert outbox.attempt(delivery_id, now=delivery.next_attempt_at) == "succeeded"
    assert receiver.ids() == [str(delivery_id)] * 2


def test_too_many_requests_is_retried_and_the_wait_doubles(
    admin_user: User, receiver: Receiver
) -> None:
    endpoint_for(admin_user, receiver.url)
    receiver.status = 429
    [delivery_id] = outbox.record_deliveries(events.Event(CONTACT_CREATED, None, {"id": 7}))
    now = timezone.now()
    assert outbox.attempt(delivery_id, now=now) == "retrying"
    first = WebhookDelivery.objects.get(pk=delivery_id).next_attempt_at
    assert outbox.attempt(delivery_id, now=first) == "retrying"
    second = WebhookDelivery.objects.get(pk=delivery_id).next_attempt_at
    assert 120 <= (second - first).total_seconds() <= 150 + 5


def test_the_last_attempt_gives_up(admin_user: User, receiver: Receiver, settings: Any) -> None:
    settings.WEBHOOK_MAX_ATTEMPTS = 3
    settings.WEBHOOK_RETRY_BASE_SECONDS = 0
    endpoint, _secret = endpoint_for(admin_user, receiver.url)
    receiver.status = 503
    [delivery_id] = outbox.record_deliveries(events.Event(CONTACT_CREATED, None, {"id": 7}))
    outcomes = [outbox.attempt(delivery_id) for _ in range(4)]
    assert outcomes == ["retrying", "retrying", "failed", "skipped"]
    assert len(receiver.requests) == 3
    endpoint.refresh_from_db()
    assert endpoint.consecutive_failures == 1


def test_a_client_error_fails_at_once(admin_user: User, receiver: Receiver) -> None:
    endpoint_for(admin_user, receiver.url)
    receiver.status = 400
    [delivery_id] = outbox.record_deliveries(events.Event(CONTACT_CREATED, None, {"id": 7}))
    assert outbox.attempt(delivery_id) == "failed"
    assert outbox.sweep(now=timezone.now() + timedelta(days=1)) == 0
    delivery = WebhookDelivery.objects.get(pk=delivery_id)
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("failed", 1, 400)
    assert delivery.next_attempt_at is None
    assert len(receiver.requests) == 1


def test_a_redirect_is_not_followed(admin_user: User, receiver: Receiver) -> None:
    endpoint_for(admin_user, receiver.url)
    receiver.status = 302
    receiver.extra_headers = {"Location": f"http://127.0.0.1:{receiver.port}/elsewhere"}
    [delivery_id] = outbox.record_deliveries(events.Event(CONTACT_CREATED, None, {"id": 7}))
    assert outbox.attempt(delivery_id) == "failed"
    assert [r.path for r in receiver.requests] == ["/hook"]
    delivery = WebhookDelivery.objects.get(pk=delivery_id)
    assert (delivery.response_status, delivery.error) == (302, "redirect not followed")


def test_a_slow_receiver_times_out_and_is_retried(
    admin_user: User, receiver: Receiver, settings: Any
) -> None:
    settings.WEBHOOK_TOTAL_TIMEOUT = 0.5
    endpoint_for(admin_user, receiver.url)
    receiver.delay = 2.0
    [delivery_id] = outbox.record_deliveries(events.Event(CONTACT_CREATED, None, {"id": 7}))
    assert outbox.attempt(delivery_id) == "retrying"
    delivery = WebhookDelivery.objects.get(pk=delivery_id)
    assert delivery.error == "timed out"
    assert delivery.duration_ms is not None and 400 <= delivery.duration_ms < 1900


@pytest.mark.parametrize(
    ("url", "field_error"),
    [
        ("http://169.254.169.254/latest/meta-data/", "not allowed"),
        ("http://[::ffff:169.254.169.254]/", "not allowed"),
        ("http://[fe80::1]/", "not allowed"),
        ("ftp://example.com/hook", "http://"),
        ("file:///etc/passwd", "http://"),
        ("https://user:pw@example.com/hook", "user name"),
        ("not a url", "http://"),
    ],
)
def test_refused_addresses_cannot_be_registered(
    admin_user: User, url: str, field_error: str
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        endpoint_for(admin_user, url)
    assert field_error in refused.value.errors["url"][0]
    assert not WebhookEndpoint.objects.exists()


def test_a_link_local_address_is_never_posted_to(admin_user: User) -> None:
    # given an endpoint whose address became link-local after it was registered
    endpoint, _secret = endpoint_for(admin_user, "http://127.0.0.1:9/hook")
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(url="http://169.254.169.254/latest")
    [delivery_id] = outbox.record_deliveries(events.Event(CONTACT_CREATED, None, {"id": 7}))

    # then the attempt is refused without retrying
    assert outbox.attempt(delivery_id) == "failed"
    assert "refused" in WebhookDelivery.objects.get(pk=delivery_id).error


def test_a_host_name_resolving_to_a_refused_network_is_not_posted_to(
    admin_user: User, receiver: Receiver, settings: Any
) -> None:
    # given loopback refused by the settings, and a host name that resolves to it
    settings.WEBHOOK_BLOCKED_NETWORKS = ["127.0.0.0/8", "::1/128"]
    endpoint_for(admin_user, f"http://localhost:{receiver.port}/hook")
    [delivery_id] = outbox.record_deliveries(events.Event(CONTACT_CREATED, None, {"id": 7}))

    assert outbox.attempt(delivery_id) == "failed"
    assert "resolves to a refused address" in WebhookDelivery.objects.get(pk=delivery_id).error
    assert receiver.requests == []


def test_an_endpoint_is_switched_off_after_repeated_failures_and_switched_on_again(
    admin_user: User, receiver: Receiver, on_commit: Callable[..., Any], settings: Any
) -> None:
    # given deliveries that fail at the first error, and a limit of three in a row
    settings.WEBHOOK_MAX_ATTEMPTS = 1
    settings.WEBHOOK_DISABLE_AFTER_FAILURES = 3
    endpoint, secret = endpoint_for(admin_user, receiver.url)
    receiver.status = 500

    # when three deliveries fail
    for name in ("Ana", "Bia", "Caio"):
        new_contact(admin_user, on_commit, name)
    drain()

    # then the endpoint is off, the administrators are told, the audit log says so
    endpoint.refresh_from_db()
    assert (endpoint.is_active, endpoint.disabled_reason, endpoint.consecutive_failures) == (
        False,
        "failures",
        3,
    )
    note = Notification.objects.get(user=admin_user)
    assert note.url == f"/settings/webhooks/outbound/{endpoint.pk}/"
    assert endpoint.url in note.body
    switched_off = AuditEntry.objects.filter(object_type="platform.webhook", actor=None).get()
    assert (switched_off.channel, switched_off.changes) == ("system", {"is_active": [True, False]})
    # and new events are not recorded for it
    new_contact(admin_user, on_commit, "Duda")
    assert endpoint.deliveries.count() == 3

    # when an administrator switches it on again and sends a failed delivery again
    receiver.status = 200
    webhooks.endpoint_enable(actor=admin_user, pk=endpoint.pk)
    failed = endpoint.deliveries.order_by("created_at").first()
    assert failed is not None
    webhooks.delivery_resend(actor=admin_user, endpoint_id=endpoint.pk, delivery_id=failed.pk)
    drain()

    # then it is on, counts from zero, and the receiver got the same delivery id again
    endpoint.refresh_from_db()
    assert (endpoint.is_active, endpoint.consecutive_failures, endpoint.disabled_at) == (
        True,
        0,
        None,
    )
    assert receiver.ids()[-1] == str(failed.pk)
    assert signature_ok(secret, receiver.requests[-1])
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == (DeliveryStatus.SUCCEEDED, 1)


def test_only_a_failed_delivery_can_be_sent_again(admin_user: User, receiver: Receiver) -> None:
    endpoint, _secret = endpoint_for(admin_user, receiver.url)
    [delivery_id] = outbox.record_deliveries(events.Event(CONTACT_CREATED, None, {"id": 7}))
    outbox.attempt(delivery_id)
    with pytest.raises(Conflict):
        webhooks.delivery_resend(actor=admin_user, endpoint_id=endpoint.pk, delivery_id=delivery_id)
    assert len(receiver.requests) == 1


def test_a_success_clears_the_failure_count(admin_user: User, receiver: Receiver) -> None:
    endpoint, _secret = endpoint_for(admin_user, receiver.url)
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(consecutive_failures=4)
    [delivery_id] = outbox.record_deliveries(events.Event(CONTACT_CREATED, None, {"id": 7}))
    outbox.attempt(delivery_id)
    endpoint.refresh_from_db()
    assert endpoint.consecutive_failures == 0


def test_rotating_the_secret_signs_the_next_deliveries_with_the_new_one(
    admin_user: User, receiver: Receiver
) -> None:
    endpoint, old = endpoint_for(admin_user, receiver.url)
    _endpoint, new = webhooks.endpoint_rotate_secret(actor=admin_user, pk=endpoint.pk)
    assert new != old and new.startswith("whsec_")
    [delivery_id] = outbox.record_deliveries(events.Event(CONTACT_CREATED, None, {"id": 7}))
    outbox.attempt(delivery_id)
    assert signature_ok(new, receiver.requests[0])
    assert not signature_ok(old, receiver.requests[0])
    entry = AuditEntry.objects.filter(object_type="platform.webhook", action="update").get()
    assert old not in json.dumps(entry.changes) and new not in json.dumps(entry.changes)


def test_the_audit_log_never_holds_the_secret(admin_user: User) -> None:
    _endpoint, secret = endpoint_for(admin_user, "https://example.com/hook")
    entry = AuditEntry.objects.get(object_type="platform.webhook", action="create")
    assert set(entry.changes) == {"url", "event_types", "is_active"}  # description was empty
    assert secret not in json.dumps(entry.changes)


@pytest.mark.parametrize("role", ["sales-manager", "sales-rep", "read-only"])
def test_only_administrators_manage_webhooks(
    make_user: Callable[..., User], admin_user: User, role: str
) -> None:
    endpoint, _secret = endpoint_for(admin_user, "https://example.com/hook")
    user = make_user(role)
    with pytest.raises(PermissionDenied):
        endpoint_for(user, "https://example.com/other")
    with pytest.raises(PermissionDenied):
        webhooks.endpoint_get(user, endpoint.pk)
    with pytest.raises(PermissionDenied):
        webhooks.endpoint_delete(actor=user, pk=endpoint.pk)
    assert WebhookEndpoint.objects.count() == 1


def test_a_real_worker_process_delivers_what_a_request_emitted(
    transactional_db: Any, tmp_path: Path, receiver: Receiver
) -> None:
    # given an administrator and an endpoint, committed for a separate worker process
    admin = User.objects.create(
        username="whadmin",
        email="whadmin@example.com",
        role=Role.objects.get(slug="administrator"),
    )
    endpoint, secret = endpoint_for(admin, receiver.url)

    # when a contact is created (the event fires on commit) and a worker runs one task
    contact = contact_create(actor=admin, values={"first_name": "Ana"})
    log = tmp_path / "worker.log"
    process = start_worker(worker_env(), log)
    try:
        wait_for(lambda: receiver.requests, "the receiver to get the delivery", log)
        wait_for(
            lambda: WebhookDelivery.objects.filter(endpoint=endpoint, status="succeeded").exists(),
            "the delivery to be recorded",
            log,
        )
    finally:
        stop_worker(process)

    # then
    [request] = receiver.requests
    assert signature_ok(secret, request)
    assert json.loads(request.body)["data"]["id"] == contact.pk


def _self_signed(tmp_path: Path) -> Path:
    """A certificate for 127.0.0.1 made by the openssl command (Debian's)."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    command = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
    command += ["-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1"]
    command += ["-addext", "subjectAltName=IP:127.0.0.1"]
    subprocess.run(
        command,
        check=True,
        capture_output=True,
    )
    return cert


def test_https_receivers_are_verified(
    admin_user: User, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a receiver on https with a certificate nobody trusts yet
    cert = _self_signed(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, tmp_path / "key.pem")
    server = Receiver(tls=context)
    server.start()
    try:
        _endpoint, secret = endpoint_for(admin_user, server.url)
        event = events.Event(CONTACT_CREATED, None, {"id": 7})

        # then the post is refused by the certificate check, and retried later
        [refused] = outbox.record_deliveries(event)
        assert outbox.attempt(refused) == "retrying"
        assert "CERTIFICATE_VERIFY_FAILED" in WebhookDelivery.objects.get(pk=refused).error

        # and once the certificate is trusted, it is delivered over TLS
        monkeypatch.setenv("SSL_CERT_FILE", str(cert))
        [trusted] = outbox.record_deliveries(event)
        assert outbox.attempt(trusted) == "succeeded"
        assert server.ids() == [str(trusted)]
        assert signature_ok(secret, server.requests[0])
    finally:
        server.stop()
