"""Settings, read from environment variables once at start-up.

Every variable is listed in the README's configuration table; keep both in step.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _secret_key(instance: Path) -> str:
    """SECRET_KEY from the environment, else one generated once and kept in instance/."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    path.write_text(key)
    path.chmod(0o600)
    return key


def job_settings() -> dict:
    """The job queue's settings (portal/jobs): the worker reads them before any app exists."""
    return {
        # Empty: no queue, the mail is sent in process after the response and
        # `flask send-reminders` runs the reminders and digests (README, "Job queue").
        "CELERY_BROKER_URL": os.environ.get("CELERY_BROKER_URL") or None,
        "CELERY_QUEUE": os.environ.get("CELERY_QUEUE") or "portal",
        "DIGEST_HOUR": int(os.environ.get("DIGEST_HOUR", "7")),  # Europe/Paris
    }


def load_config() -> dict:
    instance = Path(os.environ.get("INSTANCE_PATH", ROOT / "instance")).resolve()
    max_upload_mb = int(os.environ.get("MAX_UPLOAD_MB", "10"))
    return {
        "INSTANCE_PATH": str(instance),
        "SECRET_KEY": _secret_key(instance),
        "DATABASE_URL": os.environ.get("DATABASE_URL", f"sqlite:///{instance / 'portal.db'}"),
        "UPLOAD_FOLDER": os.environ.get("UPLOAD_FOLDER", str(instance / "uploads")),
        "S3_BUCKET": os.environ.get("S3_BUCKET") or None,
        "S3_ENDPOINT_URL": os.environ.get("S3_ENDPOINT_URL") or None,
        "S3_REGION": os.environ.get("S3_REGION", "eu-west-3"),
        # A slow or hung object store answers within attempts × (connect + read) seconds; keep
        # that below gunicorn's worker timeout (gunicorn.conf.py, README).
        "S3_CONNECT_TIMEOUT": float(os.environ.get("S3_CONNECT_TIMEOUT", "2")),
        "S3_READ_TIMEOUT": float(os.environ.get("S3_READ_TIMEOUT", "10")),
        "S3_MAX_ATTEMPTS": int(os.environ.get("S3_MAX_ATTEMPTS", "2")),
        "MAX_UPLOAD_BYTES": max_upload_mb * 1024 * 1024,
        # Whole request bodies may carry a file plus the form fields around it.
        "MAX_CONTENT_LENGTH": max_upload_mb * 1024 * 1024 + 512 * 1024,
        # Whole pages kept in Redis for the views that opt in (portal/pagecache.py); empty: off.
        "PAGE_CACHE_URL": os.environ.get("PAGE_CACHE_URL") or None,
        "PAGE_CACHE_SECONDS": int(os.environ.get("PAGE_CACHE_SECONDS", "60")),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_KEY_PREFIX": os.environ.get("RATELIMIT_KEY_PREFIX", "aap"),
        # Failed logins, counted in RATELIMIT_STORAGE_URI (rules: portal/auth/throttle.py).
        "LOGIN_RATE_LIMIT": os.environ.get("LOGIN_RATE_LIMIT", "5 per minute;30 per hour"),
        "LETTER_RATE_LIMIT": os.environ.get("LETTER_RATE_LIMIT", "5 per minute;30 per hour"),
        "LOGIN_ACCOUNT_RATE_LIMIT": os.environ.get(
            "LOGIN_ACCOUNT_RATE_LIMIT", "10 per hour;30 per day"
        ),
        "LOGIN_ADDRESS_RATE_LIMIT": os.environ.get(
            "LOGIN_ADDRESS_RATE_LIMIT", "60 per minute;600 per hour"
        ),
        "LOGIN_KNOWN_ADDRESS_DAYS": int(os.environ.get("LOGIN_KNOWN_ADDRESS_DAYS", "30")),
        # Second factor (portal/auth/totp.py): roles that must use it (comma-separated
        # Role values; empty: optional for everyone), the name authenticator apps show, and how
        # long the code step of a login waits after the correct password.
        "TOTP_REQUIRED_ROLES": os.environ.get("TOTP_REQUIRED_ROLES", ""),
        "TOTP_ISSUER": os.environ.get("TOTP_ISSUER", "AAP décrochage scolaire"),
        "TOTP_LOGIN_MINUTES": int(os.environ.get("TOTP_LOGIN_MINUTES", "5")),
        "MAIL_SERVER": os.environ.get("MAIL_SERVER") or None,
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", "25")),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD") or None,
        "MAIL_USE_TLS": _bool(os.environ.get("MAIL_USE_TLS")),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "aap-decrochage@ac-poitiers.fr"),
        # Whom the accessibility and personal-data pages name as contact (default: MAIL_FROM).
        "CONTACT_EMAIL": os.environ.get("CONTACT_EMAIL") or None,
        "PUBLIC_URL": os.environ.get("PUBLIC_URL", "http://127.0.0.1:5000"),
        "PORTAL_THEME": os.environ.get("PORTAL_THEME", "dsfr"),
        "OPERATOR_NAME": os.environ.get("OPERATOR_NAME", "Académie de Poitiers"),
        # The funders as open data names them (SCDL « subventions »: nomAttribuant, idAttribuant).
        "FUNDER_NAME_STATE": os.environ.get(
            "FUNDER_NAME_STATE", "Rectorat de l'académie de Poitiers"
        ),
        "FUNDER_SIRET_STATE": os.environ.get("FUNDER_SIRET_STATE", ""),
        "FUNDER_NAME_REGION": os.environ.get("FUNDER_NAME_REGION", "Région Nouvelle-Aquitaine"),
        "FUNDER_SIRET_REGION": os.environ.get("FUNDER_SIRET_REGION", ""),
        "DEMO_PASSWORD": os.environ.get("DEMO_PASSWORD", "demo-poitiers-2014"),
        # Argon2id cost of password hashes (portal/auth/services.py; OWASP minimum enforced).
        "PASSWORD_HASH_TIME_COST": int(os.environ.get("PASSWORD_HASH_TIME_COST", "2")),
        "PASSWORD_HASH_MEMORY_KIB": int(os.environ.get("PASSWORD_HASH_MEMORY_KIB", "19456")),
        "PASSWORD_HASH_PARALLELISM": int(os.environ.get("PASSWORD_HASH_PARALLELISM", "1")),
        "RESET_TOKEN_HOURS": int(os.environ.get("RESET_TOKEN_HOURS", "2")),
        "INVITATION_TOKEN_DAYS": int(os.environ.get("INVITATION_TOKEN_DAYS", "14")),
        "PROXY_COUNT": int(os.environ.get("PROXY_COUNT", "0")),
        "SESSION_COOKIE_SECURE": _bool(os.environ.get("SESSION_COOKIE_SECURE")),
        "SESSION_COOKIE_HTTPONLY": True,
        # https: HSTS is sent (max-age in seconds) and url_for(_external=True) builds https links.
        "PREFERRED_URL_SCHEME": os.environ.get("PREFERRED_URL_SCHEME", "http"),
        "HSTS_MAX_AGE": int(os.environ.get("HSTS_MAX_AGE", "31536000")),
        # Empty: the built-in policy of portal/security.py (enforced, no inline script).
        "CONTENT_SECURITY_POLICY": os.environ.get("CONTENT_SECURITY_POLICY") or None,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": None,
        **job_settings(),
    }
