"""drop the proposal_id indexes that a unique (proposal_id, ...) constraint already covers

ballots, chain_entries, device_keys, evidence, fund_debits, objections, proxy_records,
transfers and witness_cosignatures each kept an index on proposal_id beside a unique
constraint that proposal_id leads (scale_0001 dropped the same pair on other tables).
Every look-up by proposal is served by the constraint's index. Each cast inserts a ballot
and a chain entry while it holds the proposal's lock, and paid for the extra index of both
there. While the ballots table had no statistics (a new database, until autovacuum's first
analyze), the owner pages' look-up of one voter's ballots (proposal_id and voter_key) was
planned on ix_ballots_proposal_id: a scan of every ballot of the proposal, filtered.

Revision ID: scale_0002
Revises: keys_0001
Create Date: 2026-11-26 12:00:00

"""
from alembic import op


revision = 'scale_0002'
down_revision = 'keys_0001'
branch_labels = None
depends_on = None

COVERED = ('ballots', 'chain_entries', 'device_keys', 'evidence', 'fund_debits', 'objections',
           'proxy_records', 'transfers', 'witness_cosignatures')


def upgrade():
    for table in COVERED:
        op.drop_index(f'ix_{table}_proposal_id', table_name=table)


def downgrade():
    for table in COVERED:
        op.create_index(f'ix_{table}_proposal_id', table, ['proposal_id'], unique=False)
