"""reviewer standing: each reviewer's submitted totals per call (the ranking's calibration table);
an index on a call's dossiers by state (the commission session reads the reviewed ones)

Revision ID: 0024
Revises: 0025
Create Date: 2026-12-01 19:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0025"
branch_labels = None
depends_on = None

RANKED = (
    "'in_review', 'reviewed', 'proposed_accept', 'proposed_reject', 'accepted', 'rejected',"
    " 'funded', 'reporting', 'closed'"
)


def upgrade() -> None:
    op.create_table(
        "reviewer_standing",
        sa.Column("call_id", sa.Integer(), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=False),
        sa.Column(
            "institution",
            sa.Enum(
                "state",
                "region",
                name="institution",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("n_submitted", sa.Integer(), nullable=False),
        sa.Column("n_totals", sa.Integer(), nullable=False),
        sa.Column("sum_cents", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["call_id"],
            ["call.id"],
            name=op.f("fk_reviewer_standing_call_id_call"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reviewer_id"],
            ["user_account.id"],
            name=op.f("fk_reviewer_standing_reviewer_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "call_id", "reviewer_id", "institution", name=op.f("pk_reviewer_standing")
        ),
    )
    op.create_index(op.f("ix_reviewer_standing_reviewer_id"), "reviewer_standing", ["reviewer_id"])
    op.create_index("ix_dossier_call_status", "dossier", ["call_id", "status"])
    # Every existing reviewer's rows, as review.reviewer_store computes them.
    op.execute(
        "INSERT INTO reviewer_standing"
        " (call_id, reviewer_id, institution, n_submitted, n_totals, sum_cents)"
        " SELECT d.call_id, r.reviewer_id, r.institution, count(*), count(r.total_cents),"
        " coalesce(sum(r.total_cents), 0)"
        " FROM review r JOIN dossier d ON d.id = r.dossier_id"
        f" WHERE r.status = 'submitted' AND d.status IN ({RANKED}) AND d.reference IS NOT NULL"
        " GROUP BY d.call_id, r.reviewer_id, r.institution"
    )


def downgrade() -> None:
    op.drop_index("ix_dossier_call_status", table_name="dossier")
    op.drop_index(op.f("ix_reviewer_standing_reviewer_id"), table_name="reviewer_standing")
    op.drop_table("reviewer_standing")
