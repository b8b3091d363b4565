"""ballots: the digest of a staff-entered ballot's signed form, indexed per proposal

One scanned form attached to several voters' paper ballots let a clerk make up ballots for
many owners from one real signature. The app now refuses a form already attached to another
voter's ballot of the same proposal (votes/services/ballot_forms.py); to find it without
reading every chain entry, each ballot keeps the form's digest its entry carries. Existing
staff-entered ballots get theirs from their chain entries.

Revision ID: forms_0001
Revises: signin_0002
Create Date: 2026-12-04 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = 'forms_0001'
down_revision = 'signin_0002'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('ballots', schema=None) as batch_op:
        batch_op.add_column(sa.Column('evidence', sa.String(length=64), nullable=True))
    # One statement, not a round trip per ballot: on PostgreSQL the ADD COLUMN above holds
    # ballots exclusively until the upgrade commits, so every cast waits for this fill.
    if op.get_bind().dialect.name == "postgresql":
        digest = "CAST(c.line AS json) #>> '{entry,body,evidence}'"
    else:
        digest = "json_extract(c.line, '$.entry.body.evidence')"
    op.execute(f"UPDATE ballots SET evidence = (SELECT NULLIF({digest}, '') "
               "FROM chain_entries c WHERE c.proposal_id = ballots.proposal_id "
               "AND c.seq = ballots.seq) WHERE channel != 'online'")
    op.create_index('ix_ballots_proposal_evidence', 'ballots', ['proposal_id', 'evidence'],
                    unique=False, postgresql_where=sa.text('evidence IS NOT NULL'),
                    sqlite_where=sa.text('evidence IS NOT NULL'))


def downgrade():
    op.drop_index('ix_ballots_proposal_evidence', table_name='ballots')
    with op.batch_alter_table('ballots', schema=None) as batch_op:
        batch_op.drop_column('evidence')
