"""Forms of the dossier pages (Flask-WTF).

The forms parse and re-display what the person typed; the rules (required for submission,
amounts, dates, choices) live once in applications.services, whose ServiceError.errors are
attached back to the fields here (`attach_errors`). That is what lets a half-filled draft be
saved while every refusal is still tied to its input.
"""

from __future__ import annotations

import re

from wtforms import (
    FieldList,
    FileField,
    Form,
    FormField,
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)

from portal.forms import PortalForm
from portal.models import FIELDS

from .models import EXPENSE_CATEGORIES, PARTNER_KINDS, RESOURCE_SOURCES

EMPTY_CHOICE = [SelectChoice("", "— Choisir —")]


def choices(pairs) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


_FRENCH_DATE = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})\s*$")


def _french_date_to_iso(value: str) -> str:
    """`03/11/2014` (typed where the browser has no date picker) → `2014-11-03`."""
    value = (value or "").strip()
    match = _FRENCH_DATE.match(value)
    if match:
        day, month, year = match.groups()
        return f"{year}-{int(month):02d}-{int(day):02d}"
    return value


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


# ---------------------------------------------------------------- repeatable rows


class PartnerRow(Form):
    name = StringField("Nom du partenaire")
    kind = SelectField(
        "Type de partenaire",
        choices=EMPTY_CHOICE + choices(PARTNER_KINDS.items()),
        validate_choice=False,
    )
    role = TextAreaField("Rôle dans le projet")


class ActionRow(Form):
    title = StringField("Intitulé de l'action")
    description = TextAreaField("Description")
    start_date = StringField("Date de début")
    end_date = StringField("Date de fin")


class IndicatorRow(Form):
    name = StringField("Indicateur")
    baseline = StringField("Valeur de départ")
    target = StringField("Valeur cible")


class ExpenseRow(Form):
    category = SelectField(
        "Catégorie",
        choices=EMPTY_CHOICE + choices(EXPENSE_CATEGORIES.items()),
        validate_choice=False,
    )
    label = StringField("Libellé")
    amount = StringField("Montant")


class ResourceRow(Form):
    source = SelectField(
        "Source", choices=EMPTY_CHOICE + choices(RESOURCE_SOURCES.items()), validate_choice=False
    )
    label = StringField("Libellé")
    amount = StringField("Montant")


# Service error keys name a row's sub-field by its service name; the form may call it otherwise.
_SUBFIELD_ALIASES = {("resources", "category"): "source"}


def format_amount_input(value) -> str:
    """Decimal('1234.50') → '1 234,50', the way people type it back."""
    if value is None or value == "":
        return ""
    units, cents = f"{value:.2f}".split(".")
    groups = []
    while units:
        groups.insert(0, units[-3:])
        units = units[:-3]
    return " ".join(groups) + "," + cents


