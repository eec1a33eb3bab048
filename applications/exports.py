"""The call office's dossier list as a table (written by `portal.exports`): the filtered list, or
a selection of it. The labels column only for the call office (labels are internal)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from portal.formatting import to_paris
from portal.models import FIELDS

from .models import Dossier

HEADER = [
    "Référence",
    "Titre",
    "Établissement",
    "UAI",
    "Commune",
    "Département",
    "Type d'établissement",
    "Éducation prioritaire",
    "Appel à projets",
    "Axe principal",
    "Champs",
    "Thèmes",
    "Jeunes concernés",
    "Montant demandé (€)",
    "Statut",
    "Déposé le",
    "Compléments demandés le",
]


def header(with_labels: bool) -> list[str]:
    return HEADER + (["Étiquettes"] if with_labels else [])


def rows(
    dossiers: Iterable[Dossier], labels: dict | None = None, themes: dict | None = None
) -> Iterator[list]:
    """One row per dossier; `themes` is {dossier id: [theme label]}; `labels` ({dossier id:
    [Label]}) adds the call office's column."""
    themes = themes or {}
    for d in dossiers:
        est = d.establishment
        request = d.open_completion_request
        row = [
            d.reference,
            d.title,
            est.name,
            est.uai,
            est.commune,
            est.department_code,
            est.kind.label,
            est.priority_education,
            d.call.title,
            d.main_axis,
            ", ".join(FIELDS.get(f, f) for f in d.fields or []),
            ", ".join(themes.get(d.id, [])),
            d.target_count,
            d.requested_total,
            d.status.label,
            to_paris(d.submitted_at).date() if d.submitted_at else None,
            to_paris(request.requested_at).date() if request else None,
        ]
        if labels is not None:
            row.append(", ".join(label.name for label in labels.get(d.id, [])))
        yield row
