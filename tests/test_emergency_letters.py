"""The emergency use's letter to each company or developer owner of its scope (应急使用告知书).

The lobby's way into an emergency use's owner page offers the last 6 characters of an ID
number or an SMS code, the same two for every flat (whoever typed a building and room must
not learn whether its owner is a company). A company or developer with no mobile on the
roll had no way in at all, though its flats are debited: the committee prints it a letter,
as the vote notices are printed, with its own link (QR code and address) and notice code,
which sign it in read-only to its emergency page."""

from __future__ import annotations

import re

from tests.browser import ARTIFACTS, need_tools, pdf_text, qr_codes_per_page
from tests.factories import resident_id
from tests.money_world import evidence, passed_vote, staff_accounts
from tests.test_emergency_notice import flat, sun_with_its_roll

REASON = "2号楼屋面防水层破损，雨水渗入配电间，需立即抢修"
CODE = re.compile(r"单位验证码([2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4})")


def _emergency(app, runner, tmp_path, scope: str = "all") -> tuple[str, str]:
    sun_with_its_roll(app, runner, tmp_path)
    applied = runner.invoke(args=[
        "works", "emergency", "--community", "SUN", "--title", "屋面渗漏抢修",
        "--scope", scope, "--budget", "18000.00", "--category", "leak",
        "--applicant", "committee", "--reason", REASON,
        "--evidence", evidence(tmp_path, "photo.jpg", b"\xff\xd8 roof photo")])
    assert applied.exit_code == 0, applied.output
    pid = applied.output.strip()
    with app.app_context():
        from votes.services.lifecycle import get_proposal

        return pid, get_proposal(pid).uid


def _letters(runner, tmp_path, pid: str, *extra) -> tuple[bytes, str]:
    out = tmp_path / f"letters{len(extra)}.pdf"
    made = runner.invoke(args=["works", "emergency-letters", pid, "-o", str(out), *extra])
    assert made.exit_code == 0, made.output
    return out.read_bytes(), flat(pdf_text(out))


def _share(app, pid: str, building: str, room: str) -> int:
    from sqlalchemy import select

    from votes.extensions import db
    from votes.models import FrozenUnit

    with app.app_context():
        return db.session.scalar(select(FrozenUnit.share).where(
            FrozenUnit.proposal_id == int(pid), FrozenUnit.building == building,
            FrozenUnit.room == room))


def test_a_developer_without_a_phone_signs_in_with_its_letter(app, runner, tmp_path, client):
    need_tools("pdftoppm", "zbarimg", "pdftotext")
    pid, uid = _emergency(app, runner, tmp_path)
    data, text = _letters(runner, tmp_path, pid)
    # One letter: the developer's two unsold flats (2-101, 2-102) are one owner; persons
    # have an ID number for the lobby and get none.
    pages = qr_codes_per_page(data, tmp_path, "letter")
    assert len(pages) == 1 and len(pages[0][1]) == 1, pages
    link = pages[0][1][0]
    assert re.fullmatch(r"http://votes\.test/v/[A-Za-z0-9_-]{24}", link), link
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "emergency-letter.png").write_bytes(pages[0][0].read_bytes())
    from votes.core.numbers import format_yuan

    share = _share(app, pid, "2", "101") + _share(app, pid, "2", "102")
    for fact in ("住宅专项维修资金应急使用告知书", "2号楼1单元101室", "2号楼1单元102室", "阳光花园",
                 "屋面渗漏抢修", "未经业主表决", "18,000.00元", f"{format_yuan(share)}元",
                 "屋面、外墙渗漏或管道爆裂", "业主委员会", link, "单位验证码",
                 "只读查看", "阳光花园业主委员会（盖章）", "联系电话：0591-83000000"):
        assert fact in text, fact
    for vote_word in ("表决期", "通过条件", "同意", "反对", "弃权"):
        assert vote_word not in text, vote_word
    code = CODE.search(text).group(1)

    # The letter's link, then its code: the developer's own page, read-only.
    opened = client.get(link.removeprefix("http://votes.test"))
    assert opened.status_code == 302 and opened.location.endswith(f"/p/{uid}/verify")
    form = client.get(f"/p/{uid}/verify").get_data(as_text=True)
    assert 'id="notice-code-form"' in form and "应急使用告知书上的单位验证码" in form
    assert 'name="method" value="id"' not in form  # a credit code is public
    done = client.post(f"/p/{uid}/verify", data={"method": "notice", "answer": code.lower()})
    assert done.status_code == 302, done.get_data(as_text=True)
    page = client.get(done.location, follow_redirects=True)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'id="emergency-use"' in html, html
    assert "2号楼1单元101室" in html and "2号楼1单元102室" in html and REASON in html
    assert "1号楼1单元101室" not in html, "another owner's flat"
    # Read-only: no ballot, no device, no objection.
    assert client.post(f"/p/{uid}/device", json={"public_key": "x"}).status_code == 403
    assert client.post(f"/p/{uid}/confirm", data={"choice": "agree"}).status_code == 403
    assert client.post(f"/p/{uid}/cast", data={"nonce": "x"}).status_code == 403
    assert 'name="choice"' not in client.get(f"/p/{uid}/ballot",
                                             follow_redirects=True).get_data(as_text=True)

    # The lobby offers every flat the same two ways, the developer's too (no notice code).
    lobby = app.test_client()
    for building, room in (("2", "101"), ("1", "101")):
        assert lobby.post(f"/p/{uid}/pick", data={"building": building, "entrance": "1",
                                                  "room": room}).status_code == 302
        shown = lobby.get(f"/p/{uid}/verify").get_data(as_text=True)
        assert 'id="notice-code-form"' not in shown and 'value="id"' in shown


