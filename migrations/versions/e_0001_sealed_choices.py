"""ballots keep their choice sealed (encrypted, with its commitment's salt) until the close

Revision ID: e_0001_sealed_choices
Revises: a1_0001_chain_time
Create Date: 2026-11-25 17:45:00

Existing ballots get their choice encrypted (salt unknown: they were cast before
commitments). A vote still open with ballots cannot be converted — its chain already shows
those choices and has no commitments to reveal at the close — so the upgrade refuses until
it is closed.
"""
import json

import sqlalchemy as sa
from alembic import op

revision = 'e_0001_sealed_choices'
down_revision = "w_0001_witness"
branch_labels = None
depends_on = None

_SEALED_LENGTH = 128  # as votes.services.choices pads them


def upgrade():
    from votes.services import privacy

    conn = op.get_bind()
    open_votes = conn.execute(sa.text(
        "SELECT p.uid FROM proposals p WHERE p.state = 'voting' AND EXISTS "
        "(SELECT 1 FROM ballots b WHERE b.proposal_id = p.id)")).scalars().all()
    if open_votes:
        raise RuntimeError("close these votes before upgrading (their ballots were cast "
                           "before choice commitments): " + ", ".join(open_votes))
    with op.batch_alter_table('ballots', schema=None) as batch_op:
        batch_op.add_column(sa.Column('choice_enc', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('commitment', sa.String(length=64), nullable=True))
    ballots = sa.table('ballots', sa.column('id', sa.Integer), sa.column('choice', sa.String),
                       sa.column('choice_enc', sa.LargeBinary))
    for row_id, choice in conn.execute(sa.select(ballots.c.id, ballots.c.choice)).all():
        text = json.dumps({"choice": choice, "salt": None}, sort_keys=True)
        conn.execute(ballots.update().where(ballots.c.id == row_id)
                     .values(choice_enc=privacy.encrypt(text.ljust(_SEALED_LENGTH))))
    with op.batch_alter_table('ballots', schema=None) as batch_op:
        batch_op.alter_column('choice_enc', existing_type=sa.LargeBinary(), nullable=False)
        batch_op.drop_column('choice')


def downgrade():
    from votes.services import privacy

    conn = op.get_bind()
    with op.batch_alter_table('ballots', schema=None) as batch_op:
        batch_op.add_column(sa.Column('choice', sa.String(length=16), nullable=True))
    ballots = sa.table('ballots', sa.column('id', sa.Integer), sa.column('choice', sa.String),
                       sa.column('choice_enc', sa.LargeBinary))
    for row_id, blob in conn.execute(sa.select(ballots.c.id, ballots.c.choice_enc)).all():
        choice = json.loads(privacy.decrypt(blob))["choice"]
        conn.execute(ballots.update().where(ballots.c.id == row_id).values(choice=choice))
    with op.batch_alter_table('ballots', schema=None) as batch_op:
        batch_op.alter_column('choice', existing_type=sa.String(length=16), nullable=False)
        batch_op.drop_column('commitment')
        batch_op.drop_column('choice_enc')
