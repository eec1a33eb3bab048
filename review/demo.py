"""Demo data for the commission: a call in review (~60 dossiers, assignments, partial reviews)
and a decided call (sessions, co-piloted decisions, published results).

Everything goes through the same services as the pages, so the demo obeys every rule.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from sqlalchemy import select

from applications import demo as dossier_demo
from applications import services as dossiers
from portal.db import db
from portal.demo import add_demo_indicators, school_year_of
from portal.models import (
    AttachmentKind,
    Axis,
    Call,
    CallStatus,
    Establishment,
    EstablishmentKind,
    Institution,
    Role,
    RoleGrant,
    User,
)

from .models import Review, ReviewStatus
from .services import (
    assignment,
    decisions,
    deputies,
    members,
    notes,
    phases,
    publication,
    scoring,
    screening,
    sessions,
    settings,
)

EXTRA_REVIEWERS = [
    ("instructrice.cio", "Martine Gauthier (directrice de CIO)", Institution.state),
    ("instructeur.mlds", "Yves Perrin (coordonnateur MLDS)", Institution.state),
    ("instructrice.dre", "Laure Chevalier (Déléguée régionale éducation)", Institution.region),
    ("instructeur.region2", "Karim Benali (Région)", Institution.region),
]
OPINIONS = ["favourable", "favourable", "reserved", "unfavourable"]
PROJECT_TITLES = [
    "Atelier de remobilisation par le sport",
    "Module de raccrochage en LGT",
    "Parrainage par des entreprises du bassin",
    "Éducation à la santé en internat",
    "Micro-lycée : accueil des jeunes sortis sans diplôme",
    "Tutorat par des volontaires du service civique",
    "Ateliers numériques contre l'absentéisme",
    "Stages de découverte des métiers",
    "Classe relais et accompagnement des familles",
    "Théâtre et expression orale en seconde",
]


def _call(title: str, axes, now: dt.datetime) -> Call:
    """A past call dated from `now`; its school year (and `{year}` in its title) follows its
    deadline, as the open call's does."""
    school_year = school_year_of((now - dt.timedelta(days=60)).date())
    call = Call(
        title=title.format(year=school_year),
        school_year=school_year,
        themes="Lutte contre le décrochage scolaire et l'illettrisme.",
        fields=["prevention", "intervention", "remediation"],
        eligible_kinds=[k.value for k in EstablishmentKind],
        opens_at=now - dt.timedelta(days=120),
        deadline_at=now - dt.timedelta(days=60),
        max_amount=Decimal("15000.00"),
        advance_rate=Decimal("50.00"),
        status=CallStatus.open,
    )
    call.axes = [Axis(number=i + 1, label=label) for i, label in enumerate(axes)]
    call.attachment_kinds = [
        AttachmentKind(label="Budget prévisionnel détaillé", required=True, position=1)
    ]
    db.session.add(call)
    add_demo_indicators(call)
    return call


def _head(establishment: Establishment, password_hash: str) -> User:
    head = db.session.scalar(
        select(User)
        .join(User.grants)
        .where(User.establishment_id == establishment.id, RoleGrant.role == Role.applicant_head)
    )
    if head is None:
        head = User(
            email=f"chef.{establishment.uai.lower()}@demo.ac-poitiers.fr",
            full_name=f"Chef d'établissement ({establishment.name})",
            establishment=establishment,
            password_hash=password_hash,
        )
        head.grants = [RoleGrant(role=Role.applicant_head)]
        db.session.add(head)
        db.session.flush()
    return head


