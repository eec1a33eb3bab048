"""The frame: footer links to the public pages, which need no login; skip links hit real ids."""

import re

import pytest

from ..conftest import login

PUBLIC = {
    "/accessibilite": "partiellement conforme",
    "/mentions-legales": "Directeur de la publication",
    "/donnees-personnelles": "Journal des actions",
    "/plan-du-site": "Mot de passe oublié",
}


@pytest.mark.parametrize("path, words", PUBLIC.items())
def test_public_pages_open_without_login(client, path, words):
    response = client.get(path)
    assert response.status_code == 200
    assert words in response.get_data(as_text=True)


def test_footer_links_to_every_public_page(client):
    body = client.get("/connexion").get_data(as_text=True)
    footer = body[body.index("<footer") :]
    for path in PUBLIC:
        assert f'href="{path}"' in footer


def test_contact_of_the_statements_is_configurable(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "CONTACT_EMAIL", "accessibilite@ac-poitiers.fr")
    body = client.get("/accessibilite").get_data(as_text=True)
    assert "mailto:accessibilite@ac-poitiers.fr" in body
    monkeypatch.setitem(app.config, "CONTACT_EMAIL", None)
    body = client.get("/donnees-personnelles").get_data(as_text=True)
    assert f"mailto:{app.config['MAIL_FROM']}" in body


def _skip_targets(body: str) -> list[str]:
    block = body[body.index("fr-skiplinks") : body.index("</nav>")]
    return re.findall(r'href="#([\w-]+)"', block)


def test_skip_links_of_the_login_page_target_existing_ids(client):
    body = client.get("/connexion").get_data(as_text=True)
    targets = _skip_targets(body)
    assert "navigation" not in targets  # no menu before login
    for target in targets:
        assert f'id="{target}"' in body, target


def test_skip_links_of_a_logged_in_page_include_the_menu(client, world):
    login(client, world.head_a)
    body = client.get("/").get_data(as_text=True)
    targets = _skip_targets(body)
    assert "navigation" in targets
    for target in targets:
        assert f'id="{target}"' in body, target
