"""Demo data: the académie's départements and FOQUALE networks, ~40 establishments, the call,
one user per role. Loaded by `flask --app wsgi demo` into an empty database."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import func, select, update

from . import AREAS
from .db import db, utcnow
from .formatting import PARIS
from .models import (
    ACADEMY_DEPARTMENTS,
    AttachmentKind,
    Axis,
    Call,
    CallIndicator,
    CallStatus,
    Department,
    Establishment,
    Institution,
    Network,
    OutboxMessage,
    Role,
    RoleGrant,
    User,
)
from .models import EstablishmentKind as K
from .signals import answers, demo_loading
from .uai import with_check_letter

AXES = [
    "Mettre en œuvre des parcours personnalisés",
    "Remobiliser et accompagner des jeunes ou groupes de jeunes avec des projets fédérateurs",
    "Renforcer les liens avec les entreprises et le monde économique",
    "Développer l'éducation à la santé et à la citoyenneté",
]

NETWORKS = {
    "16": ["Angoulême", "Cognac", "Charente Limousine"],
    "17": ["La Rochelle", "Rochefort", "Saintes", "Royan", "Jonzac", "Saint-Jean-d'Angély"],
    "79": ["Niort", "Bressuire"],
    "86": ["Poitiers", "Châtellerault", "Sud Vienne"],
}

# (name, kind, public, département, commune, network town, priority education)
ESTABLISHMENTS = [
    ("Lycée Camille Guérin", K.lgt, True, "86", "Poitiers", "Poitiers", ""),
    ("Lycée professionnel Le Dolmen", K.lp, True, "86", "Poitiers", "Poitiers", ""),
    ("Lycée Louis Armand", K.lpo, True, "86", "Poitiers", "Poitiers", ""),
    ("Collège Jules Verne", K.college, True, "86", "Buxerolles", "Poitiers", "REP"),
    ("Collège Ronsard", K.college, True, "86", "Poitiers", "Poitiers", "REP+"),
    ("Lycée Marcelin Berthelot", K.lgt, True, "86", "Châtellerault", "Châtellerault", ""),
    ("Lycée professionnel Édouard Branly", K.lp, True, "86", "Châtellerault", "Châtellerault", ""),
    ("Collège George Sand", K.college, True, "86", "Châtellerault", "Châtellerault", "REP"),
    ("Lycée Jean Moulin", K.lpo, True, "86", "Montmorillon", "Sud Vienne", ""),
    ("EREA Jean-Yves Cousteau", K.erea, True, "86", "Poitiers", "Poitiers", ""),
    ("Lycée agricole de Venours", K.lycee_agricole, True, "86", "Rouillé", "Poitiers", ""),
    ("Lycée privé Isaac de l'Étoile", K.lycee_prive, False, "86", "Poitiers", "Poitiers", ""),
    ("MFR de Chauvigny", K.mfr, False, "86", "Chauvigny", "Sud Vienne", ""),
    ("Lycée Guez de Balzac", K.lgt, True, "16", "Angoulême", "Angoulême", ""),
    ("Lycée professionnel Jean Caillaud", K.lp, True, "16", "Ruelle-sur-Touvre", "Angoulême", ""),
    ("Collège Michelle Pallet", K.college, True, "16", "Angoulême", "Angoulême", "REP"),
    ("Lycée Jean Monnet", K.lpo, True, "16", "Cognac", "Cognac", ""),
    ("Lycée Émile Roux", K.lpo, True, "16", "Confolens", "Charente Limousine", ""),
    (
        "Lycée agricole de l'Oisellerie",
        K.lycee_agricole,
        True,
        "16",
        "La Couronne",
        "Angoulême",
        "",
    ),
    ("MFR de Richemont", K.mfr, False, "16", "Cherves-Richemont", "Cognac", ""),
    ("Lycée Jean Dautet", K.lgt, True, "17", "La Rochelle", "La Rochelle", ""),
    ("Lycée professionnel Rompsay", K.lp, True, "17", "Périgny", "La Rochelle", ""),
    ("Collège Fromentin", K.college, True, "17", "La Rochelle", "La Rochelle", "REP"),
    ("Lycée Marcel Dassault", K.lpo, True, "17", "Rochefort", "Rochefort", ""),
    ("Lycée Bellevue", K.lgt, True, "17", "Saintes", "Saintes", ""),
    (
        "Lycée professionnel Louis Audouin-Dubreuil",
        K.lp,
        True,
        "17",
        "Saint-Jean-d'Angély",
        "Saint-Jean-d'Angély",
        "",
    ),
    ("Lycée de Royan", K.lpo, True, "17", "Royan", "Royan", ""),
    ("Lycée Jean Hyppolite", K.lpo, True, "17", "Jonzac", "Jonzac", ""),
    ("Lycée agricole de Saintes", K.lycee_agricole, True, "17", "Saintes", "Saintes", ""),
    (
        "Lycée privé Fénelon Notre-Dame",
        K.lycee_prive,
        False,
        "17",
        "La Rochelle",
        "La Rochelle",
        "",
    ),
    (
        "MFR de Saint-Germain-de-Marencennes",
        K.mfr,
        False,
        "17",
        "Saint-Germain-de-Marencennes",
        "Rochefort",
        "",
    ),
    ("EREA Les Ormeaux", K.erea, True, "17", "Rochefort", "Rochefort", ""),
    ("Lycée Jean Macé", K.lgt, True, "79", "Niort", "Niort", ""),
    ("Lycée professionnel Gaston Barré", K.lp, True, "79", "Niort", "Niort", ""),
    ("Collège Jean Zay", K.college, True, "79", "Niort", "Niort", "REP"),
    ("Lycée Maurice Genevoix", K.lpo, True, "79", "Bressuire", "Bressuire", ""),
    ("Lycée agricole Les Sicaudières", K.lycee_agricole, True, "79", "Bressuire", "Bressuire", ""),
    ("Lycée privé Saint-André", K.lycee_prive, False, "79", "Niort", "Niort", ""),
    ("MFR de Bressuire", K.mfr, False, "79", "Bressuire", "Bressuire", ""),
    ("Collège Pierre et Marie Curie", K.college, True, "79", "Niort", "Niort", ""),
]

# (email local part, full name, [(role, institution)], index of establishment or None)
USERS = [
    ("chef.guerin", "Claire Martin (proviseure)", [(Role.applicant_head, None)], 0),
    ("referent.guerin", "Paul Bernard (référent décrochage)", [(Role.applicant_staff, None)], 0),
    ("chef.dautet", "Hélène Petit (proviseure)", [(Role.applicant_head, None)], 20),
    ("instructeur.etat", "Marc Durand (IEN-IO)", [(Role.reviewer, Institution.state)], None),
    ("instructeur.region", "Sophie Leroy (Région)", [(Role.reviewer, Institution.region)], None),
    (
        "copilote.etat",
        "Jean Moreau (CSAIO)",
        [(Role.copilot, Institution.state), (Role.reviewer, Institution.state)],
        None,
    ),
    (
        "copilote.region",
        "Anne Fournier (Région)",
        [(Role.copilot, Institution.region), (Role.reviewer, Institution.region)],
        None,
    ),
    ("gestion.etat", "Luc Girard (SAIO)", [(Role.call_admin, Institution.state)], None),
    ("gestion.region", "Nadia Lambert (Région)", [(Role.call_admin, Institution.region)], None),
    ("budget.etat", "Éric Roux (DAF rectorat)", [(Role.budget_officer, Institution.state)], None),
    ("budget.region", "Julie Mercier (Région)", [(Role.budget_officer, Institution.region)], None),
    ("observateur", "Pierre Blanc (DAET)", [(Role.observer, None)], None),
    ("coordination.mlds", "Claire Dupuis (MLDS académique)", [(Role.coordinator, None)], None),
    ("admin", "Administratrice du portail", [(Role.admin, None)], None),
]
DEMO_DOMAIN = "demo.ac-poitiers.fr"


def demo_siret(number: int) -> str:
    """A made-up SIRET with a valid key (SIREN 9 digits, NIC 5), distinct per number."""
    from .siret import luhn_ok

    stem = f"1999{number:09d}"
    return next(stem + str(k) for k in range(10) if luhn_ok(stem + str(k)))


def demo_identity(name: str, kind, public: bool, dep: str, i: int) -> dict:
    """The demo's legal identities: an EPLE is its own beneficiary; a private lycée or an MFR
    signs through its managing body (an association with a SIRET and an RNA number)."""
    if public and kind not in (K.lycee_prive, K.mfr):
        return {"siret": demo_siret(100 + i)}
    body = (
        f"Association MFR {name.removeprefix('MFR ')}"
        if kind == K.mfr
        else f"OGEC {name.removeprefix('Lycée privé ')}"
    )
    return {
        "managing_body_name": body,
        "managing_body_siret": demo_siret(500 + i),
        "managing_body_rna": f"W{dep}{1000000 + i:07d}",
        "legal_representative": "la présidence de l'association",
    }


def demo_uai(department: str, index: int) -> str:
    return with_check_letter(f"0{department}{1000 + index * 37:04d}")


def school_year_of(day: dt.date) -> str:
    """The school year a date falls in, as calls name it: "2026-2027" from June 2026 on (the
    open call is dated from today, so its school year follows)."""
    start = day.year if day.month >= 6 else day.year - 1
    return f"{start}-{start + 1}"


# The common indicators of the demo's calls: (label, unit, direction, how it is measured).
DEMO_CALL_INDICATORS = [
    (
        "Taux d'absentéisme",
        "%",
        "down",
        "Demi-journées d'absence non justifiées / demi-journées dues",
    ),
    (
        "Jeunes raccrochés",
        "jeunes",
        "up",
        "Jeunes revenus en formation et présents trois mois après",
    ),
    (
        "Exclusions de cours",
        "exclusions",
        "down",
        "Nombre d'exclusions de cours sur l'année (vie scolaire)",
    ),
    (
        "Jeunes ayant un projet d'orientation",
        "%",
        "up",
        "Part des jeunes suivis ayant formulé un projet",
    ),
]


def add_demo_indicators(call: Call) -> list[CallIndicator]:
    """The demo's common indicators on a call (flushed, so dossiers can pick them)."""
    db.session.flush()
    rows = [
        CallIndicator(
            call_id=call.id, position=i, label=label, unit=unit, direction=d, measurement=m
        )
        for i, (label, unit, d, m) in enumerate(DEMO_CALL_INDICATORS, start=1)
    ]
    db.session.add_all(rows)
    db.session.flush()
    return rows


