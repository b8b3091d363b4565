"""Issue 9.5: upgrading a database whose roll already holds one flat twice keeps working."""

from __future__ import annotations

from sqlalchemy import text

from tests.conftest import TEST_CONFIG
from votes import create_app


def test_existing_rolls_get_keys_and_old_duplicates_do_not_block_the_upgrade(tmp_path):
    from flask_migrate import upgrade

    app = create_app({**TEST_CONFIG, "DATABASE_URL": f"sqlite:///{tmp_path / 'old.sqlite3'}",
                      "INSTANCE_PATH": str(tmp_path / "instance")})
    with app.app_context():
        from votes.extensions import db

        upgrade(revision="c2_0001_unit_key-1")
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO communities (id, code, name, rules, created_at) "
                              "VALUES (1, 'A', 'a', '{}', '2026-01-01 00:00:00')"))
            for i, (b, e, r) in enumerate([("1", "1", "101"), ("1号楼", "1单元", "101"),
                                           ("２", "", "0201室")], start=1):
                conn.execute(text(
                    "INSERT INTO units (id, community_id, building, entrance, room, area, "
                    "area_basis) VALUES (:i, 1, :b, :e, :r, 100, 'registered')"),
                    {"i": i, "b": b, "e": e, "r": r})
        upgrade()
        with db.engine.begin() as conn:
            keys = conn.execute(text("SELECT id, unit_key FROM units ORDER BY id")).all()
        db.engine.dispose()
    assert keys == [(1, "1/1/101"), (2, "1/1/101#2"), (3, "2//201")]