class StepForm(PortalForm):
    """A step of the dossier form: the dossier's version travels with it (optimistic locking)."""

    version = HiddenField()
    lists: tuple[str, ...] = ()
    scalars: tuple[str, ...] = ()

    def expected_version(self) -> int:
        """The version the page was loaded with; garbage counts as stale (0 never exists)."""
        value = (self.version.data or "").strip()
        return int(value) if value.isdigit() else 0

    def add_blank_rows(self, count: int = 2) -> None:
        for name in self.lists:
            for _ in range(count):
                self[name].append_entry()

    def rows(self, name: str) -> list[tuple[object, dict]]:
        """(entry, service row) for the rows that are not blank, in the service's numbering."""
        out = []
        for entry in self[name].entries:
            row = self.row_data(name, entry.form)
            if any(str(v or "").strip() for v in row.values()):
                out.append((entry, row))
        return out

    def row_data(self, name: str, row) -> dict:
        return {key: (f.data or "") for key, f in row._fields.items()}

    def input_errors(self) -> dict[str, str]:
        """The kernel's input rules, rows numbered as the services number them (blank rows
        left out), so that `resolve` finds their fields."""
        errors = super().input_errors()
        for name in self.lists:
            kept = [id(entry) for entry, _ in self.rows(name)]
            for index, entry in enumerate(self[name].entries):
                for key in [k for k in errors if k.startswith(f"{name}-{index}-")]:
                    message = errors.pop(key)
                    if id(entry) in kept:
                        errors[f"{name}-{kept.index(id(entry))}-{key.split('-', 2)[2]}"] = message
        return errors

    def service_data(self) -> dict:
        data = {name: self[name].data for name in self.scalars}
        for name in self.lists:
            data[name] = [row for _, row in self.rows(name)]
        return data

    def resolve(self, key: str):
        """The field a service error key (`title`, `expenses-0-amount`) points at, or None."""
        if key in self._fields and key not in self.lists:
            return self[key]
        parts = key.split("-")
        if len(parts) == 3 and parts[0] in self.lists and parts[1].isdigit():
            name, index, sub = parts[0], int(parts[1]), parts[2]
            kept = self.rows(name)
            if index < len(kept):
                sub = _SUBFIELD_ALIASES.get((name, sub), sub)
                entry = kept[index][0]
                return entry.form._fields.get(sub)
        return None

    def attach_errors(self, errors: dict) -> list[tuple[str, str]]:
        """Tie each message to its input; return (anchor, message) pairs for the error summary."""
        summary = []
        for key, message in errors.items():
            target = self.resolve(key)
            if target is not None:
                target.errors = list(target.errors or []) + [message]
                summary.append((target.id, message))
            else:
                summary.append(("" if key == "__all__" else key, message))
        return summary


class PresentationForm(StepForm):
    scalars = ("title", "summary")
    title = StringField(
        "Titre du projet",
        description="200 caractères au plus. Exemple : « Raccrocher par le théâtre ».",
    )
    summary = TextAreaField(
        "Résumé",
        description="Le projet en quelques lignes : constat, objectifs, "
        "jeunes concernés (5 000 caractères au plus).",
    )


class AxesForm(StepForm):
    scalars = (
        "main_axis",
        "other_axes",
        "fields",
        "target_count",
        "target_ages",
        "target_levels",
        "target_profile",
    )
    main_axis = RadioField("Axe principal", choices=[], validate_choice=False)
    other_axes = MultiCheckboxField("Autres axes concernés", choices=[], validate_choice=False)
    fields = MultiCheckboxField(
        "Champs d'action", choices=choices(FIELDS.items()), validate_choice=False
    )
    target_count = StringField("Nombre de jeunes concernés")
    target_ages = StringField("Âges", description="Exemple : 15-17 ans.")
    target_levels = StringField(
        "Niveaux de classe", description="Exemple : seconde, CAP 1re année."
    )
    target_profile = TextAreaField(
        "Profil des jeunes", description="Comment ils sont repérés, leurs difficultés."
    )

    def set_axes(self, call) -> None:
        axes = [(str(a.number), f"Axe {a.number} : {a.label}") for a in call.axes]
        self.main_axis.choices = choices(axes)
        self.other_axes.choices = choices(axes)
        if call.fields:
            self.fields.choices = choices((k, FIELDS.get(k, k)) for k in call.fields)

    def service_data(self) -> dict:
        data = super().service_data()
        data["main_axis"] = data["main_axis"] or None
        data["other_axes"] = list(data["other_axes"] or [])
        data["fields"] = list(data["fields"] or [])
        return data


class PartnersForm(StepForm):
    lists = ("partners",)
    partners = FieldList(FormField(PartnerRow), max_entries=200)


class ActionsForm(StepForm):
    lists = ("actions",)
    actions = FieldList(FormField(ActionRow), max_entries=200)

    def row_data(self, name, row) -> dict:
        data = super().row_data(name, row)
        data["start_date"] = _french_date_to_iso(data["start_date"])
        data["end_date"] = _french_date_to_iso(data["end_date"])
        return data


class IndicatorsForm(StepForm):
    lists = ("indicators",)
    indicators = FieldList(FormField(IndicatorRow), max_entries=200)


