"""The platform's built-in rule actions (send an e-mail, update fields, assign an owner, call a
webhook), merge fields and recipients, run on real rules and records: mail goes to the real SMTP
sink, webhooks to the real loopback receiver through the outbox, round-robin turns under two
threads on PostgreSQL.

Each rule is saved through the rules service (switched off, so no event fires it) and each
action is called as the engine calls it: its stored settings parsed again, the rule's run-as
user acting.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import connection
from pydantic import ValidationError as PydanticValidationError

from clientela.customers.models import Lead
from clientela.customers.services.contacts import contact_create
from clientela.customers.services.leads import lead_create
from clientela.platform.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from clientela.platform.models import (
    AuditEntry,
    Role,
    RoundRobinTurn,
    Rule,
    Team,
    User,
    WebhookDelivery,
)
from clientela.platform.rules import merge, recipients, registry
from clientela.platform.rules.actions import MailNotSent
from clientela.platform.rules.recipients import Recipient
from clientela.platform.services import webhooks
from clientela.platform.services.customfields import field_create
from clientela.platform.services.rules import rule_create
from clientela.platform.tests.rules_support import drain
from clientela.platform.tests.webhook_receiver import Receiver, running_receiver, signature_ok

LEAD = "customers.lead"


def rule_with(admin: User, key: str, params: dict[str, Any], **values: Any) -> Rule:
    """A rule saved through the service with one action (switched off: no event fires it)."""
    return rule_create(
        actor=admin,
        values={
            "name": "Test rule",
            "object_type": LEAD,
            "trigger": "created",
            "is_active": False,
            "actions": [{"type": key, "params": params}],
            **values,
        },
    )


def call_of(rule: Rule, record: Any) -> registry.ActionCall:
    """The call the engine makes: the stored settings parsed again, the run-as user acting."""
    step = rule.actions[0]
    params = registry.action_type(step["type"]).params.model_validate(step["params"])
    return registry.ActionCall(rule, None, rule.object_type, record, params, rule.run_as)


def run(rule: Rule, record: Any) -> dict[str, Any]:
    call = call_of(rule, record)
    return registry.action_type(rule.actions[0]["type"]).run(call)


def describe(rule: Rule, record: Any) -> str:
    call = call_of(rule, record)
    return registry.action_type(rule.actions[0]["type"]).describe(call)


def refused(key: str, params: dict[str, Any], object_type: str = LEAD) -> dict[Any, str]:
    """The settings' problems by path, as the rules service checks them on save."""
    with pytest.raises(PydanticValidationError) as info:
        registry.action_type(key).params.model_validate(
            params, context={"object_type": object_type}
        )
    return {error["loc"]: error["msg"] for error in info.value.errors()}


def new_lead(actor: User, **values: Any) -> Lead:
    values = {"first_name": "Ana", "last_name": "Lima", "company": "Lima Ltda", **values}
    return lead_create(actor=actor, values=values)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    yield from running_receiver()


# --- merge fields ---------------------------------------------------------------------------


def test_merge_fields_are_checked_against_the_record_type(db: Any) -> None:
    assert merge.check('Hi {{ first_name }} of {{ company | "your firm" }}', LEAD) == []
    assert merge.check("Hi {{ owner.name }}", LEAD) == []
    assert merge.check("Hi {{ nickname }}", LEAD) == ["Unknown merge field: nickname."]
    assert merge.check("Hi {{ first name }}", LEAD) == [
        '“{{ first name }}” is not a merge field: write {{ field }} or {{ field | "text" }}.'
    ]
    assert merge.check("Hi {{ first_name", LEAD) == [
        "A merge field is not closed: write {{ field }}."
    ]
    assert merge.check("{{ owner.__class__ }}", LEAD) == ["Unknown merge field: owner.__class__."]


def test_merge_fields_render_values_fallbacks_and_nothing_else(admin_user: User) -> None:
    field_create(
        actor=admin_user,
        values={
            "object_type": LEAD,
            "key": "tier",
            "label": "Tier",
            "field_type": "choice",
            "choices": [{"value": "gold", "label": "Gold"}],
        },
    )
    lead = new_lead(admin_user, company="", rating="hot", custom={"tier": "gold"})
    text = 'Dear {{ first_name }} of {{ company | "your \\"firm\\"" }}: {{ rating }}, '
    text += "{{ custom.tier }}, {{ owner.name }}, {{ nickname }}{{ owner.__class__ }}."
    assert merge.render(text, LEAD, lead) == ('Dear Ana of your "firm": Hot, Gold, admin, .')
    # a text without fields is left as it is; a broken field stays as written
    assert merge.render("{{ first name }} {{ last_name }}", LEAD, lead) == "{{ first name }} Lima"


