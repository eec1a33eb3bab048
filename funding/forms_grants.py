"""Forms of the grant pages: the agreement (generation, signed copy, signature) and the final report.

The forms parse and re-display what was typed; the rules live in funding.agreements and
funding.reports, whose ServiceError.errors are attached back to the fields (`attach_errors`).
"""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import FieldList, FileField, Form, FormField, HiddenField, StringField, TextAreaField

from applications.models import EXPENSE_CATEGORIES


class GenerateAgreementForm(FlaskForm):
    report_due_on = StringField("Date limite de dépôt du bilan final",
                                description="Format : JJ/MM/AAAA, dans le futur")


class SignedAgreementForm(FlaskForm):
    file = FileField("Convention signée (PDF)")


class SignatureForm(FlaskForm):
    signed_on = StringField("Date de signature de la convention",
                            description="Format : JJ/MM/AAAA ; ni dans le futur, ni avant la "
                                        "génération de la convention")


class IndicatorRow(Form):
    achieved = StringField("Valeur atteinte")


class ExpenseRow(Form):
    category = HiddenField()
    amount = StringField("Montant dépensé")
    label = StringField("Précisions")


class ReportForm(FlaskForm):
    actions_carried_out = TextAreaField("Actions menées",
                                        description="Ce qui a été réalisé, avec qui, quand ; les "
                                                    "écarts avec le projet déposé.")
    young_reached = StringField("Nombre de jeunes touchés",
                                description="Nombre entier, 0 ou plus")
    indicators = FieldList(FormField(IndicatorRow))
    expenses = FieldList(FormField(ExpenseRow))

    @classmethod
    def for_report(cls, report, dossier, formdata=None) -> ReportForm:
        """The form filled from the saved report (or empty), one row per indicator of the
        dossier and one per expense category; `formdata` re-displays what was posted."""
        spent = {e.category: e for e in (report.expenses if report else [])}
        indicators = report.indicators if report else dossier.indicators
        data = {
            "actions_carried_out": report.actions_carried_out if report else "",
            "young_reached": "" if report is None or report.young_reached is None
            else str(report.young_reached),
            "indicators": [{"achieved": getattr(ind, "achieved", "")} for ind in indicators],
            "expenses": [{"category": key,
                          "amount": _typed(spent[key].amount) if key in spent else "",
                          "label": spent[key].label if key in spent else ""}
                         for key in EXPENSE_CATEGORIES],
        }
        return cls(formdata=formdata, data=data)

    def service_data(self) -> dict:
        return {
            "actions_carried_out": self.actions_carried_out.data or "",
            "young_reached": self.young_reached.data or "",
            "indicators": [entry.form.achieved.data or "" for entry in self.indicators.entries],
            "expenses": [{"category": entry.form.category.data or "",
                          "amount": entry.form.amount.data or "",
                          "label": entry.form.label.data or ""}
                         for entry in self.expenses.entries],
        }

    def attach_errors(self, errors: dict) -> list[tuple[str, str]]:
        """Put each service error on its field; returns (field id, message) for the summary."""
        summary = []
        for key, message in errors.items():
            field = self._field(key)
            if field is not None:
                field.errors = list(field.errors or []) + [message]
                summary.append((field.id, message))
            else:
                summary.append((key if key in ("expenses",) else "", message))
        return summary

    def _field(self, key: str):
        if key in ("actions_carried_out", "young_reached"):
            return self[key]
        parts = key.split("-")
        if len(parts) == 3 and parts[0] in ("indicators", "expenses") and parts[1].isdigit():
            entries = self[parts[0]].entries
            index = int(parts[1])
            if index < len(entries) and parts[2] in entries[index].form._fields:
                return entries[index].form[parts[2]]
        return None


def _typed(amount) -> str:
    """An amount as a person types it: 1234,50."""
    return f"{amount:.2f}".replace(".", ",")


class ReportAttachmentForm(FlaskForm):
    file = FileField("Pièce justificative")


class CorrectionsForm(FlaskForm):
    message = TextAreaField("Corrections demandées",
                            description="Ce que l'établissement doit corriger ; le message lui "
                                        "est envoyé par courriel.")


class ConfirmForm(FlaskForm):
    """A button-only form (CSRF token only): validation, removal of a document."""
