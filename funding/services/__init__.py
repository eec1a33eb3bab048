"""The funding area's rules and transactions, one module per concept:

- `common`: typed input read the French way, the funder's wording, who may change a funder's money;
- `figures`: committed, paid, remaining, to pay — summed from the rows, never stored;
- `envelopes`, `commitments`, `payments`, `clawbacks`: the money, operation by operation;
- `closing` (a dossier whose money is done) and `settlement` (a funder's part of the final report);
- `agreements` (the grant agreement), `reports` (the final report: `report_parts`, `report_review`);
- `dashboard` (a call's budget figures) and `lists` (the officers' money pages).

Functions take domain objects and plain data, check the policy, move statuses through
`funding.workflow`, audit and flush; the caller (a view, the API, a CLI command) commits once. A
refused operation raises a ServiceError before anything is changed. The names below are the ones
the pages, the API and the tests use: `from funding import services; services.record_payment(...)`.
"""

from __future__ import annotations

from .clawbacks import create_clawback, open_clawbacks, settle_clawback
from .closing import close_if_settled, funder_validated, report_validated
from .commitments import (
    commit,
    commit_again,
    commit_decision,
    granted_parts,
    reduce_commitment,
    uncommitted,
)
from .common import (
    COMMITTABLE_STATES,
    MAX_REASON,
    OF_FUNDER,
    PAYABLE_STATES,
    ZERO,
    can_manage,
    parse_day,
    parse_funder,
    parse_money,
    require_funder,
    to_paris_month,
    today,
)
from .envelopes import delete_envelope, envelope_label, envelope_of, set_envelope
from .figures import (
    CommitmentFigures,
    EnvelopeFigures,
    Totals,
    commitment_figures,
    commitments_of,
    envelope_figures,
    figures_of,
    scope_totals,
)
from .payments import ScheduleLine, proposed_payment, record_payment, schedule
from .settlement import settle_funder_on_report

__all__ = [
    "COMMITTABLE_STATES",
    "CommitmentFigures",
    "EnvelopeFigures",
    "MAX_REASON",
    "OF_FUNDER",
    "PAYABLE_STATES",
    "ScheduleLine",
    "Totals",
    "ZERO",
    "can_manage",
    "close_if_settled",
    "commit",
    "commit_again",
    "commit_decision",
    "commitment_figures",
    "commitments_of",
    "create_clawback",
    "delete_envelope",
    "envelope_figures",
    "envelope_label",
    "envelope_of",
    "figures_of",
    "funder_validated",
    "granted_parts",
    "open_clawbacks",
    "parse_day",
    "parse_funder",
    "parse_money",
    "proposed_payment",
    "record_payment",
    "reduce_commitment",
    "report_validated",
    "require_funder",
    "schedule",
    "scope_totals",
    "set_envelope",
    "settle_clawback",
    "settle_funder_on_report",
    "to_paris_month",
    "today",
    "uncommitted",
]
