"""A signing key cannot be written (VOTES_KEYS_DIR names a file, or a folder that cannot be
made): `votes keys generate`, and the first opening of a vote, which makes the first key,
say so and exit 1 with nothing changed, rather than a traceback."""

from __future__ import annotations

from datetime import timedelta

from tests.test_proposal_cli import T0, at, create, setup_roll, show


def _active_keys(app):
    from sqlalchemy import select

    from votes.extensions import db
    from votes.models import ServerKey

    with app.app_context():
        return db.session.scalars(select(ServerKey.key_id)).all()


def test_keys_generate_into_a_file_is_a_message(app, runner, tmp_path):
    (tmp_path / "keys").write_text("not a folder")
    app.config["KEYS_DIR"] = str(tmp_path / "keys")
    result = runner.invoke(args=["keys", "generate"])
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "签名密钥目录不可写" in result.output
    assert _active_keys(app) == []


def test_the_first_opening_without_a_writable_keys_dir_is_a_message(app, runner, tmp_path):
    setup_roll(runner, tmp_path)
    at(app, T0 - timedelta(days=12))
    pid = create(runner)
    at(app, T0 - timedelta(days=10))
    assert runner.invoke(args=["tick"]).exit_code == 0
    assert show(runner, pid)["state"] == "publicity"
    (tmp_path / "keys").write_text("not a folder")
    app.config["KEYS_DIR"] = str(tmp_path / "keys")
    at(app, T0 + timedelta(hours=1))
    result = runner.invoke(args=["proposal", "open", pid])
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert "签名密钥目录不可写" in result.output
    assert _active_keys(app) == []
    assert show(runner, pid)["state"] == "publicity"

