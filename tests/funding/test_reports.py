"""The final report: drafting, submission, corrections, validation and settlement — and every refusal
changes nothing."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from applications import workflow
from applications.models import DossierStatus
from funding import services
from funding.models import (
    Clawback,
    ClawbackStatus,
    PaymentKind,
    ReportStatus,
)
from funding.services import agreements, reports
from portal.db import db
from portal.errors import Conflict, PermissionDenied, ServiceError
from portal.formatting import PARIS, format_due
from portal.models import AuditEvent, OutboxMessage
from portal.reference import OUTCOMES, YOUNG_CATEGORIES

from ..conftest import PDF_BYTES, login
from .conftest import REGION, STATE
from .helpers import OUTCOMES as OUTCOME_COUNTS
from .helpers import (
    REACH,
    _data,
    _page,
    _sign,
    _state,
    _submitted,
    _validation,
    commitment_of_dossier,
)

CATEGORIES = ["personnel", "services", "equipment", "travel", "communication", "other"]


def _form(
    actions="Ateliers hebdomadaires avec la mission locale.",
    young="22",
    achieved=("9 %",),
    expenses=None,
    action="save",
) -> dict:
    """The report form as the browser posts it: the young people reached and their outcomes
    (22 by default, none with `young=""`), one row per expense category, in order."""
    expenses = {"services": "1 000,00"} if expenses is None else expenses
    data = {"actions_carried_out": actions, "action": action}
    for key in YOUNG_CATEGORIES:
        data[f"reach-{key}"] = str(REACH.get(key, "")) if young else ""
    for key in OUTCOMES:
        data[f"outcomes-{key}"] = str(OUTCOME_COUNTS.get(key, "")) if young else ""
    for i, value in enumerate(achieved):
        data[f"indicators-{i}-achieved"] = value
    for i, key in enumerate(CATEGORIES):
        data[f"expenses-{i}-category"] = key
        data[f"expenses-{i}-amount"] = expenses.get(key, "")
        data[f"expenses-{i}-label"] = ""
    return data


@pytest.fixture
def funded(money_world):
    """Lycée A's dossier (1 000 € État + 2 000 € Région) with its agreement signed."""
    decision = money_world.accepted("1000.00", "2000.00")
    return _sign(money_world, decision.dossier)


# ---------------------------------------------------------------- writing


def test_another_establishment_cannot_reach_the_report(client, money_world, funded):
    o = money_world
    reports.save(o.head_a, funded, _data())
    login(client, o.head_b)
    assert client.get(f"/financement/dossiers/{funded.id}/bilan").status_code == 404
    assert (
        client.post(
            f"/financement/dossiers/{funded.id}/bilan", data=_form(actions="Écrasé")
        ).status_code
        == 404
    )
    attachment = reports.add_attachment(o.head_a, funded, "facture.pdf", PDF_BYTES)
    db.session.commit()
    before = _state(funded)
    base = f"/financement/dossiers/{funded.id}/bilan/pieces"
    assert client.get(f"{base}/{attachment.id}").status_code == 404
    assert client.post(f"{base}/{attachment.id}/supprimer").status_code == 404
    assert _state(funded) == before


