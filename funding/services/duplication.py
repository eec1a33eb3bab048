"""The funding area's part of a call copied for the next school year (kernel signals
`call_duplication_parts` and `call_duplicated`): the envelopes and sub-envelopes, copied only
when the call administrator ticks them, their amounts those of the year before, to be confirmed
on the budget page. Nothing of a dossier is copied (commitments, payments, agreements, reports)."""

from __future__ import annotations

from sqlalchemy import select

from portal.db import db
from portal.formatting import format_money
from portal.models import Call, User

from ..models import Envelope

ENVELOPES = "funding_envelopes"


def _envelopes(call: Call) -> list[Envelope]:
    return list(db.session.scalars(select(Envelope).where(Envelope.call_id == call.id)))


def parts(call: Call, **_) -> list[dict]:
    envelopes = _envelopes(call)
    if not envelopes:
        return []
    total = sum((e.amount for e in envelopes if e.is_main), start=0)
    return [
        {
            "key": ENVELOPES,
            "label": f"Enveloppes et sous-enveloppes ({len(envelopes)}, dont "
            f"{format_money(total)} au total des enveloppes principales ; montants à confirmer)",
            "confirm": True,
        }
    ]


def copy(call: Call, source: Call = None, user: User = None, parts=(), **_) -> list[str]:
    if ENVELOPES not in (parts or ()):
        return []
    envelopes = _envelopes(source)
    for e in envelopes:
        db.session.add(
            Envelope(
                call_id=call.id,
                funder=e.funder,
                department_code=e.department_code,
                axis_number=e.axis_number,
                amount=e.amount,
            )
        )
    db.session.flush()
    return [f"Enveloppes et sous-enveloppes ({len(envelopes)}, montants de l'an passé à confirmer)"]
