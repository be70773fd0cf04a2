"""The import's fast paths decide exactly as the slow definitions they replace.

Each faster function (``fold``, the e-mail check, the CPF check digits, the cached phone
normalisation, the record factory) is run on the same inputs as its reference; any difference
fails.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from hypothesis import example, given, settings
from hypothesis import strategies as st

from clientela.customers import search_index, validators
from clientela.customers.imports.inserting import (
    ColumnPlan,
    RecordFactory,
    insert_rows,
    record_params,
)
from clientela.customers.models import Account, Contact, Lead
from clientela.customers.services.common import email_ok


def _fold_as_before(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


# --- fold ------------------------------------------------------------------------------------


def test_fold_reference_is_the_former_definition():
    sample = "João ÇÃO Straße ﬁ Σς İ ǅ \uff21\uff22\uff23 ① ㎏ 한국어 e\u0301\u0323"
    assert search_index.fold_reference(sample) == _fold_as_before(sample)


def test_fold_equals_the_reference_for_every_single_code_point():
    different = [
        code
        for code in range(0x110000)
        if search_index.fold(chr(code)) != search_index.fold_reference(chr(code))
    ]
    assert different == []


@settings(max_examples=400)
@given(st.text(max_size=40))
@example("Ångström ﬃ ΣΑΣ ß ẞ İstanbul")
@example("a\u0323\u0302\u0301b")  # marks NFKD reorders: dropped whatever their order
@example("\u1100\u1161\u11a8 가각 ᄀ")  # Hangul: decomposed algorithmically
@example("")
def test_fold_equals_the_reference_on_any_text(text):
    assert search_index.fold(text) == search_index.fold_reference(text)


@given(st.lists(st.sampled_from("aãAÃçÇeéÉ ǅﬁß1-@.Ωω\u0301\u0327"), max_size=30).map("".join))
def test_fold_equals_the_reference_on_accented_latin(text):
    assert search_index.fold(text) == search_index.fold_reference(text)


@given(st.text(max_size=30) | st.from_regex(r"[0-9 ()+\-.a-z]{0,20}", fullmatch=True))
@example("+55 (11) 98765-4321")
@example("²³ ٣ 12")  # other digits count as digits, as before
def test_digits_keeps_what_isdigit_keeps(text):
    assert search_index.digits(text) == "".join(c for c in text if c.isdigit())


def test_fold_of_none_and_empty_is_empty():
    assert search_index.fold(None) == ""  # type: ignore[arg-type]
    assert search_index.fold("") == ""


# --- e-mail ----------------------------------------------------------------------------------


def _django_accepts(value: str) -> bool:
    try:
        validate_email(value)
    except ValidationError:
        return False
    return True


EMAIL_CASES = [
    "ana@example.com",
    "ana.silva+tag@sub.example.com.br",
    "ana@localhost",
    "ana@[127.0.0.1]",
    "ana@[::1]",
    "ana@[999.1.1.1]",
    '"ana silva"@example.com',
    "ana@exa_mple.com",
    "ana@-example.com",
    "ana@example",
    "ana@example.c",
    "ana@example.123",
    "ana@josé.com.br",
    "josé@example.com",
    "ana@@example.com",
    "a@b@example.com",
    "ana@",
    "@example.com",
    "not-an-email",
    "",
    " ana@example.com",
    "ana@example.com ",
    "ana@example.com\n",
    "ana..silva@example.com",
    ".ana@example.com",
    "a" * 64 + "@" + "b" * 63 + ".com",
    "a" * 310 + "@example.com",
    "a" * 320 + "@x.com",
]


@pytest.mark.parametrize("value", EMAIL_CASES)
def test_email_check_decides_as_djangos_validator(value):
    assert email_ok(value) is _django_accepts(value)


@settings(max_examples=400)
@given(
    st.lists(st.sampled_from("aZ09.-_+@[]:\"' é\n"), max_size=30).map("".join)
    | st.builds(
        "{}@{}".format,
        st.from_regex(r"[a-z0-9.+\-]{0,12}", fullmatch=True),
        st.from_regex(r"[a-z0-9.\-]{0,12}", fullmatch=True),
    )
)
def test_email_check_decides_as_djangos_validator_on_random_text(value):
    assert email_ok(value) is _django_accepts(value)


# --- CPF -------------------------------------------------------------------------------------


ARABIC_INDIC_DIGITS = "".join(chr(0x660 + n) for n in range(10))


def _cpf_as_before(value: str) -> bool:
    digits = re.sub(r"\D", "", value or "")
    if len(digits) != 11 or digits == digits[0] * 11:
        return False

    def check(part: str, weights: list[int]) -> int:
        rest = sum(int(d) * w for d, w in zip(part, weights, strict=False)) % 11
        return 0 if rest < 2 else 11 - rest

    first = check(digits[:9], list(range(10, 1, -1)))
    second = check(digits[:10], list(range(11, 1, -1)))
    return digits[9:] == f"{first}{second}"


def _valid_cpf(base: str) -> str:
    first = (sum(int(d) * w for d, w in zip(base, range(10, 1, -1), strict=True)) * 10) % 11 % 10
    second_base = base + str(first)
    weights = range(11, 1, -1)
    second = (sum(int(d) * w for d, w in zip(second_base, weights, strict=True)) * 10) % 11 % 10
    return f"{base[:3]}.{base[3:6]}.{base[6:]}-{first}{second}"


@settings(max_examples=500)
@given(
    st.from_regex(r"[0-9]{9}", fullmatch=True).map(_valid_cpf)
    | st.from_regex(r"[0-9.\- ]{0,16}", fullmatch=True)
    | st.lists(st.sampled_from("0123456789.-" + ARABIC_INDIC_DIGITS), max_size=14).map("".join)
)
@example("529.982.247-25")
@example("529.982.247-24")
@example("111.111.111-11")
@example(
    "".join(ARABIC_INDIC_DIGITS[int(d)] for d in "529982247") + "25"
)  # Arabic-Indic digits with ASCII check digits
def test_cpf_check_decides_as_before(value):
    assert validators.is_valid_cpf(value) is _cpf_as_before(value)


def test_generated_cpfs_are_valid():
    assert validators.is_valid_cpf(_valid_cpf("529982247"))
    assert _valid_cpf("529982247") == "529.982.247-25"


# --- phones ----------------------------------------------------------------------------------


@settings(max_examples=200)
@given(
    st.from_regex(r"\+?[0-9 ()\-.]{0,18}", fullmatch=True),
    st.sampled_from(["BR", "US", "PT", "ZZ"]),
)
@example("(11) 98765-4321", "BR")
@example("+1 650 253 0000", "BR")
def test_cached_phone_normalisation_equals_the_direct_one(value, region):
    direct = validators._normalize_phone(value, region)
    assert validators.normalize_phone(value, region) == direct
    assert validators.normalize_phone(value, region) == direct  # second time: from the cache


def test_phone_normalisation_of_a_non_text_value_is_not_cached():
    before = validators._normalize_phone_cached.cache_info().currsize
    with pytest.raises(Exception):  # noqa: B017 (phonenumbers' own error, as before)
        validators.normalize_phone(["+5511987654321"], "BR")  # type: ignore[arg-type]
    assert validators._normalize_phone_cached.cache_info().currsize == before


# --- building records ------------------------------------------------------------------------


def _fields(record: Any) -> dict[str, Any]:
    return {k: v for k, v in record.__dict__.items() if k != "_state"}


FIXED = {"owner_id": None, "team_id": None}


@pytest.mark.parametrize(
    ("model", "values"),
    [
        (
            Contact,
            {
                "first_name": "Ana",
                "last_name": "Silva",
                "email": "ana@example.com",
                "phone": "+5511987654321",
                "tax_id": "529.982.247-25",
                "external_id": "crm-1",
            },
        ),
        (Contact, {"first_name": "Ana", "account": None, "birthday": dt.date(1990, 1, 2)}),
        (Account, {"name": "Acme", "tax_id": "11.222.333/0001-81", "country": "BR"}),
        (Lead, {"first_name": "Bia", "company": "Acme"}),
    ],
)
def test_record_factory_builds_what_the_model_builds(model, values):
    now = timezone.now()
    fixed = {**FIXED, "created_at": now, "updated_at": now}
    built = RecordFactory(model, fixed)(dict(values))
    expected = model(**fixed, **values)
    assert _fields(built) == _fields(expected)
    assert built._state.adding and built._state.db is None
    assert built.pk is None


@pytest.mark.parametrize(
    ("model", "values"),
    [
        (Contact, {"first_name": "Ana", "email": "ana@example.com", "external_id": "crm-1"}),
        (Contact, {"first_name": "Ana", "account": None, "birthday": dt.date(1990, 1, 2)}),
        (Account, {"name": "Acme", "tax_id": "11.222.333/0001-81", "country": "BR"}),
        (Lead, {"first_name": "Bia", "company": "Acme", "source": "import"}),
    ],
)
def test_a_column_plan_gives_the_parameters_of_the_record_the_model_builds(model, values):
    now = timezone.now()
    fixed = {**FIXED, "created_at": now, "updated_at": now}
    assert ColumnPlan(model).row({**fixed, **values}) == record_params(model(**fixed, **values))


def test_a_column_plan_refuses_an_unknown_field():
    with pytest.raises(TypeError, match="no_such_field"):
        ColumnPlan(Contact).row({"first_name": "A", "no_such_field": 1})


def test_record_factory_gives_each_record_its_own_state():
    make = RecordFactory(Contact, FIXED)
    first, second = make({"first_name": "A"}), make({"first_name": "B"})
    assert first._state is not second._state
    assert (first.first_name, second.first_name) == ("A", "B")


def test_record_factory_refuses_what_the_model_refuses():
    make = RecordFactory(Contact, FIXED)
    with pytest.raises(TypeError):
        make({"first_name": "A", "no_such_field": 1})
    with pytest.raises(TypeError):
        make({"first_name": "A", "owner_id": 3})  # given twice, as the model refuses


@pytest.mark.django_db
def test_records_built_and_inserted_read_back_the_same(make_user):
    user = make_user("sales-rep")
    when = timezone.now().replace(microsecond=123456) - dt.timedelta(days=3)
    make = RecordFactory(
        Contact, {"owner_id": user.pk, "team_id": None, "created_at": when, "updated_at": when}
    )
    records = [make({"first_name": f"N{i}", "email": f"n{i}@example.com"}) for i in range(3)]
    insert_rows(records)
    stored = Contact.objects.filter(pk__in=[r.pk for r in records]).order_by("pk")
    assert [(c.first_name, c.email, c.owner_id) for c in stored] == [
        (f"N{i}", f"n{i}@example.com", user.pk) for i in range(3)
    ]
    assert {c.created_at for c in stored} == {when}
    assert {c.updated_at for c in stored} == {when}


# --- matching by external id -----------------------------------------------------------------


@pytest.mark.django_db
def test_external_id_lookups_use_the_partial_unique_index(make_user):
    """The unique index on external_id leaves out blank values; the batch's lookups say "not
    blank" so the database can use it (without, SQLite read the whole table once per batch)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from clientela.customers.imports.matching import Matcher
    from clientela.customers.imports.specs import CONTACTS, CleanRow

    if connection.vendor != "sqlite":
        pytest.skip("the plan is checked on SQLite; PostgreSQL plans a tiny table differently")
    admin = make_user("administrator")
    hidden_owner = make_user("sales-rep")
    Contact.objects.create(first_name="Mine", external_id="crm-1", owner=admin)
    Contact.objects.create(first_name="Theirs", external_id="crm-2", owner=hidden_owner)
    rep = make_user("sales-rep")
    rows = [CleanRow(values={"external_id": f"crm-{n}", "first_name": "X"}) for n in (1, 2, 3)]
    plans = []
    for actor, seen, hidden in (
        (admin, {"crm-1", "crm-2"}, set()),
        (rep, set(), {"crm-1", "crm-2"}),
    ):
        with CaptureQueriesContext(connection) as captured:
            matcher = Matcher(CONTACTS, actor, [CleanRow(values=dict(r.values)) for r in rows])
        assert set(matcher.existing["external_id"]) == seen
        assert matcher.hidden_external_ids == hidden
        # the admin's lookup and the rep's "held by a hidden record" one (no owner filter)
        sql = [
            q["sql"]
            for q in captured.captured_queries
            if '"external_id" IN' in q["sql"] and "owner_id" not in q["sql"]
        ]
        assert sql
        with connection.cursor() as cursor:
            for statement in sql:
                cursor.execute(f"EXPLAIN QUERY PLAN {statement}")
                plans.append(" ".join(str(row[-1]) for row in cursor.fetchall()))
    assert all("contact_external_id_unique" in plan for plan in plans), plans


