"""list speed: the index of the submitted dossiers' statuses (the call office's counts per
status, an index-only scan) and, on PostgreSQL, the statistics of a dossier's call and status
taken together (the budget pages' committable dossiers of a call: without them the planner takes
a call's dossiers for independent of their status and picks nested loops over thousands of rows).

Revision ID: 0025
Revises: 0023
Create Date: 2026-12-01 19:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("dossier") as batch:
        batch.create_index(
            "ix_dossier_submitted_status",
            ["status"],
            sqlite_where=sa.text("reference IS NOT NULL"),
            postgresql_where=sa.text("reference IS NOT NULL"),
        )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE STATISTICS IF NOT EXISTS st_dossier_call_status (dependencies, mcv) "
            "ON call_id, status FROM dossier"
        )
        op.execute("ANALYZE dossier")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP STATISTICS IF EXISTS st_dossier_call_status")
    with op.batch_alter_table("dossier") as batch:
        batch.drop_index("ix_dossier_submitted_status")
