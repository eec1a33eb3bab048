"""In a real Chromium: an establishment asks a question on its dossier, the call office answers,
and each side sees the other's message read."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

HEAD = "chef.sicaudieres@demo.ac-poitiers.fr"  # Céline Faure, a submitted demo dossier
OFFICE = "gestion.etat@demo.ac-poitiers.fr"
TITLE = "Éducation à la santé en internat"


def _login(page, server, email):
    page.context.clear_cookies()
    page.goto(server.url + "/connexion")
    page.get_by_label("Adresse électronique").fill(email)
    page.get_by_label("Mot de passe").fill(server.password)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()


def _menu(page):
    return page.get_by_role("navigation", name="Menu principal")


def test_a_question_and_its_answer_are_read_on_both_sides(live_server, browser_page):
    page = browser_page
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    # The establishment asks, from its dossier's Messages tab.
    _login(page, live_server, HEAD)
    _menu(page).get_by_role("link", name="Nos dossiers").click()
    page.get_by_role("link", name=TITLE).click()
    tabs = page.get_by_role("navigation", name="Sections du dossier")
    tabs.get_by_role("link", name="Messages").click()
    page.get_by_role("button", name="Envoyer le message").click()
    expect(page.get_by_text("un message vide n'est pas envoyé").first).to_be_visible()
    page.get_by_label("Votre message").fill("Bonjour, l'infirmière peut-elle animer un atelier ?")
    page.get_by_role("button", name="Envoyer le message").click()
    expect(page.get_by_text("Votre message a été envoyé.")).to_be_visible()
    expect(page.get_by_text("Pas encore lu par le gestionnaire de l'appel")).to_be_visible()

    # The call office sees it unread in its menu, reads it, answers.
    _login(page, live_server, OFFICE)
    messages = _menu(page).get_by_role("link", name=re.compile(r"^Messages"))
    expect(messages).to_contain_text(re.compile(r"\d+ non lu"))
    messages.click()
    page.get_by_role("link", name=re.compile(TITLE)).click()
    expect(page.get_by_text("l'infirmière peut-elle animer un atelier ?")).to_be_visible()
    expect(page.locator("#messages").get_by_text("Non lu")).to_be_visible()
    page.get_by_label("Votre message").fill("Oui, dans le cadre des actions prévues au dossier.")
    page.get_by_role("button", name="Envoyer le message").click()
    expect(page.get_by_text("Votre message a été envoyé.")).to_be_visible()
    expect(page.get_by_text("Lu par l'établissement", exact=True)).to_have_count(0)

    # The establishment sees the answer, and its own question read.
    _login(page, live_server, HEAD)
    messages = _menu(page).get_by_role("link", name=re.compile(r"^Messages"))
    expect(messages).to_contain_text("1 non lu")
    messages.click()
    page.get_by_role("link", name=re.compile(TITLE)).click()
    expect(page.get_by_text("Oui, dans le cadre des actions prévues au dossier.")).to_be_visible()
    expect(page.get_by_text("Lu par le gestionnaire de l'appel", exact=True)).to_be_visible()

    # And the call office sees its answer read.
    _login(page, live_server, OFFICE)
    page.goto(live_server.url + "/dossiers/messages")
    page.get_by_role("link", name=re.compile(TITLE)).click()
    expect(page.get_by_text("Lu par l'établissement", exact=True)).to_be_visible()
    assert errors == [], f"JavaScript errors: {errors}"
