"""FOQUALE networks (Formation–Qualification–Emploi), administered in the portal: a name, a
département, and the member establishments (of that département). Checks permissions, changes
models, audits; flushes, never commits (the view commits once). A refusal changes nothing and
names each field."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from portal import audit
from portal.db import db
from portal.errors import ServiceError
from portal.models import ACADEMY_DEPARTMENTS, Establishment, Network, User
from portal.permissions import Permission, require

from .services import ensure_department

NAME_LIMIT = 120
MAX_MEMBERS = 500


def list_networks() -> list[tuple[Network, list[Establishment]]]:
    """Every network with its members, by département then name (two queries)."""
    networks = list(
        db.session.scalars(select(Network).order_by(Network.department_code, Network.name))
    )
    members: dict[int, list[Establishment]] = {n.id: [] for n in networks}
    for est in db.session.scalars(
        select(Establishment)
        .where(Establishment.network_id.is_not(None))
        .order_by(Establishment.name)
    ):
        members.setdefault(est.network_id, []).append(est)
    return [(n, members[n.id]) for n in networks]


def members_of(network: Network) -> list[Establishment]:
    return list(
        db.session.scalars(
            select(Establishment)
            .where(Establishment.network_id == network.id)
            .order_by(Establishment.uai)
        )
    )


def _members(text: str, department: str | None, errors: dict) -> list[Establishment]:
    codes = sorted({c.upper() for c in re.split(r"[\s,;]+", text or "") if c})
    if len(codes) > MAX_MEMBERS:
        errors["members"] = f"Un réseau compte au plus {MAX_MEMBERS} établissements."
        return []
    found = (
        {
            e.uai: e
            for e in db.session.scalars(select(Establishment).where(Establishment.uai.in_(codes)))
        }
        if codes
        else {}
    )
    unknown = [c for c in codes if c not in found]
    if unknown:
        errors["members"] = "UAI inconnus du portail : " + ", ".join(unknown) + "."
        return []
    if department:
        elsewhere = [e for e in found.values() if e.department_code != department]
        if elsewhere:
            errors["members"] = (
                "Un réseau FOQUALE réunit des établissements de son département ("
                f"{department}) ; ne le sont pas : "
                + ", ".join(f"{e.name} ({e.uai}, {e.department_code})" for e in elsewhere)
                + "."
            )
            return []
    return [found[c] for c in codes]


def save_network(actor: User, network: Network | None, data: dict) -> Network:
    """Create (network None) or change a network: name, département, members (UAIs)."""
    require(actor, Permission.MANAGE_ESTABLISHMENTS)
    errors: dict[str, str] = {}
    name = (data.get("name") or "").strip()
    if not name:
        errors["name"] = "Indiquez le nom du réseau."
    elif len(name) > NAME_LIMIT:
        errors["name"] = f"Le nom fait au plus {NAME_LIMIT} caractères."
    else:
        taken = db.session.scalar(
            select(Network.id).where(
                func.lower(Network.name) == name.lower(),
                Network.id != (network.id if network is not None else -1),
            )
        )
        if taken:
            errors["name"] = f"Un réseau s'appelle déjà « {name} »."
    department = data.get("department_code") or ""
    if department not in ACADEMY_DEPARTMENTS:
        errors["department_code"] = "Choisissez l'un des quatre départements de l'académie."
        department = None
    members = _members(data.get("members", ""), department, errors)
    if errors:
        raise ServiceError(
            "Le réseau n'a pas été enregistré : corrigez les champs signalés.", errors=errors
        )
    before = (
        {
            "name": network.name,
            "department_code": network.department_code,
            "members": [e.uai for e in members_of(network)],
        }
        if network is not None
        else {}
    )
    ensure_department(department)
    if network is None:
        network = Network(name=name, department_code=department)
        db.session.add(network)
        db.session.flush()
    network.name, network.department_code = name, department
    wanted = {e.id for e in members}
    for est in members_of(network):
        if est.id not in wanted:
            est.network_id = None
    for est in members:
        est.network_id = network.id
    db.session.flush()
    after = {"name": name, "department_code": department, "members": sorted(e.uai for e in members)}
    audit.record(
        actor,
        "network_created" if not before else "network_updated",
        network,
        audit.diff(before, after),
    )
    return network
