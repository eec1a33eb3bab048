"""The bench's pages, requested in-process with the test client: status and SQL statements."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import event

from bench.data import Built
from bench.rows import PASSWORD


@dataclass(frozen=True)
class Page:
    label: str
    who: str  # the demo login (local part) or a full email; "" for an anonymous reader
    path: str
    api: bool = False  # a Bearer token instead of the session cookie
    expect: str = ""  # a text the page must contain (the data is really there)


def pages(built: Built) -> list[Page]:
    c, s, d = built.call_id, built.session_id, built.decided_call_id
    return [
        Page("commission ranking (HTML)", "copilote.etat", f"/instruction/appels/{c}/classement"),
        Page("commission ranking (API)", "copilote.etat", f"/api/v1/calls/{c}/ranking", api=True),
        Page("commission session page", "copilote.etat", f"/instruction/seances/{s}"),
        Page("reviewer queue", "instructeur.etat", "/instruction/mes-dossiers"),
        Page(
            "scoring page", "instructeur.etat", f"/instruction/evaluations/{built.draft_review_id}"
        ),
        Page("budget dashboard", "budget.region", f"/financement/appels/{d}"),
        Page("commitments list", "budget.region", f"/financement/appels/{d}/engagements"),
        Page("submitted dossiers list", "gestion.etat", "/dossiers/deposes"),
        Page(
            "submitted dossiers list, searched",  # words without accents, a theme (issue 11)
            "gestion.etat",
            "/dossiers/deposes?q=lycee%20poitiers&theme=4&tri=montant",
        ),
        Page("dossier detail", "gestion.etat", f"/dossiers/{built.dossier_id}"),
        Page("head's home", built.head_email, "/"),
        Page("outcome dashboard (all calls)", "coordination.mlds", "/resultats"),
        Page("outcome dashboard (one call)", "observateur", f"/resultats?appel={d}"),
        Page("outcomes API", "observateur", f"/api/v1/outcomes?call={d}", api=True),
        # public pages, no login
        Page("practices catalogue", "", "/pratiques"),
        Page("practices search", "", "/pratiques?q=ateliers"),
        Page("practice sheet", "", f"/pratiques/{built.sheet_id}"),
    ]


def exports(built: Built) -> list[Page]:
    c = built.call_id
    return [
        Page("ranking CSV", "copilote.etat", f"/instruction/appels/{c}/classement.csv"),
        Page("ranking XLSX", "copilote.etat", f"/instruction/appels/{c}/classement.xlsx"),
        Page("every-review XLSX", "copilote.etat", f"/instruction/appels/{c}/evaluations.xlsx"),
    ]


def email(who: str) -> str:
    return who if "@" in who else f"{who}@demo.ac-poitiers.fr"


def api_token(who: str) -> str:
    from sqlalchemy import select

    from portal.auth.services import issue_api_token
    from portal.db import db
    from portal.models import User

    token = issue_api_token(db.session.scalar(select(User).where(User.email == email(who))))
    db.session.commit()
    return token


def count_statements(app, page_list: list[Page]) -> dict[str, tuple[int, int]]:
    """{label: (HTTP status, SQL statements)} of each page's second request (the first warms).

    No app context is held around the requests: each one gets its own, as under gunicorn (a
    shared one would keep flask-login's user in `g` and the session's identity map between
    requests, and hide their statements)."""
    from portal.db import db

    statements: list[int] = []

    def _count(*_):
        statements.append(1)

    with app.app_context():
        engine = db.engine
        tokens = {p.who: api_token(p.who) for p in page_list if p.api}
    out = {}
    event.listen(engine, "before_cursor_execute", _count)
    try:
        for page in page_list:
            client = app.test_client()
            headers = {}
            if page.api:
                headers["Authorization"] = f"Bearer {tokens[page.who]}"
            elif page.who:
                client.post("/connexion", data={"email": email(page.who), "password": PASSWORD})
            client.get(page.path, headers=headers).get_data()
            statements.clear()
            response = client.get(page.path, headers=headers)
            response.get_data()
            out[page.label] = (response.status_code, len(statements))
    finally:
        event.remove(engine, "before_cursor_execute", _count)
    return out
