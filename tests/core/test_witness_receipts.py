"""Issue 10 against the operator, in the core: a witness's consistency check and fork
proof, cosigned heads in the bundle (step 10), owners' signed receipts (step 11)."""

from __future__ import annotations

import io
import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.bundles import KEY_ID, SERVER, Story, files_of, good_story, rezip
from votes.core import signing, witness
from votes.core.bundle import write_bundle
from votes.core.canonical import canonical_bytes
from votes.core.receipt import make_receipt
from votes.core.verifier import FAILED, IN_PROGRESS, VERIFIED, verify_bundle
from votes.core.verifier_witness import load_receipt
from votes.verify import main as verify_main

WITNESS = Ed25519PrivateKey.from_private_bytes(bytes(range(100, 132)))
WITNESS_ID = signing.key_id(WITNESS.public_key())
WITNESSES = signing.KeyRing({WITNESS_ID: WITNESS.public_key()})
SERVER_KEYS = signing.KeyRing({KEY_ID: SERVER.public_key()})


def _cosig(sealed, length: int, time: str | None = None, key=WITNESS) -> dict:
    """A cosignature of the first `length` entries; by default at the time of the last of
    them (an honest witness cannot cosign an entry before its time, step 10.4)."""
    stmt = witness.statement(proposal=sealed[0].entry["proposal"], length=length,
                             head=sealed[length - 1].digest,
                             time=time or sealed[length - 1].entry["time"],
                             witness=signing.key_id(key.public_key()))
    return witness.cosign(key, stmt)


def _bundle(story: Story, sealed=None, cosigs=()) -> bytes:
    out = io.BytesIO()
    write_bundle(out, proposal=story.proposal, roll=story.roll,
                 chain=sealed if sealed is not None else story.seal(), private_key=SERVER,
                 keyring=SERVER_KEYS, created_at="2026-12-08T02:00:00Z", witness=cosigs)
    return out.getvalue()


def _steps(report) -> set[str]:
    return {f.step for f in report.failures}


def _lines(sealed) -> list[bytes]:
    return [s.to_line() for s in sealed]


# -- the witness's check ---------------------------------------------------------------------

def test_a_chain_that_extends_the_cosigned_head_is_accepted():
    sealed = good_story().seal()
    first = witness.extend("p-example", None, _lines(sealed[:3]), SERVER_KEYS)
    assert first.digest == sealed[2].digest
    # Next round: served from the held head's position on.
    last = witness.extend("p-example", first.to_line(), _lines(sealed[2:]), SERVER_KEYS)
    assert (last.seq, last.digest) == (len(sealed) - 1, sealed[-1].digest)


def test_a_rewritten_and_resigned_entry_is_a_fork_with_two_signed_heads_as_proof():
    story = good_story()
    sealed = story.seal()
    held = sealed[3]
    forged = story.copy()
    # The operator rewrites an entry (any change: its digest changes, and every later one's)
    # and re-signs the chain with the server key. Bodies are left alone so this holds
    # whatever a ballot carries.
    forged.entries[2]["time"] = "2026-12-02T02:00:01Z"
    rewritten = forged.seal()
    with pytest.raises(witness.Fork) as caught:
        witness.extend("p-example", held.to_line(), _lines(rewritten[3:]), SERVER_KEYS)
    proof = caught.value
    old, new = (json.loads(x) for x in (proof.old, proof.new))
    assert old["entry"]["seq"] == new["entry"]["seq"] == 3
    assert old["digest"] != new["digest"]
    for line in (old, new):  # both carry a valid server signature: the operator equivocated
        assert signing.verify(SERVER.public_key(), line["digest"].encode(), line["sig"])


def test_a_served_chain_with_a_bad_signature_or_link_is_refused_not_cosigned():
    sealed = good_story().seal()
    lines = _lines(sealed)
    other = Ed25519PrivateKey.generate()
    with pytest.raises(witness.ChainProblem, match="signature"):
        witness.extend("p-example", None, lines,
                       signing.KeyRing({KEY_ID: other.public_key()}))
    with pytest.raises(witness.ChainProblem, match="prev|sequence"):
        witness.extend("p-example", None, lines[:2] + lines[3:], SERVER_KEYS)
    with pytest.raises(witness.ChainProblem, match="another proposal"):
        witness.extend("p-other", None, lines, SERVER_KEYS)


