"""Accounts: passwords (argon2), one-time links (reset, invitation), API tokens, user creation."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from email_validator import EmailNotValidError, validate_email
from flask import current_app, g, has_app_context, url_for
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from portal import audit, mail
from portal import uai as uai_rules
from portal.db import db, utcnow
from portal.errors import ServiceError
from portal.models import (
    INSTITUTIONAL_ROLES,
    ApiToken,
    Establishment,
    Institution,
    Role,
    RoleGrant,
    User,
    UserSession,
    UserToken,
)

log = logging.getLogger("portal.security")
MIN_PASSWORD = 10

# Argon2id cost (README, "Mots de passe"). The OWASP Password Storage Cheat Sheet gives five
# equivalent minimum configurations, trading memory for passes (parallelism 1): 46 MiB × 1,
# 19 MiB × 2, 12 MiB × 3, 9 MiB × 4, 7 MiB × 5. The default is 19 MiB × 2 passes × 1 lane: about
# 30 ms of one core, so a login rush on 2 cores is not queued behind hashing (argon2-cffi's own
# default, 64 MiB × 3 passes × 4 lanes, took 3.8 s at p95 with 30 clients).
OWASP_MIN_MEMORY_KIB = 7 * 1024
OWASP_MIN_MEMORY_TIMES_PASSES = 7 * 1024 * 5  # the smallest m × t of the cheat sheet's table
DEFAULT_HASH_PARAMETERS = {"time_cost": 2, "memory_kib": 19 * 1024, "parallelism": 1}


def hash_parameters(config=None) -> tuple[int, int, int]:
    """(time_cost, memory_kib, parallelism) from the settings, or the defaults outside an app."""
    if config is None and has_app_context():
        config = current_app.config
    config = config or {}

    def setting(key: str, default: int) -> int:
        value = config.get(key)
        return default if value is None else int(value)

    return (
        setting("PASSWORD_HASH_TIME_COST", DEFAULT_HASH_PARAMETERS["time_cost"]),
        setting("PASSWORD_HASH_MEMORY_KIB", DEFAULT_HASH_PARAMETERS["memory_kib"]),
        setting("PASSWORD_HASH_PARALLELISM", DEFAULT_HASH_PARAMETERS["parallelism"]),
    )


def check_hash_parameters(config) -> None:
    """Refuse to start with an Argon2id cost below the OWASP minimum."""
    time_cost, memory_kib, parallelism = hash_parameters(config)
    if (
        time_cost < 1
        or parallelism < 1
        or memory_kib < OWASP_MIN_MEMORY_KIB
        or memory_kib * time_cost < OWASP_MIN_MEMORY_TIMES_PASSES
    ):
        raise ValueError(
            f"Argon2id m={memory_kib} KiB, t={time_cost}, p={parallelism} is below the OWASP "
            "minimum (e.g. m=19456 t=2 p=1 or m=47104 t=1 p=1): raise "
            "PASSWORD_HASH_MEMORY_KIB or PASSWORD_HASH_TIME_COST."
        )


@lru_cache(maxsize=4)
def _hasher_for(time_cost: int, memory_kib: int, parallelism: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism)


@lru_cache(maxsize=4)
def _dummy_hash_for(time_cost: int, memory_kib: int, parallelism: int) -> str:
    # Verifying against this keeps unknown-email logins as slow as wrong-password ones.
    return _hasher_for(time_cost, memory_kib, parallelism).hash("not a password")


def _hasher() -> PasswordHasher:
    return _hasher_for(*hash_parameters())


def _dummy_hash() -> str:
    return _dummy_hash_for(*hash_parameters())


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(user: User, password: str) -> bool:
    """Whether `password` is this person's (to confirm a sensitive change to their account)."""
    try:
        return _hasher().verify(user.password_hash or _dummy_hash(), password or "") and bool(
            user.password_hash
        )
    except (VerificationError, InvalidHashError):
        return False


def check_password_rules(password: str) -> None:
    if len(password or "") < MIN_PASSWORD:
        raise ServiceError(
            f"Le mot de passe doit comporter au moins {MIN_PASSWORD} caractères.", field="password"
        )


def authenticate(email: str, password: str) -> User | None:
    """The active user with this email and password, or None (same cost either way)."""
    user = db.session.scalar(select(User).where(User.email == (email or "").strip().lower()))
    hasher = _hasher()
    try:
        hasher.verify(
            user.password_hash if user and user.password_hash else _dummy_hash(), password or ""
        )
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.password_hash or not user.active:
        return None
    # A hash made with other parameters (older defaults) is replaced by one with today's.
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
    return user


