"""In a real Chromium: the head's home shows each dossier's call and next step at 375 px (cards,
not a squeezed table) and at 1,280 px (the table, its four columns in view)."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_the_head_s_dossiers_read_at_375_and_1280(live_server, browser_page):
    page = browser_page
    page.goto(live_server.url + "/connexion")
    page.get_by_label("Adresse électronique").fill("chef.guerin@demo.ac-poitiers.fr")
    page.get_by_label("Mot de passe").fill(live_server.password)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()

    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(live_server.url + "/")
    cards = page.locator('ul[aria-label="Dossiers de l\'établissement"] > li')
    assert cards.count() >= 3  # the Guérin head's three dossiers
    expect(page.get_by_role("table", name="Dossiers de l'établissement")).to_be_hidden()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    for i in range(cards.count()):
        step = cards.nth(i).get_by_text("Prochaine étape :")
        expect(step).to_be_visible()
        box = step.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 375
        # the call's title is read on lines of several words, not one word per line
        detail = cards.nth(i).locator(".fr-card__detail")
        assert detail.bounding_box()["width"] > 200

    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server.url + "/")
    table = page.get_by_role("table", name="Dossiers de l'établissement")
    expect(table).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    for name in ("Dossier", "Appel à projets", "État", "Prochaine étape"):
        header = table.get_by_role("columnheader", name=name)
        expect(header).to_be_visible()
        box = header.bounding_box()
        assert box["x"] + box["width"] <= 1280, name
