"""sms_phone_counts: the SMS codes one phone number received in its current day

One number can be the contact of many flats and be on every proposal's roll, so each
voter's own allowance let strangers at the lobby poster send it codes without a bound
that held for the number; it is now counted per number (under a keyed hash) as well.

Revision ID: sms_0002
Revises: staff_0001
Create Date: 2026-12-12 12:00:00
"""
import sqlalchemy as sa
from alembic import op

import votes.models.base

revision = 'sms_0002'
down_revision = 'staff_0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'sms_phone_counts',
        sa.Column('phone_key', sa.String(length=64), nullable=False),
        sa.Column('sent', sa.Integer(), nullable=False),
        sa.Column('day_start', votes.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('phone_key', name=op.f('pk_sms_phone_counts')),
    )
    with op.batch_alter_table('sms_phone_counts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sms_phone_counts_day_start'), ['day_start'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('sms_phone_counts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sms_phone_counts_day_start'))
    op.drop_table('sms_phone_counts')
