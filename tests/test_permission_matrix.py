"""Route × role matrix: every route of the app, every kind of user, allowed or refused.

A route missing from MATRIX fails `test_every_route_is_in_the_matrix`: a new page or endpoint
cannot ship without saying who may reach it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

from applications import services
from portal.auth.services import issue_api_token
from portal.models import CallStatus

from .conftest import PDF_BYTES, login

PRINCIPALS = [
    "anonymous",
    "head_a",
    "staff_a",
    "head_b",
    "call_admin",
    "reviewer",
    "copilot",
    "budget",
    "observer",
    "coordinator",
    "admin",
]
USERS = set(PRINCIPALS) - {"anonymous"}
APPLICANTS_A = {"head_a", "staff_a"}
APPLICANTS = APPLICANTS_A | {"head_b"}
CALL_STAFF = {"call_admin", "admin"}
EVERYONE = set(PRINCIPALS)


@dataclass
class Rule:
    url: Callable  # (objects) -> path
    allowed: set = field(default_factory=set)  # principals who get through
    data: Callable | None = None  # (objects) -> form/JSON body
    anonymous_ok: bool = False  # public page: no login needed


def _json(o):
    return {"title": "Nouveau titre"}


def _commission(o):
    """review: the call's commission with a session, a pending proposal and a published decision
    (built on demand for the commission routes only; see tests/review/helpers.py)."""
    from .review.helpers import matrix_objects

    return matrix_objects(o)


def _setup(o):
    """review: a set-up commission with a member assigned to o.submitted (built on demand for the
    set-up and assignment routes only; see tests/review/helpers.py)."""
    from .review.helpers import setup_matrix_objects

    return setup_matrix_objects(o)


MATRIX: dict[tuple[str, str], Rule] = {
    ("main.home", "GET"): Rule(lambda o: "/", USERS),
    ("static", "GET"): Rule(lambda o: "/static/css/portal.css", EVERYONE, anonymous_ok=True),
    # authentication: public pages
    ("auth.login", "GET"): Rule(lambda o: "/connexion", EVERYONE, anonymous_ok=True),
    ("auth.login", "POST"): Rule(
        lambda o: "/connexion",
        EVERYONE,
        anonymous_ok=True,
        data=lambda o: {"email": "x@y.fr", "password": "nope"},
    ),
    ("auth.logout", "POST"): Rule(lambda o: "/deconnexion", EVERYONE, anonymous_ok=True),
    ("auth.forgot_password", "GET"): Rule(
        lambda o: "/mot-de-passe-oublie", EVERYONE, anonymous_ok=True
    ),
    ("auth.forgot_password", "POST"): Rule(
        lambda o: "/mot-de-passe-oublie",
        EVERYONE,
        anonymous_ok=True,
        data=lambda o: {"email": "x@y.fr"},
    ),
    ("auth.reset_password", "GET"): Rule(
        lambda o: "/reinitialiser/faux", EVERYONE, anonymous_ok=True
    ),
    ("auth.reset_password", "POST"): Rule(
        lambda o: "/reinitialiser/faux", EVERYONE, anonymous_ok=True, data=lambda o: {}
    ),
    ("auth.accept_invitation", "GET"): Rule(
        lambda o: "/invitation/faux", EVERYONE, anonymous_ok=True
    ),
    ("auth.accept_invitation", "POST"): Rule(
        lambda o: "/invitation/faux", EVERYONE, anonymous_ok=True, data=lambda o: {}
    ),
    # second factor: the login's code step (without a half-login: anonymous back to /connexion,
    # a logged-in person to their home) and the account space (refusals in tests/auth/test_totp.py)
    ("auth.login_code", "GET"): Rule(lambda o: "/connexion/code", USERS),
    ("auth.login_code", "POST"): Rule(
        lambda o: "/connexion/code", USERS, data=lambda o: {"code": "123456"}
    ),
    ("auth.account", "GET"): Rule(lambda o: "/compte/", USERS),
    ("auth.totp_enrol", "GET"): Rule(lambda o: "/compte/double-authentification", USERS),
    ("auth.totp_enrol", "POST"): Rule(
        lambda o: "/compte/double-authentification", USERS, data=lambda o: {"code": "000000"}
    ),
    ("auth.totp_disable", "POST"): Rule(
        lambda o: "/compte/double-authentification/desactiver",
        USERS,
        data=lambda o: {"proof": "faux"},
    ),
    ("auth.totp_recovery_codes", "POST"): Rule(
        lambda o: "/compte/double-authentification/codes-de-secours",
        USERS,
        data=lambda o: {"proof": "faux"},
    ),
    # administration
    ("admin.establishments", "GET"): Rule(
        lambda o: "/admin/etablissements", {"call_admin", "observer", "admin"}
    ),
    ("admin.new_establishment", "GET"): Rule(lambda o: "/admin/etablissements/nouveau", {"admin"}),
    ("admin.new_establishment", "POST"): Rule(
        lambda o: "/admin/etablissements/nouveau", {"admin"}, data=lambda o: {}
    ),
    ("admin.edit_establishment", "GET"): Rule(
        lambda o: f"/admin/etablissements/{o.est_a.id}", {"admin"}
    ),
    ("admin.edit_establishment", "POST"): Rule(
        lambda o: f"/admin/etablissements/{o.est_a.id}", {"admin"}, data=lambda o: {}
    ),
    ("admin.users", "GET"): Rule(lambda o: "/admin/utilisateurs", {"admin"}),
    ("admin.invite", "GET"): Rule(lambda o: "/admin/utilisateurs/inviter", {"admin"}),
    ("admin.invite", "POST"): Rule(
        lambda o: "/admin/utilisateurs/inviter", {"admin"}, data=lambda o: {}
    ),
    ("admin.set_active", "POST"): Rule(
        lambda o: f"/admin/utilisateurs/{o.staff_a.id}/activation",
        {"admin"},
        data=lambda o: {"active": "0"},
    ),
    # calls
    ("calls.index", "GET"): Rule(lambda o: "/appels/", USERS),
    ("calls.detail", "GET"): Rule(lambda o: f"/appels/{o.call.id}", USERS),
    ("calls.new", "GET"): Rule(lambda o: "/appels/nouveau", CALL_STAFF),
    ("calls.new", "POST"): Rule(lambda o: "/appels/nouveau", CALL_STAFF, data=lambda o: {}),
    ("calls.edit", "GET"): Rule(lambda o: f"/appels/{o.call.id}/modifier", CALL_STAFF),
    ("calls.edit", "POST"): Rule(
        lambda o: f"/appels/{o.call.id}/modifier", CALL_STAFF, data=lambda o: {}
    ),
    ("calls.open", "POST"): Rule(
        lambda o: f"/appels/{o.draft_call.id}/ouvrir", CALL_STAFF, data=lambda o: {}
    ),
    ("calls.move", "POST"): Rule(
        lambda o: f"/appels/{o.call.id}/suivi", CALL_STAFF, data=lambda o: {}
    ),
    # dossiers (pages)
    # lists are filtered by the policy (visible_dossiers), not refused: anyone gets their share
    ("applications.index", "GET"): Rule(lambda o: "/dossiers/", USERS),
    ("applications.new", "GET"): Rule(
        lambda o: f"/dossiers/nouveau?call_id={o.call.id}", APPLICANTS
    ),
    ("applications.new", "POST"): Rule(
        lambda o: f"/dossiers/nouveau?call_id={o.call.id}",
        APPLICANTS,
        data=lambda o: {"title": "Projet"},
    ),
    ("applications.submitted", "GET"): Rule(lambda o: "/dossiers/deposes", USERS),
    ("applications.detail", "GET"): Rule(
        lambda o: f"/dossiers/{o.submitted.id}", APPLICANTS_A | {"call_admin"}
    ),
    ("applications.step", "GET"): Rule(
        lambda o: f"/dossiers/{o.draft.id}/etape/presentation", APPLICANTS_A
    ),
    ("applications.step", "POST"): Rule(
        lambda o: f"/dossiers/{o.draft.id}/etape/presentation",
        APPLICANTS_A,
        data=lambda o: {"title": "Titre modifié"},
    ),
    ("applications.upload", "POST"): Rule(
        lambda o: f"/dossiers/{o.draft.id}/pieces", APPLICANTS_A, data=lambda o: {}
    ),
    ("applications.download", "GET"): Rule(
        lambda o: f"/dossiers/{o.draft.id}/pieces/{o.attachment.id}", APPLICANTS_A
    ),
    ("applications.remove_attachment", "POST"): Rule(
        lambda o: f"/dossiers/{o.draft.id}/pieces/{o.attachment.id}/supprimer",
        APPLICANTS_A,
        data=lambda o: {},
    ),
    ("applications.submit", "POST"): Rule(
        lambda o: f"/dossiers/{o.draft.id}/deposer", {"head_a"}, data=lambda o: {}
    ),
    ("applications.withdraw", "POST"): Rule(
        lambda o: f"/dossiers/{o.draft.id}/retirer", {"head_a"}, data=lambda o: {}
    ),
    ("applications.receipt", "GET"): Rule(
        lambda o: f"/dossiers/{o.submitted.id}/recepisse/1", APPLICANTS_A | {"call_admin"}
    ),
    ("applications.request_completion", "POST"): Rule(
        lambda o: f"/dossiers/{o.submitted.id}/complements",
        {"call_admin"},
        data=lambda o: {"message": "Merci de compléter."},
    ),
    # review
    ("review.screen", "POST"): Rule(
        lambda o: f"/instruction/dossiers/{o.submitted.id}/recevabilite",
        {"call_admin"},
        data=lambda o: {"outcome": "eligible"},
    ),
    # review: commission set-up and assignment (call administrators only; roles, CSRF and abuses in
    # tests/review/test_setup_views.py)
    ("review.commission_setup", "GET"): Rule(
        lambda o: f"/instruction/appels/{_setup(o) and o.call.id}/commission", {"call_admin"}
    ),
    ("review.save_settings", "POST"): Rule(
        lambda o: f"/instruction/appels/{_setup(o) and o.call.id}/commission/regles",
        {"call_admin"},
        data=lambda o: {
            "reviewers_per_dossier": "2",
            "gap_threshold": "4",
            "spread_threshold": "6",
            "visibility": "never",
        },
    ),
    ("review.advance_phase", "POST"): Rule(
        lambda o: f"/instruction/appels/{_setup(o) and o.call.id}/commission/phase",
        {"call_admin"},
        data=lambda o: {"target": "deliberation"},
    ),
    ("review.add_member", "POST"): Rule(
        lambda o: f"/instruction/appels/{_setup(o) and o.call.id}/commission/membres",
        {"call_admin"},
        data=lambda o: {},
    ),
    ("review.designate_copilot", "POST"): Rule(
        lambda o: (
            f"/instruction/appels/{o.call.id}/commission/membres/{_setup(o).m_state.id}/copilote"
        ),
        {"call_admin"},
        data=lambda o: {},
    ),
    ("review.remove_member", "POST"): Rule(
        lambda o: (
            f"/instruction/appels/{o.call.id}/commission/membres/{_setup(o).m_state.id}/retirer"
        ),
        {"call_admin"},
        data=lambda o: {},
    ),
    ("review.add_criterion", "POST"): Rule(
        lambda o: f"/instruction/appels/{_setup(o) and o.call.id}/grille",
        {"call_admin"},
        data=lambda o: {},
    ),
    ("review.edit_criterion", "GET"): Rule(
        lambda o: f"/instruction/appels/{o.call.id}/grille/{_setup(o).criterion.id}", {"call_admin"}
    ),
    ("review.edit_criterion", "POST"): Rule(
        lambda o: f"/instruction/appels/{o.call.id}/grille/{_setup(o).criterion.id}",
        {"call_admin"},
        data=lambda o: {},
    ),
    ("review.delete_criterion", "POST"): Rule(
        lambda o: f"/instruction/appels/{o.call.id}/grille/{_setup(o).criterion.id}/supprimer",
        {"call_admin"},
        data=lambda o: {},
    ),
    ("review.assignments", "GET"): Rule(
        lambda o: f"/instruction/appels/{_setup(o) and o.call.id}/affectations", {"call_admin"}
    ),
    ("review.run_assignment", "POST"): Rule(
        lambda o: f"/instruction/appels/{_setup(o) and o.call.id}/affectations/automatique",
        {"call_admin"},
        data=lambda o: {},
    ),
    ("review.assign_reviewer", "POST"): Rule(
        lambda o: f"/instruction/appels/{_setup(o) and o.call.id}/affectations/ajouter",
        {"call_admin"},
        data=lambda o: {},
    ),
    ("review.remove_assignment", "POST"): Rule(
        lambda o: f"/instruction/appels/{o.call.id}/affectations/{_setup(o).review.id}/retirer",
        {"call_admin"},
        data=lambda o: {},
    ),
    ("review.preview_import", "POST"): Rule(
        lambda o: f"/instruction/appels/{_setup(o) and o.call.id}/affectations/import",
        {"call_admin"},
        data=lambda o: {},
    ),
    ("review.apply_import", "POST"): Rule(
        lambda o: f"/instruction/appels/{_setup(o) and o.call.id}/affectations/import/appliquer",
        {"call_admin"},
        data=lambda o: {"content": ""},
    ),
    ("review.declare_conflict", "GET"): Rule(
        lambda o: f"/instruction/dossiers/{_setup(o) and o.submitted.id}/conflit", {"reviewer"}
    ),
    ("review.declare_conflict", "POST"): Rule(
        lambda o: f"/instruction/dossiers/{_setup(o) and o.submitted.id}/conflit",
        {"reviewer"},
        data=lambda o: {"kind": "personal", "comment": "Lien familial."},
    ),
    # review: scoring (the base world has no review: role × phase on real reviews is in
    # tests/review/test_scoring_matrix.py)
    ("review.my_reviews", "GET"): Rule(
        lambda o: "/instruction/mes-dossiers", {"reviewer", "copilot"}
    ),
    ("review.review_page", "GET"): Rule(lambda o: "/instruction/evaluations/0", set()),
    ("review.save", "POST"): Rule(lambda o: "/instruction/evaluations/0", set(), data=lambda o: {}),
    ("review.reopen", "POST"): Rule(
        lambda o: "/instruction/evaluations/0/reouvrir", set(), data=lambda o: {"reason": "Motif"}
    ),
    # review: ranking and exports (co-pilots of a real commission, conflicts, applicants and
    # reviewers refused: tests/review/test_ranking.py)
    ("review.ranking", "GET"): Rule(
        lambda o: f"/instruction/appels/{o.call.id}/classement", {"call_admin"}
    ),
    ("review.ranking_detail", "GET"): Rule(
        lambda o: f"/instruction/appels/{o.call.id}/classement/{o.submitted.id}", {"call_admin"}
    ),
    ("review.export_ranking", "GET"): Rule(
        lambda o: f"/instruction/appels/{o.call.id}/classement.csv", {"call_admin"}
    ),
    ("review.export_reviews", "GET"): Rule(
        lambda o: f"/instruction/appels/{o.call.id}/evaluations.xlsx", {"call_admin"}
    ),
    # review: commission sessions, co-piloted decisions, documents, publication (o.copilot
    # co-pilots the call for the State; more roles and abuses: tests/review/test_commission.py)
    ("review.sessions", "GET"): Rule(
        lambda o: f"/instruction/appels/{_commission(o) and o.call.id}/seances",
        {"call_admin", "copilot"},
    ),
    ("review.sessions", "POST"): Rule(
        lambda o: f"/instruction/appels/{_commission(o) and o.call.id}/seances",
        {"call_admin", "copilot"},
        data=lambda o: {},
    ),
    ("review.session", "GET"): Rule(
        lambda o: f"/instruction/seances/{_commission(o).session.id}", {"call_admin", "copilot"}
    ),
    ("review.proposal", "GET"): Rule(
        lambda o: (
            f"/instruction/seances/{_commission(o).session.id}/dossiers/"
            f"{_commission(o).dossiers[2].id}/proposition"
        ),
        {"call_admin", "copilot"},
    ),
    ("review.proposal", "POST"): Rule(
        lambda o: (
            f"/instruction/seances/{_commission(o).session.id}/dossiers/"
            f"{_commission(o).dossiers[2].id}/proposition"
        ),
        {"call_admin", "copilot"},
        data=lambda o: {},
    ),
    ("review.minutes", "GET"): Rule(
        lambda o: f"/instruction/seances/{_commission(o).session.id}/proces-verbal",
        {"call_admin", "copilot"},
    ),
    ("review.decisions", "GET"): Rule(
        lambda o: f"/instruction/appels/{_commission(o) and o.call.id}/decisions",
        {"call_admin", "copilot"},
    ),
    ("review.validate", "POST"): Rule(
        lambda o: f"/instruction/decisions/{_commission(o).pending.id}/valider",
        {"copilot"},
        data=lambda o: {},
    ),
    ("review.send_back", "POST"): Rule(
        lambda o: f"/instruction/decisions/{_commission(o).pending.id}/renvoyer",
        {"copilot"},
        data=lambda o: {"comment": "À revoir."},
    ),
    ("review.publish", "POST"): Rule(
        lambda o: f"/instruction/appels/{_commission(o) and o.call.id}/publier",
        {"call_admin"},
        data=lambda o: {},
    ),
    ("review.letter", "GET"): Rule(
        lambda o: f"/instruction/dossiers/{_commission(o).published.dossier_id}/lettre-de-decision",
        APPLICANTS_A | {"call_admin", "copilot", "budget", "observer"},
    ),
    # API (bearer tokens; anonymous = no token → 401)
    # API of the review area (real reviews and decisions: tests/api/test_review_api.py)
    ("api.call_ranking", "GET"): Rule(
        lambda o: f"/api/v1/calls/{o.call.id}/ranking", {"call_admin"}
    ),
    ("api.dossier_reviews", "GET"): Rule(
        lambda o: f"/api/v1/dossiers/{o.submitted.id}/reviews", {"call_admin"}
    ),
    ("api.get_review", "GET"): Rule(lambda o: "/api/v1/reviews/0", set()),
    ("api.put_review", "PUT"): Rule(
        lambda o: "/api/v1/reviews/0", set(), data=lambda o: {"comment": "x"}
    ),
    ("api.dossier_decision", "GET"): Rule(
        lambda o: f"/api/v1/dossiers/{o.submitted.id}/decision", set()
    ),
    ("api.openapi_document", "GET"): Rule(
        lambda o: "/api/v1/openapi.json", EVERYONE, anonymous_ok=True
    ),
    ("api.list_calls", "GET"): Rule(lambda o: "/api/v1/calls", USERS),
    ("api.get_call", "GET"): Rule(lambda o: f"/api/v1/calls/{o.call.id}", USERS),
    ("api.list_establishments", "GET"): Rule(
        lambda o: "/api/v1/establishments", APPLICANTS | {"call_admin", "observer", "admin"}
    ),
    ("api.list_dossiers", "GET"): Rule(lambda o: "/api/v1/dossiers", USERS),
    ("api.create_dossier", "POST"): Rule(
        lambda o: "/api/v1/dossiers",
        APPLICANTS,
        data=lambda o: {"call_id": o.call.id, "title": "API"},
    ),
    ("api.get_dossier", "GET"): Rule(lambda o: f"/api/v1/dossiers/{o.draft.id}", APPLICANTS_A),
    ("api.update_dossier", "PATCH"): Rule(
        lambda o: f"/api/v1/dossiers/{o.draft.id}", APPLICANTS_A, data=_json
    ),
    ("api.upload_attachment", "POST"): Rule(
        lambda o: f"/api/v1/dossiers/{o.draft.id}/attachments", APPLICANTS_A, data=lambda o: {}
    ),
    ("api.download_attachment", "GET"): Rule(
        lambda o: f"/api/v1/dossiers/{o.draft.id}/attachments/{o.attachment.id}", APPLICANTS_A
    ),
    ("api.submit_dossier", "POST"): Rule(
        lambda o: f"/api/v1/dossiers/{o.draft.id}/submit", {"head_a"}, data=lambda o: {}
    ),
    ("api.dossier_receipt", "GET"): Rule(
        lambda o: f"/api/v1/dossiers/{o.submitted.id}/receipt", APPLICANTS_A | {"call_admin"}
    ),
}


def _area_entries() -> None:
    """Each area keeps its entries next to its tests: tests/<dir>/matrix_*.py each hold
    MATRIX_ENTRIES = {(endpoint, method): (url(o), allowed principals, data(o) or None)}, with an
    optional fourth item True for a public page (no login needed)."""
    import importlib
    from pathlib import Path

    for path in sorted(Path(__file__).parent.glob("*/matrix_*.py")):
        module = importlib.import_module(f"{__package__}.{path.parent.name}.{path.stem}")
        for key, (url, allowed, data, *public) in module.MATRIX_ENTRIES.items():
            assert key not in MATRIX, f"{key} is in the matrix twice"
            MATRIX[key] = Rule(url, set(allowed), data, anonymous_ok=bool(public and public[0]))


_area_entries()


def test_every_route_is_in_the_matrix(app):
    routes = {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert routes - set(MATRIX) == set(), "routes without a permission-matrix entry"
    assert set(MATRIX) - routes == set(), "matrix entries for routes that no longer exist"


@pytest.fixture
def objects(world, factory):
    w = world
    w.principals = {
        "head_a": w.head_a,
        "staff_a": w.staff_a,
        "head_b": w.head_b,
        "call_admin": w.call_admin,
        "reviewer": w.reviewer,
        "copilot": w.copilot,
        "budget": w.budget,
        "observer": w.observer,
        "coordinator": w.coordinator,
        "admin": w.admin,
    }
    w.draft_call = factory.call(status=CallStatus.draft)
    w.draft = factory.dossier(w.call, w.staff_a, complete=True)
    w.attachment = services.add_attachment(w.staff_a, w.draft, "annexe.pdf", PDF_BYTES)
    w.submitted = factory.dossier(w.call, w.head_a, complete=True)
    services.submit_dossier(w.head_a, w.submitted)
    return w


def _outcome(response, api: bool) -> str:
    if response.status_code == 401:
        return "login"
    if response.status_code in (302, 303) and "/connexion" in response.headers.get("Location", ""):
        return "login"
    if response.status_code in (403, 404):
        return "refused"
    assert response.status_code < 500, response.get_data(as_text=True)[:500]
    return "ok"


CASES = [(endpoint, method, who) for (endpoint, method) in MATRIX for who in PRINCIPALS]


@pytest.mark.parametrize("endpoint,method,who", CASES, ids=[f"{e}-{m}-{w}" for e, m, w in CASES])
def test_route_access(client, objects, endpoint, method, who):
    rule = MATRIX[(endpoint, method)]
    api = endpoint.startswith("api.")
    url = rule.url(objects)
    data = rule.data(objects) if rule.data else None
    headers = {}
    if who != "anonymous":
        user = objects.principals[who]
        if api:
            headers["Authorization"] = f"Bearer {issue_api_token(user)}"
        else:
            login(client, user)
    if api:
        multipart = endpoint == "api.upload_attachment"
        kwargs = {"data": data or {}} if multipart or data is None else {"json": data}
        response = client.open(url, method=method, headers=headers, **kwargs)
    elif method == "POST":
        response = client.post(url, data=data or {})
    else:
        response = client.get(url)
    got = _outcome(response, api)
    if who == "anonymous":
        expected = "ok" if rule.anonymous_ok else "login"
    else:
        expected = "ok" if who in rule.allowed else "refused"
    if endpoint == "auth.logout":  # logging out sends everyone to the login page
        assert response.status_code in (302, 303)
        return
    assert got == expected, f"{who} {method} {url}: {response.status_code}"


LISTS = [
    ("applications.index", "/dossiers/"),
    ("applications.submitted", "/dossiers/deposes"),
    ("api.list_dossiers", "/api/v1/dossiers"),
    ("main.home", "/"),
]


@pytest.mark.parametrize("endpoint,url", LISTS, ids=[e for e, _ in LISTS])
@pytest.mark.parametrize("who", sorted(USERS))
def test_lists_show_only_what_the_detail_page_allows(client, objects, endpoint, url, who):
    """A list never shows a dossier whose page would be refused (pretalx's rule: filter in the query)."""
    from portal.permissions import Permission, can

    user = objects.principals[who]
    headers = {}
    if endpoint.startswith("api."):
        headers["Authorization"] = f"Bearer {issue_api_token(user)}"
    else:
        login(client, user)
    body = client.get(url, headers=headers).get_data(as_text=True)
    shown = objects.submitted.reference in body
    if shown:
        assert can(user, Permission.VIEW_DOSSIER, objects.submitted)
    if endpoint in MUST_SHOW and who in MUST_SHOW[endpoint]:
        assert shown, f"{who} should find the dossier in {url}"


# Lists where a reader must find the dossier (so the filter cannot silently hide everything).
MUST_SHOW = {
    "applications.index": APPLICANTS_A,
    "api.list_dossiers": APPLICANTS_A | {"call_admin"},
    "applications.submitted": {"call_admin"},
    "main.home": APPLICANTS_A,
}
