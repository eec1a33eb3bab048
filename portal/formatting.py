"""French formatting and parsing: amounts `12 500,00 €`, dates `12/12/2014 à 23 h 59`.

Every string is written by Babel (locale fr_FR, time zone Europe/Paris). Two spaces matter:
Babel groups thousands with U+202F (narrow no-break space) and puts U+00A0 (no-break space)
before `€` and `%`; a figure written as a person types it in a form has no grouping (or the
plain space they would type).
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, InvalidOperation, localcontext
from zoneinfo import ZoneInfo

from babel import dates as babel_dates
from babel import numbers as babel_numbers

LOCALE = "fr_FR"
PARIS = ZoneInfo("Europe/Paris")
NBSP = "\u00a0"
NARROW_NBSP = "\u202f"
MAX_AMOUNT = Decimal("10000000.00")  # above this, an amount is a typing error, not a project
_CENT = Decimal("0.01")
_NOT_AN_AMOUNT = "« {value} » n'est pas un montant : écrivez par exemple 1 234,50."
_WIDE = 400  # Decimal precision (digits) while formatting, for exact output like format(x, "f")


def parse_amount(value, *, allow_zero: bool = True) -> Decimal:
    """Parse `1 234,50`, `1234.50`, 1234.5 → Decimal('1234.50'), or raise ValueError (French)."""
    if isinstance(value, bool) or value is None:
        raise ValueError("Indiquez un montant.")
    if isinstance(value, (int, Decimal)):
        text = str(value)
    elif isinstance(value, float):
        text = repr(value)
    else:
        text = re.sub(r"[\s\u00a0\u202f€]", "", str(value))
        if not text:
            raise ValueError("Indiquez un montant.")
        if "," in text:
            if "." in text:  # "1.234,50": dots are thousands separators
                text = text.replace(".", "")
            text = text.replace(",", ".")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValueError(_NOT_AN_AMOUNT.format(value=value)) from None
    if not amount.is_finite():
        raise ValueError(_NOT_AN_AMOUNT.format(value=value))
    if abs(amount) > MAX_AMOUNT:  # before any rounding: huge values cannot be quantized
        raise ValueError(
            f"Le montant est trop élevé pour un projet (plafond : {format_money(MAX_AMOUNT)})."
        )
    if amount != amount.quantize(_CENT):
        raise ValueError("Un montant a au plus deux décimales (les centimes).")
    if amount < 0:
        raise ValueError("Un montant ne peut pas être négatif.")
    if amount == 0 and not allow_zero:
        raise ValueError("Le montant doit être supérieur à zéro.")
    if amount > MAX_AMOUNT:
        raise ValueError(
            f"Le montant {format_money(amount)} est trop élevé pour un projet "
            f"(plafond : {format_money(MAX_AMOUNT)})."
        )
    return amount.quantize(_CENT)


# ---------------------------------------------------------------- numbers


def _decimal(value) -> Decimal:
    """Decimal, int, str as they are; a float by its shortest repr (0.1 → Decimal('0.1'))."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(value)


def _places(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _babel(value: Decimal, places: int, group: str = "") -> str:
    """`value` (already rounded to `places`) with a decimal comma, grouped by `group` if any.

    Written as Babel's fr_FR pattern writes it (tests/portal/test_fast_formatting.py checks them
    equal on random values), without Babel's per-call pattern parsing: lists print hundreds."""
    text = format(value, f"{',' if group else ''}.{places}f")
    return text.replace(",", group).replace(".", ",") if group else text.replace(".", ",")


def _babel_reference(value: Decimal, places: int, group: str = "") -> str:
    """Babel's own writing of `_babel` (the tests compare them)."""
    pattern = ("#,##0" if group else "0") + ("." + "0" * places if places else "")
    with localcontext(prec=_WIDE):  # Babel re-quantizes: the default 28 digits may not hold it
        text = babel_numbers.format_decimal(value, format=pattern, locale=LOCALE)
    return text.replace(NARROW_NBSP, group) if group and group != NARROW_NBSP else text


def format_decimal(
    value, places: int | None = None, *, compact: bool = False, group: str = ""
) -> str:
    """A number with a decimal comma, as a person types it: no thousands separator by default.

    `places=None` keeps the value's own digits (Decimal('1234.50') → '1234,50', like
    `format(value, "f")`); `places=n` rounds half-even to n decimals, like `f"{value:.nf}"`
    (a float is rounded on its exact binary value, as Python does). `compact` drops a zero
    fraction ('4,00' → '4', '4,50' stays). `group` is the thousands separator (e.g. " ", or
    NARROW_NBSP as printed figures have it)."""
    if places is None:
        number = _decimal(value)
        places = _places(number)
    else:
        number = Decimal(value) if isinstance(value, float) else _decimal(value)
        with localcontext(prec=_WIDE):
            number = number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)
    text = _babel(number, places, group)
    if compact and places and number == number.to_integral_value():
        text = text[: -(places + 1)]
    return text


def format_number(value) -> str:
    """The shortest writing of a number: 2.50 → '2,5', 4.00 → '4', 100 → '100' (no grouping)."""
    return format_decimal(_decimal(value).normalize())


