"""frozen_voters: signed_out_at, when an owner of the voter last signed out

An owner's session cookie was accepted for as long as Flask kept it, and owners had no way
to sign out: on a shared phone the next person opened the owner's pages. An owner may now
sign out (退出登录); since the cookie is the browser's to keep and send again, the time is
recorded with the voter and every owner session signed in before it is refused. Existing
voters never signed out: the column starts empty.

Revision ID: owner_0001
Revises: codes_0001
Create Date: 2026-12-15 10:00:00
"""
import warnings

import sqlalchemy as sa
from alembic import op

import votes.models.base

revision = 'owner_0001'
down_revision = 'codes_0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('frozen_voters', schema=None) as batch_op:
        batch_op.add_column(sa.Column('signed_out_at',
                                      votes.models.base.UTCDateTime(timezone=True),
                                      nullable=True))


def downgrade():
    # SQLite's batch mode copies frozen_voters and reflects the tables its keys refer to;
    # communities' index on lower(code) (codes_0001) is an expression SQLAlchemy cannot
    # reflect and says so. Only frozen_voters is rebuilt, so nothing is lost by it.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Skipped unsupported reflection of "
                                                  "expression-based index")
        with op.batch_alter_table('frozen_voters', schema=None) as batch_op:
            batch_op.drop_column('signed_out_at')
