"""VOTES_DATA_KEY changed or lost: the owners' names, ID numbers, phones and the sealed
choices no longer open. Every command says so plainly, `votes doctor` fails, and nothing is
written under the other key (a roll re-imported with it would mix two keys for good)."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest

from tests.factories import make_open_proposal, make_roll_csv, sample_rows
from tests.test_chain_times import _voter

OTHER_KEY = base64.b64encode(b"z" * 32).decode()


def _with_a_ballot(app, runner, tmp_path):
    from votes.core.tally import Choice
    from votes.services.ballots import BallotRequest, cast_ballot

    vote = make_open_proposal(app, runner, tmp_path)
    with app.app_context():
        cast_ballot(vote["id"], BallotRequest(_voter(app, vote, "101"), Choice.AGREE, "online"))
    return vote


def test_doctor_fails_on_a_data_key_that_does_not_open_the_data(app, runner, tmp_path):
    _with_a_ballot(app, runner, tmp_path)
    result = runner.invoke(args=["doctor"])
    assert "✓ 数据密钥能打开已存的业主资料" in result.output, result.output
    app.config["DATA_KEY"] = OTHER_KEY
    result = runner.invoke(args=["doctor"])
    assert result.exit_code == 1, result.output
    assert "✗ VOTES_DATA_KEY" in result.output and "打不开" in result.output
    english = runner.invoke(args=["doctor"], env={"VOTES_LANG": "en"})
    assert "does not open" in english.output


def test_a_wrong_data_key_refuses_to_write_and_says_why(app, runner, tmp_path):
    from sqlalchemy import select

    from votes.extensions import db
    from votes.models import Owner

    vote = _with_a_ballot(app, runner, tmp_path)
    with app.app_context():
        before = sorted(db.session.scalars(select(Owner.id_hash)))
    app.config["DATA_KEY"] = OTHER_KEY
    roll = make_roll_csv(tmp_path / "again.csv", sample_rows())
    result = runner.invoke(args=["roll", "import", "--community", "SUN", "--replace", str(roll)])
    assert result.exit_code == 1 and "VOTES_DATA_KEY" in result.output, result.output
    with app.app_context():
        assert sorted(db.session.scalars(select(Owner.id_hash))) == before
    app.config["VOTES_NOW"] = vote["t0"] + timedelta(days=8)
    result = runner.invoke(args=["proposal", "close", str(vote["id"])])
    assert result.exit_code == 1 and "VOTES_DATA_KEY" in result.output, result.output
    assert "Traceback" not in result.output and "InvalidTag" not in result.output
    result = runner.invoke(args=["tick"])
    assert "VOTES_DATA_KEY" in result.output and "InvalidTag" not in result.output
    english = runner.invoke(args=["roll", "show", "--community", "SUN", "--units"],
                            env={"VOTES_LANG": "en"})
    assert "does not match the owners' data" in english.output, english.output
    # The right key back: nothing was lost, the vote closes.
    from tests.conftest import TEST_CONFIG

    app.config["DATA_KEY"] = TEST_CONFIG["DATA_KEY"]
    result = runner.invoke(args=["proposal", "close", str(vote["id"])])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("key", ["not-base64!", base64.b64encode(b"short").decode()])
def test_a_data_key_that_is_no_key_at_all_is_said_not_a_traceback(app, runner, tmp_path, key):
    """VOTES_DATA_KEY mistyped (not base64, or fewer than 32 bytes): `votes doctor` said so,
    but a roll import, or any command that encrypts or makes a link, was binascii's or a
    RuntimeError's traceback."""
    assert runner.invoke(args=["community", "create", "SUN", "--name", "阳光花园"]).exit_code == 0
    app.config["DATA_KEY"] = key
    result = runner.invoke(args=["roll", "import", "--community", "SUN",
                                 str(make_roll_csv(tmp_path / "roll.csv"))])
    assert result.exit_code == 1, result.output
    assert not isinstance(result.exception, (RuntimeError, ValueError)), result.exception
    # After the import's progress line ("正在读取名册 …"), the refusal on a line of its own.
    refusal = result.output.splitlines()[-1]
    assert refusal.startswith("VOTES_DATA_KEY") and "32" in refusal, result.output
    with app.app_context():
        from votes.services.privacy import derived_key
        from votes.services.errors import DomainError

        with pytest.raises(DomainError):
            derived_key("links")
