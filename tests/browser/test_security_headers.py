"""In a real Chromium: the key pages of each role pass the enforced CSP with no violation."""

import pytest

pytestmark = pytest.mark.browser

ROLES = {
    "head": "chef.guerin@demo.ac-poitiers.fr",
    "reviewer": "instructrice.cio@demo.ac-poitiers.fr",
    "copilot": "copilote.etat@demo.ac-poitiers.fr",
    "budget officer": "budget.etat@demo.ac-poitiers.fr",
    "call admin": "gestion.etat@demo.ac-poitiers.fr",
}
# Links that download a file or end the session are not pages to check.
SKIP = (
    "deconnexion",
    "export",
    "telecharg",
    "/pieces/",
    "pdf",
    "recepisse",
    "csv",
    "xlsx",
    "/static/",
)
LISTEN = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', e => window.__csp.push(
    e.violatedDirective + ' ' + (e.blockedURI || 'inline') + ' at ' + document.location.pathname));
"""


def _pages_of(page, base: str, limit: int = 8) -> list[str]:
    hrefs = page.eval_on_selector_all(
        "header a[href^='/'], main a[href^='/']", "links => links.map(a => a.getAttribute('href'))"
    )
    seen = []
    for href in hrefs:
        path = href.split("#")[0]
        if path and path not in seen and not any(s in path for s in SKIP):
            seen.append(path)
    return seen[:limit]


def test_key_pages_of_each_role_raise_no_csp_violation(live_server, browser_page):
    page = browser_page
    page.add_init_script(LISTEN)
    problems = []
    page.on(
        "console",
        lambda msg: problems.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    visited = 0
    for role, email in ROLES.items():
        page.context.clear_cookies()
        response = page.goto(live_server.url + "/connexion")
        assert "script-src 'self'" in response.headers["content-security-policy"]  # enforced
        page.get_by_label("Adresse électronique").fill(email)
        page.get_by_label("Mot de passe").fill(live_server.password)
        page.get_by_role("button", name="Se connecter").click()
        page.wait_for_load_state("networkidle")
        assert "/connexion" not in page.url, role
        problems += page.evaluate("window.__csp")
        for path in _pages_of(page, live_server.url):
            response = page.goto(live_server.url + path)
            page.wait_for_load_state("networkidle")
            assert response.status < 500, (role, path)
            problems += page.evaluate("window.__csp")
            visited += 1
    assert visited >= 10
    assert problems == [], problems
