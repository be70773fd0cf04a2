"""Delivering documents: the exact file in the drop folder (written whole or not at all), the
signed POST to a real HTTP receiver on loopback, and the failures that must raise."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from clientela_erp_bridge.delivery import DeliveryFailed, deliver, write_file
from clientela_erp_bridge.documents import DocumentUnavailable, build, encode, load
from erp_support import SECRET, files_in

from clientela.customers.services.accounts import account_create
from clientela.platform.models import User
from clientela.platform.tests.webhook_receiver import Receiver, signature_ok


def account_document(admin: User) -> dict[str, Any]:
    account = account_create(
        actor=admin,
        values={"name": "Padaria Central", "tax_id": "11.222.333/0001-81", "country": "BR"},
    )
    return build("customers.account", account, event="customers.account.created")


def test_the_document_carries_the_record_as_the_api_answers_it(admin_user, api_as):
    document = account_document(admin_user)
    account_id = document["object_id"]

    answer = api_as(admin_user).get(f"/api/v1/accounts/{account_id}")

    assert answer.status_code == 200
    assert document["data"] == answer.json()
    assert document["data"]["name"] == "Padaria Central"
    assert {k: document[k] for k in ("source", "event", "rule_id", "object_type")} == {
        "source": "clientela",
        "event": "customers.account.created",
        "rule_id": None,
        "object_type": "customers.account",
    }
    assert re.fullmatch(r"[0-9a-f-]{36}", document["id"])


def test_a_document_lands_in_the_drop_folder_whole_with_the_exact_json(admin_user, drop_dir):
    document = account_document(admin_user)

    done = deliver(document)

    name = done["file"]
    assert done == {"document": document["id"], "file": name}
    assert re.fullmatch(
        rf"\d{{8}}T\d{{12}}Z-customers\.account-{document['object_id']}-{document['id']}\.json",
        name,
    )
    assert files_in(drop_dir) == [name]  # no temporary file left beside it
    raw = (drop_dir / name).read_bytes()
    assert raw == encode(document)
    assert json.loads(raw) == document
    assert raw.startswith(b'{"data":{')


def test_a_file_that_cannot_be_renamed_leaves_nothing_half_written(tmp_path: Path):
    folder = tmp_path / "inbox"
    (folder / "taken.json").mkdir(parents=True)  # the final name is a folder: rename fails

    with pytest.raises(DeliveryFailed, match=r"cannot write taken\.json"):
        write_file(folder, "taken.json", b'{"id": 1}')

    assert files_in(folder) == ["taken.json"]
    assert list((folder / "taken.json").iterdir()) == []


def test_http_delivery_is_signed_and_reaches_the_receiver(
    admin_user, receiver: Receiver, settings, tmp_path
):
    settings.CLIENTELA_ERP_URL = receiver.url
    settings.CLIENTELA_ERP_SECRET = SECRET
    settings.CLIENTELA_ERP_DROP_DIR = ""
    document = account_document(admin_user)

    done = deliver(document)

    assert done == {"document": document["id"], "http_status": 200}
    [request] = receiver.requests
    assert request.path == "/hook"
    assert request.body == encode(document)
    assert request.headers["content-type"] == "application/json"
    assert request.headers["x-clientela-delivery"] == document["id"]
    assert request.headers["x-clientela-event"] == "customers.account.created"
    assert signature_ok(SECRET, request)
    assert not signature_ok("another-secret", request)


def test_both_targets_get_the_same_bytes(admin_user, receiver: Receiver, settings, drop_dir):
    settings.CLIENTELA_ERP_URL = receiver.url
    settings.CLIENTELA_ERP_SECRET = SECRET
    document = account_document(admin_user)

    done = deliver(document)

    assert done["http_status"] == 200
    assert (drop_dir / done["file"]).read_bytes() == receiver.requests[0].body


def test_a_receiver_that_is_down_raises_and_nothing_is_written(
    admin_user, receiver: Receiver, settings, drop_dir
):
    settings.CLIENTELA_ERP_URL = receiver.url
    settings.CLIENTELA_ERP_SECRET = SECRET
    receiver.stop()
    document = account_document(admin_user)

    with pytest.raises(DeliveryFailed, match="the ERP did not answer"):
        deliver(document)

    assert files_in(drop_dir) == []


def test_an_error_answer_raises(admin_user, receiver: Receiver, settings):
    settings.CLIENTELA_ERP_URL = receiver.url
    settings.CLIENTELA_ERP_SECRET = SECRET
    settings.CLIENTELA_ERP_DROP_DIR = ""
    receiver.status = 503
    receiver.answer = b'{"error": "maintenance"}'

    with pytest.raises(DeliveryFailed) as failed:
        deliver(account_document(admin_user))

    assert str(failed.value) == 'the ERP answered HTTP 503: {"error": "maintenance"}'
    assert len(receiver.requests) == 1


def test_a_slow_receiver_times_out(admin_user, receiver: Receiver, settings):
    settings.CLIENTELA_ERP_URL = receiver.url
    settings.CLIENTELA_ERP_SECRET = SECRET
    settings.CLIENTELA_ERP_DROP_DIR = ""
    settings.WEBHOOK_TOTAL_TIMEOUT = 0.3
    receiver.delay = 1.0

    with pytest.raises(DeliveryFailed, match="timed out"):
        deliver(account_document(admin_user))


@pytest.mark.parametrize(
    ("url", "secret", "folder", "problem"),
    [
        ("", "", "", "set CLIENTELA_ERP_URL or CLIENTELA_ERP_DROP_DIR"),
        ("http://127.0.0.1:9/erp", "", "", "needs CLIENTELA_ERP_SECRET"),
        ("", "", "relative/inbox", "must be an absolute path"),
    ],
)
def test_an_incomplete_configuration_raises_and_sends_nothing(
    admin_user, settings, url, secret, folder, problem
):
    settings.CLIENTELA_ERP_URL = url
    settings.CLIENTELA_ERP_SECRET = secret
    settings.CLIENTELA_ERP_DROP_DIR = folder

    with pytest.raises(DeliveryFailed, match=problem):
        deliver(account_document(admin_user))

    assert not Path("relative").exists()


def test_record_types_without_a_document_are_refused(admin_user):
    with pytest.raises(DocumentUnavailable, match=r"no ERP document for platform\.user"):
        load("platform.user", admin_user.pk)
    assert load("sales.order", 999999) is None  # a known type; that order does not exist
