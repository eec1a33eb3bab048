"""The MLDS coordinator's practice sheets: the funded projects whose head agreed to publication,
each sheet's state, its first wording drawn from the dossier and the final report, and the
coordinator's edits, validation (publication) and withdrawal.

Every change checks the sheet's version (optimistic lock), is audited, and refuses bad input with a
French message on its field, nothing changed. A validated sheet's text may not carry an email
address, a phone number or the name of one of the establishment's accounts.
"""

from __future__ import annotations

import re

from sqlalchemy import case, func, select
from sqlalchemy.orm import joinedload, selectinload

from applications.models import Dossier
from funding.models import FinalReport, ReportStatus
from portal import audit
from portal.db import db, utcnow
from portal.errors import Conflict, NotFound, ServiceError
from portal.models import User
from portal.pagination import Page, paginate
from portal.permissions import Permission, require

from ..models import PracticeSheet

STALE = (
    "La fiche a été modifiée entre-temps par quelqu'un d'autre : rechargez la page pour voir "
    "la dernière version avant de recommencer."
)
NO_CONSENT = (
    "Ce projet n'a pas (ou plus) l'accord de publication du chef d'établissement : sa fiche ne "
    "peut pas être rédigée ni publiée."
)
STATES = {"todo": "À rédiger", "draft": "Brouillon", "validated": "Publiée"}
LIMITS = {"title": 200, "summary": 8000, "results": 8000}
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
_PHONE = re.compile(r"(?<!\d)(\+33\s?|0)[1-9]([\s.-]?\d{2}){4}(?!\d)")
# A report still being written is the head's: the coordinator sees it once deposited.
DEPOSITED = (ReportStatus.submitted, ReportStatus.corrections_requested, ReportStatus.validated)


def _consented():
    return (
        select(FinalReport)
        .join(Dossier, Dossier.id == FinalReport.dossier_id)
        .outerjoin(PracticeSheet, PracticeSheet.dossier_id == FinalReport.dossier_id)
        .where(FinalReport.publication_consent.is_(True), FinalReport.status.in_(DEPOSITED))
    )


def state_of(sheet: PracticeSheet | None) -> str:
    return "todo" if sheet is None else sheet.status


def listing(user: User, state: str = "", page=None) -> tuple[Page, dict[int, PracticeSheet]]:
    """One page of the consented projects (the oldest to write first), and their sheets."""
    require(user, Permission.MANAGE_PRACTICE_SHEETS)
    stmt = _consented()
    if state == "todo":
        stmt = stmt.where(PracticeSheet.id.is_(None))
    elif state in ("draft", "validated"):
        stmt = stmt.where(PracticeSheet.status == state)
    # what is left to do first: to write, then drafts, then the published ones
    rank = case((PracticeSheet.id.is_(None), 0), (PracticeSheet.status == "draft", 1), else_=2)
    stmt = stmt.order_by(rank, FinalReport.id).options(
        joinedload(FinalReport.dossier).joinedload(Dossier.establishment),
        joinedload(FinalReport.dossier).joinedload(Dossier.call),
    )
    result = paginate(stmt, page)
    ids = [r.dossier_id for r in result.items]
    sheets = {
        s.dossier_id: s
        for s in db.session.scalars(select(PracticeSheet).where(PracticeSheet.dossier_id.in_(ids)))
    }
    return result, sheets


def counts() -> dict[str, int]:
    """How many consented projects have no sheet, a draft, a published sheet (one query)."""
    row = db.session.execute(
        _consented().with_only_columns(
            func.count(FinalReport.id),
            func.count(PracticeSheet.id),
            func.sum(case((PracticeSheet.status == "validated", 1), else_=0)),
        )
    ).one()
    total, written, published = row[0] or 0, row[1] or 0, row[2] or 0
    return {"todo": total - written, "draft": written - published, "validated": published}


def load(user: User, dossier_id: int) -> tuple[FinalReport, PracticeSheet | None]:
    """The consented report of a dossier and its sheet (None while not written)."""
    require(user, Permission.MANAGE_PRACTICE_SHEETS)
    report = db.session.scalar(
        _consented()
        .where(FinalReport.dossier_id == dossier_id)
        .options(
            joinedload(FinalReport.dossier).joinedload(Dossier.establishment),
            joinedload(FinalReport.dossier).selectinload(Dossier.actions),
            joinedload(FinalReport.dossier).selectinload(Dossier.indicators),
            selectinload(FinalReport.indicators),
        )
    )
    if report is None:
        raise NotFound(NO_CONSENT)
    sheet = db.session.scalar(select(PracticeSheet).where(PracticeSheet.dossier_id == dossier_id))
    return report, sheet


