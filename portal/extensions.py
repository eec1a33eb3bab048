"""Extensions created once, unbound, and bound to the app in create_app."""

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


# Storage comes from RATELIMIT_STORAGE_URI: memory by default, Redis when several hosts serve.
# The client address is request.remote_addr; behind a reverse proxy set PROXY_COUNT so that
# ProxyFix takes it from X-Forwarded-For (never trust a client-sent header without a proxy).
limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=False)
