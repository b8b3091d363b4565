"""canonical unit key: one flat, one key, however it is spelled

Revision ID: c2_0001_unit_key
Revises: ced913fa8582
Create Date: 2026-11-25 17:45:00

"""
from alembic import op
import sqlalchemy as sa

from votes.core.roll import unit_key


revision = 'c2_0001_unit_key'
down_revision = 'a1_0001_chain_time'
branch_labels = None
depends_on = None


def _fill(table: str, group: str) -> None:
    conn = op.get_bind()
    rows = conn.execute(sa.text(
        f"SELECT id, {group}, building, entrance, room FROM {table} ORDER BY id")).all()
    seen: set = set()
    for id_, owner, building, entrance, room in rows:
        key = unit_key(building, entrance or "", room)
        if table == "units" and (owner, key) in seen:
            # A roll imported before this check may hold one flat twice; keep the rows
            # (replacing the roll removes them) but give the later ones a key nobody types.
            key = f"{key}#{id_}"
        seen.add((owner, key))
        conn.execute(sa.text(f"UPDATE {table} SET unit_key = :key WHERE id = :id"),
                     {"key": key, "id": id_})


def upgrade():
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unit_key', sa.String(length=255), nullable=True))
    _fill('units', 'community_id')
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.alter_column('unit_key', existing_type=sa.String(length=255), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_units_community_id_unit_key'),
                                          ['community_id', 'unit_key'])

    with op.batch_alter_table('frozen_units', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unit_key', sa.String(length=255), nullable=True))
    _fill('frozen_units', 'proposal_id')
    with op.batch_alter_table('frozen_units', schema=None) as batch_op:
        batch_op.alter_column('unit_key', existing_type=sa.String(length=255), nullable=False)
        batch_op.create_index(batch_op.f('ix_frozen_units_unit_key'), ['unit_key'], unique=False)


def downgrade():
    with op.batch_alter_table('frozen_units', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_frozen_units_unit_key'))
        batch_op.drop_column('unit_key')
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_units_community_id_unit_key'), type_='unique')
        batch_op.drop_column('unit_key')
