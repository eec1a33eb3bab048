"""The bare page the portal's pages are compared with: one SQL query, a 50-row table, Jinja.

gunicorn -w 2 -k sync bench.baseline:app   (DATABASE_URL in the environment)
"""

from __future__ import annotations

import os

from flask import Flask, render_template_string
from sqlalchemy import create_engine, text

TEMPLATE = """<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>Dossiers</title></head>
<body><main><h1>Dossiers</h1>
<table><thead><tr><th>Référence</th><th>Titre</th><th>État</th><th>Déposé le</th></tr></thead>
<tbody>{% for row in rows %}
<tr><td>{{ row.reference }}</td><td>{{ row.title }}</td><td>{{ row.status }}</td>
<td>{{ row.submitted_at }}</td></tr>{% endfor %}
</tbody></table></main></body></html>"""

QUERY = text(
    "SELECT reference, title, status, submitted_at FROM dossier "
    "WHERE reference IS NOT NULL ORDER BY id LIMIT 50"
)


def create_app(url: str | None = None) -> Flask:
    app = Flask(__name__)
    engine = create_engine(url or os.environ["DATABASE_URL"], pool_pre_ping=False)

    @app.get("/")
    def table():
        with engine.connect() as conn:
            rows = conn.execute(QUERY).all()
        return render_template_string(TEMPLATE, rows=rows)

    return app


app = create_app() if os.environ.get("DATABASE_URL") else None