def test_a_wrong_code_counts_toward_the_links_lockout(app, runner, tmp_path, client):
    need_tools("pdftotext")
    pid, uid = _emergency(app, runner, tmp_path)
    with app.app_context():
        from votes.services.second_factor import MAX_FAILURES
    data, text = _letters(runner, tmp_path, pid)
    link = re.search(r"http://votes\.test(/v/[A-Za-z0-9_-]{24})", text).group(1)
    assert client.get(link).status_code == 302
    first = client.post(f"/p/{uid}/verify", data={"method": "notice", "answer": "2222-2222"})
    assert first.status_code == 200
    assert f"还可以再试 {MAX_FAILURES - 1} 次" in first.get_data(as_text=True)
    for _n in range(MAX_FAILURES - 2):
        client.post(f"/p/{uid}/verify", data={"method": "notice", "answer": "2222-2222"})
    locked = client.post(f"/p/{uid}/verify", data={"method": "notice", "answer": "2222-2222"})
    assert locked.status_code == 423
    # Locked, the right code does not pass either, nor does the link open meanwhile.
    right = client.post(f"/p/{uid}/verify", data={"method": "notice",
                                                   "answer": CODE.search(text).group(1)})
    assert right.status_code == 423
    assert app.test_client().get(link).status_code == 423


def test_a_persons_link_still_signs_in_with_the_id_number(app, runner, tmp_path, client):
    pid, uid = _emergency(app, runner, tmp_path)
    with app.app_context():
        from sqlalchemy import select

        from votes.extensions import db
        from votes.models import FrozenUnit, VoterAccess
        from votes.services.access import voter_link
        from votes.services.lifecycle import get_proposal

        proposal = get_proposal(pid)
        key = db.session.scalar(select(FrozenUnit.voter_key).where(
            FrozenUnit.proposal_id == proposal.id, FrozenUnit.building == "1",
            FrozenUnit.room == "101"))
        access = db.session.scalar(select(VoterAccess).where(
            VoterAccess.proposal_id == proposal.id, VoterAccess.voter_key == key))
        link = voter_link(proposal, access).removeprefix("http://votes.test")
    assert client.get(link).status_code == 302
    form = client.get(f"/p/{uid}/verify").get_data(as_text=True)
    assert 'value="id"' in form and 'id="notice-code-form"' not in form
    done = client.post(f"/p/{uid}/verify", data={"method": "id",
                                                  "answer": resident_id(1)[-6:]})
    assert done.status_code == 302
    html = client.get(done.location, follow_redirects=True).get_data(as_text=True)
    assert 'id="emergency-use"' in html and "1号楼1单元101室" in html


