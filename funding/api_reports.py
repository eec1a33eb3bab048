"""/api/v1 endpoints of the final report's figures (imported by funding/api.py).

Reading needs Permission.VIEW_GRANT on the dossier (its establishment, budget officers, observers,
call administrators; 404 for anyone else). Saving goes through funding.services.reports.save
(the establishment, while the report is editable) with the same checks as the page: counts
that add up, numbers read the French way, errors by field, nothing saved on error. The consent
goes through report_outcomes.set_consent: the head of establishment only, at any time.
"""

from __future__ import annotations

from flask import jsonify, request

from applications.models import Dossier
from portal.api import NOT_FOUND, api_user, bp, commit, doc, error, json_body, json_response, load
from portal.api import flush as api_flush
from portal.errors import NotFound, ServiceError
from portal.permissions import Permission
from portal.reference import OUTCOMES, YOUNG_CATEGORIES
from portal.schemas import load_input

from . import schemas as s
from .services import report_outcomes as figures
from .services import reports

MISSING = "Ce dossier n'existe pas ou son financement ne vous est pas accessible."
STALE = (
    "Le bilan a été modifié au même moment par une autre requête : relisez-le (GET) puis renvoyez."
)
NO_REPORT = "Le bilan final de ce dossier n'a pas encore été commencé."


def _dossier(dossier_id: int) -> Dossier:
    return load(Dossier, dossier_id, Permission.VIEW_GRANT, missing=MISSING, hide=True)


def _body(dossier: Dossier):
    report = reports.report_of(dossier)
    if report is None:
        raise NotFound(NO_REPORT)
    reach, outcomes = figures.reach_of(report), figures.outcomes_of(report)
    return jsonify(
        s.FinalReportSchema().dump(
            {
                "dossier_id": dossier.id,
                "report": report,
                "reach": {k: reach.get(k, 0) for k in YOUNG_CATEGORIES},
                "outcomes": {k: outcomes.get(k, 0) for k in OUTCOMES},
                "indicators": figures.indicator_lines(report, dossier),
            }
        )
    )


@bp.get("/dossiers/<int:dossier_id>/final-report")
@doc(
    "Le bilan final : jeunes touchés, situations, indicateurs, accord de publication",
    {"200": json_response(s.FinalReportSchema, "Le bilan final."), "404": NOT_FOUND},
    operationId="getFinalReport",
)
def get_final_report(dossier_id: int):
    """The report's figures: reach, outcomes, indicators target vs achieved, consent."""
    return _body(_dossier(dossier_id))


@bp.patch("/dossiers/<int:dossier_id>/final-report")
@doc(
    "Enregistrer les chiffres du bilan en brouillon (établissement porteur)",
    {
        "200": json_response(s.FinalReportSchema, "Bilan enregistré."),
        "400": error(
            "Refusé (errors, par champ) : nombre illisible ou négatif, total des situations "
            "différent du total des jeunes touchés ; rien n'est enregistré."
        ),
        "403": error("Seul l'établissement porteur rédige le bilan final."),
        "404": NOT_FOUND,
        "409": error("Bilan déjà déposé, convention non signée, dossier soldé."),
    },
    operationId="updateFinalReport",
    requestBody=json_body(s.FinalReportInput),
)
def update_final_report(dossier_id: int):
    """Save any subset of the figures (a draft); the page's checks, errors by field."""
    dossier = _dossier(dossier_id)
    data = load_input(s.FinalReportInput(), request.get_json(silent=True))
    if not data:
        raise ServiceError("Rien à enregistrer : envoyez au moins un champ du bilan.")
    reports.save(api_user(), dossier, data)
    api_flush(STALE)
    commit(STALE)
    return _body(dossier)


@bp.put("/dossiers/<int:dossier_id>/final-report/consent")
@doc(
    "Donner ou retirer l'accord de publication dans le catalogue public (chef d'établissement)",
    {
        "200": json_response(s.FinalReportSchema, "Accord enregistré."),
        "400": error("Corps invalide : publication_consent (booléen) attendu."),
        "403": error("Seul le chef d'établissement donne ou retire l'accord de publication."),
        "404": NOT_FOUND,
        "409": error("Le bilan final n'est pas encore commencé."),
    },
    operationId="setPublicationConsent",
    requestBody=json_body(s.ConsentInput),
)
def set_publication_consent(dossier_id: int):
    """The head gives (true) or withdraws (false) the consent, whatever the report's status."""
    dossier = _dossier(dossier_id)
    data = load_input(s.ConsentInput(), request.get_json(silent=True))
    figures.set_consent(api_user(), dossier, data["publication_consent"])
    commit(STALE)
    return _body(dossier)
