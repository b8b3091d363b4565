"""A roll confirm of a large community takes seconds to tens of seconds. A member who clicks
again, or reloads, while it runs is told at once that the roll is being imported (not held
behind the first, then told it was imported), and follows it on a page that refreshes itself
until it ends on the result; a confirm cut off halfway (the process gone, the database
connection lost while the rows go in) leaves the roll as it was and the preview to confirm
again."""

from __future__ import annotations

import hashlib
import io
import os
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from tests.factories import make_roll_csv, make_row
from tests.staff_world import build, preview_roll, sign_in


@pytest.fixture
def world(app, runner, tmp_path):
    return build(app, runner, tmp_path)


def _status_url(token: str) -> str:
    return f"/committee/c/SUN/roll/import/{hashlib.sha256(token.encode()).hexdigest()[:32]}"


def _rooms(app) -> set[str]:
    from votes.extensions import db
    from votes.models import Community, Unit

    with app.app_context():
        return set(db.session.scalars(select(Unit.room).join(Community).where(
            Community.code == "SUN")))


def _owners(app) -> int:
    from votes.extensions import db
    from votes.models import Community, Owner

    with app.app_context():
        return len(list(db.session.scalars(select(Owner.id).join(Community).where(
            Community.code == "SUN"))))


def _imports(app) -> int:
    from votes.extensions import db
    from votes.models import AuditEntry

    with app.app_context():
        return len(list(db.session.scalars(select(AuditEntry.seq).where(
            AuditEntry.action.in_(("roll.import", "roll.replace")),
            AuditEntry.target == "SUN"))))


def _files(app, token: str) -> list[Path]:
    return list((Path(app.instance_path) / "uploads").glob(f"*-{token}-*"))


def _said(client, response) -> str:
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    return page.split('role="alert">')[1].split("</p>")[0]


def test_a_second_confirm_while_the_first_imports_is_told_at_once_and_follows_it(
        app, world, tmp_path, monkeypatch):
    from votes.services import roll_upload

    first, second = app.test_client(), app.test_client()
    for c in (first, second):
        sign_in(c, "sun_committee")
    token = preview_roll(first, tmp_path)
    before = _imports(app)
    started, go = threading.Event(), threading.Event()
    real = roll_upload.import_roll

    def held(*args, **kwargs):
        started.set()
        assert go.wait(30)
        return real(*args, **kwargs)

    monkeypatch.setattr(roll_upload, "import_roll", held)
    out: list = []
    thread = threading.Thread(target=lambda: out.append(first.post(
        "/committee/c/SUN/roll/confirm", data={"token": token})))
    thread.start()
    try:
        assert started.wait(30)
        again = second.post("/committee/c/SUN/roll/confirm", data={"token": token})
        # Not held behind the first: answered while the first is still importing.
        assert not go.is_set()
        assert again.status_code == 303, again.get_data(as_text=True)
        assert again.headers["Location"].endswith(_status_url(token))
        page = second.get(again.headers["Location"])
        html = page.get_data(as_text=True)
        assert page.status_code == 200
        assert "正在导入" in html and "不要" in html and "重复" in html, html
        # It follows the import without a script: a meta refresh to itself.
        assert f'http-equiv="refresh" content="3; url={_status_url(token)}' in html, html
        assert "<script>" not in html
        english = second.get(_status_url(token) + "?lang=en").get_data(as_text=True)
        assert "being imported" in english, english
        second.get(_status_url(token) + "?lang=zh_CN")
    finally:
        go.set()
        thread.join(60)
    assert out[0].status_code == 302, out[0].get_data(as_text=True)
    assert "已替换业主名册" in _said(first, out[0])
    assert _imports(app) == before + 1
    assert _rooms(app) == {"101", "909"}
    # The page it followed now ends on the result: imported, when and by whom.
    done = second.get(_status_url(token))
    assert done.status_code == 302 and done.headers["Location"].endswith("/committee/c/SUN#roll")
    said = _said(second, done)
    assert "已于" in said and "sun_committee" in said, said
    assert _files(app, token) == []


def test_a_confirm_cut_off_while_the_rows_go_in_leaves_the_roll_as_it_was(
        app, world, client, tmp_path, monkeypatch):
    """The connection lost after the owners and units were written, before the ownerships:
    nothing of the new roll stays, the old one is whole, and the preview is confirmed again."""
    from votes.services import roll_import

    sign_in(client, "sun_committee")
    token = preview_roll(client, tmp_path)
    rooms, owners, imports = _rooms(app), _owners(app), _imports(app)
    real, calls = roll_import.insert_rows, []

    def dropped(session, table, rows):
        calls.append(table.name)
        if table.name == "ownerships":
            raise OperationalError("INSERT INTO ownerships …", {},
                                   Exception("server closed the connection unexpectedly"))
        return real(session, table, rows)

    with monkeypatch.context() as m:
        m.setattr(roll_import, "insert_rows", dropped)
        failed = client.post("/committee/c/SUN/roll/confirm", data={"token": token})
    html = failed.get_data(as_text=True)
    assert calls[-1] == "ownerships" and len(calls) == 3  # owners and units went in first
    assert failed.status_code == 400 and "名册未导入" in html and "Traceback" not in html, html
    assert (_rooms(app), _owners(app), _imports(app)) == (rooms, owners, imports)
    status = client.get(_status_url(token)).get_data(as_text=True)
    assert "名册未导入" in status and "再次确认" in status, status
    assert "http-equiv" not in status

    again = client.post("/committee/c/SUN/roll/confirm", data={"token": token})
    assert again.status_code == 302, again.get_data(as_text=True)
    assert _rooms(app) == {"101", "909"} and _imports(app) == imports + 1


