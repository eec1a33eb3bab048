"""labels: the call office labels its dossiers

Revision ID: 0010
Revises: 0008
Create Date: 2026-12-01 12:45:18
"""
from alembic import op
import sqlalchemy as sa
import portal.db


revision = '0010'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('dossier_label',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', portal.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['call_id'], ['call.id'], name=op.f('fk_dossier_label_call_id_call'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_dossier_label_created_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dossier_label')),
    sa.UniqueConstraint('call_id', 'name', name=op.f('uq_dossier_label_call_id_name'))
    )
    with op.batch_alter_table('dossier_label', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dossier_label_call_id'), ['call_id'], unique=False)

    op.create_table('dossier_label_link',
    sa.Column('dossier_id', sa.Integer(), nullable=False),
    sa.Column('label_id', sa.Integer(), nullable=False),
    sa.Column('set_by_id', sa.Integer(), nullable=False),
    sa.Column('set_at', portal.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['dossier_id'], ['dossier.id'], name=op.f('fk_dossier_label_link_dossier_id_dossier'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['label_id'], ['dossier_label.id'], name=op.f('fk_dossier_label_link_label_id_dossier_label'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['set_by_id'], ['user_account.id'], name=op.f('fk_dossier_label_link_set_by_id_user_account')),
    sa.PrimaryKeyConstraint('dossier_id', 'label_id', name=op.f('pk_dossier_label_link'))
    )
    with op.batch_alter_table('dossier_label_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dossier_label_link_label_id'), ['label_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('dossier_label_link', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dossier_label_link_label_id'))

    op.drop_table('dossier_label_link')
    with op.batch_alter_table('dossier_label', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dossier_label_call_id'))

    op.drop_table('dossier_label')
