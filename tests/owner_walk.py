"""One owner's way through every owner page and the public board in a phone browser, in
Chinese and in English, from the vote to the settlement: the tests that judge each page (it
fits the screen; it passes axe-core) walk it once with their own look at each page."""

from __future__ import annotations

import re
from datetime import timedelta

from tests.factories import resident_id, voter_token
from tests.money_world import evidence, works_done
from tests.procedure_world import END, at, close_at_end, open_vote, show, vote

OWNERS = {"zh_CN": ("101", 1), "en": ("102", 2)}  # room of building 1, resident serial
PAGES = 19  # looked at per language


def answer(page, serial: int, lands: str) -> None:
    """The second factor answered with the owner's ID's last six, landing on /<lands>."""
    page.fill("#answer", resident_id(serial)[-6:])
    page.click("#verify-submit")
    page.wait_for_url(re.compile(rf".*/{lands}$"))


def walk(app, runner, tmp_path, base: str, page, look) -> None:
    """look(page, name, lang) at each page, PAGES per language: the board while voting,
    the poster's pick, the second factor (from the poster without a session, from the
    link, after a wrong answer), ballot, confirmation, receipt; after the close the
    objection form, filed, the board with objections; after the settlement the read-only
    sign-in, the owner's records, their fund debit and the settled board; then an emergency
    use's board, the poster's pick for it, its second factor and the owner's own page."""
    pid = open_vote(app, runner, tmp_path, "objection_days=3")
    uid = show(runner, pid)["uid"]
    proposal = {"id": int(pid)}
    vote(runner, tmp_path, pid, {v: "agree" for v in "CDE"})
    page.set_viewport_size({"width": 360, "height": 740})
    for lang, (room, serial) in OWNERS.items():
        page.context.clear_cookies()
        page.goto(f"{base}/p/{uid}?lang={lang}")
        look(page, "board-open", lang)
        page.goto(f"{base}/p/{uid}/pick")
        look(page, "pick", lang)
        page.goto(f"{base}/p/{uid}/verify")
        look(page, "pick-verify", lang)
        page.goto(f"{base}/v/{voter_token(app, proposal, room=room)}")
        page.wait_for_url(re.compile(r".*/verify$"))
        look(page, "link-verify", lang)
        page.fill("#answer", "000000")  # wrong: the page again, with its error
        page.click("#verify-submit")
        page.wait_for_load_state()
        look(page, "verify-error", lang)
        answer(page, serial, "ballot")
        look(page, "ballot", lang)
        page.check("input[value=agree]")
        page.click("#next")
        page.wait_for_url(re.compile(r".*/confirm$"))
        look(page, "confirm", lang)
        page.click("#cast-submit")
        page.wait_for_url(re.compile(r".*/receipt/[0-9a-f]{64}$"))
        look(page, "receipt", lang)
    close_at_end(app, runner, pid)
    for lang, (room, serial) in OWNERS.items():
        page.context.clear_cookies()
        token = voter_token(app, proposal, room=room)
        page.goto(f"{base}/v/{token}/objection?lang={lang}")
        page.wait_for_url(re.compile(r".*/verify$"))
        answer(page, serial, "objection")
        page.fill("#objection-text", "电梯报价偏高，请公开比价记录" * 3)
        look(page, "objection", lang)
        page.click("#objection-submit")
        page.wait_for_load_state()
        look(page, "objection-filed", lang)
        page.goto(f"{base}/p/{uid}")
        look(page, "board-objections", lang)
    at(app, END + timedelta(days=3, hours=1))
    listing = runner.invoke(args=["proposal", "objections", pid]).output
    for seq in sorted(set(re.findall(r"^异议 第 (\d+) 条", listing, re.M))):
        answered = runner.invoke(args=[
            "proposal", "answer", pid, seq, "--decision", "rejected",
            "--text", "报价已经三家比价，比价记录见公示栏附件"])
        assert answered.exit_code == 0, (listing, answered.output)
    assert show(runner, pid)["state"] == "published", listing
    works_done(runner, tmp_path, pid, payments=("2000.00",))
    assert runner.invoke(args=["works", "settle", pid, "--final-cost",
                               "6400.00"]).exit_code == 0
    for lang, (room, serial) in OWNERS.items():
        page.context.clear_cookies()
        page.goto(f"{base}/v/{voter_token(app, proposal, room=room)}?lang={lang}")
        page.wait_for_url(re.compile(r".*/verify$"))
        look(page, "read-only-verify", lang)
        answer(page, serial, "mine")
        look(page, "mine", lang)
        page.goto(f"{base}/p/{uid}/fund")
        look(page, "fund", lang)
        page.goto(f"{base}/p/{uid}")
        look(page, "board-settled", lang)
    emergency = runner.invoke(args=[
        "works", "emergency", "--community", "SUN", "--title", "1号楼电梯抢修",
        "--scope", "building:1", "--budget", "18000.00", "--category", "elevator",
        "--applicant", "property_company", "--reason", "1号楼电梯曳引机故障，困人两次，需立即停用抢修",
        "--evidence", evidence(tmp_path, "inspection.pdf", b"%PDF special equipment report")])
    assert emergency.exit_code == 0, emergency.output
    euid = show(runner, emergency.output.strip())["uid"]
    for lang, (room, serial) in OWNERS.items():
        page.context.clear_cookies()
        page.goto(f"{base}/p/{euid}?lang={lang}")
        look(page, "board-emergency", lang)
        page.click("#emergency-sign-in")
        page.wait_for_url(re.compile(r".*/pick$"))
        look(page, "emergency-pick", lang)
        page.fill("#building", "1")
        page.fill("#entrance", "1")
        page.fill("#room", room)
        page.click("button[type=submit]")
        page.wait_for_url(re.compile(r".*/verify$"))
        look(page, "emergency-verify", lang)
        answer(page, serial, "emergency")
        look(page, "emergency", lang)

