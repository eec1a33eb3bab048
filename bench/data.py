"""A database the size of a real call, written with bulk inserts (bench/README.md).

`build()` loads the demo (its people, calls and grids), then adds, consistent with the models:
- establishments up to `establishments`, each with its head (the demo's password);
- a call in review with `dossiers` submitted dossiers (five budget lines, an action, an
  indicator, the required attachment's row, the frozen submission, an eligible screening), a
  commission of the demo's reviewers and co-pilots plus `reviewers` bench reviewers per
  institution, four reviews per dossier (two per institution; 90 % submitted, 5 % drafts, 5 % not
  started) with a score per criterion of the default grid, and a commission session;
- on the demo's decided call, `funded` funded dossiers through the budget pages' own bulk builder
  (tests/funding/test_dashboard_queries.py: final decisions, agreements, both funders'
  commitments, advances, clawbacks, every seventh report late) plus a submitted final report on
  every third of them;
- optionally an open call with `rush` complete drafts, one per establishment, for the deadline
  rush (each lacks only its attachment and the click on « Déposer »).

Only services that the pages would call for a handful of rows are used (settings, members,
session); every large table is written with `insert()` in batches.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import time
from dataclasses import dataclass, field
from decimal import Decimal
from types import SimpleNamespace

from sqlalchemy import func, insert, select

from applications.models import (
    Action,
    Attachment,
    BudgetLine,
    Dossier,
    DossierStatus,
    Indicator,
    Submission,
)
from applications.services import snapshot_hash
from funding.models import FinalReport, ReportStatus
from portal import demo
from portal.auth.services import hash_password
from portal.db import db, utcnow
from portal.models import (
    AttachmentKind,
    Axis,
    Call,
    CallStatus,
    Establishment,
    EstablishmentKind,
    Institution,
    ReferenceCounter,
    Role,
    RoleGrant,
    User,
)
from portal.uai import with_check_letter
from review.models import (
    CommissionMember,
    Criterion,
    Opinion,
    Review,
    ReviewStatus,
    Score,
    Screening,
    ScreeningOutcome,
)
from review.services import members, sessions, settings

PASSWORD = "bench-password-2014"
BATCH = 2000
DEPARTMENTS = ["86", "17", "16", "79"]
TITLES = [
    "Atelier de remobilisation par le sport",
    "Module de raccrochage en LGT",
    "Parrainage par des entreprises du bassin",
    "Tutorat par des volontaires du service civique",
    "Classe relais et accompagnement des familles",
]


@dataclass
class Built:
    """What the bench needs to find again: ids, the people to log in as, row counts."""

    call_id: int
    session_id: int
    decided_call_id: int
    dossier_id: int
    draft_review_id: int
    head_email: str
    rush_call_id: int | None = None
    rush: list[tuple[str, int]] = field(default_factory=list)  # (head's email, draft dossier id)
    counts: dict = field(default_factory=dict)
    seconds: float = 0.0


def _insert(model, rows: list[dict], returning=None) -> list:
    """Insert `rows` in batches; the ids in order when `returning` is a column."""
    out = []
    for start in range(0, len(rows), BATCH):
        chunk = rows[start : start + BATCH]
        if returning is None:
            db.session.execute(insert(model), chunk)
        else:
            out.extend(db.session.scalars(insert(model).returning(returning), chunk))
    return out


def _call(title: str, year: int, now: dt.datetime, *, open_for_days: int | None = None) -> Call:
    if open_for_days is None:  # closed two months ago: in review
        opens, deadline = now - dt.timedelta(days=120), now - dt.timedelta(days=60)
    else:
        opens, deadline = now - dt.timedelta(days=30), now + dt.timedelta(days=open_for_days)
    call = Call(
        title=title,
        school_year=f"{year}-{year + 1}",
        themes="Lutte contre le décrochage scolaire.",
        fields=["prevention", "intervention", "remediation"],
        eligible_kinds=[k.value for k in EstablishmentKind],
        opens_at=opens,
        deadline_at=deadline,
        max_amount=Decimal("15000.00"),
        advance_rate=Decimal("50.00"),
        status=CallStatus.open,
    )
    call.axes = [Axis(number=i, label=f"Axe {i}") for i in range(1, 5)]
    call.attachment_kinds = [
        AttachmentKind(label="Budget prévisionnel détaillé", required=True, position=1)
    ]
    db.session.add(call)
    db.session.flush()
    return call


def _establishments(target: int, password_hash: str) -> list[tuple[int, int]]:
    """(establishment id, its head's id) for `target` establishments (the demo's first)."""
    have = db.session.scalar(select(func.count()).select_from(Establishment))
    kinds = list(EstablishmentKind)
    rows = []
    for n in range(have, target):
        dep = DEPARTMENTS[n % 4]
        rows.append(
            {
                "uai": with_check_letter(f"0{dep}{5000 + n:04d}"),
                "name": f"Établissement {n}",
                "kind": kinds[n % len(kinds)],
                "public": n % 5 != 0,
                "department_code": dep,
                "commune": "Poitiers",
                "version": 1,
            }
        )
    _insert(Establishment, rows)
    establishments = db.session.execute(
        select(Establishment.id, Establishment.uai).order_by(Establishment.id).limit(target)
    ).all()
    heads = dict(
        db.session.execute(
            select(User.establishment_id, func.min(User.id))
            .join(RoleGrant)
            .where(RoleGrant.role == Role.applicant_head)
            .group_by(User.establishment_id)
        ).all()
    )
    missing = [(eid, uai) for eid, uai in establishments if eid not in heads]
    ids = _insert(
        User,
        [
            {
                "email": f"chef.{uai.lower()}@bench.fr",
                "full_name": f"Chef d'établissement {uai}",
                "password_hash": password_hash,
                "establishment_id": eid,
                "active": True,
                "session_version": 1,
            }
            for eid, uai in missing
        ],
        User.id,
    )
    _insert(RoleGrant, [{"user_id": u, "role": Role.applicant_head} for u in ids])
    heads.update({eid: u for (eid, _), u in zip(missing, ids)})
    return [(eid, heads[eid]) for eid, _ in establishments]


def _reviewers(call: Call, call_admin: User, people: dict, count: int, password_hash: str):
    """The commission: the demo's reviewers and co-pilots (services), `count` more per side."""
    for local, inst in [
        ("instructeur.etat", Institution.state),
        ("instructeur.region", Institution.region),
        ("copilote.etat", Institution.state),
        ("copilote.region", Institution.region),
    ]:
        member = members.add_member(call_admin, call, people[local].id, inst.value)
        if local.startswith("copilote."):
            members.designate_copilot(call_admin, call, member.id)
    pools = {Institution.state: [people["instructeur.etat"].id], Institution.region: []}
    pools[Institution.region].append(people["instructeur.region"].id)
    for inst in (Institution.state, Institution.region):
        ids = _insert(
            User,
            [
                {
                    "email": f"instructeur.{inst.value}.{n}@bench.fr",
                    "full_name": f"Instructeur {inst.value} {n}",
                    "password_hash": password_hash,
                    "active": True,
                    "session_version": 1,
                }
                for n in range(count)
            ],
            User.id,
        )
        _insert(RoleGrant, [{"user_id": u, "role": Role.reviewer, "institution": inst} for u in ids])
        _insert(
            CommissionMember,
            [
                {"call_id": call.id, "user_id": u, "institution": inst, "is_copilot": False}
                for u in ids
            ],
        )
        pools[inst].extend(ids)
    return pools


