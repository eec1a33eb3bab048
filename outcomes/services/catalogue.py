"""The public catalogue of practices: the published sheets, searched and filtered, and one sheet
with what anyone may read of its project.

A sheet is public only when its dossier's final report has the head's publication consent AND the
coordinator validated it (`outcomes.policy.public_sheets`): the one rule every page, search, API
answer and list uses. Nothing about a person is read here: no name, email or phone, partner kinds
but never partner names; the only contact is the establishment's official address.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import String, cast, exists, func, literal, literal_column, or_, select, union_all
from sqlalchemy.orm import joinedload

from applications.models import Action, Dossier, DossierTheme, Partner
from funding.models import FinalReport, GrantAgreement
from portal.db import db, utcnow
from portal.errors import NotFound
from portal.models import (
    ACADEMY_DEPARTMENTS,
    FIELDS,
    INSTITUTION_LABELS,
    KIND_LABELS,
    Axis,
    Call,
    CallStatus,
    Establishment,
    EstablishmentKind,
    Institution,
    PartnerKind,
    Theme,
)
from portal.pagination import Page, paginate
from portal.reference import YOUNG_CATEGORIES, target_met

from ..models import FTS_DOCUMENT, PracticeSheet
from ..policy import public_sheets

MISSING = "Cette fiche n'existe pas ou n'est pas publiée."
PER_PAGE = 20


@dataclass
class Filters:
    q: str = ""
    axis: int | None = None
    field: str = ""
    theme: str = ""
    department: str = ""
    kind: str = ""
    year: str = ""

    @classmethod
    def parse(cls, args) -> Filters:
        """The URL's filters; an unknown value is ignored (a shared link never breaks)."""
        axis = args.get("axe", "")
        kind = args.get("type", "")
        return cls(
            q=" ".join(args.get("q", "").split())[:200],
            axis=int(axis) if axis.isdigit() and len(axis) < 3 else None,
            field=args.get("champ", "") if args.get("champ", "") in FIELDS else "",
            theme=args.get("theme", "")[:40],
            department=args.get("departement", "")
            if args.get("departement", "") in ACADEMY_DEPARTMENTS
            else "",
            kind=kind if kind in {k.value for k in EstablishmentKind} else "",
            year=args.get("annee", "")[:9],
        )

    def args(self) -> dict:
        """The URL's query parameters (pagination links keep them)."""
        out = {
            "q": self.q,
            "axe": self.axis,
            "champ": self.field,
            "theme": self.theme,
            "departement": self.department,
            "type": self.kind,
            "annee": self.year,
        }
        return {k: v for k, v in out.items() if v}


_WORD = re.compile(r"[^\W\d_]+")
_OPERATORS = re.compile(r'"|(?:^|\s)-|\bor\b', re.IGNORECASE)
ROOT = 7  # letters a word's family shares: « décrocheurs », « décrochage » → « décroch »


def families(q: str) -> list[str]:
    """The roots of the query's words: the first ROOT letters of a long word, a short one whole.

    Stemming alone keeps « décrocheurs » (décrocheur) apart from « décrochage » (décrochag); a
    prefix of the word finds the family. Nothing for a query with operators (quotes, -, or) or
    with anything but letters in a word (« l'école », « 100% »): those mean exactly what they
    say."""
    words = q.lower().split()[:10]
    if _OPERATORS.search(q) or not all(_WORD.fullmatch(w) for w in words):
        return []
    return [w[:ROOT] if len(w) > ROOT else w for w in words]


