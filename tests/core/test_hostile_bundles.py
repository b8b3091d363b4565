"""Bundles built by hand to slip past the reference verifier or to stall it: names the ZIP
reader rewrites, text that drives the regulator's terminal, inputs that made a step
quadratic or the reading of a file unbounded."""

from __future__ import annotations

import io
import zipfile

import pytest

from tests.bundles import KEY_ID, files_of, good_story
from tests.core.tamper_tools import steps


def test_1_2_a_member_name_with_a_nul_byte_is_not_the_name_before_it():
    """Python's zipfile cuts a member's name at its first NUL byte, so a member stored as
    "report.txt\\0/.x" was read as report.txt and the bundle verified, although §2.1 asks
    for exactly these names and a verifier comparing the names as stored fails 1.2."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, data in files_of(good_story().bundle()).items():
            z.writestr(name + ("QQQQ" if name == "report.txt" else ""), data)
    raw = out.getvalue().replace(b"report.txtQQQQ", b"report.txt\0/.x")
    assert steps(raw) == {"1.2"}


def _printed(bundle: bytes, tmp_path, *options: str):
    from click.testing import CliRunner

    from votes.cli import main

    path = tmp_path / "bundle.zip"
    path.write_bytes(bundle)
    return CliRunner().invoke(main, ["verify", str(path), "--key-id", KEY_ID, *options])


# Clear the screen, write a verdict of one's own, and hide what follows (SGR 8, conceal).
SPOOF = "\x1b[2J\x1b[H验证通过 / VERIFIED\x1b[8m"


def test_the_report_prints_no_control_character_of_the_bundle(tmp_path):
    """The report quoted names from the bundle as they were — an unknown field (1.5), a
    voter key not in the roll (6.1) — so an operator could clear the regulator's terminal,
    print "验证通过 / VERIFIED" and conceal the real failures and verdict after it. Every
    hidden character of a message is now written as \\u{XXXX}, as proposal names were."""
    story = good_story()
    story.roll["units"][0][SPOOF] = "x"  # fails 1.5 with the field's name
    insider = good_story()
    voter = "v\u202e" + SPOOF[:20]
    insider.entries[1]["body"]["voter"] = voter  # a ballot of a voter not in the roll
    for bundle, step in ((story.bundle(), "1.5"), (insider.bundle(), "6.1")):
        for options, said in (((), f"[{step}]"), (("--json",), f'"step": "{step}"')):
            result = _printed(bundle, tmp_path, *options)
            assert result.exit_code == 1, result.output
            assert said in result.output
            assert "[2J" in result.output  # the name is shown, its ESC escaped
            for line in result.output.splitlines():
                assert line.isprintable(), repr(line)


def test_a_receipt_file_that_cannot_be_read_is_named_without_its_control_characters(
        tmp_path):
    """An owner's receipt is downloaded from the operator's server: the error naming what
    is wrong in it printed the file's field names as they were."""
    receipt = tmp_path / "receipt.json"
    receipt.write_text('{"statement": {}, "sig": "", "%s": 1}' % SPOOF.replace("\x1b", "\\u001b"))
    result = _printed(good_story().bundle(), tmp_path, "--receipt", str(receipt))
    assert result.exit_code == 2
    assert "[2J" in result.output  # the name is shown, its ESC escaped
    for line in result.output.splitlines():
        assert line.isprintable(), repr(line)


def test_5_9_a_scope_of_many_units_is_checked_in_linear_time():
    """`unit:` lists units one by one, and each unit of the roll was looked for in that
    list from its start: a roll of 30,000 units and a scope naming each took about 10 s
    (40 minutes at the size limit). Honest bundles name a few units."""
    import time

    from tests.bundles import Story

    size = 30_000
    story = Story()
    story.roll = {"units": [{"unit_id": f"u{i}", "building": "1", "entrance": "1",
                             "room": str(i), "area": 100, "area_basis": "registered",
                             "voter": f"v{i}"} for i in range(size)],
                  "total_area": 100 * size, "total_headcount": size}
    story.proposal["scope"] = "unit:" + ",".join(f"1-1-{i}" for i in range(size))
    story.genesis().paper("v7", "agree", "2026-12-01T02:00:00Z").close()
    bundle = story.bundle()
    started = time.process_time()
    from tests.core.tamper_tools import verify

    report = verify(bundle)
    assert time.process_time() - started < 4.0
    assert report.ok, report.render()


