"""The Historique tab: the call office reads the whole audit trail of a dossier; its
establishment (and any other reader) only the allow-listed events, without names of the call
office's people, reviewers, scores, notes or screening internals."""

from __future__ import annotations

from applications import services
from applications.services.history import OFFICE_EVENTS, SHARED_EVENTS, history_of
from portal import audit
from portal.db import db
from review.services import notes, screening

from ..conftest import login
from ..review.helpers import setup_matrix_objects

CONFIDENTIAL = {
    "dossier_screened",
    "reviewers_assigned",
    "assignment_removed",
    "conflict_declared",
    "dossier_reviewed",
    "dossier_review_reopened",
    "note_added",
    "review_saved",
    "review_submitted",
    "decision_proposed",
    "decision_validated",
}


def test_the_allow_list_holds_nothing_confidential():
    assert not CONFIDENTIAL & set(SHARED_EVENTS)
    assert not set(OFFICE_EVENTS) & set(SHARED_EVENTS)


def test_the_establishment_sees_its_own_acts_and_the_call_office_anonymously(w):
    draft = w.draft
    services.update_dossier(w.staff_a, draft, {"title": "Nouveau titre"})
    db.session.flush()
    events = history_of(w.head_a, draft)
    labels = [e.label for e in events]
    assert labels[-1] == "Dossier modifié"
    change = events[-1].changes
    assert ("Titre", "Raccrocher par le projet", "Nouveau titre") in change
    assert events[-1].actor == w.staff_a.full_name

    services.request_completion(w.call_admin, w.submitted, "Joignez le devis.")
    db.session.flush()
    shown = history_of(w.staff_a, w.submitted)
    request = [e for e in shown if e.label == "Compléments demandés"][0]
    assert request.actor == "Gestionnaire de l'appel à projets"  # no staff name
    assert ("Statut", "Déposé", "À compléter") in request.changes
    assert ("Message", None, "Joignez le devis.") in request.changes


def test_confidential_events_stay_with_the_call_office(w):
    setup_matrix_objects(w)  # screened eligible, assigned to w.reviewer
    notes.add_note(w.call_admin, w.submitted, "Note secrète")
    audit.record(w.call_admin, "some_future_internal_event", w.submitted, {"score": "SCORE-9137"})
    db.session.flush()
    applicant = history_of(w.head_a, w.submitted)
    labels = {e.label for e in applicant}
    assert labels <= {label for label, _ in SHARED_EVENTS.values()}
    text = repr(applicant)
    for secret in (
        "Note",
        "SCORE-9137",
        w.reviewer.full_name,
        w.call_admin.full_name,
        "Recevabilité",
    ):
        assert secret not in text
    office = history_of(w.call_admin, w.submitted)
    office_labels = [e.label for e in office]
    assert "Recevabilité examinée" in office_labels
    assert "Évaluateurs affectés" in office_labels
    assert "Note interne ajoutée" in office_labels
    assert "some_future_internal_event" in office_labels
    assert any(e.actor == w.call_admin.full_name for e in office)
    assert "Note secrète" not in repr(office)  # the audit row names the note, never its text


def test_undisclosed_states_are_shown_as_in_review(w):
    audit.record(w.call_admin, "dossier_funded", w.submitted, {"status": ["reviewed", "funded"]})
    db.session.flush()
    event = history_of(w.head_a, w.submitted)[-1]
    assert ("Statut", "En instruction", "Conventionné") in event.changes
    office = history_of(w.call_admin, w.submitted)[-1]
    assert ("Statut", "Instruit", "Conventionné") in office.changes


def test_history_page(client, w):
    screening.screen_dossier(w.call_admin, w.submitted, "eligible")
    db.session.flush()
    login(client, w.head_a)
    page = client.get(f"/dossiers/{w.submitted.id}/historique")
    assert page.status_code == 200
    assert "Dossier déposé" in page.text and "Recevabilité examinée" not in page.text
    assert 'aria-current="page">Historique' in page.text
    login(client, w.call_admin)
    page = client.get(f"/dossiers/{w.submitted.id}/historique").text
    assert "Recevabilité examinée" in page and w.head_a.full_name in page
    login(client, w.head_b)
    assert client.get(f"/dossiers/{w.submitted.id}/historique").status_code == 404


def test_values_are_shown_readably():
    from applications.services.history import _changes, _shown

    assert _shown(None) == "—" and _shown([]) == "—"
    assert _shown([{"name": "a"}, {"name": "b"}]) == "2 ligne(s)"
    assert _shown([1, 2]) == "1, 2"
    assert _shown({"a": 1}) == "1 valeur(s)"
    assert _shown("x" * 400).endswith("…") and len(_shown("x" * 400)) == 300
    assert _changes({"status": ["unknown", "draft"]}, None, shared=True, pairs=False) == [
        ("Statut", "unknown", "Brouillon")
    ]
    assert _changes({"budget_lines": [[], [{"amount": "1"}]]}, None, shared=True, pairs=True) == [
        ("Budget", "—", "1 ligne(s)")
    ]


def test_an_event_without_actor_is_the_portal_s(w):
    audit.record(None, "dossier_closed", w.submitted, {"status": ["funded", "closed"]})
    db.session.flush()
    assert history_of(w.head_a, w.submitted)[-1].actor == "Le portail"
