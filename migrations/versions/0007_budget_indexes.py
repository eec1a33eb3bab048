"""budget indexes: an object's audit trail (refused commitments), agreements by report due date

Revision ID: 0007
Revises: 0011
Create Date: 2026-12-01 13:05:00

Found with EXPLAIN on PostgreSQL at 2,000 funded dossiers (bench/funding.py): the commitments
list looked up `commitment_refused` events by a sequential scan of `audit_event` (indexed on `id`
and `at` only), and the late reports are agreements whose report was due before today.
"""
from alembic import op


revision = '0007'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        'ix_audit_event_object', 'audit_event', ['object_type', 'object_id', 'action'], unique=False
    )
    op.create_index(
        op.f('ix_grant_agreement_report_due_on'), 'grant_agreement', ['report_due_on'], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f('ix_grant_agreement_report_due_on'), table_name='grant_agreement')
    op.drop_index('ix_audit_event_object', table_name='audit_event')
