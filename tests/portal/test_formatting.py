"""French amounts, sizes and dates."""
import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, strategies as st

from portal.formatting import format_datetime, format_money, format_size, parse_amount


@pytest.mark.parametrize("typed,expected", [
    ("1 234,50", "1234.50"), ("1234.5", "1234.50"), ("1.234,50", "1234.50"),
    ("12\u00a0500 €", "12500.00"), (15000, "15000.00"), ("0", "0.00"),
])
def test_amounts_typed_the_french_way(typed, expected):
    assert parse_amount(typed) == Decimal(expected)


@pytest.mark.parametrize("typed,message", [
    ("-5", "négatif"), ("12,345", "deux décimales"), ("abc", "n'est pas un montant"),
    ("", "Indiquez un montant"), ("99999999", "trop élevé"), ("nan", "n'est pas un montant"),
])
def test_bad_amounts_are_refused_in_french(typed, message):
    with pytest.raises(ValueError, match=message):
        parse_amount(typed)


@given(st.decimals(min_value=0, max_value=Decimal("10000000"), places=2))
def test_formatted_amounts_parse_back(amount):
    assert parse_amount(format_money(amount)) == amount


def test_sizes_and_dates():
    assert format_size(10 * 1024 * 1024) == "10 Mo"
    assert format_size(512 * 1024) == "512 Ko"
    winter = dt.datetime(2014, 12, 12, 22, 59, tzinfo=dt.timezone.utc)
    assert format_datetime(winter) == "12/12/2014 à 23 h 59 (heure de Paris)"
    summer = dt.datetime(2015, 6, 30, 21, 59, tzinfo=dt.timezone.utc)
    assert format_datetime(summer) == "30/06/2015 à 23 h 59 (heure de Paris)"


@pytest.mark.parametrize("typed", ["9" * 40, "1e999", "1e30"])
def test_huge_amounts_are_refused_not_crashed(typed):
    with pytest.raises(ValueError, match="trop élevé|n'est pas un montant"):
        parse_amount(typed)
