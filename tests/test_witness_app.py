"""Issue 10 in the app: the public chain API for witnesses, the cosignatures it accepts
(only a configured witness's, only for its own chain), the board and the bundle showing
them, and the owner's signed receipt download that `votes verify --receipt` checks."""

from __future__ import annotations

import io
import json
import re
import zipfile

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.factories import make_open_proposal
from tests.test_owner_http import cast, verified
from tests.test_witness_servers import _cast
from votes.cli import main as votes_command
from votes.core import signing, witness
from votes.core.canonical import canonical_bytes

WITNESS = Ed25519PrivateKey.generate()
WITNESS_ID = signing.key_id(WITNESS.public_key())


@pytest.fixture
def vote(app, runner, tmp_path):
    return make_open_proposal(app, runner, tmp_path)


def _keys_file(tmp_path, app):
    path = tmp_path / "witness-keys.json"
    path.write_text(json.dumps(signing.KeyRing({WITNESS_ID: WITNESS.public_key()})
                               .to_json_obj()))
    app.config["WITNESS_KEYS"] = str(path)
    return path


def _cosig(uid: str, length: int, head: str, key=WITNESS,
           time: str = "2026-12-01T02:30:00Z") -> bytes:
    stmt = witness.statement(proposal=uid, length=length, head=head, time=time,
                             witness=signing.key_id(key.public_key()))
    return canonical_bytes(witness.cosign(key, stmt))


def _before(line: bytes, seconds: int) -> str:
    """A time `seconds` before the entry of this chain line."""
    from datetime import timedelta

    from votes.core.canonical import format_time, parse_time

    return format_time(parse_time(json.loads(line)["entry"]["time"]) - timedelta(seconds=seconds))


def test_a_cosignature_dated_before_the_entries_it_covers_is_refused(app, client, vote,
                                                                       tmp_path):
    """A witness time more than 300 s before the cosigned head's entry would fail step 10.4
    in every bundle exported with it: not stored. Exactly 300 s is allowed (clock skew)."""
    _keys_file(tmp_path, app)
    lines = client.get(f"/api/proposals/{vote['uid']}/chain?from=0").get_data().splitlines()
    genesis = json.loads(lines[0])["digest"]

    def post(seconds):
        return client.post("/api/witness/cosignatures", content_type="application/json",
                           data=_cosig(vote["uid"], 1, genesis, time=_before(lines[0], seconds)))

    refused = post(301)
    assert refused.status_code == 400 and "晚于见证时间" in refused.get_json()["error"]
    assert post(300).status_code == 201


