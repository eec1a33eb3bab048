"""The commission session says when the call has no envelope set (nothing to prefill the funding
line with) and links to the page where budget officers set them."""

import html

from funding import services as funding
from portal.models import Institution, Role

from ..conftest import login
from .helpers import build_commission


def _session_page(client, c) -> str:
    return html.unescape(client.get(f"/instruction/seances/{c.session.id}").get_data(as_text=True))


def test_no_envelope_set_is_said_with_a_link_to_set_them(client, world, factory):
    c = build_commission(world, factory)
    login(client, world.call_admin)
    page = _session_page(client, c)
    assert "Aucune enveloppe n'est fixée pour cet appel" in page
    assert f'href="/financement/appels/{world.call.id}/enveloppes"' in page


def test_one_missing_envelope_is_named_and_none_missing_says_nothing(client, world, factory):
    c = build_commission(world, factory)
    funding.set_envelope(world.budget, world.call, Institution.region, "50000.00")
    login(client, world.call_admin)
    page = _session_page(client, c)
    assert "L'enveloppe de l’État n'est pas fixée pour cet appel" in page
    state_officer = factory.user(Role.budget_officer, institution=Institution.state)
    funding.set_envelope(state_officer, world.call, Institution.state, "60000.00")
    page = _session_page(client, c)
    assert 'id="enveloppes-non-fixees"' not in page
    assert "60 000,00" in page.replace("\u202f", " ").replace("\u00a0", " ")
