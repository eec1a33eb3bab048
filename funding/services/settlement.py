"""A funder's part of the final report settled: the commitment fixed at what is owed, the balance
to pay or the clawback to claim. The caller commits.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from applications.models import Dossier, DossierStatus
from portal import audit
from portal.db import db
from portal.errors import Conflict
from portal.formatting import format_money
from portal.models import User

from .. import money
from ..models import Commitment, CommitmentStatus
from ..workflow import COMMITMENT
from .clawbacks import create_clawback
from .closing import close_if_settled
from .common import OF_FUNDER, parse_funder, require_funder
from .figures import figures_of

# ---------------------------------------------------------------- final report settlement


def settle_funder_on_report(
    user: User, dossier: Dossier, funder, owed, justified: Decimal | None = None
) -> tuple[Decimal, Decimal, Decimal]:
    """The funder's officer validated its part of the final report: settle that funder only.

    `owed` is what the report fixed for this funder (funding.money.due_per_funder at the first
    validation); the commitment (locked) becomes min(owed, its amount), the money above returns
    to the envelope; when more was paid than is owed, a clawback for the difference is created by
    the officer; otherwise the rest is the balance to pay. The other funder's money is not
    touched. The dossier closes once the report is fully validated, everything paid and every
    clawback settled. Returns (due, balance, clawback).
    """
    funder = parse_funder(funder)
    require_funder(user, funder, funder)
    if dossier.status != DossierStatus.reporting:
        raise Conflict(
            f"Le dossier {dossier.reference} est « {dossier.status_label} » : seul un "
            "bilan déposé se règle."
        )
    commitment = db.session.scalars(
        select(Commitment)
        .where(Commitment.dossier_id == dossier.id, Commitment.funder == funder)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    if commitment is None or commitment.status != CommitmentStatus.active:
        raise Conflict(
            f"Aucun engagement actif {OF_FUNDER[funder]} sur le dossier "
            f"{dossier.reference} : il n'y a rien à régler."
        )
    owed = min(Decimal(owed), commitment.amount)
    figures = figures_of(commitment)
    balance, clawback = money.settlement(owed, figures.net)
    before = commitment.amount
    if clawback > 0:
        spent = f"dépenses justifiées {format_money(justified)}, " if justified is not None else ""
        create_clawback(
            user,
            commitment,
            clawback,
            f"Bilan validé : {spent}montant dû {format_money(owed)}, déjà versé "
            f"{format_money(figures.net)}.",
            release=False,
        )
    commitment.amount = owed
    if owed == 0 and clawback == 0 and figures.net == 0:
        COMMITMENT.transition(commitment, "cancel")
    if before != owed:
        commitment.change_reason = "Ajusté au bilan final validé."
    db.session.flush()
    if before != owed:
        audit.record(
            user,
            "commitment_adjusted",
            commitment,
            {"amount": [before, owed], "justified": justified, "dossier_id": dossier.id},
        )
    close_if_settled(user, dossier)
    return owed, balance, clawback