def test_a_draft_is_saved_then_shown_again(client, money_world, funded):
    o = money_world
    login(client, o.staff_a)  # staff write the draft too
    response = client.post(
        f"/financement/dossiers/{funded.id}/bilan",
        data=_form(young="", achieved=("",), expenses={"services": "1 200,50", "travel": "0"}),
    )
    assert response.status_code == 302
    report = reports.report_of(funded)
    assert report.status == ReportStatus.draft and report.young_reached is None
    assert [(e.category, e.amount) for e in report.expenses] == [
        ("services", Decimal("1200.50")),
        ("travel", Decimal("0.00")),
    ]
    assert [i.name for i in report.indicators] == ["Taux d'absentéisme"]
    page = _page(client.get(f"/financement/dossiers/{funded.id}/bilan"))
    assert 'value="1200,50"' in page and "Taux d'absentéisme" in page
    assert "Enregistrer et déposer le bilan" not in page  # the head submits


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("reach-at_risk", "-3", "Indiquez un nombre entier de jeunes"),
        ("outcomes-unknown", "beaucoup", "Indiquez un nombre entier de jeunes"),
        ("expenses-1-amount", "12,345", "au plus deux décimales"),
        ("expenses-1-amount", "-5", "ne peut pas être négatif"),
    ],
)
def test_unreadable_values_are_refused_on_their_field(
    client, money_world, funded, field, value, message
):
    o = money_world
    reports.save(o.head_a, funded, _data())
    before = _state(funded)
    login(client, o.head_a)
    data = _form()
    data[field] = value
    response = client.post(f"/financement/dossiers/{funded.id}/bilan", data=data)
    assert response.status_code == 400
    page = _page(response)
    assert message in page and f'aria-describedby="{field}-error"' in page
    assert f'value="{value}"' in page  # what was typed is shown again
    assert _state(funded) == before


def test_submit_with_missing_parts_shows_an_error_per_field(client, money_world, funded):
    o = money_world
    before = _state(funded)
    login(client, o.head_a)
    response = client.post(
        f"/financement/dossiers/{funded.id}/bilan",
        data=_form(actions="", young="", achieved=("",), expenses={}, action="submit"),
    )
    assert response.status_code == 400
    page = _page(response)
    for field, message in (
        ("actions_carried_out", "Décrivez les actions menées."),
        ("reach", "Indiquez les jeunes touchés par catégorie"),
        ("indicators-0-achieved", "Indiquez la valeur atteinte pour « Taux d'absentéisme »"),
        ("expenses", "Indiquez au moins une dépense réalisée."),
    ):
        assert message in page, message
        assert f'aria-describedby="{field}-error"' in page, field
        assert f'href="#{field}"' in page, field
    assert _state(funded) == before
    assert funded.status == DossierStatus.funded


def test_staff_cannot_submit(money_world, funded):
    reports.save(money_world.head_a, funded, _data())
    with pytest.raises(PermissionDenied, match="chef d'établissement"):
        reports.submit(money_world.staff_a, funded)


def test_officers_do_not_write_the_report(client, money_world, funded):
    before = _state(funded)
    login(client, money_world.budget_region)
    response = client.post(f"/financement/dossiers/{funded.id}/bilan", data=_form())
    assert response.status_code == 403
    assert _state(funded) == before


def test_no_report_before_the_agreement_is_signed(client, money_world):
    o = money_world
    dossier = o.accepted("1000.00", "0").dossier
    agreements.generate(o.budget_state, dossier, services.today() + dt.timedelta(days=100))
    before = _state(dossier)
    login(client, o.head_a)
    response = client.post(f"/financement/dossiers/{dossier.id}/bilan", data=_form(action="submit"))
    assert response.status_code == 409
    assert "La convention n'est pas encore signée" in _page(response)
    assert _state(dossier) == before


def test_report_after_closure_is_refused_with_a_clear_message(client, money_world, funded):
    o = money_world
    _submitted(o, funded)
    reports.validate(o.budget_region, funded)
    reports.validate(o.budget_state, funded)
    assert services.open_clawbacks(o.call.id) == []  # nothing was paid: balances only
    for commitment in services.commitments_of(funded):
        officer = o.budget_state if commitment.funder == STATE else o.budget_region
        services.record_payment(
            officer,
            commitment,
            services.figures_of(commitment).to_pay,
            services.today(),
            f"M-{commitment.id}",
            kind="balance",
        )
    assert funded.status == DossierStatus.closed
    db.session.commit()
    before = _state(funded)
    login(client, o.head_a)
    response = client.post(f"/financement/dossiers/{funded.id}/bilan", data=_form(action="submit"))
    assert response.status_code == 409
    assert "est soldé : le bilan ne peut plus être déposé ni modifié" in _page(response)
    response = client.post(
        f"/financement/dossiers/{funded.id}/bilan/pieces",
        content_type="multipart/form-data",
        data={"file": (io.BytesIO(PDF_BYTES), "facture.pdf")},
    )
    assert response.status_code == 409
    assert _state(funded) == before


