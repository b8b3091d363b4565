"""voter_access: the codes the lobby poster path asked for a voter in the current day

The poster path was held to 3 codes an hour per voter and nothing more (72 texts a day to
one owner's phone); it is now held to LOBBY_SMS_DAILY a day as well.

Revision ID: sms_0001
Revises: money_0002
Create Date: 2026-12-10 12:00:00
"""
import sqlalchemy as sa
from alembic import op

import votes.models.base

revision = 'sms_0001'
down_revision = 'money_0002'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('voter_access', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lobby_sms_sent', sa.Integer(), server_default='0',
                                      nullable=False))
        batch_op.add_column(sa.Column('lobby_sms_day_start',
                                      votes.models.base.UTCDateTime(timezone=True),
                                      nullable=True))


def downgrade():
    with op.batch_alter_table('voter_access', schema=None) as batch_op:
        batch_op.drop_column('lobby_sms_day_start')
        batch_op.drop_column('lobby_sms_sent')
