"""The applicant's journey over HTTP: create, fill step by step, attach, submit, receipt."""

import io
import re

from pypdf import PdfReader
from sqlalchemy import func, select

from applications.models import Dossier, DossierStatus
from portal.db import db
from portal.models import AuditEvent

from ..conftest import PDF_BYTES, login


def _version(client, dossier_id, step):
    page = client.get(f"/dossiers/{dossier_id}/etape/{step}").get_data(as_text=True)
    return re.search(r'name="version"[^>]*value="(\d+)"', page).group(1)


def test_staff_fills_the_dossier_and_the_head_submits_it(client, world):
    login(client, world.staff_a)
    page = client.get("/dossiers/").get_data(as_text=True)
    assert "Créer un dossier" in page

    response = client.post(
        "/dossiers/nouveau", data={"call_id": world.call.id, "title": "Raccrocher par le théâtre"}
    )
    assert response.status_code == 302
    dossier = db.session.scalars(select(Dossier)).one()
    assert response.headers["Location"].endswith(f"/dossiers/{dossier.id}/etape/presentation")
    base = f"/dossiers/{dossier.id}/etape"

    form = client.get(f"{base}/presentation").get_data(as_text=True)
    assert 'class="fr-stepper"' in form and "Titre du projet" in form and "Résumé" in form
    steps = [
        (
            "presentation",
            {
                "title": "Raccrocher par le théâtre",
                "summary": "Un atelier hebdomadaire de remobilisation.",
            },
        ),
        (
            "axes-et-public",
            {
                "main_axis": "2",
                "other_axes": ["1", "3"],
                "fields": ["prevention", "remediation"],
                "targets-at_risk__16_18": "20",
                "targets-return_path__19_25": "4",
                "target_ages": "15-17 ans",
                "target_levels": "Seconde",
                "target_profile": "Élèves absentéistes",
            },
        ),
        (
            "partenaires",
            {
                "partners-0-name": "Mission locale",
                "partners-0-kind": "association",
                "partners-0-role": "Accompagnement",
                "partners-1-name": "",
                "partners-1-kind": "",
                "partners-1-role": "",
            },
        ),
        (
            "actions",
            {
                "actions-0-title": "Atelier théâtre",
                "actions-0-description": "Chaque semaine",
                "actions-0-start_date": "03/11/2014",
                "actions-0-end_date": "2015-06-15",
            },
        ),
        (
            "indicateurs",
            {
                "indicators-0-name": "Taux d'absentéisme",
                "indicators-0-unit": "%",
                "indicators-0-direction": "down",
                "indicators-0-baseline_value": "18",
                "indicators-0-target_value": "10,5",
            },
        ),
        (
            "budget",
            {
                "expenses-0-category": "services",
                "expenses-0-label": "Intervenant",
                "expenses-0-amount": "6 000,00",
                "expenses-1-category": "equipment",
                "expenses-1-label": "Fournitures",
                "expenses-1-amount": "1 234,50",
                "resources-0-source": "region",
                "resources-0-amount": "3000",
                "resources-1-source": "state",
                "resources-1-amount": "3 000,00",
                "resources-2-source": "own",
                "resources-2-amount": "1234,5",
            },
        ),
    ]
    for i, (step, data) in enumerate(steps):
        data = dict(data, version=_version(client, dossier.id, step), action="next")
        response = client.post(f"{base}/{step}", data=data)
        assert response.status_code == 302, (step, response.get_data(as_text=True)[:3000])
        next_step = steps[i + 1][0] if i + 1 < len(steps) else "pieces-jointes"
        assert response.headers["Location"].endswith(f"{base}/{next_step}")

    kind = world.call.required_attachment_kinds[0]
    response = client.post(
        f"/dossiers/{dossier.id}/pieces",
        content_type="multipart/form-data",
        data={"kind_id": str(kind.id), "file": (io.BytesIO(PDF_BYTES), "budget détaillé.pdf")},
    )
    assert response.status_code == 302

    db.session.expire_all()
    dossier = db.session.get(Dossier, dossier.id)
    assert dossier.title == "Raccrocher par le théâtre"
    assert dossier.main_axis == 2 and dossier.other_axes == [1, 3]
    assert dossier.actions[0].start_date.isoformat() == "2014-11-03"
    assert [p.name for p in dossier.partners] == ["Mission locale"]
    assert dossier.target_count == 24 and len(dossier.targets) == 2
    assert [(i.direction, str(i.target_value)) for i in dossier.indicators] == [("down", "10.50")]
    assert str(dossier.total_expenses) == "7234.50" == str(dossier.total_resources)

    recap = client.get(f"{base}/recapitulatif").get_data(as_text=True)
    assert "Le dossier est complet" in recap
    assert "Seul le chef d'établissement peut déposer le dossier" in recap
    assert "Déposer le dossier</button>" not in recap

    client.post("/deconnexion")
    login(client, world.head_a)
    recap = client.get(f"{base}/recapitulatif").get_data(as_text=True)
    assert "Déposer le dossier</button>" in recap
    response = client.post(f"/dossiers/{dossier.id}/deposer")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    db.session.expire_all()
    dossier = db.session.get(Dossier, dossier.id)
    assert dossier.status == DossierStatus.submitted
    assert f"déposé sous la référence {dossier.reference}" in page
    assert "Télécharger le récépissé n° 1" in page

    response = client.get(f"/dossiers/{dossier.id}/recepisse/1")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    assert f"recepisse-{dossier.reference}-1.pdf" in response.headers["Content-Disposition"]
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)
    assert dossier.reference in text

    listing = client.get("/dossiers/").get_data(as_text=True)
    assert dossier.reference in listing and "Déposé" in listing


