"""Calls and establishments through the API: who sees what."""

import pytest

from portal.models import CallStatus

from .helpers import bearer


def test_calls_hide_drafts_except_from_call_managers(client, world, factory, api):
    draft = factory.call(status=CallStatus.draft)
    closed = factory.call(status=CallStatus.closed)
    from portal.db import db

    db.session.commit()
    ids = [
        c["id"] for c in client.get("/api/v1/calls", headers=bearer(api.head_a)).get_json()["items"]
    ]
    assert world.call.id in ids and closed.id in ids and draft.id not in ids
    assert client.get(f"/api/v1/calls/{draft.id}", headers=bearer(api.head_a)).status_code == 404
    ids = [
        c["id"]
        for c in client.get("/api/v1/calls", headers=bearer(api.call_admin)).get_json()["items"]
    ]
    assert draft.id in ids
    body = client.get(f"/api/v1/calls/{draft.id}", headers=bearer(api.call_admin)).get_json()
    assert body["status"] == "draft" and body["status_label"] == "En préparation"
    assert client.get("/api/v1/calls/999999", headers=bearer(api.call_admin)).status_code == 404


def test_a_call_past_its_deadline_reads_as_closed(client, world, api):
    import datetime as dt

    from portal.db import db, utcnow

    world.call.deadline_at = utcnow() - dt.timedelta(seconds=5)
    db.session.commit()
    body = client.get(f"/api/v1/calls/{world.call.id}", headers=bearer(api.head_a)).get_json()
    assert body["status"] == "closed" and body["accepts_submissions"] is False
    assert [a["number"] for a in body["axes"]] == [1, 2, 3, 4]
    assert body["fields"] == ["prevention", "intervention", "remediation"]


def test_establishments_for_managers_filtered_by_uai(client, world, api):
    items = client.get("/api/v1/establishments", headers=bearer(api.call_admin)).get_json()["items"]
    assert {world.est_a.uai, world.est_b.uai} <= {e["uai"] for e in items}
    response = client.get(
        f"/api/v1/establishments?uai={world.est_b.uai.lower()}", headers=bearer(api.observer)
    )
    assert response.status_code == 200
    [only] = response.get_json()["items"]
    assert only["uai"] == world.est_b.uai and only["name"] == "Lycée B"
    assert only["department_code"] == "17" and only["kind"] == "lgt"


def test_an_applicant_sees_only_their_establishment(client, world, api):
    items = client.get("/api/v1/establishments", headers=bearer(api.staff_a)).get_json()["items"]
    assert [e["uai"] for e in items] == [world.est_a.uai]
    items = client.get(
        f"/api/v1/establishments?uai={world.est_b.uai}", headers=bearer(api.head_a)
    ).get_json()["items"]
    assert items == []


def test_a_reviewer_may_not_list_establishments(client, world, api):
    response = client.get("/api/v1/establishments", headers=bearer(api.reviewer))
    assert response.status_code == 403
    assert response.get_json()["error"] == "Vous n'avez pas accès à cette ressource."


@pytest.mark.parametrize(
    "uai, message",
    [
        ("0860034A", "sa lettre de contrôle ne correspond pas aux chiffres"),
        ("86003", "il faut 7 chiffres suivis d'une lettre"),
        ("", "il faut 7 chiffres suivis d'une lettre"),
    ],
)
def test_invalid_uai_is_400_in_french(client, world, api, uai, message):
    response = client.get(f"/api/v1/establishments?uai={uai}", headers=bearer(api.admin))
    assert response.status_code == 400
    body = response.get_json()
    assert message in body["error"] and body["errors"]["uai"] == body["error"]


def test_dossier_list_costs_the_same_queries_for_one_or_many(
    client, world, factory, api, count_queries
):
    from portal.db import db

    factory.dossier(world.call, world.head_a)
    db.session.commit()

    def queries() -> tuple[int, int]:
        with count_queries() as statements:
            items = client.get("/api/v1/dossiers", headers=bearer(api.head_a)).get_json()["items"]
        return len(items), statements.count

    one = queries()
    for _ in range(4):
        factory.dossier(world.call, world.staff_a)
    db.session.commit()
    many = queries()
    assert one[0] == 1 and many[0] == 5
    assert one[1] > 0 and many[1] == one[1]