def test_chain_api_and_cosignatures(app, client, vote, tmp_path):
    _cast(app, vote, ["101"])
    heads = client.get("/api/heads").get_json()["heads"]
    assert [(h["proposal"], h["length"]) for h in heads] == [(vote["uid"], 2)]
    head = heads[0]["head"]
    lines = client.get(f"/api/proposals/{vote['uid']}/chain?from=0").get_data().splitlines()
    assert len(lines) == 2 and json.loads(lines[-1])["digest"] == head
    assert client.get(f"/api/proposals/{vote['uid']}/chain?from=1").get_data().splitlines() \
        == lines[1:]
    assert client.get(f"/api/proposals/{vote['uid']}/chain?from=-1").status_code == 400
    assert client.get("/api/proposals/nope/chain").status_code == 404

    post = lambda body: client.post("/api/witness/cosignatures", data=body,  # noqa: E731
                                    content_type="application/json")
    # No witness configured: nobody's cosignature is accepted.
    assert post(_cosig(vote["uid"], 2, head)).status_code == 400
    keys_file = _keys_file(tmp_path, app)
    assert post(_cosig(vote["uid"], 2, head)).status_code == 201
    assert post(_cosig(vote["uid"], 2, head)).status_code == 200  # idempotent
    genesis = json.loads(lines[0])["digest"]
    assert post(_cosig(vote["uid"], 2, genesis)).status_code == 409  # not our entry 1
    assert post(_cosig(vote["uid"], 3, head)).status_code == 409     # no entry 2 yet
    # A length past a database INTEGER (a configured witness's bug) is no entry of ours
    # either: a 409 the witness reads, not the 400 page of a query the database refused.
    assert post(_cosig(vote["uid"], 2 ** 53 - 1, head)).status_code == 409
    stranger = Ed25519PrivateKey.generate()
    assert post(_cosig(vote["uid"], 2, head, stranger)).status_code == 400
    assert post(b'{"sig": "x", "statement": {}}').status_code == 400
    assert post(_cosig("no-such", 2, head)).status_code == 404
    assert post(b" " + _cosig(vote["uid"], 2, head)).status_code == 400  # not canonical
    early = post(_cosig(vote["uid"], 2, head, time=_before(lines[1], 301)))
    assert early.status_code == 400 and "晚于见证时间" in early.get_json()["error"]

    board = client.get(f"/p/{vote['uid']}/audit").get_data(as_text=True)
    assert WITNESS_ID in board and "前 2 条记录" in board

    bundle = tmp_path / "bundle.zip"
    assert app.test_cli_runner().invoke(args=["export", str(vote["id"]), "-o",
                                              str(bundle)]).exit_code == 0
    with zipfile.ZipFile(bundle) as z:
        assert len(z.read("witness.jsonl").splitlines()) == 1
    result = CliRunner().invoke(votes_command, ["verify", str(bundle), "--trust-bundle-keys",
                                                "--witness-keys", str(keys_file)])
    assert result.exit_code == 3, result.output
    assert "2 of 2 entries cosigned before the close" in result.output


def test_owner_downloads_a_signed_receipt_the_verifier_accepts(app, client, vote, tmp_path):
    verified(client, app, vote)
    r, _ = cast(client, vote, "agree")
    receipt_page = r.headers["Location"]
    digest = receipt_page.rsplit("/", 1)[1]
    page = client.get(receipt_page).get_data(as_text=True)
    assert f"/receipt/{digest}/signed.json" in page
    _cast(app, vote, ["202"])  # the chain moves on after the owner's ballot
    download = client.get(f"{receipt_page}/signed.json")
    assert download.status_code == 200
    assert "attachment" in download.headers["Content-Disposition"]
    receipt = download.get_json()
    assert receipt["statement"]["digest"] == digest
    assert (receipt["statement"]["seq"], receipt["statement"]["length"]) == (1, 3)
    # Nobody else gets a receipt for this entry.
    assert app.test_client().get(f"{receipt_page}/signed.json").status_code == 403
    assert client.get(f"/p/{vote['uid']}/receipt/{'0' * 64}/signed.json").status_code == 404

    receipt_file = tmp_path / "receipt.json"
    receipt_file.write_bytes(download.get_data())
    out = io.BytesIO()
    with app.app_context():
        from votes.services.export import export_bundle

        export_bundle(str(vote["id"]), out)
    bundle = tmp_path / "bundle.zip"
    bundle.write_bytes(out.getvalue())
    result = CliRunner().invoke(votes_command, ["verify", str(bundle), "--trust-bundle-keys",
                                                "--receipt", str(receipt_file)])
    assert result.exit_code == 3, result.output  # interim, and the receipt holds
    assert "receipts checked: 1" in result.output


