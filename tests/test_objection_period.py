"""The objection period (异议期): a community setting frozen in the genesis, objections until
exactly its end, answers, the final result at its hour, all on the chain and verified."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from tests.procedure_world import (ALL_AGREE, END, at, chain_entries, close_at_end,
                                   entry_seq, export_and_verify, file_objection, open_vote, scan, show,
                                   unit_args, vote)



def test_objection_days_setting_default_refusals_and_audit(app, runner):
    assert runner.invoke(args=["community", "create", "SUN", "--name", "阳光花园"]).exit_code == 0
    shown = runner.invoke(args=["community", "rules", "SUN"])
    assert "异议期 0 天" in shown.output and "从多：不采用" in shown.output
    for bad in ("31", "-1", "three", "1.5", "３１"):  # full width folds (NFKC) to 31
        result = runner.invoke(args=["community", "rules", "SUN", "--set",
                                     f"objection_days={bad}"])
        assert result.exit_code == 1 and "异议期天数" in result.output, bad
    ok = runner.invoke(args=["community", "rules", "SUN", "--set", "objection_days=30"])
    assert ok.exit_code == 0 and "异议期 30 天" in ok.output
    with app.app_context():
        from sqlalchemy import select

        from votes.extensions import db
        from votes.models import AuditEntry

        entries = db.session.scalars(select(AuditEntry).where(
            AuditEntry.action == "community.rules")).all()
    assert len(entries) == 1 and entries[0].details["objection_days"] == "30"


def test_objection_period_ends_exactly_at_its_hour(app, runner, tmp_path, client):
    pid = open_vote(app, runner, tmp_path, "objection_days=3")
    with app.app_context():
        from votes.services.lifecycle import get_proposal
        from votes.services.notices import rule_sentence

        assert "业主可在 3 日内提出异议" in rule_sentence(get_proposal(pid).rules)
    vote(runner, tmp_path, pid, ALL_AGREE)
    early = runner.invoke(args=["proposal", "objection", pid, *unit_args("A"), "--text", "太早",
                                "--evidence", scan(tmp_path)])
    assert early.exit_code == 1 and "表决结束后" in early.output
    close_at_end(app, runner, pid)
    assert show(runner, pid)["state"] == "closed"
    shown = runner.invoke(args=["proposal", "show", pid])
    assert "结果：初步结果：通过，异议期中" in shown.output
    assert "异议期：至 2026-12-11 09:00（北京时间）止；已提出异议 0 件，待答复 0 件" in shown.output
    refused = runner.invoke(args=["proposal", "publish-result", pid])
    assert refused.exit_code == 1 and "异议期" in refused.output

    period_end = END + timedelta(days=3)
    at(app, period_end - timedelta(seconds=1))
    last = runner.invoke(args=["proposal", "objection", pid, *unit_args("C"), "--text",
                               "我家面积登记有误", "--evidence", scan(tmp_path, "o.pdf", b"o")])
    assert last.exit_code == 0, last.output
    at(app, period_end)
    late = runner.invoke(args=["proposal", "objection", pid, *unit_args("D"), "--text", "晚了",
                               "--evidence", scan(tmp_path, "o2.pdf", b"o2")])
    assert late.exit_code == 1 and "异议期已于" in late.output

    # At its hour the final result waits for the unanswered objection.
    assert runner.invoke(args=["tick"]).exit_code == 0
    assert show(runner, pid)["state"] == "closed"
    assert "异议期已于 2026-12-11 09:00（北京时间）结束；已提出异议 1 件，待答复 1 件" in \
        runner.invoke(args=["proposal", "show", pid]).output
    board = client.get(f"/p/{show(runner, pid)['uid']}").get_data(as_text=True)
    assert "异议期已结束：业主委员会答复全部异议后公布最终结果" in board
    assert 'id="preliminary"' not in board and "我家面积登记有误" in board
    seq = next(e["seq"] for e in chain_entries(export_and_verify(app, runner, tmp_path, pid)[0])
               if e["kind"] == "objection")
    at(app, period_end + timedelta(hours=2))
    answered = runner.invoke(args=["proposal", "answer", pid, str(seq), "--decision", "noted",
                                   "--text", "已核实，面积差 0.5 平方米，不影响结果"])
    assert answered.exit_code == 0, answered.output
    assert show(runner, pid)["state"] == "published"  # the last answer publishes it

    data, report = export_and_verify(app, runner, tmp_path, pid)
    assert report.outcome == "verified", report.render()
    entries = chain_entries(data)
    kinds = [e["kind"] for e in entries]
    assert kinds[-4:] == ["close", "objection", "answer", "result"]
    result = entries[-1]
    assert result["time"] == "2026-12-11T03:00:00Z"  # after the period, with the last answer
    assert result["body"] == {"close": kinds.index("close"), "preliminary_passed": True,
                              "passed": True, "objections": [seq], "answers": [seq + 1]}
    listing = runner.invoke(args=["proposal", "objections", pid])
    assert "我家面积登记有误" in listing.output and "不影响结果" in listing.output


def test_final_result_published_by_tick_at_exactly_the_period_end(app, runner, tmp_path):
    pid = open_vote(app, runner, tmp_path, "objection_days=2")
    vote(runner, tmp_path, pid, ALL_AGREE)
    close_at_end(app, runner, pid)
    period_end = END + timedelta(days=2)
    at(app, period_end - timedelta(seconds=1))
    assert runner.invoke(args=["tick"]).exit_code == 0
    assert show(runner, pid)["state"] == "closed"
    at(app, period_end + timedelta(hours=5))  # the timer ran late: the result keeps its hour
    assert runner.invoke(args=["tick"]).exit_code == 0
    assert show(runner, pid)["state"] == "published"
    data, report = export_and_verify(app, runner, tmp_path, pid)
    assert report.outcome == "verified", report.render()
    result = chain_entries(data)[-1]
    assert result["kind"] == "result" and result["time"] == "2026-12-10T01:00:00Z"
    assert result["body"]["objections"] == [] and result["body"]["passed"] is True


def test_upheld_objection_means_the_decision_is_not_confirmed(app, runner, tmp_path):
    pid = open_vote(app, runner, tmp_path, "objection_days=1")
    vote(runner, tmp_path, pid, ALL_AGREE)
    close_at_end(app, runner, pid)
    at(app, END + timedelta(hours=3))
    seq = file_objection(runner, tmp_path, pid)
    bad = runner.invoke(args=["proposal", "answer", pid, str(seq + 5), "--decision", "rejected",
                              "--text", "x"])
    assert bad.exit_code == 1
    ok = runner.invoke(args=["proposal", "answer", pid, str(seq), "--decision", "upheld",
                             "--text", "经核实属实，需重新表决"])
    assert ok.exit_code == 0, ok.output
    again = runner.invoke(args=["proposal", "answer", pid, str(seq), "--decision", "rejected",
                                "--text", "改主意"])
    assert again.exit_code == 1 and "已经答复" in again.output
    at(app, END + timedelta(days=1))
    assert runner.invoke(args=["tick"]).exit_code == 0
    assert "最终结果：未通过" in runner.invoke(args=["proposal", "show", pid]).output
    data, report = export_and_verify(app, runner, tmp_path, pid)
    assert report.outcome == "verified", report.render()
    body = chain_entries(data)[-1]["body"]
    assert body["preliminary_passed"] is True and body["passed"] is False


def test_owner_files_an_objection_with_their_voting_link(app, runner, tmp_path, client):
    from tests.factories import resident_id, voter_token

    pid = open_vote(app, runner, tmp_path, "objection_days=3")
    vote(runner, tmp_path, pid, ALL_AGREE)
    with app.app_context():
        from votes.services.lifecycle import get_proposal

        uid = get_proposal(pid).uid
    token = voter_token(app, {"id": int(pid)}, room="202")
    page = client.get(f"/v/{token}/objection")
    assert page.status_code == 200 and "表决结束后" in page.get_data(as_text=True)
    close_at_end(app, runner, pid)
    scanned = client.get(f"/v/{token}")  # the notice's QR code leads to the objection form
    assert scanned.status_code == 302 and scanned.location.endswith(f"/v/{token}/objection")
    page = client.get(f"/v/{token}/objection")  # through the second factor, as for the ballot
    assert page.status_code == 302 and page.location.endswith(f"/p/{uid}/verify")
    assert "验证业主身份" in client.get(page.location).get_data(as_text=True)
    verified = client.post(page.location, data={"method": "id", "answer": resident_id(4)[-6:]})
    # Signed in, the form is at the proposal's address, never the token's: the address bar,
    # a shared phone's history and WeChat's "copy link" would hold the link otherwise.
    assert verified.status_code == 302 and verified.location.endswith(f"/p/{uid}/objection")
    again = client.get(f"/v/{token}/objection")  # the notice's QR scanned again, signed in
    assert again.status_code == 302 and again.location.endswith(f"/p/{uid}/objection")
    page = client.get(f"/p/{uid}/objection")
    assert page.status_code == 200 and 'name="text"' in page.get_data(as_text=True)
    assert token not in page.get_data(as_text=True)
    posted = client.post(f"/p/{uid}/objection", data={"text": "公告张贴时间太短"})
    assert posted.status_code == 200
    assert "已收到" in posted.get_data(as_text=True)
    board = client.get(f"/p/{uid}").get_data(as_text=True)
    assert "公告张贴时间太短" in board and "异议期" in board
    assert client.get("/v/not-a-token/objection").status_code == 404


def test_board_warns_when_a_stored_text_no_longer_matches_the_chain(app, runner, tmp_path,
                                                                   client):
    pid = open_vote(app, runner, tmp_path, "objection_days=1")
    vote(runner, tmp_path, pid, ALL_AGREE)
    close_at_end(app, runner, pid)
    at(app, END + timedelta(hours=1))
    filed = runner.invoke(args=["proposal", "objection", pid, *unit_args("B"), "--text",
                                "原文", "--evidence", scan(tmp_path)])
    assert filed.exit_code == 0, filed.output
    uid = show(runner, pid)["uid"]
    assert "mismatch" not in client.get(f"/p/{uid}").get_data(as_text=True)
    with app.app_context():
        from sqlalchemy import update

        from votes.extensions import db
        from votes.models import Objection

        db.session.execute(update(Objection).values(text="被改过的文字"))
        db.session.commit()
    board = client.get(f"/p/{uid}").get_data(as_text=True)
    assert "与记录链上的摘要不符" in board


def _file_objections(app, runner, tmp_path, pid, filings) -> list[int]:
    """An objection by each (hours after the end of voting, voter); their entry numbers."""
    seqs = []
    for hour, voter in filings:
        at(app, END + timedelta(hours=hour))
        filed = runner.invoke(args=["proposal", "objection", pid, *unit_args(voter), "--text",
                                    f"异议{voter}", "--evidence",
                                    scan(tmp_path, f"o{voter}.pdf", voter.encode())])
        assert filed.exit_code == 0, filed.output
        seqs.append(entry_seq(filed.output))
    return seqs


def test_a_clock_behind_the_last_answer_files_no_objection_after_the_period(app, runner,
                                                                             tmp_path):
    """An answer given after the period's end dates the chain past it; a machine whose clock
    is behind (or was stepped back) must not then accept an objection: its entry would take
    the answer's time, after the period, and the bundle fail 17.1."""
    pid = open_vote(app, runner, tmp_path, "objection_days=1")
    vote(runner, tmp_path, pid, ALL_AGREE)
    close_at_end(app, runner, pid)
    seqs = _file_objections(app, runner, tmp_path, pid, ((1, "B"), (2, "C")))
    period_end = END + timedelta(days=1)
    at(app, period_end + timedelta(hours=2))
    answered = runner.invoke(args=["proposal", "answer", pid, str(seqs[0]), "--decision",
                                   "rejected", "--text", "不成立"])
    assert answered.exit_code == 0, answered.output
    at(app, period_end - timedelta(hours=1))  # the clock stepped back
    late = runner.invoke(args=["proposal", "objection", pid, *unit_args("D"), "--text", "晚了",
                               "--evidence", scan(tmp_path, "oD.pdf", b"D")])
    assert late.exit_code == 1 and "异议期已于" in late.output, late.output
    at(app, period_end + timedelta(hours=3))
    answered = runner.invoke(args=["proposal", "answer", pid, str(seqs[1]), "--decision",
                                   "rejected", "--text", "不成立"])
    assert answered.exit_code == 0, answered.output
    assert show(runner, pid)["state"] == "published"
    data, report = export_and_verify(app, runner, tmp_path, pid)
    assert report.outcome == "verified", report.render()


