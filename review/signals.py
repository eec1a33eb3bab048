"""Signals the review area sends; other areas listen (review never imports them)."""
from blinker import Namespace

_signals = Namespace()

# Sent after a decision became final (both co-pilots validated it), inside the transaction that
# made it final: sender=the Decision. The funding area listens and commits the money.
decision_finalised = _signals.signal("decision_finalised")


# The call's envelopes, for the commission's funding line: the funding area registers a function
# call_id → {"state": Decimal, "region": Decimal} (funders without an envelope left out).
envelope_providers: list = []


def call_envelopes(call_id: int) -> dict:
    values: dict = {}
    for provider in envelope_providers:
        values.update(provider(call_id))
    return values
