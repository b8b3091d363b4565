"""staff session generation; notice codes, SMS cap and lobby failures for owner access

Revision ID: c1_0001
Revises: ced913fa8582
Create Date: 2026-11-25 18:00:00

"""
from alembic import op
import sqlalchemy as sa

import votes.models.base


revision = 'c1_0001'
down_revision = "f_0001_community_contact"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_generation', sa.Integer(), server_default='0',
                                      nullable=False))
    with op.batch_alter_table('voter_access', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notice_code_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('sms_sent', sa.Integer(), server_default='0',
                                      nullable=False))
        batch_op.add_column(sa.Column('sms_window_start',
                                      votes.models.base.UTCDateTime(timezone=True),
                                      nullable=True))
    op.create_table('lobby_failures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('access_id', sa.Integer(), nullable=False),
    sa.Column('client', sa.String(length=64), nullable=False),
    sa.Column('time', votes.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['access_id'], ['voter_access.id'], name=op.f('fk_lobby_failures_access_id_voter_access'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lobby_failures'))
    )
    with op.batch_alter_table('lobby_failures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lobby_failures_access_id'), ['access_id'], unique=False)


def downgrade():
    with op.batch_alter_table('lobby_failures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lobby_failures_access_id'))
    op.drop_table('lobby_failures')
    with op.batch_alter_table('voter_access', schema=None) as batch_op:
        batch_op.drop_column('sms_window_start')
        batch_op.drop_column('sms_sent')
        batch_op.drop_column('notice_code_hash')
    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.drop_column('session_generation')