def test_who_entered_an_objection_or_answer_is_checked_not_a_traceback(app, runner, tmp_path):
    """--by is signed into the entry, where the verifier needs a name (17.1, 17.2): an empty
    one was a ValueError out of the chain body, a traceback on the operator's terminal."""
    pid = open_vote(app, runner, tmp_path, "objection_days=1")
    vote(runner, tmp_path, pid, ALL_AGREE)
    close_at_end(app, runner, pid)
    at(app, END + timedelta(hours=1))
    # Nothing shown (zero-width, a full-width space) or a direction control, which would
    # show another name than the one signed: refused as a blank name is.
    for by in ("", "x" * 65, "a\x07b", "\u200b", "\u3000\u200b", "abc\u202edcb"):
        refused = runner.invoke(args=["proposal", "objection", pid, *unit_args("B"), "--text",
                                      "异议", "--evidence", scan(tmp_path), "--by", by])
        assert refused.exit_code == 1 and "录入人为空、过长或含有控制字符" in refused.output, \
            (by, refused.output, refused.exception)
    filed = runner.invoke(args=["proposal", "objection", pid, *unit_args("B"), "--text", "异议",
                                "--evidence", scan(tmp_path)])
    assert filed.exit_code == 0, filed.output
    seq = entry_seq(filed.output)
    # Nothing shown (zero-width, a full-width space) or a direction control, which would
    # show another name than the one signed: refused as a blank name is.
    for by in ("", "x" * 65, "a\x07b", "\u200b", "\u3000\u200b", "abc\u202edcb"):
        refused = runner.invoke(args=["proposal", "answer", pid, str(seq), "--decision",
                                      "rejected", "--text", "不成立", "--by", by])
        assert refused.exit_code == 1 and "录入人为空、过长或含有控制字符" in refused.output, \
            (by, refused.output, refused.exception)
    assert [e["kind"] for e in chain_entries(export_and_verify(app, runner, tmp_path, pid)[0])
            ][-2:] == ["close", "objection"]


