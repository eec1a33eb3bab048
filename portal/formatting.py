"""French formatting and parsing: amounts `12 500,00 €`, dates `12/12/2014 à 23 h 59`."""
from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")
NBSP = "\u00a0"
NARROW_NBSP = "\u202f"
MAX_AMOUNT = Decimal("10000000.00")  # above this, an amount is a typing error, not a project


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
        raise ValueError(f"« {value} » n'est pas un montant : écrivez par exemple 1 234,50.") from None
    if not amount.is_finite():
        raise ValueError(f"« {value} » n'est pas un montant : écrivez par exemple 1 234,50.")
    if abs(amount) > MAX_AMOUNT:  # before any rounding: huge values cannot be quantized
        raise ValueError(f"Le montant est trop élevé pour un projet (plafond : "
                         f"{format_money(MAX_AMOUNT)}).")
    if amount != amount.quantize(Decimal("0.01")):
        raise ValueError("Un montant a au plus deux décimales (les centimes).")
    if amount < 0:
        raise ValueError("Un montant ne peut pas être négatif.")
    if amount == 0 and not allow_zero:
        raise ValueError("Le montant doit être supérieur à zéro.")
    if amount > MAX_AMOUNT:
        raise ValueError(f"Le montant {format_money(amount)} est trop élevé pour un projet "
                         f"(plafond : {format_money(MAX_AMOUNT)}).")
    return amount.quantize(Decimal("0.01"))


def format_money(value) -> str:
    if value is None or value == "":
        return ""
    amount = Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    sign = "-" if amount < 0 else ""
    units, cents = f"{abs(amount):.2f}".split(".")
    groups = []
    while units:
        groups.insert(0, units[-3:])
        units = units[:-3]
    return sign + NARROW_NBSP.join(groups) + "," + cents + NBSP + "€"


def format_decimal(value, places: int | None = None) -> str:
    """A number with a decimal comma and no grouping, as a person types it: `1234,50`, `42,5`
    (`places` decimals when given, else as many as the value has)."""
    spec = "f" if places is None else f".{places}f"
    return format(Decimal(value), spec).replace(".", ",")


def format_number(value: int) -> str:
    """A whole number with its thousands grouped by narrow spaces: `100 000`."""
    return f"{value:_}".replace("_", NARROW_NBSP)


MONTHS_SHORT = ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.",
                "nov.", "déc."]


def format_month(value: dt.date) -> str:
    """The month of a date, abbreviated: `nov. 2026`."""
    return f"{MONTHS_SHORT[value.month - 1]} {value.year}"


def to_paris(value: dt.datetime) -> dt.datetime:
    return value.astimezone(PARIS)


def format_datetime(value: dt.datetime | None) -> str:
    if value is None:
        return ""
    local = to_paris(value)
    return f"{local:%d/%m/%Y} à {local.hour} h {local.minute:02d} (heure de Paris)"


def format_date(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = to_paris(value).date()
    return f"{value:%d/%m/%Y}"


def paris_to_utc(naive_local: dt.datetime) -> dt.datetime:
    """A wall-clock time typed in Paris → aware UTC (DST handled by zoneinfo)."""
    return naive_local.replace(tzinfo=PARIS).astimezone(dt.timezone.utc)


def format_size(size: int) -> str:
    """1048576 → '1 Mo', 524288 → '512 Ko' (binary units, as file managers show them)."""
    if size >= 1024 * 1024:
        value = size / (1024 * 1024)
        return f"{value:.0f} Mo" if value == int(value) else f"{value:.1f} Mo".replace(".", ",")
    return f"{max(1, round(size / 1024))} Ko"
