"""Form fields shared by the areas, and the base form every page form derives from.

`PortalForm` applies the kernel's input rules (`portal.inputs`) to every text the person sent,
rows of FieldList/FormField included: a control character (or an over-long text, where the field
has a limit) is refused on its field. `validate()` includes the rule; views that hand the data
straight to a service call `check_input()` inside their `try` (the step and report forms do it in
`service_data()`), which raises a ServiceError keyed like the services' errors
(`title`, `partners-0-name`).
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import FieldList, FormField, HiddenField, SelectMultipleField, TextAreaField
from wtforms.validators import Length
from wtforms.widgets import CheckboxInput, ListWidget

from .errors import ServiceError
from .inputs import text_problem


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


# Fields whose text may span lines: a <textarea>, and hidden fields (which carry what a page
# computed, e.g. the CSV content of an import to confirm). Any other text field is one line.
MULTILINE = (TextAreaField, HiddenField)


def _limit(field, limits: dict, key: str) -> int | None:
    if key in limits:
        return limits[key]
    for validator in field.validators:
        if isinstance(validator, Length) and validator.max and validator.max > 0:
            return validator.max
    return None


def input_errors(form, limits: dict | None = None, prefix: str = "") -> dict[str, str]:
    """{service key: French message} for every text of `form` the input rules refuse."""
    limits = limits or {}
    errors: dict[str, str] = {}
    for name, field in form._fields.items():
        key = f"{prefix}{name}"
        if isinstance(field, FieldList):
            for index, entry in enumerate(field.entries):
                sub_prefix = f"{key}-{index}-"
                if isinstance(entry, FormField):
                    sub_limits = {
                        k[len(name) + 1 :]: v for k, v in limits.items() if k.startswith(f"{name}.")
                    }
                    errors.update(input_errors(entry.form, sub_limits, sub_prefix))
                else:
                    _check(entry, f"{key}-{index}", limits.get(name), errors)
        elif isinstance(field, FormField):
            errors.update(input_errors(field.form, {}, f"{key}-"))
        elif isinstance(field.data, str):
            _check(field, key, _limit(field, limits, name), errors)
        elif isinstance(field.data, (list, tuple)):
            for value in field.data:
                problem = text_problem(value, None, multiline=False)
                if problem:
                    errors[key] = problem
    return errors


def _check(field, key: str, limit: int | None, errors: dict) -> None:
    problem = text_problem(field.data, limit, multiline=isinstance(field, MULTILINE))
    if problem:
        errors[key] = problem


class PortalForm(FlaskForm):
    """The base of every form: the input rules on every text field, once.

    `limits` maps a field name (or `list.sub` for a row field) to its maximum length, where the
    service does not already say it (see `portal.inputs.column_limit`)."""

    limits: dict[str, int] = {}

    def input_errors(self) -> dict[str, str]:
        return input_errors(self, self.limits)

    def check_input(self) -> None:
        """Raise a ServiceError (400) naming each refused field; nothing is saved."""
        errors = self.input_errors()
        if errors:
            if len(errors) == 1:  # one field: its message, and its name (views read exc.field)
                field, message = next(iter(errors.items()))
                raise ServiceError(message, field=field, errors=errors)
            raise ServiceError(
                "Le formulaire n'a pas été enregistré : corrigez les champs signalés.",
                errors=errors,
            )

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for key, message in self.input_errors().items():
            field = self._resolve_key(key)
            if field is not None and message not in (field.errors or []):
                field.errors = list(field.errors or []) + [message]
            valid = False
        self._errors = None  # wtforms caches form.errors
        return valid

    def _resolve_key(self, key: str):
        parts = key.split("-")
        field = self._fields.get(parts[0])
        rest = parts[1:]
        while field is not None and rest:
            if isinstance(field, FieldList) and rest[0].isdigit():
                index = int(rest.pop(0))
                field = field.entries[index] if index < len(field.entries) else None
            elif isinstance(field, FormField):
                field = field.form._fields.get(rest.pop(0))
            else:
                return None
        return field
