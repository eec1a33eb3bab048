"""Extensions created once, unbound, and bound to the app in create_app."""
from flask import request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

from .db import db  # noqa: F401  (re-exported: `from portal.extensions import db`)

login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "Connectez-vous pour accéder à cette page."
login_manager.login_message_category = "info"

csrf = CSRFProtect()


def _client_key() -> str:
    return request.headers.get("X-Real-IP") or get_remote_address()


# Storage comes from RATELIMIT_STORAGE_URI: memory by default, Redis when several hosts serve.
limiter = Limiter(key_func=_client_key, default_limits=[], headers_enabled=False)
