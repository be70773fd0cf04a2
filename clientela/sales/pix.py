"""PIX "BR Code" payloads for quotes in BRL: the static QR code a payer's bank app reads.

A payload is a list of EMV fields, each ``id`` (2 digits) + ``length`` (2 digits) + ``value``;
the merchant account field (26) nests its own fields (the PIX domain, the key, an optional
message), and the last field (63) is the CRC16-CCITT (polynomial 0x1021, initial 0xFFFF) of
everything before its value, in upper-case hex. ``parse`` reads a payload back field by field
and checks its CRC, so tests (and the quote page) can verify what was built.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from decimal import Decimal

from django.utils.translation import gettext as _

from clientela.platform.errors import ValidationFailed

DOMAIN = "br.gov.bcb.pix"
MAX_NAME = 25
MAX_CITY = 15
MAX_TXID = 25
# the whole merchant-account field (26) holds at most 99 characters
MAX_ACCOUNT = 99
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[A-Za-z]{2,}$")


def crc16(data: bytes) -> int:
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _bit in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc


def _field(tag: str, value: str) -> str:
    if len(value) > 99:
        raise ValueError(f"field {tag} is longer than 99 characters")
    return f"{tag}{len(value):02d}{value}"


def _plain(text: str, limit: int) -> str:
    """ASCII letters, digits, spaces, dots and hyphens (accents dropped), as the field allows."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    folded = re.sub(r"[^A-Za-z0-9 .\-]", "", folded)
    return re.sub(r"\s+", " ", folded).strip()[:limit]


def normalize_key(key: str) -> str:
    """A PIX key as the payload carries it: CPF/CNPJ digits, +55… phone, e-mail, or a random
    (EVP) key; ``ValueError`` for anything else."""
    key = key.strip()
    digits = re.sub(r"\D", "", key)
    if EMAIL.match(key) and len(key) <= 77:
        return key.lower()
    try:
        return str(uuid.UUID(key))
    except ValueError:
        pass
    if key.startswith("+") and 12 <= len(digits) <= 13 and digits.startswith("55"):
        return f"+{digits}"
    if re.fullmatch(r"[\d.\-/ ]+", key) and len(digits) in (11, 14):
        return digits
    raise ValueError(key)


def brcode(
    *,
    key: str,
    name: str,
    city: str,
    amount: Decimal | None = None,
    txid: str = "***",
    message: str = "",
) -> str:
    """The payload for ``amount`` (``None``: the payer types it) to ``key``."""
    errors: dict[str, list[str]] = {}
    try:
        key = normalize_key(key)
    except ValueError:
        errors["pix_key"] = [_("Enter a PIX key: CPF, CNPJ, phone, e-mail or random key.")]
    merchant, place = _plain(name, MAX_NAME), _plain(city, MAX_CITY)
    if not merchant:
        errors["name"] = [_("Enter the company's name.")]
    if not place:
        errors["city"] = [_("Enter the company's city.")]
    txid = re.sub(r"[^A-Za-z0-9*]", "", txid)[:MAX_TXID] or "***"
    if amount is not None and not Decimal(0) < amount < Decimal("10000000000"):
        errors["amount"] = [_("The amount must be positive and below ten billion.")]
    if errors:
        raise ValidationFailed(errors=errors)
    account = _field("00", DOMAIN) + _field("01", key)
    note = _plain(message, 72)
    if note and len(account) + len(_field("02", note)) <= MAX_ACCOUNT:
        account += _field("02", note)
    parts = [
        _field("00", "01"),
        _field("26", account),
        _field("52", "0000"),
        _field("53", "986"),
    ]
    if amount is not None:
        parts.append(_field("54", f"{amount.quantize(Decimal('0.01'))}"))
    parts += [
        _field("58", "BR"),
        _field("59", merchant),
        _field("60", place),
        _field("62", _field("05", txid)),
    ]
    body = "".join(parts) + "6304"
    return body + f"{crc16(body.encode()):04X}"


def _fields(text: str) -> list[tuple[str, str]]:
    found, at = [], 0
    while at < len(text):
        tag, size = text[at : at + 2], text[at + 2 : at + 4]
        if len(tag) < 2 or not size.isdigit() or at + 4 + int(size) > len(text):
            raise ValueError(f"a broken field at {at}")
        found.append((tag, text[at + 4 : at + 4 + int(size)]))
        at += 4 + int(size)
    return found


def parse(payload: str) -> dict[str, object]:
    """The payload's fields by id (nested ones as dicts); ``ValueError`` on a broken payload or
    a CRC that does not match."""
    if len(payload) < 8 or payload[-8:-4] != "6304":
        raise ValueError("no CRC field at the end")
    if f"{crc16(payload[:-4].encode()):04X}" != payload[-4:].upper():
        raise ValueError("the CRC does not match")
    result: dict[str, object] = {}
    for tag, value in _fields(payload):
        nested = tag in ("26", "62") or 26 <= int(tag) <= 51 or tag == "80"
        result[tag] = dict(_fields(value)) if nested else value
    return result
