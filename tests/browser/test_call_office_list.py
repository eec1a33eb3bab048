"""In a real Chromium: the call office's list fits the screen (1,280 px with "Statut" and
"Compléments" in view, no page-level horizontal scroll at 375 px), has no axe violation, and a
label is set on a selection without JavaScript tricks (a plain form)."""

import pytest

pytestmark = pytest.mark.browser

CALL_ADMIN = "gestion.etat@demo.ac-poitiers.fr"
FITS = "document.documentElement.scrollWidth <= window.innerWidth"


def _right_edge(page, text: str) -> float:
    box = page.locator("thead th", has_text=text).first.bounding_box()
    assert box is not None, text
    return box["x"] + box["width"]


def test_the_list_fits_and_labels_a_selection(live_server, browser_page):
    page = browser_page
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server.url + "/connexion")
    page.get_by_label("Adresse électronique").fill(CALL_ADMIN)
    page.get_by_label("Mot de passe").fill(live_server.password)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_load_state("networkidle")
    page.get_by_role("link", name="Dossiers à examiner").click()
    page.wait_for_load_state("networkidle")
    assert "statut=submitted" in page.url
    assert page.evaluate(FITS)
    table = page.locator(".portal-list").bounding_box()
    for header in ("Statut", "Compléments"):  # in view, not in the table's own scroll
        assert _right_edge(page, header) <= table["x"] + table["width"], header

    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(
        page, options={"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21aa"]}}
    )
    assert results.violations_count == 0, results.generate_report()

    first = page.locator("tbody input[type=checkbox]").first
    reference = page.locator("tbody tr").first.locator("td a").first.inner_text()
    first.check()
    assert first.is_checked()
    page.get_by_label("Étiquette à poser").select_option(label="à relancer")
    page.get_by_role("button", name="Poser l'étiquette").click()
    page.wait_for_load_state("networkidle")
    assert "posée sur 1 dossier" in page.content()
    page.get_by_label("Étiquette", exact=True).select_option(label="à relancer")
    page.get_by_role("button", name="Filtrer").click()
    page.wait_for_load_state("networkidle")
    assert "etiquette=" in page.url and reference in page.content()

    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(live_server.url + "/dossiers/deposes")
    page.wait_for_load_state("networkidle")
    assert page.evaluate(FITS), page.evaluate("document.documentElement.scrollWidth")
