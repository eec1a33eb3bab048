"""What the outcomes area may show to anyone, decided here once.

Open data publishes a funder's part of a grant once the agreement that carries it is signed (the
« date de la convention » the SCDL requires) and that part is not cancelled. Nothing about a
person is published: the beneficiary is the legal entity (the EPLE, or the managing body of a
private lycée or an MFR), never its head or its legal representative.

The catalogue publishes a practice sheet only while the head's consent stands on the final report
AND the MLDS coordinator validated the sheet (`public_sheets`); the coordinator alone writes the
sheets (MANAGE_PRACTICE_SHEETS) and composes the Lettre (COMPOSE_LETTER). The outcome dashboard
(figures aggregated over the funded projects, never a person) is read by the MLDS coordinator,
the co-pilots, the call administrators and the observers (VIEW_OUTCOMES).
"""

from __future__ import annotations

from sqlalchemy import Select, and_, select

from funding.models import Commitment, CommitmentStatus, FinalReport, GrantAgreement
from portal.models import Role, User
from portal.permissions import Permission, register_area_policy

from .models import PracticeSheet

# Who reads the outcome dashboard (figures over every call: no object-level rule).
OUTCOME_READERS = (Role.coordinator, Role.copilot, Role.call_admin, Role.observer)


def _view_outcomes(user: User, obj=None) -> bool:
    return user.has_role(*OUTCOME_READERS)


def _coordinator_only(user: User, _obj=None) -> bool:
    """The practice sheets and La Lettre de la MLDS are the académie's MLDS coordinator's."""
    return user.has_role(Role.coordinator)


def register() -> None:
    """The dashboard's readers, the coordinator's sheets and letter; the public rules are the
    queries below (pages and API)."""
    register_area_policy(
        {
            Permission.VIEW_OUTCOMES: _view_outcomes,
            Permission.COMPOSE_LETTER: _coordinator_only,
            Permission.MANAGE_PRACTICE_SHEETS: _coordinator_only,
        },
        [],
    )


def public_sheets() -> Select:
    """The practice sheets anyone may read: validated, and the head's consent still given."""
    return (
        select(PracticeSheet)
        .join(FinalReport, FinalReport.dossier_id == PracticeSheet.dossier_id)
        .where(PracticeSheet.status == "validated", FinalReport.publication_consent.is_(True))
    )


def published_subsidies() -> Select:
    """(agreement, commitment) pairs that may be published: signed, part not cancelled."""
    return (
        select(GrantAgreement, Commitment)
        .join(
            Commitment,
            and_(
                Commitment.dossier_id == GrantAgreement.dossier_id,
                Commitment.status != CommitmentStatus.cancelled,
            ),
        )
        .where(GrantAgreement.signed_on.is_not(None))
    )
