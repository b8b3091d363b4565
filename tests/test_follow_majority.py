"""Follow the majority (从多): off by default, only with proved delivery, reported apart from
the ballots and judged as the community's rules say; checked offline (§19)."""

from __future__ import annotations

from tests.browser import pdf_text
from tests.procedure_world import (AREA, chain_entries, close_at_end, export_and_verify,
                                   open_vote, scan, show, unit_args, vote)


def deliver(runner, tmp_path, pid, voter, *, method="hand", when="2026-11-25T10:00"):
    return runner.invoke(args=["proposal", "delivery", pid, *unit_args(voter), "--method",
                               method, "--at", when, "--evidence",
                               scan(tmp_path, f"receipt-{voter}.jpg", voter.encode()),
                               "--by", "clerk1"])


def close_body(data: bytes) -> dict:
    return next(e for e in chain_entries(data) if e["kind"] == "close")["body"]


def test_off_by_default_and_bad_settings_refused(app, runner, tmp_path):
    pid = open_vote(app, runner, tmp_path)
    refused = deliver(runner, tmp_path, pid, "D")
    assert refused.exit_code == 1 and "未采用“从多”" in refused.output
    bad = runner.invoke(args=["community", "rules", "SUN", "--set", "follow_majority=yes"])
    assert bad.exit_code == 1 and "从多规则" in bad.output
    shown = runner.invoke(args=["community", "rules", "SUN"])
    assert "从多：不采用" in shown.output
    vote(runner, tmp_path, pid, {"A": "agree", "B": "agree", "C": "disagree"})
    close_at_end(app, runner, pid)
    data, report = export_and_verify(app, runner, tmp_path, pid)
    assert report.outcome == "verified", report.render()
    assert close_body(data)["follow"] is None
    genesis = chain_entries(data)[0]["body"]["rules"]
    assert genesis["follow_majority"] == "off" and genesis["objection_days"] == 0


def test_full_mode_counts_proved_non_voters_apart_and_decides(app, runner, tmp_path):
    pid = open_vote(app, runner, tmp_path, "follow_majority=full")
    for voter in ("D", "E"):
        result = deliver(runner, tmp_path, pid, voter)
        assert result.exit_code == 0, result.output
    twice = deliver(runner, tmp_path, pid, "D")
    assert twice.exit_code == 1 and "已录入" in twice.output
    future = deliver(runner, tmp_path, pid, "C", when="2026-12-02T09:00")
    assert future.exit_code == 1 and "不能晚于现在" in future.output
    before = deliver(runner, tmp_path, pid, "C", when="2026-11-01T09:00")
    assert before.exit_code == 1 and "早于方案公示" in before.output
    method = deliver(runner, tmp_path, pid, "C", method="pigeon")
    assert method.exit_code == 1 and "送达方式" in method.output
    vote(runner, tmp_path, pid, {"A": "agree", "B": "agree", "C": "disagree"})
    close_at_end(app, runner, pid)
    late = deliver(runner, tmp_path, pid, "C")
    assert late.exit_code == 1 and "表决期间" in late.output

    fig = show(runner, pid)
    # The ballots alone: 3 of 5 heads take part, short of 2/3: the quorum is missed.
    assert fig["participating_headcount"] == 3 and fig["quorum_met"] is False
    assert fig["passed"] is False
    assert fig["outcome"]["passed"] is True and fig["outcome"]["ballots_passed"] is False
    assert fig["outcome"]["follow"]["headcount"] == 2
    out = runner.invoke(args=["proposal", "show", pid]).output
    assert "结果：通过（仅计选票：未通过）" in out
    assert "从多 Followers: 310.00 m², 2" in out

    data, report = export_and_verify(app, runner, tmp_path, pid)
    assert report.outcome == "verified", report.render()
    body = close_body(data)
    assert body["tally"]["participating_headcount"] == 3  # never mixed into the ballots
    assert body["tally"]["agree_headcount"] == 2 and body["tally"]["passed"] is False
    follow = body["follow"]
    assert follow["mode"] == "full" and follow["majority"] == "agree"
    assert follow["headcount"] == 2 and follow["area"] == AREA["D"] + AREA["E"]
    assert follow["participating_headcount"] == 5 and follow["agree_headcount"] == 4
    assert follow["agree_area"] == AREA["A"] + AREA["B"] + AREA["D"] + AREA["E"]
    assert follow["quorum_met"] is True and follow["passed"] is True
    assert [e["kind"] for e in chain_entries(data)].count("delivery") == 2


def test_quorum_mode_counts_followers_toward_participation_only(app, runner, tmp_path):
    pid = open_vote(app, runner, tmp_path, "follow_majority=quorum")
    assert deliver(runner, tmp_path, pid, "D").exit_code == 0
    # A voter with a proved delivery who then votes is a ballot, not a follower.
    assert deliver(runner, tmp_path, pid, "C").exit_code == 0
    vote(runner, tmp_path, pid, {"A": "agree", "B": "disagree", "C": "disagree"})
    close_at_end(app, runner, pid)
    data, report = export_and_verify(app, runner, tmp_path, pid)
    assert report.outcome == "verified", report.render()
    follow = close_body(data)["follow"]
    assert follow["headcount"] == 1 and follow["majority"] is None
    # 4 of 5 heads now take part (exactly the needed 4: ⌈2/3 × 5⌉); approval stays on the
    # 3 real ballots, of which 1 agrees: not passed.
    quorum = next(c for c in follow["checks"] if c["name"] == "quorum_headcount")
    assert (quorum["part"], quorum["needed"], quorum["met"]) == (4, 4, True)
    approval = next(c for c in follow["checks"] if c["name"] == "approval_headcount")
    assert (approval["part"], approval["whole"], approval["met"]) == (1, 3, False)
    assert follow["passed"] is False


