"""What every money service shares: reading typed input the French way, the funder's wording, the
rule that only a funder's own budget officers change its money.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from applications.models import DossierStatus
from portal.db import utcnow
from portal.errors import ServiceError
from portal.formatting import PARIS, format_date, parse_amount
from portal.inputs import date_problem
from portal.models import Institution, User
from portal.permissions import Permission, can, require

from .. import money

ZERO = money.ZERO
MAX_REASON = 2000
# "l'enveloppe de la Région", "un agent de l'État"
OF_FUNDER = {Institution.state: "de l’État (rectorat)", Institution.region: "de la Région"}
PAYABLE_STATES = (DossierStatus.funded, DossierStatus.reporting)
COMMITTABLE_STATES = (DossierStatus.accepted, DossierStatus.funded)


# ---------------------------------------------------------------- input


def parse_money(raw, field: str, *, allow_zero: bool = False) -> Decimal:
    """An amount typed the French way, positive, at most two decimals; else a French error on `field`."""
    try:
        return parse_amount(raw, allow_zero=allow_zero)
    except ValueError as exc:
        raise ServiceError(str(exc), field=field) from None


def parse_day(raw, field: str, *, allow_future: bool = False, call=None) -> dt.date:
    """A date as a date, `2026-12-01` or `01/12/2026`; refuses dates in the future unless allowed
    and, with `call`, dates outside its plausible window (`portal.inputs.call_window`)."""
    if isinstance(raw, dt.datetime):
        raw = raw.date()
    if isinstance(raw, dt.date):
        day = raw
    else:
        text = str(raw or "").strip()
        if not text:
            raise ServiceError("Indiquez une date.", field=field)
        day = None
        for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
            try:
                day = dt.datetime.strptime(text, fmt).date()
                break
            except ValueError:
                continue
        if day is None:
            raise ServiceError(
                f"« {text} » n'est pas une date : écrivez par exemple 01/12/2026.", field=field
            )
    if day.year < 2000:
        raise ServiceError("Cette date est trop ancienne pour ce dispositif.", field=field)
    if not allow_future and day > today():
        raise ServiceError(
            f"La date du {format_date(day)} est dans le futur : indiquez la date effective.",
            field=field,
        )
    problem = date_problem(day, call, today())
    if problem:
        raise ServiceError(problem, field=field)
    return day


def today() -> dt.date:
    return utcnow().astimezone(PARIS).date()


def parse_funder(raw, field: str = "funder") -> Institution:
    try:
        return Institution(getattr(raw, "value", raw))
    except ValueError:
        raise ServiceError(
            "Choisissez le financeur : « state » (État) ou « region » (Région).", field=field
        ) from None


def parse_reason(raw, field: str = "reason") -> str:
    text = str(raw or "").strip()
    if not text:
        raise ServiceError("Indiquez le motif : il est conservé dans l'historique.", field=field)
    if len(text) > MAX_REASON:
        raise ServiceError(f"Le motif dépasse {MAX_REASON} caractères.", field=field)
    return text


def require_funder(user: User, obj, funder: Institution) -> None:
    """Only the funder's own budget officers change its money."""
    require(
        user,
        Permission.MANAGE_MONEY,
        obj,
        message=f"Seuls les agents budgétaires {OF_FUNDER[funder]} peuvent modifier cet argent.",
    )


def can_manage(user: User, funder: Institution) -> bool:
    return can(user, Permission.MANAGE_MONEY, funder)


def to_paris_month(moment: dt.datetime) -> str:
    return moment.astimezone(PARIS).strftime("%Y-%m")


class utc_hour(FunctionElement):
    """A UTC datetime column truncated to its hour, as text 'YYYY-MM-DD HH': GROUP BY it, then
    `hour_to_paris_month`. Exact: Paris is a whole number of hours from UTC, so each UTC hour
    falls in one Paris month (the database never needs the time zone rules)."""

    type = String()
    name = "utc_hour"
    inherit_cache = True


@compiles(utc_hour)
def _utc_hour_sqlite(element, compiler, **kw):
    return f"strftime('%Y-%m-%d %H', {compiler.process(element.clauses, **kw)})"


@compiles(utc_hour, "postgresql")
def _utc_hour_postgresql(element, compiler, **kw):
    return f"to_char({compiler.process(element.clauses, **kw)}, 'YYYY-MM-DD HH24')"


def hour_to_paris_month(hour: str) -> str:
    return to_paris_month(dt.datetime.strptime(hour, "%Y-%m-%d %H").replace(tzinfo=dt.UTC))
