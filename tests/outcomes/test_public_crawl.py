"""No personal data on public pages: the demo, with names, emails and phone numbers planted in
accounts, partners, final reports, dossiers, messages and internal notes, crawled from its public
pages (every same-site link followed, anonymous), and its public API; none of it shows."""

from __future__ import annotations

import io
import re
from urllib.parse import urljoin, urlsplit

from sqlalchemy import select

from applications.models import Dossier, Message, MessageSide, Partner
from funding.models import FinalReport
from outcomes.models import PracticeSheet
from outcomes.services import catalogue
from portal import demo
from portal.db import db
from portal.models import User
from review.models import InternalNote

from ..conftest import login

PLANTED = [
    "Hippolyte Plantavit",
    "hippolyte.plantavit@exemple.fr",
    "06 12 34 56 78",
    "Zéphyrine Secrète",
    "zephyrine.secrete@exemple.fr",
    "Madame Partenaire-Confidentielle",
    "05 49 99 88 77",
]
START = [
    "/sitemap.xml",
    "/pratiques",
    "/appels-a-projets",
    "/donnees-ouvertes",
    "/lettre",
    "/plan-du-site",
]
_HREF = re.compile(r'href="([^"#]*)')
_LOC = re.compile(r"<loc>([^<]*)</loc>")


def _plant() -> None:
    head = db.session.scalar(select(User).where(User.establishment_id.is_not(None)))
    head.full_name, head.email = "Zéphyrine Secrète", "zephyrine.secrete@exemple.fr"
    for partner in db.session.scalars(select(Partner)):
        partner.name = "Madame Partenaire-Confidentielle"
        partner.role = "Joignable au 05 49 99 88 77"
    for report in db.session.scalars(select(FinalReport)):
        report.actions_carried_out += " Référent : Hippolyte Plantavit, 06 12 34 56 78."
        report.correction_message = "Écrire à hippolyte.plantavit@exemple.fr"
    author = db.session.scalar(select(User).order_by(User.id))
    for dossier in db.session.scalars(select(Dossier)):
        dossier.target_profile = "Suivi par Hippolyte Plantavit (06 12 34 56 78)"
        db.session.add(
            Message(
                dossier_id=dossier.id,
                author_id=author.id,
                side=MessageSide.call_office,
                body="Appelez Zéphyrine Secrète au 05 49 99 88 77",
            )
        )
        db.session.add(
            InternalNote(
                dossier_id=dossier.id, author_id=author.id, body="hippolyte.plantavit@exemple.fr"
            )
        )
    db.session.flush()


def _readable(response) -> str:
    """The text a reader gets: a public PDF (the Lettre's) is read too, as its text."""
    if response.mimetype == "application/pdf":
        from pypdf import PdfReader

        return "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)
    return response.get_data(as_text=True)


def _crawl(client, limit: int = 600) -> dict[str, str]:
    seen: dict[str, str] = {}
    queue = list(START)
    while queue and len(seen) < limit:
        url = queue.pop(0)
        if url in seen:
            continue
        response = client.get(url)
        body = _readable(response)
        seen[url] = body
        if response.status_code in (301, 302, 303):
            location = urlsplit(response.headers["Location"])
            if not location.netloc or location.netloc == "localhost":
                queue.append(location.path + (f"?{location.query}" if location.query else ""))
            continue
        if response.mimetype == "application/xml":  # the sitemap: its pages, by absolute URL
            queue += [urlsplit(loc).path for loc in _LOC.findall(body)]
            continue
        if "html" not in response.content_type:
            continue
        for href in _HREF.findall(body):
            target = urljoin(url, href.replace("&amp;", "&"))
            parts = urlsplit(target)
            if parts.netloc or parts.scheme or not parts.path.startswith("/"):
                continue  # another site, mailto:
            if parts.path.startswith("/static/"):
                continue
            queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return seen


def test_no_personal_data_on_any_public_page(app, client):
    demo.load("mot-de-passe-demo")
    _plant()
    published = catalogue.published_ids()
    assert len(published) >= 2, "the demo publishes sheets"
    pages = _crawl(client)
    for sheet_id in published:
        assert f"/pratiques/{sheet_id}" in pages, "every published sheet is reachable"
    assert f"/pratiques/{published[0]}" in pages["/sitemap.xml"], "and in the sitemap"
    assert any(url.startswith("/appels-a-projets/") for url in pages), "an open call is linked"
    api = ["/api/v1/practices", "/api/v1/open-data/subsidies"] + [
        f"/api/v1/practices/{i}" for i in published
    ]
    for url in api:
        pages[url] = client.get(url).get_data(as_text=True)
    names = [(u.full_name, u.email) for u in db.session.scalars(select(User))]
    official = {e for (e,) in db.session.execute(select(Dossier.establishment_id))}
    assert official  # the establishments' own addresses are allowed (not a person's)
    for url, body in pages.items():
        text = body.replace("&#39;", "'").replace("&#34;", '"')
        for planted in PLANTED:
            assert planted not in text, f"{planted!r} on {url}"
        for full_name, email in names:
            assert full_name not in text, f"{full_name!r} on {url}"
            assert email not in text, f"{email!r} on {url}"
    # The drafts the demo keeps are not public either.
    drafts = list(db.session.scalars(select(PracticeSheet).where(PracticeSheet.status == "draft")))
    assert drafts, "the demo keeps a draft"
    for draft in drafts:
        assert client.get(f"/pratiques/{draft.id}").status_code == 404
    # The demo's coordinator finds her sheets on her home and in her list.
    coordinator = db.session.scalar(select(User).where(User.email.like("coordination.mlds@%")))
    login(client, coordinator, "mot-de-passe-demo")
    home = client.get("/").get_data(as_text=True)
    assert "Catalogue des pratiques" in home and "Rédiger et valider" in home
    listing = client.get("/coordination/fiches").get_data(as_text=True)
    assert "Publiée" in listing and "Brouillon" in listing
