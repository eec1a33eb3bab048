"""review totals: each submitted review's weighted total /20 kept on the review (hundredths)

Revision ID: 0006
Revises: 0007
Create Date: 2026-12-01 13:10:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('review', schema=None) as batch_op:
        batch_op.add_column(sa.Column('total_cents', sa.Integer(), nullable=True))
    _fill_totals()


def _fill_totals() -> None:
    """The stored total of every submitted review, by the reference arithmetic."""
    from review.aggregation import GridCriterion, weighted_total

    bind = op.get_bind()
    grids: dict = {}
    for row in bind.execute(sa.text(
        "SELECT id, call_id, label, scale_min, scale_max, weight, required, scoring"
        " FROM criterion ORDER BY position, id"
    )):
        grids.setdefault(row.call_id, []).append(GridCriterion(
            id=row.id, label=row.label, scale_min=int(row.scale_min),
            scale_max=int(row.scale_max), weight=_decimal(row.weight),
            required=bool(row.required), scoring=bool(row.scoring),
        ))
    scores: dict = {}
    for row in bind.execute(sa.text(
        "SELECT s.review_id, s.criterion_id, s.value FROM score s JOIN review r"
        " ON r.id = s.review_id WHERE r.status = 'submitted' AND s.value IS NOT NULL"
    )):
        scores.setdefault(row.review_id, {})[row.criterion_id] = _decimal(row.value)
    update = sa.text("UPDATE review SET total_cents = :total WHERE id = :id")
    for row in bind.execute(sa.text(
        "SELECT r.id, d.call_id FROM review r JOIN dossier d ON d.id = r.dossier_id"
        " WHERE r.status = 'submitted'"
    )).all():
        grid = grids.get(row.call_id, [])
        scoring = {c.id for c in grid if c.scoring}
        values = {k: v for k, v in scores.get(row.id, {}).items() if k in scoring}
        try:
            total = weighted_total(values, grid)
        except ValueError:
            total = None
        if total is not None:
            bind.execute(update, {"total": int(total * 100), "id": row.id})


def _decimal(value):
    from decimal import Decimal

    return Decimal(str(value)).quantize(Decimal("0.01"))


def downgrade() -> None:
    with op.batch_alter_table('review', schema=None) as batch_op:
        batch_op.drop_column('total_cents')
