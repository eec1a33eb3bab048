"""The stepper: one page per section of the dossier, each saved on its own, then the summary."""

from __future__ import annotations

from decimal import Decimal

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from portal.calls.deadlines import late_contact
from portal.db import db, utcnow
from portal.errors import Conflict, NotFound, ServiceError
from portal.formatting import parse_amount
from portal.permissions import Permission, can
from portal.web import refused

from .. import services
from ..forms import (
    ActionsForm,
    AttachmentForm,
    AxesForm,
    BudgetForm,
    IndicatorsForm,
    PartnersForm,
    PresentationForm,
    initial_data,
)
from ..models import Dossier
from .blueprint import bp
from .common import SAVED, form_labels, load_dossier

# (slug, title, form class or None): the stepper, in order.
STEPS = [
    ("presentation", "Présentation", PresentationForm),
    ("axes-et-public", "Axes et public", AxesForm),
    ("partenaires", "Partenaires", PartnersForm),
    ("actions", "Actions et calendrier", ActionsForm),
    ("indicateurs", "Indicateurs", IndicatorsForm),
    ("budget", "Budget", BudgetForm),
    ("pieces-jointes", "Pièces jointes", None),
    ("recapitulatif", "Récapitulatif et dépôt", None),
]
STEP_SLUGS = [s[0] for s in STEPS]
# Where each blocker of services.submission_blockers is fixed.
ANCHOR_STEPS = {
    "title": "presentation",
    "summary": "presentation",
    "main_axis": "axes-et-public",
    "other_axes": "axes-et-public",
    "fields": "axes-et-public",
    "target_count": "axes-et-public",
    "partners": "partenaires",
    "actions": "actions",
    "indicators": "indicateurs",
    "expenses": "budget",
    "resources": "budget",
    "attachments": "pieces-jointes",
}


def blocker_links(dossier: Dossier, blockers) -> list[tuple[str | None, str]]:
    """(url to the step and field that fixes it, message)."""
    out = []
    for anchor, message in blockers:
        step = ANCHOR_STEPS.get(anchor)
        url = None
        if step:
            url = url_for("applications.step", dossier_id=dossier.id, step=step, _anchor=anchor)
        out.append((url, message))
    return out


def step_context(dossier: Dossier, slug: str, **extra) -> dict:
    index = STEP_SLUGS.index(slug)
    blockers = services.submission_blockers(dossier)
    ctx = {
        "dossier": dossier,
        "steps": STEPS,
        "step": slug,
        "step_index": index,
        "step_title": STEPS[index][1],
        "next_step": STEPS[index + 1] if index + 1 < len(STEPS) else None,
        # Past the deadline nothing in the dossier can be corrected: said apart, with whom to ask.
        "too_late": [m for a, m in blockers if a == services.DEADLINE],
        "late_contact": late_contact(),
        "blockers": blocker_links(dossier, [b for b in blockers if b[0] != services.DEADLINE]),
        # The blockers this step can fix, shown as a reminder on the step itself.
        "step_blockers": [(a, m) for a, m in blockers if ANCHOR_STEPS.get(a) == slug],
        "labels": form_labels(),
        "now": utcnow(),
    }
    ctx.update(extra)
    return ctx


def _budget_totals(form: BudgetForm) -> dict:
    """Totals of what the form shows (typed values included), ignoring unreadable amounts."""

    def total(name):
        out = Decimal("0.00")
        for entry in form[name].entries:
            try:
                out += parse_amount(entry.form.amount.data or "0")
            except ValueError:
                pass
        return out

    expenses, resources = total("expenses"), total("resources")
    return {"expenses": expenses, "resources": resources, "difference": resources - expenses}


def _target_total(form: AxesForm) -> int:
    """The sum of the table as shown (typed values included), unreadable cells left out."""
    total = 0
    for _, cells in form.target_rows():
        for _, field in cells:
            text = (field.data or "").strip()
            total += int(text) if text.isdigit() else 0
    return total


@bp.route("/<int:dossier_id>/etape/<step>", methods=["GET", "POST"])
@login_required
def step(dossier_id: int, step: str):
    dossier = load_dossier(dossier_id)
    if step not in STEP_SLUGS:
        raise NotFound()
    form_cls = STEPS[STEP_SLUGS.index(step)][2]
    if request.method == "POST":
        if form_cls is None:
            abort(405)
        return _save_step(dossier, step, form_cls)
    if not can(current_user, Permission.EDIT_DOSSIER, dossier):
        flash(
            f"Ce dossier est « {dossier.status_label} » : il ne peut pas être modifié.", "warning"
        )
        return redirect(url_for("applications.detail", dossier_id=dossier.id))
    if step == "pieces-jointes":
        return attachments_page(dossier)
    if step == "recapitulatif":
        return render_template("applications/step.html", **step_context(dossier, step, form=None))
    form = form_cls(formdata=None, data=initial_data(dossier))
    form.add_blank_rows(2)
    return _render_step(dossier, step, form)


def _render_step(dossier, step, form, status=200, **extra):
    if isinstance(form, AxesForm):
        form.set_axes(dossier.call)
        form.set_themes(t.code for t in dossier.themes)
        extra["target_total"] = _target_total(form)
    if isinstance(form, PartnersForm):
        form.set_kinds()
    if isinstance(form, IndicatorsForm):
        form.set_call(dossier.call)
    if isinstance(form, BudgetForm):
        extra["totals"] = _budget_totals(form)
    return render_template(
        "applications/step.html", **step_context(dossier, step, form=form, **extra)
    ), status


def _save_step(dossier: Dossier, step: str, form_cls):
    form = form_cls()
    try:
        form.check_input()
        services.update_dossier(
            current_user, dossier, form.service_data(), expected_version=form.expected_version()
        )
    except ServiceError as exc:
        refused(exc)  # rolls back; 403 and 404 go on to the error page
        if isinstance(exc, Conflict):
            return _render_step(dossier, step, form, 409, conflict=exc.message)
        # Rows of repeatable lists ("partners-0-name") are tied to their fields by the form.
        errors = form.attach_errors(exc.errors or {"__all__": exc.message})
        return _render_step(dossier, step, form, 400, form_errors=errors)
    db.session.commit()
    flash(SAVED, "success")
    index = STEP_SLUGS.index(step)
    if request.form.get("action") == "next" and index + 1 < len(STEPS):
        step = STEP_SLUGS[index + 1]
    return redirect(url_for("applications.step", dossier_id=dossier.id, step=step))


# ---------------------------------------------------------------- the attachments step


def attachments_page(
    dossier: Dossier, form: AttachmentForm | None = None, status: int = 200, form_errors=None
):
    if form is None:
        form = AttachmentForm(formdata=None)
    form.set_kinds(dossier.call)
    return render_template(
        "applications/step.html",
        **step_context(
            dossier, "pieces-jointes", form=form, form_errors=form_errors, max_mb=_max_upload_mb()
        ),
    ), status


def _max_upload_mb() -> str:
    size = current_app.config["MAX_UPLOAD_BYTES"]
    if size >= 1024 * 1024:
        return f"{size // (1024 * 1024)} Mo"
    return f"{max(1, size // 1024)} Ko"
