"""The call office defines a call's common indicators while the call is in preparation or open:
add, edit, remove one no dossier uses (a used one stays, and the page says why); French errors on
the field, nothing changed; audited; call administrators only."""

from __future__ import annotations

from sqlalchemy import func, select

from applications import services
from portal.db import db
from portal.models import AuditEvent, CallStatus
from portal.reference import CallIndicator

from ..conftest import login

GOOD = {  # copied at each use: the test client adds its CSRF token to the dict it posts
    "new-label": "Taux d'absentéisme",
    "new-unit": "%",
    "new-direction": "down",
    "new-measurement": "Demi-journées d'absence non justifiées / demi-journées dues",
}


def indicators(call) -> list[CallIndicator]:
    db.session.expire_all()
    return list(db.session.scalars(select(CallIndicator).where(CallIndicator.call_id == call.id)))


def test_add_edit_and_list(client, world):
    login(client, world.call_admin)
    assert client.post(f"/appels/{world.call.id}/indicateurs", data=dict(GOOD)).status_code == 302
    (added,) = indicators(world.call)
    assert (added.label, added.unit, added.direction) == ("Taux d'absentéisme", "%", "down")
    prefix = f"ind-{added.id}-"
    response = client.post(
        f"/appels/{world.call.id}/indicateurs/{added.id}",
        data={
            prefix + "label": "Taux d'absentéisme (demi-journées)",
            prefix + "unit": "%",
            prefix + "direction": "down",
            prefix + "measurement": "Vie scolaire",
        },
    )
    assert response.status_code == 302
    assert indicators(world.call)[0].measurement == "Vie scolaire"
    page = client.get(f"/appels/{world.call.id}/indicateurs").get_data(as_text=True)
    assert "Taux d&#39;absentéisme (demi-journées)" in page
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"call_indicator_created", "call_indicator_updated"} <= actions
    detail = client.get(f"/appels/{world.call.id}").get_data(as_text=True)
    assert f"/appels/{world.call.id}/indicateurs" in detail


def test_bad_input_is_refused_on_its_field(client, world):
    login(client, world.call_admin)
    client.post(f"/appels/{world.call.id}/indicateurs", data=dict(GOOD))
    cases = [
        (dict(GOOD, **{"new-label": ""}), "new-label", "Nommez l&#39;indicateur."),
        (
            dict(GOOD, **{"new-label": "taux d'absentéisme"}),
            "new-label",
            "L&#39;appel a déjà un indicateur « taux d&#39;absentéisme ».",
        ),
        (
            dict(GOOD, **{"new-label": "Autre", "new-direction": "left"}),
            "new-direction",
            "Choisissez le sens de l&#39;indicateur.",
        ),
        (dict(GOOD, **{"new-label": "Autre", "new-unit": "u" * 41}), "new-unit", "40 caractères"),
    ]
    for data, field, message in cases:
        response = client.post(f"/appels/{world.call.id}/indicateurs", data=data)
        assert response.status_code == 400, data
        page = response.get_data(as_text=True)
        assert f'id="{field}-error"' in page and message in page, data
    assert len(indicators(world.call)) == 1


def test_a_used_indicator_cannot_be_removed(client, world, factory):
    login(client, world.call_admin)
    client.post(f"/appels/{world.call.id}/indicateurs", data=dict(GOOD))
    client.post(f"/appels/{world.call.id}/indicateurs", data=dict(GOOD, **{"new-label": "Autre"}))
    used, unused = sorted(indicators(world.call), key=lambda i: i.id)
    dossier = factory.dossier(world.call, world.staff_a)
    services.update_dossier(
        world.staff_a,
        dossier,
        {
            "indicators": [
                {"call_indicator_id": used.id, "baseline_value": "1", "target_value": "2"}
            ]
        },
    )
    db.session.commit()
    url = f"/appels/{world.call.id}/indicateurs/{used.id}/retirer"
    assert "Retirer l&#39;indicateur" in client.post(url).get_data(as_text=True)  # to confirm
    response = client.post(url, data={"confirmed": "1"})
    assert response.status_code == 409
    assert "est retenu par 1 dossier : il ne peut plus être retiré" in response.get_data(
        as_text=True
    )
    response = client.post(
        f"/appels/{world.call.id}/indicateurs/{unused.id}/retirer", data={"confirmed": "1"}
    )
    assert response.status_code == 302
    assert [i.id for i in indicators(world.call)] == [used.id]


def test_not_editable_once_the_call_is_decided(client, world, factory):
    call = factory.call(status=CallStatus.decided)
    ci = CallIndicator(call_id=call.id, label="Assiduité")
    db.session.add(ci)
    db.session.commit()
    login(client, world.call_admin)
    page = client.get(f"/appels/{call.id}/indicateurs").get_data(as_text=True)
    assert "ne sont plus modifiables" in page and "Ajouter un indicateur commun" not in page
    response = client.post(f"/appels/{call.id}/indicateurs", data=dict(GOOD))
    assert response.status_code == 409
    assert (
        db.session.scalar(
            select(func.count()).select_from(CallIndicator).where(CallIndicator.call_id == call.id)
        )
        == 1
    )


def test_an_indicator_of_another_call_is_404(client, world, factory):
    other = factory.call()
    ci = CallIndicator(call_id=other.id, label="Assiduité")
    db.session.add(ci)
    db.session.commit()
    login(client, world.call_admin)
    assert client.post(f"/appels/{world.call.id}/indicateurs/{ci.id}", data={}).status_code == 404


def test_the_next_years_copy_keeps_the_common_indicators(world):
    from portal.calls.duplication import duplicate_call

    world.call.status = CallStatus.decided
    db.session.add(
        CallIndicator(call_id=world.call.id, label="Assiduité", unit="%", direction="up")
    )
    db.session.flush()
    copy, copied = duplicate_call(world.call_admin, world.call, "Appel suivant", "2015-2016", [])
    assert [(i.label, i.unit) for i in indicators(copy)] == [("Assiduité", "%")]
    assert "Indicateurs communs" in copied
