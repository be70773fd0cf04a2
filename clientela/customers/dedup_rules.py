"""How two customer records are compared: their normalised profile, blocking keys and score.

Pure functions over plain values (no database), so the scan, the benchmarks and the tests share
them. A *profile* is a compact, folded copy of what matters for matching; *blocking keys* put
records that might be one customer in the same bucket (several keys, so a typo in one field
does not hide a pair); the *score* is a weighted mean of per-field similarities (rapidfuzz) over
the fields both records have, with the reasons that made it high.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz.distance import JaroWinkler, Levenshtein
from rapidfuzz.fuzz import ratio, token_set_ratio

from clientela.customers.search_index import fold

_NOT_LETTER = re.compile(r"[^a-z]")
_NOT_WORD = re.compile(r"[^a-z0-9 ]+")
_NOT_DIGIT = re.compile(r"\D")
_NUMBER = re.compile(r"\b\d+[a-z]?\b")
_SOUNDS = str.maketrans("bfpvcgjkqsxzdtlmnr", "111122222222334556")
_COMPANY_WORDS = frozenset(
    (
        *("ltda", "ltd", "me", "epp", "eireli", "sa", "s", "a", "inc", "llc", "corp", "co"),
        *("company", "cia", "companhia", "comercio", "the", "de", "da", "do", "e", "and"),
    )
)


def digits(value: str) -> str:
    return _NOT_DIGIT.sub("", value or "")


@lru_cache(maxsize=1 << 16)
def name_part(value: str) -> str:
    return _NOT_WORD.sub(" ", fold(value)).strip()


@lru_cache(maxsize=1 << 16)
def sound(word: str) -> str:
    """A Soundex-style code: first letter plus consonant classes, so "Sousa" ~ "Souza"."""
    letters = _NOT_LETTER.sub("", fold(word))
    if not letters:
        return ""
    coded = letters.translate(_SOUNDS)
    out, last = [letters[0]], coded[0]
    for char in coded[1:]:
        if char.isdigit() and char != last:
            out.append(char)
        if char not in "hw":
            last = char
    return "".join(out)[:4].ljust(4, "0")


@dataclass(frozen=True, slots=True)
class Profile:
    """What the matcher reads of one account or contact (all folded, digits-only where apt)."""

    id: int
    first: str = ""  # contact: given name; account: website domain
    last: str = ""  # contact: surname; account: name without legal words
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()  # last 8 digits
    tax: str = ""
    birth: str = ""  # YYYYMMDD
    street: str = ""
    number: str = ""
    complement: str = ""
    city: str = ""
    postal: str = ""
    state: str = ""


def _phones(values: Iterable[str]) -> tuple[str, ...]:
    found = [digits(v)[-8:] for v in values]
    return tuple(dict.fromkeys(p for p in found if len(p) >= 6))


def _emails(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v.strip().lower() for v in values if v and "@" in v))


def _address_parts(street: str) -> tuple[str, str]:
    """("tullaroop street", "6") from "6 Tullaroop Street" or "Tullaroop Street, 6"."""
    text = name_part(street)
    numbers = _NUMBER.findall(text)
    return " ".join(_NUMBER.sub(" ", text).split()), (numbers[0] if numbers else "")


def make_profile(
    pk: int,
    *,
    first: str = "",
    last: str = "",
    emails: Iterable[str] = (),
    phones: Iterable[str] = (),
    tax: str = "",
    birth: str = "",
    address: dict[str, str] | None = None,
) -> Profile:
    address = address or {}
    street, number = _address_parts(address.get("street", ""))
    return Profile(
        id=pk,
        first=name_part(first),
        last=name_part(last),
        emails=_emails(emails),
        phones=_phones(phones),
        tax=digits(tax),
        birth=digits(birth),
        street=street,
        number=number,
        complement=name_part(address.get("complement", "")),
        city=name_part(address.get("city", "")),
        postal=digits(address.get("postal_code", "")) or name_part(address.get("postal_code", "")),
        state=name_part(address.get("state", "")),
    )


def company_name(name: str) -> str:
    """An account's name without legal forms and filler words ("ACME Ltda." → "acme")."""
    words = [w for w in name_part(name).split() if w not in _COMPANY_WORDS]
    return " ".join(words) or name_part(name)


def web_domain(url: str) -> str:
    host = re.sub(r"^[a-z]+://", "", (url or "").strip().lower()).split("/")[0]
    return host.removeprefix("www.")


# --- blocking keys --------------------------------------------------------------------------


def contact_keys(p: Profile) -> list[str]:
    """Several keys per contact: a pair needs to agree on only one of them to be compared."""
    keys = [f"e:{e}" for e in p.emails] + [f"p:{ph}" for ph in p.phones]
    if len(p.tax) >= 5:
        keys.append(f"t:{p.tax}")
    first, last = sound(p.first), sound(p.last)
    if first or last:  # names sound alike, born in the same decade (or both unknown)
        keys.append("n:" + "".join(sorted((first, last))) + p.birth[:3])
    if p.birth:
        keys.append(f"b:{p.birth}")
    if p.postal:
        if p.number:
            keys.append(f"a:{p.postal}:{p.number}")
        if last:
            keys.append(f"l:{p.postal}:{last}")
        if first:
            keys.append(f"f:{p.postal}:{first}")
    return keys


