"""The establishment's dossiers, and the submitted dossiers a member of staff may read."""

from __future__ import annotations

from flask import render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.db import db
from portal.models import ACADEMY_DEPARTMENTS, FIELDS, EstablishmentKind
from portal.pagecache import cached_page
from portal.pagination import paginate
from portal.permissions import Permission, can

from .. import services
from ..forms import BulkForm
from ..models import STATUS_LABELS, Dossier, DossierStatus
from ..policy import visible_dossiers
from ..services import listing
from .blueprint import bp


@bp.get("/")
@login_required
def index():
    dossiers = []
    if current_user.establishment_id is not None:
        dossiers = (
            db.session.scalars(
                select(Dossier)
                .where(
                    visible_dossiers(current_user),
                    Dossier.establishment_id == current_user.establishment_id,
                )
                .options(joinedload(Dossier.call))
                .order_by(Dossier.updated_at.desc(), Dossier.id.desc())
            )
            .unique()
            .all()
        )
    calls = services.open_calls() if can(current_user, Permission.CREATE_DOSSIER) else []
    return render_template("applications/index.html", dossiers=dossiers, calls=calls)


@bp.get("/deposes")
@login_required
@cached_page
def submitted():
    """Submitted dossiers the user may read: searched, filtered, sorted and counted in SQL, a
    constant number of queries whatever the number of dossiers."""
    return render_template("applications/submitted.html", **list_context(request.args))


def list_context(args, **extra) -> dict:
    """The list page's context for these GET parameters (`extra`: a refused bulk form)."""
    filters = listing.Filters.parse(args, current_user)
    counts = listing.status_counts(current_user, filters)
    total = None  # the counts per status apply every other filter: they hold the total
    if not listing.hides_status(current_user):
        total = (
            counts.get(DossierStatus(filters.statut), 0) if filters.statut else sum(counts.values())
        )
    result = paginate(
        listing.list_rows(current_user, filters), args.get("page"), total=total, rows=True
    )
    result.items = listing.as_rows(result.items, current_user._get_current_object())
    office = can(current_user, Permission.MANAGE_LABELS)
    office_labels = services.labels_for_calls() if office else []
    calls, axes, networks, themes = listing.filter_choices()
    ctx = {
        "dossiers": result.items,
        "result": result,
        "filters": filters,
        "statuses": [
            (s.value, STATUS_LABELS[s], counts.get(s, 0))
            for s in DossierStatus
            if s != DossierStatus.draft
        ],
        "status_choices": [(s.value, s.label) for s in DossierStatus if s != DossierStatus.draft],
        "all_count": sum(counts.values()) if counts else result.total,
        "status_hidden": listing.hides_status(current_user),
        "axes": axes,
        "departments": sorted(ACADEMY_DEPARTMENTS.items()),
        "calls": calls,
        "networks": networks,
        "kinds": [(k.value, k.label) for k in EstablishmentKind],
        "fields": list(FIELDS.items()),
        "themes": themes,
        "priorities": listing.PRIORITY_CHOICES,
        "extra_filters": listing.extra_filters(),
        "office": office,
        "labels": office_labels,
        "label_choices": [(label.id, label.name) for label in office_labels],
        "dossier_labels": services.labels_of(d.id for d in result.items) if office else {},
        "bulk_form": BulkForm(formdata=None),
        # each row's link: this prefix and the dossier's id (one URL built, not one per row)
        "detail_prefix": url_for("applications.detail", dossier_id=0)[:-1],
        "form_errors": [],
    }
    ctx.update(extra)
    return ctx
