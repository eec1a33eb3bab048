"""Route × role matrix: every route of the app, every kind of user, allowed or refused.

A route missing from MATRIX fails `test_every_route_is_in_the_matrix`: a new page or endpoint
cannot ship without saying who may reach it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import pytest

from applications import services
from portal.auth.services import issue_api_token
from portal.models import CallStatus

from .conftest import PDF_BYTES, fill_complete, login

PRINCIPALS = ["anonymous", "head_a", "staff_a", "head_b", "call_admin", "reviewer", "copilot",
              "budget", "observer", "admin"]
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


MATRIX: dict[tuple[str, str], Rule] = {
    ("main.home", "GET"): Rule(lambda o: "/", USERS),
    ("static", "GET"): Rule(lambda o: "/static/css/portal.css", EVERYONE, anonymous_ok=True),
    # authentication: public pages
    ("auth.login", "GET"): Rule(lambda o: "/connexion", EVERYONE, anonymous_ok=True),
    ("auth.login", "POST"): Rule(lambda o: "/connexion", EVERYONE, anonymous_ok=True,
                                 data=lambda o: {"email": "x@y.fr", "password": "nope"}),
    ("auth.logout", "POST"): Rule(lambda o: "/deconnexion", EVERYONE, anonymous_ok=True),
    ("auth.forgot_password", "GET"): Rule(lambda o: "/mot-de-passe-oublie", EVERYONE,
                                          anonymous_ok=True),
    ("auth.forgot_password", "POST"): Rule(lambda o: "/mot-de-passe-oublie", EVERYONE,
                                           anonymous_ok=True, data=lambda o: {"email": "x@y.fr"}),
    ("auth.reset_password", "GET"): Rule(lambda o: "/reinitialiser/faux", EVERYONE,
                                         anonymous_ok=True),
    ("auth.reset_password", "POST"): Rule(lambda o: "/reinitialiser/faux", EVERYONE,
                                          anonymous_ok=True, data=lambda o: {}),
    ("auth.accept_invitation", "GET"): Rule(lambda o: "/invitation/faux", EVERYONE,
                                            anonymous_ok=True),
    ("auth.accept_invitation", "POST"): Rule(lambda o: "/invitation/faux", EVERYONE,
                                             anonymous_ok=True, data=lambda o: {}),
    # administration
    ("admin.establishments", "GET"): Rule(lambda o: "/admin/etablissements",
                                          {"call_admin", "observer", "admin"}),
    ("admin.new_establishment", "GET"): Rule(lambda o: "/admin/etablissements/nouveau", {"admin"}),
    ("admin.new_establishment", "POST"): Rule(lambda o: "/admin/etablissements/nouveau", {"admin"},
                                              data=lambda o: {}),
    ("admin.edit_establishment", "GET"): Rule(
        lambda o: f"/admin/etablissements/{o.est_a.id}", {"admin"}),
    ("admin.edit_establishment", "POST"): Rule(
        lambda o: f"/admin/etablissements/{o.est_a.id}", {"admin"}, data=lambda o: {}),
    ("admin.users", "GET"): Rule(lambda o: "/admin/utilisateurs", {"admin"}),
    ("admin.invite", "GET"): Rule(lambda o: "/admin/utilisateurs/inviter", {"admin"}),
    ("admin.invite", "POST"): Rule(lambda o: "/admin/utilisateurs/inviter", {"admin"},
                                   data=lambda o: {}),
    ("admin.set_active", "POST"): Rule(lambda o: f"/admin/utilisateurs/{o.staff_a.id}/activation",
                                       {"admin"}, data=lambda o: {"active": "0"}),
    # calls
    ("calls.index", "GET"): Rule(lambda o: "/appels/", USERS),
    ("calls.detail", "GET"): Rule(lambda o: f"/appels/{o.call.id}", USERS),
    ("calls.new", "GET"): Rule(lambda o: "/appels/nouveau", CALL_STAFF),
    ("calls.new", "POST"): Rule(lambda o: "/appels/nouveau", CALL_STAFF, data=lambda o: {}),
    ("calls.edit", "GET"): Rule(lambda o: f"/appels/{o.call.id}/modifier", CALL_STAFF),
    ("calls.edit", "POST"): Rule(lambda o: f"/appels/{o.call.id}/modifier", CALL_STAFF,
                                 data=lambda o: {}),
    ("calls.open", "POST"): Rule(lambda o: f"/appels/{o.draft_call.id}/ouvrir", CALL_STAFF,
                                 data=lambda o: {}),
    # dossiers (pages)
    # lists are filtered by the policy (visible_dossiers), not refused: anyone gets their share
    ("applications.index", "GET"): Rule(lambda o: "/dossiers/", USERS),
    ("applications.new", "GET"): Rule(lambda o: f"/dossiers/nouveau?call_id={o.call.id}", APPLICANTS),
    ("applications.new", "POST"): Rule(lambda o: f"/dossiers/nouveau?call_id={o.call.id}",
                                       APPLICANTS, data=lambda o: {"title": "Projet"}),
    ("applications.submitted", "GET"): Rule(lambda o: "/dossiers/deposes", USERS),
    ("applications.detail", "GET"): Rule(lambda o: f"/dossiers/{o.submitted.id}",
                                         APPLICANTS_A | CALL_STAFF),
    ("applications.step", "GET"): Rule(lambda o: f"/dossiers/{o.draft.id}/etape/presentation",
                                       APPLICANTS_A),
    ("applications.step", "POST"): Rule(lambda o: f"/dossiers/{o.draft.id}/etape/presentation",
                                        APPLICANTS_A, data=lambda o: {"title": "Titre modifié"}),
    ("applications.upload", "POST"): Rule(lambda o: f"/dossiers/{o.draft.id}/pieces", APPLICANTS_A,
                                          data=lambda o: {}),
    ("applications.download", "GET"): Rule(
        lambda o: f"/dossiers/{o.draft.id}/pieces/{o.attachment.id}", APPLICANTS_A),
    ("applications.remove_attachment", "POST"): Rule(
        lambda o: f"/dossiers/{o.draft.id}/pieces/{o.attachment.id}/supprimer", APPLICANTS_A,
        data=lambda o: {}),
    ("applications.submit", "POST"): Rule(lambda o: f"/dossiers/{o.draft.id}/deposer", {"head_a"},
                                          data=lambda o: {}),
    ("applications.withdraw", "POST"): Rule(lambda o: f"/dossiers/{o.draft.id}/retirer", {"head_a"},
                                            data=lambda o: {}),
    ("applications.receipt", "GET"): Rule(lambda o: f"/dossiers/{o.submitted.id}/recepisse/1",
                                          APPLICANTS_A | CALL_STAFF),
    ("applications.request_completion", "POST"): Rule(
        lambda o: f"/dossiers/{o.submitted.id}/complements", {"call_admin"},
        data=lambda o: {"message": "Merci de compléter."}),
    # review
    ("review.screen", "POST"): Rule(lambda o: f"/instruction/dossiers/{o.submitted.id}/recevabilite",
                                    {"call_admin"}, data=lambda o: {"outcome": "eligible"}),
    # API (bearer tokens; anonymous = no token → 401)
    ("api.openapi_document", "GET"): Rule(lambda o: "/api/v1/openapi.json", EVERYONE,
                                          anonymous_ok=True),
    ("api.list_calls", "GET"): Rule(lambda o: "/api/v1/calls", USERS),
    ("api.get_call", "GET"): Rule(lambda o: f"/api/v1/calls/{o.call.id}", USERS),
    ("api.list_establishments", "GET"): Rule(lambda o: "/api/v1/establishments",
                                             APPLICANTS | {"call_admin", "observer", "admin"}),
    ("api.list_dossiers", "GET"): Rule(lambda o: "/api/v1/dossiers", USERS),
    ("api.create_dossier", "POST"): Rule(lambda o: "/api/v1/dossiers", APPLICANTS,
                                         data=lambda o: {"call_id": o.call.id, "title": "API"}),
    ("api.get_dossier", "GET"): Rule(lambda o: f"/api/v1/dossiers/{o.draft.id}", APPLICANTS_A),
    ("api.update_dossier", "PATCH"): Rule(lambda o: f"/api/v1/dossiers/{o.draft.id}", APPLICANTS_A,
                                          data=_json),
    ("api.upload_attachment", "POST"): Rule(lambda o: f"/api/v1/dossiers/{o.draft.id}/attachments",
                                            APPLICANTS_A, data=lambda o: {}),
    ("api.download_attachment", "GET"): Rule(
        lambda o: f"/api/v1/dossiers/{o.draft.id}/attachments/{o.attachment.id}", APPLICANTS_A),
    ("api.submit_dossier", "POST"): Rule(lambda o: f"/api/v1/dossiers/{o.draft.id}/submit",
                                         {"head_a"}, data=lambda o: {}),
    ("api.dossier_receipt", "GET"): Rule(lambda o: f"/api/v1/dossiers/{o.submitted.id}/receipt",
                                         APPLICANTS_A | CALL_STAFF),
}


def test_every_route_is_in_the_matrix(app):
    routes = {(rule.endpoint, method) for rule in app.url_map.iter_rules()
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert routes - set(MATRIX) == set(), "routes without a permission-matrix entry"
    assert set(MATRIX) - routes == set(), "matrix entries for routes that no longer exist"


@pytest.fixture
def objects(world, factory):
    w = world
    w.principals = {"head_a": w.head_a, "staff_a": w.staff_a, "head_b": w.head_b,
                    "call_admin": w.call_admin, "reviewer": w.reviewer, "copilot": w.copilot,
                    "budget": w.budget, "observer": w.observer, "admin": w.admin}
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


@pytest.mark.parametrize("endpoint,method,who", CASES,
                         ids=[f"{e}-{m}-{w}" for e, m, w in CASES])
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


LISTS = [("applications.index", "/dossiers/"), ("applications.submitted", "/dossiers/deposes"),
         ("api.list_dossiers", "/api/v1/dossiers"), ("main.home", "/")]


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
MUST_SHOW = {"applications.index": APPLICANTS_A, "api.list_dossiers": APPLICANTS_A | CALL_STAFF,
             "applications.submitted": CALL_STAFF, "main.home": APPLICANTS_A}
