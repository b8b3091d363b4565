"""signin_throttles: failed staff sign-ins per login name, shared by every worker and host

Revision ID: signin_0001
Revises: scale_0002
Create Date: 2026-12-02 10:00:00
"""
from alembic import op
import sqlalchemy as sa

import votes.models.base


revision = 'signin_0001'
down_revision = 'scale_0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'signin_throttles',
        sa.Column('name_key', sa.String(length=64), nullable=False),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('window_start', votes.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column('locks', sa.Integer(), nullable=False),
        sa.Column('locked_until', votes.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column('last_failure', votes.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('name_key', name=op.f('pk_signin_throttles')),
    )
    with op.batch_alter_table('signin_throttles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_signin_throttles_last_failure'), ['last_failure'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('signin_throttles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_signin_throttles_last_failure'))
    op.drop_table('signin_throttles')
