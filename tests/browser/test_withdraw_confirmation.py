"""In a real Chromium: withdrawing a dossier asks first. Without JavaScript the button leads to
the confirmation page (nothing changed); with it, a DSFR modal says what becomes final, « Annuler »
leaves the dossier as it was and « Confirmer le retrait » withdraws it."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

HEAD = "chef.dautet@demo.ac-poitiers.fr"  # the demo's draft « Micro-lycée : premiers contacts »


def _open_draft(page, base, password):
    page.goto(base + "/connexion")
    page.get_by_label("Adresse électronique").fill(HEAD)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    page.goto(base + "/dossiers/")
    page.locator("main").get_by_role("link", name="Micro-lycée : premiers contacts").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Micro-lycée")
    return page.url


def test_withdrawing_asks_with_and_without_javascript(live_server, browser_page):
    page = browser_page
    no_js = page.context.browser.new_context(java_script_enabled=False, locale="fr-FR")
    plain = no_js.new_page()
    url = _open_draft(plain, live_server.url, live_server.password)
    plain.get_by_label(re.compile("^Motif du retrait")).fill("Projet reporté")
    plain.get_by_role("button", name="Retirer le dossier").click()
    expect(plain.get_by_role("heading", level=1)).to_have_text(re.compile("^Retirer le dossier"))
    expect(plain.get_by_text("Rien n'a encore changé")).to_be_visible()
    plain.get_by_role("link", name="Annuler").click()
    expect(plain).to_have_url(url)
    no_js.close()

    url = _open_draft(page, live_server.url, live_server.password)
    page.get_by_label(re.compile("^Motif du retrait")).fill("Projet reporté")
    page.get_by_role("button", name="Retirer le dossier").click()
    dialog = page.get_by_role("dialog", name="Retirer ce dossier ?")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("définitif")
    dialog.get_by_role("button", name="Annuler", exact=True).click()
    expect(dialog).to_be_hidden()
    assert page.url == url
    page.get_by_role("button", name="Retirer le dossier").click()
    dialog.get_by_role("button", name="Confirmer le retrait").click()
    expect(page.get_by_text(re.compile("retiré", re.I)).first).to_be_visible()
    expect(page.get_by_role("button", name="Retirer le dossier")).to_have_count(0)
