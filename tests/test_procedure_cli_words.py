"""`votes proposal delivery|objection|answer|objections` and `votes works settle` say what
they did through the catalogue, as every other command: Chinese, English with VOTES_LANG=en
(they printed fixed text, Chinese and English run together)."""

from __future__ import annotations

import hashlib
import re

from tests.procedure_world import close_at_end, open_vote, scan, unit_args, vote

_CJK = re.compile(r"[\u4e00-\u9fff]")


def _ok(runner, *args: str) -> str:
    result = runner.invoke(args=list(args))
    assert result.exit_code == 0, result.output
    return result.output.strip()


def test_delivery_objection_and_answer_confirmations_follow_the_language(app, runner, tmp_path,
                                                                        monkeypatch):
    pid = open_vote(app, runner, tmp_path, "follow_majority=full", "objection_days=3")
    proof = scan(tmp_path, "delivery.pdf", b"%PDF-1.4 signed receipt")
    digest = hashlib.sha256(b"%PDF-1.4 signed receipt").hexdigest()
    said = _ok(runner, "proposal", "delivery", pid, *unit_args("B"), "--method", "hand",
               "--at", "2026-12-01T10:00", "--evidence", proof)
    assert re.fullmatch(rf"已记录送达：第 \d+ 条记录，当面签收，证明材料 {digest}", said), said
    monkeypatch.setenv("VOTES_LANG", "en")
    other = scan(tmp_path, "mail.pdf", b"%PDF-1.4 postal record")
    said = _ok(runner, "proposal", "delivery", pid, *unit_args("C"), "--method",
               "registered_mail", "--at", "2026-12-01T09:30", "--evidence", other)
    assert re.fullmatch(r"Delivery recorded: entry #\d+, Registered mail, evidence [0-9a-f]{64}",
                        said), said
    monkeypatch.delenv("VOTES_LANG")
    vote(runner, tmp_path, pid, {"A": "agree", "C": "agree", "D": "disagree"})
    close_at_end(app, runner, pid)

    said = _ok(runner, "proposal", "objection", pid, *unit_args("E"), "--text", "计票有误",
               "--evidence", scan(tmp_path, "objection.pdf", b"%PDF-1.4 letter"))
    first = int(re.fullmatch(r"已记录异议：第 (\d+) 条记录", said)[1])
    said = _ok(runner, "proposal", "answer", pid, str(first), "--decision", "rejected",
               "--text", "已复核")
    assert re.fullmatch(rf"已答复第 {first} 条记录的异议（异议不成立）：答复为第 \d+ 条记录",
                        said), said
    listing = _ok(runner, "proposal", "objections", pid)
    assert re.search(r"^送达 第 \d+ 条：\S{12}，当面签收，2026-12-01 10:00（北京时间），cli 录入$",
                     listing, re.M), listing
    assert re.search(r"^异议期至 \d{4}-\d\d-\d\d \d\d:\d\d（北京时间）$", listing, re.M), listing
    assert "答复 第" in listing and "（异议不成立）" in listing

    monkeypatch.setenv("VOTES_LANG", "en")
    said = _ok(runner, "proposal", "objection", pid, *unit_args("B"), "--text", "wrong count",
               "--evidence", scan(tmp_path, "objection2.pdf", b"%PDF-1.4 letter 2"))
    second = int(re.fullmatch(r"Objection recorded: entry #(\d+)", said)[1])
    said = _ok(runner, "proposal", "answer", pid, str(second), "--decision", "noted",
               "--text", "checked")
    assert re.fullmatch(rf"Objection #{second} answered \(Objection founded, the result is not "
                        r"affected\): entry #\d+", said), said
    listing = _ok(runner, "proposal", "objections", pid)
    deliveries = [line for line in listing.splitlines() if line.startswith("Delivery #")]
    assert len(deliveries) == 2 and not any(_CJK.search(line) for line in deliveries), listing
    assert "Hand delivery, signed for, 2026-12-01 10:00 (Beijing time), entered by cli" \
        in deliveries[0]
    assert re.search(r"^The objection period ends \d{4}-\d\d-\d\d \d\d:\d\d \(Beijing time\)$",
                     listing, re.M), listing


def test_the_settlement_says_what_it_did_in_the_operators_language(app, runner, tmp_path,
                                                                  monkeypatch):
    from tests.money_world import low_balance_rows, passed_vote, works_done

    pid = passed_vote(app, runner, tmp_path, rows=low_balance_rows())["pid"]
    works_done(runner, tmp_path, pid)
    monkeypatch.setenv("VOTES_LANG", "en")
    said = _ok(runner, "works", "settle", pid, "--final-cost", "6400.00")
    assert re.fullmatch(r"Settled: 6,400\.00 yuan over \d+ units; \d+ below 30% of their first "
                        r"deposit must top up(; \d+ units have an unknown first deposit or "
                        r"balance: whether they must top up cannot be said)?", said), said
    assert not _CJK.search(said)


def test_the_settlement_says_what_it_did_in_chinese(app, runner, tmp_path):
    from tests.money_world import low_balance_rows, passed_vote, works_done

    pid = passed_vote(app, runner, tmp_path, rows=low_balance_rows())["pid"]
    works_done(runner, tmp_path, pid)
    said = _ok(runner, "works", "settle", pid, "--final-cost", "6400.00")
    assert re.fullmatch(r"已结算 6,400\.00 元，\d+ 户；需续筹 \d+ 户"
                        r"(；\d+ 户首期交存额或分户账余额未知，无法判断是否需续筹)?", said), said
    assert "settled" not in said
