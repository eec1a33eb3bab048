"""/sitemap.xml and /robots.txt: every public page a search engine may index, nothing else — a
sheet leaves the sitemap when its consent is withdrawn or it is not validated."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from funding.models import FinalReport
from portal.db import db

from .catalogue_helpers import reported, sheet

NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def _locations(client) -> list[str]:
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    assert response.mimetype == "application/xml"
    assert response.headers["Cache-Control"] == "public, max-age=300"
    root = ET.fromstring(response.get_data())
    assert root.tag == "{http://www.sitemaps.org/schemas/sitemap/0.9}urlset"
    return [loc.text for loc in root.findall("s:url/s:loc", NS)]


def test_the_sitemap_lists_public_pages_with_absolute_urls(money_world, client, app):
    o = money_world
    public = sheet(o, reported(o))
    base = app.config["PUBLIC_URL"].rstrip("/")
    locations = _locations(client)
    assert all(loc.startswith(base + "/") for loc in locations)
    paths = [loc[len(base) :] for loc in locations]
    for path in ("/pratiques", "/appels-a-projets", "/lettre", "/donnees-ouvertes"):
        assert path in paths
    assert "/accessibilite" in paths and "/plan-du-site" in paths
    assert f"/pratiques/{public.id}" in paths
    assert len(paths) == len(set(paths))  # each page once
    # every listed page opens anonymously
    for path in paths:
        assert client.get(path).status_code == 200, path
    # no signed-in page, no API, no coordinator page
    assert not [p for p in paths if p.startswith(("/api/", "/coordination", "/dossiers"))]


def test_a_sheet_not_public_is_not_listed(money_world, client):
    o = money_world
    draft = sheet(o, reported(o), publish=False)
    assert f"/pratiques/{draft.id}" not in "".join(_locations(client))
    withdrawn_dossier = reported(o)
    withdrawn = sheet(o, withdrawn_dossier, title="Une autre fiche")
    assert any(loc.endswith(f"/pratiques/{withdrawn.id}") for loc in _locations(client))
    report = db.session.query(FinalReport).filter_by(dossier_id=withdrawn_dossier.id).one()
    report.publication_consent = False
    db.session.flush()
    assert not any(loc.endswith(f"/pratiques/{withdrawn.id}") for loc in _locations(client))


def test_the_sitemap_carries_the_sheets_last_change(money_world, client):
    o = money_world
    public = sheet(o, reported(o))
    root = ET.fromstring(client.get("/sitemap.xml").get_data())
    (entry,) = [
        u
        for u in root.findall("s:url", NS)
        if u.find("s:loc", NS).text.endswith(f"/pratiques/{public.id}")
    ]
    assert entry.find("s:lastmod", NS).text == public.updated_at.date().isoformat()


def test_robots_txt_points_at_the_sitemap(client, app):
    response = client.get("/robots.txt")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    base = app.config["PUBLIC_URL"].rstrip("/")
    assert f"Sitemap: {base}/sitemap.xml" in response.get_data(as_text=True)
