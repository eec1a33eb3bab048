"""In a real Chromium: a budget officer records an advance and sees the dashboard's "payé" change.

The demo (`flask --app wsgi demo`) pays the advance of every signed agreement itself, and keeps
one agreement awaiting the head's signature. Before opening the browser, a small script run on
the live server's own database and instance folder completes that agreement through the services
(the head deposits the signed copy, the State's officer records the signature): the dossier
becomes funded, its advance still to pay.
"""

import os
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]

SIGN_AWAITING_AGREEMENT = r"""
from sqlalchemy import select

from applications.models import Dossier
from funding import services
from funding.services import agreements
from funding.models import GrantAgreement
from portal import create_app
from portal.db import db
from portal.demo import DEMO_PDF
from portal.models import User

app = create_app()
with app.app_context():
    dossier = db.session.scalar(
        select(Dossier).join(GrantAgreement, GrantAgreement.dossier_id == Dossier.id)
        .where(GrantAgreement.signed_on.is_(None)).order_by(Dossier.reference).limit(1))
    officer = db.session.scalar(select(User).where(User.email == "budget.etat@demo.ac-poitiers.fr"))
    agreements.upload_signed(agreements.head_of(dossier), dossier, "convention-signee.pdf",
                             DEMO_PDF)
    agreements.record_signature(officer, dossier, services.today())
    db.session.commit()
    print(dossier.reference)
"""


def _sign_awaiting_agreement(live_server, live_demo_database_url, tmp_path) -> str:
    """Run the script against the served app's database and files; returns the reference."""
    env = dict(
        os.environ,
        DATABASE_URL=live_demo_database_url,
        INSTANCE_PATH=str(tmp_path / "instance-live"),
        SECRET_KEY="live-test-secret",
        PUBLIC_URL=live_server.url,
    )
    done = subprocess.run(
        [sys.executable, "-c", SIGN_AWAITING_AGREEMENT],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.strip().splitlines()[-1]


def _amount(text: str) -> Decimal:
    """ "12 500,00 €" → Decimal("12500.00")."""
    return Decimal(re.sub(r"[^\d,]", "", text).replace(",", "."))


def _login(page, base, email, password):
    page.goto(base + "/connexion")
    page.get_by_label("Adresse électronique").fill(email)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()


def test_officer_records_an_advance_and_the_dashboard_follows(
    live_server, live_demo_database_url, browser_page, tmp_path
):
    reference = _sign_awaiting_agreement(live_server, live_demo_database_url, tmp_path)
    page = browser_page
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    _login(page, live_server.url, "budget.etat@demo.ac-poitiers.fr", live_server.password)
    expect(page.get_by_role("heading", name=re.compile("^Suivi budgétaire"))).to_be_visible()

    # The dashboard before: what the State has paid so far.
    page.locator('section[aria-labelledby="suivi-budgetaire"] h3 a').first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tableau de bord budgétaire")
    dashboard_url = page.url
    paid_before = _amount(page.locator("#paye-state").inner_text())
    to_pay_before = _amount(page.locator("#reste-a-payer-state").inner_text())

    # From home, the funded dossier waits for its advance: open its commitment page.
    page.get_by_role("link", name="Accueil").click()
    page.get_by_role("link", name=f"Enregistrer un paiement pour le dossier {reference}").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(reference)
    expect(page.get_by_role("heading", level=1)).to_contain_text("État (rectorat)")

    # Cancelling is final: its button opens the DSFR modal saying so; « Annuler » leaves it be.
    page.get_by_label("Motif de l'annulation").fill("Essai")
    page.get_by_role("button", name="Annuler l'engagement…").click()
    modal = page.get_by_role("dialog", name=re.compile("^Annuler l'engagement"))
    expect(modal).to_be_visible()
    expect(modal).to_contain_text("il ne pourra plus être rétabli")
    expect(modal.get_by_role("button", name="Confirmer l'annulation définitive")).to_be_visible()
    modal.get_by_role("button", name="Annuler", exact=True).click()
    expect(modal).to_be_hidden()
    expect(page.get_by_text("Engagement annulé", exact=True)).to_have_count(0)

    # The form proposes the advance (the agreement's rate of the amount granted).
    amount_field = page.get_by_label(re.compile("^Montant versé"))
    proposed = _amount(amount_field.input_value())
    assert proposed > 0
    expect(page.get_by_label(re.compile("^Type de paiement"))).to_have_value("advance")
    page.get_by_label(re.compile(r"^Référence du paiement")).fill("MANDAT-NAVIGATEUR-0001")
    page.get_by_role("button", name="Enregistrer le paiement").click()
    expect(page.get_by_text(re.compile(r"^Paiement enregistré : avance de"))).to_be_visible()

    # The dashboard now counts it, to the cent.
    page.goto(dashboard_url)
    assert _amount(page.locator("#paye-state").inner_text()) == paid_before + proposed
    assert _amount(page.locator("#reste-a-payer-state").inner_text()) == to_pay_before - proposed
    # and home no longer lists the dossier among the payments to record
    with page.expect_navigation():  # count() does not wait for the new page
        page.get_by_role("link", name="Accueil").click()
    assert (
        page.get_by_role(
            "link", name=f"Enregistrer un paiement pour le dossier {reference}"
        ).count()
        == 0
    )
    assert errors == [], f"JavaScript errors: {errors}"
