"""community: committee name and contact phone for printed notices

Revision ID: f_0001_community_contact
Revises: ced913fa8582
"""
from alembic import op
import sqlalchemy as sa

revision = "f_0001_community_contact"
down_revision = "ced913fa8582"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("communities", schema=None) as batch_op:
        batch_op.add_column(sa.Column("committee_name", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("contact_phone", sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table("communities", schema=None) as batch_op:
        batch_op.drop_column("contact_phone")
        batch_op.drop_column("committee_name")
