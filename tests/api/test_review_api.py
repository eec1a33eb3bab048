"""The review area's API: ranking, a dossier's reviews, one's own review (GET, PUT), decisions."""

from __future__ import annotations

from decimal import Decimal

import pytest

from applications.models import DossierStatus
from portal.auth.services import issue_api_token
from portal.db import db, utcnow
from portal.models import AuditEvent, Institution
from review.models import (
    ConflictDeclaration,
    Decision,
    DecisionOutcome,
    PhaseKind,
    Review,
    ReviewPhase,
    ReviewSettings,
    ReviewStatus,
)
from tests.review.helpers import attach_grid, make_dossier, make_review, setup_call

from .helpers import bearer, count

D = Decimal


@pytest.fixture
def rw(world, factory):
    """A call in independent scoring: A (State 16 and 12, Région 20), B (12 / 12), C (nothing
    submitted); r1's review of C is assigned, waiting to be scored."""
    r = setup_call(world, factory)
    phase = ReviewPhase(call_id=r.call.id, kind=PhaseKind.independent_scoring, position=1)
    db.session.add(phase)
    db.session.flush()
    db.session.get(ReviewSettings, r.call.id).current_phase_id = phase.id
    r.a = make_dossier(r.call, world.est_a, world.head_a, region="4000.00", state="1000.00")
    r.b = make_dossier(r.call, world.est_b, world.head_b, status=DossierStatus.reviewed)
    r.c = make_dossier(r.call, world.est_b, world.head_b)
    attach_grid(r, r.a, r.b, r.c)
    r.a_s1 = make_review(r.a, r.s1, Institution.state, (4, 4))
    make_review(r.a, r.s2, Institution.state, (3, 3))
    r.a_r1 = make_review(r.a, r.r1, Institution.region, (5, 5))
    make_review(r.b, r.s1, Institution.state, (3, 3))
    make_review(r.b, r.r1, Institution.region, (3, 3))
    r.c_r1 = Review(dossier_id=r.c.id, reviewer_id=r.r1.id, institution=Institution.region)
    db.session.add(r.c_r1)
    db.session.commit()
    r.tokens = {}
    return r


def _token(r, user) -> dict:
    if user.id not in r.tokens:
        r.tokens[user.id] = issue_api_token(user)
        db.session.commit()
    return bearer(r.tokens[user.id])


# ------------------------------------------------------------------ ranking


def test_ranking_rows_sorted_by_score_with_decimal_strings(client, world, rw):
    response = client.get(
        f"/api/v1/calls/{rw.call.id}/ranking", headers=_token(rw, world.call_admin)
    )
    assert response.status_code == 200
    items = response.get_json()["items"]
    assert [i["dossier_id"] for i in items] == [rw.a.id, rw.b.id, rw.c.id]
    a = items[0]
    assert a["reference"] == rw.a.reference
    assert (a["score"], a["state_mean"], a["region_mean"], a["spread"]) == (
        "17.00",
        "14.00",
        "20.00",
        "8.00",
    )
    assert a["flagged"] is True and a["reasons"] == [
        "Écart État–Région de 6,00 points (seuil 3,00)"
    ]
    assert items[1]["flagged"] is False and items[1]["score"] == "12.00"
    assert items[2]["score"] is None and items[2]["rank"] is None


@pytest.mark.parametrize("who", ["head_a", "staff_a", "reviewer", "observer", "budget", "s1"])
def test_ranking_is_refused_to_applicants_and_reviewers(client, world, rw, who):
    user = getattr(rw, who, None) or getattr(world, who)
    response = client.get(f"/api/v1/calls/{rw.call.id}/ranking", headers=_token(rw, user))
    assert response.status_code == 403
    assert "error" in response.get_json()
    assert rw.a.reference not in response.get_data(as_text=True)


def test_ranking_of_an_unknown_call_is_404(client, world, rw):
    response = client.get("/api/v1/calls/999999/ranking", headers=_token(rw, world.call_admin))
    assert response.status_code == 404


def test_a_conflicted_copilot_gets_the_ranking_without_the_dossier(client, world, rw):
    db.session.add(
        ConflictDeclaration(dossier_id=rw.a.id, user_id=rw.copilot_region.id, kind="personal")
    )
    db.session.commit()
    items = client.get(
        f"/api/v1/calls/{rw.call.id}/ranking", headers=_token(rw, rw.copilot_region)
    ).get_json()["items"]
    assert [i["dossier_id"] for i in items] == [rw.b.id, rw.c.id]
    state = client.get(
        f"/api/v1/calls/{rw.call.id}/ranking", headers=_token(rw, rw.copilot_state)
    ).get_json()["items"]
    assert [i["dossier_id"] for i in state] == [rw.a.id, rw.b.id, rw.c.id]