def test_a_confirm_whose_process_died_is_shown_interrupted_and_confirmed_again(
        app, world, client, tmp_path):
    """The worker killed mid-import (a restart, out of memory): its transaction is gone
    with it, the preview it had claimed stays, and after a while it is not taken as still
    importing: the page says so and the confirm runs again."""
    from votes.services import roll_upload

    sign_in(client, "sun_committee")
    token = preview_roll(client, tmp_path)
    rooms, imports = _rooms(app), _imports(app)
    [waiting] = _files(app, token)
    claimed = waiting.with_name(waiting.name + ".importing")
    os.rename(waiting, claimed)  # as a confirm claims it, and then the process was killed

    fresh = client.get(_status_url(token)).get_data(as_text=True)
    assert "正在导入" in fresh  # just claimed: the import may still be running
    told = client.post("/committee/c/SUN/roll/confirm", data={"token": token})
    assert told.status_code == 303 and _rooms(app) == rooms

    old = time.time() - roll_upload.IMPORT_STALE_SECONDS - 1
    os.utime(claimed, (old, old))
    page = client.get(_status_url(token)).get_data(as_text=True)
    assert "中断" in page and "名册未导入" in page and "http-equiv" not in page, page
    assert _rooms(app) == rooms and _imports(app) == imports

    again = client.post("/committee/c/SUN/roll/confirm", data={"token": token})
    assert again.status_code == 302, again.get_data(as_text=True)
    assert _rooms(app) == {"101", "909"} and _imports(app) == imports + 1
    assert _files(app, token) == []


def test_a_status_page_of_no_preview_says_nothing_was_imported(app, world, client, tmp_path):
    sign_in(client, "sun_committee")
    token = preview_roll(client, tmp_path)
    client.post("/committee/c/SUN/roll/cancel", data={"token": token})
    page = client.get(_status_url(token))
    html = page.get_data(as_text=True)
    assert page.status_code == 404 and "名册未导入" in html and "重新上传" in html, html
    assert client.get("/committee/c/SUN/roll/import/not-a-digest").status_code == 404


def test_a_bad_row_at_the_end_of_a_large_roll_imports_nothing(app, world, client, tmp_path):
    sign_in(client, "sun_committee")
    rows = [make_row(building=str(i // 100 + 1), room=str(i % 100 + 101),
                     owner_name=f"业主{i}", owner_id=f"ID{i:08d}X") for i in range(20000)]
    rows[-1]["area"] = "九十"
    roll = make_roll_csv(tmp_path / "big.csv", rows)
    rooms, owners = _rooms(app), _owners(app)
    page = client.post("/committee/c/SUN/roll/preview", data={
        "file": (io.BytesIO(roll.read_bytes()), "big.csv")}).get_data(as_text=True)
    assert 'name="token"' not in page and "20001" in page, page[:2000]
    assert (_rooms(app), _owners(app)) == (rooms, owners)
    assert list((Path(app.instance_path) / "uploads").glob("*.enc*")) == []


def test_the_page_following_an_import_says_its_stage_and_how_long_it_has_run(
        app, world, tmp_path, monkeypatch):
    from votes.services import roll_upload

    first, second = app.test_client(), app.test_client()
    for c in (first, second):
        sign_in(c, "sun_committee")
    token = preview_roll(first, tmp_path)
    checking, to_write, writing, go = (threading.Event() for _ in range(4))
    real = roll_upload.import_roll

    def held(*args, progress, **kwargs):
        checking.set()
        assert to_write.wait(30)
        steps = iter(range(2))

        def told(words):
            progress(words)
            if next(steps) == 1:  # the rows checked, before they are written
                writing.set()
                assert go.wait(30)
        return real(*args, progress=told, **kwargs)

    monkeypatch.setattr(roll_upload, "import_roll", held)
    thread = threading.Thread(target=lambda: first.post("/committee/c/SUN/roll/confirm",
                                                        data={"token": token}))
    thread.start()
    try:
        assert checking.wait(30)
        page = second.get(_status_url(token)).get_data(as_text=True)
        assert "正在检查名册各行" in page and "已进行" in page and "正在写入" not in page, page
        to_write.set()
        assert writing.wait(30)
        page = second.get(_status_url(token)).get_data(as_text=True)
        assert "正在写入数据库" in page and "已进行" in page, page
    finally:
        to_write.set()
        go.set()
        thread.join(60)
    assert second.get(_status_url(token)).status_code == 302
    assert _files(app, token) == []
