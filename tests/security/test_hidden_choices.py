"""Issue 9 item 11: while voting is open nobody sees how a unit voted, only whether it did.

Each test performs what an onlooker would do — the committee's and the regulator's pages and
downloads, the public board, a live export — and checks that no choice and no per-choice
figure is there; then that the close reveals them, verifiably, and that a tampered reveal
fails the verifier at its step."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import timedelta

import pytest

from tests.bundles import KEY_ID, ballot_rows, files_of, good_story, rezip
from tests.factories import make_roll_csv, resident_id, voter_token
from tests.staff_world import build, sign_in
from votes.core import chain
from votes.core.bundle import recompute_tally
from votes.core.canonical import canonical_bytes
from votes.core.commitment import Opening, opens
from votes.core.verifier import verify_bundle

AGREE_MARKS = ("同意面积", "同意人数", "approval_area", "approval_headcount", "agree_area")


def paper(client, pid, room, choice, building="1"):
    r = client.post(f"/committee/p/{pid}/paper", data={
        "building": building, "entrance": "1", "room": room, "choice": choice,
        "channel": "paper", "evidence": (io.BytesIO(b"\xff\xd8\xff " + f"scan {room}".encode()), "scan.jpg")})
    assert r.status_code == 302, r.get_data(as_text=True)


def online(app, client, vote, room, suffix, choice):
    """An owner's whole phone flow (no WebCrypto in the test client: server salt)."""
    client.get(f"/v/{voter_token(app, vote, room)}")
    r = client.post(f"/p/{vote['uid']}/verify", data={"method": "id", "answer": suffix})
    assert r.status_code == 302
    page = client.post(f"/p/{vote['uid']}/confirm", data={"choice": choice}).get_data(as_text=True)
    nonce = re.search(r'name="nonce" value="([0-9a-f]+)"', page).group(1)
    r = client.post(f"/p/{vote['uid']}/cast", data={"choice": choice, "nonce": nonce})
    assert "/receipt/" in r.headers["Location"]
    return r.headers["Location"]


def bundle_files(client, pid) -> dict[str, bytes]:
    r = client.get(f"/committee/p/{pid}/bundle.zip")
    assert r.status_code == 200
    return files_of(r.data)


@pytest.fixture
def world(app, runner, tmp_path):
    w = build(app, runner, tmp_path)
    staff = app.test_client()
    sign_in(staff, "sun_committee")
    pid = w["sun"]["id"]
    paper(staff, pid, "102", "disagree")   # 李四+王五
    paper(staff, pid, "202", "disagree")   # 赵六
    receipt = online(app, app.test_client(), w["sun"], "101", resident_id(1)[-6:], "agree")
    return {**w, "pid": pid, "receipt": receipt}


def test_committee_sees_turnout_but_no_choice_while_voting(app, world, client):
    sign_in(client, "sun_committee")
    pid = world["pid"]
    page = client.get(f"/committee/p/{pid}").get_data(as_text=True)
    assert "参与人数" in page and 'id="choices-sealed"' in page
    assert "已收选票 3 张" in page
    for mark in AGREE_MARKS + ("表决通过", "表决未通过"):
        assert mark not in page
    for download in (f"/committee/p/{pid}/non-voters",):
        text = client.get(download).get_data(as_text=True)
        assert "反对" not in text and "同意" not in text and "disagree" not in text
    from openpyxl import load_workbook

    xlsx = client.get(f"/committee/p/{pid}/non-voters?format=xlsx").data
    cells = [str(c.value) for row in load_workbook(io.BytesIO(xlsx)).active.iter_rows()
             for c in row if c.value is not None]
    assert cells and not any(w in c for c in cells for w in ("同意", "反对", "弃权", "agree"))


