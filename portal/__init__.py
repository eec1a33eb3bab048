"""The portal: create_app() binds config, extensions, blueprints, CLI and error pages."""

from __future__ import annotations

import logging

from flask import Flask, g, jsonify, make_response, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import NotFound as NotFoundError
from werkzeug.routing import IntegerConverter

from . import pagecache, security
from .config import ROOT, load_config
from .db import db as database
from .errors import ServiceError
from .extensions import csrf, limiter, login_manager
from .storage import StorageUnavailable


def create_app(config: dict | None = None) -> Flask:
    settings = load_config()
    settings.update(config or {})
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=settings["INSTANCE_PATH"],
    )
    app.config.update(settings)
    from .auth.services import check_hash_parameters

    check_hash_parameters(app.config)
    logging.basicConfig(level=logging.INFO)
    logging.getLogger("alembic").setLevel(logging.WARNING)

    if app.config["PROXY_COUNT"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        n = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)
    database.init_app(app)
    login_manager.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    from .storage import make_store

    app.extensions["document_store"] = make_store(app.config)

    from .auth.loader import load_user

    login_manager.user_loader(load_user)

    # Ids in URLs are database integers: anything larger names nothing (404, not a DB error).
    app.url_map.converters["int"] = DatabaseIntConverter
    _register_blueprints(app)
    _register_template_helpers(app)
    _register_error_handlers(app)
    _register_mail_after_commit(app)
    _register_security_headers(app)
    pagecache.init_app(app)  # after the other hooks: first before_request, last after_request

    from .cli import register_cli

    register_cli(app)
    return app


class DatabaseIntConverter(IntegerConverter):
    """An id in a URL: digits; one beyond the database's integers (2^31 − 1) names nothing and
    answers 404 here. (A `max` would make the rule not match, and werkzeug would then answer
    405 when another method's rule has the same path.)"""

    MAX = 2**31 - 1

    def to_python(self, value: str) -> int:
        number = super().to_python(value)
        if number > self.MAX:
            raise NotFoundError()
        return number


# The areas, lowest layer first. Only this factory reads the list: each area's init_app(app)
# registers what it brings (blueprints, API endpoints, policy rules, signal receivers, CLI
# commands, demo steps, template helpers). An area imports the kernel and the areas before it.
AREAS = ("applications", "review", "funding", "outcomes")


def _register_blueprints(app: Flask) -> None:
    import importlib

    from .admin.views import bp as admin_bp
    from .api import bp as api_bp
    from .auth.views import bp as auth_bp
    from .calls.views import bp as calls_bp
    from .pages import bp as pages_bp
    from .views import bp as main_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(calls_bp)
    app.register_blueprint(pages_bp)
    for name in app.config.get("AREAS", AREAS):
        importlib.import_module(name).init_app(app)
    app.register_blueprint(api_bp)  # after the areas: they add their endpoints to it
    csrf.exempt(api_bp)  # bearer tokens only, no cookies: nothing for a forged form to ride on


def _register_template_helpers(app: Flask) -> None:
    from . import formatting, models

    app.jinja_env.filters["money"] = formatting.format_money
    app.jinja_env.filters["datetime_fr"] = formatting.format_datetime
    app.jinja_env.filters["date_fr"] = formatting.format_date
    app.jinja_env.filters["due_fr"] = formatting.format_due  # 12/12/2014 à 23 h 59
    app.jinja_env.globals["time_left"] = formatting.time_left  # Plus que 2 h 10
    app.jinja_env.globals["due_sentence"] = formatting.due_sentence
    app.jinja_env.filters["decimal"] = formatting.format_decimal  # {{ x|decimal(2) }}: 4,50
    app.jinja_env.filters["number"] = formatting.format_number  # 2,5
    app.jinja_env.filters["score"] = formatting.format_score  # 4,50 (at least two decimals)
    app.jinja_env.filters["percent"] = formatting.format_percent  # 42,5 %
    app.jinja_env.filters["month_label"] = formatting.month_label  # nov. 2026
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    # Globals, not a context processor: set once, seen by imported macros too. None queries the
    # database by itself (`can` asks the policy about the object a template already has).
    from .permissions import Permission, can

    app.jinja_env.globals.update(
        can=can,
        Permission=Permission,
        Role=models.Role,
        ROLE_LABELS=models.ROLE_LABELS,
        KIND_LABELS=models.KIND_LABELS,
    )

    @app.context_processor
    def _settings():  # read per page: the settings may change while the app runs (tests)
        return {"theme": app.config["PORTAL_THEME"], "operator_name": app.config["OPERATOR_NAME"]}