def test_late_submission_is_accepted_and_flagged(client, money_world, funded):
    o = money_world
    agreement = agreements.agreement_of(funded)
    agreement.report_due_on = services.today() - dt.timedelta(days=2)
    reports.save(o.head_a, funded, _data())
    reports.add_attachment(o.head_a, funded, "facture.pdf", PDF_BYTES)
    login(client, o.head_a)
    # before depositing, the head sees that the report is late, and since when
    page = _page(client.get(f"/financement/dossiers/{funded.id}/bilan"))
    assert 'id="bilan-en-retard"' in page
    due = dt.datetime.combine(agreement.report_due_on, dt.time(23, 59), tzinfo=PARIS)
    assert f"Date limite dépassée depuis le {format_due(due)}" in page
    response = client.post(f"/financement/dossiers/{funded.id}/bilan", data=_form(action="submit"))
    assert response.status_code == 302
    page = _page(client.get(response.headers["Location"]))
    assert "déposé en retard" in page and "Déposé en retard" in page
    assert funded.status == DossierStatus.reporting
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "report_submitted")
    ).one()
    assert event.changes["late"] is True


def test_attachments_while_draft_only(client, money_world, funded):
    o = money_world
    login(client, o.staff_a)
    base = f"/financement/dossiers/{funded.id}/bilan/pieces"
    response = client.post(
        base,
        content_type="multipart/form-data",
        data={"file": (io.BytesIO(b"MZ\x90\x00" + b"\x00" * 64), "facture.pdf")},
    )
    assert response.status_code == 400
    assert 'aria-describedby="file-error"' in _page(response)
    assert reports.report_of(funded) is None  # nothing created by the refusal
    response = client.post(
        base,
        content_type="multipart/form-data",
        data={"file": (io.BytesIO(PDF_BYTES), "facture.pdf")},
    )
    assert response.status_code == 302
    attachment = reports.report_of(funded).attachments[0]
    assert client.get(f"{base}/{attachment.id}").data == PDF_BYTES
    assert client.post(f"{base}/{attachment.id}/supprimer").status_code == 302
    db.session.expire_all()
    assert reports.report_of(funded).attachments == []
    kept = reports.add_attachment(o.head_a, funded, "emargement.pdf", PDF_BYTES)
    _submitted(o, funded)
    db.session.commit()
    before = _state(funded)
    assert client.post(f"{base}/{kept.id}/supprimer").status_code == 409
    assert _state(funded) == before
    login(client, o.budget_state)  # officers read the documents
    assert client.get(f"{base}/{kept.id}").data == PDF_BYTES


# ---------------------------------------------------------------- review


def test_corrections_need_a_message(client, money_world, funded):
    o = money_world
    _submitted(o, funded)
    before = _state(funded)
    login(client, o.budget_state)
    response = client.post(
        f"/financement/dossiers/{funded.id}/bilan/corrections", data={"message": "  "}
    )
    assert response.status_code == 400
    page = _page(response)
    assert "Indiquez ce que l'établissement doit corriger." in page
    assert 'aria-describedby="message-error"' in page
    assert _state(funded) == before


