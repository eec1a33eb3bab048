"""Commission pages: sessions, proposals, validations, documents, publication — through HTTP.

`build_commission` sets up a call's commission with reviewed dossiers; the route × role permission
matrix (tests/test_permission_matrix.py) uses it too.
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from applications.models import DossierStatus
from portal.db import db
from portal.models import Institution, OutboxMessage
from review.models import (
    CommissionSession,
    ConflictDeclaration,
)
from review.services import decisions as decisions_svc

from ..conftest import login
from ..helpers import count_queries
from .helpers import _reviewed, build_commission


@pytest.fixture
def commission(world, factory):
    return build_commission(world, factory)


def _page(response) -> str:
    return response.get_data(as_text=True).replace("&#39;", "'").replace("&#34;", '"')


def _pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF-")
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


# ---------------------------------------------------------------- who reaches the pages


def _routes(world, c):
    d = c.dossiers[0]
    return [
        ("get", f"/instruction/appels/{world.call.id}/seances"),
        ("post", f"/instruction/appels/{world.call.id}/seances"),
        ("get", f"/instruction/seances/{c.session.id}"),
        ("get", f"/instruction/seances/{c.session.id}/dossiers/{d.id}/proposition"),
        ("post", f"/instruction/seances/{c.session.id}/dossiers/{d.id}/proposition"),
        ("get", f"/instruction/seances/{c.session.id}/proces-verbal"),
        ("get", f"/instruction/appels/{world.call.id}/decisions"),
        ("post", f"/instruction/appels/{world.call.id}/publier"),
    ]


@pytest.mark.parametrize("who", ["head_a", "staff_a", "head_b", "reviewer", "observer", "budget"])
def test_applicants_and_outsiders_reach_no_commission_page(client, world, commission, who):
    decision = decisions_svc.record_proposal(
        world.call_admin,
        commission.session,
        commission.dossiers[0],
        "reject",
        motivation="Trop flou.",
    )
    routes = _routes(world, commission) + [
        ("post", f"/instruction/decisions/{decision.id}/valider"),
        ("post", f"/instruction/decisions/{decision.id}/renvoyer"),
    ]
    login(client, getattr(world, who))
    for method, url in routes:
        response = (
            getattr(client, method)(
                url, data={"outcome": "accept", "comment": "x", "institution": "state"}
            )
            if method == "post"
            else client.get(url)
        )
        assert response.status_code in (403, 404), (who, url, response.status_code)
    db.session.refresh(decision)
    assert decision.state_validated_by_id is None and decision.region_validated_by_id is None
    assert commission.dossiers[0].status == DossierStatus.proposed_reject


@pytest.mark.parametrize("who", ["copilot_state", "copilot_region", "call_admin"])
def test_copilots_and_call_admins_run_the_session(client, world, commission, who):
    user = world.call_admin if who == "call_admin" else getattr(commission, who)
    login(client, user)
    for method, url in _routes(world, commission):
        if method == "get":
            assert client.get(url).status_code == 200, url


def test_a_conflicted_copilot_does_not_see_the_dossier_in_the_session(client, world, commission):
    hidden = commission.dossiers[1]
    db.session.add(
        ConflictDeclaration(
            dossier_id=hidden.id, user_id=commission.copilot_region.id, kind="personal"
        )
    )
    login(client, commission.copilot_region)
    page = _page(client.get(f"/instruction/seances/{commission.session.id}"))
    assert commission.dossiers[0].reference in page and hidden.reference not in page
    url = f"/instruction/seances/{commission.session.id}/dossiers/{hidden.id}/proposition"
    assert client.get(url).status_code == 404


# ---------------------------------------------------------------- sessions


def test_create_a_session_with_members_present(client, world, commission):
    login(client, world.call_admin)
    response = client.post(
        f"/instruction/appels/{world.call.id}/seances",
        data={
            "held_on": "2015-04-02",
            "title": "Seconde commission",
            "attendees": [str(commission.copilot_state.id), str(commission.copilot_region.id)],
        },
    )
    assert response.status_code == 302
    created = db.session.scalar(
        select(CommissionSession).where(CommissionSession.title == "Seconde commission")
    )
    assert created.held_on == dt.date(2015, 4, 2)
    assert {u.id for u in created.attendees} == {
        commission.copilot_state.id,
        commission.copilot_region.id,
    }


def test_a_session_refuses_outsiders_and_a_missing_date(client, world, commission):
    login(client, world.call_admin)
    before = db.session.scalar(select(func.count()).select_from(CommissionSession))
    response = client.post(
        f"/instruction/appels/{world.call.id}/seances",
        data={"held_on": "", "title": "Séance", "attendees": [str(world.head_a.id)]},
    )
    assert response.status_code == 400
    page = _page(response)
    assert "Indiquez la date de la séance" in page
    assert "Seuls les membres de la commission de cet appel peuvent être présents." in page
    assert db.session.scalar(select(func.count()).select_from(CommissionSession)) == before


# ---------------------------------------------------------------- the session table


def test_session_lists_dossiers_by_rank_with_the_funding_line(client, world, commission):
    first, second, third = commission.dossiers  # scores 20, 16, 12 /20; each asks 3 000 € + 3 000 €
    decisions_svc.record_proposal(
        world.call_admin, commission.session, first, "accept", "3000", "1500"
    )
    login(client, commission.copilot_state)
    page = _page(
        client.get(
            f"/instruction/seances/{commission.session.id}"
            "?enveloppe_region=6000&enveloppe_etat=100000"
        )
    )
    assert page.index(first.reference) < page.index(second.reference) < page.index(third.reference)
    # Région: 1 500 granted to rank 1, then 3 000 asked by rank 2 → 1 500 left; rank 3 is beyond.
    assert "si l'on finance jusqu'au rang 2, elle dispose encore de 1\u202f500,00\u00a0€" in page
    assert "elle couvre tous les dossiers classés ; il reste 91\u202f000,00\u00a0€" in page
    assert "Au-delà de l'enveloppe" in page


def test_an_unreadable_envelope_is_reported_not_used(client, world, commission):
    login(client, world.call_admin)
    page = _page(
        client.get(f"/instruction/seances/{commission.session.id}?enveloppe_region=beaucoup")
    )
    assert "n'est pas un montant" in page
    assert "Ligne de financement" not in page


def test_session_page_queries_do_not_grow_with_the_dossiers(client, world, factory):
    c = build_commission(world, factory, count=3)
    login(client, world.call_admin)
    url = f"/instruction/seances/{c.session.id}?enveloppe_region=10000"
    client.get(url)
    with count_queries() as few:
        client.get(url)
    reviewers = [(c.reviewer_state, Institution.state), (c.reviewer_region, Institution.region)]
    for i in range(12):
        d = _reviewed(world, world.head_a, factory, reviewers, [3, 4])
        if i % 2:
            decisions_svc.record_proposal(
                world.call_admin, c.session, d, "reject", motivation="Non."
            )
    db.session.flush()
    with count_queries() as many:
        page = _page(client.get(url))
    assert page.count('<tr id="dossier-') == 15
    assert many.count == few.count


# ---------------------------------------------------------------- proposals over HTTP


def test_a_rejection_without_motivation_is_refused_on_its_field(client, world, commission):
    dossier = commission.dossiers[0]
    login(client, world.call_admin)
    response = client.post(
        f"/instruction/seances/{commission.session.id}/dossiers/{dossier.id}/proposition",
        data={"outcome": "reject", "motivation": "  "},
    )
    assert response.status_code == 400
    page = _page(response)
    assert "Motivez le rejet : l'établissement lira cette motivation." in page
    assert 'aria-describedby="motivation-error"' in page
    db.session.refresh(dossier)
    assert dossier.status == DossierStatus.reviewed and decisions_svc.decision_of(dossier) is None


def test_an_accept_above_the_asked_amount_is_refused(client, world, commission):
    dossier = commission.dossiers[0]  # asks 3 000 € of the Région
    login(client, commission.copilot_region)
    response = client.post(
        f"/instruction/seances/{commission.session.id}/dossiers/{dossier.id}/proposition",
        data={"outcome": "accept", "amount_state": "1 000", "amount_region": "3 000,01"},
    )
    assert response.status_code == 400
    assert "dépasse le montant demandé (3\u202f000,00\u00a0€)" in _page(response)
    db.session.refresh(dossier)
    assert dossier.status == DossierStatus.reviewed and decisions_svc.decision_of(dossier) is None


def test_a_proposal_moves_the_dossier_and_is_audited(client, world, commission):
    from portal.models import AuditEvent

    dossier = commission.dossiers[0]
    login(client, world.call_admin)
    response = client.post(
        f"/instruction/seances/{commission.session.id}/dossiers/{dossier.id}/proposition",
        data={
            "outcome": "accept",
            "amount_state": "2 500,50",
            "amount_region": "1000",
            "motivation": "",
        },
    )
    assert response.status_code == 302
    db.session.refresh(dossier)
    assert dossier.status == DossierStatus.proposed_accept
    decision = decisions_svc.decision_of(dossier)
    assert decision.amount_state == Decimal("2500.50")
    assert decision.amount_region == Decimal("1000.00")
    assert decision.motivation == decisions_svc.DEFAULT_ACCEPT_MOTIVATION
    assert decision.session_id == commission.session.id
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "decision_proposed"))
    assert event.changes["status"] == ["reviewed", "proposed_accept"]


# ---------------------------------------------------------------- validations over HTTP


def test_a_forged_institution_field_is_refused(client, world, commission):
    decision = decisions_svc.record_proposal(
        world.call_admin, commission.session, commission.dossiers[0], "accept", "1000", "1000"
    )
    login(client, commission.copilot_state)
    response = client.post(
        f"/instruction/decisions/{decision.id}/valider", data={"institution": "region"}
    )
    assert response.status_code == 403
    assert "vous ne pouvez valider que pour votre institution" in _page(response)
    db.session.refresh(decision)
    assert decision.state_validated_by_id is None and decision.region_validated_by_id is None


def test_both_copilots_validate_through_the_pages(client, world, commission):
    dossier = commission.dossiers[0]
    decision = decisions_svc.record_proposal(
        world.call_admin, commission.session, dossier, "accept", "1000", "2000"
    )
    login(client, commission.copilot_state)
    home = _page(client.get("/"))
    assert "Décisions en attente de votre validation" in home and dossier.reference in home
    page = _page(client.get(f"/instruction/appels/{world.call.id}/decisions"))
    assert 'name="institution" value="state"' in page
    assert (
        client.post(
            f"/instruction/decisions/{decision.id}/valider", data={"institution": "state"}
        ).status_code
        == 302
    )
    assert (
        client.post(
            f"/instruction/decisions/{decision.id}/valider", data={"institution": "state"}
        ).status_code
        == 409
    )
    login(client, commission.copilot_region)
    # the second validation makes the decision final: asked first, nothing changed meanwhile
    page = _page(client.get(f"/instruction/appels/{world.call.id}/decisions"))
    assert f'data-portal-confirm="confirmer-validation-{decision.id}"' in page
    assert "la décision devient définitive" in page
    response = client.post(
        f"/instruction/decisions/{decision.id}/valider", data={"institution": "region"}
    )
    assert response.status_code == 200 and "Confirmer la validation" in _page(response)
    assert 'name="institution" value="region"' in _page(response)
    db.session.refresh(decision)
    assert decision.region_validated_by_id is None and decision.finalised_at is None
    assert (
        client.post(
            f"/instruction/decisions/{decision.id}/valider",
            data={"institution": "region", "confirmed": "1"},
        ).status_code
        == 302
    )
    db.session.refresh(decision)
    db.session.refresh(dossier)
    assert decision.finalised_at is not None and dossier.status == DossierStatus.accepted
    home = _page(client.get("/")).split("<h1>Bonjour")[1]  # past the flashed message
    assert dossier.reference not in home.split("Vos appels")[0]


def test_send_back_without_comment_changes_nothing(client, world, commission):
    decision = decisions_svc.record_proposal(
        world.call_admin, commission.session, commission.dossiers[0], "accept", "1000", "1000"
    )
    decisions_svc.validate_decision(commission.copilot_state, decision)
    login(client, commission.copilot_region)
    response = client.post(
        f"/instruction/decisions/{decision.id}/renvoyer",
        data={"comment": ""},
        follow_redirects=True,
    )
    assert "Expliquez pourquoi la proposition est renvoyée en commission." in _page(response)
    db.session.refresh(decision)
    assert decision.state_validated_by_id == commission.copilot_state.id
    assert commission.dossiers[0].status == DossierStatus.proposed_accept


# ---------------------------------------------------------------- publication and documents


def test_the_establishment_sees_the_decision_only_once_published(client, world, commission):
    dossier = commission.dossiers[0]
    decision = decisions_svc.record_proposal(
        world.call_admin,
        commission.session,
        dossier,
        "accept",
        "1200",
        "800",
        "Projet solide et partenarial.",
    )
    decisions_svc.validate_decision(commission.copilot_state, decision)
    decisions_svc.validate_decision(commission.copilot_region, decision)
    for other in commission.dossiers[1:]:
        d = decisions_svc.record_proposal(
            world.call_admin,
            commission.session,
            other,
            "reject",
            motivation="Budget insuffisamment détaillé.",
        )
        decisions_svc.validate_decision(commission.copilot_state, d)
        decisions_svc.validate_decision(commission.copilot_region, d)
    login(client, world.head_a)
    page = _page(client.get(f"/dossiers/{dossier.id}"))
    assert "Décision de la commission" not in page and "Projet solide" not in page
    assert client.get(f"/instruction/dossiers/{dossier.id}/lettre-de-decision").status_code == 403

    login(client, world.call_admin)
    # the button opens the DSFR modal, whose own button posts the form with its confirmation
    page = _page(client.get(f"/instruction/appels/{world.call.id}/decisions"))
    assert 'data-portal-confirm="confirmer-publication"' in page
    assert 'id="confirmer-publication" class="fr-modal"' in page
    assert 'form="form-publication" name="confirmed" value="1"' in page
    response = client.post(f"/instruction/appels/{world.call.id}/publier")
    assert response.status_code == 200 and "Confirmer la publication" in _page(response)
    assert not db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.subject == f"Dossier {dossier.reference} retenu")
    ).all()
    response = client.post(f"/instruction/appels/{world.call.id}/publier", data={"confirmed": "1"})
    assert response.status_code == 302
    mails = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.subject == f"Dossier {dossier.reference} retenu")
    ).all()
    assert {m.recipient for m in mails} == {world.head_a.email, world.staff_a.email}
    assert "1\u202f200,00\u00a0€" in mails[0].body and "Projet solide" in mails[0].body

    login(client, world.head_a)
    page = _page(client.get(f"/dossiers/{dossier.id}"))
    assert "Décision de la commission : projet retenu" in page
    assert "1\u202f200,00\u00a0€" in page and "800,00\u00a0€" in page
    assert "Projet solide et partenarial." in page
    for person in (
        commission.reviewer_state,
        commission.reviewer_region,
        commission.copilot_state,
        commission.copilot_region,
    ):
        assert person.full_name not in page
    assert "Note /20" not in page and "Moyenne" not in page
    letter = client.get(f"/instruction/dossiers/{dossier.id}/lettre-de-decision")
    assert letter.status_code == 200 and letter.mimetype == "application/pdf"
    text = _pdf_text(letter.data)
    assert dossier.reference in text and "Projet solide" in text
    assert commission.reviewer_state.full_name not in text
    login(client, world.head_b)
    assert client.get(f"/instruction/dossiers/{dossier.id}/lettre-de-decision").status_code == 404


def test_publication_before_every_decision_is_refused_with_the_list(client, world, commission):
    first, second, third = commission.dossiers
    decision = decisions_svc.record_proposal(
        world.call_admin, commission.session, first, "reject", motivation="Hors sujet."
    )
    decisions_svc.validate_decision(commission.copilot_state, decision)
    decisions_svc.validate_decision(commission.copilot_region, decision)
    login(client, world.call_admin)
    page = _page(
        client.post(
            f"/instruction/appels/{world.call.id}/publier",
            data={"confirmed": "1"},
            follow_redirects=True,
        )
    )
    assert "Publication impossible : 2 dossiers de l'appel n’ont pas encore de décision" in page
    assert second.reference in page and third.reference in page
    db.session.refresh(decision)
    assert decision.published_at is None
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.subject.like("Dossier % non retenu"))
        )
        == 0
    )


def test_minutes_are_a_pdf_with_attendance_decisions_and_validations(client, world, commission):
    dossier = commission.dossiers[0]
    decision = decisions_svc.record_proposal(
        world.call_admin, commission.session, dossier, "accept", "1000", "2000"
    )
    decisions_svc.validate_decision(commission.copilot_state, decision)
    login(client, commission.copilot_region)
    response = client.get(f"/instruction/seances/{commission.session.id}/proces-verbal")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = _pdf_text(response.data)
    assert dossier.reference in text
    assert commission.copilot_state.full_name in text and "Régine Copilote" in text
    assert "2\u202f000,00" in text or "2 000,00" in text
    assert "non validée" in text  # the Région has not validated yet


def test_a_sent_back_proposal_shows_why_when_it_is_taken_up_again(client, world, commission):
    dossier = commission.dossiers[0]
    decision = decisions_svc.record_proposal(
        world.call_admin, commission.session, dossier, "accept", "1000", "1000"
    )
    login(client, commission.copilot_region)
    response = client.post(
        f"/instruction/decisions/{decision.id}/renvoyer",
        data={"comment": "La Région ne peut financer que 500 €."},
    )
    assert response.status_code == 302
    db.session.refresh(dossier)
    assert dossier.status == DossierStatus.reviewed
    login(client, world.call_admin)
    page = _page(
        client.get(
            f"/instruction/seances/{commission.session.id}/dossiers/{dossier.id}/proposition"
        )
    )
    assert "La Région ne peut financer que 500 €." in page
    assert 'value="1000,00"' in page  # the proposal is there to be amended


def test_copilot_home_queries_do_not_grow_with_pending_decisions(client, world, commission):
    decisions_svc.record_proposal(
        world.call_admin, commission.session, commission.dossiers[0], "accept", "1000", "1000"
    )
    login(client, commission.copilot_region)
    client.get("/")
    with count_queries() as few:
        client.get("/")
    for dossier in commission.dossiers[1:]:
        decisions_svc.record_proposal(
            world.call_admin, commission.session, dossier, "reject", motivation="Non."
        )
    db.session.flush()
    with count_queries() as many:
        page = _page(client.get("/"))
    assert all(d.reference in page for d in commission.dossiers)
    assert many.count == few.count
