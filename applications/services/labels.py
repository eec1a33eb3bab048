"""The call office's labels ("à relancer", "partenariat à vérifier"): defined for one call or for
every call, set on and removed from dossiers. Internal: only call administrators read them
(Permission.LABEL_DOSSIER); nothing the establishment reads (pages, API, exports) shows them."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import and_, delete, or_, select
from sqlalchemy.orm import joinedload

from portal import audit
from portal.db import db
from portal.errors import NotFound, ServiceError
from portal.models import Call, User
from portal.permissions import Permission, require

from ..models import Dossier, DossierLabel, Label
from ..policy import require_dossier

NAME_LENGTH = 60


def labels_for_calls(call_ids: Iterable[int] | None = None) -> list[Label]:
    """The global labels and those of the given calls (of every call when None), by name."""
    query = select(Label).options(joinedload(Label.call)).order_by(Label.name, Label.id)
    if call_ids is not None:
        query = query.where(or_(Label.call_id.is_(None), Label.call_id.in_(list(call_ids))))
    return list(db.session.scalars(query))


def labels_of(dossier_ids: Iterable[int]) -> dict[int, list[Label]]:
    """{dossier id: its labels, by name}, in one query."""
    ids = list(dossier_ids)
    result: dict[int, list[Label]] = {i: [] for i in ids}
    if not ids:
        return result
    rows = db.session.execute(
        select(DossierLabel.dossier_id, Label)
        .join(Label, Label.id == DossierLabel.label_id)
        .where(DossierLabel.dossier_id.in_(ids))
        .order_by(Label.name)
    )
    for dossier_id, label in rows:
        result[dossier_id].append(label)
    return result


def dossier_labels(dossier: Dossier) -> tuple[list[Label], list[Label]]:
    """(the dossier's labels, the labels it may be given: the global ones and its call's), each
    by name, in one query (`labels_of` and `labels_for_calls` for one dossier)."""
    link = and_(DossierLabel.label_id == Label.id, DossierLabel.dossier_id == dossier.id)
    of_call = or_(Label.call_id.is_(None), Label.call_id == dossier.call_id)
    rows = db.session.execute(
        select(Label, DossierLabel.dossier_id.is_not(None), of_call)
        .outerjoin(DossierLabel, link)
        .where(or_(of_call, DossierLabel.dossier_id.is_not(None)))
        .options(joinedload(Label.call))
        .order_by(Label.name, Label.id)
    ).all()
    return [label for label, linked, _ in rows if linked], [
        label for label, _, choice in rows if choice
    ]


def create_label(user: User, name: str, call: Call | None = None) -> Label:
    """A new label, for `call` or (None) for every call; the same name twice is refused."""
    require(user, Permission.MANAGE_LABELS, call)
    name = " ".join((name or "").split())
    if not name:
        raise ServiceError("Donnez un nom à l'étiquette.", field="name")
    if len(name) > NAME_LENGTH:
        raise ServiceError(
            f"Le nom d'une étiquette fait au plus {NAME_LENGTH} caractères.", field="name"
        )
    scope = Label.call_id.is_(None) if call is None else Label.call_id == call.id
    taken = db.session.scalar(
        select(Label.id).where(scope, Label.name == name)
    ) or db.session.scalar(select(Label.id).where(Label.call_id.is_(None), Label.name == name))
    if taken:
        raise ServiceError(f"L'étiquette « {name} » existe déjà.", field="name")
    label = Label(name=name, call_id=call.id if call else None, created_by_id=user.id)
    db.session.add(label)
    db.session.flush()
    audit.record(user, "label_created", label, {"name": name, "call_id": label.call_id})
    return label


def delete_label(user: User, label: Label) -> None:
    """Remove a label from the portal (and from every dossier carrying it)."""
    require(user, Permission.MANAGE_LABELS, label.call)
    audit.record(user, "label_deleted", label, {"name": label.name})
    db.session.execute(delete(DossierLabel).where(DossierLabel.label_id == label.id))
    db.session.delete(label)
    db.session.flush()


def get_label(label_id) -> Label:
    label = db.session.get(Label, label_id) if label_id else None
    if label is None:
        raise ServiceError("Choisissez une étiquette de la liste.", field="label")
    return label


def _usable(label: Label, dossier: Dossier) -> None:
    if label.call_id is not None and label.call_id != dossier.call_id:
        raise ServiceError(
            f"L'étiquette « {label.name} » appartient à un autre appel à projets que le dossier "
            f"{dossier.reference}.",
            field="label",
        )


def set_label(user: User, dossier: Dossier, label: Label) -> bool:
    """Put `label` on the dossier; False when it was already there (nothing changes)."""
    require_dossier(user, Permission.LABEL_DOSSIER, dossier)
    _usable(label, dossier)
    if db.session.get(DossierLabel, (dossier.id, label.id)) is not None:
        return False
    db.session.add(DossierLabel(dossier_id=dossier.id, label_id=label.id, set_by_id=user.id))
    db.session.flush()
    # Recorded on the label, not the dossier: a dossier's history shown to its establishment
    # must not carry it.
    audit.record(user, "label_set", label, {"dossier_id": dossier.id, "label": label.name})
    return True


def remove_label(user: User, dossier: Dossier, label: Label) -> None:
    require_dossier(user, Permission.LABEL_DOSSIER, dossier)
    link = db.session.get(DossierLabel, (dossier.id, label.id))
    if link is None:
        raise NotFound()
    db.session.delete(link)
    db.session.flush()
    audit.record(user, "label_removed", label, {"dossier_id": dossier.id, "label": label.name})
