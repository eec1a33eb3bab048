"""A dossier's thread (messages between its establishment and the call office), the inbox of
threads, and the dossier's history tab."""

from __future__ import annotations

from flask import render_template, request, url_for
from flask_login import current_user, login_required

from portal.db import db
from portal.errors import NotFound, ServiceError
from portal.permissions import Permission
from portal.storage import send_stored
from portal.web import done, load, refused

from .. import services
from ..forms import MessageForm
from ..models import Message
from ..policy import side_of
from .blueprint import bp
from .common import load_dossier
from .steps import _max_upload_mb


def _thread_page(dossier, form, status: int = 200, form_errors=None):
    entries = services.thread_of(current_user, dossier)
    if status == 200:
        # Seen now: the unread flags above were computed before, so the page still shows them.
        services.mark_read(current_user, dossier)
        db.session.commit()
    return render_template(
        "applications/thread.html",
        dossier=dossier,
        entries=entries,
        form=form,
        form_errors=form_errors,
        side=side_of(current_user, dossier),
        max_mb=_max_upload_mb(),
        tab="messages",
    ), status


@bp.get("/messages")
@login_required
def inbox():
    return render_template("applications/inbox.html", threads=services.inbox(current_user))


@bp.get("/<int:dossier_id>/messages")
@login_required
def thread(dossier_id: int):
    dossier = load_dossier(dossier_id, Permission.USE_THREAD)
    return _thread_page(dossier, MessageForm(formdata=None))


@bp.post("/<int:dossier_id>/messages")
@login_required
def post_message(dossier_id: int):
    dossier = load_dossier(dossier_id, Permission.USE_THREAD)
    form = MessageForm()
    upload = request.files.get("file")
    filename = upload.filename if upload else ""
    data = upload.read() if upload else b""
    try:
        form.check_input()
        services.post_message(current_user, dossier, form.body.data or "", filename, data)
    except ServiceError as exc:
        summary = refused(exc, form)
        return _thread_page(dossier, form, 400, form_errors=summary)
    return done(
        "Votre message a été envoyé.", url_for("applications.thread", dossier_id=dossier.id)
    )


@bp.get("/<int:dossier_id>/messages/<int:message_id>/piece")
@login_required
def message_attachment(dossier_id: int, message_id: int):
    dossier = load_dossier(dossier_id, Permission.USE_THREAD)
    message = load(Message, message_id)
    if message.dossier_id != dossier.id or message.attachment_key is None:
        raise NotFound()
    return send_stored(
        services.read_message_attachment(current_user, message),
        mimetype=message.attachment_content_type,
        filename=message.attachment_filename,
        size=message.attachment_size,
    )


@bp.get("/<int:dossier_id>/historique")
@login_required
def history(dossier_id: int):
    dossier = load_dossier(dossier_id)
    return render_template(
        "applications/history.html",
        dossier=dossier,
        events=services.history_of(current_user, dossier),
        tab="history",
    )
