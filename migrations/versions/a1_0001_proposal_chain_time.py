"""proposals.chain_time: the time of the chain's last entry

Revision ID: a1_0001_chain_time
Revises: ced913fa8582
Create Date: 2026-11-25 17:40:00

"""
from alembic import op
import sqlalchemy as sa

import votes.models.base


revision = 'a1_0001_chain_time'
down_revision = 'd_0001_verification_outcome'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('proposals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('chain_time', votes.models.base.UTCDateTime(timezone=True),
                                      nullable=True))
    # Existing chains: the last entry's time is its created_at (the time the entry carries).
    op.execute("UPDATE proposals SET chain_time = (SELECT c.created_at FROM chain_entries c "
               "WHERE c.proposal_id = proposals.id AND c.seq = proposals.chain_length - 1) "
               "WHERE chain_length > 0")


def downgrade():
    with op.batch_alter_table('proposals', schema=None) as batch_op:
        batch_op.drop_column('chain_time')