def _dossier_rows(call: Call, est_heads, count: int, status, now, rng, reference_from=None):
    rows, lines = [], []
    for i in range(count):
        est, head = est_heads[i % len(est_heads)]
        region, state = rng.choice([2000, 2500, 3000, 4000]), rng.choice([1500, 2500, 3500])
        own = rng.choice([500, 1000])
        row = {
            "call_id": call.id,
            "establishment_id": est,
            "created_by_id": head,
            "status": status,
            "reference": None
            if reference_from is None
            else f"AAP-{call.year}-{reference_from + i:04d}",
            "title": f"{TITLES[i % len(TITLES)]} ({i + 1})",
            "summary": "Un projet pour raccrocher des élèves repérés par le GPDS.",
            "main_axis": 1 + i % 4,
            "other_axes": [],
            "fields": [["prevention"], ["intervention"], ["remediation"]][i % 3],
            "target_count": 10 + i % 50,
            "target_ages": "15-18 ans",
            "submitted_at": None if reference_from is None else now - dt.timedelta(days=61),
            "created_at": now - dt.timedelta(days=90),
            "updated_at": now - dt.timedelta(days=61),
            "version": 1,
        }
        rows.append(row)
        total = region + state + own
        lines.append(
            [
                ("expense", "services", "Intervenants", Decimal(total - 800)),
                ("expense", "equipment", "Fournitures", Decimal(800)),
                ("resource", "region", "", Decimal(region)),
                ("resource", "state", "", Decimal(state)),
                ("resource", "own", "", Decimal(own)),
            ]
        )
    ids = _insert(Dossier, rows, Dossier.id)
    budget, actions, indicators = [], [], []
    for d, parts in zip(ids, lines):
        for position, (kind, category, label, amount) in enumerate(parts):
            budget.append(
                {
                    "dossier_id": d,
                    "position": position,
                    "kind": kind,
                    "category": category,
                    "label": label,
                    "amount": amount,
                }
            )
        actions.append({"dossier_id": d, "position": 0, "title": "Atelier de remobilisation"})
        indicators.append(
            {
                "dossier_id": d,
                "position": 0,
                "name": "Taux d'absentéisme",
                "baseline": "15 %",
                "target": "8 %",
            }
        )
    _insert(BudgetLine, budget)
    _insert(Action, actions)
    _insert(Indicator, indicators)
    return ids, rows, lines


