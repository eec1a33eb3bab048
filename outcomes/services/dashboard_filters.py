"""The outcome dashboard's filters: read from the URL (pages, exports, API), checked against the
reference lists loaded once per request, each bad value refused with a French message tied to
its parameter (nothing is shown filtered by a value that does not exist).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from typing import NamedTuple

from sqlalchemy import Integer, String, func, literal, select, union_all

from portal.db import db
from portal.errors import ServiceError
from portal.models import FIELDS, KIND_LABELS, Axis, Call, Department, EstablishmentKind, Network
from portal.reference import Theme

# priority education as the annuaire gives it; "hors" is the establishments outside it
REP_CHOICES = {"REP": "REP", "REP+": "REP+", "hors": "Hors éducation prioritaire"}
YEAR = re.compile(r"^(\d{4})-(\d{4})$")


@dataclass(frozen=True)
class Filters:
    """What narrows the figures; None means « tous ». The URL parameter of each is in PARAMS."""

    call_id: int | None = None
    school_year: str | None = None
    axis: int | None = None
    field: str | None = None
    theme_id: int | None = None
    department: str | None = None
    network_id: int | None = None
    kind: EstablishmentKind | None = None
    rep: str | None = None

    def args(self) -> dict[str, str]:
        """The URL parameters that give these filters back (links, exports)."""
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is not None:
                out[PARAMS[f.name]] = str(getattr(value, "value", value))
        return out

    @property
    def empty(self) -> bool:
        return not self.args()


# attribute → URL parameter (French, as the page's form names them)
PARAMS = {
    "call_id": "appel",
    "school_year": "annee",
    "axis": "axe",
    "field": "champ",
    "theme_id": "theme",
    "department": "departement",
    "network_id": "reseau",
    "kind": "type",
    "rep": "education_prioritaire",
}
# the API spells them in English
API_PARAMS = {
    "call_id": "call",
    "school_year": "school_year",
    "axis": "axis",
    "field": "field",
    "theme_id": "theme",
    "department": "department",
    "network_id": "network",
    "kind": "kind",
    "rep": "priority_education",
}


class CallChoice(NamedTuple):
    id: int
    title: str
    school_year: str


@dataclass
class Options:
    """The reference lists the filters choose from, and the labels of the breakdowns."""

    calls: list[CallChoice] = field(default_factory=list)
    axes: dict[int, dict[int, str]] = field(default_factory=dict)  # call id → number → label
    themes: dict[int, str] = field(default_factory=dict)
    departments: dict[str, str] = field(default_factory=dict)
    networks: dict[int, str] = field(default_factory=dict)

    @property
    def school_years(self) -> list[str]:
        return sorted({c.school_year for c in self.calls}, reverse=True)

    @property
    def axis_numbers(self) -> list[int]:
        return sorted({n for numbers in self.axes.values() for n in numbers})

    @property
    def call_titles(self) -> dict[int, str]:
        return {c.id: c.title for c in self.calls}

    def choices(self) -> dict[str, list[tuple[str, str]]]:
        """(value, label) pairs of each filter's select, by attribute."""
        return {
            "call_id": [(str(c.id), f"{c.title} ({c.school_year})") for c in self.calls],
            "school_year": [(y, y) for y in self.school_years],
            "axis": [(str(n), f"Axe {n}") for n in self.axis_numbers],
            "field": list(FIELDS.items()),
            "theme_id": [(str(i), label) for i, label in self.themes.items()],
            "department": [(c, f"{n} ({c})") for c, n in self.departments.items()],
            "network_id": [(str(i), label) for i, label in self.networks.items()],
            "kind": [(k.value, KIND_LABELS[k]) for k in EstablishmentKind],
            "rep": list(REP_CHOICES.items()),
        }


def load_options() -> Options:
    """One statement, whatever the number of dossiers: the calls (id, title, school year), the
    axes, themes, départements and networks, each part ranked in SQL (the database's collation
    orders the names, as an ORDER BY would)."""
    ranked = func.row_number().over
    none_int, none_text = literal(None, Integer), literal(None, String)
    calls = select(
        literal("call"),
        Call.id,
        none_int,
        Call.school_year,
        Call.title,
        ranked(order_by=(Call.opens_at.desc(), Call.id)),
    )
    axes = select(
        literal("axis"),
        Axis.call_id,
        Axis.number,
        none_text,
        Axis.label,
        ranked(order_by=Axis.number),
    )
    themes = select(
        literal("theme"),
        Theme.id,
        none_int,
        none_text,
        Theme.label,
        ranked(order_by=(Theme.position, Theme.id)),
    )
    departments = select(
        literal("department"),
        none_int,
        none_int,
        Department.code,
        Department.name,
        ranked(order_by=Department.code),
    )
    networks = select(
        literal("network"),
        Network.id,
        none_int,
        none_text,
        Network.name,
        ranked(order_by=Network.name),
    )
    rows = db.session.execute(union_all(calls, axes, themes, departments, networks)).all()
    options = Options()
    for kind, number, other, code, label, _rank in sorted(rows, key=lambda r: (r[0], r[5])):
        if kind == "call":
            options.calls.append(CallChoice(number, label, code))
        elif kind == "axis":
            options.axes.setdefault(number, {})[other] = label
        elif kind == "theme":
            options.themes[number] = label
        elif kind == "department":
            options.departments[code] = label
        else:
            options.networks[number] = label
    return options


MESSAGES = {
    "call_id": "Choisissez un appel à projets de la liste.",
    "school_year": "Choisissez une année scolaire de la liste (au format AAAA-AAAA).",
    "axis": "Choisissez un axe de la liste.",
    "field": "Choisissez un champ de la liste : prévention, intervention ou remédiation.",
    "theme_id": "Choisissez une thématique de la liste.",
    "department": "Choisissez un département de la liste.",
    "network_id": "Choisissez un réseau FOQUALE de la liste.",
    "kind": "Choisissez un type d'établissement de la liste.",
    "rep": "Choisissez REP, REP+ ou hors éducation prioritaire.",
}


def parse(args, options: Options, names: dict[str, str] = PARAMS) -> Filters:
    """Filters from request arguments (`names`: attribute → parameter); every unknown value is
    refused at once, each with its message under its parameter's name."""
    values: dict = {}
    errors: dict[str, str] = {}
    allowed = {name: {v for v, _ in pairs} for name, pairs in options.choices().items()}
    for name, param in names.items():
        raw = (args.get(param) or "").strip()
        if not raw:
            continue
        if raw not in allowed[name]:
            errors[param] = MESSAGES[name]
            continue
        if name in ("call_id", "axis", "theme_id", "network_id"):
            values[name] = int(raw)
        elif name == "kind":
            values[name] = EstablishmentKind(raw)
        else:
            values[name] = raw
    if errors:
        first = next(iter(errors.values()))
        raise ServiceError(first, errors=errors)
    return Filters(**values)
