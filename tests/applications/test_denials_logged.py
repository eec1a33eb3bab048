"""A refused attempt on another establishment's dossier is answered 404 and logged."""

import logging

import pytest

from applications import services

from ..conftest import PDF_BYTES, login


@pytest.mark.parametrize(
    "method,path",
    [
        ("get", "/dossiers/{d}"),
        ("get", "/dossiers/{d}/etape/presentation"),
        ("post", "/dossiers/{d}/etape/presentation"),
        ("get", "/dossiers/{d}/pieces/{a}"),
        ("post", "/dossiers/{d}/deposer"),
    ],
)
def test_other_establishment_gets_404_and_the_attempt_is_logged(
    client, world, factory, caplog, method, path
):
    dossier = factory.dossier(world.call, world.head_a, complete=True)
    attachment = services.add_attachment(world.head_a, dossier, "annexe.pdf", PDF_BYTES)
    login(client, world.head_b)
    url = path.format(d=dossier.id, a=attachment.id)
    with caplog.at_level(logging.WARNING, logger="portal.security"):
        response = getattr(client, method)(
            url, **({"data": {"title": "x"}} if method == "post" else {})
        )
    assert response.status_code == 404
    denials = [r.getMessage() for r in caplog.records if r.name == "portal.security"]
    assert any(f"user={world.head_b.id}" in m and f"Dossier#{dossier.id}" in m for m in denials), (
        denials
    )
