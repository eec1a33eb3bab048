"""/coordination/lettres: the MLDS coordinator composes La Lettre — list, compose, preview
(exactly what will be published), publish after a confirmation, correct by a new version."""

from __future__ import annotations

from flask import render_template, request, url_for
from flask_login import current_user, login_required

from portal.errors import Conflict, ServiceError
from portal.permissions import Permission
from portal.web import confirmation_page, confirmed, done, form_summary, load, refused, status_of

from ..forms import ActionForm, LetterForm
from ..models import LetterIssue
from ..services import letter, letter_content
from . import bp


def publish_consequences(issue: LetterIssue) -> list[str]:
    return [
        f"Le numéro {issue.number} (version {issue.version}) devient public dans les archives "
        "de la Lettre, en page et en PDF, tel que l'aperçu le montre.",
        "Il est envoyé par courriel à chaque abonné confirmé.",
        "Il ne pourra plus être modifié : une correction se fera par une nouvelle version.",
    ]


def _compose_page(form, issue=None, form_errors=None, status: int = 200):
    sheets = letter_content.public_sheets()
    form.sheets.choices = [(s.id, s.title or s.dossier.title) for s in sheets]
    return render_template(
        "outcomes/letter/compose.html",
        form=form,
        issue=issue,
        sheets=sheets,
        form_errors=form_errors,
    ), status


def _load(issue_id: int) -> LetterIssue:
    return load(LetterIssue, issue_id, Permission.COMPOSE_LETTER)


@bp.get("/coordination/lettres")
@login_required
def letter_issues():
    issues = letter.all_issues(current_user)
    return render_template("outcomes/letter/issues.html", issues=issues, action_form=ActionForm())


@bp.route("/coordination/lettres/nouvelle", methods=["GET", "POST"])
@login_required
def letter_new():
    letter.all_issues(current_user)  # the permission check, before anything is shown
    form = LetterForm()
    if not form.is_submitted():
        form.number.data = letter.next_number()
    form.sheets.choices = [(s.id, "") for s in letter_content.public_sheets()]
    if not form.is_submitted():
        return _compose_page(form)
    if not form.validate():
        return _compose_page(form, form_errors=form_summary(form), status=400)
    try:
        issue = letter.create(current_user, form.service_data())
    except ServiceError as exc:
        return _compose_page(form, form_errors=refused(exc, form), status=status_of(exc))
    return done(
        "Brouillon enregistré. Vérifiez l'aperçu avant de publier.",
        url_for("outcomes.letter_preview", issue_id=issue.id),
    )


@bp.route("/coordination/lettres/<int:issue_id>", methods=["GET", "POST"])
@login_required
def letter_edit(issue_id: int):
    issue = _load(issue_id)
    if issue.published:
        raise Conflict(letter.FROZEN)
    form = LetterForm() if request.method == "POST" else LetterForm(obj=issue)
    if request.method != "POST":
        form.sheets.data = [link.sheet_id for link in issue.sheets]
        return _compose_page(form, issue)
    form.sheets.choices = [(s.id, "") for s in letter_content.public_sheets()]
    if not form.validate():
        return _compose_page(form, issue, form_summary(form), 400)
    try:
        letter.update(current_user, issue, form.service_data())
    except ServiceError as exc:
        return _compose_page(form, issue, refused(exc, form), status_of(exc))
    return done(
        "Brouillon enregistré. Vérifiez l'aperçu avant de publier.",
        url_for("outcomes.letter_preview", issue_id=issue.id),
    )


@bp.get("/coordination/lettres/<int:issue_id>/apercu")
@login_required
def letter_preview(issue_id: int):
    issue = _load(issue_id)
    content = letter_content.build(issue) if not issue.published else issue.content
    from .letter_public import shown

    return render_template(
        "outcomes/letter/preview.html",
        issue=issue,
        content=shown(content),
        action_form=ActionForm(),
        consequences=publish_consequences(issue),
    )


@bp.post("/coordination/lettres/<int:issue_id>/publier")
@login_required
def letter_publish(issue_id: int):
    issue = _load(issue_id)
    form = ActionForm()
    if not form.validate():
        raise ServiceError("Le formulaire a expiré : rechargez la page et recommencez.")
    if issue.published:
        raise Conflict("Ce numéro est déjà publié.")
    if not confirmed():
        return confirmation_page(
            f"Publier le numéro {issue.number} de la Lettre ?",
            publish_consequences(issue),
            button="Confirmer la publication",
            cancel_url=url_for("outcomes.letter_preview", issue_id=issue.id),
        )
    sent = letter.publish(current_user, issue)
    return done(
        f"Le numéro {issue.number} est publié ; {sent} courriel(s) partent aux abonnés.",
        url_for("outcomes.letter_version", number=issue.number, version=issue.version),
    )


@bp.post("/coordination/lettres/<int:issue_id>/nouvelle-version")
@login_required
def letter_new_version(issue_id: int):
    issue = _load(issue_id)
    if not ActionForm().validate():
        raise ServiceError("Le formulaire a expiré : rechargez la page et recommencez.")
    draft = letter.new_version(current_user, issue)
    return done(
        f"Version {draft.version} du numéro {draft.number} créée : corrigez-la, puis publiez-la.",
        url_for("outcomes.letter_edit", issue_id=draft.id),
    )
