"""The optional second factor: TOTP codes (RFC 6238, pyotp) and single-use recovery codes.

- Enrolment: a secret is generated here (never by the browser) into a pending `UserTotp` row,
  shown as a QR code and as text; the factor is enabled only once a code from it is entered.
- A code is accepted for the current 30-second step or the one before or after (clock drift), and
  only for a step later than the last one accepted: a code seen once cannot be replayed. The step
  is claimed with a conditional UPDATE, so of two simultaneous uses of one code only one wins.
- Ten recovery codes are issued at enrolment (and on demand), shown once, stored as sha256 (they
  are long random strings: a fast hash is enough), each consumed once.
- `TOTP_REQUIRED_ROLES` lists the roles that must have the factor; everyone else may opt in.
  API bearer tokens are not concerned: they are issued from the command line and revoked there.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

import pyotp
import segno
from flask import current_app
from markupsafe import Markup
from sqlalchemy import delete, or_, select, update

from portal import audit
from portal.db import db, utcnow
from portal.errors import Conflict, ServiceError
from portal.models import Role, TotpRecoveryCode, User, UserTotp

from . import services

RECOVERY_CODES = 10
DEFAULT_ISSUER = "AAP décrochage scolaire"
WRONG_CODE = "Code incorrect ou expiré. Saisissez le code affiché par votre application."
REPLAYED_CODE = (
    "Ce code a déjà été utilisé. Attendez le code suivant de votre application "
    "(il change toutes les 30 secondes)."
)
WRONG_RECOVERY = "Ce code de secours n'est pas valide ou a déjà été utilisé."
REQUIRED = (
    "Votre rôle impose la double authentification : elle ne peut pas être désactivée. "
    "Vous pouvez en revanche générer de nouveaux codes de secours."
)
ENROL_FIRST = "Votre rôle impose la double authentification : activez-la pour accéder au portail."
NOT_ENABLED = "La double authentification n'est pas activée sur votre compte."


# ------------------------------------------------------------------ configuration


def parse_roles(value) -> set[Role]:
    """`call_admin,copilot` (or a list) → {Role.call_admin, Role.copilot}; unknown names raise."""
    if not value:
        return set()
    names = value.split(",") if isinstance(value, str) else list(value)
    roles = set()
    for name in names:
        name = str(getattr(name, "value", name)).strip()
        if not name:
            continue
        try:
            roles.add(Role(name))
        except ValueError:
            raise ValueError(
                f"TOTP_REQUIRED_ROLES: unknown role {name!r} (one of: "
                f"{', '.join(r.value for r in Role)})"
            ) from None
    return roles


def required_for(user: User) -> bool:
    """Whether this person's roles make the second factor compulsory (TOTP_REQUIRED_ROLES)."""
    roles = parse_roles(current_app.config.get("TOTP_REQUIRED_ROLES"))
    return bool(roles) and user.has_role(*roles)


# ------------------------------------------------------------------ state


def factor_of(user: User) -> UserTotp | None:
    """The enabled second factor of this person, or None."""
    row = db.session.get(UserTotp, user.id)
    return row if row is not None and row.enabled_at is not None else None


def is_enabled(user: User) -> bool:
    return factor_of(user) is not None


def remaining_recovery_codes(user: User) -> int:
    return len(
        db.session.scalars(
            select(TotpRecoveryCode.id).where(
                TotpRecoveryCode.user_id == user.id, TotpRecoveryCode.used_at.is_(None)
            )
        ).all()
    )


# ------------------------------------------------------------------ enrolment


def pending_secret(user: User) -> str:
    """The secret being enrolled (created on first call, the same until confirmed)."""
    row = db.session.get(UserTotp, user.id)
    if row is not None and row.enabled_at is not None:
        raise Conflict("La double authentification est déjà activée sur votre compte.")
    if row is None:
        row = UserTotp(user_id=user.id, secret=pyotp.random_base32())
        db.session.add(row)
        db.session.flush()
    return row.secret


def provisioning_uri(user: User, secret: str) -> str:
    issuer = current_app.config.get("TOTP_ISSUER") or DEFAULT_ISSUER
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=issuer)


def qr_svg(uri: str) -> Markup:
    """The QR code as an inline SVG element: no image request, no script."""
    svg = segno.make(uri, error="m").svg_inline(
        scale=5,
        border=2,
        dark="#000",
        light="#fff",
        title="QR code de la clé de double authentification",
    )
    return Markup(svg)


