"""dossier standing: each dossier's ranking figures in one row (review sums, amounts asked)

Revision ID: 0013
Revises: 0020
Create Date: 2026-12-01 16:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dossier_standing",
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("n_state", sa.Integer(), nullable=False),
        sa.Column("n_region", sa.Integer(), nullable=False),
        sa.Column("sum_state", sa.BigInteger(), nullable=False),
        sa.Column("sum_region", sa.BigInteger(), nullable=False),
        sa.Column("high", sa.Integer(), nullable=True),
        sa.Column("low", sa.Integer(), nullable=True),
        sa.Column("state_mean", sa.Integer(), nullable=True),
        sa.Column("region_mean", sa.Integer(), nullable=True),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("gap", sa.Integer(), nullable=True),
        sa.Column("spread", sa.Integer(), nullable=True),
        sa.Column("asked_region_cents", sa.BigInteger(), nullable=False),
        sa.Column("asked_state_cents", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["dossier_id"],
            ["dossier.id"],
            name=op.f("fk_dossier_standing_dossier_id_dossier"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("dossier_id", name=op.f("pk_dossier_standing")),
    )
    # Every existing dossier's row, as review.standing_store computes it.
    op.execute(
        "INSERT INTO dossier_standing (dossier_id, n_state, n_region, sum_state, sum_region,"
        " high, low, asked_region_cents, asked_state_cents)"
        " SELECT d.id, coalesce(f.n_state, 0), coalesce(f.n_region, 0), coalesce(f.sum_state, 0),"
        " coalesce(f.sum_region, 0), f.high, f.low, coalesce(a.region, 0), coalesce(a.state, 0)"
        " FROM dossier d"
        " LEFT JOIN (SELECT dossier_id,"
        "  sum(CASE WHEN institution = 'state' THEN 1 ELSE 0 END) AS n_state,"
        "  sum(CASE WHEN institution = 'region' THEN 1 ELSE 0 END) AS n_region,"
        "  sum(CASE WHEN institution = 'state' THEN total_cents ELSE 0 END) AS sum_state,"
        "  sum(CASE WHEN institution = 'region' THEN total_cents ELSE 0 END) AS sum_region,"
        "  max(total_cents) AS high, min(total_cents) AS low"
        "  FROM review WHERE status = 'submitted' AND total_cents IS NOT NULL"
        "  GROUP BY dossier_id) f ON f.dossier_id = d.id"
        " LEFT JOIN (SELECT dossier_id,"
        "  CAST(round(sum(CASE WHEN category = 'region' THEN amount ELSE 0 END) * 100) AS BIGINT)"
        "  AS region,"
        "  CAST(round(sum(CASE WHEN category = 'state' THEN amount ELSE 0 END) * 100) AS BIGINT)"
        "  AS state"
        "  FROM budget_line WHERE kind = 'resource' GROUP BY dossier_id) a ON a.dossier_id = d.id"
    )
    # The figures review.aggregation gives, rounded half up: (2 × num + den) / (2 × den).
    both = "n_state > 0 AND n_region > 0"
    state_mean = "(2 * sum_state + n_state) / (2 * n_state)"
    region_mean = "(2 * sum_region + n_region) / (2 * n_region)"
    op.execute(
        "UPDATE dossier_standing SET"
        f" state_mean = CASE WHEN n_state > 0 THEN {state_mean} END,"
        f" region_mean = CASE WHEN n_region > 0 THEN {region_mean} END,"
        f" score = CASE WHEN {both} THEN (2 * (sum_state * n_region + sum_region * n_state)"
        "  + 2 * n_state * n_region) / (4 * n_state * n_region)"
        f"  WHEN n_state > 0 THEN {state_mean} WHEN n_region > 0 THEN {region_mean} END,"
        f" gap = CASE WHEN {both} THEN (2 * abs(sum_state * n_region - sum_region * n_state)"
        "  + n_state * n_region) / (2 * n_state * n_region) END,"
        " spread = high - low"
    )


def downgrade() -> None:
    op.drop_table("dossier_standing")
