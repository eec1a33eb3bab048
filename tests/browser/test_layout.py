"""In a real Chromium: the key pages of every role fit the screen and pass axe.

For each (role, page) of PAGES, at 1,280 px and 375 px wide: no page-level horizontal scroll
(`document.documentElement.scrollWidth <= window.innerWidth`: wide tables scroll inside their own
box) and zero axe-core violations of the WCAG 2.1 A/AA rules.

To hold a new screen to the same rules, add its line to PAGES: a literal path, or a `Via` naming
the page to open and the pattern of the first link to follow there (for pages behind an id).
One Chromium serves the whole module; each role logs in once, in its own browser context.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest

from tests.conftest import PortalProcess, _live_database_url

pytestmark = pytest.mark.browser

ACCOUNTS = {
    "head": "chef.guerin@demo.ac-poitiers.fr",
    "staff": "referent.guerin@demo.ac-poitiers.fr",
    "reviewer": "instructrice.cio@demo.ac-poitiers.fr",
    "copilot": "copilote.etat@demo.ac-poitiers.fr",
    "call admin": "gestion.etat@demo.ac-poitiers.fr",
    "budget officer": "budget.etat@demo.ac-poitiers.fr",
    "observer": "observateur@demo.ac-poitiers.fr",
    "coordinator": "coordination.mlds@demo.ac-poitiers.fr",
    "admin": "admin@demo.ac-poitiers.fr",
}
WIDTHS = (1280, 375)
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@dataclass(frozen=True)
class Via:
    """The first link matching `pattern` (a regex on the href's path) on the page `start`."""

    start: str | Via
    pattern: str

    def __str__(self) -> str:
        return f"{self.start} → {self.pattern}"


RANKING = Via(Via("/appels/", r"^/appels/\d+$"), r"^/instruction/appels/\d+/classement$")
COMMITMENTS = Via("/", r"^/financement/appels/\d+/engagements$")
HEAD_DOSSIER = Via("/dossiers/", r"^/dossiers/\d+$")
OFFICE_DOSSIER = Via("/dossiers/deposes", r"^/dossiers/\d+$")

PAGES: list[tuple[str, str | Via]] = [
    # public pages
    ("anonymous", "/connexion"),
    ("anonymous", "/mot-de-passe-oublie"),
    ("anonymous", "/accessibilite"),
    ("anonymous", "/mentions-legales"),
    ("anonymous", "/donnees-personnelles"),
    ("anonymous", "/plan-du-site"),
    ("anonymous", "/pratiques"),
    ("anonymous", Via("/pratiques", r"^/pratiques/\d+$")),
    ("anonymous", "/appels-a-projets"),
    ("anonymous", Via("/appels-a-projets", r"^/appels-a-projets/\d+$")),
    ("anonymous", "/donnees-ouvertes"),
    # applicants
    ("head", "/"),
    ("head", "/dossiers/"),
    ("head", HEAD_DOSSIER),
    # the dossier's other tabs (its thread with the call office, its history) and the inbox
    ("head", Via(HEAD_DOSSIER, r"^/dossiers/\d+/messages$")),
    ("head", Via(HEAD_DOSSIER, r"^/dossiers/\d+/historique$")),
    ("head", "/dossiers/messages"),
    # a funded dossier's grant page: agreement, payments, the final report's due date
    ("head", Via(HEAD_DOSSIER, r"^/financement/dossiers/\d+$")),
    ("head", Via("/", r"^/dossiers/nouveau$")),
    ("head", Via("/", r"^/appels/\d+$")),
    ("head", "/compte/"),
    ("staff", "/"),
    # review
    ("reviewer", "/"),
    ("reviewer", "/instruction/mes-dossiers"),
    ("reviewer", Via("/instruction/mes-dossiers", r"^/instruction/evaluations/\d+$")),
    ("copilot", "/"),
    ("copilot", Via("/", r"^/instruction/appels/\d+/decisions$")),
    ("copilot", Via("/", r"^/instruction/appels/\d+/seances$")),
    ("copilot", Via(Via("/", r"^/instruction/appels/\d+/seances$"), r"^/instruction/seances/\d+$")),
    # call office
    ("call admin", "/"),
    ("call admin", "/appels/"),
    ("call admin", Via("/appels/", r"^/appels/\d+$")),
    ("call admin", "/dossiers/deposes"),
    ("call admin", OFFICE_DOSSIER),
    ("call admin", Via(OFFICE_DOSSIER, r"^/dossiers/\d+/messages$")),
    ("call admin", Via(OFFICE_DOSSIER, r"^/dossiers/\d+/historique$")),
    ("call admin", "/dossiers/messages"),
    ("call admin", "/dossiers/etiquettes"),
    ("call admin", Via(Via("/appels/", r"^/appels/\d+$"), r"^/appels/\d+/indicateurs$")),
    # budget
    ("budget officer", "/"),
    ("budget officer", "/financement/"),
    ("budget officer", Via("/financement/", r"^/financement/appels/\d+$")),
    ("budget officer", Via("/", r"^/financement/appels/\d+/paiements$")),
    ("budget officer", Via("/", r"^/financement/appels/\d+/enveloppes$")),
    ("observer", "/"),
    # outcomes: the outcome dashboard (all calls, then filtered to a département)
    ("coordinator", "/resultats"),
    ("coordinator", "/resultats?departement=86"),
    ("observer", "/resultats"),
    # administration
    ("admin", "/"),
    ("admin", "/admin/utilisateurs"),
    ("admin", "/admin/utilisateurs?role=reviewer&q=demo"),
    ("admin", Via("/admin/utilisateurs", r"^/admin/utilisateurs/\d+$")),
    ("admin", "/admin/utilisateurs/inviter"),
    ("admin", "/admin/etablissements"),
    ("admin", "/admin/referentiels/themes"),
    ("admin", "/admin/referentiels/types-de-partenaires"),
    # La Lettre de la MLDS: the public archive, an issue, subscribing; the coordinator's pages
    ("anonymous", "/lettre"),
    ("anonymous", "/lettre/1"),
    ("anonymous", "/lettre/abonnement"),
    ("coordinator", "/coordination/lettres"),
    ("coordinator", "/coordination/lettres/nouvelle"),
    ("coordinator", Via("/coordination/lettres", r"^/coordination/lettres/\d+/apercu$")),
    ("coordinator", Via("/coordination/lettres", r"^/coordination/lettres/\d+$")),
    # the MLDS coordinator
    ("coordinator", "/"),
    ("coordinator", "/coordination/fiches"),
    ("coordinator", Via("/coordination/fiches", r"^/coordination/fiches/\d+$")),
    # others' pages, held to the same rules
    ("copilot", RANKING),
    ("budget officer", COMMITMENTS),
    ("budget officer", Via(COMMITMENTS, r"^/financement/engagements/\d+$")),
    # the final report under review: reach, outcomes, indicators target vs achieved, consent
    ("budget officer", Via("/", r"^/financement/dossiers/\d+/bilan$")),
    (
        "budget officer",
        Via(Via("/", r"^/financement/dossiers/\d+/bilan$"), r"^/financement/dossiers/\d+$"),
    ),
]


@pytest.fixture(scope="module")
def site(tmp_path_factory, chromium):
    """The demo served once, and one logged-in browser page per role (each in its own context
    of the shared Chromium)."""
    tmp_path = tmp_path_factory.mktemp("layout")
    server = PortalProcess(tmp_path, _live_database_url(tmp_path, demo=True), name="layout")
    browser = chromium
    pages = {}

    def page_of(role: str):
        if role not in pages:
            # bypass_csp only lets axe's own script in; the portal's CSP has its own test.
            context = browser.new_context(locale="fr-FR", bypass_csp=True)
            page = context.new_page()
            page.set_default_timeout(15000)
            if role != "anonymous":
                page.goto(server.url + "/connexion")
                page.get_by_label("Adresse électronique").fill(ACCOUNTS[role])
                page.get_by_label("Mot de passe").fill(server.password)
                page.get_by_role("button", name="Se connecter").click()
                page.wait_for_load_state("load")
                assert "/connexion" not in page.url, f"{role} could not log in"
            pages[role] = page
        return pages[role]

    yield server, page_of
    for page in pages.values():
        page.context.close()
    server.stop()


def _links(page, base: str, path: str, pattern: str) -> list[str]:
    page.goto(base + path)
    hrefs = page.eval_on_selector_all(
        "main a[href]", "links => links.map(a => a.getAttribute('href'))"
    )
    found = []
    for href in hrefs:
        bare = href.split("#")[0]
        if re.search(pattern, bare.split("?")[0]) and bare not in found:
            found.append(bare)
    return found


def _resolve(page, base: str, target: str | Via) -> str:
    """The path of a page: literal, or the first matching link (trying each start page that a
    nested Via matches, in order, until one holds such a link)."""
    if isinstance(target, str):
        return target
    starts = (
        [target.start]
        if isinstance(target.start, str)
        else _links(page, base, _resolve(page, base, target.start.start), target.start.pattern)
    )
    for start in starts:
        found = _links(page, base, start, target.pattern)
        if found:
            return found[0]
    raise AssertionError(f"no link matching {target.pattern} on {target.start}")


def _violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(
        page,
        options={"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]},
    )
    return [
        f"{v['id']}: {v['help']} — " + "; ".join(n["target"][0] for n in v["nodes"][:3])
        for v in results.response["violations"]
    ]


@pytest.mark.parametrize(("role", "target"), PAGES, ids=[f"{r}:{t}" for r, t in PAGES])
def test_page_fits_both_widths_and_passes_axe(site, role, target):
    server, page_of = site
    page = page_of(role)
    path = _resolve(page, server.url, target)
    problems = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        response = page.goto(server.url + path)
        assert response.status == 200, (role, path, response.status)
        page.wait_for_load_state("load")
        scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        if scroll > inner:
            wide = page.evaluate(
                """() => [...document.querySelectorAll('main *')]
                .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
                .slice(0, 3).map(e => e.tagName + '.' + e.className)"""
            )
            problems.append(f"{width} px: the page scrolls sideways ({scroll} > {inner}) {wide}")
        problems += [f"{width} px: {v}" for v in _violations(page)]
        missing = page.evaluate(
            """[...document.querySelectorAll('.fr-skiplinks a[href^="#"]')]
            .map(a => a.getAttribute('href').slice(1))
            .filter(id => !document.getElementById(id))"""
        )
        problems += [f"{width} px: skip link to missing #{id}" for id in missing]
    assert problems == [], f"{role} {path}:\n" + "\n".join(problems)
