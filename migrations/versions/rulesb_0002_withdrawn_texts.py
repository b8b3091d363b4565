"""objections: the reasons an objection's or an answer's text was withdrawn from publication

An objection is free text by an owner and may name people or give a phone number; the
chain carries only its digest, so the committee can take the text off the board and the
result notice without touching the chain (docs/verification.md §17). A reason set means
withdrawn. Existing texts were never withdrawn: the columns start empty.

Revision ID: rulesb_0002
Revises: withdraw_0001
Create Date: 2026-11-27 02:20:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'rulesb_0002'
down_revision = 'withdraw_0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('objections', schema=None) as batch_op:
        batch_op.add_column(sa.Column('text_withdrawn', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('answer_withdrawn', sa.Text(), nullable=True))


def downgrade():
    # The release before this one knows no withdrawal: it would publish every text again,
    # personal data the committee took off the board included. Refuse as a whole.
    withdrawn = op.get_bind().execute(sa.text(
        "SELECT DISTINCT p.uid FROM objections o JOIN proposals p ON p.id = o.proposal_id "
        "WHERE o.text_withdrawn IS NOT NULL OR o.answer_withdrawn IS NOT NULL "
        "ORDER BY p.uid")).scalars().all()
    if withdrawn:
        raise RuntimeError("texts withdrawn from publication would be published again by "
                           "the previous release; not downgrading. Votes: "
                           + ", ".join(withdrawn))
    with op.batch_alter_table('objections', schema=None) as batch_op:
        batch_op.drop_column('answer_withdrawn')
        batch_op.drop_column('text_withdrawn')
