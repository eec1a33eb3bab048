"""In a real Chromium, at 1,280 px and 375 px: the budget pages never scroll sideways, and the
commitments page shows its key columns (dossier, funder, amounts, status, action) at 1,280 px.

A table that cannot fit scrolls inside its DSFR wrapper (`fr-table`), never the page; long texts
(a refusal reason) are clamped, with the full text one click away (`<details>`).
"""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

WIDTHS = (1280, 375)

OVERFLOW = """() => ({
  scroll: document.documentElement.scrollWidth,
  inner: window.innerWidth,
  widest: [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1
                 && !e.closest('.fr-table__wrapper, .fr-table__content, .fr-sr-only'))
    .slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))
})"""


def _login(page, base, email, password):
    page.goto(base + "/connexion")
    page.get_by_label("Adresse électronique").fill(email)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()


def _budget_pages(page, base) -> list[str]:
    """The budget pages of the demo's first call with money, and one commitment."""
    page.goto(base + "/")
    dashboard = page.locator('section[aria-labelledby="suivi-budgetaire"] h3 a').first
    dashboard = dashboard.get_attribute("href")
    call = re.search(r"/financement/appels/(\d+)", dashboard).group(1)
    root = f"/financement/appels/{call}"
    page.goto(base + root + "/engagements")
    commitment = page.locator('a[href^="/financement/engagements/"]').first.get_attribute("href")
    return [
        "/",
        "/financement/",
        root,
        root + "/enveloppes",
        root + "/engagements",
        root + "/paiements",
        commitment,
    ]


def _right(locator) -> float:
    box = locator.bounding_box()
    return box["x"] + box["width"]


def test_budget_pages_fit_1280_and_375_px(live_server, browser_page):
    page = browser_page
    _login(page, live_server.url, "budget.etat@demo.ac-poitiers.fr", live_server.password)
    urls = _budget_pages(page, live_server.url)
    problems = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        for url in urls:
            page.goto(live_server.url + url)
            measured = page.evaluate(OVERFLOW)
            if measured["scroll"] > measured["inner"]:
                problems.append((width, url, measured))
    assert problems == [], problems


def test_commitments_key_columns_are_visible_at_1280_px(live_server, browser_page):
    page = browser_page
    _login(page, live_server.url, "budget.region@demo.ac-poitiers.fr", live_server.password)
    urls = _budget_pages(page, live_server.url)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server.url + urls[4])
    pending = page.locator("#a-engager + p + div table, section[aria-labelledby=a-engager] table")
    expect(pending.first).to_be_visible()
    # the pending decision (the demo's Région part that its sub-envelope refused): the action
    # button on screen, the reason shortened with its full text a click away
    button = page.get_by_role("button", name=re.compile("^Engager")).first
    assert _right(button) <= 1280
    reason = page.locator("section[aria-labelledby=a-engager] details").first
    reason.locator("summary").click()
    expect(reason.locator(".portal-full-text")).to_be_visible()
    # the commitments: every money column and the status on screen
    table = page.locator("#liste-engagements table")
    for name in ("Dossier", "Financeur", "Engagé", "Versé", "Reste à verser", "Statut"):
        header = table.get_by_role("columnheader", name=name, exact=True)
        assert _right(header) <= 1280, name
