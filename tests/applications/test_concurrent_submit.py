"""Two tabs submitting the same dossier at the same instant: one submission, never two."""

import threading

from sqlalchemy import func, select

from applications import services
from applications.models import Dossier, DossierStatus, Submission
from portal.db import db, make_engine
from portal.migrate import upgrade
from portal.models import Role, User

from ..conftest import Factory, fill_complete


def test_simultaneous_submits_yield_one_submission(app, live_database_url):
    # Real commits on a database of its own: the per-test transaction cannot show a race.
    upgrade(live_database_url)
    engine = make_engine(live_database_url)
    db.session.remove()
    db.session.configure(bind=engine)
    try:
        with app.app_context():
            factory = Factory()
            call = factory.call()
            est = factory.establishment()
            head = factory.user(Role.applicant_head, establishment=est)
            dossier = factory.dossier(call, head)
            fill_complete(dossier, head)
            db.session.commit()
            ids = head.id, dossier.id
        db.session.remove()

        barrier = threading.Barrier(2)
        outcomes = []

        def tab():
            with app.app_context():
                user, target = db.session.get(User, ids[0]), db.session.get(Dossier, ids[1])
                assert target.status == DossierStatus.draft
                barrier.wait()
                try:
                    services.submit_dossier(user, target)
                    db.session.commit()
                    outcomes.append("submitted")
                except Exception as exc:  # noqa: BLE001 - the loser's error is what we look at
                    db.session.rollback()
                    outcomes.append(type(exc).__name__)
                finally:
                    db.session.remove()

        threads = [threading.Thread(target=tab) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)

        with app.app_context():
            count = db.session.scalar(
                select(func.count()).select_from(Submission).where(Submission.dossier_id == ids[1])
            )
            reference = db.session.get(Dossier, ids[1]).reference
        assert outcomes.count("submitted") == 1, outcomes
        assert count == 1
        assert reference.endswith("-0001")
        print(outcomes)
    finally:
        db.session.remove()
        db.session.configure(bind=db.engine)
        engine.dispose()


def test_a_lost_race_is_a_clear_conflict_not_a_crash(client, world, factory):
    from sqlalchemy import update

    from ..conftest import login

    dossier = factory.dossier(world.call, world.head_a)
    version = dossier.version
    login(client, world.head_a)
    # Another transaction changes the row behind this session's back (a second tab, say).
    db.session.execute(
        update(Dossier)
        .where(Dossier.id == dossier.id)
        .values(version=Dossier.version + 1, title="Autre onglet")
        .execution_options(synchronize_session=False)
    )
    response = client.post(
        f"/dossiers/{dossier.id}/etape/presentation",
        data={"version": str(version), "title": "Mon titre", "summary": ""},
    )
    assert response.status_code == 409
    assert "modifiées au même moment" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Dossier, dossier.id).title == "Autre onglet"
