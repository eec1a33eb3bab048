"""Administration rules: invitations, account activation, establishments.

Services check permissions, change models and write the audit trail; the view commits.
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

from portal import audit
from portal import uai as uai_rules
from portal.auth import services as auth_services
from portal.db import db
from portal.errors import Conflict, ServiceError
from portal.mail import queue_mail
from portal.models import (
    ACADEMY_DEPARTMENTS,
    INSTITUTIONAL_ROLES,
    ROLE_LABELS,
    Department,
    Establishment,
    EstablishmentKind,
    Institution,
    Network,
    Role,
    RoleGrant,
    User,
)
from portal.pagination import Page, paginate
from portal.permissions import Permission, require
from portal.siret import validate_rna, validate_siret

PAGE_SIZE = 50
PRIORITY_VALUES = ("", "REP", "REP+")
STALE_MESSAGE = (
    "Cet établissement a été modifié par quelqu'un d'autre pendant que vous le "
    "modifiiez : vos changements n'ont pas été enregistrés. Rechargez la fiche pour "
    "voir la version actuelle, puis refaites vos modifications."
)


# ------------------------------------------------------------------ users


def invite_user(
    actor: User, *, email: str, full_name: str, roles: list[str], uai: str | None = None
) -> User:
    """Create an account without password and mail it a one-time invitation link."""
    require(actor, Permission.MANAGE_USERS)
    user = auth_services.create_user(
        actor, email=email, full_name=full_name, roles=roles, uai=(uai or "").strip() or None
    )
    token = auth_services.issue_link_token(user, "invitation")
    days = current_app.config["INVITATION_TOKEN_DAYS"]
    roles_text = ", ".join(sorted(ROLE_LABELS[g.role] for g in user.grants))
    queue_mail(
        user.email,
        "Invitation au portail de l'appel à projets décrochage scolaire",
        f"Bonjour {user.full_name},\n\n"
        f"{actor.full_name} vous a ouvert un compte sur le portail de l'appel à projets "
        f"de lutte contre le décrochage scolaire ({roles_text}"
        + (f", {user.establishment.name}" if user.establishment else "")
        + ").\n\n"
        f"Pour activer votre compte, choisissez votre mot de passe en ouvrant ce lien "
        f"(valable {days} jours, utilisable une seule fois) :\n"
        f"{auth_services.link_url(token, 'invitation')}\n",
    )
    audit.record(actor, "user_invited", user, {"email": user.email})
    return user


def set_user_active(actor: User, user: User, active: bool) -> None:
    """Activate or deactivate an account; an administrator cannot lock themself out."""
    require(actor, Permission.MANAGE_USERS)
    if user.id == actor.id and not active:
        raise ServiceError("Vous ne pouvez pas désactiver votre propre compte.")
    if user.active == active:
        return
    user.active = active
    if not active:
        auth_services.end_sessions(
            user
        )  # a later reactivation does not revive old sessions or tokens
    audit.record(
        actor,
        "user_activated" if active else "user_deactivated",
        user,
        {"active": [not active, active]},
    )


def search_users(actor: User, *, q: str = "", role: str = "", page: int = 1) -> Page:
    """Accounts matching the search (name, email) and role, 50 a page, counted and cut in SQL."""
    require(actor, Permission.MANAGE_USERS)
    stmt = select(User)
    q = (q or "").strip()
    if q:
        needle = q.lower()
        stmt = stmt.where(
            or_(
                func.lower(User.full_name).contains(needle, autoescape=True),
                func.lower(User.email).contains(needle, autoescape=True),
            )
        )
    if role:
        stmt = stmt.where(User.grants.any(RoleGrant.role == Role(role)))
    return paginate(
        stmt.options(joinedload(User.establishment)).order_by(func.lower(User.full_name), User.id),
        page,
        PAGE_SIZE,
    )


def grant_values(user: User) -> list[str]:
    """The user's grants as the role form's values: 'applicant_head', 'reviewer:region'…"""
    return sorted(
        g.role.value + (f":{g.institution.value}" if g.institution else "") for g in user.grants
    )


def _wanted_grants(roles: list[str]) -> list[tuple[Role, Institution | None]]:
    for text in roles:
        name, _, inst = text.partition(":")
        role = next((r for r in Role if r.value == name), None)
        if role in INSTITUTIONAL_ROLES and not inst:
            raise ServiceError(
                f"Le rôle « {ROLE_LABELS[role]} » s'exerce pour l'État ou pour la Région : "
                "cochez l'une des deux cases.",
                field="roles",
            )
    return sorted(set(auth_services.parse_grants(roles)), key=lambda g: (g[0].value, g[1] or ""))


def _other_active_admins(user: User) -> int:
    return db.session.scalar(
        select(func.count(User.id)).where(
            User.id != user.id,
            User.active.is_(True),
            User.grants.any(RoleGrant.role == Role.admin),
        )
    )


def update_user_access(actor: User, user: User, *, roles: list[str], uai: str | None) -> bool:
    """Replace the user's roles (with their institution) and establishment; False if unchanged.

    Refused, each tied to its field: an unknown role, an institutional role without its
    institution, an applicant without establishment, an unknown or closed UAI, an administrator
    taking away their own administration, or the portal's last active administrator losing it."""
    require(actor, Permission.MANAGE_USERS)
    grants = _wanted_grants(roles or [])
    uai = (uai or "").strip()
    establishment = None
    if uai:
        try:
            code = uai_rules.validate(uai)
        except ValueError as exc:
            raise ServiceError(str(exc), field="uai") from None
        establishment = db.session.scalar(select(Establishment).where(Establishment.uai == code))
        if establishment is None:
            raise ServiceError(f"Aucun établissement n'a l'UAI {code}.", field="uai")
        if establishment is not user.establishment:
            establishment.require_open()
    applicant = any(r in (Role.applicant_head, Role.applicant_staff) for r, _ in grants)
    if applicant and establishment is None:
        raise ServiceError(
            "Un personnel ou un chef d'établissement doit être rattaché à un établissement : "
            "indiquez son UAI.",
            field="uai",
        )
    losing_admin = user.has_role(Role.admin) and Role.admin not in {r for r, _ in grants}
    if losing_admin and user.active and not _other_active_admins(user):
        raise ServiceError(
            "C'est le dernier administrateur actif du portail : donnez d'abord ce rôle à une "
            "autre personne.",
            field="roles",
        )
    if losing_admin and user.id == actor.id:
        raise ServiceError(
            "Vous ne pouvez pas retirer votre propre rôle d'administrateur : demandez-le à un "
            "autre administrateur.",
            field="roles",
        )
    before = {
        "roles": grant_values(user),
        "establishment": user.establishment.uai if user.establishment else None,
    }
    wanted = {(r, i) for r, i in grants}
    for grant in list(user.grants):
        if (grant.role, grant.institution) not in wanted:
            user.grants.remove(grant)
    have = {(g.role, g.institution) for g in user.grants}
    for role, institution in grants:
        if (role, institution) not in have:
            user.grants.append(RoleGrant(role=role, institution=institution))
    user.establishment = establishment
    changes = audit.diff(
        before,
        {
            "roles": grant_values(user),
            "establishment": establishment.uai if establishment else None,
        },
    )
    if not changes:
        return False
    db.session.flush()
    audit.record(actor, "user_access_updated", user, changes)
    return True