def grouped(secret: str) -> str:
    """The secret in groups of four, easier to type by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def confirm_enrolment(user: User, code: str) -> list[str]:
    """Enable the factor if `code` comes from the pending secret; returns the recovery codes.

    A refused code changes nothing (the pending secret stays as it was).
    """
    row = db.session.get(UserTotp, user.id)
    if row is None or row.enabled_at is not None:
        raise ServiceError(
            "Aucune activation de la double authentification n'est en cours : rechargez la page.",
            field="code",
        )
    step = _matching_step(row.secret, code, after=None)
    if step is None:
        raise ServiceError(WRONG_CODE, field="code")
    row.enabled_at = utcnow()
    row.last_step = step
    codes = _new_recovery_codes(user)
    audit.record(user, "totp_enabled", user, {"recovery_codes": len(codes)})
    return codes


# ------------------------------------------------------------------ codes


def _normal(code: str | None) -> str:
    return "".join((code or "").split()).replace("-", "").lower()


def _matching_step(secret: str, code: str, after: int | None) -> int | None:
    """The time-step (now ±1) whose code is `code`, later than `after`; None if none matches."""
    code = _normal(code)
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    now = totp.timecode(utcnow())
    for step in (now - 1, now, now + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            if after is not None and step <= after:
                raise ServiceError(REPLAYED_CODE, field="code")
            return step
    return None


def looks_like_totp(code: str | None) -> bool:
    text = _normal(code)
    return len(text) == 6 and text.isdigit()


def check_code(user: User, code: str) -> None:
    """Accept a current TOTP code once (its step is claimed), else a ServiceError on `code`."""
    row = factor_of(user)
    if row is None:
        raise ServiceError(WRONG_CODE, field="code")
    step = _matching_step(row.secret, code, after=row.last_step)
    if step is None:
        raise ServiceError(WRONG_CODE, field="code")
    claimed = db.session.execute(
        update(UserTotp)
        .where(
            UserTotp.user_id == user.id,
            or_(UserTotp.last_step.is_(None), UserTotp.last_step < step),
        )
        .values(last_step=step)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:  # the same code used at the same moment elsewhere
        raise ServiceError(REPLAYED_CODE, field="code")
    row.last_step = step


def _digest(code: str) -> str:
    return hashlib.sha256(_normal(code).encode()).hexdigest()


def use_recovery_code(user: User, code: str) -> int:
    """Consume one recovery code; returns how many are left. A used or unknown code is refused."""
    if len(_normal(code)) < 16:
        raise ServiceError(WRONG_RECOVERY, field="code")
    used = db.session.execute(
        update(TotpRecoveryCode)
        .where(
            TotpRecoveryCode.user_id == user.id,
            TotpRecoveryCode.code_hash == _digest(code),
            TotpRecoveryCode.used_at.is_(None),
        )
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if used != 1:
        raise ServiceError(WRONG_RECOVERY, field="code")
    return remaining_recovery_codes(user)


def check_second_factor(user: User, code: str) -> str:
    """The login's second step: a TOTP code or a recovery code. Returns which one was used."""
    if looks_like_totp(code):
        check_code(user, code)
        return "totp"
    use_recovery_code(user, code)
    return "recovery_code"


def _new_recovery_codes(user: User) -> list[str]:
    db.session.execute(
        delete(TotpRecoveryCode)
        .where(TotpRecoveryCode.user_id == user.id)
        .execution_options(synchronize_session=False)
    )
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(alphabet) for _ in range(16))  # ~79 bits
        codes.append("-".join(raw[i : i + 4] for i in range(0, 16, 4)))
    db.session.add_all(TotpRecoveryCode(user_id=user.id, code_hash=_digest(c)) for c in codes)
    return codes


# ------------------------------------------------------------------ managing an enabled factor


def _check_proof(user: User, proof: str) -> None:
    """A current TOTP code or the account's password, else a ServiceError on `proof`."""
    if looks_like_totp(proof):
        try:
            check_code(user, proof)
        except ServiceError as exc:
            raise ServiceError(exc.message, field="proof") from None
        return
    if not services.verify_password(user, proof):
        raise ServiceError("Code ou mot de passe incorrect.", field="proof")


def disable(user: User, proof: str) -> None:
    """Turn the factor off (a current code or the password); refused when the role requires it."""
    if factor_of(user) is None:
        raise Conflict(NOT_ENABLED)
    if required_for(user):
        raise ServiceError(REQUIRED)
    _check_proof(user, proof)
    db.session.execute(
        delete(TotpRecoveryCode)
        .where(TotpRecoveryCode.user_id == user.id)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        delete(UserTotp)
        .where(UserTotp.user_id == user.id)
        .execution_options(synchronize_session=False)
    )
    db.session.expire_all()
    audit.record(user, "totp_disabled", user, {})


def regenerate_recovery_codes(user: User, proof: str) -> list[str]:
    """Ten new recovery codes (the old ones stop working), with a current code or the password."""
    if factor_of(user) is None:
        raise Conflict(NOT_ENABLED)
    _check_proof(user, proof)
    codes = _new_recovery_codes(user)
    audit.record(user, "totp_recovery_codes_renewed", user, {"recovery_codes": len(codes)})
    return codes