def test_the_list_shows_only_the_establishments_dossiers(client, world, factory):
    mine = factory.dossier(world.call, world.head_a)
    mine.title = "Projet du lycée A"
    other = factory.dossier(world.call, world.head_b)
    other.title = "Projet du lycée B"
    db.session.flush()
    login(client, world.staff_a)
    page = client.get("/dossiers/").get_data(as_text=True)
    assert "Projet du lycée A" in page and "Brouillon" in page
    assert "Projet du lycée B" not in page
    assert "À déposer avant le" in page


def test_new_dossier_form_and_refusal_for_call_staff(client, world):
    login(client, world.staff_a)
    page = client.get(f"/dossiers/nouveau?call_id={world.call.id}")
    assert page.status_code == 200 and "Titre du projet" in page.get_data(as_text=True)
    assert client.get("/dossiers/nouveau?call_id=999999").status_code == 404
    client.post("/deconnexion")
    login(client, world.call_admin)
    assert client.get(f"/dossiers/nouveau?call_id={world.call.id}").status_code == 403
    response = client.post("/dossiers/nouveau", data={"call_id": world.call.id, "title": "x"})
    assert response.status_code == 403
    assert db.session.scalar(select(func.count()).select_from(Dossier)) == 0


def test_too_long_title_is_refused_on_creation(client, world):
    login(client, world.staff_a)
    response = client.post("/dossiers/nouveau", data={"call_id": world.call.id, "title": "x" * 201})
    assert response.status_code == 400
    assert "Le titre fait au plus 200 caractères." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Dossier)) == 0


def test_head_withdraws_with_a_reason(client, world, factory):
    dossier = factory.dossier(world.call, world.head_a)
    login(client, world.head_a)
    assert "Retirer le dossier" in client.get(f"/dossiers/{dossier.id}").get_data(as_text=True)
    # without the confirmation field: the confirmation page, nothing changed
    response = client.post(f"/dossiers/{dossier.id}/retirer", data={"reason": "Projet abandonné"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Confirmer le retrait" in page and "Le retrait est définitif" in page
    assert 'name="reason" value="Projet abandonné"' in page
    assert 'name="confirmed" value="1"' in page
    db.session.expire_all()
    assert db.session.get(Dossier, dossier.id).status == DossierStatus.draft
    response = client.post(
        f"/dossiers/{dossier.id}/retirer", data={"reason": "Projet abandonné", "confirmed": "1"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Dossier, dossier.id).status == DossierStatus.withdrawn
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "dossier_withdrawn")
    ).one()
    assert event.changes["reason"] == "Projet abandonné"


def test_staff_cannot_withdraw(client, world, factory):
    dossier = factory.dossier(world.call, world.head_a)
    login(client, world.staff_a)
    assert client.post(f"/dossiers/{dossier.id}/retirer", data={}).status_code == 403
    assert (
        client.post(f"/dossiers/{dossier.id}/retirer", data={"confirmed": "1"}).status_code == 403
    )
    db.session.expire_all()
    assert db.session.get(Dossier, dossier.id).status == DossierStatus.draft


def test_next_action_says_when_the_deadline_has_passed(client, world, factory):
    import datetime as dt

    from portal.db import utcnow

    factory.dossier(world.call, world.head_a)
    world.call.deadline_at = utcnow() - dt.timedelta(hours=1)
    db.session.flush()
    login(client, world.head_a)
    page = client.get("/dossiers/").get_data(as_text=True)
    assert "Date limite de dépôt dépassée" in page
    assert "Créer un dossier" not in page  # the call no longer accepts dossiers


def test_call_staff_without_establishment_get_a_pointer_not_a_list(client, world):
    login(client, world.call_admin)
    page = client.get("/dossiers/").get_data(as_text=True)
    assert "rattaché à aucun établissement" in page
    assert "/dossiers/deposes" in page


def test_a_withdrawn_dossier_is_not_asked_again(client, world, factory):
    dossier = factory.dossier(world.call, world.head_a)
    login(client, world.head_a)
    client.post(f"/dossiers/{dossier.id}/retirer", data={"confirmed": "1"})
    response = client.post(f"/dossiers/{dossier.id}/retirer", data={})
    assert response.status_code == 409
    assert "Confirmer le retrait" not in response.get_data(as_text=True)
