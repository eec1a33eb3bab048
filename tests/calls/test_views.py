"""Call set-up pages: who may do what, what each bad input says, what changes in the database."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from portal.calls import services
from portal.db import db, utcnow
from portal.formatting import to_paris
from portal.models import AuditEvent, Call, CallStatus, Role

from ..conftest import login
from ..helpers import count_queries
from .helpers import form_data, paris_day


def _count_calls() -> int:
    return db.session.scalar(select(func.count()).select_from(Call))


def _events(action: str) -> list[AuditEvent]:
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


def test_call_admin_creates_a_draft_call(client, world):
    login(client, world.call_admin)
    before = _count_calls()
    response = client.post(
        "/appels/nouveau",
        data=form_data(
            deadline_date="2030-12-12",
            deadline_time="23:59",
            opens_date="2030-09-01",
            opens_time="08:00",
            max_amount="12 500,50",
            advance_rate="33,33",
        ),
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    assert _count_calls() == before + 1
    call = db.session.scalars(select(Call).order_by(Call.id.desc())).first()
    assert response.headers["Location"].endswith(f"/appels/{call.id}")
    assert call.status == CallStatus.draft
    assert call.title == "Appel à projets 2014-2015" and call.school_year == "2014-2015"
    # Typed in Paris time: 23:59 in December is 22:59 UTC, 08:00 in September is 06:00 UTC.
    assert call.deadline_at == dt.datetime(2030, 12, 12, 22, 59, tzinfo=dt.UTC)
    assert call.opens_at == dt.datetime(2030, 9, 1, 6, 0, tzinfo=dt.UTC)
    assert call.max_amount == Decimal("12500.50") and call.advance_rate == Decimal("33.33")
    assert [a.number for a in call.axes] == [1, 2, 3, 4]
    assert call.axes[0].label == "Mettre en œuvre des parcours personnalisés"
    assert sorted(call.fields) == ["intervention", "prevention"]
    assert sorted(call.eligible_kinds) == ["lgt", "lp"]
    assert [(k.label, k.required) for k in call.attachment_kinds] == [
        ("Budget prévisionnel détaillé", True),
        ("Lettre de soutien d'un partenaire", False),
    ]
    [event] = [e for e in _events("call_created") if e.object_id == call.id]
    assert event.actor_id == world.call_admin.id
    assert event.changes["max_amount"] == [None, "12500.50"]

    page = client.get(f"/appels/{call.id}").get_data(as_text=True)
    assert "12/12/2030 à 23 h 59 (heure de Paris)" in page
    assert "12\u202f500,50\u00a0€" in page
    assert "En préparation" in page


def test_new_call_form_offers_the_four_default_axes(client, world):
    login(client, world.call_admin)
    page = client.get("/appels/nouveau").get_data(as_text=True)
    assert "Remobiliser et accompagner des jeunes" in page
    assert 'for="axes-3"' in page and "Axe 4" in page


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        ({"deadline_date": paris_day(-2)}, "deadline_date", "postérieure à la date d'ouverture"),
        ({"school_year": "2014-2016"}, "school_year", "sous la forme 2014-2015"),
        ({"school_year": "14/15"}, "school_year", "sous la forme 2014-2015"),
        ({"max_amount": "0"}, "max_amount", "supérieur à zéro"),
        ({"max_amount": "-100"}, "max_amount", "ne peut pas être négatif"),
        ({"max_amount": "abc"}, "max_amount", "n'est pas un montant"),
        ({"max_amount": "100,125"}, "max_amount", "au plus deux décimales"),
        ({"advance_rate": "150"}, "advance_rate", "entre 0 et 100"),
        ({"advance_rate": "12,345"}, "advance_rate", "au plus deux"),
        ({"title": "  "}, "title", "Indiquez le titre"),
        ({"opens_date": "31/02/2014"}, "opens_date", "Date invalide"),
        ({"deadline_time": "25:00"}, "deadline_time", "Heure invalide"),
        ({"axes-2": ""}, "axes-2", "Donnez l'intitulé de l'axe 3"),
        ({"eligible_kinds": ["lgt", "castle"]}, "eligible_kinds", "Choisissez parmi les cases"),
    ],
)
def test_bad_input_is_refused_with_a_french_error_on_its_field(
    client, world, overrides, field, message
):
    login(client, world.call_admin)
    before = _count_calls()
    response = client.post("/appels/nouveau", data=form_data(**overrides))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    error = page.split(f'id="{field}-error"', 1)[1].split("</p>", 1)[0]
    assert message in error.replace("&#39;", "'")
    assert f'aria-describedby="{field}-error"' in page or f"{field}-legend {field}-error" in page
    assert _count_calls() == before
    assert not _events("call_created")


def test_opening_publishes_the_call_and_audits_it(client, world, factory):
    call = factory.call(status=CallStatus.draft)
    login(client, world.call_admin)
    response = client.post(f"/appels/{call.id}/ouvrir")
    assert response.status_code == 302
    db.session.refresh(call)
    assert call.status == CallStatus.open
    [event] = _events("call_opened")
    assert event.object_id == call.id and event.actor_id == world.call_admin.id
    assert event.changes == {"status": ["draft", "open"]}
    # A second click is refused, and changes nothing.
    response = client.post(f"/appels/{call.id}/ouvrir", follow_redirects=True)
    assert "Seul un appel en préparation peut être ouvert" in response.get_data(as_text=True)
    assert len(_events("call_opened")) == 1


@pytest.mark.parametrize(
    "change, message",
    [
        ({"eligible_kinds": []}, "au moins un type d'établissement éligible"),
        ({"fields": []}, "au moins un champ d'action"),
        (
            {
                "deadline_at": utcnow() - dt.timedelta(hours=1),
                "opens_at": utcnow() - dt.timedelta(days=3),
            },
            "est passée",
        ),
    ],
)
def test_a_call_that_is_not_ready_does_not_open(client, world, factory, change, message):
    call = factory.call(status=CallStatus.draft)
    for key, value in change.items():
        setattr(call, key, value)
    db.session.flush()
    login(client, world.call_admin)
    response = client.post(f"/appels/{call.id}/ouvrir")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True).replace("&#39;", "'")
    db.session.refresh(call)
    assert call.status == CallStatus.draft
    assert not _events("call_opened")


def test_editing_saves_and_audits_a_diff(client, world, factory):
    call = factory.call(status=CallStatus.draft)
    login(client, world.call_admin)
    page = client.get(f"/appels/{call.id}/modifier").get_data(as_text=True)
    assert f'name="version" type="hidden" value="{call.version}"' in page
    response = client.post(
        f"/appels/{call.id}/modifier",
        data=form_data(
            version=str(call.version), title="Nouveau titre", **{"axes-1": "Axe deux reformulé"}
        ),
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    db.session.refresh(call)
    assert call.title == "Nouveau titre"
    assert call.axes[1].label == "Axe deux reformulé" and call.axes[1].number == 2
    [event] = _events("call_updated")
    assert event.changes["title"][1] == "Nouveau titre"
    assert "school_year" not in event.changes  # unchanged values are not in the diff


def test_a_stale_edit_is_refused(client, world, factory):
    call = factory.call(status=CallStatus.draft)
    seen_version = call.version
    # Someone else saves first.
    services.update_call(
        world.admin, call, {"title": "Titre de l'autre"}, expected_version=seen_version
    )
    db.session.flush()
    login(client, world.call_admin)
    response = client.post(
        f"/appels/{call.id}/modifier", data=form_data(version=str(seen_version), title="Mon titre")
    )
    assert response.status_code == 409
    assert "modifié entre-temps" in response.get_data(as_text=True)
    db.session.refresh(call)
    assert call.title == "Titre de l'autre"


def test_open_call_keeps_its_axes_and_kinds_but_deadline_may_move(client, world):
    call = world.call
    login(client, world.call_admin)
    page = client.get(f"/appels/{call.id}/modifier").get_data(as_text=True)
    assert "ne peuvent plus être modifiés" in page
    assert 'name="axes-0"' not in page and 'name="eligible_kinds"' not in page
    new_deadline = paris_day(40)
    response = client.post(
        f"/appels/{call.id}/modifier",
        data=form_data(
            version=str(call.version),
            deadline_date=new_deadline,
            deadline_time="12:00",
            eligible_kinds=["college"],
            **{"axes-0": "Axe détourné"},
        ),
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    db.session.refresh(call)
    assert f"{to_paris(call.deadline_at):%Y-%m-%d %H:%M}" == f"{new_deadline} 12:00"
    assert call.axes[0].label == "Axe 1"
    assert "college" in call.eligible_kinds and "lgt" in call.eligible_kinds  # untouched


@pytest.mark.parametrize(
    "role", [Role.applicant_head, Role.reviewer, Role.observer, Role.copilot, Role.budget_officer]
)
def test_other_roles_cannot_set_up_calls(client, world, factory, role):
    est = world.est_a if role == Role.applicant_head else None
    user = factory.user(role, establishment=est)
    draft = factory.call(status=CallStatus.draft)
    open_call = world.call
    before = _count_calls()
    login(client, user)
    assert client.get("/appels/nouveau").status_code == 403
    assert client.post("/appels/nouveau", data=form_data()).status_code == 403
    assert _count_calls() == before
    assert client.get(f"/appels/{open_call.id}/modifier").status_code == 403
    title = open_call.title
    assert (
        client.post(
            f"/appels/{open_call.id}/modifier", data=form_data(version=str(open_call.version))
        ).status_code
        == 403
    )
    assert client.post(f"/appels/{open_call.id}/ouvrir").status_code == 403
    # A draft is not even visible: 404 everywhere.
    assert client.get(f"/appels/{draft.id}").status_code == 404
    assert client.get(f"/appels/{draft.id}/modifier").status_code == 404
    assert client.post(f"/appels/{draft.id}/ouvrir").status_code == 404
    db.session.refresh(draft)
    db.session.refresh(open_call)
    assert draft.status == CallStatus.draft and open_call.title == title
    # But an open call is readable by anyone signed in.
    page = client.get(f"/appels/{open_call.id}")
    assert page.status_code == 200 and open_call.title in page.get_data(as_text=True)
    assert "Modifier" not in page.get_data(as_text=True)
    listing = client.get("/appels/").get_data(as_text=True)
    assert open_call.title in listing and draft.title not in listing


def test_admin_may_manage_calls(client, world, factory):
    draft = factory.call(status=CallStatus.draft)
    login(client, world.admin)
    assert client.get(f"/appels/{draft.id}").status_code == 200
    assert client.post(f"/appels/{draft.id}/ouvrir").status_code == 302


def test_posts_without_csrf_token_are_refused_and_change_nothing(client, world, factory):
    draft = factory.call(status=CallStatus.draft)
    login(client, world.call_admin)
    before = _count_calls()
    assert client.post("/appels/nouveau", data=form_data(), csrf=False).status_code == 400
    assert _count_calls() == before
    assert client.post(f"/appels/{draft.id}/ouvrir", csrf=False).status_code == 400
    assert (
        client.post(
            f"/appels/{draft.id}/modifier",
            csrf=False,
            data=form_data(version=str(draft.version), title="X"),
        ).status_code
        == 400
    )
    db.session.refresh(draft)
    assert draft.status == CallStatus.draft and draft.title != "X"
    assert not _events("call_opened") and not _events("call_updated")


def test_deadline_passing_closes_the_call_by_itself(client, world, factory):
    past = factory.call(
        status=CallStatus.open,
        opens_at=utcnow() - dt.timedelta(days=40),
        deadline=utcnow() - dt.timedelta(minutes=1),
    )
    assert past.status == CallStatus.open  # nobody clicked anything
    assert past.effective_status() == CallStatus.closed
    assert not past.accepts_submissions()
    login(client, world.call_admin)
    page = client.get(f"/appels/{past.id}").get_data(as_text=True)
    assert ">Clos<" in page
    listing = client.get("/appels/").get_data(as_text=True)
    closed_section = listing.split("Clos (1)", 1)[1]
    assert past.title in closed_section
    # A closed call can no longer be edited.
    response = client.post(f"/appels/{past.id}/modifier", data=form_data(version=str(past.version)))
    assert response.status_code == 302
    db.session.refresh(past)
    assert past.title != "Appel à projets 2014-2015"


def test_index_counts_submitted_dossiers_in_constant_queries(client, world, factory):
    from applications import services as dossiers

    from ..conftest import fill_complete

    dossier = factory.dossier(world.call, world.head_a)
    fill_complete(dossier, world.head_a)
    dossiers.submit_dossier(world.head_a, dossier)
    factory.dossier(world.call, world.head_b)  # a draft: not counted
    db.session.flush()
    login(client, world.call_admin)
    client.get("/appels/")  # warm-up: loads the signed-in user
    with count_queries() as few:
        page = client.get("/appels/").get_data(as_text=True)
    row = page.split(world.call.title, 1)[1].split("</tr>", 1)[0]
    assert ">1</td>" in row
    for _ in range(5):
        factory.call()
    with count_queries() as many:
        client.get("/appels/")
    assert many.count == few.count <= 4  # with the menu's unread-messages count