def test_a_subject_loses_line_breaks_even_from_values(admin_user: User) -> None:
    lead = new_lead(admin_user, description="line one\r\nBcc: victim@example.com\n")
    assert merge.render_line("Re:\n{{ description }}", LEAD, lead) == (
        "Re: line one Bcc: victim@example.com"
    )


# --- recipients -----------------------------------------------------------------------------


def test_the_owners_manager_is_the_manager_of_their_first_team_with_one(
    make_user: Callable[..., User], make_team: Callable[[str], Team]
) -> None:
    boss = make_user("sales-manager")
    plain, managed = make_team("Plain"), make_team("Managed")
    managed.manager = boss
    managed.save()
    rep = make_user("sales-rep", teams=[plain, managed])
    lead = new_lead(rep)
    assert recipients.resolve(Recipient("owner_manager"), lead) == boss
    managed.manager = None
    managed.save()
    with pytest.raises(Conflict) as info:
        recipients.resolve(Recipient("owner_manager"), lead)
    assert info.value.code == "no_manager"


def test_a_role_rotation_gives_each_active_user_a_turn(
    make_user: Callable[..., User],
) -> None:
    Role.objects.create(name="Closers", slug="closers")
    first, second = make_user("closers"), make_user("closers")
    make_user("closers", is_active=False)
    spec = Recipient("role", role="closers")
    assert recipients.resolve(spec, None, take=False) == first  # looking takes no turn
    assert [recipients.resolve(spec, None) for _ in range(3)] == [first, second, first]
    assert RoundRobinTurn.objects.get(key="role:closers").turns == 3


@pytest.mark.django_db(transaction=True)
def test_two_workers_taking_turns_at_once_give_each_member_its_turn(
    make_user: Callable[..., User], make_team: Callable[[str], Team]
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks between connections: PostgreSQL")
    team = make_team("Inside sales")
    members = [make_user("sales-rep", teams=[team]) for _ in range(3)]
    spec = Recipient("team_round_robin", team=team.pk)
    chosen: list[int] = []
    start = threading.Barrier(2)

    def worker() -> None:
        try:
            start.wait()
            for _ in range(15):
                chosen.append(recipients.resolve(spec, None).pk)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Counter(chosen) == {m.pk: 10 for m in members}
    assert RoundRobinTurn.objects.get(key=f"team:{team.pk}").turns == 30


# --- send an e-mail -------------------------------------------------------------------------


def test_an_email_goes_to_the_record_over_smtp_with_merge_fields(
    admin_user: User, smtp_server: Any
) -> None:
    rule = rule_with(
        admin_user,
        "platform.send_email",
        {
            "subject": "Welcome, {{ first_name }}\n",
            "body": 'Hello {{ first_name }},\nthanks from {{ company | "us" }}.',
        },
    )
    lead = new_lead(admin_user, email="ana@lima.example")
    assert describe(rule, lead) == "Send “Welcome, Ana” to ana@lima.example"
    assert smtp_server.messages == []

    result = run(rule, lead)

    [message] = smtp_server.messages
    assert message["To"] == "ana@lima.example"
    assert message["Subject"] == "Welcome, Ana"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Message-ID"] == result["message_id"]
    text = message.get_payload(decode=True).decode()
    assert text.replace("\r\n", "\n") == "Hello Ana,\nthanks from Lima Ltda.\n"
    assert result["email"] == "ana@lima.example"


def test_values_cannot_inject_mail_headers(admin_user: User, smtp_server: Any) -> None:
    rule = rule_with(
        admin_user, "platform.send_email", {"subject": "{{ description }}", "body": "Hi"}
    )
    lead = new_lead(
        admin_user, email="ana@lima.example", description="Hi\r\nBcc: victim@example.com"
    )
    run(rule, lead)
    [message] = smtp_server.messages
    assert message["Subject"] == "Hi Bcc: victim@example.com"
    assert message["Bcc"] is None
    assert message["X-RcptTo"] == "ana@lima.example"


def test_an_email_to_the_owners_manager_is_written_in_their_language(
    admin_user: User,
    make_user: Callable[..., User],
    make_team: Callable[[str], Team],
    smtp_server: Any,
) -> None:
    boss = make_user("sales-manager", language="pt-br", first_name="Bia", last_name="Souza")
    team = make_team("Field sales")
    team.manager = boss
    team.save()
    rep = make_user("sales-rep", teams=[team])
    rule = rule_with(
        admin_user,
        "platform.send_email",
        {"to": "owner_manager", "subject": "Hot lead: {{ rating }}", "body": "{{ company }}"},
    )
    lead = new_lead(rep, rating="hot")
    assert describe(rule, lead) == f"Send “Hot lead: Quente” to Bia Souza <{boss.email}>"
    run(rule, lead)
    [message] = smtp_server.messages
    assert (message["To"], message["Subject"]) == (boss.email, "Hot lead: Quente")


def test_no_email_to_a_person_who_asked_not_to_be_contacted(
    admin_user: User, smtp_server: Any
) -> None:
    rule = rule_with(
        admin_user,
        "platform.send_email",
        {"subject": "News", "body": "Hi"},
        object_type="customers.contact",
    )
    contact = contact_create(
        actor=admin_user,
        values={"first_name": "Ana", "email": "ana@lima.example", "do_not_contact": True},
    )
    with pytest.raises(Conflict) as info:
        run(rule, contact)
    assert info.value.code == "do_not_contact"
    assert describe(rule, contact) == "Send no e-mail: The person asked not to be contacted."
    assert smtp_server.messages == []


def test_a_mail_server_that_is_down_makes_the_engine_try_again(
    admin_user: User, settings: Any
) -> None:
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": 9, "timeout": 2},
        }
    }
    rule = rule_with(
        admin_user,
        "platform.send_email",
        {"to": "address", "address": "ops@example.com", "subject": "S", "body": "B"},
    )
    with pytest.raises(MailNotSent):  # not a DomainError: the engine retries it
        run(rule, new_lead(admin_user))