def _text_search(stmt, q: str):
    if not q:
        return stmt
    roots = families(q)
    if db.engine.dialect.name == "postgresql":
        query = func.websearch_to_tsquery("french", q)
        if roots:  # letters only: nothing of to_tsquery's syntax can come through
            prefixes = " & ".join(f"{root}:*" for root in roots)
            # one tsquery (q || families): the document is computed once per candidate row
            query = query.op("||")(func.to_tsquery("french", prefixes))
        # the matching ids on their own (the GIN index), not a filter on every published sheet
        found = (
            select(PracticeSheet.id)
            .where(literal_column(FTS_DOCUMENT).op("@@")(query))
            .cte("fts_found")
            .prefix_with("MATERIALIZED")
        )
        return stmt.where(PracticeSheet.id.in_(select(found.c.id)))
    # SQLite: every word (or its root) somewhere in the public wording (case-insensitive for
    # ASCII letters).
    text = func.lower(
        PracticeSheet.title + " " + PracticeSheet.summary + " " + PracticeSheet.results
    )
    for word in roots or q.lower().replace('"', " ").split()[:10]:
        excluded = word.startswith("-") and len(word) > 1  # « -théâtre »: without that word
        word = word[1:] if excluded else word
        escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        found = text.like(f"%{escaped}%", escape="\\")
        stmt = stmt.where(~found if excluded else found)
    return stmt


def _axis_clause(number: int):
    """The dossier's main axis, or one of its other axes (a JSON list of numbers)."""
    text = cast(Dossier.other_axes, String)
    n = str(number)
    patterns = [f"[{n}]", f"[{n},%", f"%, {n},%", f"%,{n},%", f"%, {n}]", f"%,{n}]"]
    return or_(Dossier.main_axis == number, *[text.like(p) for p in patterns])


def _matching(filters: Filters):
    """The published sheets matching the filters, joined to their dossier, establishment, call."""
    stmt = (
        public_sheets()
        .join(Dossier, Dossier.id == PracticeSheet.dossier_id)
        .join(Establishment, Establishment.id == Dossier.establishment_id)
        .join(Call, Call.id == Dossier.call_id)
    )
    stmt = _text_search(stmt, filters.q)
    if filters.axis is not None:
        stmt = stmt.where(_axis_clause(filters.axis))
    if filters.field:
        stmt = stmt.where(cast(Dossier.fields, String).like(f'%"{filters.field}"%'))
    if filters.theme:
        stmt = stmt.where(
            exists()
            .where(DossierTheme.dossier_id == Dossier.id)
            .where(DossierTheme.theme_id == Theme.id, Theme.code == filters.theme)
        )
    if filters.department:
        stmt = stmt.where(Establishment.department_code == filters.department)
    if filters.kind:
        stmt = stmt.where(Establishment.kind == EstablishmentKind(filters.kind))
    if filters.year:
        stmt = stmt.where(Call.school_year == filters.year)
    return stmt.order_by(PracticeSheet.validated_at.desc(), PracticeSheet.id.desc())


def search(filters: Filters, page=None, per_page: int = PER_PAGE) -> Page:
    """One page of the published sheets matching the filters, the latest validated first."""
    stmt = _matching(filters).options(
        joinedload(PracticeSheet.dossier).joinedload(Dossier.establishment),
        joinedload(PracticeSheet.dossier).joinedload(Dossier.call),
        joinedload(PracticeSheet.dossier).selectinload(Dossier.themes),
    )
    return paginate(stmt, page, per_page)


@dataclass
class Card:
    """What the catalogue page shows of a sheet: its card."""

    id: int
    title: str
    summary: str
    establishment: str
    commune: str
    school_year: str
    themes: list[str] = field(default_factory=list)


