"""Permission-matrix entries of a call's common indicators: call administrators (and the
platform administrator). Removal without its confirmation answers the confirmation page."""

from __future__ import annotations

from portal.db import db
from portal.reference import CallIndicator

CALL_STAFF = {"call_admin", "admin"}


def _indicator(o) -> int:
    if not hasattr(o, "call_indicator"):
        o.call_indicator = CallIndicator(call_id=o.call.id, label="Taux d'absentéisme", unit="%")
        db.session.add(o.call_indicator)
        db.session.flush()
    return o.call_indicator.id


MATRIX_ENTRIES = {
    ("calls.indicators", "GET"): (lambda o: f"/appels/{o.call.id}/indicateurs", CALL_STAFF, None),
    ("calls.add_indicator", "POST"): (
        lambda o: f"/appels/{o.call.id}/indicateurs",
        CALL_STAFF,
        lambda o: {},
    ),
    ("calls.update_indicator", "POST"): (
        lambda o: f"/appels/{o.call.id}/indicateurs/{_indicator(o)}",
        CALL_STAFF,
        lambda o: {},
    ),
    ("calls.remove_indicator", "POST"): (
        lambda o: f"/appels/{o.call.id}/indicateurs/{_indicator(o)}/retirer",
        CALL_STAFF,
        lambda o: {},
    ),
}
