"""A text the committee withdrew from publication (it named a neighbour, gave a phone
number) must stay unpublished. The chain bound each objection's and answer's text by its
plain SHA-256, which the board, the result notice, the public chain and the bundle's
report all carry: a short Chinese text, or the name or number that was the reason for the
withdrawal, is found again by hashing a small list of guesses. The chain now binds a
salted commitment (docs/verification.md §17) whose salt is published beside a published
text and kept by the server for a withdrawn one."""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile

from tests.procedure_world import (ALL_AGREE, close_at_end, export_and_verify,
                                   file_objection, open_vote, show, vote)

SECRET_OBJECTION = "张三代签"
SECRET_ANSWER = "已联系李四"
# What a neighbour would try: names, short phrases, the usual objections.
GUESSES = ["同意", "反对", "不同意", "表决票不是我签的", "我没有投票", "张三代签", "李四代签",
           "王五代签", "已联系张三", "已联系李四", "已联系王五", "已核实", "不成立"]


def _published(app, runner, tmp_path, client, pid) -> str:
    """Everything a stranger, or whoever the regulator passes the bundle to, can read."""
    uid = show(runner, pid)["uid"]
    parts = [client.get(f"/p/{uid}").get_data(as_text=True),
             client.get(f"/api/proposals/{uid}/chain").get_data(as_text=True)]
    data, report = export_and_verify(app, runner, tmp_path, pid)
    # the objection period may still run (PRELIMINARY): what matters is that no step failed
    assert report.outcome in ("verified", "preliminary") and not report.failures, report.render()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        parts += [z.read(name).decode("utf-8", "replace") for name in z.namelist()]
    return "\n".join(parts)


def _salted(uid: str, salt: str, text: str) -> str:
    """The salted commitment to a text, computed as §17 defines it."""
    from votes.core.canonical import canonical_bytes

    return hashlib.sha256(canonical_bytes({"domain": "votes/objection-text/v1", "proposal": uid,
                                           "salt": salt, "text": text})).hexdigest()


def _recovered(published: str, uid: str) -> set[str]:
    """The guesses whose digest, plain or salted with any 64-hex string published beside
    it, appears in what is published."""
    hexes = set(re.findall(r"(?<![0-9a-f])[0-9a-f]{64}(?![0-9a-f])", published))
    found = set()
    for guess in GUESSES:
        if hashlib.sha256(guess.encode("utf-8")).hexdigest() in hexes:
            found.add(guess)
        if any(_salted(uid, salt, guess) in hexes for salt in hexes):
            found.add(guess)
    return found


def test_a_withdrawn_text_cannot_be_found_again_from_what_is_published(app, runner, tmp_path):
    from tests.staff_world import committee_clerk, sign_in

    pid = open_vote(app, runner, tmp_path, "objection_days=2")
    vote(runner, tmp_path, pid, ALL_AGREE)
    close_at_end(app, runner, pid)
    seq = file_objection(runner, tmp_path, pid, "C", SECRET_OBJECTION)
    kept = file_objection(runner, tmp_path, pid, "D", "我没有投票")
    for n, text in ((seq, SECRET_ANSWER), (kept, "已核实")):
        answered = runner.invoke(args=["proposal", "answer", pid, str(n), "--decision",
                                       "rejected", "--text", text])
        assert answered.exit_code == 0, answered.output
    uid = show(runner, pid)["uid"]
    client = app.test_client()
    # Before any withdrawal the texts are published with what checks them against the chain.
    assert {SECRET_OBJECTION, SECRET_ANSWER, "我没有投票", "已核实"} <= \
        _recovered(_published(app, runner, tmp_path, client, pid), uid)

    committee_clerk(runner, "SUN")
    staff = app.test_client()
    sign_in(staff, "clerk")
    chain = [json.loads(line)["entry"] for line in client.get(
        f"/api/proposals/{uid}/chain").get_data(as_text=True).splitlines()]
    answer_seq = next(e["seq"] for e in chain
                      if e["kind"] == "answer" and e["body"]["objection"] == seq)
    for n in (seq, answer_seq):
        done = staff.post(f"/committee/p/{pid}/withdraw-text", follow_redirects=True,
                          data={"seq": n, "reason": "含他人姓名"})
        assert f"已撤下第 {n} 条记录的内容" in done.get_data(as_text=True)

    published = _published(app, runner, tmp_path, client, pid)
    assert SECRET_OBJECTION not in published and SECRET_ANSWER not in published
    recovered = _recovered(published, uid)
    assert SECRET_OBJECTION not in recovered and SECRET_ANSWER not in recovered, recovered
    # what was not withdrawn can still be checked against the chain by anyone
    assert {"我没有投票", "已核实"} <= recovered
    # The committee can still show whoever must check it (a court) that the withdrawn text
    # is the one the chain bound: the listing's --show-withdrawn gives the text and its salt.
    shown = runner.invoke(args=["proposal", "objections", pid, "--show-withdrawn"]).output
    line = next(x for x in shown.splitlines() if SECRET_OBJECTION in x)
    salt = re.search(r"[0-9a-f]{64}", line).group(0)
    bound = next(e["body"] for e in chain if e["seq"] == seq)
    assert "text" not in bound and bound["text_commitment"] == _salted(uid, salt,
                                                                       SECRET_OBJECTION)
