"""A roll preview confirmed twice: one after the other (a double click, the back button) and
both at the same moment. The roll is replaced once, audited once, and the second click is told
what the first did."""

from __future__ import annotations

import io
import threading

import pytest
from sqlalchemy import select

from tests.factories import make_roll_csv
from tests.staff_world import build, sign_in


@pytest.fixture
def world(app, runner, tmp_path):
    return build(app, runner, tmp_path)


def _preview(client, tmp_path) -> str:
    roll = make_roll_csv(tmp_path / "upload.csv")
    page = client.post("/committee/c/SUN/roll/preview", data={
        "file": (io.BytesIO(roll.read_bytes()), "upload.csv")}).get_data(as_text=True)
    assert "将导入" in page, page
    return page.split('name="token" value="')[1].split('"')[0]


def _roll_entries(app) -> list:
    from votes.extensions import db
    from votes.models import AuditEntry

    with app.app_context():
        return list(db.session.scalars(select(AuditEntry.action).where(
            AuditEntry.action.in_(("roll.import", "roll.replace")),
            AuditEntry.target == "SUN")))


def test_a_second_confirm_says_the_roll_was_imported_when_and_by_whom(app, world, client,
                                                                       tmp_path):
    sign_in(client, "sun_committee")
    token = _preview(client, tmp_path)
    first = client.post("/committee/c/SUN/roll/confirm", data={"token": token})
    assert first.status_code == 302
    client.get(first.headers["Location"])  # its message shown
    before = _roll_entries(app)

    again = client.post("/committee/c/SUN/roll/confirm", data={"token": token})
    assert again.status_code == 302, again.get_data(as_text=True)
    assert again.headers["Location"].endswith("/committee/c/SUN#roll")
    page = client.get(again.headers["Location"]).get_data(as_text=True)
    assert "失效" not in page, page
    from votes.services import clock

    with app.app_context():
        when = clock.local_text(clock.now())
    said = page.split('role="alert">')[1].split("</p>")[0]
    assert "已于" in said and when in said and "sun_committee" in said and "导入" in said, said
    assert 'id="roll"' in page
    assert _roll_entries(app) == before

    # A token never confirmed, its preview gone, is still said to have expired.
    other = _preview(client, tmp_path)
    client.post("/committee/c/SUN/roll/cancel", data={"token": other})
    late = client.post("/committee/c/SUN/roll/confirm", data={"token": other})
    assert late.status_code == 400 and "失效" in late.get_data(as_text=True)


def test_two_confirms_at_the_same_moment_replace_the_roll_once(app, world, tmp_path,
                                                               monkeypatch):
    """Both read the preview file before either imports it: each replaced the roll, and the
    log held two replacements of one file. (The file's claim tells a second click of one
    host apart at once; this is what is left when both get past it, as a claim taken for a
    stopped process's does: the database's lock and log.)"""
    from votes.services import roll_upload

    class Unclaimed:  # both past the file's claim
        def __init__(self, path, upload):
            self.path = path

        def writing(self):
            pass

        def release(self):
            pass

        def drop(self):
            self.path.unlink(missing_ok=True)

    monkeypatch.setattr(roll_upload, "_Claim", Unclaimed)

    clients = [app.test_client(), app.test_client()]
    for c in clients:
        sign_in(c, "sun_committee")
    token = _preview(clients[0], tmp_path)
    before = _roll_entries(app)

    barrier = threading.Barrier(2)
    real = roll_upload.import_roll

    def meet(*args, **kwargs):  # both hold the preview's contents
        try:
            barrier.wait(10)
        except threading.BrokenBarrierError:
            pass  # the other is held further on: the race is decided
        return real(*args, **kwargs)

    monkeypatch.setattr(roll_upload, "import_roll", meet)
    out: list = [None, None]

    def confirm(i):
        try:
            out[i] = clients[i].post("/committee/c/SUN/roll/confirm", data={"token": token})
        except Exception as exc:  # noqa: BLE001 - reported to the test
            out[i] = exc

    threads = [threading.Thread(target=confirm, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not any(t.is_alive() for t in threads)
    assert [getattr(r, "status_code", r) for r in out] == [302, 302], \
        [getattr(r, "get_data", lambda **k: r)(as_text=True) for r in out]
    said = sorted(c.get(r.headers["Location"]).get_data(as_text=True)
                  .split('role="alert">')[1].split("</p>")[0] for c, r in zip(clients, out))
    assert sum("已替换业主名册" in s for s in said) == 1, said
    assert sum("sun_committee" in s and "已于" in s for s in said) == 1, said
    assert len(_roll_entries(app)) == len(before) + 1


def test_two_clicks_at_the_same_moment_import_once_and_the_other_is_told_at_once(
        app, world, tmp_path, monkeypatch):
    """Both clicks find the preview's file; one claims it and imports, the other is sent to
    the page that follows that import, without waiting for it."""
    from votes.services import roll_upload

    clients = [app.test_client(), app.test_client()]
    for c in clients:
        sign_in(c, "sun_committee")
    token = _preview(clients[0], tmp_path)
    before = _roll_entries(app)
    barrier = threading.Barrier(2)
    real = roll_upload._Claim

    def meet(path, upload):  # both found the file, neither has claimed it
        barrier.wait(10)
        return real(path, upload)

    monkeypatch.setattr(roll_upload, "_Claim", meet)
    out: list = [None, None]

    def confirm(i):
        out[i] = clients[i].post("/committee/c/SUN/roll/confirm", data={"token": token})

    threads = [threading.Thread(target=confirm, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(r.status_code for r in out) == [302, 303], \
        [r.get_data(as_text=True) for r in out]
    told = next(r for r in out if r.status_code == 303)
    assert "/committee/c/SUN/roll/import/" in told.headers["Location"]
    assert len(_roll_entries(app)) == len(before) + 1
