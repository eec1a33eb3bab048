"""Argon2id parameters: the OWASP minimum by default, configurable, older hashes rehashed on login."""

import pytest
from argon2 import PasswordHasher, extract_parameters

from portal import create_app
from portal.auth import services
from portal.db import db
from portal.models import Role

from ..conftest import PASSWORD, login


def test_new_hashes_use_the_owasp_minimum_for_two_cores(app):
    params = extract_parameters(services.hash_password("un mot de passe assez long"))
    assert params.type.name == "ID"
    assert (params.memory_cost, params.time_cost, params.parallelism) == (19456, 2, 1)


def test_parameters_come_from_the_settings(app, monkeypatch):
    monkeypatch.setitem(app.config, "PASSWORD_HASH_MEMORY_KIB", 47104)
    monkeypatch.setitem(app.config, "PASSWORD_HASH_TIME_COST", 1)
    params = extract_parameters(services.hash_password("un mot de passe assez long"))
    assert (params.memory_cost, params.time_cost, params.parallelism) == (47104, 1, 1)


@pytest.mark.parametrize(
    "memory_kib, time_cost, parallelism",
    [(19456, 1, 1), (4096, 10, 1), (47104, 0, 1), (19456, 2, 0)],
)
def test_the_app_refuses_to_start_below_the_owasp_minimum(
    tmp_path, memory_kib, time_cost, parallelism
):
    with pytest.raises(ValueError, match="OWASP"):
        create_app(
            {
                "DATABASE_URL": f"sqlite:///{tmp_path}/x.db",
                "INSTANCE_PATH": str(tmp_path),
                "PASSWORD_HASH_MEMORY_KIB": memory_kib,
                "PASSWORD_HASH_TIME_COST": time_cost,
                "PASSWORD_HASH_PARALLELISM": parallelism,
            }
        )


def test_an_older_hash_still_logs_in_and_is_rehashed(client, factory):
    user = factory.user(Role.observer)
    # argon2-cffi's default before: 64 MiB × 3 passes × 4 lanes
    old = PasswordHasher(time_cost=3, memory_cost=65536, parallelism=4).hash(PASSWORD)
    user.password_hash = old
    db.session.flush()
    login(client, user)
    db.session.refresh(user)
    assert user.password_hash != old
    params = extract_parameters(user.password_hash)
    assert (params.memory_cost, params.time_cost, params.parallelism) == (19456, 2, 1)
    assert services.verify_password(user, PASSWORD)


def test_a_wrong_password_leaves_an_older_hash_alone(client, factory):
    user = factory.user(Role.observer)
    old = PasswordHasher(time_cost=3, memory_cost=65536, parallelism=4).hash(PASSWORD)
    user.password_hash = old
    db.session.flush()
    response = client.post("/connexion", data={"email": user.email, "password": "mauvais mot"})
    assert response.status_code == 200
    db.session.refresh(user)
    assert user.password_hash == old
