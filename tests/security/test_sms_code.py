"""The owner's SMS code: the sender configured, the gateway failing, the message sent."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.factories import make_open_proposal, voter_token


@pytest.fixture
def vote(app, runner, tmp_path):
    return make_open_proposal(app, runner, tmp_path)


def _ask_code(app, vote):
    owner = app.test_client()
    owner.get(f"/v/{voter_token(app, vote)}")
    r = owner.post(f"/p/{vote['uid']}/code")
    return owner, r


def test_an_sms_sender_that_is_no_function_never_writes_codes_to_a_file(app, vote):
    """VOTES_SMS_SENDER=aliyun (a gateway's name, not the function docs/deploy.md asks
    for) wrote every live code to instance/sms.log, in production too, and the owner
    waited for an SMS that never came."""
    app.config["SMS_SENDER"] = "aliyun"
    owner, r = _ask_code(app, vote)
    assert r.status_code == 302
    log = Path(app.instance_path) / "sms.log"
    assert not log.exists() or "验证码" not in log.read_text(encoding="utf-8")
    page = owner.get(f"/p/{vote['uid']}/verify").get_data(as_text=True)
    assert "短信发送未配置" in page
