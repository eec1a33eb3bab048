"""Response headers that hold on every page: CSP, HSTS over https, no caching of private pages.

The policy is enforced, not report-only. Scripts come only from this site's static files (no
inline script, no eval: the DSFR bundle and static/js need none). Style sheets come only from
this site too; inline `style="…"` attributes (a few table widths and a pre-line paragraph) are
allowed through `style-src-attr 'unsafe-inline'`, which cannot run code, while `<style>` elements
stay refused. Images and fonts: this site, plus `data:` images (the DSFR icons).
"""

from __future__ import annotations

from flask import Flask, current_app, request, session

DIRECTIVES = (
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "style-src-attr 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
)
DEFAULT_CSP = "; ".join(DIRECTIVES)


def _authenticated() -> bool:
    """A logged-in browser session or an API token: the answer is this person's own."""
    return "_user_id" in session or "Authorization" in request.headers


def add_security_headers(response):
    config = current_app.config
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault(
        "Content-Security-Policy", config.get("CONTENT_SECURITY_POLICY") or DEFAULT_CSP
    )
    if config.get("PREFERRED_URL_SCHEME") == "https":
        headers.setdefault(
            "Strict-Transport-Security", f"max-age={int(config.get('HSTS_MAX_AGE') or 31536000)}"
        )
    if request.endpoint != "static" and _authenticated():
        # Neither the browser nor a proxy keeps a copy of a private page or file.
        headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    app.after_request(add_security_headers)