def test_a_new_entry_dated_after_the_witness_clock_and_skew_is_refused():
    """Only the new entries: the held one was checked when it was cosigned."""
    from datetime import timedelta

    from votes.core.canonical import parse_time

    sealed = good_story().seal()
    lines = _lines(sealed)
    last = parse_time(sealed[-1].entry["time"])
    at_the_bound = last - timedelta(seconds=witness.CLOCK_SKEW)
    assert witness.extend("p-example", None, lines, SERVER_KEYS, at_the_bound).seq == 6
    with pytest.raises(witness.ChainProblem, match="entry 6: dated .*, in the future"):
        witness.extend("p-example", None, lines, SERVER_KEYS,
                       at_the_bound - timedelta(seconds=1))
    held = sealed[6].to_line()
    assert witness.extend("p-example", held, lines[6:], SERVER_KEYS,
                          at_the_bound - timedelta(days=30)).seq == 6
    assert witness.extend("p-example", None, lines, SERVER_KEYS).seq == 6  # no clock given


def test_cosignature_problems():
    sealed = good_story().seal()
    good = _cosig(sealed, 3)
    assert witness.cosignature_problem(good, WITNESSES) is None
    assert "not a known witness" in witness.cosignature_problem(
        _cosig(sealed, 3, key=Ed25519PrivateKey.generate()), WITNESSES)
    bad = {**good, "statement": {**good["statement"], "length": 4}}
    assert "does not verify" in witness.cosignature_problem(bad, WITNESSES)


# -- step 10: cosignatures in the bundle -----------------------------------------------------

def test_witnessed_bundle_verifies_and_reports_how_much_was_witnessed_before_the_close():
    story = good_story()
    sealed = story.seal()
    cosigs = [_cosig(sealed, 3), _cosig(sealed, 6, "2026-12-05T00:00:00Z"),
              _cosig(sealed, 7, "2026-12-09T00:00:00Z")]  # after the close entry's time
    report = verify_bundle(_bundle(story, sealed, cosigs), key_ids=[KEY_ID],
                           witness_keys=WITNESSES)
    assert report.outcome == VERIFIED, report.render()
    assert (report.witnessed.before_close, report.witnessed.length,
            report.witnessed.entries) == (6, 7, 7)
    assert "6 of 7 entries cosigned before the close" in report.render()
    # Without the witnesses' keys the member is still checked for form, not for consistency.
    plain = verify_bundle(_bundle(story, sealed, cosigs), key_ids=[KEY_ID])
    assert plain.outcome == VERIFIED and plain.witnessed is None
    assert any(s.step.startswith("10.2") for s in plain.skipped)


def test_step_10_3_a_cosigned_head_the_chain_does_not_extend():
    story = good_story()
    witnessed = _cosig(story.seal(), 5)
    forged = story.copy()
    forged.entries[4]["time"] = "2026-12-03T02:00:01Z"  # rewritten and re-signed
    forged.entries.pop()
    forged.close()
    report = verify_bundle(_bundle(forged, None, [witnessed]), key_ids=[KEY_ID],
                           witness_keys=WITNESSES)
    assert report.outcome == FAILED
    assert _steps(report) == {"10.3"}, report.render()
    # The insider drops witness.jsonl instead: nothing contradicts, but nothing is witnessed
    dropped = verify_bundle(_bundle(forged), key_ids=[KEY_ID], witness_keys=WITNESSES)
    assert dropped.outcome == VERIFIED
    assert dropped.witnessed.before_close == 0 and "no valid cosignature" in dropped.render()
    # … unless the regulator got the cosignatures from the witness itself.
    other = _cosig(Story(proposal={**story.proposal, "uid": "p-other"}).genesis().seal(), 1)
    direct = verify_bundle(_bundle(forged), key_ids=[KEY_ID], witness_keys=WITNESSES,
                           cosignatures=[witnessed, other])
    assert _steps(direct) == {"10.3"} and "--cosignatures line 1" in direct.render()
    assert "[10.3] --cosignatures 第 1 行：见证人" in direct.render()


