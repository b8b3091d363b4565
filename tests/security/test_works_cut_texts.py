"""A payment's note and an acceptance's participants are cut to their length (200 and
100 characters) and masked (a mobile or ID number in them) before they go on the chain,
which is public and kept for good: a number the cut falls inside must still not be
published, even in part."""

from __future__ import annotations

import json

from sqlalchemy import select

from tests.money_world import evidence, passed_vote, today, works_done

ID = "350502199001011234"
MOBILE = "13812345678"


def _works_lines(app, pid) -> str:
    with app.app_context():
        from votes.extensions import db
        from votes.models import ChainEntry

        return "\n".join(json.dumps(json.loads(line)["entry"]["body"], ensure_ascii=False)
                         for line in db.session.scalars(select(ChainEntry.line).where(
                             ChainEntry.proposal_id == int(pid), ChainEntry.kind == "works")))


def test_a_number_the_cut_falls_inside_is_not_published_in_part(app, runner, tmp_path):
    pid = passed_vote(app, runner, tmp_path)["pid"]
    works_done(runner, tmp_path, pid, payments=(), accepted=False)
    # The cut at 200 falls after the first 11 digits of the ID number (its region and the
    # owner's birth year and month), and after the first 7 of the mobile number.
    for note, shown in (("付" * 188 + " " + ID, ID[:11]), ("付" * 192 + " " + MOBILE, MOBILE[:7])):
        result = runner.invoke(args=["works", "payment", pid, "--amount", "10.00", "--note", note,
                                     "--evidence", evidence(tmp_path, f"v{len(shown)}.pdf",
                                                            note.encode())])
        assert result.exit_code == 0, result.output
        assert shown not in _works_lines(app, pid), shown
    # A participant's name is cut at 100.
    result = runner.invoke(args=["works", "acceptance", pid, "--date", today(app),
                                 "--participant", "王" * 90 + " " + ID, "--evidence",
                                 evidence(tmp_path, "photo.jpg", b"\xff\xd8 photo")])
    assert result.exit_code == 0, result.output
    assert ID[:9] not in _works_lines(app, pid)
