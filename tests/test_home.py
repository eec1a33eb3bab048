"""Each role lands on its own home page, built in a few queries."""

from __future__ import annotations

import datetime as dt

import pytest

from applications import services as dossiers
from applications.views.common import next_action
from portal.db import db, utcnow
from portal.formatting import format_datetime, format_due, time_left
from portal.models import CallStatus, Institution, Role

from .conftest import fill_complete, login
from .helpers import count_queries

PARIS_LATER = "L'instruction des dossiers ouvrira après la clôture de l'appel."


def _home(client, user) -> str:
    login(client, user)
    response = client.get("/")
    assert response.status_code == 200
    return response.get_data(as_text=True).replace("&#39;", "'")


def test_on_deadline_day_the_head_reads_hours_and_minutes_not_j0(world, factory):
    deadline = dt.datetime(2014, 12, 12, 22, 59, tzinfo=dt.UTC)  # 23 h 59 in Paris
    assert time_left(deadline, dt.datetime(2014, 11, 30, 9, 0, tzinfo=dt.UTC)) == (
        "Plus que 12 jours"
    )
    # 20 h 49 in Paris on the 12th: the last day, counted in hours and minutes.
    assert time_left(deadline, dt.datetime(2014, 12, 12, 19, 49, tzinfo=dt.UTC)) == (
        "Plus que 3 h 10"
    )
    dossier = factory.dossier(world.call, world.head_a)
    world.call.opens_at = dt.datetime(2014, 9, 1, tzinfo=dt.UTC)
    world.call.deadline_at = deadline
    before = next_action(dossier, dt.datetime(2014, 11, 30, 9, 0, tzinfo=dt.UTC))
    assert before == "À déposer avant le 12/12/2014 à 23 h 59"
    last_day = next_action(dossier, dt.datetime(2014, 12, 12, 21, 30, tzinfo=dt.UTC))
    assert last_day == "À déposer aujourd'hui avant 23 h 59 (plus que 1 h 29)"
    assert next_action(dossier, deadline) == "Date limite de dépôt dépassée"


def test_applicant_sees_open_calls_and_only_their_establishment_dossiers(client, world, factory):
    mine = dossiers.create_dossier(world.staff_a, world.call, title="Notre projet théâtre")
    theirs = dossiers.create_dossier(world.head_b, world.call, title="Projet secret du lycée B")
    draft_call = factory.call(status=CallStatus.draft)
    db.session.flush()
    page = _home(client, world.head_a)
    # The open call, its deadline the French way, a countdown and the way in.
    assert world.call.title in page and draft_call.title not in page
    assert format_datetime(world.call.deadline_at) in page  # "… à 23 h 59 (heure de Paris)"
    assert f">{time_left(world.call.deadline_at, utcnow())}<" in page and ">J-" not in page
    assert f'href="/dossiers/nouveau?call_id={world.call.id}"' in page
    assert "Créer un dossier" in page
    # Their establishment's dossier, with its badge and next step; never another's.
    assert mine.title in page and f'href="/dossiers/{mine.id}"' in page
    assert 'class="fr-badge fr-badge--sm fr-badge--new">Brouillon' in page
    assert f"À déposer avant le {format_due(world.call.deadline_at)}" in page
    assert theirs.title not in page and f'href="/dossiers/{theirs.id}"' not in page
    assert PARIS_LATER not in page


def test_incomplete_dossier_asks_for_completion(client, world, factory):
    dossier = factory.dossier(world.call, world.head_a)
    fill_complete(dossier, world.head_a)
    dossiers.submit_dossier(world.head_a, dossier)
    request = dossiers.request_completion(world.call_admin, dossier, "Joignez le budget signé.")
    db.session.flush()
    page = _home(client, world.staff_a)
    assert "À compléter</p>" in page and "fr-badge--warning" in page
    # the completion's due date with its time, as every due date
    assert f"À compléter avant le {format_due(request.due_at)}" in page
    assert " h " in format_due(request.due_at)


def test_ineligible_establishment_gets_no_create_button(client, world, factory):
    from portal.models import EstablishmentKind

    college_call = factory.call(kinds=[EstablishmentKind.college])
    page = _home(client, world.head_a)
    assert college_call.title in page
    assert f"call_id={college_call.id}" not in page
    assert "ne sont pas éligibles à cet appel" in page


