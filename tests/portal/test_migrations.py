"""The Alembic migrations and the models describe the same schema."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from portal.db import db
from portal.migrate import all_metadata


# The envelope's unique scope index is on expressions (coalesce): SQLite reflection cannot compare
# it, so the migration creates it by hand; tests/funding checks that it refuses a second envelope.
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
@pytest.mark.filterwarnings(
    "ignore:autogenerate skipping metadata-specified expression-based index"
)
def test_models_and_migrations_agree(app):
    # The session schema was built by `alembic upgrade head` (see conftest); any difference
    # with the models means a model changed without its migration.
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, all_metadata())
    assert diff == [], f"models and migrations differ: {diff}"


def test_migrations_are_at_head(app):
    from alembic.script import ScriptDirectory

    from portal.migrate import alembic_config

    script = ScriptDirectory.from_config(alembic_config(app.config["DATABASE_URL"]))
    with db.engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_heads()
    assert set(current) == set(script.get_heads()) and len(script.get_heads()) == 1


def test_migrations_form_one_line(app):
    """Every revision follows exactly one other, from 0001 to the single head: no branch, no gap."""
    from alembic.script import ScriptDirectory

    from portal.migrate import alembic_config

    script = ScriptDirectory.from_config(alembic_config(app.config["DATABASE_URL"]))
    revisions = list(script.walk_revisions())  # head first, down to the base
    (head,) = script.get_heads()
    assert revisions[0].revision == head and revisions[-1].revision == "0001"
    for newer, older in zip(revisions, revisions[1:], strict=False):
        assert newer.down_revision == older.revision
