"""Scoring: the reviewer's queue, drafts, submission, reopening, and who sees which review."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from applications import services as dossiers
from applications.models import DossierStatus
from portal.db import db
from portal.errors import Conflict, PermissionDenied, ServiceError
from portal.models import AuditEvent, Institution, OutboxMessage
from review.models import (
    Opinion,
    PhaseKind,
    Review,
    ReviewStatus,
    Score,
    Visibility,
)
from review.services import conflicts as conflicts_svc
from review.services import scoring as scoring_svc

from ..conftest import login
from .helpers import form, full, make_in_review, set_phase


def submit_both(s) -> None:
    for user, review in ((s.state_reviewer, s.r_state), (s.region_reviewer, s.r_region)):
        scoring_svc.save_review(user, review, full(s), review.version)
        scoring_svc.submit_review(user, review)
    db.session.flush()


def page(response) -> str:
    return response.get_data(as_text=True).replace("&#39;", "'").replace("&#34;", '"')


# ---------------------------------------------------------------- services


def test_a_draft_is_saved_half_filled(sw):
    version = sw.r_state.version
    scoring_svc.save_review(
        sw.state_reviewer,
        sw.r_state,
        {"scores": {sw.relevance.id: "2,5"}, "comments": {sw.relevance.id: "Flou"}},
        version,
    )
    db.session.flush()
    assert sw.r_state.status == ReviewStatus.draft
    assert sw.r_state.version == version + 1
    score = db.session.scalar(select(Score).where(Score.review_id == sw.r_state.id))
    assert score.value == Decimal("2.50") and score.comment == "Flou"
    assert scoring_svc.total_of(sw.r_state, scoring_svc.criteria_of(sw.call.id)) == Decimal("10.00")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "review_saved"))
    assert event.object_id == sw.r_state.id and event.changes["status"] == ["assigned", "draft"]


def test_saving_scores_only_moves_the_version_on(sw):
    scoring_svc.save_review(sw.state_reviewer, sw.r_state, full(sw), sw.r_state.version)
    db.session.flush()
    version = sw.r_state.version
    scoring_svc.save_review(
        sw.state_reviewer, sw.r_state, {"scores": {sw.relevance.id: "1"}}, version
    )
    db.session.flush()
    assert sw.r_state.version == version + 1


@pytest.mark.parametrize(
    "value, message",
    [
        ("6", "doit être comprise entre 0 et 5"),
        ("-1", "doit être comprise entre 0 et 5"),
        ("2,555", "au plus deux décimales"),
        ("beaucoup", "n'est pas une note"),
        ("NaN", "n'est pas une note"),
    ],
)
def test_scores_outside_the_scale_are_refused_and_nothing_is_saved(sw, value, message):
    version = sw.r_state.version
    with pytest.raises(ServiceError) as caught:
        scoring_svc.save_review(
            sw.state_reviewer,
            sw.r_state,
            {"scores": {sw.relevance.id: value, sw.feasibility.id: "3"}, "opinion": "favourable"},
            version,
        )
    assert message in caught.value.errors[f"score_{sw.relevance.id}"]
    db.session.flush()
    assert db.session.scalars(select(Score)).all() == []
    review = db.session.get(Review, sw.r_state.id)
    assert review.status == ReviewStatus.assigned and review.opinion is None
    assert review.version == version


def test_unknown_opinion_and_bad_amount_are_refused(sw):
    with pytest.raises(ServiceError) as caught:
        scoring_svc.save_review(
            sw.state_reviewer,
            sw.r_state,
            {"opinion": "enthousiaste", "proposed_amount": "-3"},
            None,
        )
    assert set(caught.value.errors) == {"opinion", "proposed_amount"}
    assert "négatif" in caught.value.errors["proposed_amount"]


def test_submitting_with_a_required_criterion_missing_is_refused(sw):
    data = full(sw)
    data["scores"][sw.feasibility.id] = ""
    scoring_svc.save_review(sw.state_reviewer, sw.r_state, data, None)
    with pytest.raises(ServiceError) as caught:
        scoring_svc.submit_review(sw.state_reviewer, sw.r_state)
    assert "« Faisabilité »" in caught.value.message
    assert "Pertinence" not in caught.value.message and "Partenariats" not in caught.value.message
    assert sw.r_state.status == ReviewStatus.draft and sw.r_state.submitted_at is None


def test_submitting_without_an_opinion_is_refused(sw):
    scoring_svc.save_review(sw.state_reviewer, sw.r_state, full(sw, opinion=""), None)
    with pytest.raises(ServiceError, match="donnez un avis"):
        scoring_svc.submit_review(sw.state_reviewer, sw.r_state)
    assert sw.r_state.status == ReviewStatus.draft


def test_when_every_review_is_in_the_dossier_is_reviewed(sw):
    scoring_svc.save_review(sw.state_reviewer, sw.r_state, full(sw), None)
    scoring_svc.submit_review(sw.state_reviewer, sw.r_state)
    assert sw.r_state.submitted_at is not None
    assert sw.dossier.status == DossierStatus.in_review
    scoring_svc.save_review(sw.region_reviewer, sw.r_region, full(sw), None)
    scoring_svc.submit_review(sw.region_reviewer, sw.r_region)
    assert sw.dossier.status == DossierStatus.reviewed
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert actions.count("review_submitted") == 2 and "dossier_reviewed" in actions


def test_a_declined_review_does_not_hold_the_dossier_back(sw):
    conflicts_svc.declare_conflict(
        sw.region_reviewer, sw.dossier, "personal", "Ma fille y est élève."
    )
    scoring_svc.save_review(sw.state_reviewer, sw.r_state, full(sw), None)
    scoring_svc.submit_review(sw.state_reviewer, sw.r_state)
    assert sw.dossier.status == DossierStatus.reviewed


def test_editing_a_submitted_review_is_refused(sw):
    scoring_svc.save_review(sw.state_reviewer, sw.r_state, full(sw), None)
    scoring_svc.submit_review(sw.state_reviewer, sw.r_state)
    with pytest.raises(Conflict, match="soumise"):
        scoring_svc.save_review(sw.state_reviewer, sw.r_state, full(sw, relevance="1"), None)
    with pytest.raises(Conflict, match="déjà soumise"):
        scoring_svc.submit_review(sw.state_reviewer, sw.r_state)


def test_a_stale_version_is_refused(sw):
    version = sw.r_state.version
    scoring_svc.save_review(sw.state_reviewer, sw.r_state, full(sw), version)
    db.session.flush()
    with pytest.raises(Conflict, match="modifiée entre-temps"):
        scoring_svc.save_review(sw.state_reviewer, sw.r_state, full(sw, relevance="1"), version)


def test_only_the_author_scores_and_only_in_independent_scoring(sw):
    with pytest.raises(PermissionDenied):
        scoring_svc.save_review(sw.region_reviewer, sw.r_state, full(sw), None)
    with pytest.raises(PermissionDenied):
        scoring_svc.save_review(sw.w.call_admin, sw.r_state, full(sw), None)
    set_phase(sw, PhaseKind.deliberation)
    with pytest.raises(PermissionDenied, match="Délibération"):
        scoring_svc.save_review(sw.state_reviewer, sw.r_state, full(sw), None)


def test_a_withdrawn_dossier_can_no_longer_be_scored(sw):
    dossiers.withdraw_dossier(sw.w.head_a, sw.dossier)
    with pytest.raises(Conflict, match="Retiré"):
        scoring_svc.save_review(sw.state_reviewer, sw.r_state, full(sw), None)
    assert sw.r_state.status == ReviewStatus.assigned and sw.r_state.scores == []


def test_reopen_needs_a_reason_and_a_call_admin(sw):
    submit_both(sw)
    assert sw.dossier.status == DossierStatus.reviewed
    with pytest.raises(ServiceError, match="motif"):
        scoring_svc.reopen_review(sw.w.call_admin, sw.r_state, "  ")
    for user in (sw.state_reviewer, sw.w.copilot, sw.w.admin):
        with pytest.raises(PermissionDenied):
            scoring_svc.reopen_review(user, sw.r_state, "Note incohérente")
    assert sw.r_state.status == ReviewStatus.submitted
    scoring_svc.reopen_review(
        sw.w.call_admin, sw.r_state, "La note de faisabilité paraît inversée."
    )
    db.session.flush()
    assert sw.r_state.status == ReviewStatus.reopened and sw.r_state.submitted_at is None
    assert sw.dossier.status == DossierStatus.in_review
    mail = db.session.scalar(
        select(OutboxMessage).where(OutboxMessage.recipient == sw.state_reviewer.email)
    )
    assert "paraît inversée" in mail.body and sw.dossier.reference in mail.subject
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "review_reopened"))
    assert event.changes["reason"] == "La note de faisabilité paraît inversée."
    # the reviewer may change it again, and resubmitting makes the dossier reviewed again
    scoring_svc.save_review(sw.state_reviewer, sw.r_state, full(sw, relevance="2"), None)
    assert sw.r_state.status == ReviewStatus.reopened
    scoring_svc.submit_review(sw.state_reviewer, sw.r_state)
    assert sw.dossier.status == DossierStatus.reviewed
    scoring_svc.reopen_review(sw.w.call_admin, sw.r_region, "Pas de commentaire")
    with pytest.raises(Conflict, match="Seule une évaluation soumise"):
        scoring_svc.reopen_review(sw.w.call_admin, sw.r_region, "Encore")


def test_a_reopened_review_may_be_changed_in_deliberation(sw):
    submit_both(sw)
    set_phase(sw, PhaseKind.deliberation)
    scoring_svc.reopen_review(sw.w.call_admin, sw.r_state, "Revoir après discussion")
    scoring_svc.save_review(sw.state_reviewer, sw.r_state, full(sw, relevance="5"), None)
    scoring_svc.submit_review(sw.state_reviewer, sw.r_state)
    assert sw.r_state.status == ReviewStatus.submitted


# ---------------------------------------------------------------- the scoring screen


def test_the_review_screen_shows_the_dossier_and_the_grid(client, sw):
    login(client, sw.state_reviewer)
    response = client.get(f"/instruction/evaluations/{sw.r_state.id}")
    assert response.status_code == 200
    body = page(response)
    assert sw.dossier.title in body and "Le projet répond-il au décrochage ?" in body
    assert f'name="score_{sw.relevance.id}"' in body and f'name="flag_{sw.priority.id}"' in body
    assert "Enregistrer et suivant" in body and "Soumettre l'évaluation" in body
    assert f'for="score_{sw.relevance.id}"' in body


def test_saving_from_the_screen(client, sw):
    login(client, sw.state_reviewer)
    response = client.post(f"/instruction/evaluations/{sw.r_state.id}", data=form(sw, sw.r_state))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/instruction/evaluations/{sw.r_state.id}")
    review = db.session.get(Review, sw.r_state.id)
    db.session.refresh(review)
    assert review.status == ReviewStatus.draft and review.opinion == Opinion.reserved
    assert {s.criterion_id: s.value for s in review.scores}[sw.feasibility.id] == Decimal("3.50")
    assert {s.criterion_id: s.flag for s in review.scores}[sw.priority.id] is False


def test_an_out_of_scale_score_on_the_screen_is_shown_and_nothing_saved(client, sw):
    login(client, sw.state_reviewer)
    response = client.post(
        f"/instruction/evaluations/{sw.r_state.id}",
        data=form(sw, sw.r_state, **{f"score_{sw.relevance.id}": "7"}),
    )
    assert response.status_code == 400
    body = page(response)
    assert "La note de « Pertinence » doit être comprise entre 0 et 5." in body
    assert f'id="score_{sw.relevance.id}-error"' in body
    db.session.expire_all()
    assert db.session.get(Review, sw.r_state.id).status == ReviewStatus.assigned
    assert db.session.scalars(select(Score)).all() == []


def test_submit_refused_lists_what_is_missing(client, sw):
    login(client, sw.state_reviewer)
    response = client.post(
        f"/instruction/evaluations/{sw.r_state.id}",
        data=form(
            sw, sw.r_state, action="submit", opinion="", **{f"score_{sw.feasibility.id}": ""}
        ),
    )
    assert response.status_code == 400
    body = page(response)
    assert "notez « Faisabilité »" in body and "donnez un avis" in body
    assert f'id="score_{sw.feasibility.id}-error"' in body
    db.session.expire_all()
    review = db.session.get(Review, sw.r_state.id)
    assert review.status == ReviewStatus.assigned and review.scores == []


def test_submitting_from_the_screen(client, sw):
    login(client, sw.state_reviewer)
    response = client.post(
        f"/instruction/evaluations/{sw.r_state.id}", data=form(sw, sw.r_state, action="submit")
    )
    assert response.status_code == 302
    db.session.expire_all()
    review = db.session.get(Review, sw.r_state.id)
    assert review.status == ReviewStatus.submitted and review.submitted_at is not None


def test_editing_a_submitted_review_on_the_screen_is_refused(client, sw):
    scoring_svc.save_review(sw.state_reviewer, sw.r_state, full(sw), None)
    scoring_svc.submit_review(sw.state_reviewer, sw.r_state)
    login(client, sw.state_reviewer)
    body = page(client.get(f"/instruction/evaluations/{sw.r_state.id}"))
    assert "Soumettre l'évaluation" not in body and "Soumise le" in body
    response = client.post(
        f"/instruction/evaluations/{sw.r_state.id}",
        data=form(sw, sw.r_state, **{f"score_{sw.relevance.id}": "0"}),
    )
    assert response.status_code == 409
    assert "ne peut plus être modifiée" in page(response)
    db.session.expire_all()
    values = {s.criterion_id: s.value for s in db.session.get(Review, sw.r_state.id).scores}
    assert values[sw.relevance.id] == Decimal("4.00")


def test_a_stale_form_gets_a_409_and_changes_nothing(client, sw):
    login(client, sw.state_reviewer)
    stale = form(sw, sw.r_state)
    assert (
        client.post(f"/instruction/evaluations/{sw.r_state.id}", data=dict(stale)).status_code
        == 302
    )
    response = client.post(
        f"/instruction/evaluations/{sw.r_state.id}",
        data={**stale, f"comment_{sw.relevance.id}": "Écrasé"},
    )
    assert response.status_code == 409
    assert "modifiée entre-temps" in page(response)
    db.session.expire_all()
    comments = {s.criterion_id: s.comment for s in db.session.get(Review, sw.r_state.id).scores}
    assert comments[sw.relevance.id] == "Pertinent"


def test_csrf_missing_is_refused_and_changes_nothing(client, sw):
    login(client, sw.state_reviewer)
    response = client.post(
        f"/instruction/evaluations/{sw.r_state.id}", data=form(sw, sw.r_state), csrf=False
    )
    assert response.status_code == 400
    submit_both(sw)
    login(client, sw.w.call_admin)
    response = client.post(
        f"/instruction/evaluations/{sw.r_state.id}/reouvrir", data={"reason": "Motif"}, csrf=False
    )
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(Review, sw.r_state.id).status == ReviewStatus.submitted


def test_save_and_next_opens_the_next_unfinished_review(client, sw, factory):
    second = make_in_review(factory, sw.call, sw.w.head_a)
    third = make_in_review(factory, sw.call, sw.w.head_a)
    reviews = [
        Review(dossier_id=d.id, reviewer_id=sw.state_reviewer.id, institution=Institution.state)
        for d in (second, third)
    ]
    db.session.add_all(reviews)
    db.session.flush()
    # the second one is already submitted: "next" skips it
    scoring_svc.save_review(sw.state_reviewer, reviews[0], full(sw), None)
    scoring_svc.submit_review(sw.state_reviewer, reviews[0])
    login(client, sw.state_reviewer)
    response = client.post(
        f"/instruction/evaluations/{sw.r_state.id}", data=form(sw, sw.r_state, action="next")
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/instruction/evaluations/{reviews[1].id}")
    db.session.expire_all()
    assert db.session.get(Review, sw.r_state.id).status == ReviewStatus.draft
    # from the last unfinished one, "next" wraps round to the first still unfinished
    third_review = db.session.get(Review, reviews[1].id)
    response = client.post(
        f"/instruction/evaluations/{third_review.id}", data=form(sw, third_review, action="next")
    )
    assert response.headers["Location"].endswith(f"/instruction/evaluations/{sw.r_state.id}")


def test_save_and_next_with_nothing_left_goes_to_the_queue(client, sw):
    login(client, sw.state_reviewer)
    response = client.post(
        f"/instruction/evaluations/{sw.r_state.id}", data=form(sw, sw.r_state, action="submit")
    )
    assert response.headers["Location"].endswith("/instruction/mes-dossiers")


def test_reopen_from_the_screen(client, sw):
    submit_both(sw)
    login(client, sw.w.call_admin)
    body = page(client.get(f"/instruction/evaluations/{sw.r_state.id}"))
    assert "Rouvrir l'évaluation" in body
    response = client.post(
        f"/instruction/evaluations/{sw.r_state.id}/reouvrir", data={"reason": ""}
    )
    assert response.status_code == 400 and "Indiquez le motif" in page(response)
    db.session.expire_all()
    assert db.session.get(Review, sw.r_state.id).status == ReviewStatus.submitted
    response = client.post(
        f"/instruction/evaluations/{sw.r_state.id}/reouvrir", data={"reason": "Notes à revoir"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Review, sw.r_state.id).status == ReviewStatus.reopened
    login(client, sw.state_reviewer)
    response = client.post(
        f"/instruction/evaluations/{sw.r_state.id}/reouvrir", data={"reason": "Moi aussi"}
    )
    assert response.status_code == 403


# ---------------------------------------------------------------- who sees which review


def test_an_unassigned_reviewer_gets_404(client, sw):
    login(client, sw.outsider)
    for url in (f"/instruction/evaluations/{sw.r_state.id}",):
        assert client.get(url).status_code == 404
    response = client.post(f"/instruction/evaluations/{sw.r_state.id}", data=form(sw, sw.r_state))
    assert response.status_code == 404
    assert client.get("/instruction/evaluations/999999").status_code == 404


def test_another_reviewers_review_is_hidden_before_the_phase_allows(client, sw):
    submit_both(sw)  # both submitted, but still independent scoring
    login(client, sw.region_reviewer)
    assert client.get(f"/instruction/evaluations/{sw.r_state.id}").status_code in (403, 404)
    own = page(client.get(f"/instruction/evaluations/{sw.r_region.id}"))
    assert "Les autres évaluations" not in own and "Évaluatrice État" not in own


def test_others_reviews_are_visible_after_both_submit_in_deliberation(client, sw):
    scoring_svc.save_review(sw.region_reviewer, sw.r_region, full(sw), None)
    scoring_svc.submit_review(sw.region_reviewer, sw.r_region)
    set_phase(sw, PhaseKind.deliberation)
    login(client, sw.region_reviewer)
    # the State review is not submitted yet: still hidden
    assert client.get(f"/instruction/evaluations/{sw.r_state.id}").status_code in (403, 404)
    set_phase(sw, PhaseKind.independent_scoring)
    scoring_svc.save_review(sw.state_reviewer, sw.r_state, full(sw, relevance="1"), None)
    scoring_svc.submit_review(sw.state_reviewer, sw.r_state)
    set_phase(sw, PhaseKind.deliberation)
    response = client.get(f"/instruction/evaluations/{sw.r_state.id}")
    assert response.status_code == 200
    own = page(client.get(f"/instruction/evaluations/{sw.r_region.id}"))
    assert "Les autres évaluations de ce dossier" in own and "Évaluation État n° 1" in own
    assert "7,33 / 20" in own  # the State review: 20 × (2 × 1/5 + 1 × 3,5/5) / 3
    assert "Évaluatrice État" not in own  # names are for the call's staff
    login(client, sw.w.call_admin)
    assert "Évaluatrice État" in page(client.get(f"/instruction/evaluations/{sw.r_region.id}"))


def test_with_visibility_never_others_reviews_stay_hidden(client, sw):
    sw.settings.visibility = Visibility.never
    submit_both(sw)
    for kind in (PhaseKind.deliberation, PhaseKind.decision):
        set_phase(sw, kind)
        login(client, sw.region_reviewer)
        assert client.get(f"/instruction/evaluations/{sw.r_state.id}").status_code in (403, 404)
        own = page(client.get(f"/instruction/evaluations/{sw.r_region.id}"))
        assert "Les autres évaluations" not in own and "Évaluatrice État" not in own


def test_an_applicant_reaches_no_review_page(client, sw):
    submit_both(sw)
    for user in (sw.w.head_a, sw.w.staff_a, sw.w.head_b):
        login(client, user)
        assert client.get("/instruction/mes-dossiers").status_code == 403
        for review in (sw.r_state, sw.r_region):
            assert client.get(f"/instruction/evaluations/{review.id}").status_code in (403, 404)
            response = client.post(f"/instruction/evaluations/{review.id}", data=form(sw, review))
            assert response.status_code in (403, 404)
            response = client.post(
                f"/instruction/evaluations/{review.id}/reouvrir", data={"reason": "x"}
            )
            assert response.status_code in (403, 404)
    db.session.expire_all()
    assert db.session.get(Review, sw.r_state.id).status == ReviewStatus.submitted


def test_a_conflicted_reviewer_cannot_open_their_declined_review(client, sw):
    conflicts_svc.declare_conflict(
        sw.region_reviewer, sw.dossier, "personal", "Ma fille y est élève."
    )
    login(client, sw.region_reviewer)
    assert client.get(f"/instruction/evaluations/{sw.r_region.id}").status_code == 404
    assert sw.dossier.reference not in page(client.get("/instruction/mes-dossiers"))


# ---------------------------------------------------------------- the queue and the home card


def test_the_queue_shows_progress_status_and_resume(client, sw, factory):
    second = make_in_review(factory, sw.call, sw.w.head_a)
    other = Review(
        dossier_id=second.id, reviewer_id=sw.state_reviewer.id, institution=Institution.state
    )
    db.session.add(other)
    db.session.flush()
    scoring_svc.save_review(sw.state_reviewer, sw.r_state, full(sw), None)
    scoring_svc.submit_review(sw.state_reviewer, sw.r_state)
    login(client, sw.state_reviewer)
    body = page(client.get("/instruction/mes-dossiers"))
    assert "1 dossier évalué sur 2" in body
    assert sw.dossier.reference in body and second.reference in body
    assert "Soumise" in body and "À faire" in body
    assert f'href="/instruction/evaluations/{other.id}">Reprendre' in body
    home = page(client.get("/"))
    assert "Mes dossiers à évaluer" in home and "1 / 2" in home
    assert "Évaluation individuelle" in home
    assert f'href="/instruction/evaluations/{other.id}">Reprendre' in home


def test_a_reviewer_without_assignment_keeps_the_placeholder(client, sw):
    login(client, sw.outsider)
    home = page(client.get("/"))
    # the menu links to the queue; the home shows the placeholder card, not a queue card
    assert "Instruction des dossiers" in home and "Reprendre" not in home
    assert "Aucun dossier ne vous est attribué" in page(client.get("/instruction/mes-dossiers"))


def _assign(sw, factory, count: int) -> None:
    for _ in range(count):
        dossier = make_in_review(factory, sw.call, sw.w.head_b)
        db.session.add(
            Review(
                dossier_id=dossier.id,
                reviewer_id=sw.state_reviewer.id,
                institution=Institution.state,
            )
        )
    db.session.flush()


def test_the_queue_runs_a_constant_number_of_queries(client, sw, factory, count_queries):
    _assign(sw, factory, 4)  # 5 assignments
    login(client, sw.state_reviewer)
    client.get("/instruction/mes-dossiers")
    with count_queries() as few:
        body = page(client.get("/instruction/mes-dossiers"))
    assert "0 dossier évalué sur 5" in body
    with count_queries() as home_few:
        assert "0 / 5" in page(client.get("/"))
    _assign(sw, factory, 25)  # 30 assignments
    with count_queries() as many:
        body = page(client.get("/instruction/mes-dossiers"))
    assert "0 dossier évalué sur 30" in body
    assert many.count == few.count
    with count_queries() as home_many:
        assert "0 / 30" in page(client.get("/"))
    assert home_many.count == home_few.count


def test_the_scoring_page_loads_its_dossier_in_few_statements(client, sw, count_queries):
    login(client, sw.state_reviewer)
    url = f"/instruction/evaluations/{sw.r_state.id}"
    client.get(url)
    db.session.expunge_all()
    with count_queries() as queries:
        response = client.get(url)
    assert response.status_code == 200
    # session; the review with its scores, dossier, establishment and call; the attachments with
    # their kinds; the conflict check, grid, phase, the other reviews and their scores; then one
    # statement per part of the dossier the page shows (labels, axes, themes, targets, partners,
    # actions, indicators, budget lines)
    assert queries.count <= 16, "\n".join(q[:100] for q in queries.statements)