def _submitted_dossiers(
    call: Call,
    establishments,
    count: int,
    password_hash: str,
    rng,
    submitted_at: dt.datetime,
    pdf: bytes,
) -> list:
    out = []
    for i in range(count):
        est = establishments[i % len(establishments)]
        head = _head(est, password_hash)
        dossier = dossiers.create_dossier(
            head,
            call,
            title=PROJECT_TITLES[i % len(PROJECT_TITLES)],
            now=submitted_at - dt.timedelta(days=1),
        )
        db.session.flush()
        region, state = rng.choice([2000, 2500, 3000, 4000, 5000]), rng.choice([1500, 2500, 3500])
        own = rng.choice([500, 1000, 1500])
        rng.randint(8, 60)  # once the number of young people: drawn still, the later draws stay
        dossiers.update_dossier(
            head,
            dossier,
            {
                "summary": "Un projet pour raccrocher des élèves repérés par le groupe de prévention "
                "du décrochage scolaire.",
                "main_axis": 1 + i % 4,
                "fields": [
                    ["prevention"],
                    ["intervention"],
                    ["remediation"],
                    ["prevention", "intervention"],
                ][i % 4],
                "target_ages": "15-18 ans",
                "actions": [{"title": "Atelier de remobilisation"}],
                **dossier_demo.structured_data(call, i),  # targets, themes, partners, indicators
                "expenses": [{"category": "services", "amount": str(region + state + own)}],
                "resources": [
                    {"category": "region", "amount": str(region)},
                    {"category": "state", "amount": str(state)},
                    {"category": "own", "amount": str(own)},
                ],
            },
        )
        for kind in call.required_attachment_kinds:
            dossiers.add_attachment(head, dossier, "budget.pdf", pdf, kind_id=kind.id)
        dossiers.submit_dossier(head, dossier, now=submitted_at)
        out.append(dossier)
    return out


def _commission(call: Call, call_admin: User, people: dict, rng) -> None:
    settings.save_settings(
        call_admin,
        call,
        {
            "reviewers_per_dossier": "2",
            "gap_threshold": "4",
            "spread_threshold": "6",
            "visibility": "after_own_review",
        },
    )
    for local, institution in [
        ("instructeur.etat", Institution.state),
        ("instructeur.region", Institution.region),
        ("copilote.etat", Institution.state),
        ("copilote.region", Institution.region),
    ] + [(local, inst) for local, _, inst in EXTRA_REVIEWERS]:
        member = members.add_member(call_admin, call, people[local].id, institution.value)
        if local.startswith("copilote."):
            members.designate_copilot(call_admin, call, member.id)


def _score(review: Review, reviewer: User, rng, submit: bool) -> None:
    criteria = scoring.criteria_of(review.dossier.call_id)
    data = {
        "scores": {},
        "flags": {},
        "comments": {},
        "opinion": rng.choice(OPINIONS),
        "comment": "Projet cohérent avec les besoins repérés.",
    }
    for c in criteria:
        if c.scoring:
            data["scores"][c.id] = str(rng.randint(c.scale_min + 1, c.scale_max))
        else:
            data["flags"][c.id] = rng.choice(["y", "n"])
    scoring.save_review(reviewer, review, data, None)
    if submit:
        scoring.submit_review(reviewer, review)