def test_an_answer_is_stored_at_the_time_its_chain_entry_carries(app, runner, tmp_path):
    """The answer's stored time is the app's clock, and where the entry before it is later
    (a machine whose clock is behind), the time the chain gives the answer, not the clock's."""
    from votes.core.canonical import format_time
    from votes.extensions import db
    from votes.models import Objection

    pid = open_vote(app, runner, tmp_path, "objection_days=2")
    vote(runner, tmp_path, pid, ALL_AGREE)
    close_at_end(app, runner, pid)
    seqs = _file_objections(app, runner, tmp_path, pid, ((3, "B"), (4, "C")))
    at(app, END + timedelta(hours=5))
    answered = runner.invoke(args=["proposal", "answer", pid, str(seqs[0]), "--decision",
                                   "rejected", "--text", "不成立"])
    assert answered.exit_code == 0, answered.output
    at(app, END + timedelta(hours=1))  # the clock stepped back, behind the first answer
    answered = runner.invoke(args=["proposal", "answer", pid, str(seqs[1]), "--decision",
                                   "rejected", "--text", "不成立"])
    assert answered.exit_code == 0, answered.output
    times = {e["seq"]: e["time"] for e in chain_entries(
        export_and_verify(app, runner, tmp_path, pid)[0])}
    with app.app_context():
        rows = db.session.scalars(select(Objection).where(Objection.seq.in_(seqs))
                                  .order_by(Objection.seq)).all()
        assert rows[0].answered_at == END + timedelta(hours=5)
        assert [format_time(o.answered_at) for o in rows] == \
            [times[o.answer_seq] for o in rows]
        assert rows[1].answered_at == END + timedelta(hours=5)  # not 1h: the answer before


