"""Home: each role lands on its own page (UI.md, "After login, each role lands on its own home").

Every section is loaded in a query or two, whatever the number of calls or dossiers. The kernel
builds its own (the calls by status, the administration); the areas add theirs through the
`portal.signals.home_sections` signal.
"""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from .calls import services as call_services
from .db import utcnow
from .models import CALL_STATUS_LABELS, Role
from .pagecache import cached_page
from .signals import answers, home_sections
from .todo import todo_list

bp = Blueprint("main", __name__)

# Roles whose space opens with a later stage of the call: what to tell them meanwhile.
LATER_STAGES = {
    Role.reviewer: (
        "Instruction des dossiers",
        "L'instruction des dossiers ouvrira après la clôture de l'appel. Vos dossiers à "
        "évaluer apparaîtront alors ici, avec votre progression et la date limite.",
    ),
    Role.copilot: (
        "Co-pilotage",
        "L'instruction des dossiers ouvrira après la clôture de l'appel. Les décisions à "
        "valider, les séances de commission et le classement apparaîtront ici.",
    ),
    Role.budget_officer: (
        "Suivi budgétaire",
        "Les enveloppes, les engagements et les paiements apparaîtront ici après "
        "les décisions de la commission.",
    ),
    Role.observer: (
        "Tableaux de bord",
        "Les tableaux de bord apparaîtront ici après l'instruction des dossiers ; les "
        "dossiers décidés y seront consultables.",
    ),
}


@bp.get("/")
@login_required
@cached_page
def home():
    user = current_user
    now = utcnow()
    sections: dict = {}
    if user.has_role(Role.call_admin):
        sections["call_admin"] = {
            "groups": call_services.calls_by_status(call_services.visible_calls(user), now)
        }
    # The areas' parts: the applicant's calls and dossiers, the dossiers to screen, …
    for answer in answers(home_sections, user, now=now):
        for name, values in answer.items():
            sections.setdefault(name, {}).update(values)
    if user.has_role(Role.admin):
        sections["admin"] = True
    later = [(role, *LATER_STAGES[role]) for role in LATER_STAGES if user.has_role(role)]
    return render_template(
        "home.html",
        sections=sections,
        later=later,
        now=now,
        todo=todo_list(user, now),
        CALL_STATUS_LABELS=CALL_STATUS_LABELS,
    )
