"""La Lettre de la MLDS: its issues (numbered, versioned, frozen once published), the sheets each
issue features, its subscribers (double opt-in), and extra headers on outbox mail
(List-Unsubscribe).

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-01 16:05:00
"""
from alembic import op
import sqlalchemy as sa
import portal.db


revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('letter_issue',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), server_default='draft', nullable=False),
    sa.Column('issue_date', sa.Date(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('editorial', sa.Text(), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('corrects_id', sa.Integer(), nullable=True),
    sa.Column('content', sa.JSON(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', portal.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', portal.db.UTCDateTime(), nullable=False),
    sa.Column('published_at', portal.db.UTCDateTime(), nullable=True),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.Column('lock_version', sa.Integer(), nullable=False),
    sa.CheckConstraint("status IN ('draft', 'published')", name=op.f('ck_letter_issue_status_known')),
    sa.CheckConstraint('number > 0 AND version > 0', name=op.f('ck_letter_issue_number_positive')),
    sa.ForeignKeyConstraint(['corrects_id'], ['letter_issue.id'], name=op.f('fk_letter_issue_corrects_id_letter_issue')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_letter_issue_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['published_by_id'], ['user_account.id'], name=op.f('fk_letter_issue_published_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_letter_issue')),
    sa.UniqueConstraint('number', 'version', name=op.f('uq_letter_issue_number_version'))
    )
    with op.batch_alter_table('letter_issue', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_letter_issue_number'), ['number'], unique=False)

    op.create_table('letter_sheet',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('issue_id', sa.Integer(), nullable=False),
    sa.Column('sheet_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['issue_id'], ['letter_issue.id'], name=op.f('fk_letter_sheet_issue_id_letter_issue'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['sheet_id'], ['practice_sheet.id'], name=op.f('fk_letter_sheet_sheet_id_practice_sheet'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_letter_sheet')),
    sa.UniqueConstraint('issue_id', 'sheet_id', name=op.f('uq_letter_sheet_issue_id_sheet_id'))
    )
    op.create_table('letter_subscriber',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('confirm_token_hash', sa.String(length=64), nullable=True),
    sa.Column('confirm_expires_at', portal.db.UTCDateTime(), nullable=True),
    sa.Column('unsubscribe_salt', sa.String(length=32), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', portal.db.UTCDateTime(), nullable=False),
    sa.Column('confirmed_at', portal.db.UTCDateTime(), nullable=True),
    sa.Column('unsubscribed_at', portal.db.UTCDateTime(), nullable=True),
    sa.CheckConstraint("status IN ('pending', 'confirmed', 'unsubscribed')", name=op.f('ck_letter_subscriber_status_known')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_letter_subscriber_user_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_letter_subscriber')),
    sa.UniqueConstraint('confirm_token_hash', name=op.f('uq_letter_subscriber_confirm_token_hash')),
    sa.UniqueConstraint('email', name=op.f('uq_letter_subscriber_email'))
    )
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('headers', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_column('headers')
    op.drop_table('letter_subscriber')
    op.drop_table('letter_sheet')
    with op.batch_alter_table('letter_issue', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_letter_issue_number'))
    op.drop_table('letter_issue')
