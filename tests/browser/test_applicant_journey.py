"""In a real Chromium: a head of establishment takes a dossier from draft to receipt."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def _tick(page, role, name):
    """Tick a DSFR radio or checkbox as a person does: by clicking its label."""
    box = page.get_by_role(role, name=name)
    page.locator(f'label[for="{box.get_attribute("id")}"]').click()
    expect(box).to_be_checked()


def _continue(page):
    page.get_by_role("button", name="Enregistrer et continuer").click()


def test_head_fills_submits_and_downloads_the_receipt(live_server, browser_page, tmp_path):
    page = browser_page
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    page.goto(live_server.url + "/connexion")
    page.get_by_label("Adresse électronique").fill("chef.guerin@demo.ac-poitiers.fr")
    page.get_by_label("Mot de passe").fill(live_server.password)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Claire Martin")

    page.get_by_role("link", name="Créer un dossier").first.click()
    page.get_by_label("Titre du projet").fill("Atelier de remobilisation par le théâtre")
    page.get_by_role("button", name="Créer le dossier", exact=True).click()

    # Présentation
    page.get_by_label("Résumé").fill(
        "Un atelier hebdomadaire pour des élèves de seconde repérés par le GPDS."
    )
    _continue(page)
    # Axes et public
    _tick(page, "radio", re.compile(r"^Axe 2 :"))
    _tick(page, "checkbox", "Prévention")
    # the young people targeted, by category and age band: the total is computed
    page.get_by_label("Élèves en risque de décrochage, encore scolarisés, 16 à 18 ans").fill("24")
    _continue(page)
    # Partenaires
    page.get_by_label("Nom du partenaire (partenaire 1)").fill("Mission locale du Poitou")
    _continue(page)
    # Actions et calendrier
    page.get_by_label("Intitulé de l'action (action 1)").fill("Atelier théâtre hebdomadaire")
    _continue(page)
    # Indicateurs
    page.get_by_label("Indicateur (indicateur 1)").fill("Taux d'absentéisme")
    page.get_by_label("Unité (indicateur 1)").fill("%")
    page.get_by_label("Sens (indicateur 1)").select_option(label="Plus c'est bas, mieux c'est")
    page.get_by_label("Valeur de départ (indicateur 1)").fill("18,5")
    page.get_by_label("Valeur cible (indicateur 1)").fill("10")
    _continue(page)
    # Budget: amounts typed the French way, totals shown as you type
    page.get_by_label("Catégorie (dépense 1)").select_option(label="Prestations de services")
    page.get_by_label("Montant (dépense 1)").fill("6 000,00")
    # the saved budget's "no expense" notice gives way to the live totals
    expect(page.get_by_text("Le budget ne comporte aucune dépense.")).to_be_hidden()
    page.get_by_label("Source (recette 1)").select_option(label="Région")
    page.get_by_label("Montant (recette 1)").fill("3 000")
    expect(page.get_by_text(re.compile(r"Écart"))).to_be_visible()
    page.get_by_label("Source (recette 2)").select_option(label="Rectorat (État)")
    page.get_by_label("Montant (recette 2)").fill("3 000,00")
    expect(page.get_by_text("Budget équilibré")).to_be_visible()
    _continue(page)
    # Pièces jointes: the two required pieces
    pdf_path = tmp_path / "budget-previsionnel.pdf"
    pdf_path.write_bytes(PDF)
    for kind in (
        "Budget prévisionnel détaillé (obligatoire)",
        "Lettre d'engagement du chef d'établissement (obligatoire)",
    ):
        page.get_by_label("Type de pièce").select_option(label=kind)
        page.get_by_label("Fichier").set_input_files(str(pdf_path))
        page.get_by_role("button", name="Joindre le fichier").click()
    expect(page.get_by_text("budget-previsionnel.pdf").first).to_be_visible()
    page.get_by_role("link", name="Continuer vers le récapitulatif").click()

    # Récapitulatif et dépôt
    expect(page.get_by_text("Le dossier est complet")).to_be_visible()
    page.get_by_role("button", name="Déposer le dossier").click()
    expect(page.get_by_text(re.compile(r"AAP-\d{4}-\d{4}")).first).to_be_visible()

    with page.expect_download() as info:
        page.get_by_role("link", name=re.compile("Télécharger le récépissé n° 1")).click()
    receipt = info.value.path().read_bytes()
    assert receipt.startswith(b"%PDF-")
    assert errors == [], f"JavaScript errors: {errors}"