STALE_MESSAGE = (
    "Ces données ont été modifiées au même moment par une autre action (un autre "
    "onglet, un double clic ou un collègue). Rechargez la page : votre dernière action "
    "n'a pas été enregistrée."
)


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _register_error_handlers(app: Flask) -> None:
    def _render(status: int, title: str, message: str):
        database.session.rollback()
        if _wants_json():
            return jsonify({"error": message}), status
        return render_template("errors.html", status=status, title=title, message=message), status

    @app.errorhandler(ServiceError)
    def _service_error(exc: ServiceError):
        titles = {403: "Accès refusé", 404: "Page introuvable", 409: "Action impossible"}
        if _wants_json():
            database.session.rollback()
            body = {"error": exc.message}
            if exc.errors:
                body["errors"] = exc.errors
            return jsonify(body), exc.status
        return _render(exc.status, titles.get(exc.status, "Action impossible"), exc.message)

    @app.errorhandler(StorageUnavailable)
    def _storage_unavailable(exc: StorageUnavailable):
        # The store timed out or refused: the transaction is rolled back (with it, the keys it
        # wrote are deleted: portal.storage.write_after_flush), the person may try again later.
        body, status = _render(503, "Stockage indisponible", exc.message)
        return body, status, {"Retry-After": "120"}

    @app.errorhandler(StaleDataError)
    def _stale(exc):
        # Two writers on the same row: the later one lost the optimistic-lock race.
        return _render(409, "Action impossible", STALE_MESSAGE)

    @app.errorhandler(OperationalError)
    def _locked(exc):
        if "database is locked" not in str(exc):  # SQLite's way of saying the same thing
            raise exc
        return _render(409, "Action impossible", STALE_MESSAGE)

    @app.errorhandler(CSRFError)
    def _csrf(exc):
        return _render(
            400,
            "Formulaire expiré",
            "Le formulaire a expiré ou ne provient pas de ce site (jeton CSRF absent ou "
            "invalide). Rechargez la page et recommencez.",
        )

    @app.errorhandler(403)
    def _forbidden(exc):
        return _render(403, "Accès refusé", "Vous n'avez pas accès à cette page.")

    @app.errorhandler(404)
    def _not_found(exc):
        return _render(
            404, "Page introuvable", "Cette page n'existe pas ou ne vous est pas accessible."
        )

    @app.errorhandler(OverflowError)
    def _id_too_large(exc):  # an id beyond the database's integers cannot name anything
        return _render(
            404, "Page introuvable", "Cette page n'existe pas ou ne vous est pas accessible."
        )

    @app.errorhandler(DataError)
    def _data_error(exc):
        if "out of range" in str(exc):  # PostgreSQL's answer to an id beyond its integers
            return _render(
                404, "Page introuvable", "Cette page n'existe pas ou ne vous est pas accessible."
            )
        raise exc

    @app.errorhandler(500)
    def _server_error(exc):
        return _render(
            500,
            "Erreur du serveur",
            "Une erreur inattendue s'est produite ; rien n'a été enregistré. "
            "Réessayez dans un instant ; si elle se reproduit, signalez-la.",
        )

    @app.errorhandler(405)
    def _method(exc):
        response = make_response(
            _render(405, "Méthode non autorisée", "Cette action n'est pas possible ici.")
        )
        if getattr(exc, "valid_methods", None):  # werkzeug's Allow header, kept (RFC 9110)
            response.headers["Allow"] = ", ".join(exc.valid_methods)
        return response

    @app.errorhandler(413)
    def _too_large(exc):
        from .formatting import format_size

        return _render(
            413,
            "Fichier trop volumineux",
            "Le fichier dépasse la taille maximale de "
            f"{format_size(app.config['MAX_UPLOAD_BYTES'])}.",
        )

    @app.errorhandler(429)
    def _throttled(exc):
        return _render(
            429,
            "Trop de tentatives",
            "Trop de tentatives de connexion. Patientez une minute avant de réessayer.",
        )


def _register_mail_after_commit(app: Flask) -> None:
    """Deliver the messages this request committed, once its response has gone to the client:
    on the job queue when a broker is configured, else here (portal.jobs.dispatch).

    The person does not wait for SMTP, and a page's timing never tells whether a mail was sent.
    """
    from . import jobs

    jobs.init_app(app)

    @app.after_request
    def _send(response):
        ids = g.pop("mail_ids", None)
        if ids:
            response.call_on_close(lambda: jobs.dispatch(app, ids))
        return response


def _register_security_headers(app: Flask) -> None:
    security.init_app(app)  # CSP, HSTS over https, no-store on private pages (portal/security.py)
