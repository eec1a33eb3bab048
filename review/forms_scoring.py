"""Forms of the scoring screen: the grid is data, so its form class is built from the criteria."""
from __future__ import annotations

from decimal import Decimal

from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, StringField, TextAreaField
from wtforms.validators import Optional

from .models import OPINION_LABELS


def _fr(number) -> str:
    """0 → "0", 2.5 → "2,5" (no trailing zeros, French decimal comma)."""
    value = Decimal(str(number)).normalize()
    return format(value, "f").replace(".", ",")


class _ReviewFormBase(FlaskForm):
    version = HiddenField()
    opinion = RadioField("Avis général", choices=[(o.value, label) for o, label in
                                                  OPINION_LABELS.items()],
                         validators=[Optional()], validate_choice=False)
    proposed_amount = StringField("Montant proposé (facultatif)",
                                  description="En euros, par exemple 4 500,00.",
                                  validators=[Optional()])
    comment = TextAreaField("Commentaire général", validators=[Optional()])

    criteria: list = []

    def service_data(self) -> dict:
        """The posted answers in the shape `review.scoring.save_review` takes."""
        data = {"scores": {}, "flags": {}, "comments": {}, "opinion": self.opinion.data or None,
                "proposed_amount": self.proposed_amount.data or "",
                "comment": self.comment.data or ""}
        for criterion in self.criteria:
            if criterion.scoring:
                data["scores"][criterion.id] = self[f"score_{criterion.id}"].data or ""
            else:
                data["flags"][criterion.id] = self[f"flag_{criterion.id}"].data or ""
            data["comments"][criterion.id] = self[f"comment_{criterion.id}"].data or ""
        return data

    def attach_errors(self, errors: dict) -> None:
        for name, message in errors.items():
            if name in self:
                self[name].errors = [message]

    def error_list(self) -> list[tuple[str, str]]:
        return [(self[name].id, field.errors[0]) for name, field in self._fields.items()
                if field.errors]


def review_form(criteria, review=None, **kwargs) -> _ReviewFormBase:
    """A form for this grid: per criterion a score (or a yes/no) and a comment.

    Field names: score_<criterion id>, flag_<id>, comment_<id>; with `review`, starts from its
    saved answers (unless a post is being read).
    """
    attrs = {"criteria": list(criteria)}
    for criterion in criteria:
        if criterion.scoring:
            attrs[f"score_{criterion.id}"] = StringField(
                f"Note de « {criterion.label} »",
                description=f"Entre {_fr(criterion.scale_min)} et {_fr(criterion.scale_max)}, "
                            "deux décimales au plus (par exemple 3,5)"
                            + ("" if criterion.required else " ; facultative") + ".",
                validators=[Optional()])
        else:
            attrs[f"flag_{criterion.id}"] = RadioField(
                f"Réponse pour « {criterion.label} »", choices=[("yes", "Oui"), ("no", "Non")],
                validators=[Optional()], validate_choice=False)
        attrs[f"comment_{criterion.id}"] = TextAreaField(
            f"Commentaire sur « {criterion.label} »", validators=[Optional()])
    form_class = type("ReviewForm", (_ReviewFormBase,), attrs)
    data = None
    if review is not None:
        data = {"version": str(review.version),
                "opinion": review.opinion.value if review.opinion else None,
                "proposed_amount": _fr(review.proposed_amount) if review.proposed_amount is not None
                else "",
                "comment": review.comment}
        for score in review.scores:
            if score.value is not None:
                data[f"score_{score.criterion_id}"] = _fr(score.value.normalize()
                                                          if score.value == score.value.to_integral()
                                                          else score.value)
            if score.flag is not None:
                data[f"flag_{score.criterion_id}"] = "yes" if score.flag else "no"
            data[f"comment_{score.criterion_id}"] = score.comment
    return form_class(data=data, **kwargs)


class ReopenForm(FlaskForm):
    reason = TextAreaField("Motif de la réouverture (transmis à l'évaluateur)",
                           validators=[Optional()])