def is_empty() -> bool:
    return db.session.scalar(select(func.count()).select_from(User)) == 0


def load(password: str, now: dt.datetime | None = None) -> list[User]:
    """Insert the demo data; the caller commits."""
    now = now or utcnow()
    from .auth.services import hash_password

    for code, name in ACADEMY_DEPARTMENTS.items():
        db.session.add(Department(code=code, name=name))
    networks = {}
    for code, towns in NETWORKS.items():
        for town in towns:
            networks[town] = Network(name=f"Réseau FOQUALE {town}", department_code=code)
            db.session.add(networks[town])
    establishments = []
    for i, (name, kind, public, dep, commune, town, rep) in enumerate(ESTABLISHMENTS):
        est = Establishment(
            uai=demo_uai(dep, i),
            name=name,
            kind=kind,
            public=public,
            department_code=dep,
            commune=commune,
            network=networks[town],
            priority_education=rep,
            email=f"ce.{demo_uai(dep, i).lower()}@{DEMO_DOMAIN}",
            **demo_identity(name, kind, public, dep, i),
        )
        establishments.append(est)
        db.session.add(est)

    today = now.astimezone(PARIS).date()
    deadline = dt.datetime.combine(today + dt.timedelta(days=60), dt.time(23, 59), tzinfo=PARIS)
    call = Call(
        title="Appel à projets conjoint rectorat–Région : lutte contre le décrochage scolaire",
        school_year=school_year_of(deadline.date()),
        themes="Lutte contre le décrochage scolaire et l'illettrisme. Solutions innovantes : "
        "service civique, modules de raccrochage en LGT, micro-lycée, offres de formation "
        "continue, outils numériques.",
        fields=["prevention", "intervention", "remediation"],
        eligible_kinds=[k.value for k in K],
        opens_at=now - dt.timedelta(days=30),
        deadline_at=deadline.astimezone(dt.UTC),
        max_amount=Decimal("15000.00"),
        advance_rate=Decimal("50.00"),
        status=CallStatus.open,
    )
    call.axes = [Axis(number=i + 1, label=label) for i, label in enumerate(AXES)]
    call.attachment_kinds = [
        AttachmentKind(label="Budget prévisionnel détaillé", required=True, position=1),
        AttachmentKind(
            label="Lettre d'engagement du chef d'établissement", required=True, position=2
        ),
        AttachmentKind(label="Autre pièce (facultative)", required=False, position=3),
    ]
    db.session.add(call)

    users = []
    password_hash = hash_password(password)
    for local, name, grants, est_index in USERS:
        user = User(
            email=f"{local}@{DEMO_DOMAIN}",
            full_name=name,
            password_hash=password_hash,
            establishment=establishments[est_index] if est_index is not None else None,
        )
        user.grants = [RoleGrant(role=role, institution=inst) for role, inst in grants]
        db.session.add(user)
        users.append(user)
    db.session.flush()
    add_demo_indicators(call)
    # Each area adds its part through its own services (dossiers, the commission's calls, the
    # decided call's money), in the areas' order.
    steps = dict(
        answers(
            demo_loading,
            users=users,
            password_hash=password_hash,
            now=now,
            call=call,
            establishments=establishments,
            axes=AXES,
            pdf=DEMO_PDF,
        )
    )
    for area in AREAS:
        if area in steps:
            steps[area]()
    _next_year(users)
    # The demo's own notifications went to fictional addresses: do not print them later.
    db.session.flush()
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.sent_at.is_(None))
        .values(sent_at=now, last_error="données de démonstration")
    )
    return users


def _next_year(users: list[User]) -> None:
    """The last decided call copied for the next school year, through the same service as the
    call office's form (every area copies its part): a draft whose dates are to be checked."""
    from .calls.duplication import duplicate_call, duplication_parts

    source = db.session.scalar(
        select(Call)
        .where(Call.status.in_([CallStatus.decided, CallStatus.follow_up]))
        .order_by(Call.deadline_at.desc())
    )
    if source is None:  # the areas that decide calls are not installed
        return
    call_admin = next(u for u in users if u.email.startswith("gestion.etat@"))
    start = int(source.school_year[:4]) + 1  # the copy is dated a year later: the next year
    year = f"{start}-{start + 1}"
    duplicate_call(
        call_admin,
        source,
        f"Appel à projets {year} : lutte contre le décrochage scolaire (reconduction)",
        year,
        [p["key"] for p in duplication_parts(source) if p["confirm"]],
    )


DEMO_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
