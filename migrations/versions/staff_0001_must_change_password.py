"""staff_users.must_change_password: an administrator's password replaced at next sign-in

A password an administrator set is replaced by the member's own at their next sign-in.

Revision ID: staff_0001
Revises: sms_0001
Create Date: 2026-12-12 12:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'staff_0001'
down_revision = 'sms_0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('must_change_password', sa.Boolean(),
                                      server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.drop_column('must_change_password')
