"""Permission-matrix entries of the catalogue of practices: its pages and API are public; the
practice sheets' pages are the MLDS coordinator's alone."""

from funding.models import FinalReport, ReportStatus
from outcomes.models import PracticeSheet
from portal.db import db, utcnow

from ..test_permission_matrix import EVERYONE


def _published(o) -> PracticeSheet:
    """A published sheet of o.submitted (its report consented, its sheet validated), built once."""
    if getattr(o, "practice_sheet", None) is None:
        db.session.add(
            FinalReport(
                dossier_id=o.submitted.id,
                status=ReportStatus.submitted,
                actions_carried_out="Ateliers.",
                young_reached=10,
                publication_consent=True,
            )
        )
        o.practice_sheet = PracticeSheet(
            dossier_id=o.submitted.id,
            status="validated",
            title="Fiche publique",
            summary="Ce qui a été fait.",
            results="Des résultats.",
            validated_by_id=o.coordinator.id,
            validated_at=utcnow(),
        )
        db.session.add(o.practice_sheet)
        db.session.flush()
    return o.practice_sheet


def _form(o) -> dict:
    s = _published(o)
    return {"title": s.title, "summary": s.summary, "results": s.results, "version": str(s.version)}


MATRIX_ENTRIES = {
    ("outcomes.catalogue", "GET"): (lambda o: "/pratiques?q=fiche", EVERYONE, None, True),
    ("outcomes.sheet", "GET"): (lambda o: f"/pratiques/{_published(o).id}", EVERYONE, None, True),
    ("outcomes.sitemap", "GET"): (lambda o: "/sitemap.xml", EVERYONE, None, True),
    ("outcomes.robots", "GET"): (lambda o: "/robots.txt", EVERYONE, None, True),
    ("api.list_practices", "GET"): (lambda o: "/api/v1/practices", EVERYONE, None, True),
    ("api.get_practice", "GET"): (
        lambda o: f"/api/v1/practices/{_published(o).id}",
        EVERYONE,
        None,
        True,
    ),
    ("outcomes.sheets_list", "GET"): (lambda o: "/coordination/fiches", {"coordinator"}, None),
    ("outcomes.sheet_edit", "GET"): (
        lambda o: f"/coordination/fiches/{_published(o).dossier_id}",
        {"coordinator"},
        None,
    ),
    ("outcomes.sheet_edit", "POST"): (
        lambda o: f"/coordination/fiches/{_published(o).dossier_id}",
        {"coordinator"},
        lambda o: {**_form(o), "action": "publish"},
    ),
    ("outcomes.sheet_unpublish", "POST"): (
        lambda o: f"/coordination/fiches/{_published(o).dossier_id}/retrait",
        {"coordinator"},
        _form,
    ),
}
