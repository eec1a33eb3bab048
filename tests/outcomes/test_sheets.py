"""The coordinator's practice sheets: the consented projects and their state, the first wording
from the dossier and the report, edits, validation and withdrawal, with the version checked, CSRF,
the audit trail and French errors on the fields (nothing changed); her « À faire » and home."""

from __future__ import annotations

from sqlalchemy import select

from outcomes.models import PracticeSheet
from portal.db import db
from portal.models import AuditEvent

from ..conftest import login
from .catalogue_helpers import reported, sheet, text_of

GOOD = {
    "title": "Le théâtre pour raccrocher",
    "summary": "Un atelier de théâtre chaque semaine.",
    "results": "Quinze élèves sont restés en formation.",
}


def _sheet_of(dossier) -> PracticeSheet | None:
    db.session.expire_all()
    return db.session.scalar(select(PracticeSheet).where(PracticeSheet.dossier_id == dossier.id))


def _audit(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_the_list_shows_each_state(money_world, client):
    o = money_world
    todo = reported(o)
    draft = sheet(o, reported(o), publish=False).dossier
    published = sheet(o, reported(o)).dossier
    hidden = reported(o, consent=False)
    login(client, o.coordinator)
    page = text_of(client.get("/coordination/fiches"))
    for d in (todo, draft, published):
        assert d.reference in page
    assert hidden.reference not in page
    assert "À rédiger" in page and "Brouillon" in page and "Publiée" in page
    # what is left to do comes first
    assert (
        page.index(todo.reference) < page.index(draft.reference) < page.index(published.reference)
    )
    only_todo = text_of(client.get("/coordination/fiches?etat=todo"))
    assert todo.reference in only_todo and draft.reference not in only_todo
    assert published.reference in text_of(client.get("/coordination/fiches?etat=validated"))


def test_the_first_wording_comes_from_the_dossier_and_the_report(money_world, client):
    o = money_world
    dossier = reported(o, actions="Douze séances avec la compagnie.")
    login(client, o.coordinator)
    page = text_of(client.get(f"/coordination/fiches/{dossier.id}"))
    assert dossier.title in page and dossier.summary in page
    assert "Atelier théâtre" in page  # the dossier's action
    assert "Douze séances avec la compagnie." in page  # what the report says was done
    assert "22 jeunes accompagnés" in page
    assert _sheet_of(dossier) is None  # nothing written by reading


def test_save_a_draft_then_validate_then_withdraw(money_world, client):
    o = money_world
    dossier = reported(o)
    login(client, o.coordinator)
    url = f"/coordination/fiches/{dossier.id}"
    response = client.post(url, data={**GOOD, "version": "0", "action": "draft"})
    assert response.status_code == 302
    s = _sheet_of(dossier)
    assert s.status == "draft" and s.title == GOOD["title"]
    assert client.get(f"/pratiques/{s.id}").status_code == 404
    response = client.post(url, data={**GOOD, "version": str(s.version), "action": "publish"})
    assert response.status_code == 302
    s = _sheet_of(dossier)
    assert s.status == "validated" and s.validated_by_id == o.coordinator.id
    assert client.get(f"/pratiques/{s.id}").status_code == 200
    assert _audit("practice_sheet_saved") and _audit("practice_sheet_validated")
    response = client.post(f"{url}/retrait", data={"version": str(s.version)})
    assert response.status_code == 302
    s = _sheet_of(dossier)
    assert s.status == "draft" and s.validated_at is None
    assert client.get(f"/pratiques/{s.id}").status_code == 404
    assert _audit("practice_sheet_unpublished")


def test_refused_input_names_the_field_and_changes_nothing(money_world, client):
    o = money_world
    dossier = reported(o)
    login(client, o.coordinator)
    url = f"/coordination/fiches/{dossier.id}"
    cases = [
        ({**GOOD, "title": "  "}, "draft", "Donnez un titre public"),
        ({**GOOD, "title": "x" * 201}, "draft", "200 caractères au plus"),
        ({**GOOD, "summary": ""}, "publish", "Décrivez ce qui a été fait"),
        ({**GOOD, "results": ""}, "publish", "Indiquez les résultats obtenus"),
        ({**GOOD, "summary": "Écrire à jean.dupont@exemple.fr"}, "publish", "adresse électronique"),
        ({**GOOD, "results": "Appeler le 05 49 00 00 00"}, "publish", "numéro de téléphone"),
        ({**GOOD, "summary": f"Mené par {o.head_a.full_name}."}, "publish", "le nom de"),
        ({**GOOD, "summary": "bad\x00char"}, "draft", "caractère de contrôle"),
    ]
    for data, action, message in cases:
        response = client.post(url, data={**data, "version": "0", "action": action})
        assert response.status_code == 400, message
        text = text_of(response)
        assert message in text and 'aria-invalid="true"' in text
        assert _sheet_of(dossier) is None
    assert not _audit("practice_sheet_saved") and not _audit("practice_sheet_validated")


def test_a_published_sheet_edited_keeps_the_checks(money_world, client):
    o = money_world
    s = sheet(o, reported(o))
    login(client, o.coordinator)
    response = client.post(
        f"/coordination/fiches/{s.dossier_id}",
        data={
            **GOOD,
            "summary": "Contact : 0549000000",
            "version": str(s.version),
            "action": "draft",
        },
    )
    assert response.status_code == 400 and "numéro de téléphone" in text_of(response)
    assert _sheet_of(s.dossier).summary != "Contact : 0549000000"


def test_a_stale_version_is_refused(money_world, client):
    o = money_world
    s = sheet(o, reported(o), publish=False)
    old = s.version
    sheet(o, s.dossier, title="Modifiée par un autre onglet", publish=False)
    login(client, o.coordinator)
    response = client.post(
        f"/coordination/fiches/{s.dossier_id}",
        data={**GOOD, "version": str(old), "action": "publish"},
    )
    assert response.status_code == 409
    assert "modifiée entre-temps" in text_of(response)
    after = _sheet_of(s.dossier)
    assert after.title == "Modifiée par un autre onglet" and after.status == "draft"
    # A sheet created meanwhile by someone else: the page said version 0.
    fresh = reported(o)
    sheet(o, fresh, publish=False)
    response = client.post(
        f"/coordination/fiches/{fresh.id}", data={**GOOD, "version": "0", "action": "draft"}
    )
    assert response.status_code == 409


def test_csrf_is_required(money_world, client):
    o = money_world
    dossier = reported(o)
    login(client, o.coordinator)
    response = client.post(
        f"/coordination/fiches/{dossier.id}",
        data={**GOOD, "version": "0", "action": "publish"},
        csrf=False,
    )
    assert response.status_code == 400 and "jeton CSRF" in text_of(response)
    assert _sheet_of(dossier) is None


def test_no_consent_no_sheet(money_world, client):
    o = money_world
    dossier = reported(o, consent=False)
    login(client, o.coordinator)
    assert client.get(f"/coordination/fiches/{dossier.id}").status_code == 404
    response = client.post(
        f"/coordination/fiches/{dossier.id}", data={**GOOD, "version": "0", "action": "publish"}
    )
    assert response.status_code == 404 and _sheet_of(dossier) is None


def test_only_the_coordinator_writes_sheets(money_world, client):
    o = money_world
    dossier = reported(o)
    for user in (o.call_admin, o.head_a, o.admin, o.observer):
        login(client, user)
        assert client.get("/coordination/fiches").status_code == 403
        response = client.post(
            f"/coordination/fiches/{dossier.id}", data={**GOOD, "version": "0", "action": "publish"}
        )
        assert response.status_code == 403
    assert _sheet_of(dossier) is None


def test_her_todo_and_home(money_world, client):
    o = money_world
    reported(o)
    sheet(o, reported(o), publish=False)
    sheet(o, reported(o))
    login(client, o.coordinator)
    home = text_of(client.get("/"))
    assert "Rédiger et valider 2 fiches de pratique" in home
    assert "1 fiche à rédiger, 1 brouillon, 1 fiche publiée" in home
    assert "/coordination/fiches" in home
    login(client, o.call_admin)
    assert "fiches de pratique" not in text_of(client.get("/"))
