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
import json

import sqlalchemy as sa
from alembic import op

revision = 'forms_0001'
down_revision = 'signin_0002'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('ballots', schema=None) as batch_op:
        batch_op.add_column(sa.Column('evidence', sa.String(length=64), nullable=True))
    conn = op.get_bind()
    ballots = sa.table('ballots', sa.column('id', sa.Integer), sa.column('proposal_id', sa.Integer),
                       sa.column('seq', sa.Integer), sa.column('channel', sa.String),
                       sa.column('evidence', sa.String))
    entries = sa.table('chain_entries', sa.column('proposal_id', sa.Integer),
                       sa.column('seq', sa.Integer), sa.column('line', sa.Text))
    rows = conn.execute(
        sa.select(ballots.c.id, entries.c.line)
        .join(entries, (entries.c.proposal_id == ballots.c.proposal_id)
              & (entries.c.seq == ballots.c.seq))
        .where(ballots.c.channel != 'online')).all()
    found = [{"ballot_id": ballot_id,
              "digest": json.loads(line)["entry"]["body"].get("evidence")}
             for ballot_id, line in rows]
    found = [f for f in found if f["digest"]]
    if found:
        conn.execute(ballots.update().where(ballots.c.id == sa.bindparam("ballot_id"))
                     .values(evidence=sa.bindparam("digest")), found)
    op.create_index('ix_ballots_proposal_evidence', 'ballots', ['proposal_id', 'evidence'],
                    unique=False, postgresql_where=sa.text('evidence IS NOT NULL'),
                    sqlite_where=sa.text('evidence IS NOT NULL'))


def downgrade():
    op.drop_index('ix_ballots_proposal_evidence', table_name='ballots')
    with op.batch_alter_table('ballots', schema=None) as batch_op:
        batch_op.drop_column('evidence')
