"""proposals.voter_keying: how a proposal's freeze named its voters

Voter keys were the owners' keyed ID hashes hashed together, keyed once for the whole
deployment: one owner had the same pseudonym in every vote. Proposals frozen from now on
name their voters under a secret of their own (2); every proposal already in the database
keeps the keys its chain carries (1, the server default).

The column cannot be inferred back from the data (the owners behind a key are encrypted),
so the downgrade keeps the uids of the proposals frozen under their own secret in a table
the previous release does not know (proposal_voter_keying_kept), and this upgrade puts them
back: a round trip marked them all 1, and their owners were then looked up by keys their
chains do not carry. What the previous release freezes uses the old keys: 1 is right there.

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


KEPT = 'proposal_voter_keying_kept'


def upgrade():
    with op.batch_alter_table('proposals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('voter_keying', sa.Integer(), server_default='1',
                                      nullable=False))
    if sa.inspect(op.get_bind()).has_table(KEPT):
        op.execute(f"UPDATE proposals SET voter_keying = 2 "
                   f"WHERE uid IN (SELECT uid FROM {KEPT})")
        op.drop_table(KEPT)


def downgrade():
    # By uid, not id: SQLite may give a deleted row's id to the next proposal.
    op.create_table(KEPT, sa.Column('uid', sa.String(length=32), primary_key=True))
    op.execute(f"INSERT INTO {KEPT} (uid) SELECT uid FROM proposals "
               f"WHERE voter_keying = 2 AND frozen_at IS NOT NULL")
    with op.batch_alter_table('proposals', schema=None) as batch_op:
        batch_op.drop_column('voter_keying')
