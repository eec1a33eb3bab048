"""French amounts, sizes and dates."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.formatting import (
    format_date,
    format_datetime,
    format_decimal,
    format_money,
    format_number,
    format_percent,
    format_score,
    format_size,
    month_label,
    paris_to_utc,
    parse_amount,
    to_paris,
)


@pytest.mark.parametrize(
    "typed,expected",
    [
        ("1 234,50", "1234.50"),
        ("1234.5", "1234.50"),
        ("1.234,50", "1234.50"),
        ("12\u00a0500 €", "12500.00"),
        (15000, "15000.00"),
        ("0", "0.00"),
    ],
)
def test_amounts_typed_the_french_way(typed, expected):
    assert parse_amount(typed) == Decimal(expected)


@pytest.mark.parametrize(
    "typed,message",
    [
        ("-5", "négatif"),
        ("12,345", "deux décimales"),
        ("abc", "n'est pas un montant"),
        ("", "Indiquez un montant"),
        ("99999999", "trop élevé"),
        ("nan", "n'est pas un montant"),
    ],
)
def test_bad_amounts_are_refused_in_french(typed, message):
    with pytest.raises(ValueError, match=message):
        parse_amount(typed)


@given(st.decimals(min_value=0, max_value=Decimal("10000000"), places=2))
def test_formatted_amounts_parse_back(amount):
    assert parse_amount(format_money(amount)) == amount


def test_sizes_and_dates():
    assert format_size(10 * 1024 * 1024) == "10 Mo"
    assert format_size(512 * 1024) == "512 Ko"
    winter = dt.datetime(2014, 12, 12, 22, 59, tzinfo=dt.UTC)
    assert format_datetime(winter) == "12/12/2014 à 23 h 59 (heure de Paris)"
    summer = dt.datetime(2015, 6, 30, 21, 59, tzinfo=dt.UTC)
    assert format_datetime(summer) == "30/06/2015 à 23 h 59 (heure de Paris)"


@pytest.mark.parametrize("typed", ["9" * 40, "1e999", "1e30"])
def test_huge_amounts_are_refused_not_crashed(typed):
    with pytest.raises(ValueError, match="trop élevé|n'est pas un montant"):
        parse_amount(typed)


# Babel writes them; the spaces are part of the contract: U+202F (narrow no-break space)
# groups thousands in printed figures, U+00A0 (no-break space) comes before € and %.
NNBSP, NBSP = "\u202f", "\u00a0"


@pytest.mark.parametrize(
    "value,expected",
    [
        (Decimal("1234567.5"), f"1{NNBSP}234{NNBSP}567,50{NBSP}€"),
        (Decimal("12500"), f"12{NNBSP}500,00{NBSP}€"),
        (Decimal("999.99"), f"999,99{NBSP}€"),
        (Decimal("-1234.5"), f"-1{NNBSP}234,50{NBSP}€"),
        (Decimal("0"), f"0,00{NBSP}€"),
        (Decimal("-0.00"), f"0,00{NBSP}€"),
        (0, f"0,00{NBSP}€"),
        (Decimal("0.005"), f"0,01{NBSP}€"),
        (Decimal("2.675"), f"2,68{NBSP}€"),  # half-up
        (15000, f"15{NNBSP}000,00{NBSP}€"),
        ("42.1", f"42,10{NBSP}€"),
        (None, ""),
        ("", ""),
    ],
)
def test_money(value, expected):
    assert format_money(value) == expected


@pytest.mark.parametrize(
    "value,args,expected",
    [
        (Decimal("1234.50"), {}, "1234,50"),
        (Decimal("1234.5"), {}, "1234,5"),
        (Decimal("1E+3"), {}, "1000"),
        (Decimal("-0.00"), {}, "-0,00"),
        (7, {}, "7"),
        ("12.5", {}, "12,5"),
        (Decimal("1234.5"), {"places": 2}, "1234,50"),
        (Decimal("-1234.567"), {"places": 2}, "-1234,57"),
        # half-even, as f"{x:.2f}" (a float on its exact binary value: 2.675 is 2.67499…)
        (Decimal("0.125"), {"places": 2}, "0,12"),
        (0.125, {"places": 2}, "0,12"),
        (2.675, {"places": 2}, "2,67"),
        (1.25, {"places": 1}, "1,2"),
        (Decimal("0"), {"places": 2}, "0,00"),
        (Decimal("4"), {"places": 2, "compact": True}, "4"),
        (Decimal("4.5"), {"places": 2, "compact": True}, "4,50"),
        (Decimal("33.33"), {"places": 2, "compact": True}, "33,33"),
        (Decimal("1234.5"), {"places": 2, "group": " "}, "1 234,50"),
        (Decimal("-1234567"), {"places": 2, "group": " "}, "-1 234 567,00"),
        (12000, {"group": NNBSP}, f"12{NNBSP}000"),
        (999, {"group": NNBSP}, "999"),
    ],
)
def test_decimal_as_typed(value, args, expected):
    assert format_decimal(value, **args) == expected


@pytest.mark.parametrize(
    "value,expected",
    [
        (Decimal("2.50"), "2,5"),
        (Decimal("4.00"), "4"),
        (Decimal("0"), "0"),
        (Decimal("100"), "100"),
        (Decimal("-1.250"), "-1,25"),
        (2.5, "2,5"),
        (20, "20"),
        (Decimal("12345.6"), "12345,6"),
    ],
)
def test_number_shortest(value, expected):
    assert format_number(value) == expected


@pytest.mark.parametrize(
    "value,expected",
    [
        (Decimal("4.5"), "4,50"),
        (Decimal("4"), "4,00"),
        (Decimal("0"), "0,00"),
        (Decimal("-1.5"), "-1,50"),
        (Decimal("4.125"), "4,125"),
        (Decimal("12.34"), "12,34"),
    ],
)
def test_score(value, expected):
    assert format_score(value) == expected


@pytest.mark.parametrize(
    "value,args,expected",
    [
        (Decimal("42.46"), {}, f"42,5{NBSP}%"),
        (Decimal("90.05"), {}, f"90,1{NBSP}%"),  # half-up
        (Decimal("0"), {}, f"0,0{NBSP}%"),
        (100, {}, f"100,0{NBSP}%"),
        (Decimal("-3.25"), {}, f"-3,3{NBSP}%"),
        (Decimal("1234.5"), {}, f"1234,5{NBSP}%"),
        (Decimal("33.333"), {"places": 2}, f"33,33{NBSP}%"),
    ],
)
def test_percent(value, args, expected):
    assert format_percent(value, **args) == expected


def test_dates_in_paris_time():
    assert format_date(dt.date(2014, 12, 2)) == "02/12/2014"
    assert format_date(dt.datetime(2014, 12, 31, 23, 30, tzinfo=dt.UTC)) == "01/01/2015"
    assert format_date(None) == "" and format_datetime(None) == ""
    morning = dt.datetime(2015, 3, 1, 8, 5, tzinfo=dt.UTC)
    assert format_datetime(morning) == "01/03/2015 à 9 h 05 (heure de Paris)"
    paris = dt.datetime(2015, 3, 29, 3, 0, tzinfo=ZoneInfo("Europe/Paris"))  # after the DST jump
    assert format_datetime(paris) == "29/03/2015 à 3 h 00 (heure de Paris)"
    assert to_paris(morning).hour == 9
    assert paris_to_utc(dt.datetime(2015, 6, 30, 23, 59)) == dt.datetime(
        2015, 6, 30, 21, 59, tzinfo=dt.UTC
    )


@pytest.mark.parametrize(
    "value,expected",
    [
        ("2026-01", "janv. 2026"),
        ("2026-02", "févr. 2026"),
        ("2026-03", "mars 2026"),
        ("2026-04", "avr. 2026"),
        ("2026-05", "mai 2026"),
        ("2026-06", "juin 2026"),
        ("2026-07", "juil. 2026"),
        ("2026-08", "août 2026"),
        ("2026-09", "sept. 2026"),
        ("2026-10", "oct. 2026"),
        ("2026-11", "nov. 2026"),
        ("2026-12", "déc. 2026"),
        (dt.date(2014, 11, 30), "nov. 2014"),
    ],
)
def test_month_labels(value, expected):
    assert month_label(value) == expected


def test_sizes():
    assert format_size(1536 * 1024) == "1,5 Mo"
    assert format_size(1024 * 1024) == "1 Mo"
    assert format_size(100) == "1 Ko"


def test_filters_in_templates(app):
    with app.app_context():
        render = app.jinja_env.from_string
        assert render("{{ x|money }}").render(x=Decimal("1234.5")) == f"1{NNBSP}234,50{NBSP}€"
        assert (
            render("{{ x|decimal(2) }} {{ x|number }} {{ x|score }}").render(x=Decimal("4.5"))
            == "4,50 4,5 4,50"
        )
        assert render("{{ x|percent }}").render(x=Decimal("42.46")) == f"42,5{NBSP}%"
        assert render("{{ x|month_label }}").render(x="2026-11") == "nov. 2026"


# ---------------------------------------------------------------- deadlines people can read

from portal import formatting  # noqa: E402

_DEADLINE = dt.datetime(2026, 12, 1, 22, 59, tzinfo=dt.UTC)  # 23 h 59 in Paris (winter)


@pytest.mark.parametrize(
    ("now", "left", "sentence"),
    [
        (
            dt.datetime(2026, 12, 1, 20, 49, tzinfo=dt.UTC),
            "Plus que 2 h 10",
            "Plus que 2 h 10 — date limite aujourd'hui à 23 h 59",
        ),
        (
            dt.datetime(2026, 12, 1, 22, 14, tzinfo=dt.UTC),
            "Plus que 45 min",
            "Plus que 45 min — date limite aujourd'hui à 23 h 59",
        ),
        (
            dt.datetime(2026, 11, 30, 23, 30, tzinfo=dt.UTC),  # 00 h 30 in Paris, same day
            "Plus que 23 h 29",
            "Plus que 23 h 29 — date limite aujourd'hui à 23 h 59",
        ),
        (
            dt.datetime(2026, 11, 30, 8, 0, tzinfo=dt.UTC),
            "Plus qu'un jour",
            "Date limite demain à 23 h 59",
        ),
        (
            dt.datetime(2026, 11, 19, 8, 0, tzinfo=dt.UTC),
            "Plus que 12 jours",
            "Date limite le 01/12/2026 à 23 h 59 (plus que 12 jours)",
        ),
        (
            dt.datetime(2026, 12, 1, 22, 59, tzinfo=dt.UTC),
            "Date limite dépassée",
            "Date limite dépassée depuis le 01/12/2026 à 23 h 59",
        ),
    ],
)
def test_time_left_and_due_sentence(now, left, sentence):
    assert formatting.time_left(_DEADLINE, now) == left
    assert formatting.due_sentence(_DEADLINE, now) == sentence


def test_format_due_gives_the_paris_time():
    assert formatting.format_due(_DEADLINE) == "01/12/2026 à 23 h 59"
    summer = dt.datetime(2026, 6, 30, 10, 0, tzinfo=dt.UTC)  # 12 h 00 in Paris (summer)
    assert formatting.format_due(summer) == "30/06/2026 à 12 h 00"
    assert formatting.format_due(None) == ""
