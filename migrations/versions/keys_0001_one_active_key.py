"""server_keys: at most one active key (a partial unique index)

Two transactions that each made a key at once (two proposals opening on a fresh install,
or two rotations) both left theirs active, and every cast, which reads the one active key,
failed from then on. Key creation now takes a lock (votes/services/keys.py); this index
refuses a second active key whatever happens. Where a database already holds several, the
newest stays active.

Revision ID: keys_0001
Revises: scale_0001
Create Date: 2026-11-26 10:20:00

"""
import sqlalchemy as sa
from alembic import op


revision = 'keys_0001'
down_revision = 'scale_0001'
branch_labels = None
depends_on = None


def upgrade():
    keys = sa.table('server_keys', sa.column('key_id', sa.String), sa.column('active', sa.Boolean),
                    sa.column('created_at', sa.DateTime))
    newest = sa.select(keys.c.key_id).where(keys.c.active.is_(True)) \
        .order_by(keys.c.created_at.desc(), keys.c.key_id.desc()).limit(1).scalar_subquery()
    op.execute(keys.update().where(keys.c.active.is_(True), keys.c.key_id != newest)
               .values(active=False))
    op.create_index('uq_server_keys_one_active', 'server_keys', ['active'], unique=True,
                    postgresql_where=sa.text('active'), sqlite_where=sa.text('active'))


def downgrade():
    op.drop_index('uq_server_keys_one_active', table_name='server_keys')
