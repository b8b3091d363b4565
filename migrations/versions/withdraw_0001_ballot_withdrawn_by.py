"""ballots: withdrawn_by, the withdrawal entry that took a staff ballot back

A paper ballot typed against the wrong flat made that flat's owner a participant, and a
correction cannot undo that (it leaves a counted ballot). A withdrawal entry now takes such
a ballot back (docs/verification.md §15); the ballot keeps the withdrawal's seq so that the
counts (the voter's counted ballot, max_changes, a proxy's limit, the form it held) need
not read the chain. Existing ballots were never withdrawn: the column starts empty.

Revision ID: withdraw_0001
Revises: forms_0001
Create Date: 2026-12-05 10:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'withdraw_0001'
down_revision = 'forms_0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('ballots', schema=None) as batch_op:
        batch_op.add_column(sa.Column('withdrawn_by', sa.Integer(), nullable=True))


def downgrade():
    # The release before this one knows no withdrawal: it would count a withdrawn ballot
    # again, and close an open vote with a tally its own chain contradicts. Refuse as a whole.
    withdrawn = op.get_bind().execute(sa.text(
        "SELECT DISTINCT p.uid FROM ballots b JOIN proposals p ON p.id = b.proposal_id "
        "WHERE b.withdrawn_by IS NOT NULL ORDER BY p.uid")).scalars().all()
    if withdrawn:
        raise RuntimeError("ballots withdrawn by a withdrawal entry would be counted again by "
                           "the previous release; not downgrading. Votes: "
                           + ", ".join(withdrawn))
    with op.batch_alter_table('ballots', schema=None) as batch_op:
        batch_op.drop_column('withdrawn_by')
