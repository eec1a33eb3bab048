"""beneficiary's legal identity: the managing body of private lycées and MFR

Revision ID: 0012
Revises: 0005
Create Date: 2026-12-01 13:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("establishment", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "managing_body_name", sa.String(length=200), server_default="", nullable=False
            )
        )
        batch_op.add_column(
            sa.Column(
                "managing_body_siret", sa.String(length=14), server_default="", nullable=False
            )
        )
        batch_op.add_column(
            sa.Column("managing_body_rna", sa.String(length=10), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column(
                "legal_representative", sa.String(length=200), server_default="", nullable=False
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("establishment", schema=None) as batch_op:
        batch_op.drop_column("legal_representative")
        batch_op.drop_column("managing_body_rna")
        batch_op.drop_column("managing_body_siret")
        batch_op.drop_column("managing_body_name")
