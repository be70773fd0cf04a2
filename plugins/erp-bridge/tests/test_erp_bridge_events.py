"""Sending records on domain events: customer master data when accounts are created or
changed, confirmed orders; only while the plugin is on, only the configured events, in the
background, retried with the same document after a failure."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from clientela_erp_bridge import tasks
from django.tasks import task_backends
from erp_support import SECRET, drain, erp_tasks, files_in

from clientela.customers.services.accounts import account_create, account_update
from clientela.platform import events
from clientela.platform.services.plugins import plugin_set_enabled
from clientela.platform.taskqueue.backends import run_one
from clientela.platform.tests.webhook_receiver import Receiver, signature_ok


def test_a_created_account_lands_in_the_drop_folder(bridge_on, drop_dir, on_commit):
    with on_commit():
        account = account_create(actor=bridge_on, values={"name": "Padaria Central"})
    assert [t.args_kwargs["args"] for t in erp_tasks()] == [
        ["customers.account.created", "customers.account", account.pk]
    ]
    assert files_in(drop_dir) == []  # the request only enqueued

    assert drain() == 1

    [name] = files_in(drop_dir)
    document = json.loads((drop_dir / name).read_bytes())
    assert (document["event"], document["object_type"], document["object_id"]) == (
        "customers.account.created",
        "customers.account",
        account.pk,
    )
    assert document["data"]["name"] == "Padaria Central"
    assert erp_tasks()[0].status == "SUCCESSFUL"


def test_a_changed_account_is_sent_again_as_it_is_now(bridge_on, drop_dir, on_commit):
    account = account_create(actor=bridge_on, values={"name": "Padaria"})  # no commit: no event
    with on_commit():
        account_update(actor=bridge_on, account_id=account.pk, values={"name": "Padaria Nova"})
    drain()

    [name] = files_in(drop_dir)
    document = json.loads((drop_dir / name).read_bytes())
    assert (document["event"], document["data"]["name"]) == (
        "customers.account.updated",
        "Padaria Nova",
    )


def test_nothing_is_sent_while_the_plugin_is_off(admin_user, drop_dir, on_commit):
    with on_commit():
        account_create(actor=admin_user, values={"name": "Padaria"})
    assert erp_tasks() == []
    assert files_in(drop_dir) == []


def test_a_plugin_switched_off_after_the_event_sends_nothing(bridge_on, drop_dir, on_commit):
    with on_commit():
        account_create(actor=bridge_on, values={"name": "Padaria"})
    with on_commit():
        plugin_set_enabled(actor=bridge_on, name="erp_bridge", enabled=False)
    drain()

    assert erp_tasks()[0].return_value == "skipped: the ERP bridge is switched off"
    assert files_in(drop_dir) == []


def test_only_the_configured_events_are_sent(bridge_on, drop_dir, on_commit, settings):
    settings.CLIENTELA_ERP_EVENTS = "customers.account.updated"
    with on_commit():
        account = account_create(actor=bridge_on, values={"name": "Padaria"})
    assert erp_tasks() == []

    with on_commit():
        account_update(actor=bridge_on, account_id=account.pk, values={"name": "Padaria 2"})
    assert len(erp_tasks()) == 1


def test_a_failed_delivery_is_retried_with_the_same_document(
    bridge_on, receiver: Receiver, settings, on_commit, monkeypatch
):
    settings.CLIENTELA_ERP_URL = receiver.url
    settings.CLIENTELA_ERP_SECRET = SECRET
    settings.CLIENTELA_ERP_DROP_DIR = ""
    monkeypatch.setattr(tasks, "FIRST_DELAY", timedelta(0))  # due again at once
    receiver.stop()
    with on_commit():
        account_create(actor=bridge_on, values={"name": "Padaria"})

    assert tasks.send_record.call is not None

    assert run_one(task_backends["default"], "test-worker")  # the first attempt only
    first, second = erp_tasks()
    assert first.return_value.startswith("attempt 1 failed, retrying: the ERP did not answer")
    retried_args = second.args_kwargs["args"]
    assert retried_args[4] == 2
    document = retried_args[3]

    receiver.start()
    drain()

    [request] = receiver.requests
    assert json.loads(request.body) == document
    assert request.headers["x-clientela-delivery"] == document["id"]
    assert signature_ok(SECRET, request)
    assert erp_tasks()[1].return_value == f"delivered {document['id']}"


def test_the_last_attempt_fails_the_task(bridge_on, settings):
    settings.CLIENTELA_ERP_URL = ""
    settings.CLIENTELA_ERP_DROP_DIR = ""
    document = {"id": "x", "object_type": "customers.account", "object_id": 1, "event": "e"}
    with pytest.raises(tasks.DeliveryFailed, match="not configured"):
        tasks.send_record.call(
            "customers.account.created", "customers.account", 1, document, tasks.MAX_ATTEMPTS
        )
    assert erp_tasks() == []  # no further attempt


def test_retries_back_off():
    assert [tasks.retry_delay(n).total_seconds() for n in range(1, 6)] == [
        30,
        60,
        120,
        240,
        480,
    ]


def test_a_confirmed_order_lands_in_the_drop_folder_with_its_lines(bridge_on, drop_dir, on_commit):
    """Confirming an order (the sales app's ``sales.order.confirmed``) sends it as the orders
    API answers it: number, totals, lines."""
    from clientela.sales.catalog import opportunity_set_lines
    from clientela.sales.orders import order_from_quote, order_set_status
    from clientela.sales.quotes import quote_create
    from clientela.sales.services import opportunity_create

    deal = opportunity_create(actor=bridge_on, values={"name": "Frota"})
    opportunity_set_lines(
        actor=bridge_on,
        opportunity_id=deal.pk,
        lines=[{"description": "Rastreador", "quantity": 3, "unit_price": "100"}],
    )
    order = order_from_quote(
        actor=bridge_on, quote=quote_create(actor=bridge_on, opportunity_id=deal.pk)
    )
    with on_commit():
        order_set_status(actor=bridge_on, order_id=order.pk, status="confirmed")
    assert ["sales.order.confirmed", "sales.order", order.pk] in [
        t.args_kwargs["args"] for t in erp_tasks()
    ]
    drain()

    documents = [json.loads((drop_dir / name).read_bytes()) for name in files_in(drop_dir)]
    [sent] = [d for d in documents if d["event"] == "sales.order.confirmed"]
    assert (sent["object_type"], sent["object_id"]) == ("sales.order", order.pk)
    assert sent["data"]["number"] == order.number and sent["data"]["status"] == "confirmed"
    assert [line["description"] for line in sent["data"]["lines"]] == ["Rastreador"]


def test_an_event_without_a_record_id_is_ignored(bridge_on, drop_dir, on_commit):
    with on_commit():
        events.emit(events.Event("sales.order.confirmed", bridge_on.pk, {"number": "SO-1"}))
    assert erp_tasks() == []
