"""signin_devices: browsers that signed in to a staff account, exempt from its name's pauses

Revision ID: signin_0002
Revises: signin_0001
Create Date: 2026-12-03 10:00:00
"""
from alembic import op
import sqlalchemy as sa

import votes.models.base


revision = 'signin_0002'
down_revision = 'signin_0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'signin_devices',
        sa.Column('device_hash', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('name_key', sa.String(length=64), nullable=False),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('last_signin', votes.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['staff_users.id'],
                                name=op.f('fk_signin_devices_user_id_staff_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('device_hash', name=op.f('pk_signin_devices')),
    )
    with op.batch_alter_table('signin_devices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_signin_devices_last_signin'), ['last_signin'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_signin_devices_user_id'), ['user_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('signin_devices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_signin_devices_user_id'))
        batch_op.drop_index(batch_op.f('ix_signin_devices_last_signin'))
    op.drop_table('signin_devices')
