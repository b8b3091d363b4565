"""verification outcome: verified / failed / in progress (interim bundles)

Revision ID: d_0001_verification_outcome
Revises: ced913fa8582
Create Date: 2026-11-25 18:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'd_0001_verification_outcome'
down_revision = 'c1_0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('verifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('outcome', sa.String(length=16), server_default='failed',
                                      nullable=False))
    op.execute("UPDATE verifications SET outcome = 'verified' WHERE ok")


def downgrade():
    with op.batch_alter_table('verifications', schema=None) as batch_op:
        batch_op.drop_column('outcome')
