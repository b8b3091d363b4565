"""A roll preview whose confirm fails for a reason not the file's is kept.

The committee uploads the roll, reads the preview and confirms; a freeze holding the
community's lock past the database's lock timeout (or a database not answering) failed the
import, and the preview's file was deleted all the same: the committee had to find the file
and upload it again. It is kept (within its hour) for the confirm to be clicked again; a
file refused, or imported, goes."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from tests.staff_world import build, preview_roll, sign_in


@pytest.fixture
def world(app, runner, tmp_path):
    return build(app, runner, tmp_path)


def _waiting(app, token: str) -> list[Path]:
    return list((Path(app.instance_path) / "uploads").glob(f"*-{token}-*.enc"))


def _rooms(app) -> set[str]:
    from votes.extensions import db
    from votes.models import Community, Unit

    with app.app_context():
        return set(db.session.scalars(select(Unit.room).join(Community).where(
            Community.code == "SUN")))


def _lock_timeout(*args, **kwargs):
    raise OperationalError("SELECT … FOR NO KEY UPDATE", {},
                           Exception("canceling statement due to lock timeout"))


def test_a_confirm_the_database_failed_keeps_the_preview_for_another_click(
        app, world, client, tmp_path, monkeypatch):
    from votes.services import roll_import

    sign_in(client, "sun_committee")
    token = preview_roll(client, tmp_path)
    before = _rooms(app)
    with monkeypatch.context() as m:
        m.setattr(roll_import, "lock_community", _lock_timeout)
        failed = client.post("/committee/c/SUN/roll/confirm", data={"token": token})
    page = failed.get_data(as_text=True)
    assert failed.status_code == 400, page
    assert "名册未导入" in page and "无法访问数据库" in page and "再次确认" in page, page
    assert "Traceback" not in page
    assert _rooms(app) == before  # nothing half-done
    assert len(_waiting(app, token)) == 1

    again = client.post("/committee/c/SUN/roll/confirm", data={"token": token})
    assert again.status_code == 302, again.get_data(as_text=True)
    assert _rooms(app) == {"101", "909"}
    assert _waiting(app, token) == []  # imported: gone


def test_a_preview_whose_file_is_refused_at_confirm_is_deleted(app, world, client, tmp_path):
    sign_in(client, "sun_committee")
    token = preview_roll(client, tmp_path)
    (stored,) = _waiting(app, token)
    stored.write_bytes(b"damaged")
    refused = client.post("/committee/c/SUN/roll/confirm", data={"token": token})
    assert refused.status_code == 400 and "失效" in refused.get_data(as_text=True)
    assert _waiting(app, token) == []