def test_step_10_3_a_renamed_proposal_does_not_escape_the_regulators_cosignatures():
    # The insider rewrites history and renames the proposal with a zero-width space: the
    # witness's cosignatures (for the real uid) then seemed to be for another proposal,
    # were left aside, and the bundle verified.
    story = good_story()
    witnessed = _cosig(story.seal(), 5)
    renamed = story.copy()
    renamed.proposal["uid"] = "p-example\u200b"
    renamed.entries.clear()
    renamed.genesis().paper("v-a", "disagree", "2026-12-01T02:00:00Z").close()
    report = verify_bundle(_bundle(renamed), key_ids=[KEY_ID], witness_keys=WITNESSES,
                           cosignatures=[witnessed])
    assert report.outcome == FAILED and _steps(report) == {"10.3"}, report.render()
    text = report.render()
    assert "none of the 1 --cosignatures lines is for this bundle's proposal " \
           "p-example\\u{200B}; they are for p-example" in text
    assert "事项 proposal: p-example\\u{200B}" in text  # the report shows what it checked
    assert report.to_json()["proposal"] == "p-example\\u{200B}"
    # Cosignatures of several proposals, one of them this one: the others are listed aside.
    other = _cosig(Story(proposal={**story.proposal, "uid": "p-other"}).genesis().seal(), 1)
    mixed = verify_bundle(_bundle(story), key_ids=[KEY_ID], witness_keys=WITNESSES,
                          cosignatures=[witnessed, other])
    assert mixed.outcome == VERIFIED, mixed.render()
    assert "1 --cosignatures line(s) for other proposals (p-other)" in mixed.render()


@pytest.mark.parametrize("before, outcome", [(witness.CLOCK_SKEW, VERIFIED),
                                             (witness.CLOCK_SKEW + 1, FAILED)],
                         ids=["at-the-tolerance", "one-second-more"])
def test_step_10_4_a_cosignature_earlier_than_an_entry_it_covers(before, outcome):
    """The operator closed the vote early and dated the close at the end of the vote; a
    witness that cosigned the close when it was written gives a time before the close's.
    Up to CLOCK_SKEW earlier is clocks disagreeing; one second more is a time that had not
    come. The cosignature then counts for nothing (k), in the bundle or given directly."""
    from datetime import timedelta

    from votes.core.canonical import format_time, parse_time

    story = good_story()
    sealed = story.seal()
    close = sealed[-1].entry
    assert close["kind"] == "close" and close["time"] == "2026-12-08T01:00:00Z"
    when = format_time(parse_time(close["time"]) - timedelta(seconds=before))
    ahead = _cosig(sealed, 7, when)
    for report in (verify_bundle(_bundle(story, sealed, [_cosig(sealed, 3), ahead]),
                                 key_ids=[KEY_ID], witness_keys=WITNESSES),
                   verify_bundle(_bundle(story, sealed, [_cosig(sealed, 3)]), key_ids=[KEY_ID],
                                 witness_keys=WITNESSES, cosignatures=[ahead])):
        assert report.outcome == outcome, report.render()
        if outcome == VERIFIED:
            assert report.witnessed.before_close == 7 and not report.failures
            continue
        assert _steps(report) == {"10.4"}, report.render()
        [failure] = report.failures
        assert f"cosigned 7 entries at {when}, but entry 6 is dated 2026-12-08T01:00:00Z, " \
               f"more than {witness.CLOCK_SKEW} s later" in failure.message
        assert (report.witnessed.before_close, report.witnessed.length) == (3, 3)


def test_step_10_4_names_the_latest_dated_entry_even_out_of_order():
    """Times that go backwards fail 6.8; 10.4 still finds the entry dated furthest ahead
    among those cosigned, not only the last one."""
    story = good_story()
    story.entries[2]["time"] = "2026-12-06T00:00:00Z"  # v-b's device entry, dated ahead
    sealed = story.seal()
    report = verify_bundle(_bundle(story, sealed, [_cosig(sealed, 4, "2026-12-02T02:00:00Z")]),
                           key_ids=[KEY_ID], witness_keys=WITNESSES)
    assert _steps(report) == {"6.8", "10.4"}, report.render()
    assert "entry 2 is dated 2026-12-06T00:00:00Z" in \
        next(f.message for f in report.failures if f.step == "10.4")