def cards(filters: Filters, page=None, per_page: int = PER_PAGE) -> Page:
    """`search`'s page as cards: only the columns a card shows, the total counted by the same
    statement (a window count; the planner then reads the full-text index rather than walking
    the sheets in date order), the themes of the page's dossiers in a second one. A page past
    the last is clamped, as `paginate` does (one more statement then)."""
    try:
        number = max(1, int(page or 1))
    except (TypeError, ValueError):
        number = 1
    stmt = _matching(filters).with_only_columns(
        PracticeSheet.id,
        PracticeSheet.title,
        PracticeSheet.summary,
        Establishment.name,
        Establishment.commune,
        Call.school_year,
        PracticeSheet.dossier_id,
        func.count().over(),
    )
    rows = db.session.execute(stmt.offset((number - 1) * per_page).limit(per_page)).all()
    if not rows and number > 1:
        total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
        last = max(1, -(-(total or 0) // per_page))
        rows = db.session.execute(stmt.offset((last - 1) * per_page).limit(per_page)).all()
        number = last
    total = rows[0][-1] if rows else 0
    items, by_dossier = [], {}
    for sheet_id, title, summary, name, commune, year, dossier_id, _total in rows:
        card = Card(sheet_id, title, summary, name, commune or "", year)
        items.append(card)
        by_dossier[dossier_id] = card
    if by_dossier:
        for dossier_id, label in db.session.execute(
            select(DossierTheme.dossier_id, Theme.label)
            .join(Theme, Theme.id == DossierTheme.theme_id)
            .where(DossierTheme.dossier_id.in_(by_dossier))
            .order_by(Theme.position)
        ):
            by_dossier[dossier_id].themes.append(label)
    return Page(items=items, total=total, page=number, pages=max(1, -(-total // per_page)))


def filter_options() -> dict:
    """The choices of the filter form, in one statement whatever the number of sheets: the
    published sheets' school years, every axis number (the latest call's label) and the active
    themes."""
    published = public_sheets().join(Dossier, Dossier.id == PracticeSheet.dossier_id)
    years = (
        published.join(Call, Call.id == Dossier.call_id)
        .with_only_columns(
            literal("year").label("kind"),
            Call.school_year.label("value"),
            literal("").label("label"),
            literal(0).label("rank"),
        )
        .distinct()
    )
    axes = select(literal("axis"), cast(Axis.number, String), Axis.label, Axis.call_id).order_by(
        None
    )
    themes = select(literal("theme"), Theme.code, Theme.label, Theme.position).where(
        Theme.active.is_(True)
    )
    found: dict[str, dict] = {"year": {}, "axis": {}, "theme": {}}
    rows = db.session.execute(union_all(years, axes, themes)).all()
    for kind, value, label, _rank in sorted(
        rows, key=lambda r: (r[0], -r[3] if r[0] == "axis" else r[3])
    ):
        found[kind].setdefault(value, label)
    return {
        "years": sorted(found["year"], reverse=True),
        "axes": [
            (n, f"Axe {n} — {label}")
            for n, label in sorted(found["axis"].items(), key=lambda i: int(i[0]))
        ],
        "fields": list(FIELDS.items()),
        "themes": list(found["theme"].items()),
        "departments": [(code, f"{name} ({code})") for code, name in ACADEMY_DEPARTMENTS.items()],
        "kinds": [(k.value, KIND_LABELS[k]) for k in EstablishmentKind],
    }


def open_calls(now=None) -> list:
    """(id, title, deadline) of the calls open now, the nearest deadline first: the catalogue's
    links to them (the same rule as outcomes.services.public_calls, in one light statement)."""
    now = now or utcnow()
    return db.session.execute(
        select(Call.id, Call.title, Call.deadline_at)
        .where(Call.status == CallStatus.open, Call.opens_at <= now, Call.deadline_at > now)
        .order_by(Call.deadline_at, Call.id)
    ).all()


@dataclass
class SheetView:
    """What a public sheet shows (every part public by construction)."""

    sheet: PracticeSheet
    dossier: Dossier
    establishment: Establishment
    call: Call
    axes: list[str]
    fields: list[str]
    themes: list[str]
    reach: list[tuple[str, int]]
    young_reached: int | None
    partner_kinds: list[str]
    indicators: list[dict]
    period: tuple | None
    amounts: list[tuple[str, object]] = field(default_factory=list)


def _published(sheet_id: int) -> PracticeSheet:
    sheet = db.session.scalar(
        public_sheets()
        .where(PracticeSheet.id == sheet_id)
        .options(
            joinedload(PracticeSheet.dossier)
            .joinedload(Dossier.establishment)
            .joinedload(Establishment.department),
            joinedload(PracticeSheet.dossier).joinedload(Dossier.call).selectinload(Call.axes),
            joinedload(PracticeSheet.dossier).selectinload(Dossier.themes),
            joinedload(PracticeSheet.dossier).selectinload(Dossier.indicators),
        )
    )
    if sheet is None:
        raise NotFound(MISSING)
    return sheet


def sheet_view(sheet_id: int) -> SheetView:
    """One published sheet, in a constant number of queries; NotFound otherwise."""
    sheet = _published(sheet_id)
    dossier = sheet.dossier
    call = dossier.call
    # the report, its reach and achieved values (joined: a few rows each), the agreement's
    # amounts and the actions' first and last dates (a start is never after its end), in one
    # statement
    of_dossier = Action.dossier_id == dossier.id
    first = select(func.min(func.coalesce(Action.start_date, Action.end_date))).where(of_dossier)
    last = select(func.max(func.coalesce(Action.end_date, Action.start_date))).where(of_dossier)
    found = (
        db.session.execute(
            select(
                FinalReport,
                GrantAgreement.amount_state,
                GrantAgreement.amount_region,
                first.scalar_subquery(),
                last.scalar_subquery(),
            )
            .outerjoin(GrantAgreement, GrantAgreement.dossier_id == FinalReport.dossier_id)
            .where(FinalReport.dossier_id == dossier.id)
            .options(joinedload(FinalReport.reach), joinedload(FinalReport.indicators))
        )
        .unique()
        .first()
    )
    # (a public sheet always has its report: public_sheets joins it; the agreement may lack)
    report, agreed = (found[0], tuple(found[1:3])) if found else (None, None)
    period = (found[3], found[4]) if found and found[3] is not None else None
    if agreed == (None, None):
        agreed = None
    kinds = db.session.execute(
        select(Partner.kind, func.coalesce(PartnerKind.label, Partner.kind))
        .outerjoin(PartnerKind, PartnerKind.code == Partner.kind)
        .where(Partner.dossier_id == dossier.id)
        .order_by(PartnerKind.position, Partner.kind)
    ).all()
    axis_labels = {a.number: a.label for a in call.axes}
    numbers = [n for n in [dossier.main_axis, *(dossier.other_axes or [])] if n is not None]
    achieved = {ri.indicator_id: ri for ri in (report.indicators if report else [])}
    indicators = []
    for ind in dossier.indicators:
        got = achieved.get(ind.id)
        value = got.achieved_value if got is not None else None
        indicators.append(
            {
                "name": ind.name,
                "unit": ind.unit,
                "direction": ind.direction,
                "baseline": ind.baseline_value if ind.baseline_value is not None else ind.baseline,
                "target": ind.target_value if ind.target_value is not None else ind.target,
                "achieved": value if value is not None else (got.achieved if got else ""),
                "met": target_met(ind.direction, ind.target_value, value),
            }
        )
    amounts = []
    if agreed is not None:
        for funder, amount in zip((Institution.state, Institution.region), agreed, strict=True):
            if amount:
                amounts.append((INSTITUTION_LABELS[funder], amount))
    seen: list[str] = []
    for _, label in kinds:
        if label not in seen:
            seen.append(label)
    return SheetView(
        sheet=sheet,
        dossier=dossier,
        establishment=dossier.establishment,
        call=call,
        axes=[f"Axe {n} — {axis_labels.get(n, '')}".rstrip(" —") for n in dict.fromkeys(numbers)],
        fields=[FIELDS[f] for f in FIELDS if f in (dossier.fields or [])],
        themes=[t.label for t in dossier.themes],
        reach=[
            (YOUNG_CATEGORIES.get(r.category, r.category), r.count)
            for r in (report.reach if report else [])
            if r.count
        ],
        young_reached=report.young_reached if report else None,
        partner_kinds=seen,
        indicators=indicators,
        period=period,
        amounts=amounts,
    )


def published_ids() -> list[int]:
    """Every published sheet's id (the site map)."""
    return list(db.session.scalars(public_sheets().with_only_columns(PracticeSheet.id)))
