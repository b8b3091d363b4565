"""Votes whose chain a release before version 3 of the spec started (exported as
votes-bundle/1, docs/verification.md §9.1), and the regulator's check of such a vote."""

from __future__ import annotations

import contextlib
import io
import json
import zipfile


@contextlib.contextmanager
def genesis_before_version_3(monkeypatch):
    """While inside, a vote that opens writes its genesis as that release did: rules
    without the rules of procedure (no objection_days, no follow_majority)."""
    from votes.core import chain

    genesis_body = chain.genesis_body

    def version_2_genesis(proposal, roll, rules):
        body = genesis_body(proposal, roll, rules)
        body["rules"] = {k: v for k, v in body["rules"].items()
                         if k not in ("objection_days", "follow_majority")}
        return body

    with monkeypatch.context() as m:
        m.setattr(chain, "genesis_body", version_2_genesis)
        yield


def verdict(app, runner, tmp_path, pid) -> tuple[list[str], int, str]:
    """The kinds of the exported chain, `votes verify`'s exit status on the bundle (the
    server's keys as the anchor, the older format allowed, as a regulator checking such a
    vote says) and what it printed."""
    from votes.core.bundle import FORMAT_V2
    from votes.verify import main as verify_main

    bundle = tmp_path / "bundle.zip"
    result = runner.invoke(args=["export", pid, "-o", str(bundle)])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(bundle) as z:
        assert json.loads(z.read("manifest.json"))["format"] == FORMAT_V2
        kinds = [json.loads(line)["entry"]["kind"]
                 for line in z.read("chain.jsonl").decode().splitlines()]
    keys = tmp_path / "votes-keys.json"
    with app.app_context():
        from votes.services.keys import keyring

        keys.write_text(json.dumps(keyring().to_json_obj()))
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = verify_main([str(bundle), "--keys", str(keys), "--allow-format", FORMAT_V2])
    return kinds, status, out.getvalue()