@pytest.mark.django_db
def test_update_rows_writes_the_named_fields_of_each_record_and_nothing_else(make_user):
    from clientela.customers.imports.inserting import update_rows

    user = make_user("sales-rep")
    now = timezone.now()
    make = RecordFactory(
        Contact, {"owner_id": user.pk, "team_id": None, "created_at": now, "updated_at": now}
    )
    records = [make({"first_name": f"N{i}", "last_name": "Old"}) for i in range(3)]
    insert_rows(records)
    when = now - dt.timedelta(days=2)
    for i, record in enumerate(records[:2]):
        record.first_name, record.last_name, record.updated_at = f"M{i}", f"New {i}", when
    update_rows(records[:2], ["last_name", "updated_at"])
    stored = Contact.objects.filter(pk__in=[r.pk for r in records]).order_by("pk")
    assert [(c.first_name, c.last_name) for c in stored] == [
        ("N0", "New 0"),  # first_name was not named: kept
        ("N1", "New 1"),
        ("N2", "Old"),
    ]
    assert [c.updated_at == when for c in stored] == [True, True, False]
    with pytest.raises(TypeError):
        update_rows(records[:1], ["memberships"])  # not a column


@pytest.mark.django_db
def test_plain_in_sends_the_values_as_one_parameter_and_finds_the_same_records(make_user):
    from django.db import connection
    from django.db.models import F
    from django.test.utils import CaptureQueriesContext

    from clientela.customers.imports.matching import PlainIn

    admin = make_user("administrator")
    odd = ["o'brien\"x@example.com", "joão@exemplo.com.br", "a,b@example.com", "plain@example.com"]
    made = {e: Contact.objects.create(first_name="X", email=e, owner=admin).pk for e in odd}
    Contact.objects.create(first_name="Other", email="other@example.com", owner=admin)
    wanted = [*odd[:3], "missing@example.com", "PLAIN@example.com"]
    with CaptureQueriesContext(connection) as captured:
        matched = Contact.objects.filter(PlainIn(F("email"), wanted))
        found = set(matched.values_list("pk", flat=True))
    assert found == {made[e] for e in odd[:3]}  # exact values: the case is as stored
    (query,) = captured.captured_queries
    assert "missing@example.com" in query["sql"]
    assert ("json_each" if connection.vendor == "sqlite" else "= ANY") in query["sql"]
    assert not Contact.objects.filter(PlainIn(F("email"), [])).exists()
    # the same answer as Django's own IN
    assert found == set(Contact.objects.filter(email__in=wanted).values_list("pk", flat=True))
