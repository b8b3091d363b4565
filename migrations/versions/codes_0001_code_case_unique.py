"""communities: a code unique whatever its case, in the database

moon beside MOON were two estates no reader could tell apart (codes are typed by hand, and
in addresses). The service refused them, but only in Python: a writer that does not take
its lock (another program's insert, a restore) could still add one. A unique index on
lower(code) refuses it in the database. A database already holding two such codes stops
the upgrade, naming them: which one to rename is the operator's choice.

Revision ID: codes_0001
Revises: verify_0001
Create Date: 2026-12-28 10:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'codes_0001'
down_revision = 'verify_0001'
branch_labels = None
depends_on = None

INDEX = 'uq_communities_code_lower'


def upgrade():
    # lower() of the database the index uses, so the check finds exactly what it refuses.
    codes = op.get_bind().execute(sa.text(
        "SELECT code FROM communities WHERE lower(code) IN (SELECT lower(code) FROM "
        "communities GROUP BY lower(code) HAVING count(*) > 1) "
        "ORDER BY lower(code), code")).scalars().all()
    if codes:
        raise RuntimeError("community codes differing only in case, which the unique index "
                           "on lower(code) would refuse: " + ", ".join(codes) + ". Not "
                           "upgrading; change all but one of each (UPDATE communities SET "
                           "code = ... WHERE code = ...) and upgrade again")
    op.create_index(INDEX, 'communities', [sa.text('lower(code)')], unique=True)


def downgrade():
    op.drop_index(INDEX, table_name='communities')
