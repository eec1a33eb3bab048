"""/sitemap.xml (sitemaps.org 0.9) and /robots.txt: the public pages for search engines.

Everything listed is what an anonymous reader may already open: the frame's pages, the open
calls, the catalogue and each public practice sheet (`outcomes.policy.public_sheets`), the
Lettre's archive and each published number, the open data page and its files. Absolute URLs
start at `PUBLIC_URL`, the portal's address as the public knows it.
"""

from __future__ import annotations

import datetime as dt
from xml.sax.saxutils import escape

from flask import Response, current_app, url_for

from portal.db import db

from ..models import PracticeSheet
from ..policy import public_sheets
from ..services import letter, opendata, public_calls
from . import bp
from .opendata import cacheable

FRAME = ("pages.accessibility", "pages.legal_notice", "pages.personal_data", "pages.site_map")


def entries() -> list[tuple[str, dt.date | None]]:
    """(path, last modified) of every public page, in a stable order."""
    out: list[tuple[str, dt.date | None]] = [
        (url_for("outcomes.calls"), None),
        *((url_for("outcomes.call", call_id=c.id), None) for c in public_calls.open_calls()),
        (url_for("outcomes.catalogue"), None),
    ]
    sheets = db.session.execute(
        public_sheets()
        .with_only_columns(PracticeSheet.id, PracticeSheet.updated_at)
        .order_by(PracticeSheet.id)
    ).all()
    out += [(url_for("outcomes.sheet", sheet_id=i), at.date() if at else None) for i, at in sheets]
    out.append((url_for("outcomes.letters"), None))
    out += [
        (
            url_for("outcomes.letter_issue", number=issue.number),
            issue.published_at.date() if issue.published_at else None,
        )
        for issue in letter.archive()
    ]
    out.append((url_for("outcomes.open_data"), None))
    out += [
        (url_for("outcomes.subsidies_csv", funder=f["funder"].slug, year=f["year"]), None)
        for f in opendata.files()
        if f["ready"]
    ]
    out += [(url_for(endpoint), None) for endpoint in FRAME]
    return out


@bp.get("/sitemap.xml")
def sitemap():
    base = current_app.config["PUBLIC_URL"].rstrip("/")
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
    ]
    for path, modified in entries():
        lastmod = f"<lastmod>{modified.isoformat()}</lastmod>" if modified else ""
        lines.append(f"  <url><loc>{escape(base + path)}</loc>{lastmod}</url>")
    lines.append("</urlset>")
    return cacheable(Response("\n".join(lines) + "\n", mimetype="application/xml"), 300)


@bp.get("/robots.txt")
def robots():
    base = current_app.config["PUBLIC_URL"].rstrip("/")
    body = f"User-agent: *\nAllow: /\nSitemap: {base}/sitemap.xml\n"
    return cacheable(Response(body, mimetype="text/plain"), 3600)
