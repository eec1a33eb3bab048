"""Login throttling: failed attempts counted per account *and* per address, in shared storage.

Counters live in the limiter's storage (`RATELIMIT_STORAGE_URI`): Redis whenever more than one
worker or host serves, so every worker sees the same counts. Only failed attempts count. An
attempt is refused (429, before the password is even checked) when:

1. this address has failed too often for this account (`LOGIN_RATE_LIMIT`, per address and
   account: one person mistyping at a shared proxy locks only their own account, from there);
2. this account has failed too often from anywhere (`LOGIN_ACCOUNT_RATE_LIMIT`) and this address
   is not a clean, known one for it: an address that has failed for the account is refused, and
   so is one the account has never logged in from; an address the account logged in from within
   `LOGIN_KNOWN_ADDRESS_DAYS`, and that has not failed since, still gets in with the right
   password (an attack from many addresses does not lock the person out at their usual place);
3. this address has failed too often over all accounts (`LOGIN_ADDRESS_RATE_LIMIT`, set high:
   a building's mistakes never reach it, one address trying many accounts does).
"""

from __future__ import annotations

import hashlib
import logging
import os
import re

from flask import current_app, request
from limits import parse_many

from portal.extensions import limiter

log = logging.getLogger("portal.security")
DEFAULTS = {
    "LOGIN_RATE_LIMIT": "5 per minute;30 per hour",
    "LOGIN_ACCOUNT_RATE_LIMIT": "10 per hour;30 per day",
    "LOGIN_ADDRESS_RATE_LIMIT": "60 per minute;600 per hour",
}


def _limits(name: str):
    return parse_many(current_app.config.get(name) or DEFAULTS[name])


def _account(email: str) -> str:
    """A digest of the typed address: no e-mail address in the shared storage's keys."""
    return hashlib.sha256((email or "").strip().lower().encode()).hexdigest()[:32]


def _scopes(email: str) -> dict[str, tuple[str, ...]]:
    prefix = current_app.config.get("RATELIMIT_KEY_PREFIX") or "aap"
    account, address = _account(email), request.remote_addr or "?"
    return {
        "LOGIN_RATE_LIMIT": (prefix, "login-pair", account, address),
        "LOGIN_ACCOUNT_RATE_LIMIT": (prefix, "login-account", account),
        "LOGIN_ADDRESS_RATE_LIMIT": (prefix, "login-address", address),
    }


def _full(name: str, identifiers) -> bool:
    return any(not limiter.limiter.test(item, *identifiers) for item in _limits(name))


def _has_failed_here(identifiers) -> bool:
    return any(
        limiter.limiter.get_window_stats(item, *identifiers).remaining < item.amount
        for item in _limits("LOGIN_RATE_LIMIT")
    )


def _known_key(email: str) -> str:
    prefix = current_app.config.get("RATELIMIT_KEY_PREFIX") or "aap"
    return f"{prefix}/login-known/{_account(email)}/{request.remote_addr or '?'}"


def refused(email: str) -> bool:
    """True when this attempt must be answered 429 without checking the password."""
    scopes = _scopes(email)
    pair = scopes["LOGIN_RATE_LIMIT"]
    if _full("LOGIN_RATE_LIMIT", pair) or _full(
        "LOGIN_ADDRESS_RATE_LIMIT", scopes["LOGIN_ADDRESS_RATE_LIMIT"]
    ):
        return True
    if _full("LOGIN_ACCOUNT_RATE_LIMIT", scopes["LOGIN_ACCOUNT_RATE_LIMIT"]):
        known = limiter.storage.get(_known_key(email)) > 0
        return _has_failed_here(pair) or not known
    return False


def failed(email: str) -> None:
    """Count a failed attempt against the pair, the account and the address."""
    for name, identifiers in _scopes(email).items():
        for item in _limits(name):
            limiter.limiter.hit(item, *identifiers)


def succeeded(email: str) -> None:
    """Remember the address this account logged in from (a clean, known address for rule 2)."""
    days = int(current_app.config.get("LOGIN_KNOWN_ADDRESS_DAYS") or 30)
    limiter.storage.incr(_known_key(email), days * 86400)


def _workers_from_environment() -> int:
    """How many gunicorn workers the environment asks for (1 when it says nothing)."""
    args = os.environ.get("GUNICORN_CMD_ARGS", "")
    match = re.search(r"(?:^|\s)(?:-w\s*|--workers(?:=|\s+))(\d+)", args)
    if match:
        return int(match.group(1))
    concurrency = os.environ.get("WEB_CONCURRENCY", "")
    return int(concurrency) if concurrency.isdigit() else 1


def check_storage(config) -> bool:
    """False (and an error in the log) when several workers would count in their own memory."""
    storage = config.get("RATELIMIT_STORAGE_URI") or "memory://"
    workers = _workers_from_environment()
    if workers > 1 and storage.startswith("memory://"):
        log.error(
            "RATELIMIT_STORAGE_URI is memory:// with %d gunicorn workers: each worker "
            "counts failed logins on its own, so the limits are multiplied by %d. Set "
            "RATELIMIT_STORAGE_URI=redis://… (see gunicorn.conf.py and the README).",
            workers,
            workers,
        )
        return False
    return True
