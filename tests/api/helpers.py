"""Helpers of the API tests: tokens through the real CLI, headers, and a "nothing changed" probe."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import func, select

from applications.models import Attachment, Dossier, Submission
from applications.schemas import DossierSchema
from portal.db import db
from portal.models import AuditEvent, OutboxMessage


def cli_token(user) -> str:
    """A bearer token issued by `flask create-token EMAIL`, as an operator would."""
    result = current_app.test_cli_runner().invoke(args=["create-token", user.email])
    assert result.exit_code == 0, result.output
    token = result.output.strip()
    assert token.startswith("aap_")
    return token


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def state(dossier_id: int) -> dict:
    """What the database holds for a dossier, and the row counts a refusal must not change."""
    db.session.expire_all()
    dossier = db.session.get(Dossier, dossier_id)
    dumped = DossierSchema().dump(dossier)
    dumped.pop("blockers")
    return {
        "dossier": dumped,
        "attachments": count(Attachment),
        "submissions": count(Submission),
        "audit": count(AuditEvent),
        "outbox": count(OutboxMessage),
    }
