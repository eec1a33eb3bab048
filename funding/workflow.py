"""The funding area's state machines: (state, action) → new state.

Services change a commitment's, a clawback's or a final report's status only through these tables
(`MACHINE.transition(obj, action)`); a refused move is a French Conflict (409). A guard action that
keeps the state (`reduce`, `pay`) says which states allow an operation at all. The dossier's own
moves (signature, report, closing) stay in `applications.workflow`.
"""

from __future__ import annotations

from portal.formatting import format_date
from portal.workflow import StateMachine

from .models import ClawbackStatus, CommitmentStatus, ReportStatus

C = CommitmentStatus
COMMITMENT = StateMachine(
    "commitment",
    {
        (C.active, "reduce"): C.active,
        (C.active, "pay"): C.active,
        (C.active, "cancel"): C.cancelled,
    },
    {
        "reduce": "Cet engagement est déjà annulé.",
        "pay": "Cet engagement est annulé : aucun paiement ne peut y être rattaché.",
        "cancel": "Cet engagement est déjà annulé.",
    },
)

CLAWBACK = StateMachine(
    "clawback",
    {
        (ClawbackStatus.open, "settle"): ClawbackStatus.settled,
    },
    {
        "settle": "Ce reversement est déjà soldé (le {label}).",
    },
    label=lambda clawback: format_date(clawback.settled_on),
)

R = ReportStatus
REPORT = StateMachine(
    "final_report",
    {
        (R.draft, "submit"): R.submitted,
        (R.corrections_requested, "submit"): R.submitted,
        (R.submitted, "request_corrections"): R.corrections_requested,
        (R.submitted, "validate"): R.validated,
    },
    {
        "submit": "Le bilan est « {label} » : il ne peut pas être déposé.",
        "request_corrections": "Le bilan est « {label} » : aucune correction ne peut être demandée.",
        "validate": "Le bilan est « {label} » : il ne peut pas être validé.",
    },
)