def test_corrections_send_the_report_back_then_it_is_resubmitted(client, money_world, funded):
    o = money_world
    _submitted(o, funded)
    login(client, o.budget_state)
    response = client.post(
        f"/financement/dossiers/{funded.id}/bilan/corrections",
        data={"message": "Joignez les factures de l'intervenant."},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert funded.status == DossierStatus.funded
    assert reports.report_of(funded).status == ReportStatus.corrections_requested
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.subject.like("%corrections demandées"))
        )
        == 2
    )
    login(client, o.head_a)
    page = _page(client.get(f"/financement/dossiers/{funded.id}/bilan"))
    assert "Joignez les factures de l'intervenant." in page and "Enregistrer et déposer" in page
    response = client.post(
        f"/financement/dossiers/{funded.id}/bilan",
        data=_form(expenses={"services": "900"}, action="submit"),
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert funded.status == DossierStatus.reporting
    assert reports.report_of(funded).expenses_total == Decimal("900.00")


def test_applicants_neither_validate_nor_ask_corrections(client, money_world, funded):
    o = money_world
    _submitted(o, funded)
    before = _state(funded)
    login(client, o.head_a)
    assert client.post(f"/financement/dossiers/{funded.id}/bilan/validation").status_code == 403
    assert (
        client.post(
            f"/financement/dossiers/{funded.id}/bilan/corrections", data={"message": "x"}
        ).status_code
        == 403
    )
    assert _state(funded) == before


def test_a_funder_validating_twice_is_refused(client, money_world, funded):
    o = money_world
    services.record_payment(
        o.budget_region, commitment_of_dossier(funded, REGION), "1000,00", services.today(), "R-1"
    )
    _submitted(o, funded, expenses={"services": "600.00"})
    login(client, o.budget_region)
    url = f"/financement/dossiers/{funded.id}/bilan/validation"
    assert client.post(url, data=_validation(funded)).status_code == 302
    before = _state(funded)
    response = client.post(url, data=_validation(funded))
    assert response.status_code == 409
    assert "La part de la Région du bilan a déjà été validée le" in _page(response)
    assert _state(funded) == before
    with pytest.raises(Conflict, match="déjà été validée"):
        reports.validate(o.budget_region, funded, REGION)
    assert _state(funded) == before
    reports.validate(o.budget_state, funded)  # the other part: the report is validated
    before = _state(funded)
    with pytest.raises(Conflict, match="Le bilan a déjà été validé"):
        reports.validate(o.budget_state, funded)
    assert _state(funded) == before


# ---------------------------------------------------------------- the whole path


def test_signed_funded_reported_validated_with_a_clawback(client, money_world):
    """Generate → signed copy → signature → advances → report → preview → each funder validates
    its own part → clawbacks → closed."""
    o = money_world
    dossier = o.accepted("1000.00", "3000.00").dossier
    login(client, o.budget_state)
    client.post(
        f"/financement/dossiers/{dossier.id}/convention",
        data={"report_due_on": (services.today() + dt.timedelta(days=300)).isoformat()},
    )
    login(client, o.head_a)
    client.post(
        f"/financement/dossiers/{dossier.id}/convention-signee",
        content_type="multipart/form-data",
        data={"file": (io.BytesIO(PDF_BYTES), "signee.pdf")},
    )
    login(client, o.budget_region)
    client.post(
        f"/financement/dossiers/{dossier.id}/signature",
        data={"signed_on": services.today().strftime("%d/%m/%Y")},
    )
    db.session.expire_all()
    assert dossier.status == DossierStatus.funded
    c_state = commitment_of_dossier(dossier, STATE)
    c_region = commitment_of_dossier(dossier, REGION)
    services.record_payment(o.budget_state, c_state, "500,00", services.today(), "E-1")
    services.record_payment(o.budget_region, c_region, "1500,00", services.today(), "R-1")
    db.session.commit()

    login(client, o.head_a)
    page = _page(client.get(f"/financement/dossiers/{dossier.id}"))
    assert "E-1" in page and "Reste à verser" in page and "2\u202f000,00\u00a0€" in page
    reports.add_attachment(o.head_a, dossier, "facture.pdf", PDF_BYTES)
    response = client.post(
        f"/financement/dossiers/{dossier.id}/bilan",
        data=_form(expenses={"services": "800,00", "travel": "200,00"}, action="submit"),
    )
    assert response.status_code == 302

    url = f"/financement/dossiers/{dossier.id}/bilan/validation"
    login(client, o.budget_region)
    page = _page(client.get(f"/financement/dossiers/{dossier.id}/bilan"))
    assert "Règlement du bilan par financeur" in page
    assert "1\u202f000,00\u00a0€" in page  # justified
    assert "750,00\u00a0€" in page and "250,00\u00a0€" in page  # due per funder, 3/4 – 1/4
    assert "Valider la part de la Région" in page and 'name="funder" value="region"' in page
    assert "À valider par vous" in page and "En attente de ses services" in page
    response = client.post(url, data=_validation(dossier))
    assert response.status_code == 302
    page = _page(client.get(response.headers["Location"]))
    assert (
        "La part de la Région du bilan est validée : un reversement de 750,00\u00a0€ est à "
        "demander. La part de l’État (rectorat) reste à valider par ses services."
    ) in page
    assert "Part Région validée le" in page and "Part État en attente" in page
    db.session.expire_all()
    report = reports.report_of(dossier)
    assert report.status == ReportStatus.submitted  # the State's part is pending
    assert (report.due_state, report.due_region) == (Decimal("250.00"), Decimal("750.00"))
    claws = [
        (c.commitment.funder, c.amount, c.created_by_id)
        for c in db.session.scalars(select(Clawback))
    ]
    assert claws == [(REGION, Decimal("750.00"), o.budget_region.id)]
    assert c_state.amount == Decimal("1000.00")  # the State's money untouched

    login(client, o.budget_state)
    page = _page(client.get(f"/financement/dossiers/{dossier.id}/bilan"))
    assert "Valider la part de l’État (rectorat)" in page and "Part Région validée le" in page
    response = client.post(url, data=_validation(dossier))
    assert response.status_code == 302
    page = _page(client.get(response.headers["Location"]))
    assert (
        "un reversement de 250,00\u00a0€ est à demander. Le bilan est entièrement validé." in page
    )
    db.session.expire_all()
    report = reports.report_of(dossier)
    assert report.status == ReportStatus.validated
    assert report.justified_amount == Decimal("1000.00")
    claws = {
        c.commitment.funder: (c.amount, c.created_by_id)
        for c in db.session.scalars(select(Clawback))
    }
    assert claws == {
        STATE: (Decimal("250.00"), o.budget_state.id),
        REGION: (Decimal("750.00"), o.budget_region.id),
    }
    assert dossier.status == DossierStatus.reporting  # until the clawbacks are settled
    mails = {
        m.subject: m.body.replace("\u00a0", " ")
        for m in db.session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.subject.like(f"Bilan du dossier {dossier.reference}%")
            )
        )
    }
    assert (
        "reversement de 750,00"
        in mails[f"Bilan du dossier {dossier.reference} : part de la Région validée"]
    )
    assert "reversement de 250,00" in mails[f"Bilan du dossier {dossier.reference} validé"]

    login(client, o.head_a)
    page = _page(client.get(f"/financement/dossiers/{dossier.id}"))
    assert "À reverser" in page and "Reste à reverser" in page
    assert "Part État validée le" in page and "Part Région validée le" in page
    for clawback in services.open_clawbacks(o.call.id):
        officer = o.budget_state if clawback.commitment.funder == STATE else o.budget_region
        services.settle_clawback(officer, clawback, services.today(), f"T-{clawback.id}")
    assert dossier.status == DossierStatus.closed
    assert all(c.status == ClawbackStatus.settled for c in db.session.scalars(select(Clawback)))


