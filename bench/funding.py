"""Time the budget pages with N funded dossiers on one call.

    python bench/funding.py --dossiers 2000 [--database-url URL] [--rounds 20]

Loads the demo data, then writes N funded dossiers of the first call (final decisions, agreements,
commitments of both funders, advances on half of them, some clawbacks, some late reports) with
bulk inserts — the same rows as tests/funding/test_dashboard_queries.py, whose builder it reuses —
and requests each budget page `rounds` times through the WSGI app in-process: median and 95th
percentile in milliseconds, SQL statements per request.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dossiers", type=int, default=2000)
    parser.add_argument("--database-url")
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="aap-bench-funding-")
    os.environ.setdefault("INSTANCE_PATH", tmp)
    url = args.database_url or f"sqlite:///{tmp}/bench.db"

    from sqlalchemy import event, select

    from portal import create_app, demo
    from portal.auth.services import issue_api_token
    from portal.db import db
    from portal.migrate import upgrade
    from portal.models import Call, Establishment, User
    from tests.funding.test_dashboard_queries import add_committed_dossiers

    app = create_app(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": "bench",
            "TESTING": False,
            "WTF_CSRF_ENABLED": False,
            "LOGIN_RATE_LIMIT": "10000 per minute",
        }
    )
    upgrade(url)
    with app.app_context():
        demo.load("bench-password-2014")
        db.session.commit()
        people = {u.email.split("@")[0]: u for u in db.session.scalars(select(User))}
        establishments = db.session.scalars(select(Establishment).limit(2)).all()
        call = db.session.scalar(select(Call).order_by(Call.id))
        o = SimpleNamespace(
            call=call,
            est_a=establishments[0],
            est_b=establishments[1],
            head_a=people["chef.guerin"],
            call_admin=people["gestion.etat"],
            copilot=people["copilote.etat"],
            budget=people["budget.region"],
        )
        started = time.perf_counter()
        for start in range(0, args.dossiers, 500):
            add_committed_dossiers(o, min(500, args.dossiers - start))
            db.session.commit()
        fill_seconds = time.perf_counter() - started
        call_id = call.id
        token = issue_api_token(people["budget.region"])
        db.session.commit()

    statements = []
    event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(1))
    pages = {
        "budget officer: home": ("budget.region", "/"),
        "dashboard (both funders)": ("budget.region", f"/financement/appels/{call_id}"),
        "commitments list (page 1)": (
            "budget.region",
            f"/financement/appels/{call_id}/engagements",
        ),
        "payments list (page 1)": ("budget.region", f"/financement/appels/{call_id}/paiements"),
        "envelopes": ("budget.region", f"/financement/appels/{call_id}/enveloppes"),
        "commitments CSV export": (
            "budget.region",
            f"/financement/appels/{call_id}/engagements.csv",
        ),
        "API budget": (None, f"/api/v1/calls/{call_id}/budget"),
        "API commitments": (None, f"/api/v1/commitments?call={call_id}"),
    }
    print(
        f"machine: {platform.node()} {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, database {url.split(':')[0]}"
    )
    print(f"{args.dossiers} funded dossiers written in {fill_seconds:.1f} s")
    print(f"{'page':34} {'median ms':>10} {'p95 ms':>8} {'SQL':>5}")
    for label, (who, path) in pages.items():
        client = app.test_client()
        headers = {"Authorization": f"Bearer {token}"} if who is None else {}
        if who is not None:
            client.post(
                "/connexion",
                data={"email": f"{who}@demo.ac-poitiers.fr", "password": "bench-password-2014"},
            )
        times = []
        for _ in range(args.rounds):
            statements.clear()
            start = time.perf_counter()
            response = client.get(path, headers=headers)
            response.get_data()  # streamed exports: time the whole body
            times.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, (path, response.status_code)
        p95 = sorted(times)[max(0, int(len(times) * 0.95) - 1)]
        print(f"{label:34} {statistics.median(times):10.1f} {p95:8.1f} {len(statements):5d}")


if __name__ == "__main__":
    main()
