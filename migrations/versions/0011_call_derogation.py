"""call_derogation: one establishment let in after a call's deadline, with a written reason

Revision ID: 0011
Revises: 0005
Create Date: 2026-12-01 13:10:00
"""
from alembic import op
import sqlalchemy as sa
import portal.db


revision = '0011'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('call_derogation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('establishment_id', sa.Integer(), nullable=False),
    sa.Column('until', portal.db.UTCDateTime(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('granted_by_id', sa.Integer(), nullable=True),
    sa.Column('granted_at', portal.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['call_id'], ['call.id'], name=op.f('fk_call_derogation_call_id_call'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['establishment_id'], ['establishment.id'], name=op.f('fk_call_derogation_establishment_id_establishment')),
    sa.ForeignKeyConstraint(['granted_by_id'], ['user_account.id'], name=op.f('fk_call_derogation_granted_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_call_derogation')),
    sa.UniqueConstraint('call_id', 'establishment_id', name=op.f('uq_call_derogation_call_id_establishment_id'))
    )


def downgrade() -> None:
    op.drop_table('call_derogation')
