"""What a signed-in owner, or a stranger holding their phone or link, can send to the owner
pages over HTTP: each refused with a clear answer, nothing half-applied, nothing doubled."""

from __future__ import annotations

import pytest

from tests.factories import make_open_proposal
from tests.test_owner_http import verified


@pytest.fixture
def vote(app, runner, tmp_path):
    return make_open_proposal(app, runner, tmp_path)


@pytest.mark.parametrize("body", [[1], "abc", 5, True, ["public_key"]])
def test_a_device_key_sent_as_json_other_than_an_object_is_refused(app, client, vote, body):
    """The browser posts {"public_key": …}; any other JSON value (a list, a string, a
    number) is refused like a bad key, with the page's message, not a server error."""
    verified(client, app, vote)
    r = client.post(f"/p/{vote['uid']}/device", json=body)
    assert r.status_code == 400
    assert r.get_json() == {"ok": False, "error": "设备公钥无效"}
