"""PIX BR Code payloads: the specification's example rebuilt exactly, every payload parsed back
field by field with its CRC16 checked, and bad keys refused."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clientela.platform.errors import ValidationFailed
from clientela.sales.pix import brcode, crc16, normalize_key, parse

# the static example of the PIX initiation manual (Banco Central do Brasil)
SPEC_EXAMPLE = (
    "00020126580014br.gov.bcb.pix0136123e4567-e12b-12d1-a456-426655440000"
    "5204000053039865802BR5913Fulano de Tal6008BRASILIA62070503***63041D3D"
)


def test_the_crc_is_ccitt_false():
    assert crc16(b"123456789") == 0x29B1  # the algorithm's published check value


def test_the_specifications_example_is_rebuilt_exactly():
    built = brcode(
        key="123e4567-e12b-12d1-a456-426655440000", name="Fulano de Tal", city="Brasilia"
    )
    assert parse(built)["60"] == "Brasilia"  # the city as given…
    built = brcode(
        key="123e4567-e12b-12d1-a456-426655440000", name="Fulano de Tal", city="BRASILIA"
    )
    assert built == SPEC_EXAMPLE  # …and, given as the manual does, the manual's payload
    fields = parse(SPEC_EXAMPLE)
    assert fields["26"] == {"00": "br.gov.bcb.pix", "01": "123e4567-e12b-12d1-a456-426655440000"}
    assert (fields["52"], fields["53"], fields["58"], fields["59"], fields["60"]) == (
        "0000",
        "986",
        "BR",
        "Fulano de Tal",
        "BRASILIA",
    )
    assert fields["62"] == {"05": "***"}


def test_a_quote_payload_carries_amount_txid_and_message_and_parses_back():
    payload = brcode(
        key="12.345.678/0001-95",
        name="Transportes São João Ltda",
        city="São José dos Campos",
        amount=Decimal("80000.5"),
        txid="Q-2026/0042",
        message="Proposta Q-2026-0042 v2",
    )
    fields = parse(payload)
    assert fields["26"] == {
        "00": "br.gov.bcb.pix",
        "01": "12345678000195",
        "02": "Proposta Q-2026-0042 v2",
    }
    assert fields["54"] == "80000.50"
    assert fields["59"] == "Transportes Sao Joao Ltda"
    assert fields["60"] == "Sao Jose dos Ca"  # 15 characters at most
    assert fields["62"] == {"05": "Q20260042"}


@given(
    amount=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("9999999.99"), places=2),
    name=st.text(min_size=1, max_size=60).filter(
        lambda s: any(c.isalnum() and c.isascii() for c in s)
    ),
)
def test_any_payload_parses_back_with_a_valid_crc(amount, name):
    payload = brcode(key="+55 11 98765-4321", name=name, city="Recife", amount=amount)
    fields = parse(payload)
    assert fields["54"] == str(amount)
    assert fields["26"]["01"] == "+5511987654321"  # type: ignore[index]
    broken = payload[:-5] + ("0" if payload[-5] != "0" else "1") + payload[-4:]
    with pytest.raises(ValueError):
        parse(broken)


def test_keys_are_normalized_or_refused():
    assert normalize_key(" Vendas@Example.com ") == "vendas@example.com"
    assert normalize_key("123.456.789-09") == "12345678909"
    for bad in ("", "abc", "+1 555 0100", "12345", "a@b", "x" * 80 + "@example.com"):
        with pytest.raises(ValueError):
            normalize_key(bad)
    with pytest.raises(ValidationFailed) as caught:
        brcode(key="abc", name="", city="   ", amount=Decimal("-1"))
    assert set(caught.value.errors) == {"pix_key", "name", "city", "amount"}
