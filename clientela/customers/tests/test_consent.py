"""Consent: append-only history, the latest row per channel and purpose decides, do-not-contact
overrides; ``can_contact`` for one contact and ``contactable`` for thousands in one query."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from django.utils import timezone

from clientela.customers.consent import can_contact, consent_history, consent_matrix, contactable
from clientela.customers.models import Consent, Contact
from clientela.customers.services import contact_create
from clientela.customers.services.consent import consent_record, contact_set_do_not_contact
from clientela.platform.errors import NotFound, PermissionDenied, ValidationFailed
from clientela.platform.models import AuditEntry


@pytest.fixture
def team(make_team):
    return make_team("Vendas SP")


@pytest.fixture
def rep(make_user, team):
    return make_user("sales-rep", teams=[team])


@pytest.fixture
def contact(rep):
    return contact_create(actor=rep, values={"first_name": "Ana", "email": "ana@x.com"})


def _record(actor, contact, status, channel="email", purpose="marketing", **extra):
    values = {"channel": channel, "purpose": purpose, "status": status, **extra}
    return consent_record(actor=actor, contact_id=contact.pk, values=values)


def test_recording_appends_rows_with_proof_and_audits(rep, contact):
    first = _record(
        rep,
        contact,
        "opt_in",
        source="newsletter form",
        proof={"form": "footer", "ip": "2001:db8::1", "user_agent": "Firefox", "text": "Yes!"},
    )
    second = _record(rep, contact, "opt_out", source="unsubscribe link")

    assert Consent.objects.filter(contact=contact).count() == 2
    first.refresh_from_db()
    assert first.status == "opt_in"  # the old row is untouched: history, not state
    assert first.proof == {
        "form": "footer",
        "ip": "2001:db8::1",
        "user_agent": "Firefox",
        "text": "Yes!",
    }
    assert second.recorded_by_id == rep.pk
    entries = AuditEntry.objects.filter(object_type="customers.contact", action="consent")
    assert [e.changes["consent.email.marketing"] for e in entries.order_by("seq")] == [
        [None, "opt_in"],
        ["opt_in", "opt_out"],
    ]


def test_history_is_newest_first_by_when_it_was_given(rep, contact):
    now = timezone.now()
    late = _record(rep, contact, "opt_out", recorded_at=now - timedelta(days=1))
    early = _record(rep, contact, "opt_in", recorded_at=now - timedelta(days=30))
    same_a = _record(rep, contact, "opt_in", channel="sms", recorded_at=now - timedelta(days=2))
    same_b = _record(rep, contact, "opt_out", channel="sms", recorded_at=now - timedelta(days=2))

    assert list(consent_history(contact)) == [late, same_b, same_a, early]
    # The back-dated opt-in, entered last, does not override the newer opt-out.
    assert can_contact(contact, "email", "marketing") is False
    # Equal times: the row entered later wins.
    assert can_contact(contact, "sms", "marketing") is False


def test_can_contact_rules(rep, contact):
    assert can_contact(contact, "email", "marketing") is False  # no opt-in yet
    assert can_contact(contact, "email", "service") is True  # service needs no opt-in
    _record(rep, contact, "opt_in")
    assert can_contact(contact, "email", "marketing") is True
    assert can_contact(contact, "sms", "marketing") is False  # per channel
    assert can_contact(contact, "email", "newsletter") is False  # per purpose
    _record(rep, contact, "opt_out", purpose="service")
    assert can_contact(contact, "email", "service") is False

    contact = contact_set_do_not_contact(actor=rep, contact_id=contact.pk, value=True)
    assert can_contact(contact, "email", "marketing") is False
    assert can_contact(contact, "phone", "service") is False
    entry = AuditEntry.objects.filter(action="update", object_type="customers.contact").last()
    assert entry is not None and entry.changes == {"do_not_contact": [False, True]}

    matrix = consent_matrix(contact)
    assert [c.allowed for row in matrix for c in row] == [False] * 25
    email_marketing = matrix[0][0]
    assert email_marketing.current is not None and email_marketing.current.status == "opt_in"


def test_selectors_refuse_unknown_channels_and_purposes(contact):
    with pytest.raises(ValueError):
        can_contact(contact, "pigeon", "marketing")
    with pytest.raises(ValueError):
        contactable(Contact.objects.all(), "email", "spam")


@pytest.mark.parametrize(
    "values,field",
    [
        ({"channel": "fax"}, "channel"),
        ({"purpose": "anything"}, "purpose"),
        ({"status": "maybe"}, "status"),
        ({"proof": {"ip": "999.1.1.1"}}, "proof.ip"),
        ({"proof": {"cookie": "x"}}, "proof.cookie"),
        ({"proof": {"text": "x" * 5001}}, "proof.text"),
        ({"proof": "signed"}, "proof"),
        ({"source": "s" * 101}, "source"),
        ({"recorded_at": timezone.now() + timedelta(days=1)}, "recorded_at"),
        ({"recorded_at": "yesterday"}, "recorded_at"),
    ],
)
def test_bad_consent_input_is_refused_and_nothing_is_written(rep, contact, values, field):
    base = {"channel": "email", "purpose": "marketing", "status": "opt_in"}
    with pytest.raises(ValidationFailed) as caught:
        consent_record(actor=rep, contact_id=contact.pk, values={**base, **values})
    assert field in caught.value.errors
    assert not Consent.objects.exists()
    assert not AuditEntry.objects.filter(action="consent").exists()


def test_consent_needs_edit_right_on_a_visible_contact(rep, contact, make_user, make_team):
    with pytest.raises(PermissionDenied):
        _record(make_user("read-only"), contact, "opt_in")
    with pytest.raises(NotFound):
        _record(make_user("sales-rep", teams=[make_team("Vendas RJ")]), contact, "opt_in")
    assert not Consent.objects.exists()


def test_contactable_matches_can_contact_on_1000_contacts_in_one_query(
    rep, django_assert_num_queries
):
    rng = random.Random(7)
    contacts = Contact.objects.bulk_create(
        Contact(first_name=f"P{i}", owner=rep, do_not_contact=(i % 17 == 0)) for i in range(1000)
    )
    now = timezone.now()
    rows = []
    for contact in contacts:
        for step in range(rng.randint(0, 3)):
            rows.append(
                Consent(
                    contact=contact,
                    channel="email",
                    purpose=rng.choice(["marketing", "marketing", "newsletter", "service"]),
                    status=rng.choice(["opt_in", "opt_out"]),
                    recorded_at=now - timedelta(days=rng.randint(0, 400), minutes=step),
                )
            )
    Consent.objects.bulk_create(rows)
    everyone = Contact.objects.filter(pk__in=[c.pk for c in contacts])

    for purpose in ("marketing", "service"):
        expected = {c.pk for c in contacts if can_contact(c, "email", purpose)}
        with django_assert_num_queries(1):
            found = set(contactable(everyone, "email", purpose).values_list("pk", flat=True))
        assert found == expected
        assert 0 < len(found) < 1000
