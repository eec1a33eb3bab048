"""Home: each role lands on its own page (UI.md, "After login, each role lands on its own home").

Every section is loaded in a query or two, whatever the number of calls or dossiers.
"""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, render_template
from flask_login import current_user, login_required
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from applications.models import Dossier, DossierStatus
from applications.services import open_calls

from .db import db, utcnow
from .formatting import to_paris
from .models import CALL_STATUS_LABELS, Role
from .permissions import APPLICANT_ROLES, Permission, can, visible_dossiers

bp = Blueprint("main", __name__)

# Roles whose space opens with a later stage of the call: what to tell them meanwhile.
LATER_STAGES = {
    Role.reviewer: ("Instruction des dossiers",
                    "L'instruction des dossiers ouvrira après la clôture de l'appel. Vos dossiers à "
                    "évaluer apparaîtront alors ici, avec votre progression et la date limite."),
    Role.copilot: ("Co-pilotage",
                   "L'instruction des dossiers ouvrira après la clôture de l'appel. Les décisions à "
                   "valider, les séances de commission et le classement apparaîtront ici."),
    Role.budget_officer: ("Suivi budgétaire",
                          "Les enveloppes, les engagements et les paiements apparaîtront ici après "
                          "les décisions de la commission."),
    Role.observer: ("Tableaux de bord",
                    "Les tableaux de bord apparaîtront ici après l'instruction des dossiers ; les "
                    "dossiers décidés y seront consultables."),
}


from applications.views import next_action  # noqa: E402  (one wording, shared with "Nos dossiers")


def countdown(deadline: dt.datetime, now: dt.datetime) -> str:
    """Days left, counted on the Paris calendar: "J-12", "J-0" on the last day."""
    days = (to_paris(deadline).date() - to_paris(now).date()).days
    return f"J-{max(days, 0)}"


def _applicant_section(user, now):
    calls = open_calls(now)
    kind = user.establishment.kind.value
    dossiers = db.session.scalars(
        select(Dossier).options(joinedload(Dossier.call))
        .where(visible_dossiers(user), Dossier.establishment_id == user.establishment_id)
        .order_by(Dossier.created_at.desc(), Dossier.id.desc())).all()
    return {
        "calls": [{"call": c, "countdown": countdown(c.deadline_at, now),
                   "eligible": kind in (c.eligible_kinds or []),
                   "may_create": can(user, Permission.CREATE_DOSSIER, c)} for c in calls],
        "dossiers": [{"dossier": d, "next_action": next_action(d, now)} for d in dossiers],
        "establishment": user.establishment,
    }


def _call_admin_section(user, now):
    from .calls import services as call_services
    counts = dict(db.session.execute(
        select(Dossier.status, func.count(Dossier.id))
        .where(visible_dossiers(user),
               Dossier.status.in_([DossierStatus.submitted, DossierStatus.incomplete]))
        .group_by(Dossier.status)).all())
    return {
        "groups": call_services.calls_by_status(call_services.visible_calls(user), now),
        "to_screen": counts.get(DossierStatus.submitted, 0),
        "incomplete": counts.get(DossierStatus.incomplete, 0),
    }


@bp.get("/")
@login_required
def home():
    user = current_user
    now = utcnow()
    sections = {}
    if user.establishment_id is not None and user.has_role(*APPLICANT_ROLES):
        sections["applicant"] = _applicant_section(user, now)
    if user.has_role(Role.call_admin):
        sections["call_admin"] = _call_admin_section(user, now)
    if user.has_role(Role.admin):
        sections["admin"] = True
    later = [(role, *LATER_STAGES[role]) for role in LATER_STAGES if user.has_role(role)]
    return render_template("home.html", sections=sections, later=later, now=now,
                           CALL_STATUS_LABELS=CALL_STATUS_LABELS)
