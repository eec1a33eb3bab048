"""The per-dossier outcome figures the dashboard adds up (`DossierOutcome`), kept up to date in SQL.

A dossier's row is rebuilt, by one DELETE and one INSERT … SELECT (outcomes.services.outcome_rows,
the reference computation), in the flush that changes what it sums: a commitment's status, funder,
amount or dossier; a payment's or clawback's amount (a clawback's status); a young people target;
a dossier indicator's target or direction; a final report's status; a report's reach, outcomes or
achieved indicator values; any of these rows added or deleted. Payments, clawbacks and report
rows name their commitment or report: the two statements find the dossier in SQL. Bulk loads
that bypass the ORM call `refresh_dossiers` (bench.outcome_rows.add_outcomes does) or
`refresh_all`. A dossier with no commitment has no row.
"""

from __future__ import annotations

from sqlalchemy import delete, event, insert, inspect, select, union
from sqlalchemy.orm import Session

from applications.models import Dossier, DossierTarget, Indicator
from funding.models import (
    Clawback,
    Commitment,
    FinalReport,
    Payment,
    ReportIndicator,
    ReportOutcome,
    ReportReach,
)

from ..models import DossierOutcome
from .outcome_rows import MEASURES, dossier_rows

_PENDING = "outcomes.outcome_store.pending"
_CHUNK = 500

# model → (the fields its figures read, how it names its dossier: "dossier", "commitment", "report")
_WATCHED = {
    Commitment: (("status", "funder", "amount", "dossier_id"), "dossier"),
    Payment: (("amount", "commitment_id"), "commitment"),
    Clawback: (("amount", "status", "commitment_id"), "commitment"),
    DossierTarget: (("category", "count", "dossier_id"), "dossier"),
    Indicator: (("target_value", "direction", "dossier_id"), "dossier"),
    FinalReport: (("status", "dossier_id"), "dossier"),
    ReportReach: (("category", "count", "report_id"), "report"),
    ReportOutcome: (("outcome", "count", "report_id"), "report"),
    ReportIndicator: (("achieved_value", "indicator_id", "report_id"), "report"),
}
_KEY = {"dossier": "dossier_id", "commitment": "commitment_id", "report": "report_id"}
# parent → its child lists whose orphans are deleted during the flush (known only before it)
_LISTS = {
    Dossier: (("targets", "indicators"), "id"),
    FinalReport: (("reach", "outcomes", "indicators"), "dossier_id"),
    Commitment: (("payments", "clawbacks"), "dossier_id"),
}


def _rebuild(connection, ids_select) -> None:
    """Delete and re-insert the rows of the dossiers `ids_select` names (a SELECT of ids)."""
    connection.execute(delete(DossierOutcome).where(DossierOutcome.dossier_id.in_(ids_select)))
    connection.execute(
        insert(DossierOutcome).from_select(
            ["dossier_id", *MEASURES], dossier_rows(lambda column: column.in_(ids_select))
        )
    )


def refresh_dossiers(connection, dossier_ids) -> None:
    """Rebuild the rows of these dossiers (a dossier without a commitment loses its row)."""
    ids = sorted({i for i in dossier_ids if i is not None})
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        _rebuild(connection, select(Dossier.id).where(Dossier.id.in_(chunk)))


def refresh_all(connection) -> None:
    """Rebuild every row (after a bulk load, or to reconcile)."""
    connection.execute(delete(DossierOutcome))
    connection.execute(
        insert(DossierOutcome).from_select(["dossier_id", *MEASURES], dossier_rows())
    )


def _changed(obj, fields) -> bool:
    state = inspect(obj)
    return any(state.attrs[f].history.has_changes() for f in fields)


def _pending(session: Session) -> dict[str, set]:
    return session.info.setdefault(
        _PENDING, {"dossier": set(), "commitment": set(), "report": set()}
    )


def _note(pending, obj, kind: str, deleted: bool = False) -> None:
    key = _KEY[kind]
    if deleted:
        pending[kind].add(inspect(obj).dict.get(key))  # never a load of a deleted row
        return
    pending[kind].add(getattr(obj, key))
    pending[kind].update(inspect(obj).attrs[key].history.deleted or ())


def _before_flush(session: Session, flush_context, instances) -> None:
    pending = None
    for obj in session.dirty:
        lists = _LISTS.get(type(obj))
        if lists and _changed(obj, lists[0]):
            pending = pending or _pending(session)
            pending["dossier"].add(getattr(obj, lists[1]))


def _after_flush(session: Session, flush_context) -> None:
    pending = session.info.pop(_PENDING, None) or {
        "dossier": set(),
        "commitment": set(),
        "report": set(),
    }
    for obj in session.new:
        watched = _WATCHED.get(type(obj))
        if watched:
            _note(pending, obj, watched[1])
    for obj in session.deleted:
        watched = _WATCHED.get(type(obj))
        if watched:
            _note(pending, obj, watched[1], deleted=True)
    for obj in session.dirty:
        watched = _WATCHED.get(type(obj))
        if watched and _changed(obj, watched[0]):
            _note(pending, obj, watched[1])
    dossiers, commitments, reports = (
        sorted(i for i in pending[k] if i is not None) for k in ("dossier", "commitment", "report")
    )
    if not (dossiers or commitments or reports):
        return
    parts = []
    if dossiers:  # (a deleted dossier's row goes with it: ON DELETE CASCADE)
        parts.append(select(Dossier.id.label("id")).where(Dossier.id.in_(dossiers)))
    if commitments:
        parts.append(
            select(Commitment.dossier_id.label("id")).where(Commitment.id.in_(commitments))
        )
    if reports:
        parts.append(select(FinalReport.dossier_id.label("id")).where(FinalReport.id.in_(reports)))
    ids = parts[0] if len(parts) == 1 else select(union(*parts).subquery().c.id)
    _rebuild(session.connection(), ids)


def register() -> None:
    if not event.contains(Session, "before_flush", _before_flush):
        event.listen(Session, "before_flush", _before_flush)
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)
