"""practice sheets: the full-text search index of the public catalogue (PostgreSQL, 'french'
configuration, on the sheet's public wording), and the index of published sheets.

Revision ID: 0019
Revises: 0016 (the branch's head; the integrator re-chains)
Create Date: 2026-12-01 16:00:00
"""

from alembic import op

revision = "0019"
down_revision = "0016"
branch_labels = None
depends_on = None

# The very expression outcomes/services/catalogue.py searches (FTS_DOCUMENT), so the planner uses it.
DOCUMENT = "to_tsvector('french', title || ' ' || summary || ' ' || results)"


def upgrade() -> None:
    with op.batch_alter_table("practice_sheet") as batch:
        batch.create_index("ix_practice_sheet_status", ["status", "validated_at"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"CREATE INDEX ix_practice_sheet_fts ON practice_sheet USING gin ({DOCUMENT})")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_practice_sheet_fts")
    with op.batch_alter_table("practice_sheet") as batch:
        batch.drop_index("ix_practice_sheet_status")