def _submitted(call: Call, ids, rows, lines, uais: dict, call_admin: User, now) -> None:
    """The attachment row, the frozen submission and the eligible screening of each dossier."""
    kind = call.required_attachment_kinds[0]
    pdf = demo.DEMO_PDF
    sha = hashlib.sha256(pdf).hexdigest()
    attachments, submissions, screenings = [], [], []
    for d, row, parts in zip(ids, rows, lines):
        key = f"bench/{call.id}/{d}/budget.pdf"
        attachments.append(
            {
                "dossier_id": d,
                "kind_id": kind.id,
                "filename": "budget.pdf",
                "content_type": "application/pdf",
                "size": len(pdf),
                "sha256": sha,
                "storage_key": key,
                "uploaded_by_id": row["created_by_id"],
                "uploaded_at": row["updated_at"],
            }
        )
        expenses = [p for p in parts if p[0] == "expense"]
        resources = [p for p in parts if p[0] == "resource"]
        snapshot = {
            "dossier_id": d,
            "call_id": call.id,
            "establishment": {"uai": uais[row["establishment_id"]], "name": ""},
            "title": row["title"],
            "summary": row["summary"],
            "main_axis": row["main_axis"],
            "other_axes": [],
            "fields": row["fields"],
            "target": {"count": row["target_count"], "ages": "15-18 ans", "levels": "", "profile": ""},
            "partners": [],
            "actions": [
                {
                    "title": "Atelier de remobilisation",
                    "description": "",
                    "start_date": None,
                    "end_date": None,
                }
            ],
            "indicators": [{"name": "Taux d'absentéisme", "baseline": "15 %", "target": "8 %"}],
            "expenses": [{"category": c, "label": lab, "amount": str(a)} for _, c, lab, a in expenses],
            "resources": [{"source": c, "label": lab, "amount": str(a)} for _, c, lab, a in resources],
            "totals": {
                "expenses": str(sum(p[3] for p in expenses)),
                "resources": str(sum(p[3] for p in resources)),
                "requested_region": str(resources[0][3]),
                "requested_state": str(resources[1][3]),
            },
            "attachments": [
                {
                    "filename": "budget.pdf",
                    "sha256": sha,
                    "size": len(pdf),
                    "kind": kind.label,
                    "storage_key": key,
                }
            ],
            "reference": row["reference"],
            "submitted_at": row["submitted_at"].isoformat(),
        }
        submissions.append(
            {
                "dossier_id": d,
                "number": 1,
                "submitted_at": row["submitted_at"],
                "submitted_by_id": row["created_by_id"],
                "snapshot": snapshot,
                "snapshot_sha256": snapshot_hash(snapshot),
            }
        )
        screenings.append(
            {
                "dossier_id": d,
                "outcome": ScreeningOutcome.eligible,
                "checklist": {},
                "motivation": "",
                "screened_by_id": call_admin.id,
                "screened_at": now - dt.timedelta(days=55),
            }
        )
    _insert(Attachment, attachments)
    _insert(Submission, submissions)
    _insert(Screening, screenings)
    db.session.merge(ReferenceCounter(year=call.year, last=len(ids)))