def test_call_admin_sees_calls_by_status_and_work_to_do(client, world, factory):
    to_screen = factory.dossier(world.call, world.head_a)
    fill_complete(to_screen, world.head_a)
    dossiers.submit_dossier(world.head_a, to_screen)
    sent_back = factory.dossier(world.call, world.head_b)
    fill_complete(sent_back, world.head_b)
    dossiers.submit_dossier(world.head_b, sent_back)
    dossiers.request_completion(world.call_admin, sent_back, "Il manque une pièce.")
    factory.dossier(world.call, world.staff_a)  # a draft: nobody's work yet
    draft_call = factory.call(status=CallStatus.draft)
    db.session.flush()
    page = _home(client, world.call_admin)
    assert "1 dossier déposé à examiner" in page
    assert "1 demande de complément en attente" in page
    assert "Ouvert (1)" in page and "En préparation (1)" in page and draft_call.title in page
    assert 'href="/appels/"' in page and 'href="/dossiers/deposes"' in page
    assert "Créer un dossier" not in page


def test_admin_sees_administration_links(client, world):
    from flask import url_for

    page = _home(client, world.admin)
    assert f'href="{url_for("admin.users", _external=False)}"' in page
    assert f'href="{url_for("admin.establishments", _external=False)}"' in page


@pytest.mark.parametrize(
    "attr, heading",
    [
        ("reviewer", "Instruction des dossiers"),
        ("copilot", "Co-pilotage"),
        ("budget", "Suivi budgétaire"),
        ("observer", "Tableaux de bord"),
    ],
)
def test_later_stage_roles_get_an_honest_card(client, world, attr, heading):
    page = _home(client, getattr(world, attr))
    assert heading in page
    assert 'href="/appels/"' in page
    if attr in ("reviewer", "copilot"):
        assert PARIS_LATER in page
    assert "Créer un dossier" not in page and "Administration de la plateforme" not in page


def test_a_user_with_several_roles_sees_each_section(client, world, factory):
    user = factory.user(
        Role.call_admin,
        Role.reviewer,
        Role.applicant_staff,
        establishment=world.est_a,
        institution=Institution.region,
    )
    page = _home(client, user)
    assert "Gestion des appels à projets" in page
    assert PARIS_LATER in page
    assert "Appels à projets ouverts" in page and "Les dossiers de Lycée A" in page


def test_home_does_not_query_per_dossier_or_call(client, world, factory):
    factory.dossier(world.call, world.head_a)
    login(client, world.head_a)
    client.get("/")
    with count_queries() as few:
        client.get("/")
    for _ in range(4):
        call = factory.call()
        factory.dossier(call, world.head_a)
    with count_queries() as many:
        client.get("/")
    # The home's sections, the À faire (one query per area answering for a head, one for the
    # unread messages) and the menu's unread count.
    assert many.count == few.count <= 7


def test_observer_home_counts_decided_dossiers_per_call_and_status(client, world, factory):
    from applications.models import DossierStatus

    other = factory.call()
    other.title = "Appel complémentaire"
    made = []
    for call, status in [
        (world.call, DossierStatus.accepted),
        (world.call, DossierStatus.accepted),
        (world.call, DossierStatus.rejected),
        (other, DossierStatus.funded),
        (other, DossierStatus.in_review),  # not decided: an observer does not see it
    ]:
        d = factory.dossier(call, world.head_a)
        d.status, d.reference = status, f"AAP-2014-{len(made) + 8000:04d}"
        made.append(d)
    db.session.flush()
    page = _home(client, world.observer)
    assert "Dossiers décidés, par appel et par état" in page
    table = page[page.index('id="dossiers-par-etat"') :]
    table = table[: table.index("</section>")]
    assert ">Retenu<" in table and ">Non retenu<" in table and ">Conventionné<" in table
    assert "En instruction" not in table
    row = table[table.index(world.call.title) :].split("</tr>")[0]
    assert [c.split("<")[0] for c in row.split('class="portal-amount">')[1:]] == [
        "2",
        "1",
        "0",
        "",
    ]
    assert "<strong>3</strong>" in row
    # a budget officer has no such table
    assert "dossiers-par-etat" not in _home(client, world.budget)
