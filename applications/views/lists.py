"""The establishment's dossiers, and the submitted dossiers a member of staff may read."""

from __future__ import annotations

from flask import render_template, request
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from portal.db import db
from portal.models import ACADEMY_DEPARTMENTS, Establishment
from portal.pagination import paginate
from portal.permissions import Permission, can

from .. import services
from ..models import STATUS_LABELS, Dossier, DossierStatus
from ..policy import visible_dossiers
from .blueprint import bp


@bp.get("/")
@login_required
def index():
    dossiers = []
    if current_user.establishment_id is not None:
        dossiers = (
            db.session.scalars(
                select(Dossier)
                .where(
                    visible_dossiers(current_user),
                    Dossier.establishment_id == current_user.establishment_id,
                )
                .options(joinedload(Dossier.call))
                .order_by(Dossier.updated_at.desc(), Dossier.id.desc())
            )
            .unique()
            .all()
        )
    calls = services.open_calls() if can(current_user, Permission.CREATE_DOSSIER) else []
    return render_template("applications/index.html", dossiers=dossiers, calls=calls)


@bp.get("/deposes")
@login_required
def submitted():
    """Submitted dossiers the user may read, filtered; a constant number of queries."""
    status = request.args.get("statut", "")
    department = request.args.get("departement", "")
    query = (
        select(Dossier)
        .where(visible_dossiers(current_user), Dossier.reference.is_not(None))
        .options(
            joinedload(Dossier.call),
            joinedload(Dossier.establishment).joinedload(Establishment.department),
            selectinload(Dossier.budget_lines),
            selectinload(Dossier.completion_requests),
        )
        .order_by(Dossier.reference)
    )
    statuses = [s for s in DossierStatus if s != DossierStatus.draft]
    if status:
        if status not in {s.value for s in statuses}:
            status = ""
        else:
            query = query.where(Dossier.status == DossierStatus(status))
    if department:
        if department not in ACADEMY_DEPARTMENTS:
            department = ""
        else:
            query = query.where(
                Dossier.establishment_id.in_(
                    select(Establishment.id).where(Establishment.department_code == department)
                )
            )
    result = paginate(query, request.args.get("page"), unique=True)
    return render_template(
        "applications/submitted.html",
        dossiers=result.items,
        result=result,
        statuses=[(s.value, STATUS_LABELS[s]) for s in statuses],
        departments=sorted(ACADEMY_DEPARTMENTS.items()),
        status=status,
        department=department,
    )
