"""The grant agreement: generation, PDF, signed copy, signature — and every refusal changes nothing."""

from __future__ import annotations

import datetime as dt
import hashlib
import io

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from applications.models import DossierStatus
from funding import money, services
from funding.models import GrantAgreement
from funding.services import agreements
from portal.db import db
from portal.errors import Conflict, NotFound, PermissionDenied, ServiceError
from portal.models import AuditEvent, OutboxMessage
from portal.storage import S3Store

from ..conftest import PDF_BYTES, login
from .conftest import REGION, STATE

FUTURE = services.today() + dt.timedelta(days=200)


def _page(response) -> str:
    return response.get_data(as_text=True).replace("&#39;", "'").replace("&#34;", '"')


def _pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF-")
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def _state(dossier) -> tuple:
    """Everything a refused agreement action must leave as it was."""
    db.session.expire_all()
    agreement = agreements.agreement_of(dossier)
    row = (
        None
        if agreement is None
        else (
            agreement.report_due_on,
            agreement.amount_state,
            agreement.amount_region,
            agreement.signed_key,
            agreement.signed_sha256,
            agreement.signed_on,
            agreement.version,
        )
    )
    return (
        dossier.status,
        row,
        db.session.scalar(select(func.count()).select_from(GrantAgreement)),
        db.session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action.like("agreement%"))
        ),
        db.session.scalar(select(func.count()).select_from(OutboxMessage)),
    )


def _upload(client, dossier, data: bytes, filename: str = "convention-signee.pdf"):
    return client.post(
        f"/financement/dossiers/{dossier.id}/convention-signee",
        content_type="multipart/form-data",
        data={"file": (io.BytesIO(data), filename)},
    )


@pytest.fixture
def accepted(money_world):
    """An accepted, published dossier of Lycée A, both parts committed (1 000 € + 2 000 €)."""
    return money_world.accepted("1000.00", "2000.00").dossier


@pytest.fixture
def generated(money_world, accepted):
    agreements.generate(money_world.budget_region, accepted, FUTURE)
    return accepted


# ---------------------------------------------------------------- generation


def test_generate_refused_while_a_part_awaits_commitment(client, money_world):
    o = money_world
    decision = o.accepted("1000.00", "2000.00", commit=False)
    services.commit(decision, STATE)
    dossier = decision.dossier
    before = _state(dossier)
    login(client, o.budget_state)
    response = client.post(
        f"/financement/dossiers/{dossier.id}/convention",
        data={"report_due_on": FUTURE.strftime("%d/%m/%Y")},
    )
    assert response.status_code == 409
    assert "La part de la Région (2\u202f000,00\u00a0€) attend son engagement" in _page(response)
    assert _state(dossier) == before


def test_generate_by_an_applicant_is_forbidden(client, money_world, accepted):
    before = _state(accepted)
    login(client, money_world.head_a)
    response = client.post(
        f"/financement/dossiers/{accepted.id}/convention",
        data={"report_due_on": FUTURE.strftime("%d/%m/%Y")},
    )
    assert response.status_code == 403
    assert _state(accepted) == before


def test_generate_by_a_reviewer_is_refused(client, money_world, accepted):
    before = _state(accepted)
    login(client, money_world.reviewer)
    response = client.post(
        f"/financement/dossiers/{accepted.id}/convention",
        data={"report_due_on": FUTURE.strftime("%d/%m/%Y")},
    )
    assert response.status_code == 404  # a reviewer does not even read this dossier
    with pytest.raises(NotFound):
        agreements.generate(money_world.reviewer, accepted, FUTURE)
    assert _state(accepted) == before


@pytest.mark.parametrize(
    "typed,message",
    [
        ("", "Indiquez une date."),
        ("demain", "n'est pas une date"),
        (services.today().strftime("%d/%m/%Y"), "doit être dans le futur"),
    ],
)
def test_the_report_due_date_must_be_a_future_date(client, money_world, accepted, typed, message):
    before = _state(accepted)
    login(client, money_world.budget_region)
    response = client.post(
        f"/financement/dossiers/{accepted.id}/convention", data={"report_due_on": typed}
    )
    assert response.status_code == 400
    page = _page(response)
    assert message in page
    assert 'aria-describedby="report_due_on-error"' in page
    assert _state(accepted) == before


def test_generation_fixes_number_rate_and_amounts_and_regenerating_moves_the_due_date(
    client, money_world, accepted
):
    o = money_world
    login(client, o.budget_state)
    response = client.post(
        f"/financement/dossiers/{accepted.id}/convention",
        data={"report_due_on": FUTURE.strftime("%d/%m/%Y")},
    )
    assert response.status_code == 302
    agreement = agreements.agreement_of(accepted)
    assert agreement.number == f"CONV-{accepted.reference}"
    assert agreement.advance_rate == o.call.advance_rate
    assert (agreement.amount_state, agreement.amount_region) == (1000, 2000)
    later = FUTURE + dt.timedelta(days=30)
    response = client.post(
        f"/financement/dossiers/{accepted.id}/convention", data={"report_due_on": later.isoformat()}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(GrantAgreement)) == 1
    assert agreements.agreement_of(accepted).report_due_on == later
    assert accepted.status == DossierStatus.accepted
    actions = db.session.scalars(
        select(AuditEvent.action)
        .where(AuditEvent.object_type == "grantagreement")
        .order_by(AuditEvent.id)
    ).all()
    assert actions == ["agreement_generated", "agreement_regenerated"]


