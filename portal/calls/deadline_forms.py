"""The forms of a call's later life: extending its deadline, letting one establishment in late
(a date and a time typed in Paris), copying it for the next school year. They parse what a browser
sends; the rules live in deadlines.py and duplication.py."""

from __future__ import annotations

import datetime as dt

from wtforms import StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from portal.errors import ServiceError
from portal.formatting import paris_to_utc

from ..forms import PortalForm
from .deadlines import REASON_LIMIT
from .forms import MultiCheckboxField, _parse_date, _parse_time


class _MomentForm(PortalForm):
    """A date and a time (Paris) read as one aware moment; problems tied to their field."""

    limits = {"reason": REASON_LIMIT}
    moment_what = ""

    def moment(self) -> dt.datetime:
        """The moment typed, or a ServiceError tied to the date or the time field."""
        date_text = (self.day.data or "").strip()
        time_text = (self.time.data or "").strip()
        if not date_text:
            raise ServiceError(f"Indiquez la date {self.moment_what}.", field="day")
        try:
            day = _parse_date(date_text)
        except ValueError:
            raise ServiceError(
                "Date invalide : écrivez-la sous la forme JJ/MM/AAAA.", field="day"
            ) from None
        try:
            moment = _parse_time(time_text or "23:59")
        except ValueError:
            raise ServiceError(
                "Heure invalide : écrivez-la sous la forme HH:MM (par exemple 23:59).", field="time"
            ) from None
        return paris_to_utc(dt.datetime.combine(day, moment))

    def attach(self, errors: dict) -> list[tuple[str, str]]:
        """Tie a service's errors to the inputs; (anchor, message) pairs for the summary."""
        aliases = {"deadline_at": "day", "until": "day"}
        summary = []
        for key, message in errors.items():
            target = getattr(self, aliases.get(key, key), None)
            if target is not None and hasattr(target, "errors"):
                target.errors = list(target.errors or []) + [message]
                summary.append((target.id, message))
            else:
                summary.append(("", message))
        return summary


class ExtendDeadlineForm(_MomentForm):
    moment_what = "de la nouvelle date limite"
    day = StringField("Nouvelle date limite", description="Heure de Paris. Format : JJ/MM/AAAA.")
    time = StringField(
        "Heure limite", description="Format : HH:MM ; 23:59 si vous la laissez vide."
    )
    reason = TextAreaField(
        "Motif de la prolongation",
        description="Conservé dans l'historique de l'appel ; les établissements ayant un "
        "brouillon sont prévenus de la nouvelle date.",
    )


class DerogationForm(_MomentForm):
    moment_what = "de fin de la dérogation"
    uai = StringField("UAI de l'établissement", description="Par exemple 0860001A.")
    day = StringField("Dépôt possible jusqu'au", description="Heure de Paris. Format : JJ/MM/AAAA.")
    time = StringField("Heure", description="Format : HH:MM ; 23:59 si vous la laissez vide.")
    reason = TextAreaField(
        "Motif de la dérogation",
        description="Écrit et conservé dans l'historique de l'appel.",
    )


class DuplicateForm(PortalForm):
    title = StringField("Titre du nouvel appel")
    school_year = StringField("Année scolaire", description="Sous la forme 2015-2016.")
    parts = MultiCheckboxField("À reprendre après confirmation")

    def __init__(self, *args, parts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.parts.choices = [SelectChoice(p["key"], p["label"]) for p in parts if p["confirm"]]

    def attach(self, errors: dict) -> list[tuple[str, str]]:
        summary = []
        for key, message in errors.items():
            target = getattr(self, key, None)
            if target is not None and hasattr(target, "errors"):
                target.errors = list(target.errors or []) + [message]
                summary.append((target.id, message))
            else:
                summary.append(("", message))
        return summary