def test_regulator_and_public_see_turnout_but_no_choice_while_voting(app, world, client, runner):
    pid = world["pid"]
    sign_in(client, "district")
    overview = client.get("/regulator/").get_data(as_text=True)
    assert "3/5" in overview  # turnout: 3 of 5 voters
    assert "未通过" not in overview and ">通过<" not in overview
    rows = list(csv.DictReader(io.StringIO(
        client.get("/regulator/?format=csv").data.decode("utf-8-sig"))))
    assert rows[0]["参与表决人数"] == "3"
    assert rows[0]["同意面积（m²）"] == rows[0]["同意人数"] == ""
    assert rows[0]["表决结果"] == ""
    page = client.get(f"/regulator/p/{pid}").get_data(as_text=True)
    assert "参与表决人数" in page and 'id="choices-sealed"' in page
    for mark in AGREE_MARKS + ("表决通过", "表决未通过"):
        assert mark not in page
    report = client.post(f"/regulator/p/{pid}/verify", follow_redirects=True).get_data(as_text=True)
    assert "同意 agree" not in report and "agree" not in report.split("verify-report")[-1]
    board = app.test_client().get(f"/p/{world['sun']['uid']}").get_data(as_text=True)
    assert "参与表决人数" in board
    for mark in AGREE_MARKS + ("同意 1 人", "反对 2 人"):
        assert mark not in board
    shown = json.loads(runner.invoke(args=["proposal", "show", str(pid), "--json"]).output)
    assert shown["revealed"] is False and shown["participating_headcount"] == 3
    assert not {"agree_area", "agree_headcount", "disagree_headcount", "passed"} & set(shown)
    text = runner.invoke(args=["proposal", "show", str(pid)]).output
    assert "Agree" not in text and "PASSED" not in text


def test_live_bundle_carries_commitments_and_turnout_only(app, world, client):
    sign_in(client, "district")
    files = bundle_files(client, world["pid"])
    lines = [json.loads(x) for x in files["chain.jsonl"].splitlines()]
    ballots = [x["entry"]["body"] for x in lines if x["entry"]["kind"] == "ballot"]
    assert len(ballots) == 3
    assert all("choice" not in b and re.fullmatch(r"[0-9a-f]{64}", b["commitment"])
               for b in ballots)
    tally = json.loads(files["tally.json"])
    assert tally["final"] is False and tally["participating_headcount"] == 3
    assert not [k for k in tally if k.startswith(("agree", "disagree", "abstain"))]
    assert "passed" not in tally and [c["name"] for c in tally["checks"]] == \
        ["quorum_area", "quorum_headcount"]
    sheet = files["ballots.csv"].decode("utf-8-sig")
    by_ballot = ballot_rows(files["ballots.csv"])  # a ballot of two flats has two rows
    assert len(by_ballot) == 3 and {r["意见 choice"] for rows in by_ballot.values()
                                    for r in rows} == {"未公开 sealed"}
    assert not any(w in sheet for w in ("同意 agree", "反对 disagree", "弃权 abstain"))
    report = files["report.txt"].decode()
    assert "Agree" not in report and "Disagree" not in report and "PASSED" not in report
    verdict = verify_bundle(rezip(files), trust_bundle_keys=True)
    assert verdict.outcome == "in_progress" and not verdict.failures  # intact, not closed yet
    assert "agree" not in verdict.render() and "PASSED" not in verdict.render()


def _two_votes(app, runner, tmp_path):
    """Two proposals of one community, identical but for their uids."""
    from datetime import datetime, timezone

    t0 = datetime(2026, 12, 1, 1, 0, tzinfo=timezone.utc)
    app.config["VOTES_NOW"] = t0 - timedelta(days=12)
    assert runner.invoke(args=["community", "create", "SUN", "--name", "阳光花园"]).exit_code == 0
    roll = make_roll_csv(tmp_path / "roll.csv")
    assert runner.invoke(args=["roll", "import", "--community", "SUN", str(roll)]).exit_code == 0
    pids = []
    for _ in range(2):
        result = runner.invoke(args=[
            "proposal", "create", "--community", "SUN", "--title", "电梯更换", "--matter",
            "use_fund", "--scope", "all", "--budget", "6547.50",
            "--publicity-start", "2026-11-20T09:00", "--voting-start", "2026-12-01T09:00",
            "--voting-end", "2026-12-08T09:00", "--schedule"])
        pids.append(result.output.strip())
    app.config["VOTES_NOW"] = t0 + timedelta(hours=1)
    votes = []
    for pid in pids:
        assert runner.invoke(args=["proposal", "open", pid]).exit_code == 0
        with app.app_context():
            from votes.services.lifecycle import get_proposal

            p = get_proposal(pid)
            votes.append({"id": p.id, "uid": p.uid, "t0": t0})
    return votes