def test_email_settings_are_refused_with_their_paths(db: Any) -> None:
    assert refused("platform.send_email", {"to": "address", "subject": "S", "body": "B"}) == {
        ("address",): "Enter the address to send to."
    }
    assert refused(
        "platform.send_email",
        {"to": "address", "address": "ops@example.com\r\nBcc: x@y.z", "subject": "S", "body": "B"},
    ) == {("address",): "Value error, Enter a valid e-mail address."}
    assert refused("platform.send_email", {"to": "user", "subject": "S", "body": "B"}) == {
        ("user",): "Choose a user."
    }
    assert refused(
        "platform.send_email", {"to": "role", "role": "nobody", "subject": "S", "body": "B"}
    ) == {("role",): "Unknown role."}
    assert refused(
        "platform.send_email", {"subject": "Hi {{ nick }}", "body": "{{ first_name"}
    ) == {
        ("subject",): "Value error, Unknown merge field: nick.",
        ("body",): "Value error, A merge field is not closed: write {{ field }}.",
    }
    assert refused("platform.send_email", {"subject": "S", "body": "B"}, "activities.activity") == {
        ("to",): "This kind of record has no e-mail address."
    }


# --- update fields --------------------------------------------------------------------------


def test_update_fields_writes_through_the_service_with_merge_fields(admin_user: User) -> None:
    field_create(
        actor=admin_user,
        values={"object_type": LEAD, "key": "budget", "label": "Budget", "field_type": "decimal"},
    )
    rule = rule_with(
        admin_user,
        "platform.update_fields",
        {
            "values": {
                "rating": "hot",
                "description": "Followed up with {{ company }}",
                "custom.budget": "1500.50",
            }
        },
    )
    assert rule.actions[0]["params"]["values"]["custom.budget"] == 1500.5
    lead = new_lead(admin_user)
    assert describe(rule, lead) == (
        "Set rating to “Hot”; description to “Followed up with Lima Ltda”; Budget to “1,500.5”"
    )
    assert run(rule, lead) == {"fields": ["custom.budget", "description", "rating"]}
    lead.refresh_from_db()
    assert (lead.rating, lead.description, lead.custom) == (
        "hot",
        "Followed up with Lima Ltda",
        {"budget": 1500.5},
    )
    entry = AuditEntry.objects.filter(object_type=LEAD, action="update").get()
    assert entry.actor_id == admin_user.pk
    assert set(entry.changes) == {"rating", "description", "custom.budget"}


