"""fund_debits.low may be null: a unit's top-up (续筹) is unknown without its first deposit

A first deposit of 0 made 30 % of it 0, and such a unit was stored as needing no top-up.
Rows already stored keep what they say: the first deposit their settlement read is not
kept, and the unit's row of today may be another roll's.

Revision ID: money_0002
Revises: rulesb_0002
Create Date: 2026-11-27 12:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'money_0002'
down_revision = 'rulesb_0002'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('fund_debits', schema=None) as batch_op:
        batch_op.alter_column('low', existing_type=sa.Boolean(), nullable=True)


def downgrade():
    op.execute("UPDATE fund_debits SET low = false WHERE low IS NULL")
    with op.batch_alter_table('fund_debits', schema=None) as batch_op:
        batch_op.alter_column('low', existing_type=sa.Boolean(), nullable=False)
