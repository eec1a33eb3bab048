"""Commission set-up and assignment pages: flows, errors shown in French, roles, CSRF, queries."""

import html
import io

import pytest
from sqlalchemy import func, select

from applications.models import DossierStatus
from portal.db import db
from portal.models import Institution, Role
from review.models import (
    CommissionMember,
    ConflictDeclaration,
    Criterion,
    Review,
    ReviewSettings,
    ReviewStatus,
)
from review.services import assignment as assignment_svc
from review.services import commission as commission_svc
from review.services import members as members_svc
from review.services import settings as settings_svc

from ..conftest import login
from ..helpers import count_queries
from .helpers import RULES, _eligible, count


def text(response):
    return html.unescape(response.get_data(as_text=True))


@pytest.fixture
def staged(world, factory):
    """A set-up commission with one State and one Région reviewer and two eligible dossiers."""
    w = world
    settings_svc.save_settings(w.call_admin, w.call, {**RULES, "reviewers_per_dossier": "2"})
    w.state_reviewer = factory.user(Role.reviewer, institution=Institution.state, name="Agnès État")
    w.m_state = members_svc.add_member(w.call_admin, w.call, w.state_reviewer.id, "state")
    w.m_region = members_svc.add_member(w.call_admin, w.call, w.reviewer.id, "region")
    w.d1 = _eligible(w, factory)
    w.d2 = _eligible(w, factory, est=w.est_b)
    w.criterion = commission_svc.criteria(w.call)[0]
    return w


def test_setting_up_a_commission_through_the_pages(client, world):
    login(client, world.call_admin)
    page = client.get(f"/instruction/appels/{world.call.id}/commission")
    assert page.status_code == 200 and "Mettre en place la commission" in text(page)
    bad = client.post(
        f"/instruction/appels/{world.call.id}/commission/regles",
        data={**RULES, "reviewers_per_dossier": "1"},
    )
    assert bad.status_code == 400 and "au moins 2 instructeurs" in text(bad)
    assert 'aria-describedby="reviewers_per_dossier-error"' in text(bad)
    assert count(ReviewSettings) == 0
    ok = client.post(f"/instruction/appels/{world.call.id}/commission/regles", data=dict(RULES))
    assert ok.status_code == 302 and count(ReviewSettings) == 1
    page = text(client.get(f"/instruction/appels/{world.call.id}/commission"))
    assert "Pertinence au regard du décrochage" in page and "Solution innovante" in page
    assert "Passer en phase « Délibération »" in page


def test_member_and_grid_errors_are_shown_and_change_nothing(client, staged, factory):
    w = staged
    login(client, w.call_admin)
    base = f"/instruction/appels/{w.call.id}"
    wrong = client.post(
        f"{base}/commission/membres",
        data={"user_id": str(w.state_reviewer.id), "institution": "state"},
    )
    assert wrong.status_code == 409 and "déjà membre" in text(wrong)
    region_only = factory.user(Role.reviewer, institution=Institution.region)
    wrong = client.post(
        f"{base}/commission/membres", data={"user_id": str(region_only.id), "institution": "state"}
    )
    assert wrong.status_code == 400 and "pas pour État (rectorat)" in text(wrong)
    assert count(CommissionMember) == 2
    copilot = client.post(f"{base}/commission/membres/{w.m_region.id}/copilote")
    assert copilot.status_code == 400 and "n'a pas le rôle de co-pilote" in text(copilot)
    assert not w.m_region.is_copilot
    before = count(Criterion)
    for data, message in [
        (
            {"label": "X", "scoring": "y", "scale_min": "0", "scale_max": "5", "weight": "0"},
            "supérieur à zéro",
        ),
        (
            {"label": "X", "scoring": "y", "scale_min": "5", "scale_max": "5", "weight": "1"},
            "supérieure à la note minimale",
        ),
    ]:
        response = client.post(f"{base}/grille", data=data)
        assert response.status_code == 400 and message in text(response)
    assert count(Criterion) == before
    edit = client.post(
        f"{base}/grille/{w.criterion.id}",
        data={"label": "", "scoring": "y", "scale_min": "0", "scale_max": "5", "weight": "1"},
    )
    assert edit.status_code == 400 and "Indiquez l'intitulé" in text(edit)
    assert w.criterion.label == "Pertinence au regard du décrochage"
    ok = client.post(
        f"{base}/grille/{w.criterion.id}",
        data={
            "label": "Pertinence",
            "scoring": "y",
            "required": "y",
            "scale_min": "0",
            "scale_max": "10",
            "weight": "2,5",
        },
    )
    assert ok.status_code == 302
    db.session.refresh(w.criterion)
    assert (w.criterion.label, w.criterion.scale_max, str(w.criterion.weight)) == (
        "Pertinence",
        10,
        "2.50",
    )


