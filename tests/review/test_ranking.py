"""Ranking of a call: aggregation through the database, sorting, filters, conflicts, access."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from portal.db import db
from portal.errors import PermissionDenied
from portal.models import Institution, Role
from review.models import (
    ConflictDeclaration,
    Opinion,
    ReviewStatus,
)
from review.ranking import build_ranking

from ..conftest import login
from ..helpers import count_queries
from .helpers import attach_grid, make_dossier, make_review, setup_call

D = Decimal


# builders: tests/review/helpers.py (shared with the export and API tests); the `ranked`
# fixture: tests/review/conftest.py

# ------------------------------------------------------------------ aggregation through the DB


def test_aggregation_of_a_call_through_the_database(world, ranked):
    ranking = build_ranking(world.call_admin, ranked.call)
    rows = {row.dossier.id: row for row in ranking.rows}
    assert [row.dossier.id for row in ranking.rows] == [
        ranked.a.id,
        ranked.b.id,
        ranked.c.id,
        ranked.d.id,
    ]
    assert ranked.draft.id not in rows
    a = rows[ranked.a.id]
    assert sorted(line.total for line in a.reviews) == [D("12.00"), D("16.00"), D("20.00")]
    assert (a.state_mean, a.region_mean, a.score) == (D("14.00"), D("20.00"), D("17.00"))
    assert (a.gap, a.spread) == (D("6.00"), D("8.00"))
    assert a.flagged and a.reasons == ("Écart État–Région de 6,00 points (seuil 3,00)",)
    assert (a.amount_region, a.amount_state) == (D("4000.00"), D("1000.00"))
    b = rows[ranked.b.id]
    assert (b.score, b.spread, b.flagged) == (D("12.00"), D("0.00"), False)
    c = rows[ranked.c.id]
    assert (c.state_mean, c.region_mean, c.score) == (D("8.00"), None, D("8.00"))
    assert c.reasons == ("Aucune évaluation Région",)
    d = rows[ranked.d.id]
    assert d.score is None and d.reviews == [] and not d.flagged  # a draft review counts nowhere
    assert [row.rank for row in ranking.rows] == [1, 2, 3, None]


def test_reviewer_calibration_is_shown_beside_the_raw_total(world, ranked):
    ranking = build_ranking(world.call_admin, ranked.call)
    z = {
        (line.review.reviewer_id, row.dossier.id): (line.total, line.z)
        for row in ranking.rows
        for line in row.reviews
    }
    # s1 gave 16, 12, 8: mean 12, σ = √(32/3) → z = ±1.22 and 0
    assert z[(ranked.s1.id, ranked.a.id)] == (D("16.00"), D("1.22"))
    assert z[(ranked.s1.id, ranked.b.id)] == (D("12.00"), D("0.00"))
    assert z[(ranked.s1.id, ranked.c.id)] == (D("8.00"), D("-1.22"))
    assert z[(ranked.r1.id, ranked.a.id)] == (D("20.00"), D("1.00"))
    assert z[(ranked.s2.id, ranked.a.id)] == (D("12.00"), D("0.00"))  # a single review


def test_equal_scores_share_a_rank(world, factory, ranked):
    e = make_dossier(ranked.call, world.est_b, world.head_b)
    attach_grid(ranked, e)
    make_review(e, ranked.s2, Institution.state, (3, 3))
    make_review(e, ranked.r1, Institution.region, (3, 3))
    db.session.flush()
    ranks = {row.dossier.id: row.rank for row in build_ranking(world.call_admin, ranked.call).rows}
    assert ranks[ranked.b.id] == ranks[e.id] == 2 and ranks[ranked.c.id] == 4


def test_settings_thresholds_decide_the_flag(world, factory):
    r = setup_call(world, factory, gap="6.00", spread="8.00")
    a = make_dossier(r.call, world.est_a, world.head_a)
    attach_grid(r, a)
    make_review(a, r.s1, Institution.state, (4, 4))  # 16
    make_review(a, r.s2, Institution.state, (3, 3))  # 12
    make_review(a, r.r1, Institution.region, (5, 5))  # 20
    db.session.flush()
    row = build_ranking(world.call_admin, r.call).rows[0]
    assert row.gap == D("6.00") and not row.flagged  # exactly at the threshold: not flagged


# ------------------------------------------------------------------ conflicts


def test_a_conflicted_copilot_neither_sees_nor_counts_the_dossier(client, world, ranked):
    db.session.add(
        ConflictDeclaration(
            dossier_id=ranked.a.id,
            user_id=ranked.copilot_region.id,
            kind="personal",
            comment="Ancien collègue",
        )
    )
    db.session.flush()
    ranking = build_ranking(ranked.copilot_region, ranked.call)
    assert ranked.a.id not in [row.dossier.id for row in ranking.rows]
    # r1's calibration is computed without A: B is then r1's only review
    b = ranking.row(ranked.b.id)
    assert [
        (line.total, line.z) for line in b.reviews if line.review.reviewer_id == ranked.r1.id
    ] == [(D("12.00"), D("0.00"))]
    assert [row.rank for row in ranking.rows] == [1, 2, None]

    login(client, ranked.copilot_region)
    page = client.get(f"/instruction/appels/{ranked.call.id}/classement")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert ranked.b.reference in body and ranked.a.reference not in body
    assert "3 dossiers sur 3" in body
    detail = client.get(f"/instruction/appels/{ranked.call.id}/classement/{ranked.a.id}")
    assert detail.status_code == 404
    for url in (
        f"/instruction/appels/{ranked.call.id}/classement.csv",
        f"/instruction/appels/{ranked.call.id}/evaluations.csv",
    ):
        assert ranked.a.reference not in client.get(url).get_data(as_text=True)


def test_the_state_copilot_without_conflict_sees_every_row(client, world, ranked):
    login(client, ranked.copilot_state)
    body = client.get(f"/instruction/appels/{ranked.call.id}/classement").get_data(as_text=True)
    for dossier in (ranked.a, ranked.b, ranked.c, ranked.d):
        assert dossier.reference in body
    assert ranked.draft.reference not in body


# ------------------------------------------------------------------ the page


def _references(body: str) -> list[str]:
    return re.findall(r'classement/\d+">(AAP-2014-\d+)</a>', body)


def _page(client, call, query=""):
    response = client.get(f"/instruction/appels/{call.id}/classement{query}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_page_shows_the_figures_and_the_flag_reason(client, world, ranked):
    login(client, world.call_admin)
    body = _page(client, ranked.call)
    assert _references(body) == [
        ranked.a.reference,
        ranked.b.reference,
        ranked.c.reference,
        ranked.d.reference,
    ]
    assert "17,00" in body and "14,00" in body and "20,00" in body
    assert "4\u202f000,00\u00a0€" in body  # asked of the Région
    reason = "Écart État–Région de 6,00 points (seuil 3,00)"
    assert f'title="{reason}"' in body
    assert f'<span class="fr-sr-only">Signalé : {reason}</span>' in body
    assert 'aria-sort="descending"' in body


@pytest.mark.parametrize(
    "query, expected",
    [
        ("", "abcd"),
        ("?tri=score&ordre=asc", "cbad"),
        ("?tri=reference&ordre=asc", "abcd"),
        ("?tri=reference&ordre=desc", "dcba"),
        ("?tri=etablissement&ordre=asc", "abcd"),
        ("?tri=montant_region&ordre=desc", "acdb"),
        ("?tri=montant_etat&ordre=asc", "acdb"),
        ("?tri=moyenne_region&ordre=desc", "abcd"),
        ("?tri=moyenne_etat&ordre=asc", "cbad"),
        ("?tri=dispersion&ordre=desc", "abcd"),
        ("?tri=signalement&ordre=desc", "acbd"),
        ("?tri=rang&ordre=desc", "cbad"),
        ("?tri=nimportequoi", "abcd"),
    ],
)
def test_sorting_on_the_server(client, world, ranked, query, expected):
    login(client, world.call_admin)
    body = _page(client, ranked.call, query)
    letters = {getattr(ranked, x).reference: x for x in "abcd"}
    assert "".join(letters[ref] for ref in _references(body)) == expected


def test_sort_links_keep_the_filters_and_toggle_the_order(client, world, ranked):
    login(client, world.call_admin)
    body = _page(client, ranked.call, "?departement=86")
    assert "tri=score&amp;ordre=asc&amp;departement=86" in body  # the sorted column reverses
    assert "tri=reference&amp;ordre=asc&amp;departement=86" in body


@pytest.mark.parametrize(
    "query, expected",
    [
        ("?axe=2", "a"),
        ("?axe=1", "bc"),
        ("?domaine=prevention", "ac"),
        ("?domaine=intervention", "ad"),
        ("?departement=17", "b"),
        ("?departement=79", "cd"),
        ("?type=lp", "cd"),
        ("?type=lgt", "ab"),
        ("?signales=1", "ac"),
        ("?signales=1&departement=79", "c"),
    ],
)
def test_each_filter(client, world, ranked, query, expected):
    login(client, world.call_admin)
    body = _page(client, ranked.call, query)
    letters = {getattr(ranked, x).reference: x for x in "abcd"}
    assert "".join(letters[ref] for ref in _references(body)) == expected


def test_network_filter(client, world, ranked):
    login(client, world.call_admin)
    body = _page(client, ranked.call, f"?reseau={ranked.est_c.network_id}")
    assert _references(body) == [ranked.a.reference, ranked.c.reference, ranked.d.reference]


@pytest.mark.parametrize(
    "query, warning",
    [
        ("?axe=9", "L'axe « 9 » n'existe pas dans cet appel : filtre ignoré."),
        ("?domaine=jardinage", "Le champ d'action « jardinage » est inconnu : filtre ignoré."),
        ("?type=universite", "Le type d'établissement « universite » est inconnu : filtre ignoré."),
        ("?tri=couleur", "Tri « couleur » inconnu : classement par note."),
    ],
)
def test_a_bad_filter_is_ignored_with_a_french_warning(client, world, ranked, query, warning):
    login(client, world.call_admin)
    body = _page(client, ranked.call, query)
    assert warning.replace("'", "&#39;") in body
    assert len(_references(body)) == 4


def test_the_detail_lists_each_review_with_names_for_the_staff_only(client, world, ranked):
    login(client, world.call_admin)
    url = f"/instruction/appels/{ranked.call.id}/classement/{ranked.a.id}"
    body = client.get(url).get_data(as_text=True)
    assert "Sévère État" in body and "Second État" in body
    assert "16,00" in body and "1,22" in body and "Réservé" in body
    assert "Écart État–Région de 6,00 points (seuil 3,00)" in body
    client.post("/deconnexion")
    login(client, ranked.copilot_region)
    body = client.get(url).get_data(as_text=True)
    assert "Sévère État" not in body and "Second État" not in body
    assert "Instructeur État 1" in body and "Instructeur État 2" in body
    assert "16,00" in body and "1,22" in body


def test_a_dossier_of_another_call_is_404_in_the_detail(client, world, factory, ranked):
    other = factory.call()
    login(client, world.call_admin)
    response = client.get(f"/instruction/appels/{other.id}/classement/{ranked.a.id}")
    assert response.status_code == 404
    assert client.get("/instruction/appels/999999/classement").status_code == 404


# ------------------------------------------------------------------ who may see it

RANKING_URLS = [
    "/instruction/appels/{call}/classement",
    "/instruction/appels/{call}/classement/{dossier}",
    "/instruction/appels/{call}/classement.csv",
    "/instruction/appels/{call}/classement.xlsx",
    "/instruction/appels/{call}/evaluations.csv",
    "/instruction/appels/{call}/evaluations.xlsx",
]


@pytest.mark.parametrize("url", RANKING_URLS)
@pytest.mark.parametrize(
    "who", ["head_a", "staff_a", "reviewer", "s1", "observer", "budget", "other_copilot"]
)
def test_applicants_and_reviewers_are_refused(client, world, factory, ranked, url, who):
    users = {
        "s1": ranked.s1,
        "other_copilot": factory.user(Role.copilot, institution=Institution.region),
    }
    user = users.get(who) or getattr(world, who)
    login(client, user)
    response = client.get(url.format(call=ranked.call.id, dossier=ranked.a.id))
    assert response.status_code in (403, 404)
    assert ranked.a.reference not in response.get_data(as_text=True)


@pytest.mark.parametrize("who", ["call_admin", "copilot_state", "copilot_region"])
def test_staff_and_copilots_may_see_the_ranking(client, world, ranked, who):
    user = getattr(ranked, who, None) or getattr(world, who)
    login(client, user)
    for url in RANKING_URLS:
        response = client.get(url.format(call=ranked.call.id, dossier=ranked.a.id))
        assert response.status_code == 200, url
        response.close()  # a streamed export holds its request context until closed


def test_the_platform_admin_does_not_reach_the_ranking(client, world, ranked):
    # the platform admin manages people and reference data, not dossiers
    login(client, world.admin)
    assert client.get(f"/instruction/appels/{ranked.call.id}/classement").status_code == 403


def test_the_service_refuses_an_applicant(world, ranked):
    with pytest.raises(PermissionDenied):
        build_ranking(world.head_a, ranked.call)


# ------------------------------------------------------------------ constant number of queries


def _bulk(world, factory, r, n: int, start: int = 0):
    ests = [world.est_a, world.est_b]
    for i in range(start, start + n):
        d = make_dossier(r.call, ests[i % 2], world.head_a, main_axis=1 + i % 4)
        attach_grid(r, d)
        make_review(d, r.s1, Institution.state, (i % 6, (i + 1) % 6))
        make_review(d, r.s2, Institution.state, ((i + 2) % 6, i % 6))
        make_review(d, r.r1, Institution.region, ((i + 3) % 6, (i + 4) % 6))
    db.session.flush()


def _count_queries(client, url) -> tuple[int, str]:
    db.session.commit()
    db.session.expunge_all()  # what the request finds in the session must not depend on the test
    with count_queries() as queries:
        response = client.get(url)
    assert response.status_code == 200
    _count_queries.last = queries.statements
    return queries.count, response.get_data(as_text=True)


@pytest.mark.parametrize("who", ["call_admin", "copilot_state"])
def test_the_ranking_page_costs_the_same_queries_at_10_and_200_dossiers(
    client, world, factory, who
):
    r = setup_call(world, factory)
    _bulk(world, factory, r, 10)
    user = getattr(r, who, None) or getattr(world, who)
    login(client, user)
    url = f"/instruction/appels/{r.call.id}/classement"
    few, body = _count_queries(client, url)
    first = _count_queries.last
    assert "10 dossiers sur 10" in body
    _bulk(world, factory, r, 190, start=10)
    many, body = _count_queries(client, url)
    assert "200 dossiers sur 200" in body
    assert few == many, "\n".join(q[:120] for q in first + ["----"] + _count_queries.last)
    # session, call, membership, settings, counts, the page, reviewer figures, filter choices (3)
    assert few <= 10


def test_the_page_compares_reviewers_harshest_first(client, world, ranked):
    ranking = build_ranking(world.call_admin, ranked.call)
    summary = [(s.label, s.count, s.mean) for s in ranking.reviewers()]
    assert summary == [
        ("Second État", 1, D("12.00")),
        ("Sévère État", 3, D("12.00")),
        (world.reviewer.full_name, 2, D("16.00")),
    ]
    login(client, world.call_admin)
    body = _page(client, ranked.call)
    assert "Calibrage des instructeurs" in body


def test_a_copilot_who_reviews_sees_the_dossier_only_after_their_own_review(world, ranked):
    # the State co-pilot is also assigned to A and has not handed in their review yet
    own = make_review(
        ranked.a, ranked.copilot_state, Institution.state, (2, 2), status=ReviewStatus.draft
    )
    db.session.flush()
    rows = {row.dossier.id for row in build_ranking(ranked.copilot_state, ranked.call).rows}
    assert ranked.a.id not in rows and ranked.b.id in rows
    own.status = ReviewStatus.submitted
    own.submitted_at = own.assigned_at
    own.opinion = Opinion.favourable
    db.session.flush()
    rows = {row.dossier.id for row in build_ranking(ranked.copilot_state, ranked.call).rows}
    assert ranked.a.id in rows
