"""ranking cover: the index of a call's dossiers by state also carries, on PostgreSQL, the
dossier's id, reference and establishment (INCLUDE), so that the ranking's and the session's
scans of a call's visible dossiers are index-only scans (no visit of the dossiers' pages)

Revision ID: 0026
Revises: 0024
Create Date: 2026-12-01 23:05:00
"""

from alembic import op

revision = "0026"
down_revision = "0024"
branch_labels = None
depends_on = None

COVERED = ["id", "reference", "establishment_id"]


def upgrade() -> None:
    with op.batch_alter_table("dossier") as batch:
        batch.drop_index("ix_dossier_call_status")
        batch.create_index(
            "ix_dossier_call_status", ["call_id", "status"], postgresql_include=COVERED
        )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ANALYZE dossier")


def downgrade() -> None:
    with op.batch_alter_table("dossier") as batch:
        batch.drop_index("ix_dossier_call_status")
        batch.create_index("ix_dossier_call_status", ["call_id", "status"])
