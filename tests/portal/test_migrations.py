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


def test_head_is_the_second_factor_migration(app):
    """0006 (stored review totals) follows 0005 (TOTP) and is the only head."""
    from alembic.script import ScriptDirectory

    from portal.migrate import alembic_config

    script = ScriptDirectory.from_config(alembic_config(app.config["DATABASE_URL"]))
    assert script.get_heads() == ["0006"]
    assert script.get_revision("0006").down_revision == "0005"