def test_a_text_withdrawn_from_publication_is_marked_in_the_cli_listing(app, runner, tmp_path,
                                                                       client):
    """The committee took an objection's and an answer's text off the board (they named a
    person and a phone number); `proposal objections` still printed both as if nothing had
    happened. Each is now marked with its reason, and printed only with --show-withdrawn."""
    from tests.staff_world import committee_clerk, sign_in

    pid = open_vote(app, runner, tmp_path, "objection_days=2")
    vote(runner, tmp_path, pid, ALL_AGREE)
    close_at_end(app, runner, pid)
    seq, kept = _file_objections(app, runner, tmp_path, pid, [(1, "C"), (2, "D")])
    for n, text in ((seq, "已联系张三（13800138000），签名属实"), (kept, "已复核，不影响结果")):
        answered = runner.invoke(args=["proposal", "answer", pid, str(n), "--decision",
                                       "rejected", "--text", text])
        assert answered.exit_code == 0, answered.output
    committee_clerk(runner, "SUN")
    sign_in(client, "clerk")
    listing = runner.invoke(args=["proposal", "objections", pid]).output
    answer_seq = int(listing.split("答复 第 ")[1].split(" 条")[0])
    for n, reason in ((seq, "含他人姓名"), (answer_seq, "含他人姓名和电话")):
        done = client.post(f"/committee/p/{pid}/withdraw-text", follow_redirects=True,
                           data={"seq": n, "reason": reason})
        assert f"已撤下第 {n} 条记录的内容" in done.get_data(as_text=True)

    listing = runner.invoke(args=["proposal", "objections", pid])
    assert listing.exit_code == 0, listing.output
    out = listing.output
    assert "张三" not in out and "异议C" not in out, out
    assert f"异议 第 {seq} 条（工作人员录入）：〔已撤下公示：含他人姓名〕" in out, out
    assert f"答复 第 {answer_seq} 条（异议不成立）：〔已撤下公示：含他人姓名和电话〕" in out, out
    assert "异议D" in out and "已复核，不影响结果" in out  # what was not withdrawn, as before

    shown = runner.invoke(args=["proposal", "objections", pid, "--show-withdrawn"])
    assert shown.exit_code == 0, shown.output
    assert "〔已撤下公示：含他人姓名〕异议C" in shown.output, shown.output
    assert "〔已撤下公示：含他人姓名和电话〕已联系张三（138****8000）" in shown.output
    helped = runner.invoke(args=["proposal", "objections", "--help"]).output
    assert "--show-withdrawn" in helped


