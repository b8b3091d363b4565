"""visits: mobile and ID numbers in notes kept before they were masked, masked now

A visit note is listed on the non-voters page and written into the sheet handed to
door-knockers; notes are now masked before they are kept (votes.core.identity.mask_in_text,
as objections and payment notes). Notes kept by earlier releases are masked the same way
here. The numbers are not kept anywhere else: the downgrade cannot bring them back, and
leaves the masked notes as they are.

Revision ID: visitmask_0001
Revises: textsalt_0001
Create Date: 2026-11-28 20:40:00
"""
import sqlalchemy as sa
from alembic import op

from votes.core.identity import mask_in_text

revision = 'visitmask_0001'
down_revision = 'textsalt_0001'
branch_labels = None
depends_on = None


def upgrade():
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, note FROM visits WHERE note IS NOT NULL")).all()
    changed = [{"id": i, "note": mask_in_text(n)} for i, n in rows if mask_in_text(n) != n]
    if changed:
        conn.execute(sa.text("UPDATE visits SET note = :note WHERE id = :id"), changed)


def downgrade():
    pass
