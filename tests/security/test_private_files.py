"""Issue 9.8: personal data and live codes are not left readable in the instance folder."""

from __future__ import annotations

import io
import stat
from datetime import timedelta

import pytest

from tests.conftest import TEST_CONFIG
from tests.factories import make_open_proposal, make_roll_csv, resident_id, voter_token
from tests.staff_world import build, sign_in
from votes import create_app


def _private(path) -> bool:
    return stat.S_IMODE(path.stat().st_mode) & 0o077 == 0


@pytest.fixture
def world(app, runner, tmp_path):
    return build(app, runner, tmp_path)


def _preview(client, tmp_path) -> str:
    roll = make_roll_csv(tmp_path / "upload.csv")
    r = client.post("/committee/c/SUN/roll/preview",
                    data={"file": (io.BytesIO(roll.read_bytes()), "upload.csv")})
    page = r.get_data(as_text=True)
    assert "将导入" in page, page
    return page.split('name="token" value="')[1].split('"')[0]


def test_roll_previews_are_encrypted_private_and_short_lived(app, world, client, runner,
                                                             tmp_path):
    uploads = tmp_path / "instance" / "uploads"
    sign_in(client, "sun_committee")
    token = _preview(client, tmp_path)
    [stored] = list(uploads.iterdir())
    assert _private(stored) and _private(uploads)
    blob = stored.read_bytes()
    for secret in (resident_id(1), "张三", "13912345678"):
        assert secret.encode() not in blob and secret.encode("gb18030") not in blob

    # Cancel deletes it at once.
    assert client.post("/committee/c/SUN/roll/cancel", data={"token": token}).status_code == 302
    assert list(uploads.iterdir()) == []

    # Confirm imports and deletes it.
    token = _preview(client, tmp_path)
    assert client.post("/committee/c/SUN/roll/confirm", data={"token": token}).status_code == 302
    assert list(uploads.iterdir()) == []

    # After an hour a preview can no longer be confirmed, and the next use removes it.
    token = _preview(client, tmp_path)
    app.config["VOTES_NOW"] = app.config["VOTES_NOW"] + timedelta(minutes=61)
    late = client.post("/committee/c/SUN/roll/confirm", data={"token": token})
    assert late.status_code == 400 and "失效" in late.get_data(as_text=True)
    assert list(uploads.iterdir()) == []

    # `votes tick` removes expired previews, and plaintext leftovers of older versions.
    _preview(client, tmp_path)
    (uploads / "1-0123456789abcdef0123456789abcdef.csv").write_text(resident_id(1))
    assert len(list(uploads.iterdir())) == 2
    assert runner.invoke(args=["tick"]).exit_code == 0
    assert len(list(uploads.iterdir())) == 1  # the fresh preview stays
    app.config["VOTES_NOW"] = app.config["VOTES_NOW"] + timedelta(hours=2)
    result = runner.invoke(args=["tick"])
    assert result.exit_code == 0 and "1" in result.output
    assert list(uploads.iterdir()) == []


def test_instance_folder_and_sqlite_file_are_private(tmp_path):
    instance = tmp_path / "fresh-instance"
    config = {k: v for k, v in TEST_CONFIG.items() if k not in ("DATA_KEY", "SECRET_KEY")}
    app = create_app({**config, "INSTANCE_PATH": str(instance)})
    with app.app_context():
        from votes.extensions import db
        from votes.services.keys import generate_key
        from votes.services.schema import upgrade_database

        upgrade_database()
        generate_key()
        db.engine.dispose()
    database = instance / "votes.sqlite3"
    assert database.stat().st_size > 0
    for path in (instance, database, instance / "keys", instance / "data_key.secret",
                 *(instance / "keys").iterdir()):
        assert _private(path), (path, oct(path.stat().st_mode))


def _production_app(database_url, tmp_path, **extra):
    return create_app({**TEST_CONFIG, "TESTING": False, "DATABASE_URL": database_url,
                       "INSTANCE_PATH": str(tmp_path / "instance"), **extra})


def test_log_sms_sender_never_writes_codes_in_production(database_url, tmp_path):
    app = _production_app(database_url, tmp_path)
    try:
        vote = make_open_proposal(app, app.test_cli_runner(), tmp_path)
        client = app.test_client()
        client.get(f"/v/{voter_token(app, vote)}")
        r = client.post(f"/p/{vote['uid']}/code", follow_redirects=True)
        assert r.status_code == 200
        assert "短信发送未配置" in r.get_data(as_text=True)
        log = tmp_path / "instance" / "sms.log"
        assert not log.exists() or "验证码" not in log.read_text(encoding="utf-8")
    finally:
        with app.app_context():
            from votes.extensions import db

            db.engine.dispose()


def test_log_sms_sender_works_in_demo_mode_into_a_private_file(database_url, tmp_path):
    app = _production_app(database_url, tmp_path, ENV="demo")
    try:
        vote = make_open_proposal(app, app.test_cli_runner(), tmp_path)
        client = app.test_client()
        client.get(f"/v/{voter_token(app, vote)}")
        client.post(f"/p/{vote['uid']}/code")
        log = tmp_path / "instance" / "sms.log"
        assert "验证码" in log.read_text(encoding="utf-8") and _private(log)
    finally:
        with app.app_context():
            from votes.extensions import db

            db.engine.dispose()


def test_one_community_keeps_at_most_three_previews_waiting(app, world, client, tmp_path):
    """Each preview is up to an upload's 32 MB for an hour: a member uploading again and again
    could fill the server's disk. A community's fourth removes its oldest."""
    uploads = tmp_path / "instance" / "uploads"
    sign_in(client, "sun_committee")
    tokens = []
    for minute in range(5):
        app.config["VOTES_NOW"] = app.config["VOTES_NOW"] + timedelta(minutes=1)
        tokens.append(_preview(client, tmp_path))
    stored = sorted(p.name for p in uploads.iterdir())
    assert len(stored) == 3 and all(any(t in name for name in stored) for t in tokens[2:])
    first = client.post("/committee/c/SUN/roll/confirm", data={"token": tokens[0]})
    assert first.status_code == 400 and "失效" in first.get_data(as_text=True)
    last = client.post("/committee/c/SUN/roll/confirm", data={"token": tokens[-1]})
    assert last.status_code == 302