def test_a_closed_page_in_the_objection_period_leads_to_the_objection_form(
        app, runner, tmp_path, client):
    """After the close, in the objection period, the owner's pages that end in 表决已结束
    said 链接已失效 and no more: the link, and the owner's session, still lead to the
    objection form (§17). An owner signed in while voting who opens the ballot, and one who
    opened the link while voting and answers the second factor after the close, are told
    of the period and led to the form."""
    from tests.factories import resident_id, voter_token

    pid = open_vote(app, runner, tmp_path, "objection_days=3")
    with app.app_context():
        from votes.services.lifecycle import get_proposal

        uid = get_proposal(pid).uid
    signed_in = app.test_client()
    signed_in.get(f"/v/{voter_token(app, {'id': int(pid)}, room='101')}")
    assert signed_in.post(f"/p/{uid}/verify", data={
        "method": "id", "answer": resident_id(1)[-6:]}).status_code == 302
    pending = app.test_client()
    pending.get(f"/v/{voter_token(app, {'id': int(pid)}, room='202')}")
    close_at_end(app, runner, pid)
    page = signed_in.get(f"/p/{uid}/ballot")
    html = page.get_data(as_text=True)
    assert page.status_code == 410 and "链接已失效" not in html and "异议期至" in html
    assert f'href="/p/{uid}/objection"' in html
    assert signed_in.get(f"/p/{uid}/objection").status_code == 200
    page = pending.post(f"/p/{uid}/verify", data={"method": "id", "answer": resident_id(4)[-6:]})
    html = page.get_data(as_text=True)
    assert page.status_code == 410 and "链接已失效" not in html and "异议期至" in html
    assert f'href="/p/{uid}/pick"' in html
    # After the period no ballot is cast any more, yet the link is not spent: it, the
    # poster and the owner's session lead to the read-only records (the page said
    # 链接已失效, which was untrue).
    at(app, END + timedelta(days=3))
    for lang, said, spent in (("zh_CN", "不能再表决", "链接已失效"),
                              ("en", "no more ballots", "expired")):
        html = signed_in.get(f"/p/{uid}/ballot?lang={lang}").get_data(as_text=True)
        assert said in html and spent not in html, html
        assert f'id="mine-link" href="/p/{uid}/mine"' in html
    # The owner who opened the link while voting and answers only now is led to the
    # read-only sign-in.
    page = pending.post(f"/p/{uid}/verify", data={"method": "id", "answer": resident_id(4)[-6:]})
    html = page.get_data(as_text=True)
    assert page.status_code == 410 and "链接已失效" not in html, html
    assert "只读查看本户的表决记录" in html and f'href="/p/{uid}/pick"' in html


