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
    FormField,
    HiddenField,
    RadioField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)

from portal.forms import PortalForm
from portal.models import FIELDS
from portal.reference import AGE_BANDS, YOUNG_CATEGORIES

from .page_forms import (  # noqa: F401  (the area's other forms, importable from here)
    EMPTY_CHOICE,
    AttachmentForm,
    BulkForm,
    CompletionRequestForm,
    DossierLabelForm,
    LabelForm,
    MessageForm,
    NewDossierForm,
    PreviousDossierForm,
    WithdrawForm,
    choices,
)
from .row_forms import (
    ActionRow,
    CommonIndicatorRow,
    ExpenseRow,
    IndicatorRow,
    PartnerRow,
    ResourceRow,
    TargetsTable,
)
from .row_forms import cell as _cell
from .services import structured

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
        "themes",
        "target_ages",
        "target_levels",
        "target_profile",
    )
    main_axis = RadioField("Axe principal", choices=[], validate_choice=False)
    other_axes = MultiCheckboxField("Autres axes concernés", choices=[], validate_choice=False)
    fields = MultiCheckboxField(
        "Champs d'action", choices=choices(FIELDS.items()), validate_choice=False
    )
    themes = MultiCheckboxField("Thèmes du projet", choices=[], validate_choice=False)
    targets = FormField(TargetsTable, label="Jeunes concernés par catégorie et tranche d'âge")
    targets_total = HiddenField()  # where the table's own errors (the total) are tied
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

    def set_themes(self, kept=()) -> None:
        """Active themes, plus the inactive ones the dossier keeps (never offered anew)."""
        self.themes.choices = choices(structured.theme_choices(kept))

    def target_rows(self):
        """For the template: (category label, [(band label, field)]) per category."""
        table = self.targets.form
        return [
            (label, [(AGE_BANDS[b], table[_cell(c, b)]) for b in AGE_BANDS])
            for c, label in YOUNG_CATEGORIES.items()
        ]

    def service_data(self) -> dict:
        data = super().service_data()
        data["main_axis"] = data["main_axis"] or None
        data["other_axes"] = list(data["other_axes"] or [])
        data["fields"] = list(data["fields"] or [])
        data["themes"] = list(data["themes"] or [])
        table = self.targets.form
        data["targets"] = [
            {"category": c, "age_band": b, "count": table[_cell(c, b)].data or ""}
            for c in YOUNG_CATEGORIES
            for b in AGE_BANDS
        ]
        return data

    def resolve(self, key: str):
        parts = key.split("-")
        if parts[0] == "targets":
            if len(parts) == 3:
                return self.targets.form._fields.get(_cell(parts[1], parts[2]))
            if len(parts) == 2 and "__" in parts[1]:
                return self.targets.form._fields.get(parts[1])
            return self.targets_total
        if key == "target_count":
            return self.targets_total
        return super().resolve(key)


class PartnersForm(StepForm):
    lists = ("partners",)
    partners = FieldList(FormField(PartnerRow), max_entries=200)

    def set_kinds(self) -> None:
        """Active kinds, plus any inactive kind a row shown already has."""
        kept = {e.form.kind.data for e in self.partners.entries}
        options = EMPTY_CHOICE + choices(structured.partner_kind_choices(kept))
        for entry in self.partners.entries:
            entry.form.kind.choices = options


class ActionsForm(StepForm):
    lists = ("actions",)
    actions = FieldList(FormField(ActionRow), max_entries=200)

    def row_data(self, name, row) -> dict:
        data = super().row_data(name, row)
        data["start_date"] = _french_date_to_iso(data["start_date"])
        data["end_date"] = _french_date_to_iso(data["end_date"])
        return data


