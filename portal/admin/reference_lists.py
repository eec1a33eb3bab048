"""The reference lists the platform admin maintains: themes and partner kinds (portal.reference).
Add, rename, position, deactivate — never delete: dossiers keep the codes they used, and an
inactive item is no longer offered. Checks permissions, audits, flushes (the view commits once);
a refusal changes nothing and names its field."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func, select

from portal import audit
from portal.db import db
from portal.errors import ServiceError
from portal.inputs import length_problem
from portal.models import User
from portal.permissions import Permission, require
from portal.reference import PartnerKind, Theme


@dataclass(frozen=True)
class ReferenceList:
    slug: str  # in the URL
    model: type
    title: str  # "Thèmes"
    one: str  # "thème"
    code_limit: int
    examples: str


LISTS = {
    "themes": ReferenceList("themes", Theme, "Thèmes des projets", "thème", 40, "numerique, sante"),
    "types-de-partenaires": ReferenceList(
        "types-de-partenaires",
        PartnerKind,
        "Types de partenaires",
        "type de partenaire",
        30,
        "cio, mission_locale",
    ),
}
CODE = re.compile(r"^[a-z0-9_]+$")
LABEL_LIMIT = 120


def items_of(ref: ReferenceList) -> list:
    return list(db.session.scalars(select(ref.model).order_by(ref.model.position, ref.model.id)))


def _label(ref: ReferenceList, value, item, errors: dict) -> str:
    label = str(value or "").strip()
    problem = length_problem(label, LABEL_LIMIT)
    if not label:
        errors["label"] = "Indiquez le libellé."
    elif problem:
        errors["label"] = problem
    else:
        same = db.session.scalar(
            select(ref.model).where(func.lower(ref.model.label) == label.lower())
        )
        if same is not None and same is not item:
            errors["label"] = f"Le libellé « {label} » est déjà dans la liste."
    return label


def _position(value, errors: dict) -> int | None:
    text = str(value if value is not None else "").strip()
    if not text:
        return None
    if not re.fullmatch(r"\d{1,4}", text):
        errors["position"] = "La position est un nombre entier entre 0 et 9999."
        return None
    return int(text)


def add_item(user: User, ref: ReferenceList, data: dict):
    require(user, Permission.MANAGE_ESTABLISHMENTS)
    errors: dict[str, str] = {}
    code = str(data.get("code") or "").strip().lower()
    if not code:
        errors["code"] = "Indiquez le code (lettres minuscules sans accent, chiffres, _)."
    elif len(code) > ref.code_limit or not CODE.match(code):
        errors["code"] = (
            f"Le code s'écrit en lettres minuscules sans accent, chiffres et _ "
            f"({ref.code_limit} caractères au plus ; exemple : {ref.examples})."
        )
    elif db.session.scalar(select(ref.model).where(ref.model.code == code)) is not None:
        errors["code"] = f"Le code « {code} » existe déjà."
    label = _label(ref, data.get("label"), None, errors)
    position = _position(data.get("position"), errors)
    if errors:
        raise ServiceError(
            f"Le {ref.one} n'a pas été ajouté : corrigez les champs signalés.", errors=errors
        )
    if position is None:
        position = (db.session.scalar(select(func.max(ref.model.position))) or 0) + 1
    item = ref.model(code=code, label=label, position=position, active=True)
    db.session.add(item)
    db.session.flush()
    audit.record(user, f"{ref.model.__tablename__}_created", item, {"code": code, "label": label})
    return item


def update_item(user: User, ref: ReferenceList, item, data: dict):
    """Rename, position, (de)activate: the code never changes (dossiers keep it)."""
    require(user, Permission.MANAGE_ESTABLISHMENTS)
    errors: dict[str, str] = {}
    label = _label(ref, data.get("label"), item, errors)
    position = _position(data.get("position"), errors)
    if errors:
        raise ServiceError(
            f"Le {ref.one} n'a pas été enregistré : corrigez les champs signalés.", errors=errors
        )
    changes = {"label": label, "active": bool(data.get("active"))}
    if position is not None:
        changes["position"] = position
    before = {k: getattr(item, k) for k in changes}
    for key, value in changes.items():
        setattr(item, key, value)
    diff = audit.diff(before, changes)
    if diff:
        audit.record(user, f"{ref.model.__tablename__}_updated", item, diff)
    db.session.flush()
    return item
