"""The rule action "Send to the ERP" end to end: a rule "account created → Send to the ERP"
runs through the rules engine (its worker tasks, real records) and the document lands in the
drop folder; a receiver that is down makes the engine retry the step."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from erp_support import SECRET, files_in

from clientela.customers.services.accounts import account_create
from clientela.platform.models import RuleRun, RunStatus, User
from clientela.platform.rules.editor import offered_actions
from clientela.platform.services.plugins import plugin_set_enabled
from clientela.platform.tests.rules_support import make_rule, settle
from clientela.platform.tests.webhook_receiver import Receiver

SEND = {"type": "erp_bridge.send", "params": {}}


def send_rule(admin: User) -> Any:
    return make_rule(
        admin,
        name="Accounts to the ERP",
        object_type="customers.account",
        trigger="created",
        actions=[SEND],
    )


def test_send_to_the_erp_is_offered_only_while_the_plugin_is_on(admin_user, on_commit):
    assert "erp_bridge.send" not in [a.key for a in offered_actions("customers.account")]

    with on_commit():
        plugin_set_enabled(actor=admin_user, name="erp_bridge", enabled=True)
    offered = {a.key: a for a in offered_actions("customers.account")}
    assert str(offered["erp_bridge.send"].label) == "Send to the ERP"
    assert "erp_bridge.send" not in [a.key for a in offered_actions("platform.user")]


def test_a_rule_sends_a_new_account_to_the_drop_folder(
    bridge_on: User, drop_dir, django_capture_on_commit_callbacks: Callable[..., Any]
):
    rule = send_rule(bridge_on)
    with django_capture_on_commit_callbacks(execute=True):
        account = account_create(actor=bridge_on, values={"name": "Padaria Central"})

    settle(django_capture_on_commit_callbacks)

    [run] = RuleRun.objects.filter(rule=rule)
    assert run.status == RunStatus.DONE
    # the rule's document, and the subscription's (account created is a default event)
    documents = {n: json.loads((drop_dir / n).read_bytes()) for n in files_in(drop_dir)}
    by_event = {d["event"]: d for d in documents.values()}
    by_name = {d["id"]: n for n, d in documents.items()}
    assert sorted(by_event) == ["customers.account.created", "rule"]
    sent = by_event["rule"]
    assert (sent["rule_id"], sent["object_type"], sent["object_id"]) == (
        rule.pk,
        "customers.account",
        account.pk,
    )
    assert sent["data"]["name"] == "Padaria Central"
    [step] = run.log
    assert (step["kind"], step["action"]) == ("action", "erp_bridge.send")
    assert step["result"] == {"document": sent["id"], "file": by_name[sent["id"]]}


def test_a_receiver_that_is_down_makes_the_engine_retry(
    bridge_on: User,
    receiver: Receiver,
    settings,
    django_capture_on_commit_callbacks: Callable[..., Any],
):
    settings.CLIENTELA_ERP_URL = receiver.url
    settings.CLIENTELA_ERP_SECRET = SECRET
    settings.CLIENTELA_ERP_DROP_DIR = ""
    settings.CLIENTELA_ERP_EVENTS = ""  # only the rule sends
    receiver.stop()
    rule = send_rule(bridge_on)
    with django_capture_on_commit_callbacks(execute=True):
        account_create(actor=bridge_on, values={"name": "Padaria"})

    settle(django_capture_on_commit_callbacks)

    [run] = RuleRun.objects.filter(rule=rule)
    assert run.status == RunStatus.RETRYING
    assert "the ERP did not answer" in run.error
    assert receiver.requests == []


def test_the_plugin_speaks_portuguese_from_its_own_catalogue() -> None:
    from clientela_erp_bridge import plugin
    from django.utils import translation

    with translation.override("pt-br"):
        assert str(plugin.label) == "Ponte com o ERP"
    with translation.override("en"):
        assert str(plugin.label) == "ERP bridge"
