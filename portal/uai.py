"""UAI (Unité administrative immatriculée): 7 digits then a check letter.

The letter is taken in the 23-letter alphabet without I, O and Q, at the index given by the
7-digit number modulo 23 (0750654 → D, as in 0750654D).
"""

from __future__ import annotations

import re

_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"
_PATTERN = re.compile(r"^(\d{7})([A-Z])$")


def check_letter(digits: str) -> str:
    return _LETTERS[int(digits) % 23]


def normalise(value: str) -> str:
    return (value or "").strip().upper().replace(" ", "")


def is_valid(value: str) -> bool:
    match = _PATTERN.match(normalise(value))
    return bool(match) and check_letter(match.group(1)) == match.group(2)


def validate(value: str) -> str:
    """Return the normalised UAI or raise ValueError with a French message."""
    uai = normalise(value)
    if not _PATTERN.match(uai):
        raise ValueError(
            f"« {value} » n'est pas un UAI : il faut 7 chiffres suivis d'une lettre "
            "(par exemple 0860034V)."
        )
    if not is_valid(uai):
        raise ValueError(
            f"L'UAI « {value} » est invalide : sa lettre de contrôle ne correspond "
            "pas aux chiffres."
        )
    return uai


def with_check_letter(digits: str) -> str:
    return digits + check_letter(digits)