def test_the_committee_prints_the_letters_from_the_emergency_page(app, runner, tmp_path,
                                                                   client):
    need_tools("pdftotext")
    pid, uid = _emergency(app, runner, tmp_path)
    from tests.staff_world import sign_in

    staff_accounts(app, runner)
    sign_in(client, "sun_committee")
    page = client.get(f"/committee/p/{pid}").get_data(as_text=True)
    assert 'id="emergency-letters"' in page and "打印单位业主告知书（1 份）" in page
    got = client.get(f"/committee/p/{pid}/emergency-letters.pdf")
    assert got.status_code == 200 and got.mimetype == "application/pdf"
    text = flat(pdf_text(got.data))
    assert "住宅专项维修资金应急使用告知书" in text and "2号楼1单元101室" in text
    # One building at a time, as the vote notices: the developer's letter goes with 2号楼.
    _data, one = _letters(runner, tmp_path, pid, "--building", "2号楼")
    assert "2号楼1单元101室" in one
    refused = runner.invoke(args=["works", "emergency-letters", pid, "-o",
                                  str(tmp_path / "b1.pdf"), "--building", "1"])
    assert refused.exit_code == 1 and "没有“1”的单位业主告知书" in refused.output, refused.output
    with app.app_context():
        from sqlalchemy import select

        from votes.extensions import db
        from votes.models import AuditEntry

        actions = db.session.scalars(select(AuditEntry.action)).all()
    assert actions.count("emergency.letters") == 2, actions


def test_no_letters_where_no_company_owns_a_flat_nor_for_a_vote(app, runner, tmp_path, client):
    pid, _uid = _emergency(app, runner, tmp_path, scope="building:1")
    out = tmp_path / "none.pdf"
    refused = runner.invoke(args=["works", "emergency-letters", pid, "-o", str(out)])
    assert refused.exit_code == 1 and not out.exists()
    assert "列支范围内没有单位或开发建设单位业主" in refused.output, refused.output
    from tests.staff_world import sign_in

    staff_accounts(app, runner)
    sign_in(client, "sun_committee")
    assert 'id="emergency-letters"' not in client.get(f"/committee/p/{pid}").get_data(
        as_text=True)
    page = client.get(f"/committee/p/{pid}/emergency-letters.pdf", follow_redirects=True)
    assert "列支范围内没有单位或开发建设单位业主" in page.get_data(as_text=True)


def test_a_voted_proposal_has_no_emergency_letters(app, runner, tmp_path):
    vote = passed_vote(app, runner, tmp_path)
    out = tmp_path / "n.pdf"
    refused = runner.invoke(args=["works", "emergency-letters", vote["pid"], "-o", str(out)])
    assert refused.exit_code == 1 and not out.exists()
    assert "只有应急使用" in refused.output, refused.output


def test_more_letters_than_one_download_draws_are_refused_whole(app, runner, tmp_path,
                                                                 client, monkeypatch):
    """Thousands of company owners' letters took minutes of a worker's core, past the
    proxy's wait (then asked again), as the voting notices did before their limit: the
    whole download is refused past NOTICES_PER_DOWNLOAD_MAX, nothing drawn; one building's
    and the command line's still are."""
    from tests.staff_world import sign_in
    from votes.services import notices_pdf

    pid, _uid = _emergency(app, runner, tmp_path)
    staff_accounts(app, runner)
    sign_in(client, "sun_committee")
    app.config["NOTICES_PER_DOWNLOAD_MAX"] = 0
    drawn = []
    real = notices_pdf.render_notices
    monkeypatch.setattr(notices_pdf, "render_notices",
                        lambda *a, **k: drawn.append(1) or real(*a, **k))
    got = client.get(f"/committee/p/{pid}/emergency-letters.pdf")
    assert got.status_code == 302 and drawn == []
    page = client.get(got.location).get_data(as_text=True)
    assert "votes works emergency-letters" in page
    one = client.get(f"/committee/p/{pid}/emergency-letters.pdf?building=2号楼")
    assert one.status_code == 200 and one.mimetype == "application/pdf"
