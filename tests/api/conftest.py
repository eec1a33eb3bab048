import pytest

from portal.db import db

from .helpers import cli_token


@pytest.fixture
def api(world):
    """The world, committed (a refused request rolls the session back), with CLI-issued tokens."""
    db.session.commit()

    class Tokens:
        pass

    t = Tokens()
    for name in ("head_a", "staff_a", "head_b", "call_admin", "admin", "reviewer", "observer"):
        setattr(t, name, cli_token(getattr(world, name)))
    db.session.commit()
    return t
