"""Users administration: search, role filter, pagination, and editing a user's roles and
establishment (audited, CSRF, refusals in French tied to their fields)."""

import html

import pytest
from sqlalchemy import select

from portal.admin import services
from portal.db import db
from portal.models import AuditEvent, Role, User

from ..conftest import login


def _page(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return html.unescape(response.get_data(as_text=True))


def _grants(user_id):
    db.session.expire_all()
    return services.grant_values(db.session.get(User, user_id))


def _events(user_id):
    return db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "user_access_updated", AuditEvent.object_id == user_id
        )
    ).all()


def test_search_by_name_or_email_and_filter_by_role(client, world, factory):
    factory.user(Role.observer, name="Odile Vérin", email="odile.verin@region.fr")
    login(client, world.admin)
    page = _page(client, "/admin/utilisateurs?q=VÉRIN")
    assert "Odile Vérin" in page and world.head_a.email not in page
    assert "1 compte trouvé" in page
    page = _page(client, "/admin/utilisateurs?q=region.fr")
    assert "Odile Vérin" in page
    page = _page(client, "/admin/utilisateurs?role=observer")
    assert "Odile Vérin" in page and world.observer.email in page
    assert world.head_a.email not in page and world.reviewer.email not in page
    # an unknown role is no filter; a search that finds nothing says so
    assert world.head_a.email in _page(client, "/admin/utilisateurs?role=roi")
    assert "Aucun compte ne correspond" in _page(client, "/admin/utilisateurs?q=zzzz")


def test_users_are_paginated_in_sql(client, world, factory):
    for n in range(services.PAGE_SIZE + 5):
        factory.user(Role.observer, name=f"Zoé {n:03d}", email=f"zoe{n:03d}@ac-poitiers.fr")
    login(client, world.admin)
    first = _page(client, "/admin/utilisateurs?role=observer")
    assert "page 1 sur 2" in first and "Page suivante" in first
    second = _page(client, "/admin/utilisateurs?role=observer&page=2")
    assert "page 2 sur 2" in second
    assert "zoe054@ac-poitiers.fr" in second and "zoe054@ac-poitiers.fr" not in first
    links = client.get("/admin/utilisateurs?role=observer&page=2").get_data(as_text=True)
    assert 'href="/admin/utilisateurs?page=1&amp;role=observer"' in links
    result = services.search_users(world.admin, role="observer", page=2)
    assert len(result.items) == 6 and result.total == services.PAGE_SIZE + 6  # + world.observer


def test_edit_page_shows_current_roles_and_establishment(client, world):
    login(client, world.admin)
    page = client.get(f"/admin/utilisateurs/{world.head_a.id}").get_data(as_text=True)
    assert (
        '<input checked id="roles-1" name="roles" type="checkbox" value="applicant_head">' in page
    )
    assert f'value="{world.est_a.uai}"' in page
    assert client.get("/admin/utilisateurs/999999").status_code == 404


def test_admin_changes_roles_with_institution_and_establishment(client, world):
    login(client, world.admin)
    response = client.post(
        f"/admin/utilisateurs/{world.reviewer.id}",
        data={"roles": ["reviewer:region", "copilot:state"], "uai": ""},
    )
    assert response.status_code == 302
    assert _grants(world.reviewer.id) == ["copilot:state", "reviewer:region"]
    (event,) = _events(world.reviewer.id)
    assert event.actor_id == world.admin.id
    assert event.changes == {"roles": [["reviewer:region"], ["copilot:state", "reviewer:region"]]}
    # a staff member moves to another establishment and becomes its head
    response = client.post(
        f"/admin/utilisateurs/{world.staff_a.id}",
        data={"roles": ["applicant_head"], "uai": world.est_b.uai.lower()},
    )
    assert response.status_code == 302
    staff = db.session.get(User, world.staff_a.id)
    assert staff.establishment_id == world.est_b.id and staff.roles == {Role.applicant_head}
    assert _events(world.staff_a.id)[0].changes["establishment"] == [
        world.est_a.uai,
        world.est_b.uai,
    ]
    # saving the same values changes nothing and writes no event
    response = client.post(
        f"/admin/utilisateurs/{world.staff_a.id}",
        data={"roles": ["applicant_head"], "uai": world.est_b.uai},
        follow_redirects=True,
    )
    assert "Rien n'a changé" in html.unescape(response.get_data(as_text=True))
    assert len(_events(world.staff_a.id)) == 1


