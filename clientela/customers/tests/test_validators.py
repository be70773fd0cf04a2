"""CNPJ/CPF check digits and E.164 phones."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from clientela.customers import validators


def _with_check_digits(base: str, weights_first: list[int]) -> str:
    def digit(digits: str, weights: list[int]) -> str:
        rest = sum(int(d) * w for d, w in zip(digits, weights, strict=False)) % 11
        return "0" if rest < 2 else str(11 - rest)

    first = digit(base, weights_first)
    second = digit(base + first, [weights_first[0] + 1, *weights_first])
    return base + first + second


def test_known_valid_and_invalid_numbers():
    assert validators.is_valid_cnpj("11.222.333/0001-81")
    assert validators.is_valid_cnpj("11222333000181")
    assert not validators.is_valid_cnpj("11.222.333/0001-80")
    assert not validators.is_valid_cnpj("00000000000000")
    assert validators.is_valid_cpf("529.982.247-25")
    assert not validators.is_valid_cpf("529.982.247-24")
    assert not validators.is_valid_cpf("111.111.111-11")
    assert not validators.is_valid_cpf("")


@given(st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_any_cpf_built_with_its_check_digits_is_valid(base):
    cpf = _with_check_digits(base, list(range(10, 1, -1)))
    assert validators.is_valid_cpf(cpf) == (len(set(cpf)) > 1)
    changed = cpf[:-1] + str((int(cpf[-1]) + 1) % 10)
    assert not validators.is_valid_cpf(changed)


@given(st.text(alphabet="0123456789", min_size=12, max_size=12))
def test_any_cnpj_built_with_its_check_digits_is_valid(base):
    cnpj = _with_check_digits(base, [5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2])
    assert validators.is_valid_cnpj(cnpj) == (len(set(cnpj)) > 1)
    assert validators.format_cnpj(cnpj)[2] == "." and len(validators.format_cnpj(cnpj)) == 18


def test_phone_normalisation():
    assert validators.normalize_phone("(11) 98765-4321") == "+5511987654321"
    assert validators.normalize_phone("+1 650-253-0000", "BR") == "+16502530000"
    assert validators.normalize_phone("020 7946 0018", "GB") == "+442079460018"
    assert validators.normalize_phone("123") is None
    assert validators.normalize_phone("not a phone") is None


@given(st.text(max_size=60))
def test_phone_normalisation_never_crashes(text):
    result = validators.normalize_phone(text)
    assert result is None or result.startswith("+")


def test_phone_filter_shows_numbers_the_way_people_read_them():
    from django.template import Context, Template

    template = Template("{% load clientela %}{{ p|phone }}|{{ q|phone }}|{{ r|phone }}")
    rendered = template.render(Context({"p": "+5511987654321", "q": "", "r": "garbage"}))
    assert rendered == "+55 11 98765-4321||garbage"


def test_cep_takes_eight_digits_and_the_dash():
    assert validators.format_cep("01310100") == "01310-100"
    assert validators.format_cep("01310-100") == "01310-100"
    assert validators.format_cep(" 01.310-100 ") == "01310-100"
    assert validators.format_cep("1310100") is None
    assert validators.format_cep("013101000") is None
    assert validators.format_cep("0131O-100") is None  # a letter O, not a zero
    assert validators.format_cep("") is None


@given(st.text(max_size=20))
def test_a_formatted_cep_always_has_the_same_shape(text):
    cep = validators.format_cep(text)
    assert cep is None or (len(cep) == 9 and cep[5] == "-" and (cep[:5] + cep[6:]).isdigit())


def test_uf_codes():
    assert len(validators.BR_STATES) == 27
    assert validators.is_valid_uf("sp") and validators.is_valid_uf(" DF ")
    assert not validators.is_valid_uf("XX") and not validators.is_valid_uf("São Paulo")


DDDS = ("11", "21", "31", "41", "51", "55", "61", "71", "81", "85", "90", "92", "99", "00", "24")


def _phone_writings(digits: str) -> list[str]:
    """The ways people write a number, and some they should not."""
    return [
        digits,
        f"({digits[:2]}) {digits[2:-4]}-{digits[-4:]}",
        f"+55 {digits[:2]} {digits[2:]}",
        f"+55{digits}",
        f"55{digits}",
        f"0{digits}",
        f"0 21 {digits}",
        f"{digits[:2]}.{digits[2:6]}.{digits[6:]}",
        f"+1 {digits}",
        f"+ 55 ({digits[:2]}) {digits[2:]}",
        f"({digits[:2]}){digits[2:]}",
    ]


def test_the_brazilian_fast_path_agrees_with_phonenumbers():
    """The shortcut answers only where phonenumbers gives the same E.164, in any region."""
    import random

    rnd = random.Random(5)
    texts = []
    for _ in range(1500):
        length = rnd.choice((8, 9, 10, 11, 11, 12))
        digits = "".join(rnd.choice("0123456789") for _ in range(length))
        if length >= 10 and rnd.random() < 0.7:
            digits = rnd.choice(DDDS) + digits[2:]
        texts += _phone_writings(digits)
    answered = 0
    for region in ("BR", "US", "PT"):
        for text in texts:
            fast = validators._fast_br(text, region)
            if fast is not None:
                answered += 1
                assert fast == validators._slow_phone(text, region), (text, region)
    assert answered > 1000  # the usual writings do take the shortcut
    assert validators._fast_br("(11) 98765-4321", "BR") == "+5511987654321"
    assert validators._fast_br("(91) 3222-1234", "BR") == "+559132221234"
    assert validators._fast_br("0 21 11 98765-4321", "BR") is None  # carrier code: the parser
    assert validators.normalize_phone("0 21 11 98765-4321") == "+5511987654321"
