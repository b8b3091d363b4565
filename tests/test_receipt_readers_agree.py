"""The public board's receipt lookup (from the operator's database) and `votes verify
--find-receipt` (from the bundle, docs/verification.md §11.2) read the same codes and say
the same of each: counted, current (vote in progress), superseded by which entry, withdrawn
(also when its voter voted again since), not found, not a receipt code. Side by side, on
one vote, during voting and after the close; and over a list of typed forms."""

from __future__ import annotations


import pytest
from sqlalchemy import select

from tests.procedure_world import END, at, open_vote, scan, show, vote

REASON = "表决票签名为其他房屋业主，录入时错选了房号"


def _online(app, pid, voter, choice):
    from votes.core.tally import Choice
    from votes.extensions import db
    from votes.models import FrozenUnit
    from votes.services.ballots import BallotRequest, cast_ballot
    from votes.services.lifecycle import get_proposal
    from tests.procedure_world import UNITS

    building, entrance, room = UNITS[voter]
    with app.app_context():
        p = get_proposal(str(pid))
        key = db.session.scalar(select(FrozenUnit.voter_key).where(
            FrozenUnit.proposal_id == p.id, FrozenUnit.building == building,
            FrozenUnit.entrance == entrance, FrozenUnit.room == room))
        return cast_ballot(p.id, BallotRequest(key, Choice(choice), "online")).seq


def _ok(result):
    assert result.exit_code == 0, result.output
    return result


def _correct(runner, pid, seq):
    _ok(runner.invoke(args=["ballots", "correct", pid, "--entry", str(seq), "--choice",
                            "disagree", "--reason", "录入时勾错了意见", "--entered-by", "clerk2"]))


def _withdraw(runner, tmp_path, pid, seq):
    _ok(runner.invoke(args=["ballots", "withdraw", pid, str(seq), "--reason", REASON,
                            "--evidence", scan(tmp_path, f"mistake-{seq}.pdf", b"%PDF other"),
                            "--entered-by", "clerk2"]))


def _story(app, runner, tmp_path) -> tuple[str, dict[str, int]]:
    """One vote with every case §11.2 names; each ballot entry's seq by its name."""
    pid = open_vote(app, runner, tmp_path, create=("--allow-change",))
    seqs = {}
    vote(runner, tmp_path, pid, {"A": "agree"})  # paper, then corrected by staff
    seqs["A1"] = 1
    _correct(runner, pid, 1)
    seqs["A2"] = 2
    seqs["B1"] = _online(app, pid, "B", "agree")  # the owner's own change
    seqs["B2"] = _online(app, pid, "B", "disagree")
    vote(runner, tmp_path, pid, {"C": "agree"})  # withdrawn, then the owner voted again
    seqs["C1"] = seqs["B2"] + 1
    _withdraw(runner, tmp_path, pid, seqs["C1"])
    seqs["C2"] = _online(app, pid, "C", "disagree")
    vote(runner, tmp_path, pid, {"D": "agree"})  # withdrawn, no other ballot
    seqs["D1"] = seqs["C2"] + 1
    _withdraw(runner, tmp_path, pid, seqs["D1"])
    vote(runner, tmp_path, pid, {"E": "agree"})  # corrected, the correction withdrawn, again
    seqs["E1"] = seqs["D1"] + 2
    _correct(runner, pid, seqs["E1"])
    seqs["E2"] = seqs["E1"] + 1
    _withdraw(runner, tmp_path, pid, seqs["E2"])
    seqs["E3"] = _online(app, pid, "E", "agree")
    return pid, seqs


def _digests(app, pid) -> dict[int, str]:
    from votes.extensions import db
    from votes.models import ChainEntry

    with app.app_context():
        return dict(db.session.execute(select(ChainEntry.seq, ChainEntry.digest).where(
            ChainEntry.proposal_id == int(pid), ChainEntry.kind == "ballot")).all())


def _verifier(app, runner, tmp_path, pid, codes) -> list[tuple]:
    from votes.core.verifier import verify_bundle
    from votes.services.keys import keyring

    path = tmp_path / "bundle.zip"
    _ok(runner.invoke(args=["export", pid, "-o", str(path)]))
    with app.app_context():
        ring = keyring()
    report = verify_bundle(path.read_bytes(), trusted_keys=ring, find_receipts=codes)
    assert report.receipt_lookups is not None, report.render()
    return [(f["status"], f["seq"], f["replaced_by"]) for f in report.receipt_lookups]


def _board(app, pid, codes) -> list[tuple]:
    from votes.services.lifecycle import get_proposal
    from votes.services.owner_receipts import lookup_receipt

    out = []
    with app.app_context():
        p = get_proposal(pid)
        closed = p.state in ("closed", "published")
        for code in codes:
            got = lookup_receipt(p, code)
            assert got.damaged is None
            if got.malformed:
                out.append(("invalid", None, None))
            elif got.ambiguous:
                out.append(("ambiguous", None, None))
            elif got.seq is None:
                out.append(("not_found", None, None))
            elif got.withdrawn_by is not None:
                out.append(("withdrawn", got.seq, None))
            elif got.counted:
                out.append(("counted" if closed else "current", got.seq, None))
            else:
                out.append(("superseded", got.seq, got.replaced_by.seq))
    return out


EXPECTED = {"A1": ("superseded", "A2"), "A2": ("counted", None),
            "B1": ("superseded", "B2"), "B2": ("counted", None),
            "C1": ("withdrawn", None), "C2": ("counted", None),
            "D1": ("withdrawn", None),
            "E1": ("withdrawn", None), "E2": ("withdrawn", None), "E3": ("counted", None)}


