"""The call office's dossier list as a query: search, filters, sort, counts per status.

`Filters.parse(args)` reads the list's GET parameters (unknown or malformed values are dropped,
never an error: a shared link keeps working); `dossier_query(user, filters)` is the SELECT of the
matching dossiers the user may read (`visible_dossiers`), sorted, for `portal.pagination` to count
and slice in SQL; `status_counts` counts them per status in one grouped query. Higher areas add
filters (the screening result) through `applications.signals.list_filters`.

The search is per word, each word found in the dossier's reference or title or in its
establishment's name, UAI or town, whatever the case and accents: both tables keep that text folded
in a `search_text` column (`portal.folding`), so "eleve" finds "Élève" by a plain LIKE.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal, InvalidOperation

from sqlalchemy import String, and_, case, cast, exists, func, literal, null, select, union_all
from sqlalchemy.orm import contains_eager, selectinload

from portal.db import db
from portal.errors import NotFound
from portal.folding import words
from portal.models import (
    ACADEMY_DEPARTMENTS,
    FIELDS,
    Axis,
    Call,
    Department,
    Establishment,
    EstablishmentKind,
    Network,
    User,
)
from portal.permissions import APPLICANT_ROLES, Permission, can
from portal.reference import Theme

from ..models import (
    BudgetLine,
    CompletionRequest,
    Dossier,
    DossierLabel,
    DossierStatus,
    DossierTheme,
)
from ..policy import status_shown_to, visible_dossiers
from ..signals import list_filters

PRIORITY_CHOICES = [("REP", "REP"), ("REP+", "REP+"), ("hors", "Hors éducation prioritaire")]
SEARCH_LENGTH = 100

# The requested amount (the Région's part plus the rectorat's), per dossier, in SQL.
REQUESTED = (
    select(func.coalesce(func.sum(BudgetLine.amount), 0))
    .where(
        BudgetLine.dossier_id == Dossier.id,
        BudgetLine.kind == "resource",
        BudgetLine.category.in_(["region", "state"]),
    )
    .correlate(Dossier)
    .scalar_subquery()
)
# When the open completion request was sent (NULL when none is open).
OPEN_REQUEST = (
    select(func.max(CompletionRequest.requested_at))
    .where(CompletionRequest.dossier_id == Dossier.id, CompletionRequest.answered_at.is_(None))
    .correlate(Dossier)
    .scalar_subquery()
)
SORTS = {
    "reference": Dossier.reference,
    "titre": Dossier.title,
    "etablissement": Establishment.name,
    "departement": Establishment.department_code,
    "appel": Call.title,
    "montant": REQUESTED,
    "statut": Dossier.status,
    "complements": OPEN_REQUEST,
}
# Each URL parameter of the list, in the order the form shows them.
PARAMETERS = (
    "q",
    "appel",
    "statut",
    "axe",
    "champ",
    "theme",
    "departement",
    "reseau",
    "type",
    "prioritaire",
    "etiquette",
    "montant_min",
    "montant_max",
    "tri",
    "ordre",
)


def _int(value) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdigit() and len(value) < 10 else None


def _amount(value) -> Decimal | None:
    text = (value or "").strip().replace("\u202f", "").replace(" ", "").replace(",", ".")
    if not text:
        return None
    try:
        amount = Decimal(text)
    except InvalidOperation:
        return None
    return amount if amount.is_finite() and 0 <= amount < 10**10 else None


@dataclasses.dataclass
class Filters:
    q: str = ""
    appel: int | None = None
    statut: str = ""
    axe: int | None = None
    champ: str = ""
    theme: int | None = None
    departement: str = ""
    reseau: int | None = None
    type: str = ""
    prioritaire: str = ""
    etiquette: int | None = None
    montant_min: Decimal | None = None
    montant_max: Decimal | None = None
    tri: str = "reference"
    ordre: str = "asc"
    extra: dict = dataclasses.field(default_factory=dict)  # the higher areas' filters

    @classmethod
    def parse(cls, args, user: User | None = None) -> Filters:
        """The filters of these parameters; for an establishment's member, nothing on the status
        (a filter, a count or a sort on it would tell the commission's work before it is
        published: they see their own dossiers' states on their pages)."""
        filters = cls._parse(args)
        if user is not None and hides_status(user):
            filters.statut = ""
            if filters.tri == "statut":
                filters.tri = "reference"
        return filters

    @classmethod
    def _parse(cls, args) -> Filters:
        statuses = {s.value for s in DossierStatus if s != DossierStatus.draft}
        get = args.get
        extra = {}
        for spec in extra_filters():
            value = (get(spec["name"]) or "").strip()
            if value in {v for v, _ in spec["choices"]}:
                extra[spec["name"]] = value
        return cls(
            q=" ".join((get("q") or "").split())[:SEARCH_LENGTH],
            appel=_int(get("appel")),
            statut=get("statut") if get("statut") in statuses else "",
            axe=_int(get("axe")),
            champ=get("champ") if get("champ") in FIELDS else "",
            theme=_int(get("theme")),
            departement=get("departement") if get("departement") in ACADEMY_DEPARTMENTS else "",
            reseau=_int(get("reseau")),
            type=get("type") if get("type") in {k.value for k in EstablishmentKind} else "",
            prioritaire=get("prioritaire")
            if get("prioritaire") in {v for v, _ in PRIORITY_CHOICES}
            else "",
            etiquette=_int(get("etiquette")),
            montant_min=_amount(get("montant_min")),
            montant_max=_amount(get("montant_max")),
            tri=get("tri") if get("tri") in SORTS else "reference",
            ordre="desc" if get("ordre") == "desc" else "asc",
            extra=extra,
        )

    def args(self, **changes) -> dict:
        """The non-empty URL parameters of these filters (with `changes`), for links."""
        values = {name: getattr(self, name) for name in PARAMETERS} | self.extra | changes
        if values.get("tri") == "reference":
            values.pop("tri")
        if values.get("ordre") == "asc":
            values.pop("ordre")
        return {k: str(v) for k, v in values.items() if v not in (None, "")}

    def sort_args(self, column: str) -> dict:
        """The parameters of the link sorting on `column` (reversing the current order)."""
        order = "desc" if self.tri == column and self.ordre == "asc" else "asc"
        return self.args(tri=column, ordre=order)


def hides_status(user: User) -> bool:
    return user.establishment_id is not None and user.has_role(*APPLICANT_ROLES)


def extra_filters() -> list[dict]:
    """The higher areas' filters: dicts {"name", "label", "choices", "clause"(value) → SQL}."""
    specs = []
    for _, answer in list_filters.send(None):
        specs.extend(answer or [])
    return sorted(specs, key=lambda spec: spec["name"])


def _conditions(user: User, f: Filters, *, with_status: bool = True) -> list:
    conditions = [visible_dossiers(user), Dossier.reference.is_not(None)]
    for needle in words(f.q):
        conditions.append(
            Dossier.search_text.like(needle, escape="\\")
            | Establishment.search_text.like(needle, escape="\\")
        )
    if f.appel is not None:
        conditions.append(Dossier.call_id == f.appel)
    if f.statut and with_status:
        conditions.append(Dossier.status == DossierStatus(f.statut))
    if f.axe is not None:
        conditions.append(Dossier.main_axis == f.axe)
    if f.champ:
        conditions.append(cast(Dossier.fields, String).like(f'%"{f.champ}"%'))
    if f.theme is not None:
        conditions.append(
            exists().where(
                and_(DossierTheme.dossier_id == Dossier.id, DossierTheme.theme_id == f.theme)
            )
        )
    if f.departement:
        conditions.append(Establishment.department_code == f.departement)
    if f.reseau is not None:
        conditions.append(Establishment.network_id == f.reseau)
    if f.type:
        conditions.append(Establishment.kind == EstablishmentKind(f.type))
    if f.prioritaire:
        wanted = "" if f.prioritaire == "hors" else f.prioritaire
        conditions.append(Establishment.priority_education == wanted)
    if f.etiquette is not None and can(user, Permission.MANAGE_LABELS):
        conditions.append(
            exists().where(
                and_(DossierLabel.dossier_id == Dossier.id, DossierLabel.label_id == f.etiquette)
            )
        )
    if f.montant_min is not None:
        conditions.append(f.montant_min <= REQUESTED)
    if f.montant_max is not None:
        conditions.append(f.montant_max >= REQUESTED)
    for spec in extra_filters():
        if spec["name"] in f.extra:
            conditions.append(spec["clause"](f.extra[spec["name"]]))
    return conditions


def _joined(stmt):
    return stmt.join(Dossier.establishment).join(Dossier.call)


def _on_establishment(f: Filters) -> bool:
    """Whether a filter reads the establishment (the counts join it only then)."""
    return bool(f.q or f.departement or f.reseau is not None or f.type or f.prioritaire)


@dataclasses.dataclass(slots=True)
class ListRow:
    """One line of the list: only the columns it shows (no ORM object, no relation to load)."""

    id: int
    reference: str
    title: str
    status: DossierStatus
    decision_published_at: object
    establishment_id: int
    call_title: str
    establishment_name: str
    commune: str
    uai: str
    department_code: str
    department_name: str
    requested_total: Decimal
    open_request_at: object  # when the open completion request was sent (None: none open)

    shown: DossierStatus | None = None  # the state this reader may know (`status_shown_to`)

    establishment_status = Dossier.establishment_status  # what its establishment may know


def list_rows(user: User, f: Filters):
    """`dossier_query`'s matching dossiers and order, as the list's columns (`ListRow`)."""
    column = SORTS[f.tri]
    order = column.desc() if f.ordre == "desc" else column.asc()
    return (
        _joined(
            select(
                Dossier.id,
                Dossier.reference,
                Dossier.title,
                Dossier.status,
                Dossier.decision_published_at,
                Dossier.establishment_id,
                Call.title,
                Establishment.name,
                Establishment.commune,
                Establishment.uai,
                Establishment.department_code,
                Department.name,
                REQUESTED,
                OPEN_REQUEST,
            )
        )
        .join(Department, Department.code == Establishment.department_code)
        .where(*_conditions(user, f))
        .order_by(order, Dossier.id.desc() if f.ordre == "desc" else Dossier.id)
    )


def filter_choices() -> tuple[list, list, list, list]:
    """The form's choices: (calls (id, title), latest deadline first; main axes (number, "Axe n");
    networks (id, name), by name; themes (id, label) in the reference list's order, an inactive
    one said so — dossiers keep it), in one UNION ALL query ordered as four would be."""
    no_text, no_time = cast(null(), String), cast(null(), Call.deadline_at.type)
    calls = select(
        literal(0).label("part"),
        Call.id.label("ident"),
        Call.title.label("label"),
        Call.deadline_at.label("deadline"),
        no_text.label("name"),
        (-Call.id).label("rank"),
    )
    axes = select(literal(1), Axis.number, no_text, no_time, no_text, Axis.number)
    networks = select(literal(2), Network.id, Network.name, no_time, Network.name, Network.id)
    themes = select(
        literal(3),
        Theme.id,
        case((Theme.active, Theme.label), else_=Theme.label + " (inactif)"),
        no_time,
        no_text,
        Theme.position * 1_000_000 + Theme.id,
    )
    q = union_all(calls, axes.group_by(Axis.number), networks, themes).subquery()
    rows = db.session.execute(
        select(q.c.part, q.c.ident, q.c.label).order_by(
            q.c.part, q.c.deadline.desc(), q.c.name, q.c.rank
        )
    ).all()
    return (
        [(ident, title) for part, ident, title in rows if part == 0],
        [(number, f"Axe {number}") for part, number, _ in rows if part == 1],
        [(ident, name) for part, ident, name in rows if part == 2],
        [(ident, label) for part, ident, label in rows if part == 3],
    )


def as_rows(rows, user: User) -> list[ListRow]:
    """The `list_rows` rows, each with the state `user` may know of it (asked once per row here,
    not through the template's proxy of the current user)."""
    listed = [ListRow(*row) for row in rows]
    for row in listed:
        row.shown = status_shown_to(user, row)
    return listed


def dossier_query(user: User, f: Filters):
    """The matching dossiers the user may read, sorted, with their establishment and call."""
    column = SORTS[f.tri]
    order = column.desc() if f.ordre == "desc" else column.asc()
    return (
        _joined(select(Dossier))
        .where(*_conditions(user, f))
        .options(
            contains_eager(Dossier.establishment).selectinload(Establishment.department),
            contains_eager(Dossier.call),
            selectinload(Dossier.budget_lines),
            selectinload(Dossier.completion_requests),
        )
        .order_by(order, Dossier.id.desc() if f.ordre == "desc" else Dossier.id)
    )


def status_counts(user: User, f: Filters) -> dict[DossierStatus, int]:
    """{status: number of matching dossiers}, every filter but the status applied (one query);
    nothing for an establishment's member (see `Filters.parse`)."""
    if hides_status(user):
        return {}
    stmt = select(Dossier.status, func.count()).select_from(Dossier)
    if _on_establishment(f):  # no other join: every dossier has its establishment and call
        stmt = stmt.join(Dossier.establishment)
    rows = db.session.execute(
        stmt.where(*_conditions(user, f, with_status=False)).group_by(Dossier.status)
    )
    return dict(rows.all())


def selected_dossiers(user: User, ids) -> list[Dossier]:
    """The dossiers of a selection, each one the user may read, or a NotFound for the whole."""
    wanted = sorted(set(ids))
    found = list(db.session.scalars(dossier_query(user, Filters()).where(Dossier.id.in_(wanted))))
    if len(found) != len(wanted):
        raise NotFound()
    return found


def themes_of(ids) -> dict[int, list[str]]:
    """{dossier id: its themes' labels, in the list's order} for these dossiers (one query)."""
    found: dict[int, list[str]] = {}
    rows = db.session.execute(
        select(DossierTheme.dossier_id, Theme.label)
        .join(Theme, Theme.id == DossierTheme.theme_id)
        .where(DossierTheme.dossier_id.in_(list(ids)))
        .order_by(Theme.position, Theme.id)
    )
    for dossier_id, label in rows:
        found.setdefault(dossier_id, []).append(label)
    return found
