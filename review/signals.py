"""Signals the review area sends; higher areas connect receivers (review never imports them).

Receivers that return values answer questions review asks (as Indico's signals do): the values
are collected with `values_of`.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# Sent after a decision became final (both co-pilots validated it), inside the transaction that
# made it final: sender=the Decision. The funding area listens and commits the money.
decision_finalised = _signals.signal("decision_finalised")

# Asked for the commission's funding line: sender=the call id; each receiver returns
# {"state": Decimal, "region": Decimal} (funders without an envelope left out).
call_envelopes = _signals.signal("call_envelopes")


def envelopes_of(call_id: int) -> dict:
    values: dict = {}
    for _, value in call_envelopes.send(call_id):
        values.update(value or {})
    return values