# What the board's page says of each status, in the owners' words (§11.2's lines).
# A superseded ballot's words name how: the owner's change, a correction or a sale.
WORDS = {"counted": ("已计入上面的表决结果",), "current": ("是该业主目前有效的选票（表决尚未结束）",),
         "superseded": ("已被同一业主后来的选票替代", "工作人员已于", "取代了这张选票"),
         "withdrawn": ("撤回，不计入",), "not_found": ("没有找到这个回执码",),
         "invalid": ("这不是有效的回执码",)}


def _words(client, uid, code) -> str:
    import re

    html = client.get(f"/p/{uid}", query_string={"receipt": code}).get_data(as_text=True)
    found = re.search(r'id="lookup-result">(.*?)</p>', html, re.S)
    assert found, html
    return re.sub(r"<[^>]+>|\s+", " ", found.group(1))


@pytest.mark.parametrize("closed", [False, True], ids=["voting", "closed"])
def test_the_board_and_the_verifier_say_the_same_of_every_ballot(app, runner, tmp_path, client,
                                                                 closed):
    from votes.core.receipt_code import grouped, short_code

    pid, seqs = _story(app, runner, tmp_path)
    if closed:
        at(app, END)
        _ok(runner.invoke(args=["tick"]))
    digests = _digests(app, pid)
    names = sorted(seqs, key=seqs.get)
    assert sorted(digests) == sorted(seqs.values())
    codes, expected = [], []
    for name in names:
        d = digests[seqs[name]]
        status, nxt = EXPECTED[name]
        if status == "counted" and not closed:
            status = "current"
        want = (status, seqs[name], None if nxt is None else seqs[nxt])
        for code in (d, d[:16].upper(), grouped(short_code(d)).lower()):
            codes.append(code)
            expected.append(want)
    codes += ["0" * 64, "7KQ2-M9XD-4U", "不是回执"]
    expected += [("not_found", None, None), ("invalid", None, None), ("invalid", None, None)]
    board = _board(app, pid, codes)
    verifier = _verifier(app, runner, tmp_path, pid, codes)
    assert verifier == expected
    assert board == verifier
    uid = show(runner, pid)["uid"]
    for code, (status, seq, nxt) in zip(codes, verifier):
        words = _words(client, uid, code)
        assert any(w in words for w in WORDS[status]), (code, status, words)
        if seq is not None:
            assert f"第 {seq} 条" in words, (code, status, words)
        if nxt is not None:
            assert f"第 {nxt} 条记录" in words, (code, status, words)


def _typed_forms(digest: str) -> tuple[list[str], list[str]]:
    """A ballot's receipt as people type it (found), and what is no receipt code."""
    from votes.core.receipt_code import grouped, short_code

    code = grouped(short_code(digest))

    def wide(text: str) -> str:  # a Chinese keyboard in full-width mode: ＡＢ－１２
        return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)

    look_alike = {"0": "O", "1": "l"}
    found = [
        code, code.lower(), code.replace("-", ""), code.replace("-", " "), f"  {code}\n",
        wide(code), wide(code.lower()), code.replace("-", "\u3000"), code.replace("-", "—"),
        code.replace("-", "\u2010"), "".join(look_alike.get(c, c) for c in code),
        code.lower().replace("1", "i"),
        digest, digest.upper(), digest[:16], digest[:20].upper(),
        "-".join(digest[i:i + 4] for i in range(0, 64, 4)),
        " ".join(digest[i:i + 8] for i in range(0, 32, 8)), wide(digest),
        "".join(look_alike.get(c, c) for c in digest),
        "".join(look_alike.get(c, c) for c in digest).lower(),
        # pasted from a chat or a page (zero-width characters, the sentence's punctuation)
        "\u200b".join(code), "\ufeff" + code, f"“{code}”。", f"【{wide(digest[:20])}】",
    ]
    refused = [
        "", "   ", code[:-1], code + "U", code.replace(code[0], "U", 1), code + "-Z",
        digest[:15], digest + "0", digest[:8] + "g" + digest[8:], digest[:20] + "?",
        digest.replace(digest[5], "_", 1), f"https://votes.test/p/x?receipt={digest}",
        f"0x{digest}", "回执" + code, code.replace("-", "ß", 1), digest[:30] + "ß",
        digest[:16] + "\u202e", code.replace("-", "。", 1), code + "\u2169",
    ]
    return found, refused


def test_the_board_and_the_verifier_read_typed_codes_alike(app, runner, tmp_path):
    """The board kept only the hex characters of what was typed, the verifier refused any
    character not hex, hyphen, space or tab: a digest copied with one wrong character (a g
    for a 9) was found on the board by the digits around it, refused by the verifier; a
    hand copy of the printed digest with O for 0 or l for 1 was refused by the verifier and,
    on the board, read without that character as another digest's start. Both now read the
    code by one function of the core (receipt_code.read_receipt)."""
    pid = open_vote(app, runner, tmp_path)
    vote(runner, tmp_path, pid, {"A": "agree", "B": "disagree", "C": "agree"})
    digests = _digests(app, pid)
    # One with a 0 and a 1 among the digits a prefix copy holds, so O and l are tried.
    seq, digest = next(((n, d) for n, d in sorted(digests.items())
                        if "0" in d[:16] and "1" in d[:16]), min(digests.items()))
    found, refused = _typed_forms(digest)
    board = _board(app, pid, found + refused)
    verifier = _verifier(app, runner, tmp_path, pid, found + refused)
    assert verifier == [("current", seq, None)] * len(found) + [("invalid", None, None)] * len(
        refused), list(zip(found + refused, verifier))
    assert board == verifier, [(t, b, v) for t, b, v in zip(found + refused, board, verifier)
                               if b != v]
