"""The platform admin maintains the themes and partner kinds: add, rename, reorder, deactivate
(never delete); French errors on the field (duplicate code or label), nothing changed; CSRF;
audited; only the admin."""

from __future__ import annotations

from sqlalchemy import func, select

from portal.db import db
from portal.models import AuditEvent
from portal.reference import PartnerKind, Theme

from ..conftest import login


def theme(code) -> Theme:
    db.session.expire_all()
    return db.session.scalar(select(Theme).where(Theme.code == code))


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_the_lists_show_every_item(client, world):
    login(client, world.admin)
    page = client.get("/admin/referentiels/themes").get_data(as_text=True)
    assert "Lutte contre l&#39;illettrisme" in page and "<code>numerique</code>" in page
    page = client.get("/admin/referentiels/types-de-partenaires").get_data(as_text=True)
    assert "Mission locale" in page and "<code>psad</code>" in page
    assert client.get("/admin/referentiels/inconnu").status_code == 404


def test_add_a_theme(client, world):
    login(client, world.admin)
    response = client.post(
        "/admin/referentiels/themes",
        data={"code": "sport", "label": "Sport et santé", "position": ""},
    )
    assert response.status_code == 302
    added = theme("sport")
    assert added.label == "Sport et santé" and added.active
    assert added.position > theme("parentalite").position  # at the end of the list
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "theme_created"))
    assert event.actor_id == world.admin.id and event.changes["code"] == "sport"


def test_bad_additions_are_refused_on_their_field(client, world):
    login(client, world.admin)
    before = count(PartnerKind)
    cases = [
        ({"code": "cio", "label": "Autre CIO"}, "code", "Le code « cio » existe déjà."),
        (
            {"code": "nouveau", "label": "mission locale"},
            "label",
            "Le libellé « mission locale » est déjà dans la liste.",
        ),
        (
            {"code": "Élan vital", "label": "Élan"},
            "code",
            "Le code s&#39;écrit en lettres minuscules sans accent, chiffres et _",
        ),
        ({"code": "", "label": "Sans code"}, "code", "Indiquez le code"),
        ({"code": "sans_libelle", "label": " "}, "label", "Indiquez le libellé."),
        (
            {"code": "x", "label": "X", "position": "-3"},
            "position",
            "La position est un nombre entier entre 0 et 9999.",
        ),
    ]
    for data, field, message in cases:
        response = client.post("/admin/referentiels/types-de-partenaires", data=data)
        assert response.status_code == 400, data
        page = response.get_data(as_text=True)
        assert f'id="{field}-error"' in page and message in page, data
    assert count(PartnerKind) == before
    assert (
        client.post(
            "/admin/referentiels/types-de-partenaires",
            data={"code": "ok", "label": "OK"},
            csrf=False,
        ).status_code
        == 400
    )
    assert count(PartnerKind) == before


def test_rename_reorder_and_deactivate(client, world):
    login(client, world.admin)
    item = theme("sante")
    response = client.post(
        f"/admin/referentiels/themes/{item.id}",
        data={f"item-{item.id}-label": "Santé et bien-être", f"item-{item.id}-position": "1"},
    )
    assert response.status_code == 302
    item = theme("sante")
    assert (item.label, item.position, item.active) == ("Santé et bien-être", 1, False)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "theme_updated"))
    assert event.changes["active"] == [True, False]
    response = client.post(
        f"/admin/referentiels/themes/{item.id}",
        data={
            f"item-{item.id}-label": "Numérique",
            f"item-{item.id}-position": "a",
            f"item-{item.id}-active": "y",
        },
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert f'id="item-{item.id}-label-error"' in page
    assert "Le libellé « Numérique » est déjà dans la liste." in page
    assert "La position est un nombre entier entre 0 et 9999." in page
    assert theme("sante").label == "Santé et bien-être" and not theme("sante").active


def test_only_the_platform_admin(client, world):
    item = theme("sante")
    for user in (world.call_admin, world.coordinator, world.head_a):
        login(client, user)
        assert client.get("/admin/referentiels/themes").status_code == 403
        response = client.post(
            f"/admin/referentiels/themes/{item.id}", data={f"item-{item.id}-label": "Piraté"}
        )
        assert response.status_code == 403
    assert theme("sante").label == "Santé"