def test_full_mode_followers_join_a_majority_against(app, runner, tmp_path):
    pid = open_vote(app, runner, tmp_path, "follow_majority=full")
    assert deliver(runner, tmp_path, pid, "E").exit_code == 0
    vote(runner, tmp_path, pid, {"A": "disagree", "B": "disagree", "C": "agree", "D": "agree"})
    close_at_end(app, runner, pid)
    data, report = export_and_verify(app, runner, tmp_path, pid)
    assert report.outcome == "verified", report.render()
    follow = close_body(data)["follow"]
    # Disagree leads in heads (2 v 2: a tie) — no choice leads in both: quorum only.
    assert follow["majority"] is None and follow["agree_headcount"] == 2
    assert follow["passed"] is False


def test_board_and_result_notice_show_both_figures(app, runner, tmp_path, client):
    pid = open_vote(app, runner, tmp_path, "follow_majority=full")
    assert deliver(runner, tmp_path, pid, "D").exit_code == 0
    assert deliver(runner, tmp_path, pid, "E").exit_code == 0
    vote(runner, tmp_path, pid, {"A": "agree", "B": "agree", "C": "disagree"})
    close_at_end(app, runner, pid)
    with app.app_context():
        from votes.services.lifecycle import get_proposal
        from votes.services.result_notice import result_notice_pdf

        proposal = get_proposal(pid)
        uid = proposal.uid
        pdf = result_notice_pdf(proposal)
        import csv
        import io as _io

        from votes.services.communities import get_community
        from votes.services.oversight import overview, overview_csv

        rows = list(csv.reader(_io.StringIO(
            overview_csv(overview([get_community("SUN")])).decode("utf-8-sig"))))
    # The regulator's overview gives the decision (passed by 从多), the ballots' own figures.
    assert rows[1][11] == "通过" and rows[1][9] == "2"
    with app.app_context():
        from votes.services.notices import rule_sentence

        sentence = rule_sentence(proposal_rules(app, pid))
    assert "本通知经证实送达而未表决的业主，计入参与表决，并随已表决业主的多数意见" in sentence
    board = client.get(f"/p/{uid}").get_data(as_text=True)
    assert "从多" in board and 'id="follow"' in board
    assert "仅计选票" in board
    text = pdf_text(pdf)
    assert "从多" in text and "送达已证实" in text
    assert "按选票计" in text and "含从多" in text


def proposal_rules(app, pid) -> dict:
    from votes.services.lifecycle import get_proposal

    with app.app_context():
        return dict(get_proposal(pid).rules)


def parking_rows() -> list[dict]:
    """The sample roll plus a parking space of 张三 (voter A) and 孙八, who owns only one."""
    from tests.factories import make_row, resident_id, sample_rows

    rows = [dict(r, unit_kind="住宅") for r in sample_rows()]
    rows.append(make_row(building="P", entrance="", room="001", area="12.50",
                         owner_name="张三", owner_id=resident_id(1), unit_kind="车位"))
    rows.append(make_row(building="P", entrance="", room="002", area="8.00",
                         owner_name="孙八", owner_id=resident_id(9), unit_kind="车位"))
    return rows


def test_followers_counted_over_the_units_the_rules_count(app, runner, tmp_path):
    pid = open_vote(app, runner, tmp_path, "follow_majority=full", "excluded_kinds=parking",
                    rows=parking_rows())
    # 孙八 holds only a parking space, left out of the count: no vote, so no follower.
    parking_only = runner.invoke(args=[
        "proposal", "delivery", pid, "--building", "P", "--room", "002", "--method", "hand",
        "--at", "2026-11-25T10:00", "--evidence", scan(tmp_path, "receipt-P.jpg", b"P"),
        "--by", "clerk1"])
    assert parking_only.exit_code == 1 and "不适用“从多”" in parking_only.output
    for voter in ("A", "D"):  # 张三 holds two flats and a parking space
        result = deliver(runner, tmp_path, pid, voter)
        assert result.exit_code == 0, result.output
    vote(runner, tmp_path, pid, {"B": "agree", "C": "agree"})
    close_at_end(app, runner, pid)

    data, report = export_and_verify(app, runner, tmp_path, pid)
    assert report.outcome == "verified", report.render()
    assert [e["kind"] for e in chain_entries(data)].count("delivery") == 2
    body = close_body(data)
    assert (body["tally"]["total_area"], body["tally"]["total_headcount"]) == (65475, 5)
    follow = body["follow"]
    # 张三's follower area is his two flats' 164.75 m², without the 12.50 m² parking space.
    assert follow["headcount"] == 2 and follow["area"] == AREA["A"] + AREA["D"] == 36475
    assert follow["participating_area"] == AREA["B"] + AREA["C"] + 36475
    assert follow["agree_area"] == follow["participating_area"] and follow["passed"] is True
    assert len(follow["voters"]) == 2
    # The result notice marks the parking spaces as left out, not as 张三 following.
    with app.app_context():
        from votes.services.lifecycle import get_proposal
        from votes.services.result_notice import result_notice_pdf

        text = pdf_text(result_notice_pdf(get_proposal(pid)))
    parking = [line for line in text.splitlines() if line.split()[:1] in (["P座001室"], ["P座002室"])]
    assert len(parking) == 2 and all("不计入表决" in line for line in parking), parking
    assert text.count("未表决（从多）") == 4  # 张三's two flats and the developer's two