@pytest.mark.parametrize(
    "who, data, field, message",
    [
        ("reviewer", {"roles": ["reviewer"]}, "roles", "s'exerce pour l'État ou pour la Région"),
        ("reviewer", {"roles": ["roi"]}, "roles", "Rôle inconnu"),
        ("reviewer", {"roles": ["observer:state"]}, "roles", "ne dépend pas d'une institution"),
        ("reviewer", {}, "roles", "Donnez au moins un rôle."),
        ("head_a", {"roles": ["applicant_head"], "uai": ""}, "uai", "indiquez son UAI"),
        ("head_a", {"roles": ["applicant_head"], "uai": "12"}, "uai", "UAI"),
        ("head_a", {"roles": ["applicant_head"], "uai": "0860999Z"}, "uai", "UAI"),
    ],
)
def test_refusals_are_in_french_tied_to_their_field(client, world, who, data, field, message):
    user = getattr(world, who)
    before = _grants(user.id)
    login(client, world.admin)
    response = client.post(f"/admin/utilisateurs/{user.id}", data=data)
    assert response.status_code == 400
    body = html.unescape(response.get_data(as_text=True))
    assert message in body
    assert f'id="{field}-error"' in body and f'href="#{field}"' in body
    assert _grants(user.id) == before and _events(user.id) == []


def test_the_last_active_administrator_keeps_the_role(client, world, factory):
    login(client, world.admin)
    response = client.post(f"/admin/utilisateurs/{world.admin.id}", data={"roles": ["observer"]})
    assert response.status_code == 400
    body = html.unescape(response.get_data(as_text=True))
    assert "dernier administrateur actif" in body and 'id="roles-error"' in body
    # a deactivated administrator does not count; an active one does
    factory.user(Role.admin, name="Ancienne administratrice").active = False
    response = client.post(f"/admin/utilisateurs/{world.admin.id}", data={"roles": ["observer"]})
    assert "dernier administrateur actif" in html.unescape(response.get_data(as_text=True))
    other = factory.user(Role.admin, name="Seconde administratrice")
    response = client.post(f"/admin/utilisateurs/{world.admin.id}", data={"roles": ["observer"]})
    assert "votre propre rôle" in html.unescape(response.get_data(as_text=True))
    # another administrator may take the role away, now that one remains
    login(client, other)
    response = client.post(f"/admin/utilisateurs/{world.admin.id}", data={"roles": ["observer"]})
    assert response.status_code == 302
    assert _grants(world.admin.id) == ["observer"]


def test_edit_without_csrf_is_refused(client, world):
    login(client, world.admin)
    response = client.post(
        f"/admin/utilisateurs/{world.reviewer.id}",
        data={"roles": ["observer"]},
        csrf=False,
    )
    assert response.status_code == 400
    assert _grants(world.reviewer.id) == ["reviewer:region"]


def test_non_admins_cannot_edit_roles(client, world):
    login(client, world.call_admin)
    response = client.post(f"/admin/utilisateurs/{world.call_admin.id}", data={"roles": ["admin"]})
    assert response.status_code == 403
    assert Role.admin not in db.session.get(User, world.call_admin.id).roles


def test_closed_establishment_is_refused_but_kept_when_unchanged(client, world):
    world.est_b.closed = True
    login(client, world.admin)
    response = client.post(
        f"/admin/utilisateurs/{world.head_a.id}",
        data={"roles": ["applicant_head"], "uai": world.est_b.uai},
    )
    assert response.status_code == 400
    assert "est fermé" in html.unescape(response.get_data(as_text=True))
    assert db.session.get(User, world.head_a.id).establishment_id == world.est_a.id
    # the head of the closed establishment can still be given another role
    response = client.post(
        f"/admin/utilisateurs/{world.head_b.id}",
        data={"roles": ["applicant_head", "observer"], "uai": world.est_b.uai},
    )
    assert response.status_code == 302
    assert _grants(world.head_b.id) == ["applicant_head", "observer"]
