"""units.first_deposit; fund_debits: each unit's debit at a proposal's settlement

Revision ID: money_0001_fund_debits
Revises: g_0001_drafts_withdrawal
Create Date: 2026-11-25 20:30:00

"""
from alembic import op
import sqlalchemy as sa

import votes.models.base


revision = 'money_0001_fund_debits'
down_revision = 'g_0001_drafts_withdrawal'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.add_column(sa.Column('first_deposit', sa.BigInteger(), nullable=True))
    op.create_table(
        'fund_debits',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('proposal_id', sa.Integer(), nullable=False),
        sa.Column('unit_key', sa.String(length=255), nullable=False),
        sa.Column('building', sa.String(length=64), nullable=False),
        sa.Column('entrance', sa.String(length=64), nullable=False),
        sa.Column('room', sa.String(length=64), nullable=False),
        sa.Column('area', sa.BigInteger(), nullable=False),
        sa.Column('share', sa.BigInteger(), nullable=False),
        sa.Column('debited', sa.BigInteger(), nullable=False),
        sa.Column('balance_before', sa.BigInteger(), nullable=True),
        sa.Column('balance_after', sa.BigInteger(), nullable=True),
        sa.Column('shortfall', sa.BigInteger(), nullable=False),
        sa.Column('low', sa.Boolean(), nullable=False),
        sa.Column('created_at', votes.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['proposal_id'], ['proposals.id'],
                                name=op.f('fk_fund_debits_proposal_id_proposals'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_fund_debits')),
        sa.UniqueConstraint('proposal_id', 'unit_key',
                            name=op.f('uq_fund_debits_proposal_id_unit_key')),
    )
    with op.batch_alter_table('fund_debits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fund_debits_proposal_id'), ['proposal_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('fund_debits', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fund_debits_proposal_id'))
    op.drop_table('fund_debits')
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.drop_column('first_deposit')
