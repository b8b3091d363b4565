"""ballots: the chain position of the staff-entered ballot a correction replaces

Revision ID: followup_0001
Revises: money_0001_fund_debits
Create Date: 2026-11-25 20:45:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'followup_0001'
down_revision = 'money_0001_fund_debits'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('ballots', schema=None) as batch_op:
        batch_op.add_column(sa.Column('corrects', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('ballots', schema=None) as batch_op:
        batch_op.drop_column('corrects')
