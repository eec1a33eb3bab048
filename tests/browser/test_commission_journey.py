"""In a real Chromium: a reviewer scores two dossiers with "save and next"; a co-pilot validates."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def _login(page, base, email, password):
    page.goto(base + "/connexion")
    page.get_by_label("Adresse électronique").fill(email)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()


def _logout(page):
    page.get_by_role("button", name="Se déconnecter").click()


def _tick(page, role, name):
    box = page.get_by_role(role, name=name, exact=True)
    page.locator(f'label[for="{box.get_attribute("id")}"]').click()
    expect(box).to_be_checked()


def _fill_grid(page, score: str):
    scores = page.get_by_label(re.compile(r"^Note de « "))
    expect(scores.first).to_be_visible()  # count() does not wait for the page
    for i in range(scores.count()):
        scores.nth(i).fill(score)
    flags = page.get_by_role("radio", name="Oui", exact=True)
    if flags.count():
        page.locator(f'label[for="{flags.first.get_attribute("id")}"]').click()
    _tick(page, "radio", "Favorable")


def test_reviewer_scores_two_dossiers_and_a_copilot_validates(live_server, browser_page):
    page = browser_page
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    # A reviewer works through the queue.
    _login(page, live_server.url, "instructrice.cio@demo.ac-poitiers.fr", live_server.password)
    page.get_by_role("link", name="Mes dossiers à évaluer").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Mes dossiers à évaluer")
    page.get_by_role("link", name=re.compile("^Reprendre")).first.click()
    first_url = page.url
    # the dossier and the grid each scroll in their own named pane
    expect(page.get_by_role("region", name="Le dossier (défile seul)")).to_be_visible()
    _fill_grid(page, "4")
    # the weighted total is shown as the scores are typed…
    live = page.locator("[data-live-total-value]")
    expect(live).to_have_text(re.compile(r"^\d+,\d\d / 20$"))
    typed_total = live.inner_text()
    page.get_by_role("button", name="Enregistrer et suivant").click()
    expect(page).not_to_have_url(first_url)
    second_url = page.url
    assert "/instruction/evaluations/" in second_url
    _fill_grid(page, "3,5")
    page.get_by_role("button", name="Soumettre l'évaluation").click()
    expect(page.get_by_text(re.compile("soumise", re.I)).first).to_be_visible()
    # the first review kept its draft scores
    page.goto(first_url)
    expect(page.get_by_label(re.compile(r"^Note de « ")).first).to_have_value("4")
    # …and it is the total the server computed when saving
    expect(page.get_by_text("Note pondérée de ce qui est enregistré")).to_contain_text(typed_total)
    # a score off the scale is said at once
    page.get_by_label(re.compile(r"^Note de « ")).first.fill("99")
    expect(live).to_have_text("une note est hors barème ou mal écrite")
    _logout(page)

    # The State co-pilot validates a proposal the Région co-pilot already validated.
    _login(page, live_server.url, "copilote.etat@demo.ac-poitiers.fr", live_server.password)
    expect(
        page.get_by_role("heading", name="Décisions en attente de votre validation")
    ).to_be_visible()
    home_url = page.url
    page.locator("#a-valider").get_by_role("link").first.click()
    expect(page).not_to_have_url(home_url)
    buttons = page.get_by_role("button", name=re.compile(r"^Valider pour"))
    # count() does not wait: wait for the proposal page to show its first button
    expect(buttons.first).to_be_visible()
    count = buttons.count()
    assert count >= 1
    buttons.first.click()
    # the second validation makes the decision final: the modal says so and asks to confirm
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("la décision devient définitive")
    dialog.get_by_role("button", name="Confirmer la validation").click()
    expect(
        page.get_by_text(re.compile(r"Décision validée|Validation enregistrée")).first
    ).to_be_visible()
    expect(page.get_by_role("button", name=re.compile(r"^Valider pour"))).to_have_count(count - 1)
    assert errors == [], f"JavaScript errors: {errors}"
