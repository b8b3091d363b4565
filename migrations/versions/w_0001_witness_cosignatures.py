"""witness_cosignatures: independent witnesses' cosigned chain heads

Revision ID: w_0001_witness
Revises: a1_0001_chain_time
Create Date: 2026-11-25 18:50:00
"""
from alembic import op
import sqlalchemy as sa

import votes.models.base


revision = 'w_0001_witness'
down_revision = 'c2_0001_unit_key'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'witness_cosignatures',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('proposal_id', sa.Integer(), nullable=False),
        sa.Column('witness', sa.String(length=40), nullable=False),
        sa.Column('length', sa.Integer(), nullable=False),
        sa.Column('head', sa.String(length=64), nullable=False),
        sa.Column('signed_at', votes.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column('line', sa.Text(), nullable=False),
        sa.Column('received_at', votes.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['proposal_id'], ['proposals.id'],
                                name=op.f('fk_witness_cosignatures_proposal_id_proposals'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_witness_cosignatures')),
        sa.UniqueConstraint('proposal_id', 'witness', 'length',
                            name=op.f('uq_witness_cosignatures_proposal_id_witness_length')),
    )
    with op.batch_alter_table('witness_cosignatures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_witness_cosignatures_proposal_id'),
                              ['proposal_id'], unique=False)


def downgrade():
    with op.batch_alter_table('witness_cosignatures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_witness_cosignatures_proposal_id'))
    op.drop_table('witness_cosignatures')
