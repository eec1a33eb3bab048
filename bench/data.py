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

import random
import time
from dataclasses import dataclass, field

from sqlalchemy import select

from applications.models import (
    Dossier,
    DossierStatus,
)
from bench.commission_rows import add_commission, add_funded, add_reviews
from bench.practice_rows import add_practice_sheets
from bench.rows import PASSWORD, add_call, add_dossiers, add_establishments, add_submissions
from portal import demo
from portal.auth.services import hash_password
from portal.db import db, utcnow
from portal.models import (
    Call,
    CallStatus,
    Establishment,
    User,
)
from review.models import (
    CommissionMember,
    Review,
    ReviewStatus,
)
from review.services import sessions, settings


@dataclass
class Built:
    """What the bench needs to find again: ids, the people to log in as, row counts."""

    call_id: int
    session_id: int
    decided_call_id: int
    dossier_id: int
    draft_review_id: int
    head_email: str
    sheet_id: int | None = None  # a published practice sheet
    rush_call_id: int | None = None
    rush_kind_id: int | None = None
    rush: list[tuple[str, int]] = field(default_factory=list)  # (head's email, draft dossier id)
    counts: dict = field(default_factory=dict)
    seconds: float = 0.0


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
    est_heads = add_establishments(max(establishments, rush + 3), password_hash)
    uais = dict(db.session.execute(select(Establishment.id, Establishment.uai)).all())

    call = add_call("Appel à projets 2016-2017 (banc d'essai)", 2016, now)
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
    pools = add_commission(call, call_admin, people, reviewers, password_hash)
    ids, rows, lines = add_dossiers(
        call,
        est_heads[:establishments],
        dossiers,
        DossierStatus.in_review,
        now,
        rng,
        reference_from=1,
    )
    add_submissions(call, ids, rows, lines, uais, call_admin, now)
    db.session.commit()
    log(f"  {dossiers} dossiers ({time.perf_counter() - started:.1f} s)")
    n_reviews, n_scores = add_reviews(call, ids, pools, rng, now)
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
    ) or db.session.scalar(select(Call).order_by(Call.deadline_at).limit(1))  # the oldest
    n_funded = add_funded(decided, people, est_heads, funded, now) if funded else 0
    db.session.commit()
    log(f"  {n_funded} funded dossiers ({time.perf_counter() - started:.1f} s)")
    n_sheets, sheet_id = add_practice_sheets(decided.id, now)
    db.session.commit()
    log(f"  {n_sheets} published practice sheets ({time.perf_counter() - started:.1f} s)")

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
        sheet_id=sheet_id,
        counts={
            "dossiers": dossiers,
            "establishments": len(est_heads[:establishments]),
            "reviews": n_reviews,
            "scores": n_scores,
            "budget_lines": 5 * dossiers,
            "funded": n_funded,
            "commitments": 2 * n_funded,
            "published_sheets": n_sheets,
        },
    )
    if rush:
        rush_call = add_call(
            "Appel à projets 2017-2018 (dépôt de dernière minute)", 2017, now, open_for_days=1
        )
        heads = est_heads[3 : 3 + rush]
        draft_ids, _, _ = add_dossiers(rush_call, heads, rush, DossierStatus.draft, now, rng)
        emails = dict(
            db.session.execute(
                select(User.id, User.email).where(User.id.in_([h for _, h in heads]))
            ).all()
        )
        built.rush_call_id = rush_call.id
        built.rush_kind_id = rush_call.required_attachment_kinds[0].id
        built.rush = [(emails[h], d) for (_, h), d in zip(heads, draft_ids)]
        db.session.commit()
        log(f"  {rush} drafts for the rush ({time.perf_counter() - started:.1f} s)")
    db.session.commit()  # run.py then ANALYZEs the database (bench.database.analyze)
    built.seconds = time.perf_counter() - started
    return built