def _normalised(files: dict[str, bytes], uid: str) -> dict[str, str]:
    """Mask what differs by design: the uid, each proposal's own unit ids and voter keys
    (numbered in the order they first appear), every SHA-256 hex (salted commitments and
    the digests that cover them) and every Ed25519 signature over those."""
    out = {}
    for name, data in files.items():
        text = data.decode("utf-8-sig").replace(uid, "UID")
        units: dict[str, str] = {}
        text = re.sub(r"\bu[0-9a-f]{20}\b",
                      lambda m: units.setdefault(m.group(0), f"UNIT{len(units)}"), text)
        voters: dict[str, str] = {}
        text = re.sub(r"\bv-[0-9a-f]{24}\b",
                      lambda m: voters.setdefault(m.group(0), f"VOTER{len(voters)}"), text)
        text = re.sub(r"[0-9a-f]{64}", "H" * 8, text)
        out[name] = re.sub(r"[A-Za-z0-9+/]{86}==", "SIG", text)
    return out


def test_agree_and_disagree_give_live_exports_identical_but_for_salts(app, runner, tmp_path):
    first, second = _two_votes(app, runner, tmp_path)
    staff, owner = app.test_client(), app.test_client()
    runner.invoke(args=["users", "create", "--no-must-change", "c1", "--role", "committee", "--community", "SUN",
                        "--password", "correct horse battery"])
    sign_in(staff, "c1")
    # The same voters, at the same moments, in both votes; only 张三's choice differs.
    for vote, choice in ((first, "agree"), (second, "disagree")):
        paper(staff, vote["id"], "102", "abstain")
        online(app, owner, vote, "101", resident_id(1)[-6:], choice)
    live = [_normalised(bundle_files(staff, v["id"]), v["uid"]) for v in (first, second)]
    assert live[0] == live[1]
    assert "未公开 sealed" in live[0]["ballots.csv"]
    # The masking hides something real: the commitments differ.
    raw = [bundle_files(staff, v["id"])["chain.jsonl"].replace(v["uid"].encode(), b"UID")
           for v in (first, second)]
    assert raw[0] != raw[1]

    app.config["VOTES_NOW"] = first["t0"] + timedelta(days=7, hours=1)
    closed = [bundle_files(staff, v["id"]) for v in (first, second)]
    assert _normalised(closed[0], first["uid"])["tally.json"] != \
        _normalised(closed[1], second["uid"])["tally.json"]
    for vote, files, choice in zip((first, second), closed, ("agree", "disagree")):
        lines = [json.loads(x) for x in files["chain.jsonl"].splitlines()]
        close = lines[-1]["entry"]["body"]
        revealed = {o["choice"] for o in close["openings"]}
        assert revealed == {"abstain", choice}
        assert "同意 agree" in files["ballots.csv"].decode("utf-8-sig") or choice != "agree"
        path = tmp_path / f"{vote['uid']}.zip"
        path.write_bytes(rezip(files))
        from votes.verify import main as verify_main

        assert verify_main([str(path), "--trust-bundle-keys"]) == 0


def test_close_reveals_figures_and_the_bundle_verifies(app, world, client):
    pid = world["pid"]
    app.config["VOTES_NOW"] = world["t0"] + timedelta(days=8)
    sign_in(client, "sun_committee")
    page = client.get(f"/committee/p/{pid}").get_data(as_text=True)
    assert "同意人数" in page and "表决未通过" in page and 'id="choices-sealed"' not in page
    board = app.test_client().get(f"/p/{world['sun']['uid']}").get_data(as_text=True)
    assert "同意 1 人，反对 2 人，弃权 0 人" in board
    files = bundle_files(client, pid)
    report = verify_bundle(rezip(files), trust_bundle_keys=True)
    assert report.ok, report.render()
    assert (report.tally.agree_headcount, report.tally.disagree_headcount) == (1, 2)
    choices = [rows[0]["意见 choice"] for rows in ballot_rows(files["ballots.csv"]).values()]
    assert sorted(choices) == ["反对 disagree", "反对 disagree", "同意 agree"]
    sign_in(client, "district")
    rows = list(csv.DictReader(io.StringIO(
        client.get("/regulator/?format=csv").data.decode("utf-8-sig"))))
    assert rows[0]["同意人数"] == "1" and rows[0]["表决结果"] == "未通过"


