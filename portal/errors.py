"""Domain errors: what services raise, with a French message a person can act on."""

from __future__ import annotations


class ServiceError(Exception):
    """A rule refused the operation; nothing was changed."""

    status = 400

    def __init__(self, message: str, field: str | None = None, errors: dict | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        # field name → message, for forms and API bodies that report several problems at once
        self.errors = errors or ({field: message} if field else {})


class Conflict(ServiceError):
    """The object changed meanwhile, or the action was already done."""

    status = 409


class PermissionDenied(ServiceError):
    status = 403

    def __init__(self, message: str = "Vous n'avez pas accès à cette ressource."):
        super().__init__(message)


class NotFound(ServiceError):
    status = 404

    def __init__(
        self, message: str = "Cette ressource n'existe pas ou ne vous est pas accessible."
    ):
        super().__init__(message)


class Unavailable(ServiceError):
    """The portal cannot do it now (a missing setting, a service down): nothing was changed."""

    status = 503