def normalise_email(email: str) -> str:
    try:
        return validate_email((email or "").strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        raise ServiceError(
            f"L'adresse électronique « {email} » n'est pas valide.", field="email"
        ) from None


def parse_grants(roles: list[str]) -> list[tuple[Role, Institution | None]]:
    """'reviewer:region' → (Role.reviewer, Institution.region); refuses incoherent grants."""
    out = []
    for text in roles:
        name, _, inst = text.partition(":")
        try:
            role = Role(name.strip())
        except ValueError:
            raise ServiceError(f"Rôle inconnu : « {name} ».", field="roles") from None
        institution = None
        if role in INSTITUTIONAL_ROLES:
            try:
                institution = Institution(inst.strip())
            except ValueError:
                raise ServiceError(
                    f"Le rôle « {role.value} » doit préciser l'institution "
                    "(state ou region), par exemple reviewer:region.",
                    field="roles",
                ) from None
        elif inst:
            raise ServiceError(
                f"Le rôle « {role.value} » ne dépend pas d'une institution.", field="roles"
            )
        out.append((role, institution))
    if not out:
        raise ServiceError("Donnez au moins un rôle.", field="roles")
    return out


def create_user(
    actor: User | None,
    *,
    email: str,
    full_name: str,
    roles: list[str],
    uai: str | None = None,
    password: str | None = None,
) -> User:
    """A new account; applicants must belong to an establishment (given by its UAI)."""
    email = normalise_email(email)
    if db.session.scalar(select(User.id).where(User.email == email)):
        raise ServiceError(f"Un compte existe déjà pour {email}.", field="email")
    full_name = (full_name or "").strip()
    if not full_name:
        raise ServiceError("Indiquez le nom de la personne.", field="full_name")
    grants = parse_grants(roles)
    establishment = None
    if uai:
        try:
            code = uai_rules.validate(uai)
        except ValueError as exc:
            raise ServiceError(str(exc), field="uai") from None
        establishment = db.session.scalar(select(Establishment).where(Establishment.uai == code))
        if establishment is None:
            raise ServiceError(f"Aucun établissement n'a l'UAI {code}.", field="uai")
        establishment.require_open()  # a closed establishment cannot be invited to
    if (
        any(r in (Role.applicant_head, Role.applicant_staff) for r, _ in grants)
        and not establishment
    ):
        raise ServiceError(
            "Un personnel d'établissement doit être rattaché à un établissement (UAI).", field="uai"
        )
    if password is not None:
        check_password_rules(password)
    user = User(
        email=email,
        full_name=full_name,
        establishment=establishment,
        password_hash=hash_password(password) if password else None,
    )
    user.grants = [RoleGrant(role=r, institution=i) for r, i in grants]
    db.session.add(user)
    audit.record(
        actor,
        "user_created",
        user,
        {
            "email": email,
            "roles": [f"{r.value}:{i.value if i else ''}" for r, i in grants],
            "establishment": establishment.uai if establishment else None,
        },
    )
    return user


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_link_token(user: User, purpose: str) -> str:
    """A one-time token for a reset or invitation link; only its hash is stored."""
    hours = (
        current_app.config["RESET_TOKEN_HOURS"]
        if purpose == "reset"
        else current_app.config["INVITATION_TOKEN_DAYS"] * 24
    )
    token = secrets.token_urlsafe(32)
    db.session.add(
        UserToken(
            user=user,
            purpose=purpose,
            token_hash=_digest(token),
            expires_at=utcnow() + dt.timedelta(hours=hours),
        )
    )
    return token


def check_link_token(token: str, purpose: str) -> UserToken:
    """The usable link row for this token, or a ServiceError saying why the link is refused."""
    row = db.session.scalar(
        select(UserToken).where(
            UserToken.token_hash == _digest(token or ""), UserToken.purpose == purpose
        )
    )
    if row is None:
        raise ServiceError("Ce lien n'est pas valide. Demandez un nouveau lien.")
    if row.used_at is not None:
        raise ServiceError("Ce lien a déjà été utilisé. Demandez un nouveau lien si besoin.")
    if row.expires_at <= utcnow():
        raise ServiceError("Ce lien a expiré. Demandez un nouveau lien.")
    if not row.user.active:
        raise ServiceError("Ce compte est désactivé. Adressez-vous à l'administrateur du portail.")
    return row


def consume_link_token(token: str, purpose: str, password: str) -> User:
    """Set the password through a link; an expired, reused or unknown link changes nothing."""
    row = check_link_token(token, purpose)
    check_password_rules(password)
    now = utcnow()
    # Claim the link with a conditional UPDATE: of two simultaneous uses, only one wins.
    claimed = db.session.execute(
        update(UserToken)
        .where(UserToken.id == row.id, UserToken.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        raise ServiceError("Ce lien a déjà été utilisé. Demandez un nouveau lien si besoin.")
    user = row.user
    user.password_hash = hash_password(password)
    revoked = end_sessions(user, now)
    # Other reset links still outstanding are spent too.
    db.session.execute(
        update(UserToken)
        .where(UserToken.user_id == user.id, UserToken.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    audit.record(
        user,
        "password_set" if purpose == "reset" else "invitation_accepted",
        user,
        {"via": purpose, "api_tokens_revoked": revoked},
    )
    return user


def end_sessions(user: User, now=None) -> int:
    """Log the user out everywhere: other browsers' sessions and API tokens stop working.

    Returns how many API tokens were revoked.
    """
    now = now or utcnow()
    user.session_version = (user.session_version or 1) + 1
    db.session.execute(
        update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
    return _revoke_tokens(user, now)


# The cookie-side name of a browser session's token (next to flask-login's `_user_id`).
SESSION_KEY = "_sid"


def open_session(user: User, user_agent: str = "") -> str:
    """A new server-side session for this browser; returns the token the cookie carries."""
    token = secrets.token_urlsafe(32)
    db.session.add(UserSession(id=_digest(token), user=user, user_agent=(user_agent or "")[:200]))
    return token


def close_session(token: str | None) -> None:
    """Revoke the session this token names: a copy of the cookie no longer opens anything."""
    if token:
        db.session.execute(
            update(UserSession)
            .where(UserSession.id == _digest(token), UserSession.revoked_at.is_(None))
            .values(revoked_at=utcnow())
            .execution_options(synchronize_session=False)
        )


def session_digest(token: str) -> str:
    return _digest(token)


def _revoke_tokens(user: User, now) -> int:
    return db.session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount


def revoke_api_tokens(user: User) -> int:
    count = _revoke_tokens(user, utcnow())
    audit.record(user, "api_tokens_revoked", user, {"count": count})
    return count


def issue_api_token(user: User) -> str:
    token = "aap_" + secrets.token_urlsafe(32)
    db.session.add(ApiToken(user=user, token_hash=_digest(token)))
    audit.record(user, "api_token_issued", user, {})
    return token


def user_for_api_token(token: str) -> User | None:
    row = db.session.scalar(
        select(ApiToken)
        .where(ApiToken.token_hash == _digest(token or ""), ApiToken.revoked_at.is_(None))
        # One statement: the user and their roles come with the token (as the user loader does).
        .options(joinedload(ApiToken.user).joinedload(User.grants))
    )
    if row is None or not row.user.active:
        return None
    return row.user


def link_url(token: str, purpose: str) -> str:
    """The absolute address of a one-time link, on the portal's public URL."""
    endpoint = "auth.reset_password" if purpose == "reset" else "auth.accept_invitation"
    return current_app.config["PUBLIC_URL"].rstrip("/") + url_for(
        endpoint, token=token, _external=False
    )


def request_password_reset(email: str) -> None:
    """Mail a reset link when an active account has this address; silent otherwise.

    The caller shows the same confirmation either way, so the page never tells whether an
    address has an account.
    """
    user = db.session.scalar(select(User).where(User.email == (email or "").strip().lower()))
    if user is None or not user.active:
        log.info("password reset asked for an unknown or inactive address")
        return
    token = issue_link_token(user, "reset")
    hours = current_app.config["RESET_TOKEN_HOURS"]
    mail.queue_mail(
        user.email,
        "Réinitialisation de votre mot de passe",
        f"Bonjour {user.full_name},\n\n"
        "Une demande de réinitialisation du mot de passe de votre compte a été faite sur le "
        "portail de l'appel à projets décrochage scolaire.\n\n"
        f"Pour choisir un nouveau mot de passe, ouvrez ce lien (valable {hours} heure(s), "
        f"utilisable une seule fois) :\n{link_url(token, 'reset')}\n\n"
        "Si vous n'êtes pas à l'origine de cette demande, ignorez ce message : votre mot de "
        "passe reste inchangé.\n",
    )
    audit.record(None, "password_reset_requested", user, {})


def reset_after_response(app, email: str):
    """The forgotten-password work, to run once the response has gone (`call_on_close`).

    Both a known and an unknown address answer with the same page after the same work; this
    then looks the address up, issues the link and sends the mail in its own app context.
    """

    def run() -> None:
        with app.app_context():
            try:
                request_password_reset(email)
                db.session.commit()
                ids = g.pop("mail_ids", None)
                if ids:
                    mail.send_pending(ids=ids)
            except Exception:  # noqa: BLE001 - logged; `flask send-mail` retries what is left
                db.session.rollback()
                log.exception("password reset after the response failed")

    return run
