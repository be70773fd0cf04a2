"""Brazilian tax ids (CNPJ, CPF), postal codes (CEP) and states (UF); phone numbers in E.164."""

from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers

NON_DIGITS_RE = re.compile(r"\D")
CEP_CHARS_RE = re.compile(r"[\d\s.-]+")
CPF_FIRST_WEIGHTS = tuple(range(10, 1, -1))
CPF_SECOND_WEIGHTS = tuple(range(11, 1, -1))


def _digits(value: str) -> str:
    return NON_DIGITS_RE.sub("", value or "")


def _check_digit(digits: str, weights: tuple[int, ...] | list[int]) -> int:
    total = sum(int(d) * w for d, w in zip(digits, weights, strict=False))
    rest = total % 11
    return 0 if rest < 2 else 11 - rest


def is_valid_cpf(value: str) -> bool:
    digits = _digits(value)
    if len(digits) != 11 or digits == digits[0] * 11:
        return False
    if not digits.isascii():  # other scripts' digits (e.g. Arabic-Indic): checked the long way
        first = _check_digit(digits[:9], CPF_FIRST_WEIGHTS)
        second = _check_digit(digits[:10], CPF_SECOND_WEIGHTS)
        return digits[9:] == f"{first}{second}"
    return _cpf_check_digits(digits[:9]) == digits[9:]


def _cpf_check_digits(base: str) -> str:
    """The two check digits of nine ASCII digits (a CPF's first nine)."""
    values = [ord(c) - 48 for c in base]
    first = _check_digit_of(values, CPF_FIRST_WEIGHTS)
    second = _check_digit_of([*values, first], CPF_SECOND_WEIGHTS)
    return f"{first}{second}"


def _check_digit_of(values: list[int], weights: tuple[int, ...]) -> int:
    rest = sum(v * w for v, w in zip(values, weights, strict=True)) % 11
    return 0 if rest < 2 else 11 - rest


def is_valid_cnpj(value: str) -> bool:
    digits = _digits(value)
    if len(digits) != 14 or digits == digits[0] * 14:
        return False
    weights = [5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]
    first = _check_digit(digits[:12], weights)
    second = _check_digit(digits[:13], [6, *weights])
    return digits[12:] == f"{first}{second}"


def format_cnpj(value: str) -> str:
    d = _digits(value)
    return f"{d[:2]}.{d[2:5]}.{d[5:8]}/{d[8:12]}-{d[12:]}"


def format_cpf(value: str) -> str:
    d = _digits(value)
    return f"{d[:3]}.{d[3:6]}.{d[6:9]}-{d[9:]}"


def normalize_phone(value: str, region: str = "BR") -> str | None:
    """The number in E.164 (+5511987654321), or None when it is not a possible number.

    Cached per (text, region): an import repeats numbers (a company's switchboard) and
    phonenumbers takes ~25 µs a number.
    """
    if isinstance(value, str) and isinstance(region, str):
        return _normalize_phone_cached(value, region)
    return _normalize_phone(value, region)


@lru_cache(maxsize=8192)
def _normalize_phone_cached(value: str, region: str) -> str | None:
    return _normalize_phone(value, region)


# Brazilian numbers written the usual ways ("(11) 98765-4321", "11987654321", "+55 11 …"):
# only digits, spaces, ( ) . - and one leading +.
BR_PLAIN_RE = re.compile(r"\+?[\d\s().-]+")


@lru_cache(maxsize=1)
def _br_patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """phonenumbers' own Brazilian patterns: any valid number, and fixed-line or mobile."""
    meta = phonenumbers.PhoneMetadata.metadata_for_region("BR")
    assert meta is not None and meta.general_desc is not None
    assert meta.fixed_line is not None and meta.mobile is not None
    general = meta.general_desc.national_number_pattern
    types = f"{meta.fixed_line.national_number_pattern}|{meta.mobile.national_number_pattern}"
    return re.compile(f"(?:{general})"), re.compile(f"(?:{types})")


def _fast_br(value: str, region: str) -> str | None:
    """E.164 for a plainly written Brazilian fixed-line or mobile number, else None ("ask
    phonenumbers"). Gives phonenumbers' own answer for every number it takes (tested against
    it); anything unusual (a national or carrier prefix, a leading 55 without +, letters, an
    extension, another country) is left to the full parser. About 2 µs instead of 25."""
    if not BR_PLAIN_RE.fullmatch(value):
        return None
    digits = NON_DIGITS_RE.sub("", value)
    if value.startswith("+"):
        if not digits.startswith("55"):
            return None
        digits = digits[2:]
    elif region != "BR" or digits.startswith("55"):
        return None
    if len(digits) not in (10, 11) or digits.startswith(("0", "90")):
        return None
    general, types = _br_patterns()
    if general.fullmatch(digits) and types.fullmatch(digits):
        return "+55" + digits
    return None


def _normalize_phone(value: str, region: str) -> str | None:
    if isinstance(value, str) and (fast := _fast_br(value, region)) is not None:
        return fast
    return _slow_phone(value, region)


def _slow_phone(value: str, region: str) -> str | None:
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number) or not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


# The 26 states and the Federal District, as the post office and IBGE write them.
BR_STATES = frozenset((
    "AC", "AL", "AP", "AM", "BA", "CE", "DF", "ES", "GO", "MA", "MT", "MS", "MG", "PA",
    "PB", "PR", "PE", "PI", "RJ", "RN", "RS", "RO", "RR", "SC", "SP", "SE", "TO",
))  # fmt: skip


def format_cep(value: str) -> str | None:
    """A Brazilian postal code as ``12345-678``, or None unless it has exactly eight digits."""
    if not CEP_CHARS_RE.fullmatch(value or ""):
        return None
    digits = _digits(value)
    if len(digits) != 8:
        return None
    return f"{digits[:5]}-{digits[5:]}"


def is_valid_uf(value: str) -> bool:
    return (value or "").strip().upper() in BR_STATES
