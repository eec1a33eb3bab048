"""The commission's rules for a call: reviewers per dossier, thresholds, visibility.

The first save also opens the three phases and lays down the default scoring grid.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from portal import audit
from portal.db import db
from portal.errors import ServiceError
from portal.models import Call, User
from portal.permissions import Permission, require

from .. import assignment
from ..models import Criterion, ReviewPhase, ReviewSettings, Visibility
from .commission import PHASE_ORDER, criteria, settings_of

MAX_REVIEWERS = 10
MAX_THRESHOLD = Decimal("20")


# The grid a dropout call starts with (the administrator may change it until a review is in).
DEFAULT_GRID = [
    dict(
        label="Pertinence au regard du décrochage",
        guidance="Le projet répond-il à un besoin repéré de prévention, d'intervention ou de "
        "remédiation du décrochage ? Le public visé est-il bien identifié ?",
        weight=Decimal("2.00"),
    ),
    dict(
        label="Qualité du partenariat",
        guidance="Partenaires mobilisés (mission locale, MLDS, associations, entreprises…), rôle "
        "de chacun, engagement formalisé.",
        weight=Decimal("1.00"),
    ),
    dict(
        label="Faisabilité et budget",
        guidance="Calendrier réaliste, moyens humains, budget équilibré et proportionné aux "
        "actions.",
        weight=Decimal("1.00"),
    ),
    dict(
        label="Évaluation prévue",
        guidance="Indicateurs mesurables (absentéisme, raccrochage, certification), situation "
        "de départ et cible.",
        weight=Decimal("1.00"),
    ),
    dict(
        label="Solution innovante (service civique, micro-lycée, numérique…)",
        guidance="Indiquez si le projet propose une solution innovante ; ce critère est signalé "
        "mais n'entre pas dans la note.",
        weight=Decimal("1.00"),
        scoring=False,
        required=False,
        scale_min=0,
        scale_max=1,
    ),
]


def _parse_threshold(value, field_name: str, label: str, errors: dict) -> Decimal | None:
    text = str(value if value is not None else "").strip().replace(",", ".").replace(" ", "")
    try:
        number = Decimal(text)
    except InvalidOperation:
        errors[field_name] = f"{label} : indiquez un nombre sur 20, par exemple 4 ou 3,5."
        return None
    if not number.is_finite() or number < 0 or number > MAX_THRESHOLD:
        errors[field_name] = f"{label} : indiquez un nombre entre 0 et 20."
        return None
    if number != number.quantize(Decimal("0.01")):
        errors[field_name] = f"{label} : deux décimales au plus."
        return None
    return number.quantize(Decimal("0.01"))


def parse_int(value, field_name: str, message: str, errors: dict) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        errors[field_name] = message
        return None


def save_settings(user: User, call: Call, data: dict) -> ReviewSettings:
    """Create or change the call's review rules.

    Guarantees: N ≥ 2 (at most 10) reviewers per dossier, thresholds between 0 and 20, a known
    visibility rule; the first save also creates the three phases (positions 1, 2, 3, the call
    starting in independent scoring) and the default scoring grid. Audited with the changes.
    """
    require(user, Permission.MANAGE_COMMISSION, call)
    errors: dict = {}
    n = parse_int(
        data.get("reviewers_per_dossier"),
        "reviewers_per_dossier",
        "Indiquez un nombre entier d'instructeurs par dossier (au moins 2).",
        errors,
    )
    if n is not None and n < assignment.MIN_REVIEWERS:
        errors["reviewers_per_dossier"] = (
            "Il faut au moins 2 instructeurs par dossier : un de l'État et un de la Région."
        )
    elif n is not None and n > MAX_REVIEWERS:
        errors["reviewers_per_dossier"] = f"Au plus {MAX_REVIEWERS} instructeurs par dossier."
    gap = _parse_threshold(
        data.get("gap_threshold"), "gap_threshold", "Seuil d'écart État–Région", errors
    )
    spread = _parse_threshold(
        data.get("spread_threshold"), "spread_threshold", "Seuil de dispersion", errors
    )
    try:
        visibility = Visibility(data.get("visibility"))
    except ValueError:
        errors["visibility"] = "Choisissez quand un instructeur voit les évaluations des autres."
        visibility = None
    if errors:
        raise ServiceError(next(iter(errors.values())), errors=errors)
    settings = settings_of(call)
    created = settings is None
    if created:
        settings = ReviewSettings(call_id=call.id)
        db.session.add(settings)
    before = {
        "reviewers_per_dossier": settings.reviewers_per_dossier,
        "gap_threshold": settings.gap_threshold,
        "spread_threshold": settings.spread_threshold,
        "visibility": settings.visibility,
    }
    settings.reviewers_per_dossier, settings.gap_threshold = n, gap
    settings.spread_threshold, settings.visibility = spread, visibility
    db.session.flush()
    if created:
        rows = [
            ReviewPhase(call_id=call.id, kind=kind, position=i)
            for i, kind in enumerate(PHASE_ORDER, start=1)
        ]
        db.session.add_all(rows)
        db.session.flush()
        settings.current_phase_id = rows[0].id
        if not criteria(call):
            for i, item in enumerate(DEFAULT_GRID, start=1):
                db.session.add(
                    Criterion(
                        call_id=call.id,
                        position=i,
                        **{
                            "scale_min": 0,
                            "scale_max": 5,
                            "required": True,
                            "scoring": True,
                            **item,
                        },
                    )
                )
        db.session.flush()
    after = {
        "reviewers_per_dossier": n,
        "gap_threshold": gap,
        "spread_threshold": spread,
        "visibility": visibility,
    }
    audit.record(
        user,
        "commission_set_up" if created else "commission_settings_changed",
        call,
        audit.diff({} if created else before, after),
    )
    return settings