# ------------------------------------------------------------------ a dossier's reviews


def test_call_admin_reads_every_review_with_names_and_totals(client, world, rw):
    response = client.get(
        f"/api/v1/dossiers/{rw.a.id}/reviews", headers=_token(rw, world.call_admin)
    )
    assert response.status_code == 200
    items = response.get_json()["items"]
    assert {i["reviewer"] for i in items} == {
        "Sévère État",
        "Second État",
        world.reviewer.full_name,
    }
    assert sorted(i["total"] for i in items) == ["12.00", "16.00", "20.00"]
    first = next(i for i in items if i["id"] == rw.a_s1.id)
    assert first["scores"][0]["value"] == "4.00" and first["opinion"] == "favourable"


def test_a_copilot_reads_the_reviews_without_names(client, world, rw):
    items = client.get(
        f"/api/v1/dossiers/{rw.a.id}/reviews", headers=_token(rw, rw.copilot_region)
    ).get_json()["items"]
    assert len(items) == 3 and {i["reviewer"] for i in items} == {None}


def test_a_reviewer_reads_only_their_own_during_independent_scoring(client, world, rw):
    items = client.get(f"/api/v1/dossiers/{rw.a.id}/reviews", headers=_token(rw, rw.r1)).get_json()[
        "items"
    ]
    assert [i["id"] for i in items] == [rw.a_r1.id]
    assert items[0]["reviewer"] == rw.r1.full_name


def test_an_applicant_is_refused_the_reviews_of_its_own_dossier(client, world, rw):
    response = client.get(f"/api/v1/dossiers/{rw.a.id}/reviews", headers=_token(rw, world.head_a))
    assert response.status_code == 403
    assert "16.00" not in response.get_data(as_text=True)
    other = client.get(f"/api/v1/dossiers/{rw.a.id}/reviews", headers=_token(rw, world.head_b))
    assert other.status_code == 404


def test_a_conflicted_copilot_gets_404_on_the_reviews(client, world, rw):
    db.session.add(
        ConflictDeclaration(dossier_id=rw.a.id, user_id=rw.copilot_region.id, kind="personal")
    )
    db.session.commit()
    response = client.get(
        f"/api/v1/dossiers/{rw.a.id}/reviews", headers=_token(rw, rw.copilot_region)
    )
    assert response.status_code == 404


# ------------------------------------------------------------------ one review


def test_get_own_review_and_not_another(client, world, rw):
    own = client.get(f"/api/v1/reviews/{rw.c_r1.id}", headers=_token(rw, rw.r1))
    assert own.status_code == 200
    assert own.get_json()["status"] == "assigned" and own.get_json()["total"] is None
    assert client.get(f"/api/v1/reviews/{rw.a_s1.id}", headers=_token(rw, rw.r1)).status_code == 404
    assert (
        client.get(f"/api/v1/reviews/{rw.a_s1.id}", headers=_token(rw, world.head_a)).status_code
        == 404
    )
    assert client.get("/api/v1/reviews/999999", headers=_token(rw, rw.r1)).status_code == 404


def _body(rw, **extra):
    body = {
        "scores": [
            {"criterion_id": rw.grid[0].id, "value": "4", "comment": "Pertinent"},
            {"criterion_id": rw.grid[1].id, "value": "3,5"},
            {"criterion_id": rw.grid[2].id, "flag": True},
        ],
        "opinion": "favourable",
        "comment": "Bon projet.",
        "proposed_amount": "2 500,00",
    }
    body.update(extra)
    return body