def test_assignment_page_and_actions(client, staged, factory):
    w = staged
    login(client, w.call_admin)
    base = f"/instruction/appels/{w.call.id}/affectations"
    page = text(client.get(base))
    assert w.d1.reference in page and "aucun instructeur État (rectorat)" in page
    run = client.post(f"{base}/automatique")
    assert run.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Review)) == 4
    assert w.d1.status == DossierStatus.in_review
    page = text(client.get(base))
    assert "Agnès État" in page and "Complet" in page
    # manual: duplicate refused with a French message, nothing changed
    dup = client.post(
        f"{base}/ajouter", data={"dossier_id": str(w.d1.id), "user_id": str(w.reviewer.id)}
    )
    assert dup.status_code == 400 and "déjà affecté" in text(dup)
    review = db.session.scalar(
        select(Review).where(Review.dossier_id == w.d1.id, Review.reviewer_id == w.reviewer.id)
    )
    removed = client.post(f"{base}/{review.id}/retirer")
    assert removed.status_code == 302 and db.session.get(Review, review.id) is None
    again = client.post(
        f"{base}/ajouter", data={"dossier_id": str(w.d1.id), "user_id": str(w.reviewer.id)}
    )
    assert again.status_code == 302


def test_conflicted_manual_assignment_is_refused_on_the_page(client, staged):
    w = staged
    db.session.add(ConflictDeclaration(dossier_id=w.d1.id, user_id=w.reviewer.id, kind="personal"))
    login(client, w.call_admin)
    response = client.post(
        f"/instruction/appels/{w.call.id}/affectations/ajouter",
        data={"dossier_id": str(w.d1.id), "user_id": str(w.reviewer.id)},
    )
    assert response.status_code == 400
    assert "conflit d'intérêts" in text(response) and count(Review) == 0


def test_shortfalls_are_shown_after_an_automatic_run(client, staged):
    w = staged
    members_svc.remove_member(w.call_admin, w.call, w.m_region.id)
    login(client, w.call_admin)
    response = client.post(f"/instruction/appels/{w.call.id}/affectations/automatique")
    assert response.status_code == 200
    assert f"Dossier {w.d1.reference} : aucun instructeur Région" in text(response)


def _upload(client, call, content: bytes):
    return client.post(
        f"/instruction/appels/{call.id}/affectations/import",
        data={"file": (io.BytesIO(content), "affectations.csv")},
        content_type="multipart/form-data",
    )


def test_csv_import_preview_then_apply(client, staged):
    w = staged
    login(client, w.call_admin)
    content = (
        f"\ufeffreference;email\n{w.d1.reference};{w.state_reviewer.email}\n"
        f"{w.d1.reference};{w.reviewer.email}\n"
    ).encode()
    preview = _upload(client, w.call, content)
    body = text(preview)
    assert preview.status_code == 200 and "Confirmer l'import" in body and "Erreur" not in body
    assert count(Review) == 0  # the preview writes nothing
    csv_text = content.decode("utf-8-sig")
    applied = client.post(
        f"/instruction/appels/{w.call.id}/affectations/import/appliquer", data={"content": csv_text}
    )
    assert applied.status_code == 302 and count(Review) == 2


def test_csv_import_with_errors_applies_nothing(client, staged):
    w = staged
    db.session.add(ConflictDeclaration(dossier_id=w.d2.id, user_id=w.reviewer.id, kind="personal"))
    login(client, w.call_admin)
    content = (
        f"{w.d1.reference};{w.state_reviewer.email}\n"
        f"AAP-1999-0001;{w.state_reviewer.email}\n"
        f"{w.d1.reference};personne@nulle-part.fr\n"
        f"{w.d2.reference};{w.reviewer.email}\n"
    ).encode()
    body = text(_upload(client, w.call, content))
    assert "3 lignes en erreur" in body and "Confirmer l'import" not in body
    assert "Ligne 2 : référence de dossier inconnue" in body
    assert "Ligne 3 : aucun utilisateur" in body
    assert "Ligne 4 : conflit d'intérêts" in body
    forced = client.post(
        f"/instruction/appels/{w.call.id}/affectations/import/appliquer",
        data={"content": content.decode()},
    )
    assert forced.status_code == 400 and "aucune affectation n'a été importée" in text(forced)
    assert count(Review) == 0