class IndicatorsForm(StepForm):
    """The call's common indicators (`common`, ticked) then the dossier's own (`indicators`);
    the service numbers them in that order."""

    lists = ("indicators",)
    common = FieldList(FormField(CommonIndicatorRow), max_entries=50)
    indicators = FieldList(FormField(IndicatorRow), max_entries=200)
    _OWN_KEYS = ("name", "unit", "baseline_value", "target_value", "baseline", "target")

    def set_call(self, call) -> None:
        """The common indicators' definitions, for their labels."""
        by_id = {str(ci.id): ci for ci in structured.call_indicators(call)}
        for entry in self.common.entries:
            entry.definition = by_id.get(str(entry.form.call_indicator_id.data))

    def chosen(self) -> list:
        return [e for e in self.common.entries if e.form.selected.data]

    def rows(self, name):
        return [
            (entry, row)
            for entry, row in super().rows(name)
            if name != "indicators" or any(str(row[k] or "").strip() for k in self._OWN_KEYS)
        ]

    def input_errors(self) -> dict[str, str]:
        errors = super().input_errors()
        shift = len(self.chosen())
        out = {}
        for key, message in errors.items():
            parts = key.split("-", 2)
            if parts[0] == "indicators" and len(parts) == 3 and parts[1].isdigit():
                key = f"indicators-{int(parts[1]) + shift}-{parts[2]}"
            out[key] = message
        return out

    def service_data(self) -> dict:
        data = super().service_data()
        common = [
            {
                "call_indicator_id": e.form.call_indicator_id.data,
                "baseline_value": e.form.baseline_value.data or "",
                "target_value": e.form.target_value.data or "",
            }
            for e in self.chosen()
        ]
        data["indicators"] = common + data["indicators"]
        return data

    def resolve(self, key: str):
        parts = key.split("-")
        if len(parts) == 3 and parts[0] == "indicators" and parts[1].isdigit():
            index, sub = int(parts[1]), parts[2]
            chosen = self.chosen()
            if index < len(chosen):
                sub = "selected" if sub == "call_indicator_id" else sub
                return chosen[index].form._fields.get(sub)
            return super().resolve(f"indicators-{index - len(chosen)}-{sub}")
        return super().resolve(key)


class BudgetForm(StepForm):
    lists = ("expenses", "resources")
    expenses = FieldList(FormField(ExpenseRow), max_entries=200)
    resources = FieldList(FormField(ResourceRow), max_entries=200)


def initial_data(dossier) -> dict:
    """The dossier as the step forms' `data=`."""
    return {
        "version": str(dossier.version),
        "title": dossier.title,
        "summary": dossier.summary,
        "main_axis": str(dossier.main_axis) if dossier.main_axis is not None else None,
        "other_axes": [str(n) for n in dossier.other_axes or []],
        "fields": list(dossier.fields or []),
        "themes": [t.code for t in dossier.themes],
        "targets": {_cell(t.category, t.age_band): str(t.count) for t in dossier.targets},
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
        "common": _common_rows(dossier),
        "indicators": [
            {
                "name": i.name,
                "unit": i.unit,
                "direction": i.direction or "up",
                "baseline_value": format_value_input(i.baseline_value),
                "target_value": format_value_input(i.target_value),
                "baseline": i.baseline,
                "target": i.target,
            }
            for i in dossier.indicators
            if i.call_indicator_id is None
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


def format_value_input(value) -> str:
    """Decimal('12.50') → '12,5', Decimal('8.00') → '8': the way people type it back."""
    if value is None:
        return ""
    text = f"{value:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",")


def _common_rows(dossier) -> list[dict]:
    """One row per common indicator of the call, ticked with its values if the dossier has it."""
    mine = {i.call_indicator_id: i for i in dossier.indicators if i.call_indicator_id}
    rows = []
    for ci in structured.call_indicators(dossier.call):
        i = mine.get(ci.id)
        rows.append(
            {
                "call_indicator_id": str(ci.id),
                "selected": i is not None,
                "baseline_value": format_value_input(i.baseline_value) if i else "",
                "target_value": format_value_input(i.target_value) if i else "",
            }
        )
    return rows
