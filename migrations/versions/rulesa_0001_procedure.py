"""rules of procedure: unit kinds, proxy records, transfers during the vote

Revision ID: rulesa_0001
Revises: rulesb_0001_objections
Create Date: 2026-11-25 20:40:00
"""
from alembic import op
import sqlalchemy as sa

import votes.models.base


revision = 'rulesa_0001'
down_revision = 'rulesb_0001_objections'
branch_labels = None
depends_on = None


def upgrade():
    for table in ('units', 'frozen_units'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('kind', sa.String(length=16), nullable=False,
                                          server_default='dwelling'))
    op.create_table(
        'proxy_records',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('proposal_id', sa.Integer(), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('voter_key', sa.String(length=64), nullable=False),
        sa.Column('holder', sa.String(length=64), nullable=False),
        sa.Column('name_enc', sa.LargeBinary(), nullable=False),
        sa.Column('id_enc', sa.LargeBinary(), nullable=False),
        sa.Column('company_staff', sa.Boolean(), nullable=False),
        sa.Column('authorisation', sa.String(length=64), nullable=False),
        sa.Column('entered_by', sa.String(length=64), nullable=False),
        sa.Column('created_at', votes.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['proposal_id'], ['proposals.id'],
                                name=op.f('fk_proxy_records_proposal_id_proposals'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_proxy_records')),
        sa.UniqueConstraint('proposal_id', 'seq', name=op.f('uq_proxy_records_proposal_id_seq')),
    )
    with op.batch_alter_table('proxy_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proxy_records_proposal_id'), ['proposal_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_proxy_records_holder'), ['holder'], unique=False)
    op.create_table(
        'transfers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('proposal_id', sa.Integer(), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('voter_key', sa.String(length=64), nullable=False),
        sa.Column('buyer_name_enc', sa.LargeBinary(), nullable=False),
        sa.Column('buyer_id_enc', sa.LargeBinary(), nullable=False),
        sa.Column('evidence', sa.String(length=64), nullable=False),
        sa.Column('superseded_seq', sa.Integer(), nullable=True),
        sa.Column('entered_by', sa.String(length=64), nullable=False),
        sa.Column('created_at', votes.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['proposal_id'], ['proposals.id'],
                                name=op.f('fk_transfers_proposal_id_proposals'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_transfers')),
        sa.UniqueConstraint('proposal_id', 'seq', name=op.f('uq_transfers_proposal_id_seq')),
    )
    with op.batch_alter_table('transfers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_transfers_proposal_id'), ['proposal_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_transfers_voter_key'), ['voter_key'], unique=False)


def downgrade():
    op.drop_table('transfers')
    op.drop_table('proxy_records')
    for table in ('frozen_units', 'units'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('kind')