def test_step_10_2_a_forged_cosignature_and_10_1_a_malformed_line():
    story = good_story()
    sealed = story.seal()
    cosig = _cosig(sealed, 3)
    cosig["sig"] = _cosig(sealed, 2)["sig"]
    assert _steps(verify_bundle(_bundle(story, sealed, [cosig]), key_ids=[KEY_ID],
                                witness_keys=WITNESSES)) == {"10.2"}
    files = files_of(_bundle(story, sealed, [_cosig(sealed, 3)]))
    files["witness.jsonl"] = b'{"sig": "x"}\n'
    assert "10.1" in _steps(verify_bundle(rezip(files, resign=True), key_ids=[KEY_ID]))


def test_witness_member_must_be_covered_by_the_manifest():
    story = good_story()
    sealed = story.seal()
    files = files_of(_bundle(story, sealed))
    files["witness.jsonl"] = canonical_bytes(_cosig(sealed, 3)) + b"\n"
    report = verify_bundle(rezip(files), key_ids=[KEY_ID])  # manifest not updated
    assert report.outcome == FAILED and "1.5" in _steps(report)


# -- step 11: receipts -----------------------------------------------------------------------

def _receipt(sealed, seq: int, length: int, key=SERVER) -> dict:
    return make_receipt(key, proposal="p-example", seq=seq, digest=sealed[seq].digest,
                        length=length, head=sealed[length - 1].digest,
                        time="2026-12-02T02:00:01Z")


def test_a_receipt_of_an_entry_the_bundle_holds_passes():
    story = good_story()
    sealed = story.seal()
    report = verify_bundle(story.bundle(sealed), key_ids=[KEY_ID],
                           receipts=[_receipt(sealed, 2, 3), _receipt(sealed, 1, 5)])
    assert report.outcome == VERIFIED and report.receipts == 2, report.render()


def test_steps_11_3_and_11_4_the_operator_dropped_the_owners_entry():
    story = good_story()
    receipt = _receipt(story.seal(), 3, 4)   # v-b's online ballot at position 3
    dropped = story.copy()
    del dropped.entries[2:4]  # its device entry goes too, or 6.10 would give it away
    dropped.entries.pop()
    dropped.close()
    report = verify_bundle(dropped.bundle(), key_ids=[KEY_ID], receipts=[receipt])
    assert report.outcome == FAILED
    assert _steps(report) == {"11.3", "11.4"}, report.render()


def test_steps_11_3_and_11_4_the_operator_replaced_the_owners_entry():
    story = good_story()
    receipt = _receipt(story.seal(), 4, 5)
    replaced = story.copy()
    replaced.entries[4]["time"] = "2026-12-03T02:00:01Z"
    replaced.entries.pop()
    replaced.close()
    report = verify_bundle(replaced.bundle(), key_ids=[KEY_ID], receipts=[receipt])
    assert _steps(report) == {"11.3", "11.4"}, report.render()


def test_step_11_4_entry_kept_but_history_after_it_rewritten():
    story = good_story()
    receipt = _receipt(story.seal(), 1, 5)
    later = story.copy()
    later.entries[4]["time"] = "2026-12-03T02:00:01Z"
    later.entries.pop()
    later.close()
    report = verify_bundle(later.bundle(), key_ids=[KEY_ID], receipts=[receipt])
    assert _steps(report) == {"11.4"}, report.render()


def test_steps_11_1_and_11_2_forged_or_foreign_receipts():
    story = good_story()
    sealed = story.seal()
    forged = _receipt(sealed, 2, 3, key=Ed25519PrivateKey.generate())
    assert _steps(verify_bundle(story.bundle(sealed), key_ids=[KEY_ID],
                                receipts=[forged])) == {"11.1"}
    foreign = make_receipt(SERVER, proposal="p-other", seq=2, digest=sealed[2].digest,
                           length=3, head=sealed[2].digest, time="2026-12-02T02:00:01Z")
    assert _steps(verify_bundle(story.bundle(sealed), key_ids=[KEY_ID],
                                receipts=[foreign])) == {"11.2"}


