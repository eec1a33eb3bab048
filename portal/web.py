"""The boundary of every page: load-or-404 with the permission check, service errors mapped onto
form fields, one status for a refused form, one commit per request.

    dossier = load(Dossier, dossier_id, Permission.VIEW_DOSSIER)       # 404 / 403 as the policy says
    try:
        services.do_something(current_user, dossier, form.data)
    except ServiceError as exc:
        return render_template("page.html", form=form, form_errors=refused(exc, form)), status_of(exc)
    return done("Enregistré.", url_for(...))

An irreversible action asks first (`confirmed()`, `confirmation_page()`, templates/_confirm.html):

    if not confirmed():
        return confirmation_page("Retirer le dossier ?", ["Le retrait est définitif."], ...)
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request
from flask_login import current_user

from .db import db
from .errors import NotFound, ServiceError
from .permissions import Permission, require, require_readable, view_permission

# A form or a body the rules refused: the same status in pages and in the API.
REFUSED = 400


def load(
    model,
    ident,
    permission: Permission | None = None,
    *,
    user=None,
    dossier: bool = False,
    hide: bool = False,
    options=(),
):
    """The row `ident` of `model`, or NotFound (404); then, when `permission` is given, the policy's
    check on it: an object whose model registered a view permission (a dossier: see
    `permissions.register_view_permission`) answers 404 to whoever may not read it, otherwise 403
    (404 with `hide=True`, when even the object's existence is confidential). `dossier=True` is
    kept for callers that say so explicitly: it asks for that same "readable" rule. `options`:
    loader options (what to load with the row, in the same query)."""
    obj = db.session.get(model, ident, options=list(options)) if ident is not None else None
    if obj is None:
        raise NotFound()
    if permission is not None:
        who = current_user if user is None else user
        if not hide and (dossier or view_permission(obj) is not None):
            require_readable(who, permission, obj)
        else:
            require(who, permission, obj, hide=hide)
    return obj


def status_of(exc: ServiceError) -> int:
    """409 for a conflict, REFUSED for a rule that refused the input."""
    return 409 if exc.status == 409 else REFUSED


def refused(exc: ServiceError, form=None) -> list[tuple[str, str]]:
    """Roll back; re-raise what is not the person's to correct (403, 404); tie each of the
    service's messages to its form field (appended to `field.errors`) and return the
    (anchor, message) pairs of the error summary."""
    db.session.rollback()
    if exc.status in (403, 404):
        raise exc
    summary: list[tuple[str, str]] = []
    for key, message in (exc.errors or {"": exc.message}).items():
        target = getattr(form, key, None) if form is not None and key else None
        if target is not None and hasattr(target, "errors"):
            target.errors = list(target.errors or []) + [message]
            summary.append((target.id, message))
        else:
            summary.append(("", message))
    return summary


def form_summary(form) -> list[tuple[str | None, str]]:
    """(anchor, first message) per field a form's own validation refused."""
    return [
        (getattr(form, name).id if hasattr(form, name) else None, messages[0])
        for name, messages in form.errors.items()
        if messages
    ]


def done(message: str, location: str, category: str = "success"):
    """Commit the request's work, flash what was done, redirect (post/redirect/get)."""
    db.session.commit()
    flash(message, category)
    return redirect(location)


# Irreversible actions: the form's confirmation field. The page's button opens a DSFR modal
# (templates/_confirm.html); without JavaScript it posts without the field and the view answers
# with `confirmation_page`. The server acts only on a post carrying the field.
CONFIRM_FIELD = "confirmed"


def confirmed() -> bool:
    """Whether the posted form carries the confirmation of an irreversible action."""
    return request.form.get(CONFIRM_FIELD) == "1"


def confirmation_page(
    title: str,
    consequences: list[str],
    *,
    button: str,
    cancel_url: str,
    keep: tuple[str, ...] = (),
):
    """The no-JavaScript confirmation of an irreversible action (200, nothing changed): what
    becomes final, and the same post again with the confirmation field and the `keep` fields the
    person had filled in. Call it after the permission checks, before acting."""
    db.session.rollback()
    fields = [(name, value) for name in keep for value in request.form.getlist(name)]
    return render_template(
        "_confirm_page.html",
        title=title,
        consequences=consequences,
        button=button,
        cancel_url=cancel_url,
        action=request.path,
        fields=fields,
        confirm_field=CONFIRM_FIELD,
    )
