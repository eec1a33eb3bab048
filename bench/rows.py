"""Bulk rows of the bench's data: calls, establishments and heads, dossiers and what a
submitted dossier carries (bench/data.py puts them together)."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal

from sqlalchemy import func, insert, select

from applications.models import (
    Action,
    Attachment,
    BudgetLine,
    Dossier,
    Indicator,
    Submission,
)
from applications.services import snapshot_hash
from portal import demo
from portal.db import db
from portal.models import (
    AttachmentKind,
    Axis,
    Call,
    CallStatus,
    Establishment,
    EstablishmentKind,
    ReferenceCounter,
    Role,
    RoleGrant,
    User,
)
from portal.uai import with_check_letter
from review.models import (
    Screening,
    ScreeningOutcome,
)

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


def insert_rows(model, rows: list[dict], returning=None) -> list:
    """Insert `rows` in batches; the ids in order when `returning` is a column."""
    out = []
    for start in range(0, len(rows), BATCH):
        chunk = rows[start : start + BATCH]
        if returning is None:
            db.session.execute(insert(model), chunk)
        else:
            out.extend(db.session.scalars(insert(model).returning(returning), chunk))
    return out


def add_call(title: str, year: int, now: dt.datetime, *, open_for_days: int | None = None) -> Call:
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


def add_establishments(target: int, password_hash: str) -> list[tuple[int, int]]:
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
    insert_rows(Establishment, rows)
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
    ids = insert_rows(
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
    insert_rows(RoleGrant, [{"user_id": u, "role": Role.applicant_head} for u in ids])
    heads.update({eid: u for (eid, _), u in zip(missing, ids)})
    return [(eid, heads[eid]) for eid, _ in establishments]


def add_dossiers(call: Call, est_heads, count: int, status, now, rng, reference_from=None):
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
    ids = insert_rows(Dossier, rows, Dossier.id)
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
    insert_rows(BudgetLine, budget)
    insert_rows(Action, actions)
    insert_rows(Indicator, indicators)
    return ids, rows, lines


def add_submissions(call: Call, ids, rows, lines, uais: dict, call_admin: User, now) -> None:
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
            "target": {
                "count": row["target_count"],
                "ages": "15-18 ans",
                "levels": "",
                "profile": "",
            },
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
            "expenses": [
                {"category": c, "label": lab, "amount": str(a)} for _, c, lab, a in expenses
            ],
            "resources": [
                {"source": c, "label": lab, "amount": str(a)} for _, c, lab, a in resources
            ],
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
    insert_rows(Attachment, attachments)
    insert_rows(Submission, submissions)
    insert_rows(Screening, screenings)
    db.session.merge(ReferenceCounter(year=call.year, last=len(ids)))
