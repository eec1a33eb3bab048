"""Role × phase matrix of the scoring routes, on a real dossier with two reviews."""

from __future__ import annotations

import pytest

from review.models import PhaseKind
from review.services import scoring as scoring_svc

from ..conftest import login
from .helpers import form, full, set_phase

ROLES = ["assigned", "other_reviewer", "unassigned_reviewer", "copilot", "call_admin", "applicant"]
PHASES = [PhaseKind.independent_scoring, PhaseKind.deliberation, PhaseKind.decision]
ALL = set(PHASES)
SCORING = {PhaseKind.independent_scoring}
AFTER_SCORING = {PhaseKind.deliberation, PhaseKind.decision}


def _user(s, role):
    return {
        "assigned": s.state_reviewer,
        "other_reviewer": s.region_reviewer,
        "unassigned_reviewer": s.outsider,
        "copilot": s.w.copilot,
        "call_admin": s.w.call_admin,
        "applicant": s.w.head_a,
    }[role]


def _submit(s, *pairs):
    for user, review in pairs:
        scoring_svc.save_review(user, review, full(s), None)
        scoring_svc.submit_review(user, review)


def _both_submitted(s):
    _submit(s, (s.state_reviewer, s.r_state), (s.region_reviewer, s.r_region))


def _only_other_submitted(s):
    _submit(s, (s.region_reviewer, s.r_region))


# scenario → (set-up, method, url, data, {role: phases where the route lets them through})
SCENARIOS = {
    # the State reviewer's submitted review, both reviews in
    "view_submitted": (
        _both_submitted,
        "GET",
        lambda s: f"/instruction/evaluations/{s.r_state.id}",
        None,
        {"assigned": ALL, "other_reviewer": AFTER_SCORING, "copilot": ALL, "call_admin": ALL},
    ),
    # the State reviewer's review still in progress: nobody but its author and the staff
    "view_in_progress": (
        _only_other_submitted,
        "GET",
        lambda s: f"/instruction/evaluations/{s.r_state.id}",
        None,
        {"assigned": ALL, "copilot": ALL, "call_admin": ALL},
    ),
    "save": (
        lambda s: None,
        "POST",
        lambda s: f"/instruction/evaluations/{s.r_state.id}",
        lambda s: form(s, s.r_state),
        {"assigned": SCORING},
    ),
    "submit": (
        lambda s: None,
        "POST",
        lambda s: f"/instruction/evaluations/{s.r_state.id}",
        lambda s: form(s, s.r_state, action="submit"),
        {"assigned": SCORING},
    ),
    "reopen": (
        _both_submitted,
        "POST",
        lambda s: f"/instruction/evaluations/{s.r_state.id}/reouvrir",
        # not in the decision phase: a reopened review could no longer be edited
        lambda s: {"reason": "Notes à revoir"},
        {"call_admin": {PhaseKind.independent_scoring, PhaseKind.deliberation}},
    ),
    "queue": (
        lambda s: None,
        "GET",
        lambda s: "/instruction/mes-dossiers",
        None,
        {"assigned": ALL, "other_reviewer": ALL, "unassigned_reviewer": ALL, "copilot": ALL},
    ),
}

CASES = [(scenario, role, phase) for scenario in SCENARIOS for role in ROLES for phase in PHASES]


@pytest.mark.parametrize(
    "scenario,role,phase", CASES, ids=[f"{sc}-{r}-{p.value}" for sc, r, p in CASES]
)
def test_scoring_routes_by_role_and_phase(client, sw, scenario, role, phase):  # noqa: F811
    setup, method, url, data, allowed = SCENARIOS[scenario]
    setup(sw)
    set_phase(sw, phase)
    login(client, _user(sw, role))
    if method == "POST":
        response = client.post(url(sw), data=data(sw))
    else:
        response = client.get(url(sw))
    expected = phase in allowed.get(role, set())
    if expected:
        assert response.status_code in (200, 302), (
            response.status_code,
            response.get_data(as_text=True)[:300],
        )
        assert "/connexion" not in response.headers.get("Location", "")
    else:
        assert response.status_code in (403, 404), response.status_code


@pytest.mark.parametrize("phase", PHASES, ids=[p.value for p in PHASES])
def test_applicants_never_see_reviewer_names(client, sw, phase):  # noqa: F811
    _both_submitted(sw)
    set_phase(sw, phase)
    login(client, sw.w.head_a)
    for url in (
        "/",
        f"/dossiers/{sw.dossier.id}",
        "/dossiers/",
        f"/dossiers/{sw.dossier.id}/historique",
        f"/dossiers/{sw.dossier.id}/messages",
    ):
        body = client.get(url).get_data(as_text=True)
        assert "Évaluatrice État" not in body and sw.region_reviewer.full_name not in body
