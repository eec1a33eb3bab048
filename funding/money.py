"""Pure money rules (no database): advance, what a final report makes due, balance or clawback.

Rounding rule, stated to users on the agreement and the schedule: amounts are rounded to the
nearest cent, half a cent rounded up (ROUND_HALF_UP), e.g. 50 % of 1 234,45 € = 617,23 €.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
ROUNDING_RULE = (
    "Les montants sont arrondis au centime le plus proche, le demi-centime étant "
    "arrondi au centime supérieur."
)


def cents(value: Decimal) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def advance(granted: Decimal, rate_percent: Decimal) -> Decimal:
    """The advance paid at signature: granted × rate, rounded to the cent (half up)."""
    return cents(Decimal(granted) * Decimal(rate_percent) / Decimal(100))


def due_per_funder(granted: dict, justified: Decimal) -> dict:
    """What each funder finally owes: min(total granted, justified spending), shared between the
    funders in proportion to their grants. Rounded half up for every funder but the last, which
    takes the remainder, so the parts add up to the cent.
    """
    funders = [f for f in sorted(granted, key=lambda f: getattr(f, "value", f)) if granted[f] > 0]
    total = sum((granted[f] for f in funders), ZERO)
    due_total = min(total, cents(justified))
    result = {f: ZERO for f in granted}
    if total == 0:
        return result
    remaining = due_total
    for funder in funders[:-1]:
        part = min(cents(due_total * granted[funder] / total), granted[funder], remaining)
        result[funder] = part
        remaining -= part
    result[funders[-1]] = remaining
    return result


def settlement(due: Decimal, net_paid: Decimal) -> tuple[Decimal, Decimal]:
    """(balance still to pay, clawback to claim): exactly one of them may be positive."""
    difference = due - net_paid
    if difference >= 0:
        return difference, ZERO
    return ZERO, -difference


def committed_rate(committed: Decimal, envelope: Decimal) -> Decimal:
    """Committed share of an envelope, in percent to a tenth (100 for anything committed on an
    empty envelope, 0 for nothing)."""
    if envelope == 0:
        return Decimal(100) if committed else ZERO
    return (committed * 100 / envelope).quantize(Decimal("0.1"))