def account_keys(p: Profile) -> list[str]:
    keys = [f"e:{e}" for e in p.emails] + [f"p:{ph}" for ph in p.phones]
    if len(p.tax) >= 8:
        keys.append(f"t:{p.tax[:8]}")  # a CNPJ's root: the same company's branches
    if p.first:
        keys.append(f"w:{p.first}")
    words = p.last.split()
    if words:
        keys.append("n:" + "".join(sound(w) for w in words[:2]))
        keys.append(f"x:{words[0]}")
    if p.postal and p.number:
        keys.append(f"a:{p.postal}:{p.number}")
    return keys


# --- scoring --------------------------------------------------------------------------------

# Field weights, tuned on FEBRL2 and FEBRL3 (bench/dedup_febrl.py) and checked on FEBRL1 and 4.
CONTACT_WEIGHTS: dict[str, float] = {
    "first": 1.5,
    "last": 2.0,
    "email": 2.5,
    "phone": 2.0,
    "tax": 2.5,
    "birth": 2.0,
    "street": 1.0,
    "number": 0.5,
    "complement": 0.5,
    "city": 0.75,
    "postal": 0.75,
    "state": 0.25,
}
ACCOUNT_WEIGHTS: dict[str, float] = {
    "last": 3.0,
    "first": 1.5,
    "email": 2.0,
    "phone": 2.0,
    "tax": 3.0,
    "street": 1.0,
    "number": 0.5,
    "city": 0.5,
    "postal": 0.75,
}
# Below this much compared evidence (sum of weights) the score is scaled down: two records that
# share only a common name are not yet one customer.
MIN_EVIDENCE = 7.0
REASON_AT = 0.85
# A pair whose only agreement is the name is scaled down: "Maria Silva" twice is two people
# until an e-mail, phone, tax id, birthday or address says otherwise.
UNCORROBORATED = 0.75
EMAIL_LOOKALIKE = 0.5
CNPJ_ROOT = 0.9


def _text(a: str, b: str) -> float:
    return JaroWinkler.normalized_similarity(a, b)


def _code(a: str, b: str) -> float:
    """Tax ids, dates, postal codes: one typed digit wrong still counts for a lot."""
    return Levenshtein.normalized_similarity(a, b)


def _many(a: tuple[str, ...], b: tuple[str, ...]) -> float:
    if set(a) & set(b):
        return 1.0
    return max(ratio(x, y) / 100.0 for x in a for y in b)


def _names(a: Profile, b: Profile) -> dict[str, float]:
    """First and last name similarity, also with the two swapped (data entered backwards)."""
    sims: dict[str, float] = {}
    if a.first and b.first:
        sims["first"] = _text(a.first, b.first)
    if a.last and b.last:
        sims["last"] = _text(a.last, b.last)
    if len(sims) == 2:
        swapped = {"first": _text(a.first, b.last), "last": _text(a.last, b.first)}
        if sum(swapped.values()) > sum(sims.values()):
            return swapped
    return sims


def _reachable(a: Profile, b: Profile) -> dict[str, float]:
    """E-mails and phones: shared is strong; look-alike e-mails are namesakes' too."""
    sims = {}
    if a.emails and b.emails:
        shared = _many(a.emails, b.emails)
        sims["email"] = shared if shared == 1.0 else shared * EMAIL_LOOKALIKE
    if a.phones and b.phones:
        sims["phone"] = _many(a.phones, b.phones)
    return sims


def _place(a: Profile, b: Profile) -> dict[str, float]:
    """Codes (tax id, birthday, postal code, house number) and the address's words."""
    sims = {}
    for name in ("tax", "birth", "postal", "number"):
        x, y = getattr(a, name), getattr(b, name)
        if x and y:
            sims[name] = _code(x, y)
    for name in ("complement", "city", "state"):
        x, y = getattr(a, name), getattr(b, name)
        if x and y:
            sims[name] = _text(x, y)
    if a.street and b.street:
        sims["street"] = token_set_ratio(a.street, b.street) / 100.0
    return sims


def _similarities(a: Profile, b: Profile, *, company: bool) -> dict[str, float]:
    if company:
        sims = {"last": _text(a.last, b.last)} if a.last and b.last else {}
        if a.first and b.first:
            sims["first"] = float(a.first == b.first)
    else:
        sims = _names(a, b)
    sims.update(_reachable(a, b))
    sims.update(_place(a, b))
    if company and len(a.tax) >= 8 and a.tax[:8] == b.tax[:8]:
        sims["tax"] = max(sims["tax"], CNPJ_ROOT)  # same company, another branch
    return sims


def score(
    a: Profile, b: Profile, *, company: bool = False
) -> tuple[float, list[dict[str, object]]]:
    """(score in 0..1, reasons): the weighted mean similarity and the fields that agreed."""
    weights = ACCOUNT_WEIGHTS if company else CONTACT_WEIGHTS
    sims = {k: v for k, v in _similarities(a, b, company=company).items() if k in weights}
    evidence = sum(weights[k] for k in sims)
    if not evidence:
        return 0.0, []
    value = sum(weights[k] * v for k, v in sims.items()) / evidence
    value *= min(1.0, evidence / MIN_EVIDENCE) ** 0.5
    name_fields = {"last"} if company else {"first", "last"}
    if not any(v >= REASON_AT for k, v in sims.items() if k not in name_fields):
        value *= UNCORROBORATED  # namesakes: nothing but the name (and look-alike e-mails)
    reasons = [
        {"field": k, "similarity": round(v, 2)}
        for k, v in sorted(sims.items(), key=lambda kv: -weights[kv[0]] * kv[1])
        if v >= REASON_AT
    ]
    return round(value, 4), reasons
