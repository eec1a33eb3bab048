"""What the outcomes area may show to anyone, decided here once.

Open data publishes a funder's part of a grant once the agreement that carries it is signed (the
« date de la convention » the SCDL requires) and that part is not cancelled. Nothing about a
person is published: the beneficiary is the legal entity (the EPLE, or the managing body of a
private lycée or an MFR), never its head or its legal representative.

The catalogue publishes a practice sheet only while the head's consent stands on the final report
AND the MLDS coordinator validated the sheet (`public_sheets`); the coordinator alone writes the
sheets (MANAGE_PRACTICE_SHEETS).
"""

from __future__ import annotations

from sqlalchemy import Select, and_, select

from funding.models import Commitment, CommitmentStatus, FinalReport, GrantAgreement
from portal.models import Role
from portal.permissions import Permission, register_area_policy

from .models import PracticeSheet


def _manage_sheets(user, _obj=None) -> bool:
    return user.has_role(Role.coordinator)


def register() -> None:
    """The coordinator's permission on the sheets; the public rules are the queries below."""
    register_area_policy({Permission.MANAGE_PRACTICE_SHEETS: _manage_sheets}, [])


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
