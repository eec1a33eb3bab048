"""The State's identity by default; a neutral theme for an instance the Région operates."""

from ..conftest import login


def test_dsfr_theme_shows_the_republic_block(client):
    page = client.get("/connexion").get_data(as_text=True)
    assert 'class="fr-logo"' in page and "theme-dsfr" in page
    assert "Région" in page  # the partner, in the footer


def test_neutral_theme_drops_the_state_identity(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "PORTAL_THEME", "neutral")
    monkeypatch.setitem(app.config, "OPERATOR_NAME", "Région Poitou-Charentes")
    page = client.get("/connexion").get_data(as_text=True)
    assert 'class="fr-logo"' not in page and "theme-neutral" in page
    assert "Région Poitou-Charentes" in page


def test_pages_are_french_and_labelled(client, world):
    login(client, world.head_a)
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="fr"' in page
    assert 'href="#contenu"' in page  # skip link for keyboard users
