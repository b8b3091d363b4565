"""objections: objections filed in the objection period and the committee's answers

Revision ID: rulesb_0001_objections
Revises: followup_0001
Create Date: 2026-11-25 20:40:00
"""
from alembic import op
import sqlalchemy as sa

import votes.models.base


revision = 'rulesb_0001_objections'
down_revision = 'followup_0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'objections',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('proposal_id', sa.Integer(), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('voter_key', sa.String(length=64), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('channel', sa.String(length=16), nullable=False),
        sa.Column('entered_by', sa.String(length=64), nullable=True),
        sa.Column('filed_at', votes.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column('answer_seq', sa.Integer(), nullable=True),
        sa.Column('decision', sa.String(length=16), nullable=True),
        sa.Column('answer_text', sa.Text(), nullable=True),
        sa.Column('answered_by', sa.String(length=64), nullable=True),
        sa.Column('answered_at', votes.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['proposal_id'], ['proposals.id'],
                                name=op.f('fk_objections_proposal_id_proposals'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_objections')),
        sa.UniqueConstraint('proposal_id', 'seq', name=op.f('uq_objections_proposal_id_seq')),
    )
    with op.batch_alter_table('objections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_objections_proposal_id'), ['proposal_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('objections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_objections_proposal_id'))
    op.drop_table('objections')
