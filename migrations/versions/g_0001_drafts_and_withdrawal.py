"""proposals: confirmed publicity schedule, withdrawal time and reason

Revision ID: g_0001_drafts_withdrawal
Revises: a1_0001_chain_time
Create Date: 2026-11-25 18:45:00

"""
from alembic import op
import sqlalchemy as sa

import votes.models.base


revision = 'g_0001_drafts_withdrawal'
down_revision = 'e_0001_sealed_choices'
branch_labels = None
depends_on = None


def upgrade():
    # Existing drafts become unscheduled: none moves to publicity until the committee confirms.
    with op.batch_alter_table('proposals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('publicity_scheduled', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column('withdrawn_at', votes.models.base.UTCDateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('withdraw_reason', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('proposals', schema=None) as batch_op:
        batch_op.drop_column('withdraw_reason')
        batch_op.drop_column('withdrawn_at')
        batch_op.drop_column('publicity_scheduled')
