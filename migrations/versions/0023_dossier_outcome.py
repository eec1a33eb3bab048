"""dossier outcome: each funded dossier's outcome figures in one row (the outcome dashboard's sums)

Revision ID: 0023
Revises: 0021
Create Date: 2026-12-01 19:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0021"
branch_labels = None
depends_on = None

BIG = (
    "granted_state",
    "granted_region",
    "payments_state",
    "payments_region",
    "settled_state",
    "settled_region",
    "granted_reported",
)
SMALL = (
    "projects",
    "reported",
    "commitments_state",
    "commitments_region",
    "targeted_at_risk",
    "targeted_left_without_qualification",
    "targeted_return_path",
    "reached_at_risk",
    "reached_left_without_qualification",
    "reached_return_path",
    "outcome_stayed_in_school",
    "outcome_returned_to_training",
    "outcome_qualification",
    "outcome_employment",
    "outcome_unknown",
    "measured_projects",
    "met_all_projects",
    "indicators_measured",
    "indicators_met",
)


def upgrade() -> None:
    op.create_table(
        "dossier_outcome",
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        *[sa.Column(name, sa.Integer(), nullable=False) for name in SMALL],
        *[sa.Column(name, sa.BigInteger(), nullable=False) for name in BIG],
        sa.ForeignKeyConstraint(
            ["dossier_id"],
            ["dossier.id"],
            name=op.f("fk_dossier_outcome_dossier_id_dossier"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("dossier_id", name=op.f("pk_dossier_outcome")),
    )
    # Every funded dossier's row, by the reference computation the application keeps it with
    # (outcomes.services.outcome_rows): the same SQL, so the figures are the dashboard's.
    from outcomes.services.outcome_store import refresh_all

    refresh_all(op.get_bind())


def downgrade() -> None:
    op.drop_table("dossier_outcome")
