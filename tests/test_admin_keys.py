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
    lines = [line for line in result.output.strip().splitlines() if line.startswith("ed25519:")]
    assert len(lines) == 2, result.output
    mine = {line.split()[0]: line for line in lines}
    assert fps[first] in mine[first] and "当前签名密钥" not in mine[first]
    assert fps[second] in mine[second] and "当前签名密钥" in mine[second]


def test_the_listed_fingerprints_verify_an_export_after_a_rotation(app, runner, tmp_path):
    """End to end: the fingerprints `votes keys list` prints are what `votes verify
    --fingerprint` takes for the bundle the server exports. Every bundle lists every key the
    server has had, and the verifier wants each vouched for (docs/verification.md 3.3): the
    page and the CLI said to give the district the active key's fingerprint after a
    rotation, and a regulator who then checked with that one alone got FAILED (3.3, 4.4)
    for a genuine bundle. They say every listed fingerprint is needed, one --fingerprint
    each."""
    from click.testing import CliRunner

    from tests.money_world import passed_vote
    from votes.cli import main as votes_command

    pid = passed_vote(app, runner, tmp_path)["pid"]
    assert runner.invoke(args=["keys", "generate"]).exit_code == 0
    bundle = tmp_path / "bundle.zip"
    assert runner.invoke(args=["export", pid, "-o", str(bundle)]).exit_code == 0
    listed = runner.invoke(args=["keys", "list"]).output.strip().splitlines()
    fingerprints = [line.split()[1] for line in listed[:2]]
    assert len(fingerprints) == 2 and all(re.fullmatch(r"[0-9a-f]{64}", f) for f in fingerprints)
    every = [arg for fp in fingerprints for arg in ("--fingerprint", fp)]
    verified = CliRunner().invoke(votes_command, ["verify", str(bundle), *every])
    assert verified.exit_code == 0 and "验证通过 / VERIFIED" in verified.output, verified.output
    # The active key's alone does not vouch for the older key the bundle also lists.
    active = next(line.split()[1] for line in listed if "当前签名密钥" in line)
    alone = CliRunner().invoke(votes_command, ["verify", str(bundle), "--fingerprint", active])
    assert alone.exit_code == 1 and "[3.3]" in alone.output

    # What the administrator is told to hand the district: every key's fingerprint.
    client = staff_client(app, runner, "admin1", "--role", "admin")
    page = client.get("/admin/").get_data(as_text=True)
    assert "请把当前签名密钥的指纹告知辖区" not in page
    assert "全部密钥的指纹" in page, page
    assert "every key" in client.get("/admin/?lang=en").get_data(as_text=True)
    assert "全部密钥的指纹" in runner.invoke(args=["keys", "list"]).output
