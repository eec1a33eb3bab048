"""Bearer-token authentication of every /api/v1 request (except the OpenAPI document)."""

from __future__ import annotations

from flask import g, jsonify, request

from portal.auth.services import user_for_api_token

from .core import bp

PUBLIC_ENDPOINTS = {"api.openapi_document"}


def public(view):
    """Mark an /api/v1 view as answering without a token (public data only)."""
    PUBLIC_ENDPOINTS.add(f"{bp.name}.{view.__name__}")
    return view


def unauthorized(message: str):
    response = jsonify({"error": message})
    response.status_code = 401
    response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


@bp.before_request
def authenticate():
    """Set g.api_user from the bearer token; a missing or unknown token answers 401."""
    g.api_user = None
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if not header:
        return unauthorized(
            "Authentification requise : envoyez un jeton dans l'en-tête "
            "« Authorization: Bearer <jeton> » (créé par `flask create-token`)."
        )
    if scheme.lower() != "bearer" or not token.strip():
        return unauthorized(
            "En-tête Authorization invalide : utilisez « Authorization: Bearer <jeton> »."
        )
    user = user_for_api_token(token.strip())
    if user is None:
        return unauthorized("Jeton d'accès invalide, révoqué, ou compte désactivé.")
    g.api_user = user
    return None
