"""The commission's documents, PDFs rendered by WeasyPrint (like applications/receipts.py).

- the minutes of a session (procès-verbal): attendance, each proposal or decision recorded in the
  session, the amounts per funder and the co-pilots' validations with their dates;
- the decision letter of a dossier, for its establishment: outcome, amounts, motivation — never a
  reviewer's name or a score.
"""

from __future__ import annotations

from flask import render_template
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from applications.models import Dossier
from applications.policy import visible_dossiers
from portal.db import db, utcnow
from portal.models import Call

from .models import CommissionSession, Decision, DecisionOutcome
from .services.decisions import users_by_id
from .services.sessions import commission_members


def _pdf(html: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=html).write_pdf()


def render_minutes(session: CommissionSession, call: Call, user) -> bytes:
    """PDF bytes of the session's minutes: the decisions recorded in it that `user` may read
    (a conflicted co-pilot's copy leaves out the dossiers they declared a conflict with)."""
    decisions = list(
        db.session.scalars(
            select(Decision)
            .join(Decision.dossier)
            .options(joinedload(Decision.dossier).joinedload(Dossier.establishment))
            .where(Decision.session_id == session.id, visible_dossiers(user))
            .order_by(Dossier.reference)
        )
    )
    people = users_by_id(
        [d.state_validated_by_id for d in decisions]
        + [d.region_validated_by_id for d in decisions]
        + [d.proposed_by_id for d in decisions]
    )
    members = {m.user_id: m for m in commission_members(call)}
    accepted = [d for d in decisions if d.outcome == DecisionOutcome.accept]
    totals = {
        "state": sum((d.amount_state for d in accepted), 0),
        "region": sum((d.amount_region for d in accepted), 0),
    }
    html = render_template(
        "review/commission/minutes_pdf.html",
        session=session,
        call=call,
        decisions=decisions,
        people=people,
        members=members,
        totals=totals,
        generated_at=utcnow(),
    )
    return _pdf(html)


def minutes_filename(session: CommissionSession) -> str:
    return f"proces-verbal-seance-{session.id}-{session.held_on:%Y-%m-%d}.pdf"


def render_letter(decision: Decision) -> bytes:
    """PDF bytes of the decision letter sent to the establishment (a final decision)."""
    html = render_template(
        "review/commission/letter_pdf.html",
        decision=decision,
        dossier=decision.dossier,
        call=decision.dossier.call,
        generated_at=utcnow(),
    )
    return _pdf(html)


def letter_filename(decision: Decision) -> str:
    return f"lettre-de-decision-{decision.dossier.reference}.pdf"
