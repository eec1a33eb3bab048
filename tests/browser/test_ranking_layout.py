"""In a real Chromium: the commission's ranking fits the window at 1,280 px with the score, the
spread and the flag visible."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_the_ranking_fits_1280(live_server, browser_page):
    page = browser_page
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server.url + "/connexion")
    page.get_by_label("Adresse électronique").fill("gestion.etat@demo.ac-poitiers.fr")
    page.get_by_label("Mot de passe").fill(live_server.password)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()
    for call_id in range(1, 6):  # the demo call whose commission has ranked dossiers
        page.goto(live_server.url + f"/instruction/appels/{call_id}/classement")
        if page.locator("table").count():
            break
    expect(page.get_by_role("heading", level=1)).to_have_text("Classement des dossiers")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    for name in ("Note", "Dispersion", "Signalement"):
        header = page.get_by_role("columnheader", name=name).first
        expect(header).to_be_visible()
        box = header.bounding_box()
        assert box["x"] + box["width"] <= 1280, name