def _reviews(call: Call, dossier_ids, pools, rng, now) -> tuple[int, int]:
    """Four reviews per dossier (two per institution) and their scores; (reviews, scores)."""
    criteria = db.session.scalars(
        select(Criterion).where(Criterion.call_id == call.id).order_by(Criterion.position)
    ).all()
    opinions = list(Opinion)
    rows, states = [], []
    cursor = {Institution.state: 0, Institution.region: 0}
    for n, d in enumerate(dossier_ids):
        for inst in (Institution.state, Institution.region):
            pool = pools[inst]
            for _ in range(2):
                reviewer = pool[cursor[inst] % len(pool)]
                cursor[inst] += 1
                k = len(rows)
                status = (
                    ReviewStatus.submitted
                    if k % 20 not in (3, 17)
                    else (ReviewStatus.draft if k % 20 == 3 else ReviewStatus.assigned)
                )
                submitted = status == ReviewStatus.submitted
                rows.append(
                    {
                        "dossier_id": d,
                        "reviewer_id": reviewer,
                        "institution": inst,
                        "status": status,
                        "opinion": rng.choice(opinions) if submitted else None,
                        "comment": "Projet cohérent avec les besoins repérés." if submitted else "",
                        "assigned_at": now - dt.timedelta(days=50),
                        "submitted_at": now - dt.timedelta(days=10 + n % 30) if submitted else None,
                        "reopen_reason": "",
                        "version": 1,
                    }
                )
                states.append(status)
    ids = _insert(Review, rows, Review.id)
    scores = []
    for review_id, status in zip(ids, states):
        if status == ReviewStatus.assigned:
            continue
        for c in criteria:
            if c.scoring:
                value = Decimal(rng.randint(c.scale_min + 1, c.scale_max))
                scores.append(
                    {"review_id": review_id, "criterion_id": c.id, "value": value, "comment": ""}
                )
            else:
                scores.append(
                    {
                        "review_id": review_id,
                        "criterion_id": c.id,
                        "flag": rng.random() < 0.3,
                        "comment": "",
                    }
                )
    _insert(Score, scores)
    return len(ids), len(scores)


def _funded(decided: Call, people: dict, est_heads, count: int, now) -> int:
    """`count` funded dossiers on the decided call (the budget bench's builder), some reports."""
    from tests.funding.test_dashboard_queries import add_committed_dossiers

    (est_a, head_a), (est_b, _) = est_heads[1], est_heads[2]
    o = SimpleNamespace(
        call=decided,
        est_a=db.session.get(Establishment, est_a),
        est_b=db.session.get(Establishment, est_b),
        head_a=db.session.get(User, head_a),
        call_admin=people["gestion.etat"],
        copilot=people["copilote.etat"],
        budget=people["budget.region"],
    )
    before = set(db.session.scalars(select(Dossier.id).where(Dossier.call_id == decided.id)))
    for start in range(0, count, 500):
        add_committed_dossiers(o, min(500, count - start))
    new = sorted(
        set(db.session.scalars(select(Dossier.id).where(Dossier.call_id == decided.id))) - before
    )
    # every seventh is late (its agreement's report was due yesterday); a third of the others
    # have handed their report in
    _insert(
        FinalReport,
        [
            {
                "dossier_id": d,
                "status": ReportStatus.submitted,
                "actions_carried_out": "Ateliers menés toute l'année.",
                "young_reached": 20,
                "submitted_at": now - dt.timedelta(days=3),
                "submitted_by_id": head_a,
                "correction_message": "",
                "version": 1,
            }
            for n, d in enumerate(new)
            if n % 7 and n % 3 == 0
        ],
    )
    return len(new)


