import pytest

pytestmark = pytest.mark.browser


def test_login_page_renders_in_chromium(live_server, browser_page):
    browser_page.goto(live_server.url + "/connexion")
    assert "Connexion" in browser_page.title()
