"""proxy_records: id_type, the type of the proxy's ID (居民身份证, 护照, ...)

The proxy limit counts a proxy's principals by the proxy's ID number, and any number was
taken: a clerk typing "1", "2", "3" made three more proxies past the limit. A proxy's ID now
has a declared type whose form is checked (votes.core.identity.ID_TYPES). Proxies entered
before have no type: the column starts empty for them, and they read as they did.

Revision ID: proxies_0001
Revises: loginchars_0001
Create Date: 2027-01-20 10:00:00
"""
import warnings

import sqlalchemy as sa
from alembic import op

revision = 'proxies_0001'
down_revision = 'loginchars_0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('proxy_records', schema=None) as batch_op:
        batch_op.add_column(sa.Column('id_type', sa.String(length=16), nullable=True))


def downgrade():
    # SQLite's batch mode copies proxy_records and reflects the tables its keys refer to
    # (as owner_0001's downgrade says); only proxy_records is rebuilt.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Skipped unsupported reflection of "
                                                  "expression-based index")
        with op.batch_alter_table('proxy_records', schema=None) as batch_op:
            batch_op.drop_column('id_type')
