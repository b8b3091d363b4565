"""After the vote, as a committee member and an owner who never saw the product walk it:
a failed vote, the works page's forms refused, the settlement's figures on a phone."""

from __future__ import annotations

from datetime import timedelta

from tests.factories import make_open_proposal, paper_then_close, sign_in_owner


def _closed(app, runner, tmp_path, choice: str):
    """The sample vote, the owner of 1-202 signed in while it was open, 4 of 5 voters
    voting `choice` on paper, then closed."""
    proposal = make_open_proposal(app, runner, tmp_path)
    pid = str(proposal["id"])
    owner = app.test_client()
    sign_in_owner(app, owner, proposal, "202", 4)
    paper_then_close(app, runner, tmp_path, proposal, choice)
    return proposal, pid, owner


def test_an_owner_of_a_failed_vote_is_told_the_fund_is_not_used(app, runner, tmp_path):
    proposal, _, owner = _closed(app, runner, tmp_path, "disagree")
    uid = proposal["uid"]
    for page in (f"/p/{uid}/mine", f"/p/{uid}/fund"):
        html = owner.get(page).get_data(as_text=True)
        assert "表决未通过" in html and "不动用维修资金" in html, page
        assert "尚未结算" not in html, page  # no settlement is ever coming
    en = owner.get(f"/p/{uid}/mine?lang=en").get_data(as_text=True)
    assert "not used" in en


def _committee(app, runner, client):
    from tests.money_world import staff_accounts
    from tests.staff_world import sign_in

    staff_accounts(app, runner)
    sign_in(client, "sun_committee")


def test_the_works_page_of_a_failed_vote_offers_no_application_nor_an_approved_budget(
        app, runner, tmp_path, client):
    _, pid, _ = _closed(app, runner, tmp_path, "disagree")
    _committee(app, runner, client)
    page = client.get(f"/committee/p/{pid}/works").get_data(as_text=True)
    assert "表决未通过，不能动用维修资金" in page
    assert "表决通过的预算" not in page  # the budget was not approved
    # The package is refused for it: no button leading to an error page.
    assert f"/committee/p/{pid}/application.zip" not in page
    assert client.get(f"/committee/p/{pid}/application.zip").status_code == 400


def test_a_settlement_without_its_tick_keeps_the_final_cost_typed(app, runner, tmp_path, client):
    from tests.money_world import passed_vote, works_done

    pid = passed_vote(app, runner, tmp_path)["pid"]
    works_done(runner, tmp_path, pid, payments=("2000.00",))
    _committee(app, runner, client)
    page = client.get(f"/committee/p/{pid}/works").get_data(as_text=True)
    once = page.split('action="/committee/p/%s/works/settle"' % pid)[1] \
        .split('name="once" value="')[1].split('"')[0]
    refused = client.post(f"/committee/p/{pid}/works/settle",
                          data={"final_cost": "6399.99", "once": once})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400, refused.status_code
    assert "请勾选确认后再结算" in html and 'value="6399.99"' in html
    # Ticked the second time, the same form settles.
    done = client.post(f"/committee/p/{pid}/works/settle", follow_redirects=True,
                       data={"final_cost": "6399.99", "confirm": "1", "once": once})
    assert 'id="final-cost">6,399.99' in done.get_data(as_text=True)


def test_an_acceptance_dated_while_the_vote_was_still_open_is_refused(app, runner, tmp_path,
                                                                     client):
    """The works follow the decision: an acceptance dated during the voting (after its
    first day, before the close) is refused, the form keeping what was typed."""
    import io

    from tests.money_world import passed_vote, works_done

    proposal = passed_vote(app, runner, tmp_path)
    pid = proposal["pid"]
    works_done(runner, tmp_path, pid, payments=("2000.00",), accepted=False)
    app.config["VOTES_NOW"] = proposal["t0"] + timedelta(days=20)
    _committee(app, runner, client)
    during = (proposal["t0"] + timedelta(days=3)).date().isoformat()  # voting ran 7 days
    refused = client.post(f"/committee/p/{pid}/works/acceptance", data={
        "date": during, "participants": "业委会",
        "evidence": [(io.BytesIO(b"\xff\xd8\xff \xff\xd8 photo"), "photo.jpg")]},
        content_type="multipart/form-data")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "表决结束" in html, html[-2000:]
    assert f'value="{during}"' in html and 'id="record-acceptance"' in html
    closed = (proposal["t0"] + timedelta(days=7, hours=1)).date().isoformat()
    ok = client.post(f"/committee/p/{pid}/works/acceptance", follow_redirects=True, data={
        "date": closed, "participants": "业委会",
        "evidence": [(io.BytesIO(b"\xff\xd8\xff \xff\xd8 photo"), "photo.jpg")]},
        content_type="multipart/form-data")
    assert "验收已登记" in ok.get_data(as_text=True)


