"""The administrator's page and `votes keys list` show each signing key's fingerprint (the
64 hex digits a regulator types after `votes verify --fingerprint`) and which key signs new
entries, so that after a rotation the administrator can read out the one to publish."""

from __future__ import annotations

import re

from tests.staff_world import staff_client


def _fingerprints(app) -> dict[str, str]:
    with app.app_context():
        from votes.core.verifier_base import fingerprint
        from votes.services.keys import keyring

        return {kid: fingerprint(key) for kid, key in keyring().keys.items()}


def test_the_admin_page_shows_fingerprints_and_the_active_key(app, runner):
    first = runner.invoke(args=["keys", "generate"]).output.strip()
    second = runner.invoke(args=["keys", "generate"]).output.strip()
    fps = _fingerprints(app)
    assert set(fps) == {first, second}
    client = staff_client(app, runner, "admin1", "--role", "admin")
    page = client.get("/admin/").get_data(as_text=True)
    for fp in fps.values():
        assert fp in page
    items = re.findall(r'<li class="key[^"]*">(.*?)</li>', page, re.S)
    assert len(items) == 2, page
    active = [i for i in items if "当前签名密钥" in i]
    assert len(active) == 1 and second in active[0] and fps[second] in active[0]
    english = client.get("/admin/?lang=en").get_data(as_text=True)
    assert "Fingerprint" in english and "signs new entries" in english
    assert "当前签名密钥" not in english


def test_keys_list_on_the_command_line(app, runner):
    assert "没有签名密钥" in runner.invoke(args=["keys", "list"]).output
    first = runner.invoke(args=["keys", "generate"]).output.strip()
    second = runner.invoke(args=["keys", "generate"]).output.strip()
    fps = _fingerprints(app)
    result = runner.invoke(args=["keys", "list"])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 2, result.output
    mine = {line.split()[0]: line for line in lines}
    assert fps[first] in mine[first] and "当前签名密钥" not in mine[first]
    assert fps[second] in mine[second] and "当前签名密钥" in mine[second]