# ------------------------------------------------------------------ establishments


def search_establishments(
    actor: User, *, q: str = "", department: str = "", kind: str = "", page: int = 1
) -> Page:
    """Establishments matching the search (name, UAI, commune) and filters, 50 a page."""
    require(actor, Permission.VIEW_ESTABLISHMENTS)
    stmt = select(Establishment)
    q = (q or "").strip()
    if q:
        needle = q.lower()
        stmt = stmt.where(
            or_(
                *(
                    func.lower(col).contains(needle, autoescape=True)
                    for col in (Establishment.name, Establishment.uai, Establishment.commune)
                )
            )
        )
    if department:
        stmt = stmt.where(Establishment.department_code == department)
    if kind:
        stmt = stmt.where(Establishment.kind == kind)
    return paginate(
        stmt.options(joinedload(Establishment.network)).order_by(
            Establishment.department_code, Establishment.commune, Establishment.name
        ),
        page,
        PAGE_SIZE,
    )


def ensure_department(code: str) -> Department:
    """The Department row of one of the académie's départements, created when missing."""
    dep = db.session.get(Department, code)
    if dep is None:
        dep = Department(code=code, name=ACADEMY_DEPARTMENTS[code])
        db.session.add(dep)
    return dep


def _clean(data: dict, current: Establishment | None) -> dict:
    """Checked establishment values, or a ServiceError listing every problem by field."""
    errors: dict[str, str] = {}
    out: dict = {}
    try:
        out["uai"] = uai_rules.validate(data.get("uai") or "")
    except ValueError as exc:
        errors["uai"] = str(exc)
    else:
        other = db.session.scalar(select(Establishment).where(Establishment.uai == out["uai"]))
        if other is not None and other is not current:
            errors["uai"] = f"L'UAI {out['uai']} est déjà celui de « {other.name} »."
    out["name"] = " ".join((data.get("name") or "").split())
    if not out["name"]:
        errors["name"] = "Indiquez le nom de l'établissement."
    try:
        out["kind"] = EstablishmentKind(data.get("kind") or "")
    except ValueError:
        errors["kind"] = "Choisissez un type d'établissement de la liste."
    out["public"] = bool(data.get("public"))
    out["department_code"] = (data.get("department_code") or "").strip()
    if out["department_code"] not in ACADEMY_DEPARTMENTS:
        errors["department_code"] = (
            "Choisissez l'un des départements de l'académie : "
            + ", ".join(ACADEMY_DEPARTMENTS)
            + "."
        )
    out["commune"] = (data.get("commune") or "").strip()
    out["email"] = (data.get("email") or "").strip().lower()
    if out["email"]:
        try:
            out["email"] = auth_services.normalise_email(out["email"])
        except ServiceError as exc:
            errors["email"] = exc.message
    network_id = data.get("network_id")
    out["network"] = None
    if network_id not in (None, "", 0, "0"):
        network = db.session.get(Network, int(network_id)) if str(network_id).isdigit() else None
        if network is None:
            errors["network_id"] = "Ce réseau FOQUALE n'existe pas."
        elif network.department_code != out["department_code"]:
            errors["network_id"] = (
                f"Le réseau « {network.name} » n'est pas dans le département choisi."
            )
        out["network"] = network
    _clean_identity(data, out, errors)
    out["priority_education"] = (data.get("priority_education") or "").strip()
    if out["priority_education"] not in PRIORITY_VALUES:
        errors["priority_education"] = "Choisissez « Aucune », « REP » ou « REP+ »."
    if errors:
        raise ServiceError(
            "Certaines informations de l'établissement sont à corriger.", errors=errors
        )
    return out


