"""The whole path of a dossier through the API: create, fill, attach, submit, receipt."""

import hashlib
import io

from pypdf import PdfReader
from sqlalchemy import select

from applications.models import Dossier, DossierStatus, Submission
from portal.db import db
from portal.models import AuditEvent

from ..conftest import PDF_BYTES, complete_data
from .helpers import bearer, count


def test_create_fill_attach_submit_and_get_the_receipt(client, world, api):
    staff, head = bearer(api.staff_a), bearer(api.head_a)

    # the call is listed, with its attachment kinds
    calls = client.get("/api/v1/calls", headers=staff).get_json()["items"]
    call = next(c for c in calls if c["id"] == world.call.id)
    assert call["status"] == "open" and call["accepts_submissions"] is True
    assert call["max_amount"] == "15000.00"
    kinds = [k["id"] for k in call["attachment_kinds"]]

    # create: a member of staff drafts
    response = client.post(
        "/api/v1/dossiers", headers=staff, json={"call_id": world.call.id, "title": "Projet API"}
    )
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    dossier_id = created["id"]
    assert response.headers["Location"].endswith(f"/api/v1/dossiers/{dossier_id}")
    assert created["status"] == "draft" and created["status_label"] == "Brouillon"
    assert created["reference"] is None
    assert created["establishment"] == {
        "id": world.est_a.id,
        "uai": world.est_a.uai,
        "name": "Lycée A",
    }
    assert {b["field"] for b in created["blockers"]} >= {"summary", "actions", "attachments"}
    assert db.session.get(Dossier, dossier_id).created_by_id == world.staff_a.id

    # PATCH the sections, with the version read
    body = complete_data() | {"version": created["version"]}
    response = client.patch(f"/api/v1/dossiers/{dossier_id}", headers=staff, json=body)
    assert response.status_code == 200, response.get_json()
    saved = response.get_json()
    assert saved["version"] > created["version"]
    assert saved["title"] == "Raccrocher par le projet"
    assert saved["main_axis"] == 2 and saved["other_axes"] == [1]
    assert saved["target"] == {
        "count": 24,
        "ages": "15-17 ans",
        "levels": "Seconde",
        "profile": "Élèves absentéistes repérés par le GPDS.",
    }
    assert saved["expenses"][1] == {
        "category": "equipment",
        "label": "Fournitures",
        "amount": "1234.50",
    }
    assert saved["resources"][0]["source"] == "region"
    assert saved["actions"][0]["start_date"] == "2014-11-03"
    assert saved["totals"] == {
        "expenses": "7234.50",
        "resources": "7234.50",
        "requested_region": "3000.00",
        "requested_state": "3000.00",
    }
    assert [b["field"] for b in saved["blockers"]] == ["attachments"]

    # a partial PATCH leaves the other sections alone
    response = client.patch(
        f"/api/v1/dossiers/{dossier_id}", headers=staff, json={"summary": "Résumé revu."}
    )
    assert response.status_code == 200
    assert response.get_json()["summary"] == "Résumé revu."
    assert response.get_json()["totals"]["expenses"] == "7234.50"

    # upload the pieces
    attachments = []
    for kind_id, name in zip(kinds, ["budget.pdf", "lettre.pdf"]):
        response = client.post(
            f"/api/v1/dossiers/{dossier_id}/attachments",
            headers=staff,
            data={"file": (io.BytesIO(PDF_BYTES), name), "kind_id": str(kind_id)},
            content_type="multipart/form-data",
        )
        assert response.status_code == 201, response.get_json()
        att = response.get_json()
        assert att["sha256"] == hashlib.sha256(PDF_BYTES).hexdigest()
        assert att["filename"] == name and att["kind_id"] == kind_id
        assert att["size"] == len(PDF_BYTES) and att["content_type"] == "application/pdf"
        attachments.append(att)

    # and read one back
    response = client.get(
        f"/api/v1/dossiers/{dossier_id}/attachments/{attachments[0]['id']}", headers=staff
    )
    assert response.status_code == 200
    assert response.data == PDF_BYTES
    assert response.mimetype == "application/pdf"
    assert "budget.pdf" in response.headers["Content-Disposition"]

    dossier = client.get(f"/api/v1/dossiers/{dossier_id}", headers=head).get_json()
    assert dossier["blockers"] == []
    assert len(dossier["attachments"]) == 2

    # no receipt before submission
    response = client.get(f"/api/v1/dossiers/{dossier_id}/receipt", headers=head)
    assert response.status_code == 404
    assert "pas encore été déposé" in response.get_json()["error"]

    # the head submits
    response = client.post(f"/api/v1/dossiers/{dossier_id}/submit", headers=head)
    assert response.status_code == 201, response.get_json()
    sub = response.get_json()
    assert sub["reference"] == "AAP-2014-0001"
    assert sub["number"] == 1 and sub["status"] == "submitted"
    row = db.session.scalars(select(Submission).where(Submission.dossier_id == dossier_id)).one()
    assert sub["snapshot_sha256"] == row.snapshot_sha256 and len(row.snapshot_sha256) == 64
    assert row.submitted_by_id == world.head_a.id
    assert {a["sha256"] for a in row.snapshot["attachments"]} == {attachments[0]["sha256"]}
    assert db.session.get(Dossier, dossier_id).status == DossierStatus.submitted
    assert db.session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "dossier_submitted", AuditEvent.object_id == dossier_id
        )
    )

    # the submitted dossier no longer shows blockers and can no longer be edited
    dossier = client.get(f"/api/v1/dossiers/{dossier_id}", headers=staff).get_json()
    assert dossier["status"] == "submitted" and dossier["reference"] == "AAP-2014-0001"
    assert dossier["blockers"] == [] and dossier["submitted_at"]
    response = client.patch(
        f"/api/v1/dossiers/{dossier_id}", headers=staff, json={"title": "Après dépôt"}
    )
    assert response.status_code == 409
    assert "ne peut plus être modifié" in response.get_json()["error"]
    assert db.session.get(Dossier, dossier_id).title == "Raccrocher par le projet"

    # the receipt carries the reference and the snapshot hash
    response = client.get(sub["receipt_url"], headers=staff)
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF-")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)
    assert "AAP-2014-0001" in text
    assert row.snapshot_sha256 in text.replace("\n", "")

    # lists: visible to its establishment and the call admin, not to another establishment
    for token, expected in (
        (api.head_a, True),
        (api.call_admin, True),
        (api.head_b, False),
        (api.reviewer, False),
    ):
        items = client.get("/api/v1/dossiers", headers=bearer(token)).get_json()["items"]
        assert (dossier_id in [d["id"] for d in items]) is expected
    assert count(Submission) == 1
