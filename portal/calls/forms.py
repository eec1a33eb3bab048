"""The call set-up form. It parses what a browser sends (dates typed in Paris time, rows);
the rules themselves live in services.py."""

from __future__ import annotations

import datetime as dt
import re

from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from portal.demo import AXES
from portal.formatting import format_decimal, to_paris
from portal.models import FIELDS, KIND_LABELS, Call

from ..forms import PortalForm
from .services import AXIS_COUNT

EMPTY_ATTACHMENT_ROWS = 2  # blank rows offered for new pieces (a little JS may add more)


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form):
        values = {str(c.value) for c in self.iter_choices()}
        if any(str(d) not in values for d in (self.data or [])):
            raise ValidationError("Choisissez parmi les cases proposées.")


class AttachmentRowForm(Form):
    label = StringField("Intitulé de la pièce")
    required = BooleanField("Pièce obligatoire")


def _parse_date(text: str) -> dt.date:
    text = text.strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            pass
    raise ValueError


def _parse_time(text: str) -> dt.time:
    match = re.fullmatch(r"\s*(\d{1,2})\s*(?::|h)\s*(\d{2})?\s*", text or "")
    if not match:
        raise ValueError
    return dt.time(int(match.group(1)), int(match.group(2) or 0))


class CallForm(PortalForm):
    version = HiddenField()
    title = StringField("Titre de l'appel à projets")
    school_year = StringField("Année scolaire", description="Sous la forme 2014-2015.")
    themes = TextAreaField(
        "Thématiques et attendus", description="Le texte présenté aux établissements."
    )
    axes = FieldList(StringField("Axe"), min_entries=AXIS_COUNT, max_entries=AXIS_COUNT)
    fields = MultiCheckboxField(
        "Champs d'action", choices=[SelectChoice(k, v) for k, v in FIELDS.items()]
    )
    eligible_kinds = MultiCheckboxField(
        "Types d'établissement éligibles",
        choices=[SelectChoice(k.value, v) for k, v in KIND_LABELS.items()],
    )
    opens_date = StringField("Date d'ouverture", description="Heure de Paris. Format : JJ/MM/AAAA.")
    opens_time = StringField("Heure d'ouverture", description="Format : HH:MM, par exemple 08:00.")
    deadline_date = StringField(
        "Date limite de dépôt", description="Heure de Paris. Format : JJ/MM/AAAA."
    )
    deadline_time = StringField(
        "Heure limite de dépôt", description="Format : HH:MM, par exemple 23:59."
    )
    max_amount = StringField("Montant maximal par projet (€)", description="Par exemple 15 000,00.")
    advance_rate = StringField(
        "Taux de l'avance (%)",
        description="Part de la subvention versée à la signature de la "
        "convention, entre 0 et 100 (par exemple 50).",
    )
    attachment_kinds = FieldList(FormField(AttachmentRowForm), min_entries=0, max_entries=40)

    def __init__(self, *args, call: Call | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if call is not None and not self.is_submitted():
            self._fill_from(call)
        elif not self.is_submitted():
            for entry, label in zip(self.axes.entries, AXES):
                entry.data = label
            self.advance_rate.data = "50"
            self.school_year.data = _default_school_year()
        for i, entry in enumerate(self.axes.entries):
            entry.label.text = f"Axe {i + 1}"
        if not self.is_submitted():
            for _ in range(EMPTY_ATTACHMENT_ROWS):
                self.attachment_kinds.append_entry()

    def _fill_from(self, call: Call) -> None:
        self.version.data = str(call.version)
        self.title.data = call.title
        self.school_year.data = call.school_year
        self.themes.data = call.themes
        for entry, axis in zip(self.axes.entries, sorted(call.axes, key=lambda a: a.number)):
            entry.data = axis.label
        self.fields.data = list(call.fields or [])
        self.eligible_kinds.data = list(call.eligible_kinds or [])
        opens, deadline = to_paris(call.opens_at), to_paris(call.deadline_at)
        self.opens_date.data, self.opens_time.data = f"{opens:%Y-%m-%d}", f"{opens:%H:%M}"
        self.deadline_date.data, self.deadline_time.data = (
            f"{deadline:%Y-%m-%d}",
            f"{deadline:%H:%M}",
        )
        self.max_amount.data = format_decimal(call.max_amount, 2)
        self.advance_rate.data = format_decimal(call.advance_rate, 2, compact=True)
        for kind in call.attachment_kinds:
            self.attachment_kinds.append_entry({"label": kind.label, "required": kind.required})

    def _local(self, date_field, time_field, what: str) -> dt.datetime | None:
        date_text, time_text = (date_field.data or "").strip(), (time_field.data or "").strip()
        if not date_text:
            date_field.errors.append(f"Indiquez la date {what}.")
            return None
        try:
            day = _parse_date(date_text)
        except ValueError:
            date_field.errors.append("Date invalide : écrivez-la sous la forme JJ/MM/AAAA.")
            return None
        try:
            moment = _parse_time(time_text) if time_text else None
        except ValueError:
            moment = None
        if moment is None:
            time_field.errors.append(
                "Heure invalide : écrivez-la sous la forme HH:MM (par exemple 23:59)."
                if time_text
                else f"Indiquez l'heure {what}."
            )
            return None
        return dt.datetime.combine(day, moment)

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        self._opens = self._local(self.opens_date, self.opens_time, "d'ouverture")
        self._deadline = self._local(self.deadline_date, self.deadline_time, "limite de dépôt")
        return ok and self._opens is not None and self._deadline is not None

    def to_data(self, *, locked: bool = False) -> dict:
        """The service's input; what an open call no longer lets change is left out."""
        data = {
            "title": self.title.data,
            "school_year": self.school_year.data,
            "themes": self.themes.data,
            "max_amount": self.max_amount.data,
            "advance_rate": self.advance_rate.data,
            "opens_at": self._opens,
            "deadline_at": self._deadline,  # naive: Paris wall-clock time
        }
        if not locked:
            data.update(
                {
                    "axes": [e.data for e in self.axes.entries],
                    "fields": self.fields.data or [],
                    "eligible_kinds": self.eligible_kinds.data or [],
                    "attachment_kinds": [row.data for row in self.attachment_kinds.entries],
                }
            )
        return data

    def attach_errors(self, errors: dict) -> list[tuple[str, str]]:
        """Tie a service's errors to their inputs; returns (anchor, message) for the summary."""
        aliases = {
            "opens_at": "opens_date",
            "deadline_at": "deadline_date",
            "axes": "axes-0",
            "attachment_kinds": "attachment_kinds-0-label",
        }
        by_name = {}
        for f in self:
            if isinstance(f, FieldList):
                for entry in f.entries:
                    if isinstance(entry, FormField):
                        by_name.update({sub.name: sub for sub in entry})
                    else:
                        by_name[entry.name] = entry
            else:
                by_name[f.name] = f
        summary = []
        for key, message in errors.items():
            name = aliases.get(key, key)
            target = by_name.get(name)
            if target is not None:
                target.errors = list(target.errors) + [message]
                summary.append((target.id, message))
            else:
                summary.append(("", message))
        return summary

    def summary(self) -> list[tuple[str, str]]:
        out = []
        for f in self:
            subs = f.entries if isinstance(f, FieldList) else [f]
            for sub in subs:
                for leaf in sub if isinstance(sub, FormField) else [sub]:
                    for message in leaf.errors or []:
                        out.append((leaf.id, message))
        return out


def _default_school_year() -> str:
    today = dt.date.today()
    start = today.year if today.month >= 6 else today.year - 1
    return f"{start}-{start + 1}"