IDENTITY_FIELDS = (
    "siret",
    "managing_body_name",
    "managing_body_siret",
    "managing_body_rna",
    "legal_representative",
)


def _clean_identity(data: dict, out: dict, errors: dict) -> None:
    """The legal identity's fields that `data` carries (a caller that sends none keeps them)."""
    given = [name for name in IDENTITY_FIELDS if name in data]
    if not given:
        return
    for name in ("siret", "managing_body_siret"):
        if name in data:
            try:
                out[name] = validate_siret(data.get(name) or "")
            except ValueError as exc:
                errors[name] = str(exc)
    if "managing_body_rna" in data:
        try:
            out["managing_body_rna"] = validate_rna(data.get("managing_body_rna") or "")
        except ValueError as exc:
            errors["managing_body_rna"] = str(exc)
    for name in ("managing_body_name", "legal_representative"):
        if name in data:
            out[name] = " ".join((data.get(name) or "").split())
    described = any(
        out.get(n) for n in ("managing_body_siret", "managing_body_rna", "legal_representative")
    )
    if "managing_body_name" in data and not out["managing_body_name"] and described:
        errors["managing_body_name"] = (
            "Indiquez le nom de l'organisme gestionnaire dont vous donnez le SIRET, le RNA ou le "
            "représentant légal."
        )


def validate_establishment(data: dict, current: Establishment | None = None) -> None:
    """Raise the ServiceError listing every problem of these values; changes nothing."""
    _clean(data, current)


def _snapshot(est: Establishment) -> dict:
    return {
        "uai": est.uai,
        "name": est.name,
        "kind": est.kind,
        "public": est.public,
        "department_code": est.department_code,
        "commune": est.commune,
        "email": est.email,
        "network": est.network.name if est.network else None,
        "priority_education": est.priority_education,
        "siret": est.siret,
        "managing_body_name": est.managing_body_name,
        "managing_body_siret": est.managing_body_siret,
        "managing_body_rna": est.managing_body_rna,
        "legal_representative": est.legal_representative,
    }


def _flush() -> None:
    try:
        db.session.flush()
    except StaleDataError:
        raise Conflict(STALE_MESSAGE) from None
    except IntegrityError:
        raise ServiceError(
            "Cet UAI est déjà utilisé par un autre établissement.", field="uai"
        ) from None


def create_establishment(actor: User, data: dict) -> Establishment:
    """A new establishment of the académie, with a valid and unique UAI."""
    require(actor, Permission.MANAGE_ESTABLISHMENTS)
    values = _clean(data, None)
    ensure_department(values["department_code"])
    est = Establishment(**values)
    db.session.add(est)
    _flush()
    audit.record(actor, "establishment_created", est, audit.diff({}, _snapshot(est)))
    return est


def update_establishment(
    actor: User, est: Establishment, data: dict, version: int | str | None
) -> Establishment:
    """Apply an edit made on `version` of the record; a stale version is refused (409)."""
    require(actor, Permission.MANAGE_ESTABLISHMENTS)
    if str(version or "").strip() != str(est.version):
        raise Conflict(STALE_MESSAGE)
    values = _clean(data, est)
    ensure_department(values["department_code"])
    before = _snapshot(est)
    for key, value in values.items():
        setattr(est, key, value)
    changes = audit.diff(before, _snapshot(est))
    if not changes:
        return est
    _flush()
    audit.record(actor, "establishment_updated", est, changes)
    return est