def test_18_3_many_works_entries_are_checked_in_linear_time():
    """The order of the works stages was checked against a list of the stages seen so far,
    read from its start for each entry: 60,000 payment entries took about 20 s (an hour
    for the chain at the size limit)."""
    import time

    from votes.core.verifier_base import _Bundle, _Run
    from votes.core.verifier_works import check_works

    evidence = ["ab" * 32]
    bodies = [{"stage": "contract", "data": {"contractor": "c", "amount": 100,
                                             "tolerance_bp": 0, "evidence": evidence}}]
    bodies += [{"stage": "payment", "data": {"amount": 0, "note": "", "evidence": evidence}}
               for _ in range(60_000)]
    b = _Bundle(files={})
    b.lines = [{"entry": {"kind": "works", "time": "2026-12-09T00:00:00Z", "body": body}}
               for body in bodies]
    b.typed = [True] * len(b.lines)
    run = _Run()
    started = time.process_time()
    check_works(b, None, run)
    assert time.process_time() - started < 2.0
    assert {f.step for f in run.failures} == {"18.2"}  # no close: nothing else is wrong


@pytest.mark.parametrize("line", [b"1", b"[]", b'"entry"', b"null", b"true"])
def test_1_5_a_chain_line_that_is_no_object_fails_1_5_without_a_traceback(line):
    """A line of chain.jsonl that is canonical JSON but no object (a number, an array, a
    string) raised AttributeError out of verify_bundle: looking for an emergency entry
    (§18.6) asked each parsed line for its entry with line.get. `votes verify` printed a
    Python traceback instead of the failing step."""
    from tests.bundles import rezip
    from tests.core.tamper_tools import verify

    files = files_of(good_story().bundle())
    files["chain.jsonl"] += line + b"\n"
    report = verify(rezip(files))
    assert report.outcome == "failed"
    assert "1.5" in {f.step for f in report.failures}


