"""The applications area's demo data: a few dossiers of the demo call at different stages (draft,
submitted, sent back for completion), made through the same services as the pages."""

from __future__ import annotations

import datetime as dt

from portal.db import db
from portal.demo import DEMO_DOMAIN
from portal.models import Role, RoleGrant, User

from . import services
from .services import structured

# Themes and partners the demo's dossiers take in turn (codes of the reference lists).
DEMO_THEMES = [
    ["numerique", "citoyennete"],
    ["structure_retour", "orientation"],
    ["entreprises", "alliances_educatives"],
    ["sante", "parentalite"],
    ["service_civique", "illettrisme"],
]
DEMO_PARTNERS = [
    [("Mission locale du Poitou", "mission_locale", "Suivi des jeunes sortis du lycée")],
    [
        ("CIO de Poitiers", "cio", "Entretiens d'orientation"),
        ("PSAD de la Vienne", "psad", "Repérage"),
    ],
    [("Club d'entreprises du bassin", "company", "Parrainage et stages"), ("GRETA", "greta", "")],
    [("Maison des adolescents", "association", "Ateliers santé")],
    [("Ligue de l'enseignement", "association", "Volontaires du service civique")],
]


def structured_data(call, i: int) -> dict:
    """The demo dossier number `i`'s structured data: targets by category and age band, themes,
    partners with their kinds, and indicators with numbers (two of the call's common ones, and
    one of its own). Used by this area's demo and by the demo's decided calls."""
    common = structured.call_indicators(call)
    indicators = [
        {
            "call_indicator_id": ci.id,
            "baseline_value": str(baseline),
            "target_value": str(target),
        }
        for ci, (baseline, target) in zip(
            common[i % 2 : i % 2 + 2], [(14 + i % 5, 8 + i % 3), (0, 6 + i % 7)], strict=False
        )
    ]
    indicators.append(
        {
            "name": "Heures d'accompagnement individuel",
            "unit": "heures",
            "direction": "up",
            "baseline_value": "0",
            "target_value": str(30 + 5 * (i % 4)),
        }
    )
    return {
        "targets": [
            {"category": "at_risk", "age_band": "under_16", "count": 4 + i % 5},
            {"category": "at_risk", "age_band": "16_18", "count": 10 + i % 9},
            {"category": "left_without_qualification", "age_band": "16_18", "count": i % 4},
            {"category": "return_path", "age_band": "19_25", "count": 2 + i % 3},
        ],
        "themes": DEMO_THEMES[i % len(DEMO_THEMES)],
        "partners": [
            {"name": name, "kind": kind, "role": role}
            for name, kind, role in DEMO_PARTNERS[i % len(DEMO_PARTNERS)]
        ],
        "indicators": indicators,
    }


# (establishment index, head's email local part, head's name, title, main axis, final state)
DEMO_DOSSIERS = [
    (
        1,
        "chef.dolmen",
        "Marc Lefèvre (proviseur)",
        "Ateliers de remobilisation par le sport",
        2,
        "submitted",
    ),
    (
        13,
        "chef.balzac",
        "Isabelle Garnier (proviseure)",
        "Module de raccrochage en LGT",
        1,
        "submitted",
    ),
    (
        32,
        "chef.mace",
        "Thomas Roussel (proviseur)",
        "Parrainage par des entreprises du bassin",
        3,
        "incomplete",
    ),
    (
        36,
        "chef.sicaudieres",
        "Céline Faure (directrice)",
        "Éducation à la santé en internat",
        4,
        "submitted",
    ),
    (20, "chef.dautet", None, "Micro-lycée : premiers contacts", 1, "draft"),
]