def test_update_fields_settings_are_checked_by_each_fields_type(admin_user: User) -> None:
    field_create(
        actor=admin_user,
        values={"object_type": LEAD, "key": "seats", "label": "Seats", "field_type": "integer"},
    )
    assert refused(
        "platform.update_fields",
        {
            "values": {
                "rating": "boiling",
                "converted_at": "2026-01-01",
                "custom.seats": "many",
                "description": "{{ nope }}",
                "owner": "x",
            }
        },
    ) == {
        ("values", "rating"): "Choose one of the offered values.",
        ("values", "converted_at"): "A rule cannot set this field.",
        ("values", "custom.seats"): "Enter a number.",
        ("values", "description"): "Unknown merge field: nope.",
        ("values", "owner"): "Choose a user.",
    }
    with pytest.raises(ValidationFailed) as info:
        rule_with(admin_user, "platform.update_fields", {"values": {"rating": "boiling"}})
    assert info.value.errors["actions.0.params.values.rating"] == [
        "Check this value: Choose one of the offered values."
    ]


def test_a_run_as_user_without_the_right_changes_nothing(
    admin_user: User, make_user: Callable[..., User]
) -> None:
    viewer = make_user("read-only")
    rule = rule_with(
        admin_user, "platform.update_fields", {"values": {"rating": "hot"}}, run_as=viewer.pk
    )
    lead = new_lead(admin_user)
    audit_before = AuditEntry.objects.count()
    with pytest.raises(PermissionDenied):
        run(rule, lead)
    lead.refresh_from_db()
    assert lead.rating == ""
    assert AuditEntry.objects.count() == audit_before


# --- assign an owner ------------------------------------------------------------------------


def test_round_robin_gives_records_to_the_teams_members_in_turn(
    admin_user: User, make_user: Callable[..., User], make_team: Callable[[str], Team]
) -> None:
    team = make_team("Inside sales")
    first, second = make_user("sales-rep", teams=[team]), make_user("sales-rep", teams=[team])
    rule = rule_with(
        admin_user, "platform.assign_owner", {"method": "round_robin", "team": team.pk}
    )
    leads = [new_lead(admin_user, first_name=name) for name in ("Ana", "Bia", "Caio")]
    assert describe(rule, leads[0]) == f"Give the record to {first.display_name}"
    assert describe(rule, leads[0]) == f"Give the record to {first.display_name}"
    results = [run(rule, lead) for lead in leads]
    assert results == [{"owner": first.pk}, {"owner": second.pk}, {"owner": first.pk}]
    owners = [(lead.owner_id, lead.team_id) for lead in Lead.objects.order_by("id")]
    assert owners == [(first.pk, team.pk), (second.pk, team.pk), (first.pk, team.pk)]


def test_a_territory_rule_picks_the_owner_by_a_fields_value(
    admin_user: User, make_user: Callable[..., User]
) -> None:
    north, south, rest = make_user("administrator"), make_user("administrator"), admin_user
    rule = rule_with(
        admin_user,
        "platform.assign_owner",
        {
            "method": "territory",
            "territory": {"field": "country", "map": {"br": north.pk, "AR ": south.pk}},
        },
    )
    brazil, argentina, chile = (new_lead(rest, country=c) for c in ("BR", "AR", "CL"))
    assert run(rule, brazil) == {"owner": north.pk}
    assert run(rule, argentina) == {"owner": south.pk}
    assert describe(rule, chile) == "Keep the owner: no territory matches."
    assert run(rule, chile) == {"owner": None}
    assert [lead.owner_id for lead in Lead.objects.order_by("id")] == [north.pk, south.pk, rest.pk]


def test_owner_settings_are_refused_with_their_paths(
    admin_user: User, make_user: Callable[..., User]
) -> None:
    gone = make_user("sales-rep", is_active=False)
    assert refused("platform.assign_owner", {"method": "round_robin"}) == {
        ("team",): "Choose a team."
    }
    assert refused("platform.assign_owner", {"method": "territory"}) == {
        ("territory",): "Set up the territory."
    }
    assert refused(
        "platform.assign_owner",
        {
            "method": "territory",
            "territory": {
                "field": "shoe_size",
                "map": {"SP": gone.pk, "RJ": admin_user.pk, "rj": admin_user.pk},
                "otherwise": gone.pk,
            },
        },
    ) == {
        ("territory", "field"): "Choose one of the offered fields.",
        ("territory", "map", "SP"): "Unknown or inactive user.",
        ("territory", "map", "RJ"): "This value is listed twice.",
        ("territory", "map", "rj"): "This value is listed twice.",
        ("territory", "otherwise"): "Unknown or inactive user.",
    }


