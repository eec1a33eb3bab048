"""Signals the review area sends; other areas listen (review never imports them)."""
from blinker import Namespace

_signals = Namespace()

# Sent after a decision became final (both co-pilots validated it), inside the transaction that
# made it final: sender=the Decision. The funding area listens and commits the money.
decision_finalised = _signals.signal("decision_finalised")