def test_put_saves_the_reviewers_own_review_through_the_scoring_service(client, world, rw):
    response = client.put(
        f"/api/v1/reviews/{rw.c_r1.id}", json=_body(rw, version=1), headers=_token(rw, rw.r1)
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["status"] == "draft" and body["proposed_amount"] == "2500.00"
    assert body["total"] == "15.33"  # 20 × (2×4/5 + 3.5/5) / 3
    db.session.expire_all()
    review = db.session.get(Review, rw.c_r1.id)
    assert review.status == ReviewStatus.draft and review.opinion.value == "favourable"
    assert {s.criterion_id: s.value for s in review.scores}[rw.grid[1].id] == D("3.50")
    assert (
        db.session.query(AuditEvent).filter_by(action="review_saved", object_id=review.id).count()
        == 1
    )


def test_put_with_submit_submits(client, world, rw):
    response = client.put(
        f"/api/v1/reviews/{rw.c_r1.id}", json=_body(rw, submit=True), headers=_token(rw, rw.r1)
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "submitted"
    again = client.put(
        f"/api/v1/reviews/{rw.c_r1.id}", json={"comment": "Changement"}, headers=_token(rw, rw.r1)
    )
    assert again.status_code == 409
    assert "soumise" in again.get_json()["error"]


def _unchanged(rw) -> tuple:
    db.session.expire_all()
    review = db.session.get(Review, rw.c_r1.id)
    return (review.status, review.version, review.comment, len(review.scores), count(AuditEvent))


@pytest.mark.parametrize(
    "body, status, field",
    [
        ({"scores": [{"criterion_id": 0, "value": "9"}]}, 400, None),
        ("out_of_scale", 400, "score_"),
        ({"opinion": "enthousiaste"}, 400, "opinion"),
        ({"proposed_amount": "beaucoup"}, 400, "proposed_amount"),
        ({"note": "inconnu"}, 400, "note"),
        ({"comment": "x", "version": 7}, 409, None),
    ],
)
def test_bad_puts_change_nothing(client, world, rw, body, status, field):
    if body == "out_of_scale":
        body = {"scores": [{"criterion_id": rw.grid[0].id, "value": "6"}]}
    headers = _token(rw, rw.r1)
    before = _unchanged(rw)
    response = client.put(f"/api/v1/reviews/{rw.c_r1.id}", json=body, headers=headers)
    assert response.status_code == status, response.get_json()
    payload = response.get_json()
    assert payload["error"]
    if field:
        assert any(key.startswith(field) for key in payload["errors"]), payload
    assert _unchanged(rw) == before


def test_put_on_someone_elses_review_is_refused(client, world, rw):
    for user in (rw.s1, rw.copilot_state, world.head_b):
        _token(rw, user)
    before = _unchanged(rw)
    # a fellow reviewer cannot even see it; a co-pilot sees it but may not write it
    assert (
        client.put(
            f"/api/v1/reviews/{rw.c_r1.id}", json={"comment": "x"}, headers=_token(rw, rw.s1)
        ).status_code
        == 404
    )
    assert (
        client.put(
            f"/api/v1/reviews/{rw.c_r1.id}",
            json={"comment": "x"},
            headers=_token(rw, rw.copilot_state),
        ).status_code
        == 403
    )
    assert (
        client.put(
            f"/api/v1/reviews/{rw.c_r1.id}", json={"comment": "x"}, headers=_token(rw, world.head_b)
        ).status_code
        == 404
    )
    assert _unchanged(rw) == before


# ------------------------------------------------------------------ decisions


def _decide(rw, dossier, *, published: bool):
    now = utcnow()
    decision = Decision(
        dossier_id=dossier.id,
        outcome=DecisionOutcome.accept,
        amount_state=D("2000.00"),
        amount_region=D("3000.00"),
        motivation="Projet solide et partenarial.",
        proposed_by_id=rw.copilot_state.id,
        state_validated_by_id=rw.copilot_state.id,
        state_validated_at=now,
        region_validated_by_id=rw.copilot_region.id,
        region_validated_at=now,
        finalised_at=now,
        published_at=now if published else None,
    )
    db.session.add(decision)
    db.session.commit()
    return decision


def test_decision_for_staff_and_for_the_establishment_once_published(client, world, rw):
    _decide(rw, rw.b, published=True)
    _decide(rw, rw.a, published=False)
    mine = client.get(f"/api/v1/dossiers/{rw.b.id}/decision", headers=_token(rw, world.head_b))
    assert mine.status_code == 200
    body = mine.get_json()
    assert body == {
        **body,
        "outcome": "accept",
        "amount_state": "2000.00",
        "amount_region": "3000.00",
        "final": True,
        "motivation": "Projet solide et partenarial.",
    }
    assert "proposed_by" not in body and "state_validated_by_id" not in body
    assert (
        client.get(
            f"/api/v1/dossiers/{rw.a.id}/decision", headers=_token(rw, world.head_a)
        ).status_code
        == 404
    )  # not yet published
    assert (
        client.get(
            f"/api/v1/dossiers/{rw.a.id}/decision", headers=_token(rw, world.call_admin)
        ).status_code
        == 200
    )
    assert (
        client.get(
            f"/api/v1/dossiers/{rw.b.id}/decision", headers=_token(rw, world.head_a)
        ).status_code
        == 404
    )  # not theirs


def test_no_decision_is_404(client, world, rw):
    response = client.get(
        f"/api/v1/dossiers/{rw.c.id}/decision", headers=_token(rw, world.call_admin)
    )
    assert response.status_code == 404
    assert "Aucune décision" in response.get_json()["error"]


def test_the_new_endpoints_are_documented(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert set(paths["/reviews/{review_id}"]) >= {"get", "put"}
    for path in (
        "/calls/{call_id}/ranking",
        "/dossiers/{dossier_id}/reviews",
        "/dossiers/{dossier_id}/decision",
    ):
        assert "get" in paths[path]
