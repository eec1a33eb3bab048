"""marshmallow schemas of the core (calls, establishments, errors) and the input helper of the API.

Output schemas list their fields explicitly; input schemas refuse unknown fields, and
`load_input` turns marshmallow's English messages into a French ServiceError (400).
"""

from __future__ import annotations

import re

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from .db import utcnow
from .errors import ServiceError
from .inputs import CONTROL_MESSAGE, control_problem, length_problem
from .models import CALL_STATUS_LABELS, FIELDS, KIND_LABELS

# marshmallow's messages → French, for API clients' end users.
_FRENCH = {
    "Unknown field.": "Champ inconnu.",
    "Missing data for required field.": "Champ obligatoire.",
    "Field may not be null.": "Ce champ ne peut pas être null.",
    "Not a valid string.": "Texte attendu.",
    "Not a valid integer.": "Nombre entier attendu.",
    "Not a valid number.": "Nombre attendu.",
    "Not a valid boolean.": "Booléen attendu (true ou false).",
    "Not a valid list.": "Liste attendue.",
    "Not a valid date.": "Date invalide : format AAAA-MM-JJ attendu (par exemple 2014-11-03).",
    "Not a valid mapping type.": "Objet attendu.",
    "Invalid type.": "Objet attendu.",
    "Invalid input type.": "Objet JSON attendu.",
    "Invalid value.": "Valeur invalide.",
    "Number too large.": "Nombre trop grand.",
}


class InputSchema(Schema):
    """Base of every API input schema: unknown fields are an error, never silently dropped."""

    class Meta:
        unknown = RAISE


class TextLength(validate.Length):
    """`validate.Length(max=…)` saying it the portal's way: "50 caractères au plus, vous en avez
    saisi 51." (the OpenAPI document still shows maxLength). Never truncates."""

    def __init__(self, max: int):
        super().__init__(max=max)

    def __call__(self, value):
        problem = length_problem(value, self.max)
        if problem:
            raise ValidationError(problem)
        return value


class Amount(fields.Field):
    """An amount as a JSON string ("1234.50", "1 234,50") or number; the service parses it."""

    default_error_messages = {
        "invalid": 'Montant attendu : une chaîne comme "1234.50" ou un nombre.'
    }

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise self.make_error("invalid")
        return value


def _flatten(errors, prefix: str = "") -> dict[str, str]:
    """{"expenses": {0: {"amount": ["…"]}}} → {"expenses-0-amount": "…"} (the services' naming)."""
    out: dict[str, str] = {}
    if isinstance(errors, dict):
        for key, value in errors.items():
            if key == "_schema":  # a problem with the whole object, not one of its fields
                name = prefix or "__all__"
            else:
                name = f"{prefix}-{key}" if prefix else str(key)
            out.update(_flatten(value, name))
    elif isinstance(errors, list):
        if all(isinstance(m, str) for m in errors):
            out[prefix or "__all__"] = " ".join(_french(m) for m in errors)
        else:
            for item in errors:
                out.update(_flatten(item, prefix))
    else:
        out[prefix or "__all__"] = _french(str(errors))
    return out


def _french(message: str) -> str:
    if message in _FRENCH:
        return _FRENCH[message]
    match = re.match(r"Longer than maximum length (\d+)\.", message)
    if match:
        return f"Au plus {match.group(1)} caractères."
    match = re.match(r"Must be one of: (.*)\.", message)
    if match:
        return f"Valeur attendue parmi : {match.group(1)}."
    return message


def control_errors(data, prefix: str = "") -> dict[str, str]:
    """The kernel's control-character rule on every string of a payload, keys included,
    recursively; keys name the field's path the services' way (`actions-0-title`).
    TAB, LF and CR pass: a JSON string does not say whether it is one line or several."""
    errors: dict[str, str] = {}
    if isinstance(data, dict):
        for key, value in data.items():
            name = f"{prefix}-{key}" if prefix else str(key)
            if control_problem(key) or control_problem(value):
                errors[name] = CONTROL_MESSAGE
            else:
                errors.update(control_errors(value, name))
    elif isinstance(data, (list, tuple)):
        for index, value in enumerate(data):
            name = f"{prefix}-{index}" if prefix else str(index)
            if control_problem(value):
                errors[prefix or "__all__"] = CONTROL_MESSAGE
            else:
                errors.update(control_errors(value, name))
    elif control_problem(data):
        errors[prefix or "__all__"] = CONTROL_MESSAGE
    return errors


