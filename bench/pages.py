"""Time the pages people wait on, on a database filled like a busy call.

    python bench/pages.py [--dossiers 2000] [--database-url URL] [--rounds 20]

Builds a fresh database (a temporary SQLite file by default; pass a PostgreSQL URL to measure
production), loads the demo data, adds submitted dossiers spread over the demo establishments,
then times each page through the WSGI app (no network): median and 95th percentile over
`rounds` requests, with the number of SQL statements per request.
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

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dossiers", type=int, default=2000)
    parser.add_argument("--database-url")
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="aap-bench-")
    os.environ.setdefault("INSTANCE_PATH", tmp)
    url = args.database_url or f"sqlite:///{tmp}/bench.db"

    from sqlalchemy import event, select

    from applications import services
    from portal import create_app, demo
    from portal.db import db
    from portal.migrate import upgrade
    from portal.models import Call, Establishment, Role, RoleGrant, User

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
        call = db.session.scalar(select(Call))
        establishments = db.session.scalars(select(Establishment)).all()
        pdf = demo.DEMO_PDF
        heads = {}
        started = time.perf_counter()
        for i in range(args.dossiers):
            est = establishments[i % len(establishments)]
            head = heads.get(est.id)
            if head is None:
                head = User(
                    email=f"bench.{est.uai.lower()}@bench.fr",
                    full_name="Chef",
                    establishment=est,
                    password_hash="x",
                )
                head.grants = [RoleGrant(role=Role.applicant_head)]
                db.session.add(head)
                db.session.flush()
                heads[est.id] = head
            dossier = services.create_dossier(head, call, title=f"Projet {i}")
            db.session.flush()
            services.update_dossier(
                head,
                dossier,
                {
                    "summary": "Résumé",
                    "main_axis": 1 + i % 4,
                    "fields": ["prevention"],
                    "target_count": 20,
                    "actions": [{"title": "Atelier"}],
                    "indicators": [{"name": "Absentéisme"}],
                    "expenses": [{"category": "services", "amount": "5000"}],
                    "resources": [
                        {"category": "region", "amount": "2500"},
                        {"category": "state", "amount": "2500"},
                    ],
                },
            )
            for kind in call.required_attachment_kinds:
                services.add_attachment(head, dossier, "piece.pdf", pdf, kind_id=kind.id)
            services.submit_dossier(head, dossier)
            if i % 200 == 199:
                db.session.commit()
        db.session.commit()
        fill_seconds = time.perf_counter() - started

    statements = []
    event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(1))
    pages = {
        "call admin: submitted dossiers": ("gestion.etat", "/dossiers/deposes"),
        "call admin: list searched+filtered": (
            "gestion.etat",
            "/dossiers/deposes?q=lyc&departement=86&montant_min=1000&tri=montant&ordre=desc",
        ),
        "call admin: list page 40, by estab.": (
            "gestion.etat",
            "/dossiers/deposes?tri=etablissement&page=40",
        ),
        "call admin: list CSV (all rows)": ("gestion.etat", "/dossiers/deposes/export.csv"),
        "call admin: home": ("gestion.etat", "/"),
        "head: home": ("chef.guerin", "/"),
        "head: our dossiers": ("chef.guerin", "/dossiers/"),
        "call admin: calls": ("gestion.etat", "/appels/"),
    }
    print(
        f"machine: {platform.node()} {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, database {url.split(':')[0]}"
    )
    print(f"{args.dossiers} submitted dossiers loaded in {fill_seconds:.1f} s")
    print(f"{'page':34} {'median ms':>10} {'p95 ms':>8} {'SQL':>5}")
    for label, (who, path) in pages.items():
        client = app.test_client()
        client.post(
            "/connexion",
            data={"email": f"{who}@demo.ac-poitiers.fr", "password": "bench-password-2014"},
        )
        times = []
        for _ in range(args.rounds):
            statements.clear()
            start = time.perf_counter()
            response = client.get(path)
            response.get_data()  # the whole body, streamed exports included
            times.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, (path, response.status_code)
        p95 = sorted(times)[max(0, int(len(times) * 0.95) - 1)]
        print(f"{label:34} {statistics.median(times):10.1f} {p95:8.1f} {len(statements):5d}")


if __name__ == "__main__":
    main()
