"""The funding area's notifications to staff: a report deposited → the budget officers of the
funders the dossier's agreement commits (portal.notifications.notify, with preferences)."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from applications.models import Dossier
from portal.db import db
from portal.models import Institution, Role, RoleGrant, User
from portal.notifications import notify

from ..models import GrantAgreement


def report_deposited(dossier: Dossier, agreement: GrantAgreement | None, late: bool) -> int:
    funders = set()
    if agreement is None or agreement.amount_state > 0:
        funders.add(Institution.state)
    if agreement is None or agreement.amount_region > 0:
        funders.add(Institution.region)
    officers = db.session.scalars(
        select(User)
        .join(RoleGrant, RoleGrant.user_id == User.id)
        .where(
            RoleGrant.role == Role.budget_officer,
            RoleGrant.institution.in_(funders),
            User.active.is_(True),
        )
    ).all()
    base = current_app.config.get("PUBLIC_URL", "").rstrip("/")
    return notify(
        officers,
        "report_deposited",
        f"Bilan à valider : dossier {dossier.reference}",
        f"Bonjour,\n\nLe bilan final du dossier {dossier.reference} (« {dossier.title} », "
        f"{dossier.establishment.name}) a été déposé{' en retard' if late else ''}. Il attend "
        f"votre validation : {base}/financement/dossiers/{dossier.id}/bilan",
    )
