"""The review area's panels on the dossier's page (receiver of
`applications.signals.dossier_panels`): the screening decision and, for call administrators, the
screening form; then the commission's decision."""
from __future__ import annotations

from .forms import ScreeningForm
from .services.screening import latest_screening


def dossier_panels(dossier, user=None, **_) -> dict:
    return {
        "order": 10,
        "templates": ["review/_screening.html", "review/commission/_decision.html"],
        "context": {
            "screening": latest_screening(dossier) if dossier.reference else None,
            "screening_form": ScreeningForm(formdata=None),
        },
    }
