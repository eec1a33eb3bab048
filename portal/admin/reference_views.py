"""Administration pages of the reference lists (themes, partner kinds): the list with one form
per item (label, position, active) and the form to add one."""

from __future__ import annotations

from flask import abort, render_template, url_for
from flask_login import current_user, login_required
from wtforms import BooleanField, StringField

from portal.db import db
from portal.errors import ServiceError
from portal.forms import PortalForm
from portal.permissions import Permission, require
from portal.web import REFUSED, done, refused

from . import reference_lists as services
from .views import bp


class ItemForm(PortalForm):
    label = StringField("Libellé")
    position = StringField("Position", description="Ordre d'affichage (nombre entier).")
    active = BooleanField("Proposé dans les dossiers")


class NewItemForm(PortalForm):
    code = StringField(
        "Code", description="Lettres minuscules sans accent, chiffres et _ ; il ne change plus."
    )
    label = StringField("Libellé")
    position = StringField(
        "Position", description="Facultatif : à la fin de la liste si vide (nombre entier)."
    )


def _list(slug: str) -> services.ReferenceList:
    require(current_user, Permission.MANAGE_ESTABLISHMENTS)
    return services.LISTS.get(slug) or abort(404)


def _render(ref, forms=None, new_form=None, summary=None, status=200):
    items = services.items_of(ref)
    forms = forms or {}
    rows = []
    for item in items:
        form = forms.get(item.id)
        if form is None:
            form = ItemForm(formdata=None, prefix=f"item-{item.id}")
            form.label.data, form.position.data = item.label, str(item.position)
            form.active.data = item.active
        rows.append((item, form))
    return render_template(
        "admin/reference_list.html",
        ref=ref,
        lists=services.LISTS.values(),
        rows=rows,
        new_form=new_form or NewItemForm(formdata=None),
        summary=summary,
    ), status


@bp.get("/referentiels/<slug>")
@login_required
def reference_list(slug: str):
    return _render(_list(slug))


@bp.post("/referentiels/<slug>")
@login_required
def add_reference(slug: str):
    ref = _list(slug)
    form = NewItemForm()
    try:
        form.check_input()
        item = services.add_item(
            current_user,
            ref,
            {"code": form.code.data, "label": form.label.data, "position": form.position.data},
        )
    except ServiceError as exc:
        return _render(ref, new_form=form, summary=refused(exc, form), status=REFUSED)
    return done(f"« {item.label} » est ajouté à la liste.", url_for(".reference_list", slug=slug))


@bp.post("/referentiels/<slug>/<int:item_id>")
@login_required
def update_reference(slug: str, item_id: int):
    ref = _list(slug)
    item = db.session.get(ref.model, item_id) or abort(404)
    form = ItemForm(prefix=f"item-{item_id}")
    try:
        form.check_input()
        services.update_item(
            current_user,
            ref,
            item,
            {"label": form.label.data, "position": form.position.data, "active": form.active.data},
        )
    except ServiceError as exc:
        summary = refused(exc, form)
        return _render(ref, forms={item_id: form}, summary=summary, status=REFUSED)
    return done(f"« {item.label} » est enregistré.", url_for(".reference_list", slug=slug))
