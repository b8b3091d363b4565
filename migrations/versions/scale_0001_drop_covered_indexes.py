"""drop single-column indexes that a unique constraint's leading column already covers

frozen_units, frozen_voters and voter_access each had an index on proposal_id beside their
unique (proposal_id, ...) constraint, units and owners one on community_id beside their
unique (community_id, ...): every look-up they served is served by the constraint's index,
and each costs index upkeep on every row that opening a vote (100,000 rows into each of
the first three) or importing a roll writes.

Revision ID: scale_0001
Revises: rulesa_0001
Create Date: 2026-11-25 20:45:00

"""
from alembic import op


revision = 'scale_0001'
down_revision = 'rulesa_0001'
branch_labels = None
depends_on = None

COVERED = (('frozen_units', 'proposal_id'), ('frozen_voters', 'proposal_id'),
           ('voter_access', 'proposal_id'), ('units', 'community_id'),
           ('owners', 'community_id'))


def upgrade():
    for table, column in COVERED:
        op.drop_index(f'ix_{table}_{column}', table_name=table)


def downgrade():
    for table, column in COVERED:
        op.create_index(f'ix_{table}_{column}', table, [column], unique=False)