def build(
    dossiers: int = 5000,
    establishments: int = 500,
    reviewers: int = 18,
    funded: int | None = None,
    rush: int = 0,
    password: str = PASSWORD,
    log=print,
) -> Built:
    """Fill the (empty, migrated) database of the current app; commits as it goes."""
    started = time.perf_counter()
    rng = random.Random(2014)
    now = utcnow()
    funded = round(dossiers * 0.4) if funded is None else funded
    users = demo.load(password)
    db.session.commit()
    log(f"  demo loaded ({time.perf_counter() - started:.1f} s)")
    people = {u.email.split("@")[0]: u for u in users}
    call_admin = people["gestion.etat"]
    password_hash = hash_password(password)
    est_heads = _establishments(max(establishments, rush + 3), password_hash)
    uais = dict(db.session.execute(select(Establishment.id, Establishment.uai)).all())

    call = _call("Appel à projets 2016-2017 (banc d'essai)", 2016, now)
    settings.save_settings(
        call_admin,
        call,
        {
            "reviewers_per_dossier": "4",
            "gap_threshold": "4",
            "spread_threshold": "6",
            "visibility": "after_own_review",
        },
    )
    pools = _reviewers(call, call_admin, people, reviewers, password_hash)
    ids, rows, lines = _dossier_rows(
        call,
        est_heads[:establishments],
        dossiers,
        DossierStatus.in_review,
        now,
        rng,
        reference_from=1,
    )
    _submitted(call, ids, rows, lines, uais, call_admin, now)
    db.session.commit()
    log(f"  {dossiers} dossiers ({time.perf_counter() - started:.1f} s)")
    n_reviews, n_scores = _reviews(call, ids, pools, rng, now)
    db.session.commit()
    log(f"  {n_reviews} reviews, {n_scores} scores ({time.perf_counter() - started:.1f} s)")
    copilot = people["copilote.etat"]
    member_ids = list(
        db.session.scalars(
            select(CommissionMember.user_id)
            .where(CommissionMember.call_id == call.id)
            .order_by(CommissionMember.id)
            .limit(4)
        )
    )
    session = sessions.create_session(
        copilot, call, now.date(), "Commission d'instruction (banc d'essai)", member_ids
    )

    decided = db.session.scalar(
        select(Call).where(Call.status == CallStatus.decided).order_by(Call.id)
    ) or db.session.scalar(select(Call).where(Call.school_year == "2013-2014"))
    n_funded = _funded(decided, people, est_heads, funded, now) if funded else 0
    db.session.commit()
    log(f"  {n_funded} funded dossiers ({time.perf_counter() - started:.1f} s)")

    draft_review = db.session.scalar(
        select(Review.id)
        .where(Review.reviewer_id == people["instructeur.etat"].id)
        .join(Dossier)
        .where(Dossier.call_id == call.id, Review.status == ReviewStatus.draft)
        .order_by(Review.id)
    ) or db.session.scalar(
        select(Review.id).where(Review.reviewer_id == people["instructeur.etat"].id)
    )
    head = people["chef.dautet"]
    built = Built(
        call_id=call.id,
        session_id=session.id,
        decided_call_id=decided.id,
        dossier_id=ids[len(ids) // 2],
        draft_review_id=draft_review,
        head_email=head.email,
        counts={
            "dossiers": dossiers,
            "establishments": len(est_heads[:establishments]),
            "reviews": n_reviews,
            "scores": n_scores,
            "budget_lines": 5 * dossiers,
            "funded": n_funded,
            "commitments": 2 * n_funded,
        },
    )
    if rush:
        rush_call = _call("Appel à projets 2017-2018 (dépôt de dernière minute)", 2017, now, open_for_days=1)
        heads = est_heads[3 : 3 + rush]
        draft_ids, _, _ = _dossier_rows(rush_call, heads, rush, DossierStatus.draft, now, rng)
        emails = dict(
            db.session.execute(
                select(User.id, User.email).where(User.id.in_([h for _, h in heads]))
            ).all()
        )
        built.rush_call_id = rush_call.id
        built.rush = [(emails[h], d) for (_, h), d in zip(heads, draft_ids)]
        db.session.commit()
        log(f"  {rush} drafts for the rush ({time.perf_counter() - started:.1f} s)")
    db.session.commit()
    built.seconds = time.perf_counter() - started
    return built