class BudgetForm(StepForm):
    lists = ("expenses", "resources")
    expenses = FieldList(FormField(ExpenseRow), max_entries=200)
    resources = FieldList(FormField(ResourceRow), max_entries=200)


class AttachmentForm(PortalForm):
    kind_id = SelectField("Type de pièce", choices=[], validate_choice=False)
    file = FileField("Fichier")

    def set_kinds(self, call) -> None:
        self.kind_id.choices = EMPTY_CHOICE + choices(
            (str(k.id), k.label + (" (obligatoire)" if k.required else ""))
            for k in call.attachment_kinds
        )


class NewDossierForm(PortalForm):
    title = StringField(
        "Titre du projet", description="Vous pourrez le modifier ensuite. 200 caractères au plus."
    )


class PreviousDossierForm(PortalForm):
    """Start a new dossier from one of the establishment's previous dossiers."""

    previous_id = SelectField(
        "Dossier de départ",
        description="Son contenu est repris ; le budget et les dates des actions sont à mettre "
        "à jour, les pièces jointes ne sont pas reprises.",
        validate_choice=False,  # the service says 404 for a dossier not of the establishment
    )

    def __init__(self, *args, dossiers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.previous_id.choices = EMPTY_CHOICE + [
            SelectChoice(
                str(d.id),
                f"{d.title} — {d.call.school_year}{f' ({d.reference})' if d.reference else ''}",
            )
            for d in dossiers
        ]


class CompletionRequestForm(PortalForm):
    message = TextAreaField(
        "Compléments demandés",
        description="Ce que l'établissement doit ajouter ou corriger ; "
        "le message lui est envoyé par courriel.",
    )


class WithdrawForm(PortalForm):
    reason = TextAreaField("Motif du retrait (facultatif)")


def initial_data(dossier) -> dict:
    """The dossier as the step forms' `data=`."""
    return {
        "version": str(dossier.version),
        "title": dossier.title,
        "summary": dossier.summary,
        "main_axis": str(dossier.main_axis) if dossier.main_axis is not None else None,
        "other_axes": [str(n) for n in dossier.other_axes or []],
        "fields": list(dossier.fields or []),
        "target_count": "" if dossier.target_count is None else str(dossier.target_count),
        "target_ages": dossier.target_ages,
        "target_levels": dossier.target_levels,
        "target_profile": dossier.target_profile,
        "partners": [{"name": p.name, "kind": p.kind, "role": p.role} for p in dossier.partners],
        "actions": [
            {
                "title": a.title,
                "description": a.description,
                "start_date": a.start_date.isoformat() if a.start_date else "",
                "end_date": a.end_date.isoformat() if a.end_date else "",
            }
            for a in dossier.actions
        ],
        "indicators": [
            {"name": i.name, "baseline": i.baseline, "target": i.target} for i in dossier.indicators
        ],
        "expenses": [
            {"category": b.category, "label": b.label, "amount": format_amount_input(b.amount)}
            for b in dossier.expenses
        ],
        "resources": [
            {"source": b.category, "label": b.label, "amount": format_amount_input(b.amount)}
            for b in dossier.resources
        ],
    }


class MessageForm(PortalForm):
    body = TextAreaField(
        "Votre message",
        description="5 000 caractères au plus. Le message ne modifie pas le dossier déposé.",
    )
    file = FileField("Pièce jointe (facultative)")


# ---------------------------------------------------------------- the call office's list


class BulkForm(PortalForm):
    """An action on the dossiers ticked in the list (`dossier` checkboxes, `action` button)."""

    message = TextAreaField(
        "Message de la demande de compléments",
        description="Envoyé à chaque établissement sélectionné, une demande par dossier.",
    )
    label = StringField("Étiquette à poser")
    format = StringField("Format de l'export")


class LabelForm(PortalForm):
    """A new label of the call office, for one call or for every call."""

    name = StringField("Nom de l'étiquette", description="Par exemple « à relancer ».")
    call = StringField("Appel à projets", description="Laissez vide : pour tous les appels.")


class DossierLabelForm(PortalForm):
    label = StringField("Étiquette")
