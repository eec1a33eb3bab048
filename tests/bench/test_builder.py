"""The bench's data builder (bench/data.py) writes rows the real pages render.

Built at a tiny size inside the test's transaction, then each page the bench times is requested
as the person the bench logs in: it answers 200 and shows the bench's rows, so the tool does not
rot when the models or the pages change.
"""

from __future__ import annotations

import io
import json

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from applications.models import Dossier, DossierStatus
from bench import data, inprocess
from bench.rows import PASSWORD
from bench.rush import pdf_of
from portal.db import db
from review.models import Review, Score


@pytest.fixture
def built(app, client):  # `client`: the test clients send the CSRF token
    return data.build(
        dossiers=20, establishments=30, reviewers=2, funded=14, rush=3, log=lambda *_: None
    )


def _client(app, who):
    client = app.test_client()
    if not who:  # a public page
        return client
    response = client.post("/connexion", data={"email": inprocess.email(who), "password": PASSWORD})
    assert response.status_code == 302, who
    return client


def test_the_built_data_is_counted_rendered_and_submittable(app, built):
    """One build for the three checks: loading the demo alone takes seconds."""
    _rows_are_where_the_bench_counts_them(built)
    _every_timed_page_renders_the_built_data(app, built)
    _a_rush_draft_lacks_only_its_attachment(app, built)


def _rows_are_where_the_bench_counts_them(built):
    assert built.counts["reviews"] == 80  # four per dossier, two per institution
    scored = db.session.scalar(
        select(func.count(func.distinct(Score.review_id)))
        .join(Review)
        .join(Dossier)
        .where(Dossier.call_id == built.call_id)
    )
    assert scored == built.counts["scores"] / 5 and scored < 80  # some not started
    in_review = db.session.scalar(
        select(func.count()).where(
            Dossier.call_id == built.call_id, Dossier.status == DossierStatus.in_review
        )
    )
    assert in_review == 20
    assert built.counts["funded"] == 14 and len(built.rush) == 3


def _every_timed_page_renders_the_built_data(app, built):
    texts = {}
    for page in inprocess.pages(built) + inprocess.exports(built):
        client = _client(app, page.who)
        headers = {}
        if page.api:
            headers["Authorization"] = f"Bearer {inprocess.api_token(page.who)}"
        response = client.get(page.path, headers=headers)
        assert response.status_code == 200, (page.label, page.path)
        body = response.get_data()  # a streamed export is read to its end, then closed
        response.close()
        texts[page.label] = body.decode() if "XLSX" not in page.label else ""
        if "XLSX" in page.label:
            sheet = load_workbook(io.BytesIO(body), read_only=True).worksheets[0]
            assert len(list(sheet.iter_rows(values_only=True))) > 1
    last = "AAP-2016-0020"
    assert last in texts["commission ranking (HTML)"]
    assert last in texts["commission ranking (API)"]
    assert last in texts["ranking CSV"]
    assert "Atelier de remobilisation par le sport" in texts["reviewer queue"]
    assert "QC-" in texts["commitments list"]
    # the outcome dashboard adds up the funded dossiers' targets, reports, reach and outcomes
    # (on the demo's decided call, whose own funded projects count too)
    outcomes = json.loads(texts["outcomes API"])["total"]
    assert f'id="projets">{outcomes["projects"]}<' in texts["outcome dashboard (one call)"]
    assert outcomes["projects"] >= 14 and outcomes["targeted"]["total"] >= 14 * 24
    assert outcomes["reached"]["total"] >= 20 and outcomes["measured_projects"] > 0
    assert (
        built.counts["published_sheets"] >= 1
        and "Ateliers de remobilisation n° 1" in (texts["practices catalogue"])
    )
    assert "Ateliers de remobilisation n° 1" in texts["practices search"]
    assert "jeunes accompagnés" in texts["practice sheet"]


def _a_rush_draft_lacks_only_its_attachment(app, built):
    email, dossier_id = built.rush[0]
    client = _client(app, email)
    page = client.get(f"/dossiers/{dossier_id}/etape/recapitulatif").get_data(as_text=True)
    assert "Budget prévisionnel détaillé" in page
    response = client.post(
        f"/dossiers/{dossier_id}/pieces",
        data={
            "kind_id": str(built.rush_kind_id),
            "file": (io.BytesIO(pdf_of(4096)), "budget.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert client.post(f"/dossiers/{dossier_id}/deposer").status_code == 302
    assert db.session.get(Dossier, dossier_id).reference == "AAP-2017-0001"