def test_regenerating_discards_a_signed_copy_of_the_old_text(money_world, generated):
    o = money_world
    agreements.upload_signed(o.head_a, generated, "signee.pdf", PDF_BYTES)
    agreements.generate(o.budget_region, generated, FUTURE + dt.timedelta(days=1))
    agreement = agreements.agreement_of(generated)
    assert agreement.signed_key is None and agreement.signed_sha256 == ""
    with pytest.raises(ServiceError, match="n'a pas encore déposé la convention signée"):
        agreements.record_signature(o.budget_region, generated, services.today())


def test_agreement_pdf_states_number_amounts_schedule_and_rounding_rule(client, money_world):
    o = money_world
    dossier = o.accepted("1234.45", "1000.01").dossier
    agreements.generate(o.budget_state, dossier, FUTURE)
    login(client, o.head_a)
    response = client.get(f"/financement/dossiers/{dossier.id}/convention.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert f"convention-CONV-{dossier.reference}.pdf" in response.headers["Content-Disposition"]
    text = " ".join(_pdf_text(response.data).split())
    assert f"CONV-{dossier.reference}" in text
    for amount in (
        "1 234,45",
        "1 000,01",
        "2 234,46",  # granted, total
        "617,23",
        "500,01",  # advances at 50 %, half a cent rounded up
        "617,22",
        "500,00",
    ):  # balances
        assert amount.replace(" ", "") in text.replace("\u202f", "").replace(" ", ""), amount
    assert " ".join(money.ROUNDING_RULE.split()) in text
    assert FUTURE.strftime("%d/%m/%Y") in text
    assert "Poitiers" in text and o.est_a.uai in text and o.head_a.full_name in text
    assert "reversé" in text


def test_no_pdf_before_generation(client, money_world, accepted):
    login(client, money_world.budget_region)
    assert client.get(f"/financement/dossiers/{accepted.id}/convention.pdf").status_code == 404


# ---------------------------------------------------------------- the signed copy


def test_a_signed_copy_that_is_not_a_pdf_is_refused(client, money_world, generated):
    before = _state(generated)
    login(client, money_world.head_a)
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    response = _upload(client, generated, png, "convention.png")
    assert response.status_code == 400
    page = _page(response)
    assert "n'est pas un PDF" in page and 'aria-describedby="file-error"' in page
    response = _upload(client, generated, b"MZ\x90\x00" + b"\x00" * 100, "convention.pdf")
    assert response.status_code == 400
    assert _state(generated) == before


def test_an_oversized_signed_copy_is_refused(client, app, monkeypatch, money_world, generated):
    monkeypatch.setitem(app.config, "MAX_UPLOAD_BYTES", 2048)
    before = _state(generated)
    login(client, money_world.head_a)
    response = _upload(client, generated, PDF_BYTES + b"%" + b"0" * 4096)
    assert response.status_code == 400
    assert "dépasse la taille maximale de 2 Ko" in _page(response)
    assert _state(generated) == before


def test_staff_who_is_not_the_head_cannot_deposit_the_signed_copy(client, money_world, generated):
    before = _state(generated)
    login(client, money_world.staff_a)
    assert _upload(client, generated, PDF_BYTES).status_code == 403
    assert _state(generated) == before


def test_another_establishments_head_gets_a_404(client, money_world, generated):
    before = _state(generated)
    login(client, money_world.head_b)
    assert _upload(client, generated, PDF_BYTES).status_code == 404
    assert client.get(f"/financement/dossiers/{generated.id}").status_code == 404
    assert client.get(f"/financement/dossiers/{generated.id}/convention.pdf").status_code == 404
    assert _state(generated) == before


def test_no_signed_copy_before_the_agreement_exists(money_world, accepted):
    with pytest.raises(Conflict, match="pas encore été générée"):
        agreements.upload_signed(money_world.head_a, accepted, "signee.pdf", PDF_BYTES)


# ---------------------------------------------------------------- the signature


def test_signature_needs_the_signed_copy(client, money_world, generated):
    before = _state(generated)
    login(client, money_world.budget_region)
    response = client.post(
        f"/financement/dossiers/{generated.id}/signature",
        data={"signed_on": services.today().strftime("%d/%m/%Y")},
    )
    assert response.status_code == 400
    page = _page(response)
    assert "n'a pas encore déposé la convention signée" in page
    assert 'aria-describedby="signed_on-error"' in page
    assert _state(generated) == before


@pytest.mark.parametrize(
    "day,message",
    [
        (services.today() + dt.timedelta(days=1), "est dans le futur"),
        (services.today() - dt.timedelta(days=1), "précède la génération"),
    ],
)
def test_signature_date_neither_future_nor_before_generation(
    client, money_world, generated, day, message
):
    agreements.upload_signed(money_world.head_a, generated, "signee.pdf", PDF_BYTES)
    before = _state(generated)
    login(client, money_world.budget_state)
    response = client.post(
        f"/financement/dossiers/{generated.id}/signature",
        data={"signed_on": day.strftime("%d/%m/%Y")},
    )
    assert response.status_code == 400
    assert message in _page(response)
    assert _state(generated) == before


def test_the_head_cannot_record_the_signature(money_world, generated):
    agreements.upload_signed(money_world.head_a, generated, "signee.pdf", PDF_BYTES)
    before = _state(generated)
    with pytest.raises(PermissionDenied):
        agreements.record_signature(money_world.head_a, generated, services.today())
    assert _state(generated) == before


def test_signature_refused_when_commitments_changed_since_generation(money_world, generated):
    o = money_world
    agreements.upload_signed(o.head_a, generated, "signee.pdf", PDF_BYTES)
    region = next(c for c in services.commitments_of(generated) if c.funder == REGION)
    services.reduce_commitment(o.budget_region, region, "1500.00", "Action réduite.")
    with pytest.raises(Conflict, match="générez-la de nouveau"):
        agreements.record_signature(o.budget_region, generated, services.today())
    assert generated.status == DossierStatus.accepted


def test_generate_upload_to_s3_then_signature_funds_the_dossier(
    client, app, monkeypatch, money_world, accepted, s3_bucket
):
    import boto3

    o = money_world
    endpoint, bucket = s3_bucket
    monkeypatch.setitem(
        app.extensions, "document_store", S3Store(bucket, endpoint_url=endpoint, region="eu-west-3")
    )
    login(client, o.budget_state)
    client.post(
        f"/financement/dossiers/{accepted.id}/convention",
        data={"report_due_on": FUTURE.strftime("%d/%m/%Y")},
    )
    page = _page(client.get(f"/financement/dossiers/{accepted.id}"))
    assert f"CONV-{accepted.reference}" in page and "En attente de l'exemplaire signé" in page
    assert "Déposer la convention signée" not in page  # the officer does not sign

    login(client, o.head_a)
    page = _page(client.get(f"/financement/dossiers/{accepted.id}"))
    assert "Déposer la convention signée" in page and "Enregistrer la signature" not in page
    signed = PDF_BYTES + b"% signed by the head\n"
    response = _upload(client, accepted, signed)
    assert response.status_code == 302
    agreement = agreements.agreement_of(accepted)
    assert agreement.signed_sha256 == hashlib.sha256(signed).hexdigest()
    head = boto3.client("s3", endpoint_url=endpoint, region_name="eu-west-3").head_object(
        Bucket=bucket, Key=agreement.signed_key
    )
    assert head["ContentLength"] == len(signed)
    # a second upload replaces the first while the signature is not recorded
    resigned = PDF_BYTES + b"% signed again\n"
    assert _upload(client, accepted, resigned, "v2.pdf").status_code == 302
    db.session.expire_all()
    agreement = agreements.agreement_of(accepted)
    assert agreement.signed_filename == "v2.pdf"
    response = client.get(f"/financement/dossiers/{accepted.id}/convention-signee")
    assert response.status_code == 200 and response.data == resigned

    login(client, o.budget_region)
    response = client.post(
        f"/financement/dossiers/{accepted.id}/signature",
        data={"signed_on": services.today().strftime("%d/%m/%Y")},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert accepted.status == DossierStatus.funded
    assert agreements.agreement_of(accepted).signed_on == services.today()
    mail = db.session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.subject == f"Convention CONV-{accepted.reference} signée"
        )
    ).all()
    assert {m.recipient for m in mail} == {o.head_a.email, o.staff_a.email}
    assert "avance de 500,00" in mail[0].body.replace("\u00a0", " ")
    # once signed: no new copy, no second signature, no regeneration
    login(client, o.head_a)
    page = _page(client.get(f"/financement/dossiers/{accepted.id}"))
    assert "Signée le" in page and "Rédiger le bilan" in page
    assert _upload(client, accepted, PDF_BYTES).status_code == 409
    with pytest.raises(Conflict, match="déjà enregistrée"):
        agreements.record_signature(o.budget_region, accepted, services.today())
    with pytest.raises(Conflict, match="ne peut plus être modifiée"):
        agreements.generate(o.budget_region, accepted, FUTURE)


def test_the_dossier_page_links_to_its_funding(client, money_world, accepted):
    login(client, money_world.head_a)
    page = _page(client.get(f"/dossiers/{accepted.id}"))
    assert f"/financement/dossiers/{accepted.id}" in page
    login(client, money_world.budget_region)
    assert f"/financement/dossiers/{accepted.id}" in _page(client.get(f"/dossiers/{accepted.id}"))
