"""La Lettre de la MLDS: composing (French errors on fields, nothing saved), the preview is what
is published, a published issue never changes (a correction is a new version), only public
sheets appear, the key figures cover the period, the PDF renders."""

from __future__ import annotations

import datetime as dt
import html
import io
import re
from decimal import Decimal

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from funding.models import Commitment, FinalReport, ReportStatus
from outcomes.models import LetterIssue
from outcomes.services import letter, letter_figures
from portal.db import db, utcnow
from portal.errors import Conflict, PermissionDenied
from portal.formatting import PARIS

from ..conftest import login
from .letter_helpers import data, form, issue, sheet

ARTICLE = re.compile(r'<article class="portal-letter".*?</article>', re.S)


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _article(response) -> str:
    return ARTICLE.search(response.get_data(as_text=True)).group(0)


def _publish(client, found):
    return client.post(f"/coordination/lettres/{found.id}/publier", data={"confirmed": "1"})


def test_the_coordinator_composes_previews_and_publishes(client, world, factory):
    shared = sheet(world, factory, "Atelier de remobilisation")
    login(client, world.coordinator)
    assert client.get("/coordination/lettres/nouvelle").status_code == 200
    response = client.post("/coordination/lettres/nouvelle", data=form(sheets=[shared.id]))
    assert response.status_code == 302
    found = db.session.scalar(select(LetterIssue))
    assert response.headers["Location"].endswith(f"/coordination/lettres/{found.id}/apercu")
    preview = client.get(f"/coordination/lettres/{found.id}/apercu")
    assert preview.status_code == 200
    text = _text(preview)
    assert "voici exactement ce qui sera publié" in text
    assert "Atelier de remobilisation" in text and world.call.title in text
    # nothing public before the publication
    assert client.get("/lettre/1").status_code == 404
    # without the confirmation: the page says what becomes final, nothing changes
    asked = client.post(f"/coordination/lettres/{found.id}/publier")
    assert asked.status_code == 200
    assert "Ce qui deviendra définitif" in _text(asked)
    assert "ne pourra plus être modifié" in _text(asked)
    db.session.refresh(found)
    assert found.status == "draft"
    done = _publish(client, found)
    assert done.status_code == 302
    db.session.refresh(found)
    assert found.published and found.published_at is not None
    public = client.get("/lettre/1")
    assert public.status_code == 200
    assert public.headers["Cache-Control"] == "no-store"  # signed in: never in a shared cache
    # the preview was exactly what is published
    assert _article(public) == _article(preview)
    assert "Premier numéro" in _text(client.get("/lettre"))


def test_compose_errors_are_french_tied_to_their_fields_and_save_nothing(client, world, factory):
    private = sheet(world, factory, "Sans accord", consent=False)
    draft = sheet(world, factory, "Fiche en brouillon", validated=False)
    login(client, world.coordinator)
    cases = [
        (form(title=""), "title", "Donnez un titre à ce numéro."),
        (form(editorial="  "), "editorial", "Rédigez l'éditorial."),
        (form(issue_date="31/02/2026"), "issue_date", "Saisissez une date valide"),
        (
            form(period_start=dt.date(2026, 9, 1), period_end=dt.date(2026, 1, 1)),
            "period_end",
            "La fin de la période doit suivre son début.",
        ),
        (form(sheets=[private.id]), "sheets", "Seules les fiches publiées au catalogue"),
        (form(sheets=[draft.id]), "sheets", "Seules les fiches publiées au catalogue"),
        ({**form(), "number": "trois"}, "number", "Saisissez un nombre entier"),
    ]
    for body, field, message in cases:
        response = client.post("/coordination/lettres/nouvelle", data=body)
        assert response.status_code == 400, field
        page = _text(response)
        assert f'id="{field}-error"' in page or f'id="{field}-legend"' in page, field
        assert message in page, field
    assert db.session.scalar(select(func.count(LetterIssue.id))) == 0
    issue(world)
    response = client.post("/coordination/lettres/nouvelle", data=form(number=1))
    assert response.status_code == 400
    assert "Le numéro 1 existe déjà" in _text(response)
    assert db.session.scalar(select(func.count(LetterIssue.id))) == 1


def test_a_csrf_less_post_is_refused(client, world):
    login(client, world.coordinator)
    response = client.post("/coordination/lettres/nouvelle", data=form(), csrf=False)
    assert response.status_code == 400
    assert db.session.scalar(select(func.count(LetterIssue.id))) == 0


def test_only_the_coordinator_composes(world):
    for who in (world.admin, world.call_admin, world.observer, world.head_a):
        with pytest.raises(PermissionDenied):
            letter.create(who, data())