def prefill(report: FinalReport) -> dict[str, str]:
    """The first wording: the dossier's title, its summary and actions, what the report says was
    carried out, and the indicators achieved — for the coordinator to rewrite for the public."""
    dossier = report.dossier
    parts = [dossier.summary.strip()]
    if dossier.actions:
        parts.append("Actions prévues :\n" + "\n".join(f"- {a.title}" for a in dossier.actions))
    if report.actions_carried_out.strip():
        parts.append("Actions réalisées :\n" + report.actions_carried_out.strip())
    results = []
    if report.young_reached:
        results.append(f"{report.young_reached} jeunes accompagnés.")
    for ri in report.indicators:
        achieved = ri.achieved_value if ri.achieved_value is not None else ri.achieved
        if achieved not in (None, ""):
            results.append(f"{ri.name} : {achieved}".replace(".00", ""))
    return {
        "title": dossier.title[: LIMITS["title"]],
        "summary": "\n\n".join(p for p in parts if p)[: LIMITS["summary"]],
        "results": "\n".join(results)[: LIMITS["results"]],
    }


def _personal_data(text: str, names: list[str]) -> str | None:
    """What personal data `text` holds, in French (None when it holds none we can see)."""
    if _EMAIL.search(text):
        return "une adresse électronique"
    if _PHONE.search(text):
        return "un numéro de téléphone"
    lowered = text.lower()
    for name in names:
        if name and len(name) > 3 and name.lower() in lowered:
            return f"le nom de « {name} »"
    return None


def _clean(data: dict, validating: bool, names: list[str]) -> dict[str, str]:
    values = {key: (data.get(key) or "").strip() for key in LIMITS}
    errors: dict[str, str] = {}
    for key, limit in LIMITS.items():
        if len(values[key]) > limit:
            errors[key] = f"{limit} caractères au plus, vous en avez saisi {len(values[key])}."
    if not values["title"]:
        errors.setdefault("title", "Donnez un titre public à la fiche.")
    if validating:
        if not values["summary"]:
            errors.setdefault("summary", "Décrivez ce qui a été fait avant de publier la fiche.")
        if not values["results"]:
            errors.setdefault(
                "results", "Indiquez les résultats obtenus avant de publier la fiche."
            )
        for key in LIMITS:
            problem = _personal_data(values[key], names)
            if problem:
                errors.setdefault(
                    key,
                    f"Ce texte contient {problem} : retirez-le (une fiche publique ne montre "
                    "aucune donnée personnelle).",
                )
    if errors:
        message = (
            next(iter(errors.values()))
            if len(errors) == 1
            else "La fiche n'a pas été enregistrée : corrigez les champs signalés."
        )
        raise ServiceError(message, field=next(iter(errors)), errors=errors)
    return values


def _account_names(dossier: Dossier) -> list[str]:
    return list(
        db.session.scalars(
            select(User.full_name).where(User.establishment_id == dossier.establishment_id)
        )
    )


def _snapshot(sheet: PracticeSheet) -> dict:
    return {
        "status": sheet.status,
        "title": sheet.title,
        "summary": sheet.summary,
        "results": sheet.results,
    }


def save(
    user: User, dossier_id: int, data: dict, *, expected_version=None, publish: bool = False
) -> PracticeSheet:
    """Write the sheet (creating it at the first save); `publish` validates it. A stale version
    (someone saved meanwhile) is refused, nothing changed."""
    report, sheet = load(user, dossier_id)
    current = sheet.version if sheet is not None else 0
    if expected_version not in (None, "") and str(expected_version) != str(current):
        raise Conflict(STALE)
    # A published sheet stays published when edited: the same checks as its validation.
    checked = publish or (sheet is not None and sheet.status == "validated")
    names = _account_names(report.dossier) if checked else []
    values = _clean(data, checked, names)
    before = _snapshot(sheet) if sheet is not None else {}
    if sheet is None:
        sheet = PracticeSheet(dossier_id=dossier_id)
        db.session.add(sheet)
    sheet.title, sheet.summary, sheet.results = (
        values["title"],
        values["summary"],
        values["results"],
    )
    if publish:
        sheet.status = "validated"
        sheet.validated_by_id = user.id
        sheet.validated_at = utcnow()
    elif sheet.status is None:
        sheet.status = "draft"
    db.session.flush()
    changes = audit.diff(before, _snapshot(sheet))
    if changes or not before:
        action = "practice_sheet_validated" if publish else "practice_sheet_saved"
        audit.record(user, action, sheet, changes)
    return sheet


def unpublish(user: User, dossier_id: int, *, expected_version=None) -> PracticeSheet:
    """Take a published sheet off the catalogue (it goes back to draft)."""
    _, sheet = load(user, dossier_id)
    if sheet is None or sheet.status != "validated":
        raise Conflict("Cette fiche n'est pas publiée.")
    if expected_version not in (None, "") and str(expected_version) != str(sheet.version):
        raise Conflict(STALE)
    sheet.status = "draft"
    sheet.validated_at = None
    sheet.validated_by_id = None
    db.session.flush()
    audit.record(user, "practice_sheet_unpublished", sheet, {"status": ["validated", "draft"]})
    return sheet