def test_owner_keeps_a_salt_that_opens_their_commitment(app, world):
    # Sign in again as 张三 (the fixture's client is gone) and read the receipt page.
    client_ = app.test_client()
    client_.get(f"/v/{voter_token(app, world['sun'], '101')}")
    client_.post(f"/p/{world['sun']['uid']}/verify",
                 data={"method": "id", "answer": resident_id(1)[-6:]})
    page = client_.get(world["receipt"]).get_data(as_text=True)
    salt = re.sub(r"\s", "", re.search(r'id="commitment-salt">([^<]+)<', page).group(1))
    shown = re.sub(r"\s", "", re.search(r'id="commitment-value">([^<]+)<', page).group(1))
    digest = world["receipt"].rsplit("/", 1)[1]
    staff = app.test_client()
    sign_in(staff, "sun_committee")
    lines = [json.loads(x) for x in bundle_files(staff, world["pid"])["chain.jsonl"].splitlines()]
    entry = next(x["entry"] for x in lines if x["digest"] == digest)
    assert entry["body"]["commitment"] == shown
    assert opens(shown, world["sun"]["uid"], entry["body"]["voter"], "agree", salt)
    assert not opens(shown, world["sun"]["uid"], entry["body"]["voter"], "disagree", salt)


def test_sealed_choices_at_rest_have_one_size_and_a_tampered_row_stops_the_close(
        app, world, runner):
    from sqlalchemy import select

    from votes.extensions import db
    from votes.models import Ballot

    with app.app_context():
        rows = list(db.session.scalars(select(Ballot).where(Ballot.proposal_id == world["pid"])
                                       .order_by(Ballot.seq)))
        assert len({len(b.choice_enc) for b in rows}) == 1  # agree and disagree alike
        assert all(b"agree" not in b.choice_enc for b in rows)
        # An insider with database access swaps 赵六's sealed "disagree" for 张三's "agree".
        rows[1].choice_enc = rows[2].choice_enc
        db.session.commit()
    app.config["VOTES_NOW"] = world["t0"] + timedelta(days=8)
    result = runner.invoke(args=["proposal", "close", str(world["pid"])])
    assert result.exit_code == 1 and "承诺不符" in result.output


# ---- a tampered reveal fails at a named step --------------------------------------------


def steps(bundle: bytes) -> set[str]:
    report = verify_bundle(bundle, key_ids=[KEY_ID])
    assert not report.ok
    assert all(str(f).startswith(f"[{f.step}]") for f in report.failures)
    return {f.step for f in report.failures}


def _reclose(story, change):
    """Rewrite the close entry as an insider with the server key would: change the openings,
    then recompute a consistent tally so that only the commitments can catch it."""
    close = story.entries.pop()
    sealed = story.seal()
    openings = [o.to_dict() for o in story.openings(sealed)]
    change(openings)
    tally = recompute_tally(story.roll, story.rules, sealed, openings)
    body = dict(close["body"], tally=tally.to_dict(), openings=openings)
    story.entries.append(dict(close, body=body))
    return story.bundle()


def test_a_flipped_revealed_choice_fails_step_7_7():
    def flip(openings):
        openings[0]["choice"] = "disagree"  # v-a agreed

    assert steps(_reclose(good_story(), flip)) == {"7.7"}


def test_a_wrong_revealed_salt_fails_step_7_7():
    def wrong_salt(openings):
        openings[1]["salt"] = "00" * 32

    assert steps(_reclose(good_story(), wrong_salt)) == {"7.7"}


def test_a_missing_or_extra_opening_fails_step_7_6():
    assert "7.6" in steps(_reclose(good_story(), lambda o: o.pop()))

    def add_superseded(openings):
        openings.insert(0, dict(openings[0], seq=0))

    assert "7.6" in steps(_reclose(good_story(), add_superseded))