def test_interim_bundle_with_receipt_is_in_progress():
    story = Story().genesis().paper("v-a", "agree", "2026-12-01T02:00:00Z")
    sealed = story.seal()
    report = verify_bundle(story.bundle(sealed), key_ids=[KEY_ID],
                           receipts=[_receipt(sealed, 1, 2)])
    assert report.outcome == IN_PROGRESS, report.render()


def test_cli_receipt_and_witness_keys(tmp_path, capsys):
    story = good_story()
    sealed = story.seal()
    bundle = tmp_path / "b.zip"
    bundle.write_bytes(_bundle(story, sealed, [_cosig(sealed, 4)]))
    receipt = tmp_path / "receipt.json"
    receipt.write_text(json.dumps(_receipt(sealed, 2, 4), indent=2))
    wkeys = tmp_path / "witnesses.json"
    wkeys.write_text(json.dumps(WITNESSES.to_json_obj()))
    args = [str(bundle), "--key-id", KEY_ID, "--witness-keys", str(wkeys),
            "--receipt", str(receipt)]
    assert verify_main(args) == 0
    assert "4 of 7 entries cosigned" in capsys.readouterr().out
    direct = tmp_path / "cosignatures.jsonl"
    at_the_close = _cosig(sealed, 7, "2026-12-08T01:00:00Z")  # the close entry's time
    direct.write_text(json.dumps(at_the_close) + "\n")
    assert verify_main(args + ["--cosignatures", str(direct)]) == 0
    assert "7 of 7 entries cosigned" in capsys.readouterr().out
    assert verify_main([str(bundle), "--key-id", KEY_ID, "--cosignatures", str(direct)]) == 2
    direct.write_text('{"statement": {}, "sig": "x"}\n')
    assert verify_main(args + ["--cosignatures", str(direct)]) == 2
    bad = tmp_path / "bad.json"
    bad.write_text('{"statement": {}, "sig": ""}')
    assert verify_main([str(bundle), "--key-id", KEY_ID, "--receipt", str(bad)]) == 2
    with pytest.raises(ValueError):
        load_receipt(b'{"statement": 1.5}')


# -- §12: per-unit participation -------------------------------------------------------------

def test_participation_is_derived_from_roll_and_chain_without_choices():
    from votes.core.participation import unit_participation

    story = (Story().genesis()
             .paper("v-a", "agree", "2026-12-01T02:00:00Z")
             .online("v-a", "disagree", "2026-12-01T03:00:00Z")  # supersedes: online counts
             .paper("v-developer", "disagree", "2026-12-03T02:00:00Z"))
    rows = unit_participation(story.roll, story.seal())
    assert [(r["unit_id"], r["counted"], r["channel"]) for r in rows] == [
        ("u1", True, "online"), ("u2", False, None), ("u3", True, "online"),
        ("u4", False, None), ("u5", True, "paper"), ("u6", True, "paper"),
        ("u7", False, None)]
    assert all(set(r) == {"unit_id", "building", "entrance", "room", "counted", "channel"}
               for r in rows)