def load_input(schema: Schema, data) -> dict:
    """Validate a JSON body (or form) with `schema`; raise a French ServiceError listing the problems."""
    if data is None:
        raise ServiceError(
            "Le corps de la requête doit être un objet JSON "
            "(en-tête Content-Type: application/json)."
        )
    controls = control_errors(data)
    if controls:
        raise ServiceError(
            next(iter(controls.values()))
            if len(controls) == 1
            else "La requête est invalide : corrigez les champs signalés.",
            errors=controls,
        )
    try:
        return schema.load(data)
    except ValidationError as exc:
        errors = _flatten(exc.messages)
        unknown = sorted(name for name, msg in errors.items() if msg == "Champ inconnu.")
        if unknown:
            message = (
                ("Champ inconnu : " if len(unknown) == 1 else "Champs inconnus : ")
                + ", ".join(unknown)
                + "."
            )
        else:
            message = "La requête est invalide : corrigez les champs signalés."
        raise ServiceError(message, errors=errors) from None


# ---------------------------------------------------------------- output schemas


class ErrorSchema(Schema):
    error = fields.String(metadata={"description": "Message en français."})
    errors = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        metadata={"description": "Champ → message, quand plusieurs champs sont en cause."},
    )


class AxisSchema(Schema):
    number = fields.Integer()
    label = fields.String()


class AttachmentKindSchema(Schema):
    id = fields.Integer()
    label = fields.String()
    required = fields.Boolean()


class CallSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    school_year = fields.String(metadata={"example": "2014-2015"})
    status = fields.Method(
        "get_status",
        metadata={"type": "string", "description": "État effectif (la date limite clôt l'appel)."},
    )
    status_label = fields.Method("get_status_label", metadata={"type": "string"})
    themes = fields.String()
    fields_ = fields.List(
        fields.String(),
        data_key="fields",
        attribute="fields",
        metadata={"description": "Champs d'action : " + ", ".join(FIELDS)},
    )
    eligible_kinds = fields.List(fields.String())
    opens_at = fields.DateTime()
    deadline_at = fields.DateTime()
    accepts_submissions = fields.Method("get_accepts", metadata={"type": "boolean"})
    max_amount = fields.Decimal(as_string=True, places=2, metadata={"example": "15000.00"})
    advance_rate = fields.Decimal(
        as_string=True, places=2, metadata={"description": "Taux d'avance en pourcentage."}
    )
    axes = fields.List(fields.Nested(AxisSchema))
    attachment_kinds = fields.List(fields.Nested(AttachmentKindSchema))

    def get_status(self, call):
        return call.effective_status(utcnow()).value

    def get_status_label(self, call):
        return CALL_STATUS_LABELS[call.effective_status(utcnow())]

    def get_accepts(self, call):
        return call.accepts_submissions(utcnow())


class EstablishmentSchema(Schema):
    id = fields.Integer()
    uai = fields.String(metadata={"example": "0860034V"})
    name = fields.String()
    kind = fields.Method("get_kind", metadata={"type": "string"})
    kind_label = fields.Method("get_kind_label", metadata={"type": "string"})
    public = fields.Boolean()
    department_code = fields.String()
    commune = fields.String()
    priority_education = fields.String(metadata={"description": '"", REP ou REP+'})
    network = fields.Method("get_network", metadata={"type": "string", "nullable": True})

    def get_kind(self, est):
        return est.kind.value

    def get_kind_label(self, est):
        return KIND_LABELS[est.kind]

    def get_network(self, est):
        return est.network.name if est.network else None


class TodoItemSchema(Schema):
    """One thing that waits for the person (portal/todo.py)."""

    kind = fields.String(metadata={"description": "Sorte de tâche (ex. draft_to_submit)."})
    label = fields.String(metadata={"description": "Ce qu'il y a à faire, en français."})
    url = fields.String(metadata={"description": "Page où le faire."})
    due = fields.DateTime(allow_none=True, metadata={"description": "Échéance (UTC), ou null."})
    due_text = fields.String(metadata={"description": "L'échéance en toutes lettres (Paris)."})
    late = fields.Boolean(metadata={"description": "Échéance dépassée."})
    count = fields.Integer(metadata={"description": "Nombre d'objets concernés."})