def _deflated(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(name, data)
    return out.getvalue()


def test_1_4_a_chain_of_countless_bad_lines_is_read_only_so_far():
    """256 MiB of newlines deflate to a quarter of a megabyte, and each empty line was a
    failure of its own: hundreds of millions of them, each kept with its line, its digest
    and its message (1,000,000 took 30 s and 600 MB; the file at the size limit, hours and
    far more memory than a regulator's computer has). After 1,000 lines that fail 1.4 or
    1.5 the verifier now reads no further, says so, and runs no later step."""
    from tests.core.tamper_tools import verify

    files = files_of(good_story().bundle())
    files["chain.jsonl"] += b"\n" * 300_000 + b"1\n" * 300_000
    report = verify(_deflated(files))
    assert report.outcome == "failed"
    assert {f.step for f in report.failures} == {"1.4"}
    assert len(report.failures) == 1_001
    assert "not read further" in report.failures[-1].message
    assert "2–19" in {s.step for s in report.skipped}


def test_10_1_a_witness_file_of_countless_bad_lines_is_read_only_so_far():
    """The same for witness.jsonl, each of whose empty lines failed 10.1."""
    from tests.bundles import rezip
    from tests.core.tamper_tools import verify
    from tests.core.test_witness_receipts import WITNESSES, _bundle, _cosig

    story = good_story()
    sealed = story.seal()
    files = files_of(_bundle(story, sealed, [_cosig(sealed, len(sealed))]))
    files["witness.jsonl"] += b"\n" * 300_000
    report = verify(rezip(files, resign=True), witness_keys=WITNESSES)
    assert {f.step for f in report.failures} == {"10.1"}
    assert len(report.failures) == 1_001
    assert "not read further" in report.failures[-1].message
    assert report.witnessed.length == len(sealed)  # the cosignature before them counts


def test_a_file_given_beside_the_bundle_over_its_limit_is_refused_not_cut(tmp_path):
    """§6: a keys file is at most 1,000,000 bytes, §11: a receipt at most 100,000. Both
    were read up to their limit and the rest dropped, so a file with more after that point
    (here only spaces) was read as if it ended there; cosignatures likewise at 64 MiB, where
    whole lines beyond were left out unsaid."""
    import json

    from tests.bundles import SERVER
    from votes.core import signing

    keys = json.dumps({"keys": [{"key_id": KEY_ID, "alg": "Ed25519",
                                 "public_key": signing.public_key_b64(SERVER.public_key())}]})
    path = tmp_path / "keys.json"
    path.write_text(keys + " " * (1_000_001 - len(keys)))
    bundle = tmp_path / "bundle.zip"
    bundle.write_bytes(good_story().bundle())
    from click.testing import CliRunner

    from votes.cli import main

    result = CliRunner().invoke(main, ["verify", str(bundle), "--keys", str(path)])
    assert result.exit_code == 2, result.output
    assert "1000000" in result.output.replace(",", "")
    path.write_text(keys)
    assert CliRunner().invoke(main, ["verify", str(bundle), "--keys", str(path)]).exit_code == 0


def test_a_building_label_of_many_suffixes_is_read_in_linear_time():
    """§5.9's canonical form strips one suffix (楼, 号, …) and then a leading 第 per round,
    and each round searched and copied the whole label: "1" and 30,000 times 楼 (90 kB in
    roll.json) took about 15 s in the tally's sort (7.4), and a label of a few megabytes
    hours. It still reads as building 1."""
    import time

    from tests.bundles import Story
    from tests.core.tamper_tools import verify
    from votes.core.roll import normalise_building, normalise_entrance

    story = Story()
    story.roll["units"][0]["building"] = "第" * 30_000 + "1" + "号楼" * 15_000
    story.roll["units"][1]["entrance"] = "1" + "单元" * 30_000
    story.genesis().paper("v-a", "agree", "2026-12-01T02:00:00Z").close()
    bundle = story.bundle()
    from votes.core import roll

    for cached in (roll.normalise_building, roll.normalise_entrance, roll._building_key,
                   roll._entrance_key):  # as in the regulator's own process: read anew
        cached.cache_clear()
    started = time.process_time()
    report = verify(bundle)
    assert time.process_time() - started < 3.0
    assert report.ok, report.render()
    assert normalise_building("第" * 3 + "1" + "号楼" * 3) == "1"
    assert normalise_entrance("1" + "单元" * 3) == "1"


def test_labels_with_thousands_of_digits_are_sorted_not_refused():
    """Unit ids and labels are any strings (§2.4), and the tally sorts the roll by them,
    digit runs as numbers: int() refuses more than 4,300 digits (and takes time quadratic
    in them below that), so a roll with such a unit id or room — or a building of as many
    Chinese numerals, read as a number — failed "[7.1] cannot be completed: the data has an
    unexpected shape (ValueError)" with 7.3–8.1 unchecked, where the spec says nothing is
    wrong."""
    from tests.bundles import Story
    from tests.core.tamper_tools import verify
    from votes.core.roll import natural_key, normalise_building

    story = Story()
    story.roll["units"][0]["unit_id"] = "u" + "7" * 5_000
    story.roll["units"][1]["room"] = "1" * 5_000
    story.roll["units"][2]["building"] = "一" * 5_000
    story.genesis().paper("v-a", "agree", "2026-12-01T02:00:00Z").close()
    report = verify(story.bundle())
    assert report.ok, report.render()
    assert normalise_building("一" * 5_000) == "1" * 5_000
    assert normalise_building("〇〇一〇") == "10"
    for a, b in (("2", "10"), ("02", "3"), ("9" * 5_000, "1" + "0" * 5_000), ("a٣", "a4")):
        assert natural_key(a) < natural_key(b)
    assert natural_key("01") == natural_key("1")


def test_periods_that_end_after_the_year_9999_are_not_an_unexpected_shape():
    """objection_days is typed a uint (§2.5) and a time may be as late as 9999-12-31: the
    end of a period of 999,999,999 days, or a cosignature's time plus 300 s (10.4), lies
    past what a datetime holds, and the steps failed with "cannot be completed ...
    (OverflowError)" instead of judging: the objection lies in its period; the cosignature
    covers no entry dated after it. (So many days are more than a community can set: 5.7
    says so, and it is the only failure.)"""
    from tests.bundles import Story
    from tests.core.tamper_tools import verify
    from tests.core.test_witness_receipts import WITNESSES, _bundle, _cosig
    from votes.core.objection import objection_body

    story = Story()
    story.rules = dict(story.rules, objection_days=999_999_999)
    story.genesis().paper("v-a", "agree", "2026-12-01T02:00:00Z").close()
    story.entries.append({"kind": "objection", "time": "2026-12-08T01:30:00Z",
                          "body": objection_body(voter="v-b", text="不同意", channel="online")})
    report = verify(story.bundle())
    assert [f.step for f in report.failures] == ["5.7"], report.render()
    sealed = story.seal()
    late = _cosig(sealed, len(sealed), time="9999-12-31T23:59:59Z")
    report = verify(_bundle(story, sealed, [late]), witness_keys=WITNESSES)
    assert [f.step for f in report.failures] == ["5.7"], report.render()
    assert report.witnessed.length == len(sealed)


def test_an_unknown_field_is_named_in_a_few_characters():
    """1.5 named unknown fields whole: a field name of megabytes (each character a control
    one, shown as \\u{0001}: eight times as long) made a report line of as many, printed."""
    from tests.core.tamper_tools import verify

    story = good_story()
    story.roll["units"][0]["\x01" * 1_000_000] = 1
    report = verify(story.bundle())
    assert {f.step for f in report.failures} >= {"1.5"}
    assert max(len(f.message) for f in report.failures) < 300


def test_1_4_a_works_entry_nested_deeper_than_32_fails_1_4():
    """§1.1: no value lies inside more than 32 arrays and objects, in every line of the
    chain. The depth was checked only for lines that failed 1.5, a well-typed line's depth
    being bounded by its type — but a works entry's `data` is any object (typed by its
    stage in 18.1, §2.5), so a line nested 40 deep passed 1.4 (and failed 18.1 alone)."""
    from tests.core.test_works_chain import EV, _add, passed_story, steps
    from votes.core import works

    story = passed_story()
    body = works.contract_body(contractor="c", amount=600000, tolerance_bp=500, evidence=EV)
    nested: list = []
    for _ in range(40):
        nested = [nested]
    body["data"]["notes"] = nested
    _add(story, body, "2026-12-10T01:00:00Z")
    assert "1.4" in steps(story)


def _with_extra_members(count: int) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, data in files_of(good_story().bundle()).items():
            z.writestr(name, data)
        for n in range(count):
            z.writestr(f"x{n}", b"")
    return out.getvalue()


def test_1_2_a_zip_of_countless_members_is_refused_from_its_end_record():
    """200,000 empty members are 17 MB of ZIP: zipfile read the whole central directory
    (200 MB of memory), then 1.2 failed once for each member. A bundle has at most nine
    members; the count in the ZIP's end record is checked before the directory is read,
    and 1.2 fails once, saying how many it holds."""
    from tests.core.tamper_tools import verify

    report = verify(_with_extra_members(20_000))
    assert [f.step for f in report.failures] == ["1.2"]
    assert "20008" in report.failures[0].message
    assert "2–19" in {s.step for s in report.skipped}


def test_1_2_an_end_record_that_understates_the_members_does_not_hide_them():
    """The end record's count can lie (zipfile reads the directory to its end whatever it
    says): the members read are counted again, and the directory's size is bounded."""
    import struct

    from tests.core.tamper_tools import verify

    raw = bytearray(_with_extra_members(20_000))
    end = raw.rindex(b"PK\x05\x06")
    raw[end + 8:end + 12] = struct.pack("<HH", 9, 9)  # members on this disk, in all
    report = verify(bytes(raw))
    assert [f.step for f in report.failures] == ["1.2"]
    assert "20008" in report.failures[0].message


def test_1_3_json_members_of_countless_values_are_refused_before_they_are_parsed():
    """256 MiB of `[{},{},…]` deflate to a quarter of a megabyte and parse to 90 million
    objects: 7 GB of memory, 27 s, before 1.5 said roll.json was no object. The JSON members
    together may now hold 10,000,000 of the bytes `{`, `[` and `,` (the largest real bundle,
    100,000 units and ballots, holds 4.2 million), counted before anything is parsed."""
    from tests.core.tamper_tools import verify

    files = files_of(good_story().bundle())
    files["roll.json"] = b"[" + b"{}," * 5_000_000 + b"{}]"  # 10,000,001 of them
    report = verify(_deflated(files))
    assert [f.step for f in report.failures] == ["1.3"]
    assert "10,000,000" in report.failures[0].message
    assert "2–19" in {s.step for s in report.skipped}


def test_1_3_a_large_honest_bundle_is_not_refused_for_its_values(monkeypatch):
    """Above 10,000,000 the values may be one in 8 bytes of the JSON: a vote larger than
    100,000 units, or one where many owners changed their ballot, passes 1.3, as honest
    bundles of any size must. (The floor is lowered here so a small bundle is above it.)"""
    from votes.core import bundle_zip
    from tests.core.tamper_tools import verify

    bundle = good_story().bundle()
    files = files_of(bundle)
    items = sum(sum(d.count(c) for c in b"{[,") for n, d in files.items()
                if n in bundle_zip.JSON_MEMBERS)
    monkeypatch.setattr(bundle_zip, "MAX_JSON_ITEMS", items // 2)
    assert verify(bundle).ok
    files["roll.json"] = b"[" + b"{}," * (items * 20) + b"{}]"  # one in 1.5 bytes
    report = verify(_deflated(files))
    assert [f.step for f in report.failures] == ["1.3"]


def test_1_3_a_member_is_held_once_while_it_is_read():
    """Each member was read in 1 MiB chunks, then joined: for a moment both, twice its size
    (512 MiB for a member at its 256 MiB limit). It is now gathered in one buffer."""
    import tracemalloc

    from votes.core.bundle_zip import read_members

    files = files_of(good_story().bundle())
    size = 32 * 2**20
    files["ballots.csv"] = b"a" * size
    bundle = _deflated(files)
    del files
    tracemalloc.start()
    try:
        read = read_members(bundle, lambda step, why: pytest.fail(f"{step}: {why}"))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(read["ballots.csv"]) == size
    assert peak < 1.5 * size, peak


def test_1_3_a_json_file_over_64_mib_is_refused_from_the_central_directory():
    """manifest.json, proposal.json, roll.json and tally.json were bounded only as any
    member (256 MiB), and a JSON text is parsed whole: its text, value and re-encoding
    held at once (one 256 MiB string with a character outside the BMP took 3.7 GB). Each
    is at most 64 MiB now (a roll of 100,000 units is 12 MB), checked before inflating."""
    from tests.core.tamper_tools import set_declared_size, verify, zip_members

    files = files_of(good_story().bundle())
    bundle = set_declared_size(zip_members(sorted(files.items())), "roll.json",
                               64 * 2**20 + 1)
    report = verify(bundle)
    assert [f.step for f in report.failures] == ["1.3"]
    assert "roll.json declares 67108865 bytes" in report.failures[0].message


def test_1_4_a_chain_line_over_64_mib_fails_without_being_parsed():
    """So is each line of chain.jsonl (its genesis, holding the roll, is the longest: 11 MB
    at 100,000 units); a longer one fails 1.4 unread, as a line that is not canonical."""
    from tests.core.tamper_tools import verify

    files = files_of(good_story().bundle())
    files["chain.jsonl"] += b'{"x":"' + b"a" * (64 * 2**20) + b'"}\n'
    report = verify(_deflated(files))
    bad = [f for f in report.failures if f.step == "1.4"]
    assert len(bad) == 1 and "longer than 67,108,864 bytes" in bad[0].message
    assert "1.5" not in {f.step for f in report.failures}


def test_10_1_a_witness_line_over_64_mib_fails_without_being_parsed():
    from tests.bundles import rezip
    from tests.core.tamper_tools import verify
    from tests.core.test_witness_receipts import WITNESSES, _bundle, _cosig

    story = good_story()
    sealed = story.seal()
    files = files_of(_bundle(story, sealed, [_cosig(sealed, len(sealed))]))
    files["witness.jsonl"] += b'{"x":"' + b"a" * (64 * 2**20) + b'"}\n'
    report = verify(rezip(files, resign=True), witness_keys=WITNESSES)
    assert [f.step for f in report.failures] == ["10.1"]
    assert "longer than 67,108,864 bytes" in report.failures[0].message
    assert report.witnessed.length == len(sealed)


@pytest.mark.parametrize("where", ["before", "after"])
def test_1_1_bytes_before_or_after_the_zip_fail_1_1(where):
    """Python's zipfile reads a ZIP with bytes before it (it shifts every offset by them) or
    after its end record: a bundle could then be one file for the verifier and another for
    a program reading it from its other end (a PDF or a web page showing a result of its
    own). The end record says where the central directory is and how long its comment is:
    the ZIP is the whole file, from its first byte to its last."""
    from tests.core.tamper_tools import verify

    good = good_story().bundle()
    junk = b"%PDF-1.4\n% another document\n"
    raw = junk + good if where == "before" else good + junk
    report = verify(raw)
    assert [f.step for f in report.failures] == ["1.1"], report.failures
    assert ("before" if where == "before" else "after") in report.failures[0].message
    assert not verify(good).failures


def test_the_trust_anchor_line_prints_no_control_character_the_regulator_typed(tmp_path):
    """The --key-id the regulator gives is printed back on the trust-anchor line and in the
    JSON report: pasted from a mail, it may carry escape sequences or direction controls,
    which went to the terminal as they were (a key id from the bundle never did)."""
    import json

    path = tmp_path / "bundle.zip"
    path.write_bytes(good_story().bundle())
    from click.testing import CliRunner

    from votes.cli import main

    for options in ((), ("--json",)):
        result = CliRunner().invoke(main, ["verify", str(path), "--key-id",
                                           KEY_ID + SPOOF + "\u202e", *options])
        assert "\x1b" not in result.output and "\u202e" not in result.output, result.output
        assert "\\u{001B}" in (json.loads(result.stdout)["anchor"] if options
                              else result.output)
