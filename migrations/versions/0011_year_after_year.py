"""year after year: derogations to a call's deadline (one establishment let in late, with a
written reason); co-pilots' deputies, and the capacity in which each validation was signed

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 13:10:00
"""
from alembic import op
import sqlalchemy as sa
import portal.db


revision = '0011'
down_revision = '0010'
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
    op.create_table('copilot_deputy',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('institution', sa.Enum('state', 'region', name='institution', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('copilot_id', sa.Integer(), nullable=False),
    sa.Column('deputy_id', sa.Integer(), nullable=False),
    sa.Column('named_at', portal.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['call_id'], ['call.id'], name=op.f('fk_copilot_deputy_call_id_call'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['copilot_id'], ['user_account.id'], name=op.f('fk_copilot_deputy_copilot_id_user_account')),
    sa.ForeignKeyConstraint(['deputy_id'], ['user_account.id'], name=op.f('fk_copilot_deputy_deputy_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_copilot_deputy')),
    sa.UniqueConstraint('call_id', 'institution', name=op.f('uq_copilot_deputy_call_id_institution'))
    )
    with op.batch_alter_table('copilot_deputy', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_copilot_deputy_deputy_id'), ['deputy_id'], unique=False)

    with op.batch_alter_table('decision', schema=None) as batch_op:
        batch_op.add_column(sa.Column('state_validated_as', sa.Enum('copilot', 'deputy', name='state_capacity', native_enum=False, create_constraint=True, length=32), nullable=True))
        batch_op.add_column(sa.Column('region_validated_as', sa.Enum('copilot', 'deputy', name='region_capacity', native_enum=False, create_constraint=True, length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('decision', schema=None) as batch_op:
        batch_op.drop_column('region_validated_as')
        batch_op.drop_column('state_validated_as')

    with op.batch_alter_table('copilot_deputy', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_copilot_deputy_deputy_id'))

    op.drop_table('copilot_deputy')
    op.drop_table('call_derogation')