def format_integer(value: int) -> str:
    """A whole number with its thousands grouped by narrow spaces: 100000 → '100 000'."""
    return format_decimal(int(value), 0, group=NARROW_NBSP)


def format_score(value) -> str:
    """A score or a number of points: at least two decimals, 4.5 → '4,50', 4.125 → '4,125'."""
    number = _decimal(value)
    rounded = number.quantize(_CENT, rounding=ROUND_HALF_UP)
    return format_decimal(rounded if number == rounded else number)


def format_percent(value, places: int = 1) -> str:
    """A percentage (value in percent, 0–100) rounded half-up: 42.46 → '42,5 %' (U+00A0)."""
    rate = Decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return _babel(rate, places) + NBSP + "%"


def format_money(value) -> str:
    """An amount in euros, rounded half-up to the cent: '12 500,00 €' (U+202F, then U+00A0)."""
    if value is None or value == "":
        return ""
    amount = Decimal(value).quantize(_CENT, rounding=ROUND_HALF_UP)
    if amount == 0:
        amount = abs(amount)  # no "-0,00 €"
    # Babel's fr_FR currency pattern, written directly (tests compare with format_currency)
    text = format(amount, ",.2f").replace(",", NARROW_NBSP).replace(".", ",")
    return f"{text}{NBSP}€"


def format_size(size: int) -> str:
    """1048576 → '1 Mo', 524288 → '512 Ko' (binary units, as file managers show them)."""
    if size >= 1024 * 1024:
        value = size / (1024 * 1024)
        return f"{format_decimal(value, 0 if value == int(value) else 1)} Mo"
    return f"{max(1, round(size / 1024))} Ko"


# ---------------------------------------------------------------- dates


def to_paris(value: dt.datetime) -> dt.datetime:
    return value.astimezone(PARIS)


def paris_to_utc(naive_local: dt.datetime) -> dt.datetime:
    """A wall-clock time typed in Paris → aware UTC (DST handled by zoneinfo)."""
    return naive_local.replace(tzinfo=PARIS).astimezone(dt.UTC)


def format_datetime(value: dt.datetime | None) -> str:
    """'12/12/2014 à 23 h 59 (heure de Paris)' (plain spaces), whatever the value's time zone."""
    if value is None:
        return ""
    return babel_dates.format_datetime(
        to_paris(value), "dd/MM/y 'à' H 'h' mm '(heure de Paris)'", tzinfo=PARIS, locale=LOCALE
    )


def format_date(value) -> str:
    """'12/12/2014'; a datetime is first brought to Paris time."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = to_paris(value).date()
    return babel_dates.format_date(value, "dd/MM/y", locale=LOCALE)


def format_time(value: dt.datetime) -> str:
    """'23 h 59' (Paris time)."""
    return babel_dates.format_time(to_paris(value), "H 'h' mm", tzinfo=PARIS, locale=LOCALE)


def format_due(value: dt.datetime | None) -> str:
    """A due moment with its time: '12/12/2014 à 23 h 59' (Paris time, no suffix)."""
    if value is None:
        return ""
    return f"{format_date(value)} à {format_time(value)}"


def time_left(deadline: dt.datetime, now: dt.datetime) -> str:
    """What is left before a deadline, readable at a glance.

    Past: 'Date limite dépassée'. On the last Paris day: hours and minutes ('Plus que 2 h 10',
    'Plus que 45 min'). Before: calendar days ('Plus que 12 jours', 'Plus qu'un jour')."""
    if now >= deadline:
        return "Date limite dépassée"
    days = (to_paris(deadline).date() - to_paris(now).date()).days
    if days <= 0:
        minutes = max(1, int((deadline - now).total_seconds() // 60))
        hours, minutes = divmod(minutes, 60)
        if hours == 0:
            return f"Plus que {minutes} min"
        return f"Plus que {hours} h {minutes:02d}"
    if days == 1:
        return "Plus qu'un jour"
    return f"Plus que {days} jours"


def due_sentence(deadline: dt.datetime, now: dt.datetime) -> str:
    """The deadline in words, the time always given.

    'Plus que 2 h 10 — date limite aujourd'hui à 23 h 59', 'Date limite demain à 12 h 00',
    'Date limite le 12/12/2014 à 23 h 59 (plus que 12 jours)', 'Date limite dépassée depuis le
    12/12/2014 à 23 h 59'."""
    if now >= deadline:
        return f"Date limite dépassée depuis le {format_due(deadline)}"
    days = (to_paris(deadline).date() - to_paris(now).date()).days
    if days <= 0:
        return f"{time_left(deadline, now)} — date limite aujourd'hui à {format_time(deadline)}"
    if days == 1:
        return f"Date limite demain à {format_time(deadline)}"
    return f"Date limite le {format_due(deadline)} ({time_left(deadline, now).lower()})"


def month_label(month) -> str:
    """A month, abbreviated: '2026-11' (or a date in it) → 'nov. 2026'."""
    if isinstance(month, str):
        year, number = month.split("-")
        month = dt.date(int(year), int(number), 1)
    return babel_dates.format_date(month, "MMM y", locale=LOCALE)
