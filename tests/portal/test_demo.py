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
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo", "--no-serve"])
    assert result.exit_code == 0, result.output
    assert "chef.guerin@demo.ac-poitiers.fr" in result.output
    assert app.config["DEMO_PASSWORD"] in result.output
