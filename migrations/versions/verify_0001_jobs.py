"""verifications: a job's state, stage and heartbeat; at most one running a proposal

验证导出包 ran the exporter and the verifier in the request: a large community's took
longer than the proxy waits (60 s), so the regulator got a gateway timeout and no result,
and a second click ran it twice. The click now records a running verification, which a
thread of the worker carries out, beating its heartbeat; the page follows it. A partial
unique index refuses a second running job of a proposal whichever worker or host took it.
Rows already there are finished verifications (done).

Revision ID: verify_0001
Revises: pseud_0001
Create Date: 2026-12-14 10:00:00
"""
import sqlalchemy as sa
from alembic import op

import votes.models.base

revision = 'verify_0001'
down_revision = 'pseud_0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('verifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('state', sa.String(length=16), server_default='done',
                                      nullable=False))
        batch_op.add_column(sa.Column('stage', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('started_at', votes.models.base.UTCDateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('heartbeat_at',
                                      votes.models.base.UTCDateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('summary', sa.Text(), nullable=True))
    op.create_index('uq_verifications_one_running', 'verifications', ['proposal_id'],
                    unique=True, postgresql_where=sa.text("state = 'running'"),
                    sqlite_where=sa.text("state = 'running'"))


def downgrade():
    # A job still running is lost with its columns: what is left of it is no verification.
    op.execute("DELETE FROM verifications WHERE state <> 'done'")
    op.drop_index('uq_verifications_one_running', table_name='verifications')
    with op.batch_alter_table('verifications', schema=None) as batch_op:
        batch_op.drop_column('summary')
        batch_op.drop_column('heartbeat_at')
        batch_op.drop_column('started_at')
        batch_op.drop_column('stage')
        batch_op.drop_column('state')
