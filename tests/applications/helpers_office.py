"""Helpers of the call office's tests: a varied set of submitted dossiers."""

from __future__ import annotations

from decimal import Decimal

from applications import services
from portal.db import db
from portal.models import EstablishmentKind, Role

from ..conftest import complete_data


def submitted(
    world,
    factory,
    *,
    name=None,
    department="86",
    kind=EstablishmentKind.lgt,
    network=None,
    priority="",
    commune="Poitiers",
    title="Projet d'essai",
    axis=2,
    fields=("prevention", "intervention"),
    region="3000.00",
    call=None,
    themes=(),
):
    """One submitted dossier of a new establishment (its head made it)."""
    est = factory.establishment(kind=kind, department=department, name=name, network=network)
    est.priority_education = priority
    est.commune = commune
    head = factory.user(Role.applicant_head, establishment=est)
    dossier = factory.dossier(call or world.call, head)
    data = complete_data()
    data.update(title=title, main_axis=axis, fields=list(fields))
    if themes:
        data["themes"] = list(themes)  # codes of the reference list
    data["resources"][0]["amount"] = region
    data["expenses"][0]["amount"] = str(Decimal(region) + 3000)  # the budget stays balanced
    services.update_dossier(head, dossier, data)
    for attachment_kind in dossier.call.required_attachment_kinds:
        from ..conftest import PDF_BYTES

        services.add_attachment(head, dossier, "piece.pdf", PDF_BYTES, kind_id=attachment_kind.id)
    services.submit_dossier(head, dossier)
    db.session.flush()
    dossier.head = head
    return dossier


def references(page: str, dossiers) -> set[str]:
    """The references of `dossiers` that appear in `page`."""
    return {d.reference for d in dossiers if d.reference in page}
