"""Legal identifiers of beneficiaries: SIRET (SIREN + NIC, Luhn key) and RNA (W + 9 digits)."""

from __future__ import annotations

import re

RNA = re.compile(r"W\d{9}")


def luhn_ok(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def validate_siret(value: str) -> str:
    """The SIRET without spaces; ValueError with a French message when it cannot be one.

    La Poste's establishments (SIREN 356000000) follow another key rule: accepted on their sum."""
    digits = "".join(value.split())
    if not digits:
        return ""
    if not digits.isdigit() or len(digits) != 14:
        raise ValueError("Un SIRET compte 14 chiffres (SIREN à 9 chiffres puis NIC à 5 chiffres).")
    if digits.startswith("356000000"):
        if sum(int(c) for c in digits) % 5:
            raise ValueError("Ce SIRET n'est pas valide (clé de contrôle).")
    elif not luhn_ok(digits):
        raise ValueError("Ce SIRET n'est pas valide (clé de contrôle) : vérifiez les chiffres.")
    return digits


def validate_rna(value: str) -> str:
    """The RNA number in capitals; ValueError when it is not W followed by 9 digits."""
    rna = "".join(value.split()).upper()
    if rna and not RNA.fullmatch(rna):
        raise ValueError("Un numéro RNA commence par W, suivi de 9 chiffres (W861000123).")
    return rna
