"""`flask --app wsgi demo` prepares a database a newcomer can use at once."""

from sqlalchemy import func, select

from applications.models import Dossier, DossierStatus
from portal import demo
from portal.db import db
from portal.models import Establishment, Network, Role, User
from portal.uai import is_valid


def test_demo_data_covers_the_academie(app):
    demo.load("mot-de-passe-demo")
    establishments = db.session.scalars(select(Establishment)).all()
    assert len(establishments) == 40
    assert all(is_valid(e.uai) for e in establishments)
    assert {e.department_code for e in establishments} == {"16", "17", "79", "86"}
    assert len({e.kind for e in establishments}) == 8
    assert db.session.scalar(select(func.count()).select_from(Network)) == 14
    roles = {g.role for u in db.session.scalars(select(User)) for g in u.grants}
    assert roles == set(Role)
    states = {d.status for d in db.session.scalars(select(Dossier))}
    assert {DossierStatus.draft, DossierStatus.submitted, DossierStatus.incomplete} <= states


def test_demo_command_prints_the_accounts(app, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_URL", app.config["PUBLIC_URL"])  # restored after
    monkeypatch.delenv("PUBLIC_URL", raising=False)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo", "--no-serve", "--port", "5391"])
    assert result.exit_code == 0, result.output
    assert "chef.guerin@demo.ac-poitiers.fr" in result.output
    assert app.config["DEMO_PASSWORD"] in result.output
    # institutions in French, and the emails' links on the port the demo serves
    assert "Instructeur (Région)" in result.output and "(region)" not in result.output
    assert app.config["PUBLIC_URL"] == "http://127.0.0.1:5391"


def test_demo_command_keeps_a_public_url_given_by_the_environment(app, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_URL", "https://aap.example.fr")
    monkeypatch.setenv("PUBLIC_URL", "https://aap.example.fr")
    result = app.test_cli_runner().invoke(args=["demo", "--no-serve", "--port", "5391"])
    assert result.exit_code == 0, result.output
    assert app.config["PUBLIC_URL"] == "https://aap.example.fr"


def test_the_open_demo_call_is_of_the_school_year_of_its_dates(app):
    import datetime as dt

    assert demo.school_year_of(dt.date(2027, 1, 30)) == "2026-2027"
    assert demo.school_year_of(dt.date(2026, 6, 1)) == "2026-2027"
    assert demo.school_year_of(dt.date(2026, 5, 31)) == "2025-2026"
    demo.load("mot-de-passe-demo")
    from portal.models import Call, CallStatus

    # The demo's open call (the decided calls' demo also opens calls, with past deadlines): no
    # ORDER BY left PostgreSQL free to answer another one first.
    call = db.session.scalars(
        select(Call).where(Call.status == CallStatus.open).order_by(Call.deadline_at.desc())
    ).first()
    assert call.school_year == demo.school_year_of(call.deadline_at.date())
    # and every other demo call: its school year is the one of its dates, in its title too
    for other in db.session.scalars(select(Call)):
        assert other.school_year == demo.school_year_of(other.deadline_at.date()), other.title
        assert "20" not in other.title or other.school_year in other.title, other.title


def test_demo_data_shows_every_stage_of_the_commission(app):
    from review.models import Decision, Review, ReviewStatus

    demo.load("mot-de-passe-demo")
    statuses = {d.status for d in db.session.scalars(select(Dossier))}
    assert {
        DossierStatus.in_review,
        DossierStatus.reviewed,
        DossierStatus.ineligible,
        DossierStatus.accepted,
        DossierStatus.rejected,
    } <= statuses
    in_review = db.session.scalar(
        select(func.count())
        .select_from(Dossier)
        .where(Dossier.status.in_([DossierStatus.in_review, DossierStatus.reviewed]))
    )
    assert in_review >= 50
    reviews = {r.status for r in db.session.scalars(select(Review))}
    assert {ReviewStatus.assigned, ReviewStatus.draft, ReviewStatus.submitted} <= reviews
    decisions = db.session.scalars(select(Decision)).all()
    assert any(d.finalised_at and d.published_at for d in decisions)  # a decided call
    waiting = [d for d in decisions if d.finalised_at is None]  # a call in commission
    assert any(d.region_validated_at and not d.state_validated_at for d in waiting)
    assert any(not d.region_validated_at and not d.state_validated_at for d in waiting)
