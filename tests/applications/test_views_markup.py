"""Markup the browser test and screen readers rely on: every input has a unique id and a label."""

from collections import Counter
from html.parser import HTMLParser

from applications import services
from portal.db import db

from ..conftest import login


class _Inputs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids, self.label_for, self.inputs = Counter(), set(), []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids[attrs["id"]] += 1
        if tag == "label" and "for" in attrs:
            self.label_for.add(attrs["for"])
        if tag in ("input", "select", "textarea") and attrs.get("type") not in ("hidden", "submit"):
            self.inputs.append(attrs)


def check(page: str) -> None:
    parser = _Inputs()
    parser.feed(page)
    duplicates = [i for i, n in parser.ids.items() if n > 1]
    assert not duplicates, duplicates
    for attrs in parser.inputs:
        assert attrs.get("id") in parser.label_for, attrs
        described = attrs.get("aria-describedby")
        if described:
            assert described in parser.ids, attrs


def test_every_page_has_labelled_inputs_and_unique_ids(client, world, factory):
    dossier = factory.dossier(world.call, world.head_a, complete=True)
    login(client, world.head_a)
    for step in (
        "presentation",
        "axes-et-public",
        "partenaires",
        "actions",
        "indicateurs",
        "budget",
        "pieces-jointes",
        "recapitulatif",
    ):
        check(client.get(f"/dossiers/{dossier.id}/etape/{step}").get_data(as_text=True))
    check(client.get("/dossiers/").get_data(as_text=True))
    check(client.get(f"/dossiers/{dossier.id}").get_data(as_text=True))
    check(client.get(f"/dossiers/nouveau?call_id={world.call.id}").get_data(as_text=True))
    # with errors shown
    response = client.post(
        f"/dossiers/{dossier.id}/etape/budget",
        data={
            "version": str(dossier.version),
            "expenses-0-category": "",
            "expenses-0-amount": "-1",
        },
    )
    assert response.status_code == 400
    check(response.get_data(as_text=True))
    services.submit_dossier(world.head_a, dossier)
    db.session.flush()
    client.post("/deconnexion")
    login(client, world.call_admin)
    check(client.get(f"/dossiers/{dossier.id}").get_data(as_text=True))
    check(client.get("/dossiers/deposes").get_data(as_text=True))
