"""Users administration: list, invitations, activation; only administrators."""

import html

import pytest
from sqlalchemy import func, select

from portal.db import db
from portal.models import AuditEvent, OutboxMessage, Role, User

from ..conftest import PASSWORD, login


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize(
    "role",
    [
        Role.applicant_head,
        Role.applicant_staff,
        Role.reviewer,
        Role.copilot,
        Role.call_admin,
        Role.budget_officer,
        Role.observer,
    ],
)
@pytest.mark.parametrize(
    "method, path",
    [
        ("get", "/admin/utilisateurs"),
        ("get", "/admin/utilisateurs/inviter"),
        ("post", "/admin/utilisateurs/inviter"),
    ],
)
def test_non_admins_get_403_on_user_pages(client, world, role, method, path):
    user = next(
        u
        for u in (
            world.head_a,
            world.staff_a,
            world.reviewer,
            world.copilot,
            world.call_admin,
            world.budget,
            world.observer,
        )
        if u.has_role(role)
    )
    login(client, user)
    before = _count(User)
    data = {"email": "x@ac-poitiers.fr", "full_name": "X", "roles": ["admin"]}
    response = client.get(path) if method == "get" else client.post(path, data=data)
    assert response.status_code == 403
    assert _count(User) == before


def test_non_admin_cannot_deactivate(client, world):
    login(client, world.call_admin)
    assert (
        client.post(
            f"/admin/utilisateurs/{world.head_a.id}/activation", data={"active": "0"}
        ).status_code
        == 403
    )
    assert db.session.get(User, world.head_a.id).active


def test_anonymous_is_sent_to_login(client):
    response = client.get("/admin/utilisateurs")
    assert response.status_code == 302 and "/connexion" in response.headers["Location"]


def test_users_list_shows_french_role_labels_and_establishment(client, world):
    login(client, world.admin)
    page = html.unescape(client.get("/admin/utilisateurs").get_data(as_text=True))
    assert world.head_a.email in page
    assert "Chef d'établissement" in page and "Instructeur (Région)" in page
    assert "Lycée A" in page


def test_deactivate_and_reactivate_are_audited(client, world):
    login(client, world.admin)
    response = client.post(
        f"/admin/utilisateurs/{world.head_a.id}/activation", data={"active": "0"}
    )
    assert response.status_code == 302
    assert db.session.get(User, world.head_a.id).active is False
    client.post(f"/admin/utilisateurs/{world.head_a.id}/activation", data={"active": "1"})
    assert db.session.get(User, world.head_a.id).active is True
    actions = db.session.scalars(
        select(AuditEvent.action)
        .where(AuditEvent.object_type == "user", AuditEvent.object_id == world.head_a.id)
        .order_by(AuditEvent.id)
    ).all()
    assert actions == ["user_deactivated", "user_activated"]


def test_deactivated_user_can_no_longer_log_in(client, world):
    login(client, world.admin)
    client.post(f"/admin/utilisateurs/{world.head_a.id}/activation", data={"active": "0"})
    client.post("/deconnexion")
    response = client.post("/connexion", data={"email": world.head_a.email, "password": PASSWORD})
    assert response.status_code == 200
    assert "mot de passe incorrect" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_admin_cannot_deactivate_themself(client, world):
    login(client, world.admin)
    response = client.post(
        f"/admin/utilisateurs/{world.admin.id}/activation",
        data={"active": "0"},
        follow_redirects=True,
    )
    assert "Vous ne pouvez pas désactiver votre propre compte." in html.unescape(
        response.get_data(as_text=True)
    )
    assert db.session.get(User, world.admin.id).active


def test_deactivation_without_csrf_is_refused(client, world):
    login(client, world.admin)
    response = client.post(
        f"/admin/utilisateurs/{world.head_a.id}/activation", data={"active": "0"}, csrf=False
    )
    assert response.status_code == 400
    assert db.session.get(User, world.head_a.id).active


def test_invite_applicant_with_establishment(client, world):
    login(client, world.admin)
    response = client.post(
        "/admin/utilisateurs/inviter",
        data={
            "email": "Referente@Lycee-A.fr",
            "full_name": "Référente Décrochage",
            "roles": ["applicant_staff"],
            "uai": world.est_a.uai.lower(),
        },
    )
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "referente@lycee-a.fr"))
    assert user.establishment_id == world.est_a.id and user.password_hash is None
    mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.recipient == user.email))
    assert "http://localhost/invitation/" in mail.body
    assert db.session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "user_invited", AuditEvent.object_id == user.id
        )
    )


def test_invite_reviewer_for_an_institution(client, world):
    login(client, world.admin)
    client.post(
        "/admin/utilisateurs/inviter",
        data={
            "email": "instructeur@region.fr",
            "full_name": "Instructeur Région",
            "roles": ["reviewer:region"],
        },
    )
    user = db.session.scalar(select(User).where(User.email == "instructeur@region.fr"))
    assert [(g.role, g.institution.value) for g in user.grants] == [(Role.reviewer, "region")]


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"roles": ["applicant_head"]}, "uai", "doit être rattaché à un établissement"),
        ({"roles": ["applicant_head"], "uai": "0860000B"}, "uai", "lettre de contrôle"),
        ({"roles": []}, "roles", "Cochez au moins un rôle."),
        ({"roles": ["observer"], "email": "pas-une-adresse"}, "email", "n'est pas valide"),
    ],
)
def test_invalid_invitation_creates_nothing(client, world, data, field, message):
    login(client, world.admin)
    before_users, before_mail = _count(User), _count(OutboxMessage)
    payload = {"email": "nouveau@ac-poitiers.fr", "full_name": "Nouveau"}
    payload.update(data)
    response = client.post("/admin/utilisateurs/inviter", data=payload)
    assert response.status_code == 400
    page = html.unescape(response.get_data(as_text=True))
    assert f'id="{field}-error"' in page and message in page
    assert _count(User) == before_users and _count(OutboxMessage) == before_mail


def test_invitation_of_existing_email_is_refused(client, world):
    login(client, world.admin)
    before = _count(User)
    response = client.post(
        "/admin/utilisateurs/inviter",
        data={"email": world.observer.email, "full_name": "Doublon", "roles": ["observer"]},
    )
    assert response.status_code == 400
    assert "Un compte existe déjà" in html.unescape(response.get_data(as_text=True))
    assert _count(User) == before


def test_invitation_without_csrf_creates_nothing(client, world):
    login(client, world.admin)
    before = _count(User)
    response = client.post(
        "/admin/utilisateurs/inviter",
        csrf=False,
        data={"email": "nouveau@ac-poitiers.fr", "full_name": "Nouveau", "roles": ["observer"]},
    )
    assert response.status_code == 400
    assert _count(User) == before


def test_invite_page_labels_every_role_in_french(client, world):
    login(client, world.admin)
    page = html.unescape(client.get("/admin/utilisateurs/inviter").get_data(as_text=True))
    assert 'for="email"' in page and 'for="full_name"' in page and 'for="uai"' in page
    assert "Gestionnaire budgétaire — Région" in page and "Chef d'établissement" in page
