"""The scoring screen: the dossier's pieces at hand (the reviewers' scoring page and the head's
summary step list the attachments, each a download link); each refusal listed once."""

import html

from ..conftest import login
from .helpers import form


def test_the_scoring_page_links_to_each_attachment(client, sw):
    attachments = sw.dossier.attachments
    assert attachments  # the complete dossier carries its required pieces
    login(client, sw.state_reviewer)
    body = html.unescape(client.get(f"/instruction/evaluations/{sw.r_state.id}").get_data(True))
    section = body[body.index('id="pieces-du-dossier"') :]
    for att in attachments:
        href = f"/dossiers/{sw.dossier.id}/pieces/{att.id}"
        assert f'href="{href}"' in section and att.kind.label in section
        download = client.get(href)
        assert download.status_code == 200 and download.data.startswith(b"%PDF")


def test_the_summary_step_lists_the_attachments(client, world, factory):
    dossier = factory.dossier(world.call, world.head_a, complete=True)
    login(client, world.head_a)
    body = html.unescape(
        client.get(f"/dossiers/{dossier.id}/etape/recapitulatif").get_data(as_text=True)
    )
    section = body[body.index('id="pieces-du-dossier"') :]
    for att in dossier.attachments:
        assert f'href="/dossiers/{dossier.id}/pieces/{att.id}"' in section
        assert att.kind.label in section


def test_a_refused_score_is_listed_once_in_the_alert(client, sw):
    login(client, sw.state_reviewer)
    response = client.post(
        f"/instruction/evaluations/{sw.r_state.id}",
        data=form(sw, sw.r_state, **{f"score_{sw.relevance.id}": "7"}),
    )
    assert response.status_code == 400
    body = html.unescape(response.get_data(as_text=True))
    alert = body[body.index('id="probleme"') :].split("</div>")[0]
    message = "La note de « Pertinence » doit être comprise entre 0 et 5."
    assert alert.count(message) == 1
    assert f'href="#score_{sw.relevance.id}"' in alert