def load(users: list[User], password_hash: str, now: dt.datetime, axes, pdf: bytes) -> None:
    rng = random.Random(2014)
    people = {u.email.split("@")[0]: u for u in users}
    for local, name, inst in EXTRA_REVIEWERS:
        person = User(
            email=f"{local}@demo.ac-poitiers.fr", full_name=name, password_hash=password_hash
        )
        person.grants = [RoleGrant(role=Role.reviewer, institution=inst)]
        db.session.add(person)
        people[local] = person
    db.session.flush()
    call_admin = people["gestion.etat"]
    establishments = db.session.scalars(select(Establishment).order_by(Establishment.id)).all()

    # A call in review: 60 dossiers, screened, assigned, a good part of the reviews in.
    in_review = _call("Appel à projets {year} : lutte contre le décrochage scolaire", axes, now)
    submitted_at = in_review.deadline_at - dt.timedelta(days=2)
    batch = _submitted_dossiers(
        in_review, establishments, 60, password_hash, rng, submitted_at, pdf
    )
    for i, dossier in enumerate(batch):
        if i in (7, 31):
            screening.screen_dossier(
                call_admin,
                dossier,
                "ineligible",
                motivation="Le projet ne vise pas des élèves en risque de décrochage.",
            )
        elif i != 59:  # one left to screen, to show the screening form
            screening.screen_dossier(
                call_admin, dossier, "eligible", checklist={k: True for k in screening.CHECKLIST}
            )
    _commission(in_review, call_admin, people, rng)
    assignment.run_assignment(call_admin, in_review)
    reviews = db.session.scalars(
        select(Review).where(Review.dossier.has(call_id=in_review.id)).order_by(Review.id)
    ).all()
    for i, review in enumerate(reviews):
        if i % 5 in (0, 1, 2):
            _score(review, review.reviewer, rng, submit=True)
        elif i % 5 == 3:
            _score(review, review.reviewer, rng, submit=False)  # a draft in progress
    # Internal notes of the call office, which the establishments never see.
    notes.add_note(
        call_admin, batch[0], "Partenariat avec la mission locale à vérifier auprès du CIO."
    )
    notes.add_note(
        call_admin, batch[1], "Budget cohérent ; relancer l'établissement sur le devis en mai."
    )
    if reviews:
        first = reviews[0]
        notes.add_note(
            first.reviewer, first.dossier, "Vu le projet l'an dernier : bons résultats d'assiduité."
        )

    # A decided call: everything reviewed, decided by both co-pilots, results published.
    decided = _call(
        "Appel à projets {year} : lutte contre le décrochage scolaire",
        axes,
        now - dt.timedelta(days=300),
    )
    _decide(
        decided,
        establishments[::5],
        people,
        call_admin,
        rng,
        password_hash,
        pdf,
        now,
        validate_all=True,
    )
    # A call in commission: proposals recorded, awaiting the co-pilots' validations.
    pending = _call(
        "Appel à projets complémentaire {year} : raccrochage",
        axes,
        now - dt.timedelta(days=20),
    )
    _decide(
        pending,
        establishments[2::9],
        people,
        call_admin,
        rng,
        password_hash,
        pdf,
        now,
        validate_all=False,
    )
    # The State co-pilot names a deputy for that call, who validates when he is conflicted.
    deputy = User(
        email="suppleant.etat@demo.ac-poitiers.fr",
        full_name="Isabelle Garnier (adjointe CSAIO)",
        password_hash=password_hash,
    )
    deputy.grants = [RoleGrant(role=Role.copilot, institution=Institution.state)]
    db.session.add(deputy)
    db.session.flush()
    deputies.name_deputy(people["copilote.etat"], pending, deputy.id)


def _decide(
    call, establishments, people, call_admin, rng, password_hash, pdf, now, validate_all: bool
) -> None:
    done = _submitted_dossiers(
        call,
        establishments,
        4 if not validate_all else 8,
        password_hash,
        rng,
        call.deadline_at - dt.timedelta(days=1),
        pdf,
    )
    for dossier in done:
        screening.screen_dossier(call_admin, dossier, "eligible")
    _commission(call, call_admin, people, rng)
    assignment.run_assignment(call_admin, call)
    for review in db.session.scalars(
        select(Review).where(
            Review.dossier.has(call_id=call.id), Review.status != ReviewStatus.declined
        )
    ):
        _score(review, review.reviewer, rng, submit=True)
    phases.advance_phase(call_admin, call, "deliberation")
    phases.advance_phase(call_admin, call, "decision")
    copilots = [people["copilote.etat"], people["copilote.region"]]
    session = sessions.create_session(
        copilots[0],
        call,
        (call.deadline_at + dt.timedelta(days=30)).date(),
        "Commission d'instruction",
        [m.user_id for m in sessions.commission_members(call)],
    )
    for i, dossier in enumerate(done):
        if i < len(done) - 2:
            decision = decisions.record_proposal(
                copilots[0],
                session,
                dossier,
                "accept",
                amount_state=dossier.requested("state"),
                amount_region=dossier.requested("region") - (500 if i % 2 else 0),
                motivation="Projet pertinent, partenariat solide.",
            )
        else:
            decision = decisions.record_proposal(
                copilots[0],
                session,
                dossier,
                "reject",
                motivation="Les actions ne ciblent pas assez les jeunes décrocheurs.",
            )
        if validate_all:
            for copilot in copilots:
                decisions.validate_decision(copilot, decision)
        elif i % 2 == 0:
            decisions.validate_decision(copilots[1], decision)  # the State's turn now
    if validate_all:
        publication.publish_results(call_admin, call)


def on_demo_loading(_sender=None, *, users, password_hash, now, axes, pdf, **_):
    """Receiver of `portal.signals.demo_loading`: the commission's calls (areas' order)."""
    return ("review", lambda: load(users, password_hash, now, axes, pdf))
