"""In a real Chromium: the MLDS coordinator composes an issue of the Lettre, previews it, publishes
it after the confirmation that says what becomes final, and anyone reads it in the archive."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

COORDINATOR = "coordination.mlds@demo.ac-poitiers.fr"


def test_the_coordinator_composes_previews_and_publishes_a_letter(live_server, browser_page):
    page = browser_page
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    base = live_server.url

    page.goto(base + "/connexion")
    page.get_by_label("Adresse électronique").fill(COORDINATOR)
    page.get_by_label("Mot de passe").fill(live_server.password)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()

    page.get_by_role("link", name="La Lettre", exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("La Lettre de la MLDS")
    page.get_by_role("link", name="Composer un nouveau numéro").click()
    number = page.get_by_label("Numéro", exact=True).input_value()
    assert number.isdigit()

    # a mistake first: the error is said on its field, nothing is saved
    page.get_by_label("Titre du numéro").fill("")
    page.get_by_role("button", name="Enregistrer et voir l'aperçu").click()
    expect(page.get_by_text("Le formulaire comporte des erreurs")).to_be_visible()
    expect(page.locator("#title-error")).to_have_text("Donnez un titre à ce numéro.")

    page.get_by_label("Titre du numéro").fill("Numéro de la rentrée")
    page.get_by_label("Date du numéro").fill("2026-12-15")
    page.get_by_label("Éditorial").fill(
        "## Bonne rentrée\n\nUn **projet** à suivre <script>window.pwned=1</script> "
        "et [un lien piégé](javascript:alert(1))."
    )
    page.get_by_label("Chiffres clés : début de la période").fill("2025-09-01")
    page.get_by_label("Chiffres clés : fin de la période").fill("2026-08-31")
    page.get_by_role("button", name="Enregistrer et voir l'aperçu").click()

    # the preview: exactly what will be published, the script shown as text, the link inert
    expect(page.get_by_text("voici exactement ce qui sera publié")).to_be_visible()
    article = page.locator("article.portal-letter")
    expect(article.get_by_role("heading", level=1)).to_contain_text("Numéro de la rentrée")
    expect(article.locator("strong")).to_have_text("projet")
    expect(article.locator("script")).to_have_count(0)
    expect(article.locator('a[href^="javascript"]')).to_have_count(0)
    expect(article.get_by_role("heading", name="Chiffres clés")).to_be_visible()
    assert page.evaluate("window.pwned === undefined")
    previewed = article.inner_html()

    # publishing asks first, saying what becomes final
    page.get_by_role("button", name="Publier ce numéro").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Il ne pourra plus être modifié")
    dialog.get_by_role("button", name="Confirmer la publication").click()
    expect(page.get_by_text(re.compile(r"Le numéro \d+ est publié"))).to_be_visible()
    assert re.search(rf"/lettre/{number}/version-1$", page.url)
    published = page.locator("article.portal-letter").inner_html()
    assert published == previewed

    # in the list: published, and corrected only by a new version
    page.goto(base + "/coordination/lettres")
    expect(
        page.get_by_role("button", name=f"Corriger par une nouvelle version du n° {number}")
    ).to_be_visible()

    # anyone reads it in the archive, and gets the PDF
    page.get_by_role("button", name="Se déconnecter").click()
    page.goto(base + "/lettre")
    page.get_by_role("link", name=re.compile(rf"^N° {number} — Numéro de la rentrée")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Numéro de la rentrée")
    href = page.get_by_role("link", name="Télécharger en PDF").get_attribute("href")
    pdf = page.request.get(base + href)
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")
    assert errors == []