def test_a_published_issue_is_immutable_and_corrected_by_a_new_version(client, world):
    first = issue(world, editorial="Texte d'origine.")
    letter.publish(world.coordinator, first)
    with pytest.raises(Conflict):
        letter.update(world.coordinator, first, data(editorial="Autre texte."))
    db.session.commit()  # (the test's savepoint: still rolled back at the end)
    # even past the services, the database session refuses to change or delete it
    first.title = "Titre réécrit"
    with pytest.raises(Conflict):
        db.session.flush()
    db.session.rollback()
    first = db.session.get(LetterIssue, first.id)
    db.session.delete(first)
    with pytest.raises(Conflict):
        db.session.flush()
    db.session.rollback()
    first = db.session.get(LetterIssue, first.id)
    login(client, world.coordinator)
    refused = client.post(f"/coordination/lettres/{first.id}", data=form(editorial="Réécrit."))
    assert refused.status_code == 409
    assert "ne peut plus être modifié" in _text(refused)
    assert client.get(f"/coordination/lettres/{first.id}").status_code == 409
    assert _publish(client, first).status_code == 409
    db.session.refresh(first)
    assert first.editorial == "Texte d'origine." and first.version == 1
    # a correction: a new version of the same number
    made = client.post(f"/coordination/lettres/{first.id}/nouvelle-version")
    assert made.status_code == 302
    second = db.session.scalar(select(LetterIssue).where(LetterIssue.version == 2))
    assert second.number == 1 and second.corrects_id == first.id and not second.published
    # only one draft version at a time
    again = client.post(f"/coordination/lettres/{first.id}/nouvelle-version")
    assert again.status_code == 409
    # a version keeps its number
    moved = client.post(f"/coordination/lettres/{second.id}", data=form(number=7))
    assert moved.status_code == 400
    assert "garde le numéro" in _text(moved)
    fixed = client.post(f"/coordination/lettres/{second.id}", data=form(editorial="Corrigé."))
    assert fixed.status_code == 302
    assert _publish(client, second).status_code == 302
    latest = _text(client.get("/lettre/1"))
    assert "Version 2 — corrige la version 1 du 15 novembre 2026" in latest
    assert "Corrigé." in latest and "Texte d'origine." not in latest
    old = _text(client.get("/lettre/1/version-1"))
    assert "Texte d'origine." in old and "Cette version a été corrigée" in old
    archive = _text(client.get("/lettre"))
    assert archive.count("N° 1 —") == 1 and "version 2, corrigée" in archive


def test_only_public_sheets_appear_and_a_withdrawn_consent_removes_one(client, world, factory):
    shown = sheet(world, factory, "Tutorat par les pairs")
    withdrawn = sheet(world, factory, "Classe relais")
    found = issue(world, sheets=[shown.id, withdrawn.id])
    letter.publish(world.coordinator, found)
    page = _text(client.get("/lettre/1"))
    assert "Tutorat par les pairs" in page and "Classe relais" in page
    report = db.session.scalar(
        select(FinalReport).where(FinalReport.dossier_id == withdrawn.dossier_id)
    )
    report.publication_consent = False
    db.session.flush()
    for url in ("/lettre/1", "/lettre/1/version-1"):
        page = _text(client.get(url))
        assert "Tutorat par les pairs" in page and "Classe relais" not in page
    pdf = client.get("/lettre/1/version-1.pdf")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "Tutorat" in text and "Classe relais" not in text


def test_the_pdf_has_the_same_content(client, world, factory):
    shared = sheet(world, factory, "Parcours de retour")
    found = issue(world, title="Lettre imprimable", sheets=[shared.id])
    letter.publish(world.coordinator, found)
    response = client.get("/lettre/1/version-1.pdf")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=300"
    assert client.get("/lettre/1").headers["Cache-Control"] == "public, max-age=300"
    assert response.mimetype == "application/pdf" and response.data.startswith(b"%PDF")
    text = " ".join(
        " ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(response.data)).pages
    )
    for expected in ("Lettre imprimable", "Éditorial", "Chiffres clés", "Parcours de retour"):
        assert expected in text
    assert client.get("/lettre/1/version-9.pdf").status_code == 404


def test_unknown_and_draft_issues_are_not_public(client, world):
    issue(world)
    assert client.get("/lettre/1").status_code == 404
    assert client.get("/lettre/1/version-1").status_code == 404
    assert client.get("/lettre/1/version-1.pdf").status_code == 404
    assert "Aucun numéro n'a encore été publié" in _text(client.get("/lettre"))


def test_key_figures_cover_the_period(money_world):
    o = money_world
    in_period = o.funded("1000.00", "2000.00")
    later = o.funded("500.00", "500.00")
    for c in db.session.scalars(
        select(Commitment).where(Commitment.dossier_id == later.dossier.id)
    ):
        c.created_at = utcnow() + dt.timedelta(days=400)
    db.session.add(
        FinalReport(
            dossier_id=in_period.dossier.id,
            status=ReportStatus.validated,
            young_reached=23,
            submitted_at=utcnow(),
        )
    )
    db.session.flush()
    today = utcnow().astimezone(PARIS).date()  # the period's days are Paris days
    figures = letter_figures.key_figures(today - dt.timedelta(days=30), today)
    values = {item["label"]: item["value"] for item in figures["items"]}
    assert values["Projets financés"] == "1"
    assert values["Montant accordé"].replace("\u202f", " ").startswith("3 000,00")
    assert values["Jeunes accompagnés (bilans validés)"] == "23"
    assert values["Établissements porteurs"] == "1"
    assert figures["period"].startswith("du ")
    assert sum(
        Decimal(c.initial_amount) for c in db.session.scalars(select(Commitment))
    ) == Decimal("4000.00")


def test_saving_a_draft_again_keeps_reorders_and_drops_its_sheets(world, factory):
    # the coordinator saves the same selection again, in another order, then drops one
    first = sheet(world, factory, "Tutorat par les pairs")
    second = sheet(world, factory, "Classe relais")
    found = issue(world, sheets=[first.id, second.id])
    letter.update(world.coordinator, found, data(sheets=[second.id, first.id]))
    db.session.flush()
    assert [link.sheet_id for link in found.sheets] == [second.id, first.id]
    assert [link.position for link in found.sheets] == [0, 1]
    letter.update(world.coordinator, found, data(sheets=[first.id]))
    db.session.flush()
    db.session.expire_all()
    assert [link.sheet_id for link in found.sheets] == [first.id]