def test_board_lists_per_unit_participation_only_after_the_close(app, client, runner, vote,
                                                                  tmp_path):
    from datetime import timedelta

    _cast(app, vote, ["101"])
    assert client.get(f"/p/{vote['uid']}/units").status_code == 404  # voting still open
    assert "units-link" not in client.get(f"/p/{vote['uid']}").get_data(as_text=True)
    app.config["VOTES_NOW"] = vote["t0"] + timedelta(days=8)
    closed = runner.invoke(args=["proposal", "close", str(vote["id"])])
    assert closed.exit_code == 0, closed.output
    assert "units-link" in client.get(f"/p/{vote['uid']}").get_data(as_text=True)
    page = client.get(f"/p/{vote['uid']}/units").get_data(as_text=True)
    rows = re.findall(r"<tr><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td></tr>", page)
    # 张三 voted online for both his units; nobody else voted.
    assert ("1号楼1单元101室", "已计入", "网络") in rows and ("1号楼1单元201室", "已计入", "网络") in rows
    assert ("1号楼1单元102室", "未表决", "") in rows and len(rows) == 7
    assert "张三" not in page and "同意" not in page and "agree" not in page
    # The same list, derived by the verifier from the bundle alone.
    bundle = tmp_path / "closed.zip"
    assert runner.invoke(args=["export", str(vote["id"]), "-o", str(bundle)]).exit_code == 0
    result = CliRunner().invoke(votes_command, ["verify", str(bundle), "--trust-bundle-keys",
                                                "--participation"])
    assert result.exit_code == 0, result.output
    derived = [line.split(",") for line in result.output.split("building,entrance,room,"
                                                               "counted,channel\n")[1].split()]
    from votes.core.scope_words import flat_words

    # The bundle keeps the roll's parts; the board names each flat as every page does.
    assert [(flat_words(*r[:3]), r[3], r[4]) for r in derived] == \
        [(u, "yes" if c == "已计入" else "no", {"网络": "online", "": ""}[ch])
         for u, c, ch in rows]


def test_a_misconfigured_witness_keys_file_refuses_without_telling_the_path(app, client, vote,
                                                                           tmp_path, caplog):
    app.config["WITNESS_KEYS"] = str(tmp_path / "missing-keys.json")
    r = client.post("/api/witness/cosignatures", data=_cosig(vote["uid"], 1, "0" * 64),
                    content_type="application/json")
    assert r.status_code == 400 and "missing-keys" not in r.get_data(as_text=True)
    assert "missing-keys.json" in caplog.text


def test_api_errors_are_json_for_the_programs_that_read_them(app, client, vote):
    """Witnesses and third parties read /api/...: an unknown proposal, path or method came
    back as the owners' HTML error page."""
    for response, status in ((client.get("/api/proposals/nope/chain?from=0"), 404),
                             (client.get("/api/no-such-thing"), 404),
                             (client.delete("/api/heads"), 405),
                             (client.get("/api/heads?limit=x"), 400)):
        assert response.status_code == status
        assert response.mimetype == "application/json", response.get_data(as_text=True)[:200]
        assert response.get_json()["error"]
    # The owners' pages keep theirs.
    assert client.get("/no-such-page").mimetype == "text/html"


def test_chain_api_answers_304_until_a_new_entry(app, client, vote, monkeypatch):
    """A witness polling a chain that has not moved gets a 304 for the ETag it holds, not the
    same 2,000 lines again; a new entry (or another page) is never answered 304."""
    from votes.services import witness as witness_service

    url = f"/api/proposals/{vote['uid']}/chain?from=0"
    first = client.get(url)
    assert first.status_code == 200 and first.headers["ETag"]
    assert "no-store" not in first.headers["Cache-Control"]
    again = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.get_data() == b""
    other = client.get(f"/api/proposals/{vote['uid']}/chain?from=1",
                       headers={"If-None-Match": first.headers["ETag"]})
    assert other.status_code == 200 and other.headers["ETag"] != first.headers["ETag"]

    _cast(app, vote, ["101"])
    moved = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert moved.status_code == 200 and len(moved.get_data().splitlines()) == 2
    assert moved.headers["ETag"] != first.headers["ETag"]

    # A full page (MAX_LINES lines) stays the same whatever comes after it: still a 304.
    monkeypatch.setattr(witness_service, "MAX_LINES", 1)
    page = client.get(url)
    assert page.get_data() == first.get_data()
    _cast(app, vote, ["102"])
    assert client.get(url, headers={"If-None-Match": page.headers["ETag"]}).status_code == 304
    assert client.get(f"/api/proposals/{vote['uid']}/chain?from=2",
                      headers={"If-None-Match": page.headers["ETag"]}).status_code == 200