def test_cli_prints_participation_only_for_a_bundle_that_did_not_fail(tmp_path, capsys):
    story = good_story()
    bundle = tmp_path / "b.zip"
    bundle.write_bytes(story.bundle())
    assert verify_main([str(bundle), "--key-id", KEY_ID, "--participation"]) == 0
    out = capsys.readouterr().out
    assert "building,entrance,room,counted,channel\n1,1,101,yes,paper\n" in out
    assert "1,1,202,no,\n" in out and "agree" not in out.split("building,")[1]
    assert verify_main([str(bundle), "--key-id", KEY_ID, "--participation", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["participation"][1] == {"unit_id": "u2", "building": "1", "entrance": "1",
                                        "room": "102", "counted": True, "channel": "online"}
    files = files_of(story.bundle())
    files["roll.json"] = files["roll.json"].replace(b'"v-c"', b'"v-x"')
    bundle.write_bytes(rezip(files, resign=True))
    assert verify_main([str(bundle), "--key-id", KEY_ID, "--participation"]) == 1
    captured = capsys.readouterr()
    assert "building,entrance" not in captured.out and "未列出各房屋参与情况：导出包未通过验证" in captured.err


def test_participation_is_listed_from_the_bundle_verified_not_from_a_second_read(
        tmp_path, capsys, monkeypatch):
    """--participation opened and read the bundle again after verifying it, and listed
    what it read then: an operator able to rewrite the file (a shared folder, a USB stick
    left in their office) could swap it between the two reads and have the regulator
    print, under a verified bundle's verdict, a list of another. The list is now derived
    from the roll and chain the verifier read and checked, in the one read."""
    import votes.core.verifier as verifier

    story = good_story()
    bundle = tmp_path / "b.zip"
    bundle.write_bytes(story.bundle())
    files = files_of(story.bundle())
    files["roll.json"] = files["roll.json"].replace(b'"building":"1"', b'"building":"9"')
    swapped = rezip(files, resign=True)
    verify = verifier.verify_bundle

    def then_swapped(*args, **kwargs):
        report = verify(*args, **kwargs)
        bundle.write_bytes(swapped)
        return report

    monkeypatch.setattr(verifier, "verify_bundle", then_swapped)
    assert verify_main([str(bundle), "--key-id", KEY_ID, "--participation"]) == 0
    out = capsys.readouterr().out
    assert "1,1,101,yes,paper\n" in out and "\n9," not in out


def test_participation_csv_cells_never_run_as_spreadsheet_formulas(tmp_path, capsys):
    import csv

    # Roll labels come from the committee's spreadsheet: whoever typed them could plant a
    # formula that runs when a regulator opens the list in Excel or WPS.
    story = Story()
    labels = [("=HYPERLINK(\"http://x\",\"1\")", "+1", "101"), ("1", "-2+3", "@SUM(A1)"),
              ("\t=1+1", "1", "\r=2"), ("２", "1", "＝1")]
    for unit, (building, entrance, room) in zip(story.roll["units"], labels):
        unit.update(building=building, entrance=entrance, room=room)
    story.genesis().paper("v-a", "agree", "2026-12-01T02:00:00Z").close()
    bundle = tmp_path / "b.zip"
    bundle.write_bytes(story.bundle())
    assert verify_main([str(bundle), "--key-id", KEY_ID, "--participation"]) == 0
    out = capsys.readouterr().out
    assert "\n=HYPERLINK" not in out and ",+1," not in out
    # A CR inside a cell is quoted: unquoted, a spreadsheet starts a new row at it.
    rows = list(csv.reader(io.StringIO(out[out.index("building,entrance"):], newline="")))
    assert rows[1][:3] == ["'=HYPERLINK(\"http://x\",\"1\")", "'+1", "101"]
    assert rows[2][:3] == ["1", "'-2+3", "'@SUM(A1)"]
    assert rows[3][:3] == ["'\t=1+1", "1", "'\r=2"]
    assert rows[4][:3] == ["２", "1", "'＝1"]
    assert rows[1][3:] == ["yes", "paper"]


def test_every_step_of_steps_10_and_11_is_in_the_spec():
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    source = (root / "votes/core/verifier_witness.py").read_text(encoding="utf-8")
    spec = (root / "docs/verification.md").read_text(encoding="utf-8")
    steps = set(re.findall(r'run\.fail\("(\d+\.\d+)"', source))
    assert steps == {"10.1", "10.2", "10.3", "10.4", "11.1", "11.2", "11.3", "11.4"}
    for step in steps:
        assert re.search(rf"\b{re.escape(step)} ", spec), step


def test_cli_cosignatures_of_countless_values_are_refused_before_they_are_parsed(
        tmp_path, capsys, monkeypatch):
    """--cosignatures reads up to 64 MiB, and parsed it with no bound on its values: 64 MiB
    of `[{},{},…]` took 1.8 GB. It is bounded as the bundle's JSON is (1.3): more than
    10,000,000 of `{`, `[` and `,` (or one in 8 of its bytes) are refused unparsed."""

    from votes.core import verifier_witness

    story = good_story()
    sealed = story.seal()
    bundle = tmp_path / "b.zip"
    bundle.write_bytes(_bundle(story, sealed))
    wkeys = tmp_path / "witnesses.json"
    wkeys.write_text(json.dumps(WITNESSES.to_json_obj()))
    args = [str(bundle), "--key-id", KEY_ID, "--witness-keys", str(wkeys), "--cosignatures"]
    honest = tmp_path / "honest.jsonl"
    honest.write_text(json.dumps(_cosig(sealed, 7, "2026-12-08T01:00:00Z")) + "\n")
    assert verify_main(args + [str(honest)]) == 0
    assert "7 of 7 entries cosigned" in capsys.readouterr().out

    hostile = tmp_path / "hostile.jsonl"
    hostile.write_bytes(b"[" + b"{}," * 5_000_000 + b"{}]\n")  # 10,000,001 of them

    def parsed(*args, **kwargs):
        raise AssertionError("the file was parsed")

    monkeypatch.setattr(verifier_witness, "read_json", parsed)
    assert verify_main(args + [str(hostile)]) == 2
    err = capsys.readouterr().err
    assert f"文件 {hostile} 的内容有误：" in err and "over the limit of 10,000,000" in err
    assert "Traceback" not in err


def test_cosignatures_of_countless_lines_are_read_one_at_a_time():
    """Its lines were split all at once: 64 MiB of `ab` lines made a list of 22 million
    strings (1.7 GB) before the first was found not to be JSON."""
    import tracemalloc

    from votes.core.verifier_witness import load_cosignatures

    data = b"ab\n" * 2_000_000
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match="line 1: not valid JSON"):
            load_cosignatures(data)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < len(data) // 10, peak


# -- step 10.3: a bundle older than a cosignature ---------------------------------------------

def test_step_10_3_an_honest_older_bundle_is_not_accused_by_a_later_cosignature():
    """An interim bundle (or a final one exported before objections were appended) holds
    fewer entries than the witness has cosigned since: that cosignature cannot vouch for
    it, nor contradict it. Not checked, said so, and the earlier cosignatures still are."""
    story = good_story()
    sealed = story.seal()
    early, later = _cosig(sealed, 3), _cosig(sealed, 7, "2026-12-08T01:02:00Z")
    older = _bundle(story, sealed[:5])
    report = verify_bundle(older, key_ids=[KEY_ID], witness_keys=WITNESSES,
                           cosignatures=[early, later])
    assert report.outcome == IN_PROGRESS and not report.failures, report.render()
    assert (report.witnessed.length, report.witnessed.newer) == (3, 7)
    text = report.render()
    assert "1 cosignature(s) of more entries than this bundle holds" in text, text
    assert "7 entries cosigned at 2026-12-08T01:02:00Z" in text, text
    assert "this bundle lacks entries 5 to 6" in text, text
    assert report.to_json()["witnessed"]["newer"] == 7


def test_step_10_3_a_shorter_chain_whose_last_entry_is_dated_after_the_cosignature_fails():
    """When this chain's last entry was written the witness had already seen a longer chain
    (beyond what two clocks may disagree): not an older bundle but another history — two
    ballots dropped and the vote closed again."""
    story = good_story()
    witnessed = _cosig(story.seal(), 6, "2026-12-05T00:00:00Z")
    forged = Story().genesis().paper("v-a", "agree", "2026-12-01T02:00:00Z") \
        .paper("v-developer", "disagree", "2026-12-03T02:00:00Z") \
        .paper("v-d", "abstain", "2026-12-04T02:00:00Z").close()
    report = verify_bundle(_bundle(forged), key_ids=[KEY_ID], witness_keys=WITNESSES,
                           cosignatures=[witnessed])
    assert report.outcome == FAILED and _steps(report) == {"10.3"}, report.render()
    [failure] = report.failures
    assert "cosigned 6 entries at 2026-12-05T00:00:00Z; this chain holds 5, and its entry 4 " \
           "is dated 2026-12-08T01:00:00Z" in failure.message, failure.message


def test_step_11_4_a_receipt_issued_under_a_later_chain_than_an_older_bundle():
    """The receipt page signs the chain's head as it is when the owner opens it: one
    downloaded after the close (objections appended since) names more entries than a bundle
    exported earlier. The owner's entry is there (11.3); 11.4 cannot be checked, and the
    bundle is not accused of cutting history — unless its last entry is dated after the
    receipt, when the server itself had already signed a longer chain."""
    story = good_story()
    sealed = story.seal()
    late = make_receipt(SERVER, proposal="p-example", seq=3, digest=sealed[3].digest,
                        length=7, head=sealed[6].digest, time="2026-12-08T01:05:00Z")
    report = verify_bundle(story.bundle(sealed[:5]), key_ids=[KEY_ID], receipts=[late])
    assert report.outcome == IN_PROGRESS and not report.failures, report.render()
    assert "receipt 1: issued under 7 entries at 2026-12-08T01:05:00Z; this bundle holds 5" \
        in report.render()
    early = make_receipt(SERVER, proposal="p-example", seq=1, digest=sealed[1].digest,
                         length=6, head=sealed[5].digest, time="2026-12-05T00:00:00Z")
    forged = Story().genesis().paper("v-a", "agree", "2026-12-01T02:00:00Z") \
        .paper("v-developer", "disagree", "2026-12-03T02:00:00Z") \
        .paper("v-d", "abstain", "2026-12-04T02:00:00Z").close()
    cut = verify_bundle(forged.bundle(), key_ids=[KEY_ID], receipts=[early])
    assert _steps(cut) == {"11.4"}, cut.render()
    assert "issued under 6 entries at 2026-12-05T00:00:00Z; this chain holds 5, and its " \
           "entry 4 is dated 2026-12-08T01:00:00Z" in cut.render()


def test_a_failed_report_names_the_failed_checks_in_chinese():
    story = good_story()
    witnessed = _cosig(story.seal(), 5)
    forged = story.copy()
    forged.entries[4]["time"] = "2026-12-03T02:00:01Z"
    forged.entries.pop()
    forged.close()
    report = verify_bundle(_bundle(forged, None, [witnessed]), key_ids=[KEY_ID],
                           witness_keys=WITNESSES)
    text = report.render()
    assert "未通过的检查 failed checks:\n  10.3 链延续见证人签署的链头；--cosignatures 针对本事项" \
        in text, text
    assert report.to_json()["failures"][0]["title"] == \
        "链延续见证人签署的链头；--cosignatures 针对本事项"
    assert "未通过的检查" not in verify_bundle(story.bundle(), key_ids=[KEY_ID]).render()


def test_a_witness_key_that_is_a_server_key_vouches_for_nothing():
    """A --witness-keys file holding the server's own key (the operator handed it over as a
    witness's): its cosignatures are the operator vouching for itself."""
    story = good_story()
    sealed = story.seal()
    both = signing.KeyRing({WITNESS_ID: WITNESS.public_key(), KEY_ID: SERVER.public_key()})
    own = _cosig(sealed, 7, "2026-12-08T00:59:00Z", key=SERVER)
    report = verify_bundle(_bundle(story, sealed, [_cosig(sealed, 3), own]), key_ids=[KEY_ID],
                           witness_keys=both)
    assert report.outcome == VERIFIED, report.render()
    assert (report.witnessed.before_close, report.witnessed.witnesses) == (3, (WITNESS_ID,))
    assert f"witness key {KEY_ID} is a key of this bundle's server" in report.render()


def test_a_receipt_saved_again_by_a_windows_editor_is_still_read(tmp_path, capsys):
    """The owner's receipt, opened and saved in Notepad, starts with a UTF-8 byte order mark
    (and CRLF line ends): it is the same receipt, read as the --keys file is (§6, §11).
    Refused, the owner's one proof against the operator was "cannot be read"."""
    story = good_story()
    sealed = story.seal()
    bundle = tmp_path / "b.zip"
    bundle.write_bytes(story.bundle(sealed))
    receipt = tmp_path / "receipt.json"
    text = json.dumps(_receipt(sealed, 2, 4), indent=2).replace("\n", "\r\n")
    receipt.write_bytes(b"\xef\xbb\xbf" + text.encode())
    assert verify_main([str(bundle), "--key-id", KEY_ID, "--receipt", str(receipt)]) == 0
    assert "回执 receipts checked: 1" in capsys.readouterr().out
    receipt.write_bytes(b"\xef\xbb\xbf\xef\xbb\xbf" + text.encode())  # two marks: not JSON
    assert verify_main([str(bundle), "--key-id", KEY_ID, "--receipt", str(receipt)]) == 2
