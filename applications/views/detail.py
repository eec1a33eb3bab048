"""The dossier's page, and what is done from it: withdrawal, a request for completion."""

from __future__ import annotations

from flask import render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload, selectinload

from portal.db import utcnow
from portal.errors import ServiceError
from portal.models import Call, User
from portal.pagecache import cached_page
from portal.permissions import Permission, can, require
from portal.web import confirmation_page, confirmed, done, refused

from .. import services, workflow
from ..forms import CompletionRequestForm, DossierLabelForm, WithdrawForm
from ..models import Attachment, Dossier, Submission
from ..services import labels
from ..signals import panels_of
from .blueprint import bp
from .common import form_labels, load_dossier, next_action


def detail_context(dossier: Dossier, **extra) -> dict:
    """The dossier page's context; the panels of higher areas (screening, decision) come through
    `applications.signals.dossier_panels`, and `extra` overrides any of it (a refused form)."""
    panels, panel_context = panels_of(dossier, current_user)
    ctx = {
        "dossier": dossier,
        **panel_context,
        "panels": panels,
        "completion_form": (
            extra.pop("completion_form", None) or CompletionRequestForm(formdata=None)
        ),
        "withdraw_form": WithdrawForm(formdata=None),
        "labels": form_labels(),
        "withdraw_consequences": WITHDRAW_CONSEQUENCES,
        "now": utcnow(),
        "next_step_text": next_action(dossier),
    }
    if can(current_user, Permission.LABEL_DOSSIER, dossier):
        labels_set, choices = labels.dossier_labels(dossier)
        ctx["office_labels"] = {
            "form": extra.pop("label_form", None) or DossierLabelForm(formdata=None),
            "set": labels_set,
            "choices": choices,
        }
    ctx.update(extra)
    return ctx


# What the withdrawal's confirmation (modal and page) says becomes final.
WITHDRAW_CONSEQUENCES = [
    "Le retrait est définitif : le dossier ne pourra plus être modifié ni déposé à nouveau.",
    "Il ne sera ni instruit ni financé ; l'établissement en est prévenu par courriel.",
]


# What the page reads of the dossier, loaded with it: its call (and the call's few axes) and its
# establishment, its completion requests (a handful at most: joined too), its submissions with
# who made them (not their roles), its attachments with their kinds.
PAGE_LOADS = (
    joinedload(Dossier.call).joinedload(Call.axes),
    joinedload(Dossier.establishment),
    joinedload(Dossier.completion_requests),
    selectinload(Dossier.submissions).joinedload(Submission.submitted_by).lazyload(User.grants),
    selectinload(Dossier.attachments).joinedload(Attachment.kind),
)


@bp.get("/<int:dossier_id>")
@login_required
@cached_page
def detail(dossier_id: int):
    dossier = load_dossier(dossier_id, options=PAGE_LOADS)
    return render_template("applications/detail.html", **detail_context(dossier))


@bp.post("/<int:dossier_id>/retirer")
@login_required
def withdraw(dossier_id: int):
    dossier = load_dossier(dossier_id)
    form = WithdrawForm()
    form.check_input()
    if not confirmed():
        workflow.next_state(dossier, "withdraw")  # a dossier past withdrawal: 409, no question
        require(current_user, Permission.WITHDRAW_DOSSIER, dossier)
        return confirmation_page(
            f"Retirer le dossier « {dossier.title or dossier.reference or 'sans titre'} » ?",
            WITHDRAW_CONSEQUENCES,
            button="Confirmer le retrait",
            cancel_url=url_for("applications.detail", dossier_id=dossier.id),
            keep=("reason",),
        )
    services.withdraw_dossier(current_user, dossier, form.reason.data or "")
    return done("Le dossier a été retiré.", url_for("applications.detail", dossier_id=dossier.id))


@bp.post("/<int:dossier_id>/complements")
@login_required
def request_completion(dossier_id: int):
    dossier = load_dossier(dossier_id)
    form = CompletionRequestForm()
    try:
        form.check_input()
        services.request_completion(current_user, dossier, form.message.data or "")
    except ServiceError as exc:
        if exc.status == 409:
            raise
        refused(exc)
        form.message.errors = [exc.message]
        return render_template(
            "applications/detail.html",
            **detail_context(
                dossier, completion_form=form, form_errors=[(form.message.id, exc.message)]
            ),
        ), 400
    return done(
        "La demande de compléments a été envoyée à l'établissement ; le dossier est "
        "« À compléter ».",
        url_for("applications.detail", dossier_id=dossier.id),
    )