def test_a_choice_in_the_clear_fails_step_1_5_and_a_bad_commitment_6_3():
    story = good_story()
    story.entries[3]["body"]["choice"] = "agree"
    assert "1.5" in steps(story.bundle())  # an unknown field of the ballot body
    story = good_story()
    story.entries[3]["body"]["commitment"] = "AB" * 32
    assert "6.3" in steps(story.bundle())


def test_a_naive_edit_of_an_opening_breaks_the_digests():
    files = files_of(good_story().bundle())
    lines = [json.loads(x) for x in files["chain.jsonl"].splitlines()]
    lines[-1]["entry"]["body"]["openings"][0]["choice"] = "disagree"
    files["chain.jsonl"] = b"".join(canonical_bytes(x) + b"\n" for x in lines)
    assert {"2.1", "4.3"} <= steps(rezip(files))


def test_the_apps_closed_bundle_with_a_flipped_reveal_fails(app, world, client):
    """The same attack on a bundle the app wrote, re-sealed with the app's own key."""
    from votes.core.bundle import write_bundle
    from votes.services import keys
    from votes.services.lifecycle import get_proposal
    from votes.services.records import chain_entries, proposal_record, roll_record

    app.config["VOTES_NOW"] = world["t0"] + timedelta(days=8)
    sign_in(client, "sun_committee")
    assert verify_bundle(client.get(f"/committee/p/{world['pid']}/bundle.zip").data,
                         trust_bundle_keys=True).ok
    with app.app_context():
        p = get_proposal(str(world["pid"]))
        sealed = chain_entries(p)
        key_id, private_key = keys.signing_key()
        close = sealed.pop()
        body = close.entry["body"]
        first = next(o for o in body["openings"] if o["choice"] == "disagree")
        first["choice"] = "agree"
        roll, rules = roll_record(p), p.rules
        tally = recompute_tally(roll, rules, sealed, body["openings"])
        entry = chain.next_entry(sealed[-1], proposal=p.uid, kind="close",
                                 time=close.entry["time"], key_id=key_id,
                                 body=chain.close_body(tally.to_dict(), body["counted"],
                                                       [Opening(**o) for o in body["openings"]]))
        out = io.BytesIO()
        write_bundle(out, proposal=proposal_record(p), roll=roll,
                     chain=sealed + [chain.seal(entry, private_key)], private_key=private_key,
                     keyring=keys.keyring(), created_at=close.entry["time"])
    assert tally.agree_headcount == 2
    report = verify_bundle(out.getvalue(), trust_bundle_keys=True)
    assert {f.step for f in report.failures} == {"7.7"}
    assert "[7.7]" in report.render()


def test_the_upgrade_seals_existing_choices_and_refuses_an_open_vote(app, world, capfd):
    """Down to the schema with plaintext choices and back up: choices are sealed again; an
    open vote whose ballots have no commitments stops the upgrade."""
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import select, text

    from votes.extensions import db
    from votes.models import Ballot
    from votes.paths import MIGRATIONS_DIR
    from votes.services.choices import unseal

    with app.app_context():
        downgrade(directory=str(MIGRATIONS_DIR), revision="w_0001_witness")
        plain = db.session.execute(text("SELECT choice FROM ballots ORDER BY seq")).scalars()
        assert list(plain) == ["disagree", "disagree", "agree"]
        db.session.remove()
        with pytest.raises(SystemExit):  # Flask-Migrate's way of failing
            upgrade(directory=str(MIGRATIONS_DIR))
        assert "close these votes" in capfd.readouterr().err
        db.session.remove()
        db.session.execute(text("UPDATE proposals SET state = 'closed'"))
        db.session.commit()
        upgrade(directory=str(MIGRATIONS_DIR))
        rows = list(db.session.scalars(select(Ballot).order_by(Ballot.seq)))
        assert [unseal(b.choice_enc) for b in rows] == [
            ("disagree", None), ("disagree", None), ("agree", None)]
        assert {len(b.choice_enc) for b in rows} == {len(rows[0].choice_enc)}
