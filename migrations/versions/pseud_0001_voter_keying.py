"""proposals.voter_keying: how a proposal's freeze named its voters

Voter keys were the owners' keyed ID hashes hashed together, keyed once for the whole
deployment: one owner had the same pseudonym in every vote. Proposals frozen from now on
name their voters under a secret of their own (2); every proposal already in the database
keeps the keys its chain carries (1, the server default).

Revision ID: pseud_0001
Revises: sms_0002
Create Date: 2026-12-20 12:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'pseud_0001'
down_revision = 'sms_0002'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('proposals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('voter_keying', sa.Integer(), server_default='1',
                                      nullable=False))


def downgrade():
    with op.batch_alter_table('proposals', schema=None) as batch_op:
        batch_op.drop_column('voter_keying')
