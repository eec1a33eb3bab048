"""Assignments imported from a `référence;courriel` CSV file: previewed, then applied (all or
nothing)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from applications.models import Dossier
from portal import audit
from portal.db import db
from portal.errors import ServiceError
from portal.models import Call, User
from portal.permissions import Permission, require

from ..models import CommissionMember, Review
from .assignment import create_reviews, pair_context, refusal, refuse_in_decision
from .commission import get_call, settings_or_refuse

MAX_IMPORT_LINES = 5000


@dataclass
class ImportLine:
    line: int
    reference: str
    email: str
    error: str | None = None
    dossier: Dossier | None = None
    member: CommissionMember | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ServiceError(
            "Le fichier n'est pas encodé en UTF-8 : enregistrez-le en « CSV UTF-8 "
            "(délimité par des points-virgules) ».",
            field="file",
        ) from None


def preview_import(user: User, call: Call, data: bytes | str) -> list[ImportLine]:
    """Check each line of a `reference;email` file; nothing is written.

    A header line (reference;email) is optional; blank lines are skipped. Each other line gets
    either no error or a French reason naming what is wrong.
    """
    require(user, Permission.MANAGE_COMMISSION, call)
    settings_or_refuse(call)
    text = _decode(data) if isinstance(data, bytes) else data.removeprefix("\ufeff")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    if len(rows) > MAX_IMPORT_LINES:
        raise ServiceError(f"Le fichier a plus de {MAX_IMPORT_LINES} lignes.", field="file")
    parsed: list[ImportLine] = []
    for number, cells in enumerate(rows, start=1):
        cells = [c.strip() for c in cells]
        if not any(cells):
            continue
        if number == 1 and [c.lower() for c in cells[:2]] in (
            ["reference", "email"],
            ["référence", "email"],
            ["reference", "courriel"],
            ["référence", "courriel"],
        ):
            continue
        if len(cells) != 2:
            parsed.append(
                ImportLine(
                    number,
                    cells[0] if cells else "",
                    "",
                    error="deux colonnes attendues, « référence;courriel »",
                )
            )
            continue
        parsed.append(ImportLine(number, cells[0], cells[1]))
    if not parsed:
        raise ServiceError(
            "Le fichier ne contient aucune affectation (colonnes : référence;courriel).",
            field="file",
        )
    references = {p.reference for p in parsed if p.error is None}
    emails = {p.email.lower() for p in parsed if p.error is None}
    dossiers = {
        d.reference: d
        for d in db.session.scalars(select(Dossier).where(Dossier.reference.in_(references)))
    }
    people = {
        u.email.lower(): u
        for u in db.session.scalars(select(User).where(func.lower(User.email).in_(emails)))
    }
    by_user = {
        m.user_id: m
        for m in db.session.scalars(
            select(CommissionMember)
            .options(joinedload(CommissionMember.user))
            .where(CommissionMember.call_id == call.id)
        )
    }
    declared, taken = pair_context(call)
    seen: dict = {}
    for item in parsed:
        if item.error:
            continue
        dossier = dossiers.get(item.reference)
        person = people.get(item.email.lower())
        if dossier is None:
            item.error = f"référence de dossier inconnue : « {item.reference} »"
            continue
        if person is None:
            item.error = f"aucun utilisateur n'a le courriel « {item.email} »"
            continue
        member = by_user.get(person.id)
        item.error = refusal(call, dossier, person, member, declared=declared, taken=taken)
        pair = (person.id, dossier.id)
        if item.error is None and pair in seen:
            item.error = f"même affectation qu'à la ligne {seen[pair]}"
        seen.setdefault(pair, item.line)
        item.dossier, item.member = dossier, member
    return parsed


def apply_import(user: User, call: Call, data: bytes | str) -> list[Review]:
    """All or nothing: re-check every line, and write the assignments only if none is refused."""
    refuse_in_decision(get_call(user, call.id))
    lines = preview_import(user, call, data)
    errors = {f"ligne {line.line}": line.error for line in lines if line.error}
    if errors:
        plural = "s" if len(errors) > 1 else ""
        raise ServiceError(
            f"{len(errors)} ligne{plural} en erreur : aucune "
            "affectation n'a été importée. Corrigez le fichier et recommencez.",
            errors=errors,
        )
    created = create_reviews(user, [(line.member, line.dossier) for line in lines], "import")
    audit.record(user, "assignments_imported", call, {"created": len(created)})
    return created
