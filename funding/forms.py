"""The funding area's forms: envelopes (budget pages), the agreement and the final report (grant
pages), commitments, payments and clawbacks (money pages).

Fields are plain strings: the services parse and check every value (French amounts, dates,
references) and name the faulty field, so the views only carry the message back (portal.web.refused;
the report form's nested rows with `attach_errors`). Fields of forms sharing a page have their own
HTML ids.
"""

from __future__ import annotations

from wtforms import (
    BooleanField,
    FieldList,
    FileField,
    Form,
    FormField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice

from applications.models import EXPENSE_CATEGORIES
from portal.formatting import format_decimal
from portal.forms import PortalForm
from portal.models import INSTITUTION_LABELS, Institution
from portal.reference import OUTCOMES, YOUNG_CATEGORIES

from .models import PaymentKind
from .services.report_outcomes import CONSENT_LABEL

AMOUNT_HINT = "En euros, par exemple 1 234,50"
DATE_HINT = "Format : JJ/MM/AAAA"


# ---------------------------------------------------------------- budget pages


class EnvelopeForm(PortalForm):
    """Amounts stay text: `funding.services.set_envelope` parses them the French way and says
    what is wrong on the field. `version` is the envelope's version when the page was shown."""

    funder = RadioField(
        "Financeur",
        choices=[SelectChoice(i.value, INSTITUTION_LABELS[i]) for i in Institution],
        validate_choice=False,
    )
    department_code = SelectField(
        "Département (facultatif)",
        validate_choice=False,
        description="Laissez « Tous les départements » pour "
        "l'enveloppe globale ou une enveloppe par axe.",
    )
    axis_number = SelectField(
        "Axe (facultatif)",
        validate_choice=False,
        description="Laissez « Tous les axes » pour l'enveloppe globale ou "
        "une enveloppe par département.",
    )
    amount = StringField(
        "Montant de l'enveloppe",
        description="En euros, par exemple 150 000,00 ; au moins ce qui est déjà engagé",
    )
    version = HiddenField()

    def set_scopes(self, departments, axes) -> None:
        self.department_code.choices = [SelectChoice("", "Tous les départements")] + [
            SelectChoice(code, f"{code} – {name}") for code, name in departments
        ]
        self.axis_number.choices = [SelectChoice("", "Tous les axes")] + [
            SelectChoice(str(axis.number), f"Axe {axis.number} – {axis.label}") for axis in axes
        ]


# ---------------------------------------------------------------- grant pages


class GenerateAgreementForm(PortalForm):
    report_due_on = StringField(
        "Date limite de dépôt du bilan final", description="Format : JJ/MM/AAAA, dans le futur"
    )


class SignedAgreementForm(PortalForm):
    file = FileField("Convention signée (PDF)")


class SignatureForm(PortalForm):
    signed_on = StringField(
        "Date de signature de la convention",
        description="Format : JJ/MM/AAAA ; ni dans le futur, ni avant la "
        "génération de la convention",
    )


class IndicatorRow(Form):
    achieved = StringField("Valeur atteinte")


class ExpenseRow(Form):
    category = HiddenField()
    amount = StringField("Montant dépensé")
    label = StringField("Précisions")


def _counts(vocabulary: dict) -> type[Form]:
    """One count per key of a vocabulary (ids `reach-at_risk`, `outcomes-unknown`…)."""
    return type("Counts", (Form,), {key: StringField(label) for key, label in vocabulary.items()})


ReachRow = _counts(YOUNG_CATEGORIES)
OutcomeRow = _counts(OUTCOMES)
COUNT_GROUPS = ("reach", "outcomes")


class ReportForm(PortalForm):
    actions_carried_out = TextAreaField(
        "Actions menées",
        description="Ce qui a été réalisé, avec qui, quand ; les écarts avec le projet déposé.",
    )
    reach = FormField(ReachRow)
    outcomes = FormField(OutcomeRow)
    indicators = FieldList(FormField(IndicatorRow))
    expenses = FieldList(FormField(ExpenseRow))
    publication_consent = BooleanField(CONSENT_LABEL)

    @classmethod
    def for_report(cls, report, dossier, formdata=None) -> ReportForm:
        """The form filled from the saved report (or empty), one row per indicator of the
        dossier and one per expense category; `formdata` re-displays what was posted."""
        spent = {e.category: e for e in (report.expenses if report else [])}
        indicators = report.indicators if report else dossier.indicators
        reach = {r.category: r.count for r in (report.reach if report else [])}
        outcomes = {o.outcome: o.count for o in (report.outcomes if report else [])}
        data = {
            "actions_carried_out": report.actions_carried_out if report else "",
            "reach": {k: str(reach[k]) if k in reach else "" for k in YOUNG_CATEGORIES},
            "outcomes": {k: str(outcomes[k]) if k in outcomes else "" for k in OUTCOMES},
            "indicators": [{"achieved": _achieved(ind)} for ind in indicators],
            "expenses": [
                {
                    "category": key,
                    "amount": format_decimal(spent[key].amount, 2) if key in spent else "",
                    "label": spent[key].label if key in spent else "",
                }
                for key in EXPENSE_CATEGORIES
            ],
            "publication_consent": bool(report and report.publication_consent),
        }
        return cls(formdata=formdata, data=data)

    def service_data(self) -> dict:
        """What the services take; `publication_consent` only when ticked (the form gives it,
        withdrawing has its own confirmed button)."""
        self.check_input()
        data = {
            "actions_carried_out": self.actions_carried_out.data or "",
            "reach": {k: self.reach[k].data or "" for k in YOUNG_CATEGORIES},
            "outcomes": {k: self.outcomes[k].data or "" for k in OUTCOMES},
            "indicators": [entry.form.achieved.data or "" for entry in self.indicators.entries],
            "expenses": [
                {
                    "category": entry.form.category.data or "",
                    "amount": entry.form.amount.data or "",
                    "label": entry.form.label.data or "",
                }
                for entry in self.expenses.entries
            ],
        }
        if self.publication_consent.data:
            data["publication_consent"] = True
        return data

    def attach_errors(self, errors: dict) -> list[tuple[str, str]]:
        """Put each service error on its field; returns (field id, message) for the summary."""
        summary = []
        for key, message in errors.items():
            field = self._field(key)
            if field is not None:
                field.errors = list(field.errors or []) + [message]
                summary.append((field.id, message))
            else:
                summary.append((key if key in ("expenses", *COUNT_GROUPS) else "", message))
        return summary

    def _field(self, key: str):
        if key in ("actions_carried_out", "publication_consent"):
            return self[key]
        parts = key.split("-")
        if len(parts) == 2 and parts[0] in COUNT_GROUPS and parts[1] in self[parts[0]].form._fields:
            return self[parts[0]][parts[1]]
        if len(parts) == 3 and parts[0] in ("indicators", "expenses") and parts[1].isdigit():
            entries = self[parts[0]].entries
            index = int(parts[1])
            if index < len(entries) and parts[2] in entries[index].form._fields:
                return entries[index].form[parts[2]]
        return None


def _achieved(row) -> str:
    """What the value field shows: the number achieved (French), or an older row's text."""
    value = getattr(row, "achieved_value", None)
    if value is not None:
        return format_decimal(value, 0 if value == value.to_integral_value() else 2)
    return getattr(row, "achieved", "")


class ReportAttachmentForm(PortalForm):
    file = FileField("Pièce justificative")


class CorrectionsForm(PortalForm):
    message = TextAreaField(
        "Corrections demandées",
        description="Ce que l'établissement doit corriger ; le message lui "
        "est envoyé par courriel.",
    )


class ConfirmForm(PortalForm):
    """A button-only form (CSRF token only): validation, removal of a document."""


# ---------------------------------------------------------------- money pages


class CommitAgainForm(PortalForm):
    """Commit a decision's part that an envelope refused (after raising the envelope)."""

    funder = HiddenField()


class PaymentForm(PortalForm):
    kind = SelectField(
        "Type de paiement",
        id="payment-kind",
        choices=[
            SelectChoice(k.value, k.label)
            for k in (PaymentKind.advance, PaymentKind.instalment, PaymentKind.balance)
        ],
        description="Le solde se verse après validation du bilan final",
    )
    amount = StringField("Montant versé", id="payment-amount", description=AMOUNT_HINT)
    paid_on = StringField("Date du paiement", id="payment-paid_on", description=DATE_HINT)
    reference = StringField(
        "Référence du paiement (numéro de mandat)",
        id="payment-reference",
        description="Unique pour le financeur, 50 caractères au plus",
    )


class ReduceForm(PortalForm):
    amount = StringField(
        "Nouveau montant engagé",
        id="reduce-amount",
        description=f"{AMOUNT_HINT} ; 0 annule l'engagement",
    )
    reason = TextAreaField(
        "Motif de la réduction ou de l'annulation",
        id="reduce-reason",
        description="Conservé dans l'historique de l'engagement",
    )
    version = HiddenField(id="reduce-version")
    # a cancellation (0) is final: it is carried out only once confirmed (confirm = "1")
    confirm = HiddenField(id="reduce-confirm")


class CancelForm(PortalForm):
    """Cancelling a commitment outright (the amount 0): its own form on the commitment page, whose
    button opens the confirmation modal; posted to the same route as ReduceForm."""

    amount = HiddenField(id="cancel-amount", default="0")
    reason = TextAreaField(
        "Motif de l'annulation",
        id="cancel-reason",
        description="Conservé dans l'historique de l'engagement",
    )
    version = HiddenField(id="cancel-version")
    confirm = HiddenField(id="cancel-confirm")


class ClawbackForm(PortalForm):
    amount = StringField("Montant à reverser", id="clawback-amount", description=AMOUNT_HINT)
    reason = TextAreaField(
        "Motif du reversement",
        id="clawback-reason",
        description="Conservé dans l'historique de l'engagement",
    )


class SettleForm(PortalForm):
    """One per open clawback on the page: `for_clawback` gives its fields ids of their own."""

    settled_on = StringField("Date de réception", description=DATE_HINT)
    reference = StringField("Référence du titre de recette ou du virement reçu")

    def for_clawback(self, clawback_id: int) -> SettleForm:
        self.settled_on.id = f"settle-{clawback_id}-settled_on"
        self.reference.id = f"settle-{clawback_id}-reference"
        return self