def test_the_debits_table_fits_a_phone(app, runner, tmp_path, client):
    """Seven columns ran 100 px past a 390 px phone, the whole page scrolling sideways:
    the table is a stacked list there, each cell naming its column."""
    import re

    from tests.money_world import passed_vote, works_done

    pid = passed_vote(app, runner, tmp_path)["pid"]
    works_done(runner, tmp_path, pid, payments=("2000.00",))
    assert runner.invoke(args=["works", "settle", pid, "--final-cost", "6400.00"]).exit_code == 0
    _committee(app, runner, client)
    html = client.get(f"/committee/p/{pid}/works").get_data(as_text=True)
    table = html.split('id="debits"')[1].split("</table>")[0]
    assert '<table class="stack">' in table
    cells = re.findall(r"<td[^>]*>", table)
    assert cells and all("data-label=" in c for c in cells), cells[:7]


def test_the_committee_sees_how_the_objection_period_ended(app, runner, tmp_path, client):
    """The final result published, no objection filed: the committee's card 异议与答复 was
    an empty heading, where the public board says the period ended and the final result."""
    from tests.money_world import staff_accounts
    from tests.procedure_world import END, at, close_at_end, open_vote, show, vote
    from tests.staff_world import sign_in

    pid = open_vote(app, runner, tmp_path, "objection_days=2")
    vote(runner, tmp_path, pid, {v: "agree" for v in "ABCDE"})
    close_at_end(app, runner, pid)
    at(app, END + timedelta(days=2))
    assert runner.invoke(args=["tick"]).exit_code == 0
    assert show(runner, pid)["state"] == "published"
    staff_accounts(app, runner)
    sign_in(client, "sun_committee")
    page = client.get(f"/committee/p/{pid}").get_data(as_text=True)
    card = page.split('id="objection-period"')[1].split("</section>")[0]
    assert "异议期已结束。最终结果：表决通过。" in card and "没有收到异议。" in card, card


def test_the_works_page_says_the_steps_in_order_and_which_one_is_now(app, runner, tmp_path,
                                                                    client):
    """A first-time member saw a form and nothing of what came after it: the page lists
    合同 → 付款 → 验收 → 结算 → 申请材料 in order, each done, now or later for this
    proposal, says what the package is for and to whom it goes, and keeps the form."""
    import re

    from tests.money_world import passed_vote, works_done

    pid = passed_vote(app, runner, tmp_path)["pid"]
    _committee(app, runner, client)

    def steps():
        html = client.get(f"/committee/p/{pid}/works").get_data(as_text=True)
        assert 'id="works-steps"' in html, html[:3000]
        listed = html.split('id="works-steps"')[1].split("</ol>")[0]
        found = re.findall(r'<li class="step (done|now|later)"[^>]*>\s*<strong>([^<]+)</strong>',
                           listed)
        return html, listed, found

    html, listed, found = steps()
    assert [name for _s, name in found] == ["合同", "付款", "验收", "结算", "申请材料"]
    assert [s for s, _n in found] == ["now", "later", "later", "later", "later"]
    assert "维修资金管理部门" in listed and 'id="record-contract"' in html
    works_done(runner, tmp_path, pid, payments=("2000.00",), accepted=False)
    html, _l, found = steps()
    assert [s for s, _n in found] == ["done", "done", "now", "later", "later"]
    assert 'id="record-acceptance"' in html and 'id="record-payment"' in html
    en = client.get(f"/committee/p/{pid}/works?lang=en").get_data(as_text=True)
    assert "Contract" in en.split('id="works-steps"')[1].split("</ol>")[0]


def test_the_works_page_lists_the_files_each_step_carries(app, runner, tmp_path, client):
    """The chain binds each step's files by digest, but the page never said which files the
    committee had uploaded: each recorded step's files are listed with their size and the
    start of their SHA-256, as the chain and the package carry it."""
    import hashlib
    import re

    from tests.money_world import passed_vote, works_done

    pid = passed_vote(app, runner, tmp_path)["pid"]
    works_done(runner, tmp_path, pid, payments=("2000.00",))
    _committee(app, runner, client)
    html = client.get(f"/committee/p/{pid}/works").get_data(as_text=True)
    assert 'id="works-files"' in html, html[-3000:]
    listed = html.split('id="works-files"')[1].split("</table>")[0]
    rows = re.findall(r"<tr>(.*?)</tr>", listed, re.S)
    cells = [re.findall(r"<td[^>]*>(.*?)</td>", r, re.S) for r in rows]
    cells = [[re.sub(r"<[^>]+>", "", c).strip() for c in row] for row in cells if row]
    expected = [("合同", "contract.pdf", b"%PDF-1.4 signed contract"),
                ("付款 1", "voucher0.pdf", b"voucher 0"),
                ("验收", "photo.jpg", b"\xff\xd8 photo"), ("验收", "report.pdf", b"%PDF-1.4 report")]
    assert [(c[0], c[1]) for c in cells] == [(s, n) for s, n, _c in expected], cells
    for row, (_s, _n, content) in zip(cells, expected):
        assert row[2] == f"{len(content)} B", row
        assert row[3].startswith(hashlib.sha256(content).hexdigest()[:12]), row
