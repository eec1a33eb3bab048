"""Amounts and numbers are written without Babel's per-call pattern parsing (a list prints
hundreds of them, issue 13): the same strings as Babel's fr_FR patterns, on random values."""

from __future__ import annotations

from decimal import Decimal

from babel import numbers as babel_numbers
from hypothesis import given
from hypothesis import strategies as st

from portal.formatting import (
    NARROW_NBSP,
    _babel,
    _babel_reference,
    format_decimal,
    format_money,
)

amounts = st.decimals(
    min_value=Decimal("-99999999999.999"),
    max_value=Decimal("99999999999.999"),
    allow_nan=False,
    allow_infinity=False,
    places=3,
)


@given(amounts)
def test_money_is_written_as_babel_writes_it(value):
    amount = value.quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")
    if amount == 0:
        amount = abs(amount)
    assert format_money(value) == babel_numbers.format_currency(amount, "EUR", locale="fr_FR")


@given(
    st.decimals(allow_nan=False, allow_infinity=False, min_value=-(10**15), max_value=10**15),
    st.integers(min_value=0, max_value=6),
    st.sampled_from(["", " ", NARROW_NBSP]),
)
def test_numbers_are_written_as_babel_writes_them(value, places, group):
    rounded = value.quantize(Decimal(1).scaleb(-places))
    assert _babel(rounded, places, group) == _babel_reference(rounded, places, group)


def test_known_writings():
    assert format_money(Decimal("12500")) == "12\u202f500,00\u00a0€"
    assert format_money("-0.001") == "0,00\u00a0€"
    assert format_money(Decimal("1234567.895")) == "1\u202f234\u202f567,90\u00a0€"
    assert format_decimal(Decimal("1234.50")) == "1234,50"
    assert format_decimal(1234567, 0, group=NARROW_NBSP) == "1\u202f234\u202f567"
    assert format_decimal(Decimal("-0.5"), 0) == "-0"  # as Babel writes it
