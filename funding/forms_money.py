"""Forms of the officers' money pages: commit again, payments, reductions, clawbacks.

Fields are plain strings: funding/services.py parses and checks every value (French amounts,
dates, references) and names the faulty field, so the views only carry the message back.
Each field has its own HTML id, as several forms share one page.
"""
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from .models import PAYMENT_KIND_LABELS, PaymentKind

AMOUNT_HINT = "En euros, par exemple 1 234,50"
DATE_HINT = "Format : JJ/MM/AAAA"


class CommitAgainForm(FlaskForm):
    """Commit a decision's part that an envelope refused (after raising the envelope)."""
    funder = HiddenField()


class PaymentForm(FlaskForm):
    kind = SelectField("Type de paiement", id="payment-kind",
                       choices=[SelectChoice(k.value, PAYMENT_KIND_LABELS[k])
                                for k in (PaymentKind.advance, PaymentKind.instalment,
                                          PaymentKind.balance)],
                       description="Le solde se verse après validation du bilan final")
    amount = StringField("Montant versé", id="payment-amount", description=AMOUNT_HINT)
    paid_on = StringField("Date du paiement", id="payment-paid_on", description=DATE_HINT)
    reference = StringField("Référence du paiement (numéro de mandat)", id="payment-reference",
                            description="Unique pour le financeur, 50 caractères au plus")


class ReduceForm(FlaskForm):
    amount = StringField("Nouveau montant engagé", id="reduce-amount",
                         description=f"{AMOUNT_HINT} ; 0 annule l'engagement")
    reason = TextAreaField("Motif de la réduction ou de l'annulation", id="reduce-reason",
                           description="Conservé dans l'historique de l'engagement")
    version = HiddenField(id="reduce-version")


class ClawbackForm(FlaskForm):
    amount = StringField("Montant à reverser", id="clawback-amount", description=AMOUNT_HINT)
    reason = TextAreaField("Motif du reversement", id="clawback-reason",
                           description="Conservé dans l'historique de l'engagement")


class SettleForm(FlaskForm):
    """One per open clawback on the page: `for_clawback` gives its fields ids of their own."""
    settled_on = StringField("Date de réception", description=DATE_HINT)
    reference = StringField("Référence du titre de recette ou du virement reçu")

    def for_clawback(self, clawback_id: int) -> "SettleForm":
        self.settled_on.id = f"settle-{clawback_id}-settled_on"
        self.reference.id = f"settle-{clawback_id}-reference"
        return self