def test_validation_with_a_balance_to_pay(money_world, funded):
    """The State validates first and pays its balance at once; the Région pays its own once its
    part is validated; the balances paid close the dossier."""
    o = money_world
    c_state, c_region = (commitment_of_dossier(funded, f) for f in (STATE, REGION))
    services.record_payment(o.budget_state, c_state, "500,00", services.today(), "E-1")
    _submitted(o, funded, expenses={"services": "2400.00", "equipment": "300.00"})
    preview = {
        line.funder: line for line in reports.settlement_preview(funded, reports.report_of(funded))
    }
    assert (preview[STATE].due, preview[STATE].balance) == (Decimal("900.00"), Decimal("400.00"))
    result = reports.validate(o.budget_state, funded)
    assert (result.funder, result.due, result.balance, result.clawback) == (
        STATE,
        Decimal("900.00"),
        Decimal("400.00"),
        Decimal("0.00"),
    )
    assert result.pending == [REGION] and not result.complete
    rate = agreements.agreement_of(funded).advance_rate
    assert services.proposed_payment(c_state, rate) == (PaymentKind.balance, Decimal("400.00"))
    assert services.proposed_payment(c_region, rate)[0] == PaymentKind.advance
    services.record_payment(
        o.budget_state, c_state, "400,00", services.today(), "E-2", kind="balance"
    )
    services.record_payment(o.budget_region, c_region, "100,00", services.today(), "R-1")
    before = _state(funded)
    with pytest.raises(ServiceError, match="Le solde se verse après validation du bilan final"):
        services.record_payment(
            o.budget_region, c_region, "100,00", services.today(), "R-2", kind="balance"
        )
    assert _state(funded) == before
    assert (
        funded.status == DossierStatus.reporting
        and db.session.scalar(select(func.count()).select_from(Clawback)) == 0
    )
    result = reports.validate(o.budget_region, funded)
    assert (result.due, result.balance, result.clawback) == (
        Decimal("1800.00"),
        Decimal("1700.00"),
        Decimal("0.00"),
    )
    assert result.complete and reports.report_of(funded).status == ReportStatus.validated
    assert funded.status == DossierStatus.reporting
    services.record_payment(
        o.budget_region, c_region, "1700,00", services.today(), "R-3", kind="balance"
    )
    assert funded.status == DossierStatus.closed


