"""An emergency use's readers (§18.6), when its chain in the database was altered behind the
app's back: the emergency entry's line cut short (not JSON), its reason rewritten (JSON
still, its digest left as it was), a works entry deleted, two entries' places swapped, the
head column changed. The board, the owner's page, the lobby notice, the committee's page,
notice and letters, the application package, the regulator's page and `votes proposal show`
read the emergency entry (and the works entries) by kind, unchecked: a row not JSON was a
500 or a traceback, a deleted emergency entry left the board without its danger and reason,
a rewritten reason was shown and printed as the chain's. Each now says the record is damaged
in its reader's words and shows nothing of it."""

from __future__ import annotations

import html
import json

import pytest
from sqlalchemy import select

from tests.money_world import staff_accounts, works_done
from tests.staff_world import sign_in
from tests.test_emergency_owner import _emergency, _sign_in

OWNERS = "请告知业主委员会和维修资金管理部门"
COMMITTEE = "请联系维修资金管理部门和系统管理员核查"
REGULATOR = "验证导出包"
REASON = "1号楼电梯曳引机故障"  # _apply's reason, as the board shows it
FORGED = "业主大会已同意"

# The chain: genesis (0), emergency (1), contract (2), payment (3), acceptance (4).
DAMAGE = ("unreadable", "works_unreadable", "altered", "emergency_missing", "missing",
          "reordered", "head")


def _damage(app, pid: str, how: str,
            kinds=("genesis", "emergency", "works", "works", "works")) -> None:
    from votes.extensions import db
    from votes.models import ChainEntry, Proposal

    with app.app_context():
        rows = db.session.scalars(select(ChainEntry).where(
            ChainEntry.proposal_id == int(pid)).order_by(ChainEntry.seq)).all()
        assert [r.kind for r in rows] == list(kinds)
        if how == "unreadable":
            rows[1].line = rows[1].line[:-7]
        elif how == "works_unreadable":  # the contract: the regulator's overview reads it
            rows[2].line = rows[2].line[:-7]
        elif how == "altered":
            data = json.loads(rows[1].line)
            data["entry"]["body"]["reason"] = FORGED
            rows[1].line = json.dumps(data, ensure_ascii=False)
        elif how == "emergency_missing":
            db.session.delete(rows[1])
        elif how == "missing":
            db.session.delete(rows[2])
        elif how == "reordered":  # the contract and the payment swap places
            rows[2].seq = 99
            db.session.flush()
            rows[3].seq = 2
            db.session.flush()
            rows[2].seq = 3
        else:
            db.session.get(Proposal, int(pid)).chain_head = "ab" * 32
        db.session.commit()
    from votes.services.records import forget_checked

    forget_checked()  # as the next process reads it, or this one a minute later


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


@pytest.mark.parametrize("how", DAMAGE)
def test_an_emergency_uses_readers_say_its_record_is_damaged(app, runner, tmp_path, client,
                                                              how):
    pid, uid = _emergency(app, runner, tmp_path)
    works_done(runner, tmp_path, pid, contract="17000.00", payments=("5000.00",))
    staff_accounts(app, runner)
    phone = app.test_client()
    assert _sign_in(phone, uid).status_code == 302
    _damage(app, pid, how)

    # The owners: the board, its lobby notice, the owner's own page.
    for reader, path in ((client, f"/p/{uid}"), (client, f"/p/{uid}/emergency-notice.pdf"),
                         (phone, f"/p/{uid}/emergency")):
        page = reader.get(path)
        text = _text(page)
        assert page.status_code == 400 and page.mimetype == "text/html", (path, text)
        assert OWNERS in text and "系统管理员" not in text and "Traceback" not in text, (path,
                                                                                       text)
        assert REASON not in text and FORGED not in text and "17,000.00" not in text, (path,
                                                                                       text)
    assert "altered" in _text(client.get(f"/p/{uid}?lang=en"))

    # The committee: its page, notice, letters, works page and application package.
    committee = app.test_client()
    sign_in(committee, "sun_committee")
    for path in (f"/committee/p/{pid}", f"/committee/p/{pid}/emergency-notice.pdf",
                 f"/committee/p/{pid}/emergency-letters.pdf", f"/committee/p/{pid}/works",
                 f"/committee/p/{pid}/application.zip"):
        page = committee.get(path, follow_redirects=True)
        text = _text(page)
        assert page.mimetype == "text/html" and "Traceback" not in text, (path, text)
        assert COMMITTEE in text and OWNERS not in text, (path, text)
        assert FORGED not in text and "17,000.00" not in text, (path, text)

    # The regulator: the page still lists the use and offers the verification.
    regulator = app.test_client()
    sign_in(regulator, "district")
    page = regulator.get(f"/regulator/p/{pid}")
    text = _text(page)
    assert page.status_code == 200 and 'id="chain-damaged"' in text, text
    assert REGULATOR in text and OWNERS not in text and 'id="verify-bundle"' in text, text
    assert REASON not in text and FORGED not in text and "17,000.00" not in text, text
    overview = _text(regulator.get("/regulator/"))
    assert "17,000.00" not in overview, overview

    # The command line: the committee's and the administrator's words.
    for command in (["proposal", "show", pid],
                    ["works", "emergency-notice", pid, "-o", str(tmp_path / "n.pdf")]):
        result = runner.invoke(args=command)
        assert result.exit_code == 1, (command, result.output, result.exception)
        assert COMMITTEE in result.output and "Traceback" not in result.output, result.output
        assert REASON not in result.output and FORGED not in result.output, result.output


def _bare_damage(app, pid: str, how: str) -> None:
    """_damage, of an emergency use no works step has followed yet (genesis, emergency)."""
    _damage(app, pid, how, kinds=["genesis", "emergency"])


@pytest.mark.parametrize("works", [True, False], ids=["works", "no_works"])
@pytest.mark.parametrize("how", ("unreadable", "altered", "emergency_missing", "head"))
def test_an_emergency_uses_evidence_is_not_served_from_a_damaged_chain(app, runner, tmp_path,
                                                                         how, works):
    """The works page's files (and their download, /committee/p/<pid>/works/files/<digest>)
    read the emergency entry's evidence list by kind, unchecked: a row cut short was a 500
    of the download (and of the works page before any works step), and a rewritten or
    deleted entry, or a changed head, was served as the chain's. Both now say the record is
    damaged in the committee's words, and serve nothing."""
    from votes.extensions import db
    from votes.models import ChainEntry

    pid, _uid = _emergency(app, runner, tmp_path)
    if works:
        works_done(runner, tmp_path, pid, contract="17000.00", payments=("5000.00",))
    staff_accounts(app, runner)
    with app.app_context():
        line = db.session.scalar(select(ChainEntry.line).where(
            ChainEntry.proposal_id == int(pid), ChainEntry.kind == "emergency"))
    [digest, *_more] = json.loads(line)["entry"]["body"]["evidence"]
    committee = app.test_client()
    sign_in(committee, "sun_committee")
    assert committee.get(f"/committee/p/{pid}/works/files/{digest}").status_code == 200
    (_damage if works else _bare_damage)(app, pid, how)
    for path in (f"/committee/p/{pid}/works", f"/committee/p/{pid}/works/files/{digest}"):
        page = committee.get(path)
        text = _text(page)
        assert page.status_code == 400 and page.mimetype == "text/html", (path, page.status)
        assert COMMITTEE in text and OWNERS not in text and "Traceback" not in text, text
        assert f"/works/files/{digest}" not in text and FORGED not in text, text
