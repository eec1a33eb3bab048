"""The outcome dashboard's figures as a table (CSV and XLSX through portal.exports): one row for
the totals, then one per value of each breakdown — the same figures as the page and the API."""

from __future__ import annotations

from collections.abc import Iterator

from portal.models import INSTITUTION_SHORT_LABELS
from portal.reference import OUTCOMES, YOUNG_CATEGORIES

from .services.dashboard import DIMENSIONS, FUNDERS, Dashboard, Figures

DASHBOARD_HEADER = [
    "Répartition",
    "Valeur",
    "Projets financés",
    "Projets avec bilan déposé",
    *[f"Accordé {INSTITUTION_SHORT_LABELS[f]} (€)" for f in FUNDERS],
    "Accordé total (€)",
    *[f"Versé {INSTITUTION_SHORT_LABELS[f]} (€)" for f in FUNDERS],
    "Versé total (€)",
    "Jeunes visés",
    "Jeunes atteints",
    *[f"Visés : {label}" for label in YOUNG_CATEGORIES.values()],
    *[f"Atteints : {label}" for label in YOUNG_CATEGORIES.values()],
    *[f"Devenir : {label}" for label in OUTCOMES.values()],
    "Projets mesurés sur leurs cibles",
    "Projets ayant atteint toutes leurs cibles",
    "Part des projets ayant atteint toutes leurs cibles (%)",
    "Indicateurs mesurés",
    "Indicateurs ayant atteint leur cible",
    "Coût par jeune atteint (€)",
]


def _cells(dimension: str, value: str, f: Figures) -> list:
    return [
        dimension,
        value,
        f.projects,
        f.reported,
        *[f.granted[funder] for funder in FUNDERS],
        f.granted_total,
        *[f.paid(funder) for funder in FUNDERS],
        f.paid_total,
        f.targeted_total,
        f.reached_total,
        *[f.targeted[c] for c in YOUNG_CATEGORIES],
        *[f.reached[c] for c in YOUNG_CATEGORIES],
        *[f.outcomes[o] for o in OUTCOMES],
        f.measured_projects,
        f.met_all_projects,
        f.met_all_share,
        f.indicators_measured,
        f.indicators_met,
        f.cost_per_young,
    ]


def dashboard_rows(dashboard: Dashboard) -> Iterator[list]:
    yield _cells("Ensemble", "Tous les projets retenus par les filtres", dashboard.total)
    for dim, title in DIMENSIONS.items():
        for line in dashboard.breakdowns[dim]:
            yield _cells(title.removeprefix("Par ").capitalize(), line.label, line.figures)
