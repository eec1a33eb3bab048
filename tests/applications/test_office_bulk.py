"""Actions on a selection of the call office's list: each dossier re-checked against the policy,
all or nothing, French refusals with nothing changed."""

from __future__ import annotations

import io

from sqlalchemy import func, select

from applications import services
from applications.models import CompletionRequest, DossierLabel, DossierStatus
from portal.db import db
from portal.models import OutboxMessage

from ..conftest import login
from .helpers_office import submitted


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _post(client, ids, **data):
    return client.post(
        "/dossiers/deposes/selection", data={"dossier": [str(i) for i in ids], **data}
    )


def test_one_completion_request_per_dossier_with_one_message(client, world, factory):
    dossiers = [submitted(world, factory) for _ in range(3)]
    login(client, world.call_admin)
    before = _count(OutboxMessage)
    response = _post(
        client,
        [d.id for d in dossiers[:2]],
        action="complements",
        message="Joignez la lettre du partenaire.",
        departement="86",
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/dossiers/deposes?departement=86"
    for d in dossiers[:2]:
        db.session.refresh(d)
        assert d.status == DossierStatus.incomplete
        assert d.open_completion_request.message == "Joignez la lettre du partenaire."
    db.session.refresh(dossiers[2])
    assert dossiers[2].status == DossierStatus.submitted
    assert _count(CompletionRequest) == 2
    assert _count(OutboxMessage) > before  # each establishment is told
    page = client.get("/dossiers/deposes").get_data(as_text=True)
    assert "2 demandes de compléments envoyées." in page


def test_nothing_selected_is_refused_in_french(client, world, factory):
    submitted(world, factory)
    login(client, world.call_admin)
    response = _post(client, [], action="complements", message="Complétez.")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Sélectionnez au moins un dossier dans la liste." in page
    assert 'href="#selection"' in page
    assert _count(CompletionRequest) == 0
    assert _post(client, ["abc"], action="etiquette").status_code == 400


def test_a_dossier_the_user_may_not_read_refuses_the_whole_selection(client, world, factory):
    visible = submitted(world, factory)
    draft = factory.dossier(world.call, world.head_a)  # a draft: the call office never reads it
    login(client, world.call_admin)
    response = _post(client, [visible.id, draft.id], action="complements", message="Complétez.")
    assert response.status_code == 404
    assert _count(CompletionRequest) == 0
    assert _post(client, [visible.id, 999999], action="export", format="csv").status_code == 404


def test_a_dossier_in_the_wrong_state_refuses_the_whole_selection(client, world, factory):
    first, second = submitted(world, factory), submitted(world, factory)
    services.request_completion(world.call_admin, second, "Déjà demandé.")
    login(client, world.call_admin)
    response = _post(client, [first.id, second.id], action="complements", message="Encore.")
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert second.reference in page and "Aucun dossier n&#39;a été modifié." in page
    db.session.refresh(first)
    assert first.status == DossierStatus.submitted and _count(CompletionRequest) == 1
    # the ticked boxes stay ticked
    assert f'value="{first.id}" checked' in page


def test_an_empty_message_is_refused_on_its_field(client, world, factory):
    dossier = submitted(world, factory)
    login(client, world.call_admin)
    response = _post(client, [dossier.id], action="complements", message="  ")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Indiquez ce que l&#39;établissement doit compléter." in page
    assert 'href="#message"' in page and 'id="message-error"' in page
    assert _count(CompletionRequest) == 0


def test_an_unknown_action_is_refused(client, world, factory):
    dossier = submitted(world, factory)
    login(client, world.call_admin)
    response = _post(client, [dossier.id], action="supprimer")
    assert response.status_code == 400
    assert "Choisissez une action" in response.get_data(as_text=True)


def test_the_establishment_cannot_act_on_a_selection(client, world, factory):
    dossier = factory.dossier(world.call, world.head_a, complete=True)
    services.submit_dossier(world.head_a, dossier)
    label = services.create_label(world.call_admin, "à relancer")
    login(client, world.head_a)
    assert _post(client, [dossier.id], action="complements", message="x").status_code == 403
    assert _post(client, [dossier.id], action="etiquette", label=label.id).status_code == 403
    assert _count(CompletionRequest) == 0 and _count(DossierLabel) == 0


def test_the_selection_needs_csrf(client, world, factory):
    dossier = submitted(world, factory)
    login(client, world.call_admin)
    response = client.post(
        "/dossiers/deposes/selection",
        data={"dossier": str(dossier.id), "action": "complements", "message": "x"},
        csrf=False,
    )
    assert response.status_code == 400
    assert _count(CompletionRequest) == 0


def test_a_label_on_each_selected_dossier(client, world, factory):
    dossiers = [submitted(world, factory) for _ in range(3)]
    label = services.create_label(world.call_admin, "à relancer")
    services.set_label(world.call_admin, dossiers[0], label)
    login(client, world.call_admin)
    ids = [d.id for d in dossiers[:2]]
    response = _post(client, ids, action="etiquette", label=str(label.id))
    assert response.status_code == 302
    assert _count(DossierLabel) == 2
    assert "posée sur 1 dossier." in client.get("/dossiers/deposes").get_data(as_text=True)
    response = _post(client, ids, action="etiquette", label="")
    assert response.status_code == 400
    assert "Choisissez une étiquette de la liste." in response.get_data(as_text=True)
    other = services.create_label(world.call_admin, "ailleurs", factory.call())
    response = _post(client, ids, action="etiquette", label=str(other.id))
    assert response.status_code == 400 and _count(DossierLabel) == 2


def test_export_the_selection(client, world, factory):
    dossiers = [submitted(world, factory) for _ in range(3)]
    login(client, world.call_admin)
    response = _post(client, [dossiers[0].id, dossiers[2].id], action="export", format="csv")
    assert response.status_code == 200
    assert (
        response.headers["Content-Disposition"] == 'attachment; filename="dossiers-selection.csv"'
    )
    text = response.get_data(as_text=True)
    assert dossiers[0].reference in text and dossiers[2].reference in text
    assert dossiers[1].reference not in text
    response = _post(client, [dossiers[1].id], action="export", format="xlsx")
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][0] == dossiers[1].reference and len(rows) == 2
    assert rows[1][rows[0].index("Montant demandé (€)")] == 6000
    assert rows[1][rows[0].index("Jeunes concernés")] == 24
    response = _post(client, [dossiers[1].id], action="export", format="pdf")
    assert response.status_code == 400
    assert "Choisissez le format CSV ou XLSX." in response.get_data(as_text=True)


def test_export_of_the_filtered_list(client, world, factory):
    inside = submitted(world, factory, department="79")
    outside = submitted(world, factory, department="16")
    login(client, world.call_admin)
    text = client.get("/dossiers/deposes/export.csv?departement=79").get_data(as_text=True)
    assert text.startswith("\ufeffRéférence;Titre;")
    assert inside.reference in text and outside.reference not in text
    assert client.get("/dossiers/deposes/export.pdf").status_code == 404


def test_a_selection_has_at_most_500_dossiers(client, world):
    login(client, world.call_admin)
    response = _post(client, range(1, 502), action="complements", message="x")
    assert response.status_code == 400
    assert "Sélectionnez au plus 500 dossiers à la fois." in response.get_data(as_text=True)
    assert _count(CompletionRequest) == 0
