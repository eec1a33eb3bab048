"""The funding area's part of the one policy (portal.permissions).

- Budget officers (`budget_officer`, per institution) read every figure of every call, but change
  only their own institution's money: its envelopes, commitments, payments and clawbacks.
- Agreements and final reports concern both funders: any budget officer may generate the
  agreement, record its signature, and review the final report.
- Observers and call administrators read the dashboards; applicants see their own grants only,
  on their dossier, and never reach the budget pages.
"""

from __future__ import annotations

from portal.models import Institution, Role, User
from portal.permissions import APPLICANT_ROLES, Permission, register_area_policy

from .models import Clawback, Commitment, Envelope, Payment

FUNDED_STATES = {"accepted", "funded", "reporting", "closed"}
REPORT_STATES = {"funded"}  # a report is written and submitted while the dossier is funded


def funder_of(obj) -> Institution | None:
    if isinstance(obj, Institution):
        return obj
    if isinstance(obj, (Envelope, Commitment, Payment)):
        return obj.funder
    if isinstance(obj, Clawback):
        return obj.commitment.funder
    return None


def officer_institutions(user: User) -> set[Institution]:
    return user.institutions(Role.budget_officer)


def _member(user: User, dossier) -> bool:
    return (
        user.establishment_id is not None
        and user.establishment_id == dossier.establishment_id
        and user.has_role(*APPLICANT_ROLES)
    )


def _status(dossier) -> str | None:
    return getattr(getattr(dossier, "status", None), "value", None)


def _view_budget(user: User, call) -> bool:
    return user.has_role(Role.budget_officer, Role.observer, Role.call_admin)


def _manage_money(user: User, obj) -> bool:
    funder = funder_of(obj)
    return funder is not None and funder in officer_institutions(user)


def _manage_agreement(user: User, dossier) -> bool:
    return user.has_role(Role.budget_officer) and _status(dossier) in FUNDED_STATES


def _sign_agreement(user: User, dossier) -> bool:
    return (
        _member(user, dossier)
        and user.has_role(Role.applicant_head)
        and _status(dossier) == "accepted"
        and dossier.decision_published_at is not None
    )


def _view_grant(user: User, dossier) -> bool:
    if _status(dossier) not in FUNDED_STATES:
        return False
    if _member(user, dossier):
        return dossier.decision_published_at is not None
    return user.has_role(Role.budget_officer, Role.observer, Role.call_admin)


def _edit_report(user: User, dossier) -> bool:
    return _member(user, dossier) and _status(dossier) in REPORT_STATES


def _submit_report(user: User, dossier) -> bool:
    return _edit_report(user, dossier) and user.has_role(Role.applicant_head)


def _review_report(user: User, dossier) -> bool:
    return user.has_role(Role.budget_officer) and _status(dossier) in {"funded", "reporting"}


def _consent_publication(user: User, dossier) -> bool:
    """Only the head of the establishment gives or withdraws it, at any time once funded."""
    return (
        _view_grant(user, dossier) and _member(user, dossier) and user.has_role(Role.applicant_head)
    )


def register() -> None:
    """Add the area's rules to the one policy (called by the area's init_app)."""
    register_area_policy(
        {
            Permission.VIEW_BUDGET: _view_budget,
            Permission.MANAGE_MONEY: _manage_money,
            Permission.MANAGE_AGREEMENT: _manage_agreement,
            Permission.SIGN_AGREEMENT: _sign_agreement,
            Permission.VIEW_GRANT: _view_grant,
            Permission.EDIT_REPORT: _edit_report,
            Permission.SUBMIT_REPORT: _submit_report,
            Permission.REVIEW_REPORT: _review_report,
            Permission.CONSENT_PUBLICATION: _consent_publication,
        },
        [],
    )