def test_csv_import_without_a_file_or_in_latin1(client, staged):
    w = staged
    login(client, w.call_admin)
    missing = client.post(f"/instruction/appels/{w.call.id}/affectations/import", data={})
    assert missing.status_code == 400 and "Choisissez le fichier CSV" in text(missing)
    latin = _upload(client, w.call, "AAP-2014-0001;élève@x.fr\n".encode("latin-1"))
    assert latin.status_code == 400 and "UTF-8" in text(latin)


# ---------------------------------------------------------------- the reviewer declines


def test_a_reviewer_declines_by_declaring_a_conflict(client, staged):
    w = staged
    review = Review(dossier_id=w.d1.id, reviewer_id=w.reviewer.id, institution=Institution.region)
    db.session.add(review)
    w.d1.status = DossierStatus.in_review
    login(client, w.reviewer)
    url = f"/instruction/dossiers/{w.d1.id}/conflit"
    assert "Nature du conflit" in text(client.get(url))
    bad = client.post(url, data={"kind": "other", "comment": ""})
    assert bad.status_code == 400 and "Précisez" in text(bad)
    assert review.status == ReviewStatus.assigned
    no_token = client.post(url, data={"kind": "personal"}, csrf=False)
    assert no_token.status_code == 400 and review.status == ReviewStatus.assigned
    ok = client.post(url, data={"kind": "personal", "comment": "Mon fils y est élève."})
    assert ok.status_code == 302
    db.session.refresh(review)
    assert review.status == ReviewStatus.declined
    # the dossier is now out of reach
    assert client.get(url).status_code == 404
    assert client.get(f"/dossiers/{w.d1.id}").status_code == 404


def test_unassigned_or_non_member_reviewers_cannot_reach_the_conflict_page(client, staged, factory):
    w = staged
    login(client, w.reviewer)  # a member, but not assigned to d2: may not even see it
    assert client.get(f"/instruction/dossiers/{w.d2.id}/conflit").status_code == 404
    login(client, w.head_a)
    assert client.post(
        f"/instruction/dossiers/{w.d1.id}/conflit", data={"kind": "personal"}
    ).status_code in (403, 404)
    assert count(ConflictDeclaration) == 0


# ---------------------------------------------------------------- roles and CSRF


def setup_routes(w):
    base = f"/instruction/appels/{w.call.id}"
    review = Review(
        dossier_id=w.d2.id, reviewer_id=w.state_reviewer.id, institution=Institution.state
    )
    db.session.add(review)
    db.session.flush()
    form_rules = {**RULES}
    return [
        ("GET", f"{base}/commission", None),
        ("POST", f"{base}/commission/regles", form_rules),
        ("POST", f"{base}/commission/phase", {"target": "deliberation"}),
        (
            "POST",
            f"{base}/commission/membres",
            {"user_id": str(w.copilot.id), "institution": "state"},
        ),
        ("POST", f"{base}/commission/membres/{w.m_state.id}/copilote", {}),
        ("POST", f"{base}/commission/membres/{w.m_region.id}/retirer", {}),
        (
            "POST",
            f"{base}/grille",
            {"label": "Nouveau", "scoring": "y", "scale_min": "0", "scale_max": "5", "weight": "1"},
        ),
        ("GET", f"{base}/grille/{w.criterion.id}", None),
        (
            "POST",
            f"{base}/grille/{w.criterion.id}",
            {"label": "Changé", "scoring": "y", "scale_min": "0", "scale_max": "5", "weight": "1"},
        ),
        ("POST", f"{base}/grille/{w.criterion.id}/supprimer", {}),
        ("GET", f"{base}/affectations", None),
        ("POST", f"{base}/affectations/automatique", {}),
        (
            "POST",
            f"{base}/affectations/ajouter",
            {"dossier_id": str(w.d1.id), "user_id": str(w.reviewer.id)},
        ),
        ("POST", f"{base}/affectations/{review.id}/retirer", {}),
        (
            "POST",
            f"{base}/affectations/import",
            {"file": (io.BytesIO(f"{w.d1.reference};{w.reviewer.email}".encode()), "a.csv")},
        ),
        (
            "POST",
            f"{base}/affectations/import/appliquer",
            {"content": f"{w.d1.reference};{w.reviewer.email}"},
        ),
    ]


def _snapshot():
    return (
        count(ReviewSettings),
        count(CommissionMember),
        count(Criterion),
        count(Review),
        db.session.scalar(select(Criterion.label).order_by(Criterion.id).limit(1)),
        db.session.scalar(
            select(func.count())
            .select_from(CommissionMember)
            .where(CommissionMember.is_copilot.is_(True))
        ),
    )


