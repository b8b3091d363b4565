"""objections: the salts of the chain's commitments to objection and answer texts

The chain bound each text by its plain SHA-256, which stays public after the committee
withdraws the text from publication: a short text, or the name or number it was withdrawn
for, is found again by hashing guesses. New entries bind a salted commitment instead
(docs/verification.md §17); its salt is kept here. Existing rows keep their plain digests
on the chain: their salts stay empty.

Revision ID: textsalt_0001
Revises: proxies_0001
Create Date: 2026-11-28 20:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'textsalt_0001'
down_revision = 'proxies_0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('objections', schema=None) as batch_op:
        batch_op.add_column(sa.Column('text_salt', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('answer_salt', sa.String(length=64), nullable=True))


def downgrade():
    # The release before this one reads only plain digests: it would fail on every salted
    # entry (and could not show the text as matching the chain). Refuse as a whole.
    salted = op.get_bind().execute(sa.text(
        "SELECT DISTINCT p.uid FROM objections o JOIN proposals p ON p.id = o.proposal_id "
        "WHERE o.text_salt IS NOT NULL OR o.answer_salt IS NOT NULL "
        "ORDER BY p.uid")).scalars().all()
    if salted:
        raise RuntimeError("objections bound by salted commitments cannot be read by the "
                           "previous release; not downgrading. Votes: " + ", ".join(salted))
    with op.batch_alter_table('objections', schema=None) as batch_op:
        batch_op.drop_column('answer_salt')
        batch_op.drop_column('text_salt')