def test_an_objection_or_answer_the_printed_font_cannot_draw_is_refused(app, runner, tmp_path):
    """Objections and answers are printed on the result notice and the application form: a
    𠮷 or a ☐ in them printed as an empty box. Refused where they are entered, naming the
    character, as a community's name or a title is."""
    pid = open_vote(app, runner, tmp_path, "objection_days=1")
    vote(runner, tmp_path, pid, ALL_AGREE)
    close_at_end(app, runner, pid)
    at(app, END + timedelta(hours=1))
    refused = runner.invoke(args=["proposal", "objection", pid, *unit_args("B"), "--text",
                                  "表决票上的签名不是𠮷某的", "--evidence", scan(tmp_path)])
    assert refused.exit_code == 1 and "𠮷" in refused.output and "打印" in refused.output, \
        refused.output
    filed = runner.invoke(args=["proposal", "objection", pid, *unit_args("B"), "--text",
                                "表决票上的签名不是我的", "--evidence", scan(tmp_path)])
    assert filed.exit_code == 0, filed.output
    seq = entry_seq(filed.output)
    refused = runner.invoke(args=["proposal", "answer", pid, str(seq), "--decision", "rejected",
                                  "--text", "☐ 经核实签名属实"])
    assert refused.exit_code == 1 and "☐" in refused.output and "打印" in refused.output
    assert [e["kind"] for e in chain_entries(export_and_verify(app, runner, tmp_path, pid)[0])
            ][-2:] == ["close", "objection"]