@pytest.mark.parametrize("who", ["head_a", "staff_a", "reviewer", "observer", "copilot", "budget"])
def test_set_up_routes_are_refused_to_everyone_but_call_staff(client, staged, who):
    routes = setup_routes(staged)
    before = _snapshot()
    login(client, getattr(staged, who))
    for method, url, data in routes:
        if method == "GET":
            response = client.get(url)
        else:
            response = client.post(url, data=data, content_type="multipart/form-data")
        assert response.status_code in (403, 404), f"{who} {method} {url}"
    assert _snapshot() == before


def test_set_up_posts_without_csrf_token_change_nothing(client, staged):
    routes = setup_routes(staged)
    before = _snapshot()
    login(client, staged.call_admin)
    for method, url, data in routes:
        if method == "POST":
            response = client.post(url, data=data, csrf=False, content_type="multipart/form-data")
            assert response.status_code == 400, url
    assert _snapshot() == before


def test_anonymous_is_sent_to_the_login_page(client, staged):
    for method, url, data in setup_routes(staged):
        response = client.get(url) if method == "GET" else client.post(url, data=data, csrf=False)
        assert response.status_code in (302, 400), url
        if response.status_code == 302:
            assert "/connexion" in response.headers["Location"]


# ---------------------------------------------------------------- constant queries


def _queries(client, url):
    with count_queries() as queries:
        response = client.get(url)
    assert response.status_code == 200
    print(queries.count, "queries")
    return queries.count


def test_assignment_coverage_runs_a_constant_number_of_queries(client, world, factory):
    w = world
    settings_svc.save_settings(w.call_admin, w.call, RULES)
    networks = [factory.network() for _ in range(3)]
    people = []
    for i in range(6):
        est = factory.establishment(network=networks[i % 3])
        inst = Institution.state if i % 2 else Institution.region
        user = factory.user(Role.reviewer, institution=inst, establishment=est)
        members_svc.add_member(w.call_admin, w.call, user.id, inst.value)
        people.append(user)
    establishments = [factory.establishment(network=networks[i % 3]) for i in range(5)]

    def add(n):
        for i in range(n):
            _eligible(w, factory, est=establishments[i % 5])
        assignment_svc.run_assignment(w.call_admin, w.call)
        db.session.add(
            ConflictDeclaration(
                dossier_id=_eligible(w, factory).id, user_id=people[0].id, kind="personal"
            )
        )

    login(client, w.call_admin)
    url = f"/instruction/appels/{w.call.id}/affectations"
    add(10)
    at_10 = _queries(client, url)
    add(40)
    at_50 = _queries(client, url)
    assert 0 < at_10 == at_50, (at_10, at_50)


# ---------------------------------------------------------------- the route × role matrix


def test_call_staff_find_the_commission_pages_from_home_and_the_call(client, world):
    login(client, world.call_admin)
    home = text(client.get("/"))
    assert f"/instruction/appels/{world.call.id}/commission" in home
    assert f"/instruction/appels/{world.call.id}/affectations" in home
    call_page = text(client.get(f"/appels/{world.call.id}"))
    assert "Commission et instruction" in call_page
    login(client, world.head_a)
    assert "Commission et instruction" not in text(client.get(f"/appels/{world.call.id}"))
    assert "/commission" not in text(client.get("/"))


def test_a_stale_phase_button_does_not_move_the_commission_twice(client, staged):
    w = staged
    login(client, w.call_admin)
    url = f"/instruction/appels/{w.call.id}/commission/phase"
    assert client.post(url, data={"target": "deliberation"}).status_code == 302
    again = client.post(url, data={"target": "deliberation"})
    assert again.status_code == 409 and "déjà en phase « Délibération »" in text(again)
    back = client.post(url, data={"target": "independent_scoring"})
    assert back.status_code == 409 and "On ne revient pas en arrière" in text(back)
    assert commission_svc.current_phase(w.call).kind.value == "deliberation"


def test_a_member_who_handed_in_a_review_cannot_be_removed_from_the_page(client, staged):
    from .helpers import _submitted_review

    w = staged
    _submitted_review(w.d1, w.m_region)
    login(client, w.call_admin)
    response = client.post(
        f"/instruction/appels/{w.call.id}/commission/membres/{w.m_region.id}/retirer"
    )
    assert response.status_code == 409 and "déjà rendu des évaluations" in text(response)
    assert db.session.get(CommissionMember, w.m_region.id) is not None
    # nor can the grid change any more
    response = client.post(f"/instruction/appels/{w.call.id}/grille/{w.criterion.id}/supprimer")
    assert response.status_code == 409 and "la grille ne peut plus être modifiée" in text(response)
    assert db.session.get(Criterion, w.criterion.id) is not None
