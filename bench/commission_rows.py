"""Bulk rows of the bench's commission (members, reviews, scores) and funded dossiers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

from sqlalchemy import select

from applications.models import (
    Dossier,
)
from bench.rows import insert_rows
from funding.models import FinalReport, ReportStatus
from portal.db import db
from portal.models import (
    Call,
    Establishment,
    Institution,
    Role,
    RoleGrant,
    User,
)
from review.models import (
    CommissionMember,
    Criterion,
    Opinion,
    Review,
    ReviewStatus,
    Score,
)
from review.services import members


def add_commission(call: Call, call_admin: User, people: dict, count: int, password_hash: str):
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
        ids = insert_rows(
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
        insert_rows(
            RoleGrant, [{"user_id": u, "role": Role.reviewer, "institution": inst} for u in ids]
        )
        insert_rows(
            CommissionMember,
            [
                {"call_id": call.id, "user_id": u, "institution": inst, "is_copilot": False}
                for u in ids
            ],
        )
        pools[inst].extend(ids)
    return pools


def add_reviews(call: Call, dossier_ids, pools, rng, now) -> tuple[int, int]:
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
    ids = insert_rows(Review, rows, Review.id)
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
    insert_rows(Score, scores)
    # Bulk inserts bypass the ORM: the reviews' stored totals (the ranking's source) are filled here.
    from review import totals

    totals.refresh_call(call.id)
    return len(ids), len(scores)


def add_funded(decided: Call, people: dict, est_heads, count: int, now) -> int:
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
    insert_rows(
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
    # what the outcome dashboard adds up: targets, a theme, an indicator; reach and outcomes
    # on the reports just written
    from bench.outcome_rows import add_outcomes

    add_outcomes(new, head_a, now)
    return len(new)