def load(call, establishments, users, password_hash, now, pdf) -> None:
    """A few dossiers at different stages, made through the same services as the pages."""
    by_email = {u.email.split("@")[0]: u for u in users}
    call_admin = by_email["gestion.etat"]
    made = {}
    # The call office's labels: one for every call, one for this call (DEMO_LABELS).
    follow_up = services.create_label(call_admin, "à relancer")
    partnership = services.create_label(call_admin, "partenariat à vérifier", call)
    labelled = {"submitted": [partnership], "incomplete": [follow_up, partnership]}
    for index, local, name, title, axis, state in DEMO_DOSSIERS:
        head = by_email.get(local)
        if head is None:
            head = User(
                email=f"{local}@{DEMO_DOMAIN}",
                full_name=name,
                password_hash=password_hash,
                establishment=establishments[index],
            )
            head.grants = [RoleGrant(role=Role.applicant_head)]
            db.session.add(head)
            db.session.flush()
        dossier = services.create_dossier(head, call, title=title, now=now)
        db.session.flush()
        made[local] = (head, dossier)
        data = {
            "summary": f"{title} : un projet de l'établissement pour des élèves repérés par le "
            "groupe de prévention du décrochage scolaire.",
            "main_axis": axis,
            "fields": ["prevention", "intervention"],
            "target_ages": "15-18 ans",
            "target_levels": "Seconde",
            "actions": [
                {
                    "title": "Atelier hebdomadaire",
                    "description": "Chaque mardi",
                    "start_date": f"{call.year}-11-03",  # within the call's school year
                    "end_date": f"{call.year + 1}-06-12",
                }
            ],
            "expenses": [
                {"category": "services", "label": "Intervenants", "amount": "5200.00"},
                {"category": "equipment", "label": "Matériel", "amount": "800.00"},
            ],
            "resources": [
                {"category": "region", "amount": "2500.00"},
                {"category": "state", "amount": "2500.00"},
                {"category": "own", "amount": "1000.00"},
            ],
        }
        data.update(structured_data(call, index))
        if index == 13:  # an older dossier: free-text indicators and one count, still shown
            del data["targets"]
            data["target_count"] = 33
            data["indicators"] = [
                {"name": "Taux d'absentéisme", "baseline": "15 %", "target": "8 %"}
            ]
        if state == "draft":
            data = {"summary": data["summary"], "main_axis": axis}
        services.update_dossier(head, dossier, data)
        if state == "draft":
            continue
        for kind in call.required_attachment_kinds:
            services.add_attachment(head, dossier, "piece.pdf", pdf, kind_id=kind.id)
        services.submit_dossier(head, dossier, now=now)
        if state == "incomplete":
            services.request_completion(
                call_admin, dossier, "Merci de joindre le devis de l'intervenant."
            )
        if index in (1, 32):  # the Dolmen's and the Macé's dossiers carry labels
            for label in labelled[state]:
                services.set_label(call_admin, dossier, label)

    _threads(made, call_admin, now)


def _threads(made: dict, call_admin: User, now) -> None:
    """A few threads: one answered (its answer unread by the head), one awaiting the call office,
    one beside a completion request."""
    head, dossier = made["chef.dolmen"]
    services.post_message(
        head,
        dossier,
        "Bonjour, pouvons-nous ajouter un second intervenant sportif en cours d'année ?",
        now=now - dt.timedelta(hours=5),
    )
    services.post_message(
        call_admin,
        dossier,
        "Bonjour, oui, dans la limite du budget déposé ; signalez-le dans le bilan final.",
        now=now - dt.timedelta(hours=2),
    )
    head, dossier = made["chef.balzac"]
    services.post_message(
        head,
        dossier,
        "Bonjour, la lettre d'engagement doit-elle être signée par le CA ou par la proviseure ?",
        now=now - dt.timedelta(hours=1),
    )
    head, dossier = made["chef.mace"]
    services.post_message(
        head,
        dossier,
        "Le devis de l'intervenant nous parviendra la semaine prochaine.",
        now=now - dt.timedelta(minutes=30),
    )


def on_demo_loading(_sender=None, *, call, establishments, users, password_hash, now, pdf, **_):
    """Receiver of `portal.signals.demo_loading`: the area's step, run by the kernel in order."""
    return ("applications", lambda: load(call, establishments, users, password_hash, now, pdf))
