"""Forms of the dossier pages other than the steps: attachments, creation, completion requests,
withdrawal, messages, the call office's list and labels (re-exported by applications.forms)."""

from __future__ import annotations

from wtforms import FileField, SelectChoice, SelectField, StringField, TextAreaField

from portal.forms import PortalForm

EMPTY_CHOICE = [SelectChoice("", "— Choisir —")]


def choices(pairs) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


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