# --- call a webhook -------------------------------------------------------------------------


def test_a_webhook_call_goes_through_the_outbox_signed(
    admin_user: User,
    receiver: Receiver,
    django_capture_on_commit_callbacks: Any,
) -> None:
    endpoint, secret = webhooks.endpoint_create(
        actor=admin_user, values={"url": receiver.url, "event_types": ["customers.lead.created"]}
    )
    rule = rule_with(
        admin_user,
        "platform.call_webhook",
        {"endpoint": endpoint.pk, "fields": ["status", "owner.name"], "note": "hot-lead"},
    )
    lead = new_lead(admin_user)
    assert describe(rule, lead) == f"Post the record to {receiver.url}"
    assert not WebhookDelivery.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        result = run(rule, lead)
    drain()

    delivery = WebhookDelivery.objects.get()
    assert result == {"delivery": str(delivery.pk)}
    assert (delivery.event, delivery.status, delivery.attempts) == ("rule.action", "succeeded", 1)
    [request] = receiver.requests
    assert request.headers["x-clientela-event"] == "rule.action"
    assert request.headers["x-clientela-delivery"] == str(delivery.pk)
    assert signature_ok(secret, request)
    body = json.loads(request.body)
    assert body["id"] == str(delivery.pk)
    assert body["data"] == {
        "object_type": LEAD,
        "id": lead.pk,
        "rule": {"id": rule.pk, "name": "Test rule"},
        "run": None,
        "note": "hot-lead",
        "fields": {"status": "new", "owner.name": "admin"},
        "actor_id": admin_user.pk,
    }


def test_only_an_administrator_may_send_records_to_a_webhook(
    admin_user: User, make_user: Callable[..., User], receiver: Receiver
) -> None:
    endpoint, _secret = webhooks.endpoint_create(
        actor=admin_user, values={"url": receiver.url, "event_types": ["*"]}
    )
    rep = make_user("sales-rep")
    rule = rule_with(admin_user, "platform.call_webhook", {"endpoint": endpoint.pk}, run_as=rep.pk)
    with pytest.raises(PermissionDenied):
        run(rule, new_lead(rep))
    assert not WebhookDelivery.objects.exists()


def test_a_switched_off_webhook_is_not_called(admin_user: User, receiver: Receiver) -> None:
    endpoint, _secret = webhooks.endpoint_create(
        actor=admin_user, values={"url": receiver.url, "event_types": ["*"]}
    )
    rule = rule_with(admin_user, "platform.call_webhook", {"endpoint": endpoint.pk})
    webhooks.endpoint_update(actor=admin_user, pk=endpoint.pk, values={"is_active": False})
    lead = new_lead(admin_user)
    with pytest.raises(Conflict) as info:
        run(rule, lead)
    assert info.value.code == "webhook_off"
    assert describe(rule, lead) == "Call no webhook: The webhook is switched off."
    assert not WebhookDelivery.objects.exists()


def test_webhook_settings_are_refused_with_their_paths(db: Any) -> None:
    assert refused(
        "platform.call_webhook", {"endpoint": 999999, "fields": ["status", "secret", "status"]}
    ) == {
        ("endpoint",): "Unknown webhook.",
        ("fields", 1): "Choose one of the offered fields.",
        ("fields", 2): "This field is listed twice.",
    }


def test_a_record_the_run_as_user_cannot_see_is_not_sent_anywhere(
    admin_user: User, make_user: Callable[..., User], smtp_server: Any
) -> None:
    rep = make_user("sales-rep")
    rule = rule_with(
        admin_user,
        "platform.send_email",
        {"to": "address", "address": "ops@example.com", "subject": "{{ company }}", "body": "B"},
        run_as=rep.pk,
    )
    with pytest.raises(NotFound):
        run(rule, new_lead(admin_user))
    assert smtp_server.messages == []


def test_describe_takes_no_turn_and_sends_nothing(
    admin_user: User, make_user: Callable[..., User], make_team: Callable[[str], Team]
) -> None:
    team = make_team("Inside sales")
    make_user("sales-rep", teams=[team])
    rule = rule_with(
        admin_user, "platform.assign_owner", {"method": "round_robin", "team": team.pk}
    )
    lead = new_lead(admin_user)
    audit_before = AuditEntry.objects.count()
    describe(rule, lead)
    assert not RoundRobinTurn.objects.exists()
    lead.refresh_from_db()
    assert lead.owner_id == admin_user.pk
    assert AuditEntry.objects.count() == audit_before