def test_submit_refused_while_reporting(money_world, funded):
    _submitted(money_world, funded)
    with pytest.raises(Conflict, match="déjà été déposé"):
        reports.save(money_world.head_a, funded, _data(actions="Autre texte"))
    with pytest.raises(ServiceError):
        workflow.next_state(funded, "submit_report")


def test_a_report_without_supporting_document_is_refused(client, money_world, funded):
    o = money_world
    login(client, o.head_a)
    response = client.post(f"/financement/dossiers/{funded.id}/bilan", data=_form(action="submit"))
    assert response.status_code == 400
    page = _page(response)
    message = "Joignez au moins une pièce justificative"
    assert message in page
    # the message is on the upload field, tied to it, and in the summary linking to it
    assert 'aria-describedby="file-error"' in page and 'id="file-error"' in page
    assert 'href="#file"' in page
    # nothing saved: neither the submission nor the draft posted with it
    assert funded.status == DossierStatus.funded
    assert reports.report_of(funded) is None
    with pytest.raises(ServiceError) as refused:
        reports.submit(o.head_a, funded)
    assert message in refused.value.errors["attachments"]


def test_the_due_date_is_shown_before_depositing(client, money_world, funded):
    o = money_world
    login(client, o.head_a)
    page = _page(client.get(f"/financement/dossiers/{funded.id}/bilan"))
    assert 'id="bilan-en-retard"' not in page
    due = agreements.agreement_of(funded).report_due_on
    moment = dt.datetime.combine(due, dt.time(23, 59), tzinfo=PARIS)
    assert f"Date limite le {format_due(moment)}" in page


def test_every_report_due_date_is_given_with_its_time(client, money_world, funded):
    """The report, grant and commitment pages give the due day with its hour (23 h 59, Paris)."""
    o = money_world
    agreement = agreements.agreement_of(funded)
    moment = dt.datetime.combine(agreement.report_due_on, dt.time(23, 59), tzinfo=PARIS)
    assert agreement.report_due_at == moment
    login(client, o.head_a)
    report_page = _page(client.get(f"/financement/dossiers/{funded.id}/bilan"))
    assert f"Bilan attendu au plus tard le {format_due(moment)}" in report_page
    grant_page = _page(client.get(f"/financement/dossiers/{funded.id}"))
    assert format_due(moment) in grant_page and "à 23 h 59" in format_due(moment)
