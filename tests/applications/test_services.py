"""Dossier rules, at the service level."""

import datetime as dt
import io

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from applications import services
from applications.models import DossierStatus, Submission
from portal.db import db
from portal.errors import Conflict, NotFound, PermissionDenied, ServiceError
from portal.models import AuditEvent, OutboxMessage


def test_head_submits_a_complete_dossier(world, factory):
    dossier = factory.dossier(world.call, world.staff_a, complete=True)
    submission = services.submit_dossier(world.head_a, dossier)
    assert dossier.status == DossierStatus.submitted
    assert dossier.reference == "AAP-2014-0001"
    assert len(submission.snapshot_sha256) == 64
    assert submission.snapshot["totals"]["expenses"] == "7234.50"
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) >= 1
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert "dossier_submitted" in actions


def test_the_submission_email_links_to_the_receipt(app, world, factory):
    dossier = factory.dossier(world.call, world.staff_a, complete=True)
    services.submit_dossier(world.head_a, dossier)
    mail = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.subject == f"Dossier {dossier.reference} déposé")
    ).first()
    base = app.config["PUBLIC_URL"].rstrip("/")
    assert f"{base}/dossiers/{dossier.id}/recepisse/1" in mail.body


def test_second_submit_is_refused_and_creates_nothing(world, factory):
    dossier = factory.dossier(world.call, world.head_a, complete=True)
    services.submit_dossier(world.head_a, dossier)
    with pytest.raises(Conflict, match="déjà été déposé"):
        services.submit_dossier(world.head_a, dossier)
    assert db.session.scalar(select(func.count()).select_from(Submission)) == 1


def test_staff_who_is_not_head_cannot_submit(world, factory):
    dossier = factory.dossier(world.call, world.staff_a, complete=True)
    with pytest.raises(PermissionDenied):
        services.submit_dossier(world.staff_a, dossier)
    assert dossier.status == DossierStatus.draft


def test_other_establishment_cannot_see_or_edit(world, factory):
    dossier = factory.dossier(world.call, world.head_a)
    with pytest.raises(NotFound):
        services.update_dossier(world.head_b, dossier, {"title": "piraté"})
    with pytest.raises(NotFound):
        services.submit_dossier(world.head_b, dossier)


def test_unbalanced_budget_blocks_submission(world, factory):
    dossier = factory.dossier(world.call, world.head_a, complete=True)
    services.update_dossier(
        world.head_a, dossier, {"resources": [{"category": "region", "amount": "8434.50"}]}
    )
    with pytest.raises(ServiceError, match="les recettes dépassent les dépenses de 1\u202f200,00"):
        services.submit_dossier(world.head_a, dossier)
    assert dossier.status == DossierStatus.draft and dossier.reference is None


def test_deadline_is_enforced_by_the_server(world, factory):
    dossier = factory.dossier(world.call, world.head_a, complete=True)
    late = world.call.deadline_at + dt.timedelta(seconds=1)
    with pytest.raises(ServiceError, match="date limite"):
        services.submit_dossier(world.head_a, dossier, now=late)
    assert dossier.status == DossierStatus.draft


def test_receipt_is_a_pdf_carrying_the_snapshot_hash(world, factory):
    from applications.documents import render_receipt

    dossier = factory.dossier(world.call, world.head_a, complete=True)
    submission = services.submit_dossier(world.head_a, dossier)
    pdf = render_receipt(dossier, submission)
    assert pdf.startswith(b"%PDF-")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert dossier.reference in text
    assert submission.snapshot_sha256 in text.replace("\n", "")
    # each piece under its own type, never an « Autre » it was not filed as
    flat = " ".join(text.split())
    assert dossier.attachments
    for attachment in dossier.attachments:
        assert f"{attachment.kind.label} : {attachment.filename}" in flat
    assert "Autre" not in {a.kind.label for a in dossier.attachments} and "Autre :" not in flat


def test_references_are_unique_across_calls_of_the_same_year(world, factory):
    second_call = factory.call()
    first = factory.dossier(world.call, world.head_a, complete=True)
    second = factory.dossier(second_call, world.head_b, complete=True)
    services.submit_dossier(world.head_a, first)
    services.submit_dossier(world.head_b, second)
    assert (first.reference, second.reference) == ("AAP-2014-0001", "AAP-2014-0002")


def test_completion_after_the_deadline_can_be_answered_until_its_due_date(world, factory):
    dossier = factory.dossier(world.call, world.head_a, complete=True)
    services.submit_dossier(world.head_a, dossier)
    after_deadline = world.call.deadline_at + dt.timedelta(days=2)
    request = services.request_completion(
        world.call_admin, dossier, "Joindre le devis.", now=after_deadline
    )
    assert request.due_at > after_deadline
    # the call is closed, but the establishment answers the request in time
    second = services.submit_dossier(
        world.head_a, dossier, now=after_deadline + dt.timedelta(days=1)
    )
    assert second.number == 2 and dossier.status == DossierStatus.submitted
    assert request.answered_at is not None


def test_completion_answered_too_late_is_refused(world, factory):
    dossier = factory.dossier(world.call, world.head_a, complete=True)
    services.submit_dossier(world.head_a, dossier)
    request = services.request_completion(world.call_admin, dossier, "Joindre le devis.")
    with pytest.raises(ServiceError, match="délai accordé"):
        services.submit_dossier(world.head_a, dossier, now=request.due_at + dt.timedelta(minutes=1))
    assert dossier.status == DossierStatus.incomplete


def test_audit_records_what_changed_in_repeatable_rows(world, factory):
    dossier = factory.dossier(world.call, world.head_a, complete=True)
    services.update_dossier(
        world.head_a,
        dossier,
        {
            "partners": [
                {
                    "name": "Mission locale de Poitiers",
                    "kind": "association",
                    "role": "Accompagnement",
                }
            ]
        },
    )
    event = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.action == "dossier_updated")
        .order_by(AuditEvent.id.desc())
    ).first()
    old, new = event.changes["partners"]
    assert old[0]["name"] == "Mission locale" and new[0]["name"] == "Mission locale de Poitiers"


def test_a_closed_establishment_can_neither_start_nor_submit_a_dossier(world, factory):
    dossier = factory.dossier(world.call, world.head_a, complete=True)
    world.head_a.establishment.closed = True
    db.session.flush()
    with pytest.raises(ServiceError, match="est fermé selon l'annuaire"):
        services.submit_dossier(world.head_a, dossier)
    assert dossier.status == DossierStatus.draft and dossier.reference is None
    with pytest.raises(ServiceError, match="est fermé selon l'annuaire"):
        services.create_dossier(world.head_a, world.call, "Un autre projet")
    assert db.session.scalar(select(func.count()).select_from(Submission)) == 0
