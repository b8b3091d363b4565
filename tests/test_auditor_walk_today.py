"""An auditor's walk through the pages, end to end, over what the committee's forms gained
lately: a vote whose transfer is entered with a proxy on the page, whose forms are sent twice
(a double click), with a correction, a withdrawal, a refused proxy who is the owner, an
owner's online ballot, the close with its tick, the objection period, the works with a
payment sent twice; then an emergency use with its settlement. Each bundle is downloaded as
the committee downloads it and checked with `votes verify` against the server's published
keys: VERIFIED, with the works figures the pages showed. Then the bundle is tampered with
three ways and the report must say, in Chinese, which check failed and why."""

from __future__ import annotations

import html
import io
import json
import re
import zipfile
from datetime import timedelta

from click.testing import CliRunner
from sqlalchemy import func, select

from tests.factories import make_open_proposal, resident_id, voter_token
from tests.money_world import staff_accounts, today
from tests.staff_world import sign_in
from votes.cli import main as votes_command

SENT = "这份表单已经提交过，没有再次保存"
PROXY_ID = "110101199003070011"  # 钱七, the buyer's proxy


def _token(page: str, action: str) -> str:
    marker = f'action="{action}"'
    if marker not in page:  # a page whose one form posts to the page itself
        marker = 'enctype="multipart/form-data" class="card"'
    form = page.split(marker)[1].split("</form>")[0]
    return form.split('name="once" value="')[1].split('"')[0]


def _flashes(page: str) -> list[str]:
    return [html.unescape(p.split("</p>")[0]) for p in page.split('<p class="flash ')[1:]]


def _files(data: dict) -> dict:
    """Each (name, bytes) a fresh upload: the client closes the one it sent."""
    return {k: ((io.BytesIO(v[1]), v[0]) if isinstance(v, tuple) else v) for k, v in data.items()}


def _twice(client, action: str, data: dict, page_url: str) -> str:
    """The form at `action`, drawn on `page_url`, sent twice with its one token: the repeat
    leads where the first did, saying it was sent already. Returns the first send's page."""
    token = _token(client.get(page_url).get_data(as_text=True), action)
    pages = []
    for _ in range(2):
        r = client.post(action, data={**_files(data), "once": token},
                        content_type="multipart/form-data")
        assert r.status_code == 302, r.get_data(as_text=True)
        pages.append((r.headers["Location"], client.get(r.headers["Location"])
                      .get_data(as_text=True)))
    (first_at, first), (again_at, again) = pages
    assert again_at == first_at
    said = _flashes(again)
    assert any(SENT in s for s in said) and not any(s.startswith("error") for s in said), said
    return first


def _count(app, model, pid) -> int:
    from votes.extensions import db

    with app.app_context():
        n = db.session.scalar(select(func.count()).select_from(model)
                              .where(model.proposal_id == int(pid)))
        db.session.remove()
        return n


def _entries(app, pid) -> int:
    from votes.models import ChainEntry

    return _count(app, ChainEntry, pid)


def _ballots(app, pid) -> int:
    from votes.models import Ballot

    return _count(app, Ballot, pid)


def _vote_online(app, proposal) -> None:
    """张三 (1-101, 1-201) votes on their own phone: the link, the ID's last six, the cast."""
    owner = app.test_client()
    uid = proposal["uid"]
    assert owner.get(f"/v/{voter_token(app, proposal)}").status_code == 302
    r = owner.post(f"/p/{uid}/verify", data={"method": "id", "answer": resident_id(1)[-6:]})
    assert r.status_code == 302, r.get_data(as_text=True)
    page = owner.post(f"/p/{uid}/confirm", data={"choice": "agree"}).get_data(as_text=True)
    nonce = re.search(r'name="nonce" value="([0-9a-f]+)"', page).group(1)
    r = owner.post(f"/p/{uid}/cast", data={"choice": "agree", "nonce": nonce})
    assert r.status_code == 302 and "/receipt/" in r.headers["Location"], r.get_data(as_text=True)


def _works(app, client, pid) -> dict:
    """Contract, a payment sent twice, a second payment, the acceptance and the settlement
    through the works page; returns what the pages show of them."""
    works = f"/committee/p/{pid}/works"
    steps = [
        ("contract", {"contractor": "福州电梯工程有限公司", "amount": "6000",
                      "evidence": ("contract.pdf", b"%PDF-1.4 contract " + pid.encode())},
         "合同已登记"),
        ("payment", {"amount": "2000", "note": "预付款",
                     "evidence": ("voucher.pdf", b"%PDF-1.4 voucher " + pid.encode())},
         "付款已登记"),
    ]
    for step, data, done in steps:
        before = _entries(app, pid)
        first = _twice(client, f"{works}/{step}", data, works)
        assert any(done in s for s in _flashes(first)), (step, _flashes(first))
        assert _entries(app, pid) == before + 1, step
    for step, data in (
            ("payment", {"amount": "3000", "note": "进度款",
                         "evidence": ("voucher2.pdf", b"%PDF-1.4 voucher 2 " + pid.encode())}),
            ("acceptance", {"date": today(app), "participants": "业委会\n物业服务中心",
                            "evidence": ("report.pdf", b"%PDF-1.4 report " + pid.encode())}),
            ("settle", {"final_cost": "6200", "confirm": "1"})):
        token = _token(client.get(works).get_data(as_text=True), f"{works}/{step}")
        r = client.post(f"{works}/{step}", data={**_files(data), "once": token},
                        content_type="multipart/form-data")
        assert r.status_code == 302, (step, r.get_data(as_text=True))
        said = _flashes(client.get(r.headers["Location"]).get_data(as_text=True))
        assert not any(s.startswith("error") for s in said), (step, said)
    page = html.unescape(client.get(works).get_data(as_text=True))
    table = page.split('id="money-stage"')[1].split("</table>")[0]
    rows = [re.sub(r"<[^>]+>", "|", row) for row in table.split("<tr>")[2:]]
    return {"page": page, "rows": rows}


def _keys(client, tmp_path):
    """The server's keys as anyone fetches them (the trust anchor `votes verify` takes)."""
    r = client.get("/.well-known/votes-keys.json")
    assert r.status_code == 200
    path = tmp_path / "votes-keys.json"
    path.write_bytes(r.get_data())
    return path


def _verify(path, keys, *more) -> tuple[int, str]:
    result = CliRunner().invoke(votes_command, ["verify", str(path), "--keys", str(keys), *more])
    return result.exit_code, result.stdout  # the report; progress lines go to stderr


def _download(client, pid, tmp_path, name) -> bytes:
    r = client.get(f"/committee/p/{pid}/bundle.zip")
    assert r.status_code == 200 and r.mimetype == "application/zip"
    (tmp_path / name).write_bytes(r.get_data())
    return r.get_data()


PAPER = {"building": "1", "entrance": "1", "room": "102", "choice": "disagree",
         "channel": "paper", "evidence": ("b.jpg", b"\xff\xd8\xff signed form of 1-102")}
SALE = {"building": "1", "entrance": "1", "room": "202", "choice": "agree",
        "buyer_name": "周九", "buyer_id": resident_id(10), "confirm": "1",
        "proxy_name": "钱七", "proxy_id": PROXY_ID, "company_staff": "否",
        "authorisation": ("letter.jpg", b"\xff\xd8\xff written authorisation of 1-202's buyer"),
        "transfer_evidence": ("deed.pdf", b"%PDF-1.4 certificate of 1-202"),
        "ballot_form": ("buyer.jpg", b"\xff\xd8\xff buyer's signed form of 1-202")}


def _walk_the_vote(app, runner, tmp_path, client) -> dict:
    """The vote through the pages up to its published result; its proposal."""
    from votes.models import ProxyRecord

    proposal = make_open_proposal(app, runner, tmp_path,
                                  rules=["objection_days=2", "proxy_limit=1"])
    pid = str(proposal["id"])
    staff_accounts(app, runner)
    sign_in(client, "sun_committee")
    page = f"/committee/p/{pid}"

    _vote_online(app, proposal)                                        # 张三, agree
    first = _twice(client, f"{page}/paper", PAPER, page)               # 李四/王五, disagree
    assert any("已录入 1 张选票" in s for s in _flashes(first)) and _ballots(app, pid) == 2
    first = _twice(client, f"{page}/transfer", SALE, page)             # 1-202 sold, by proxy
    assert any("已录入过户后新业主的选票" in s for s in _flashes(first)), _flashes(first)
    assert _ballots(app, pid) == 3 and _count(app, ProxyRecord, pid) == 1

    own = client.post(f"{page}/paper", data=_files({
        "building": "2", "entrance": "1", "room": "201", "choice": "agree", "channel": "proxy",
        "proxy_name": "李四", "proxy_id": resident_id(2), "company_staff": "否",
        "evidence": ("e.jpg", b"\xff\xd8\xff form of 2-201"), "authorisation": ("l.jpg", b"\xff\xd8\xff letter")}),
        content_type="multipart/form-data")
    refused = html.unescape(own.get_data(as_text=True))
    assert own.status_code == 400 and "受托人就是该户业主本人" in refused, refused[:2000]
    assert _ballots(app, pid) == 3

    for room, b, form in (("201", "2", b"\xff\xd8\xff form of 2-201"), ("101", "2", b"\xff\xd8\xff developer's form")):
        r = client.post(f"{page}/paper", data=_files({
            "building": b, "entrance": "1", "room": room, "choice": "agree", "channel": "paper",
            "evidence": ("f.jpg", form)}), content_type="multipart/form-data")
        assert r.status_code == 302, r.get_data(as_text=True)
    assert _ballots(app, pid) == 5
    listing = f"{page}/paper-ballots"
    seqs = _staff_seqs(app, pid)
    first = _twice(client, f"{listing}/correct", {
        "entry": str(seqs["1-1-102"]), "choice": "agree", "reason": "录入时勾错了意见",
        "confirm": "1"}, listing)
    assert any("取代" in s for s in _flashes(first)), _flashes(first)
    first = _twice(client, f"{listing}/withdraw", {
        "entry": str(seqs["2-1-201"]), "reason": "表决票签名为另一户", "confirm": "1",
        "evidence": ("w.jpg", b"\xff\xd8\xff the form signed by another flat")}, listing)
    assert any("撤回" in s for s in _flashes(first)), _flashes(first)
    r = client.post(f"{page}/paper", data=_files({
        "building": "2", "entrance": "1", "room": "201", "choice": "agree", "channel": "paper",
        "evidence": ("f2.jpg", b"\xff\xd8\xff 2-201's own signed form")}), content_type="multipart/form-data")
    assert r.status_code == 302, r.get_data(as_text=True)

    # Everyone has voted: the close before the end, first without its tick.
    untucked = client.post(f"{page}/move/close", follow_redirects=True)
    assert "请勾选确认：表决一经结束" in untucked.get_data(as_text=True)
    assert _state(app, pid) == "voting"
    closed = client.post(f"{page}/move/close", data={"confirm": "1"}, follow_redirects=True)
    assert _state(app, pid) == "closed", _flashes(closed.get_data(as_text=True))
    closed_page = closed.get_data(as_text=True)
    assert "表决通过" in closed_page
    assert any("已结束表决" in f for f in _flashes(closed_page)), "the move said nothing"

    # The objection period: the publish button waits for it; an owner's objection, answered.
    filed = client.post(f"{page}/objection", follow_redirects=True, data=_files({
        "building": "1", "entrance": "1", "room": "101", "text": "计票有误",
        "evidence": ("o.pdf", b"%PDF-1.4 letter of objection")}), content_type="multipart/form-data")
    text = filed.get_data(as_text=True)
    assert "已录入书面异议" in text, _flashes(text)
    seq = int(text.split('id="c-objection-')[1].split('"')[0])
    answered = client.post(f"{page}/answer", follow_redirects=True, data={
        "objection": seq, "decision": "rejected", "text": "已复核，计票无误"})
    assert "已答复异议" in answered.get_data(as_text=True)
    early = client.post(f"{page}/move/publish-result", data={"confirm": "1"},
                        follow_redirects=True)
    assert _state(app, pid) == "closed", _flashes(early.get_data(as_text=True))
    app.config["VOTES_NOW"] = app.config["VOTES_NOW"] + timedelta(days=3)
    published = client.get(page).get_data(as_text=True)
    assert _state(app, pid) == "published" and 'id="result">表决通过' in published
    return proposal


def _state(app, pid) -> str:
    from votes.extensions import db
    from votes.models import Proposal

    with app.app_context():
        state = db.session.get(Proposal, int(pid)).state
        db.session.remove()
        return state


def _staff_seqs(app, pid) -> dict:
    """The staff ballots' chain positions by flat (building-entrance-room)."""
    from votes.extensions import db
    from votes.models import Ballot, FrozenUnit

    with app.app_context():
        out = {}
        for b in db.session.scalars(select(Ballot).where(Ballot.proposal_id == int(pid))):
            unit = db.session.scalar(select(FrozenUnit).where(
                FrozenUnit.proposal_id == int(pid), FrozenUnit.voter_key == b.voter_key))
            out[f"{unit.building}-{unit.entrance}-{unit.room}"] = b.seq
        db.session.remove()
        return out


def test_a_vote_walked_through_the_pages_verifies_with_the_figures_shown(app, runner,
                                                                          tmp_path, client):
    proposal = _walk_the_vote(app, runner, tmp_path, client)
    pid = str(proposal["id"])
    shown = _works(app, client, pid)
    rows = shown["rows"]
    assert any("福州电梯工程有限公司" in r and "6,000.00" in r for r in rows), rows
    assert [r for r in rows if "付款" in r and ("2,000.00" in r or "3,000.00" in r)], rows
    assert len([r for r in rows if r.startswith("|付款")]) == 2, rows  # the repeat, once
    final = shown["page"].split('id="final-cost">')[1].split("<")[0]
    assert final == "6,200.00"
    _assert_report_matches_pages(app, runner, client, pid, tmp_path, "vote",
                                 contractor="福州电梯工程有限公司", paid="5,000.00",
                                 final=final)


def _regulator_money(app, runner, pid) -> str:
    """The regulator's page line of the works (施工单位 … 已付 … 结算)."""
    reg = app.test_client()
    sign_in(reg, "district")
    page = html.unescape(reg.get(f"/regulator/p/{pid}").get_data(as_text=True))
    return re.sub(r"\s+", " ", page.split("阶段：")[1].split("</p>")[0])


def _assert_report_matches_pages(app, runner, client, pid, tmp_path, name, *, contractor,
                                 paid, final) -> bytes:
    line = _regulator_money(app, runner, pid)
    assert f"施工单位 {contractor}" in line and f"已付 {paid} 元" in line, line
    assert f"结算 {final} 元" in line, line
    data = _download(client, pid, tmp_path, f"{name}.zip")
    keys = _keys(app.test_client(), tmp_path)
    code, report = _verify(tmp_path / f"{name}.zip", keys)
    assert code == 0 and "验证通过 / VERIFIED" in report, report
    assert f"施工单位 contractor {contractor}" in report, report
    assert f"已付款合计 total paid: {paid} 元" in report, report
    assert f"结算金额 final cost {final} 元" in report, report
    assert "NOT verified" not in report
    code, out = _verify(tmp_path / f"{name}.zip", keys, "--json")
    figures = json.loads(out)["works"]
    assert figures["contract"]["contractor"] == contractor
    assert _yuan(figures["paid_fen"]) == paid
    assert _yuan(figures["settlement"]["final_cost_fen"]) == final
    return data


def _yuan(fen: int) -> str:
    return f"{fen // 100:,}.{fen % 100:02d}"


def _rewrite(data: bytes, name: str, change) -> bytes:
    """The bundle with member `name` replaced by change(its text), the rest as it was."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == name:
                body = change(body.decode("utf-8")).encode("utf-8")
            dst.writestr(info, body)
    return out.getvalue()


def _close_choice(text: str) -> str:
    """The close's first revealed choice turned from agree to disagree."""
    lines = text.splitlines(True)
    at = next(i for i, line in enumerate(lines) if '"kind":"close"' in line)
    assert '"choice":"agree"' in lines[at]
    lines[at] = lines[at].replace('"choice":"agree"', '"choice":"disagree"', 1)
    return "".join(lines)


def _payment_amount(text: str) -> str:
    assert '"amount":200000' in text
    return text.replace('"amount":200000', '"amount":900000', 1)


def _without_third(text: str) -> str:
    lines = text.splitlines(True)
    del lines[3]  # the transfer's ballot
    return "".join(lines)


TAMPERS = (
    ("choice", _close_choice, [
        "[7.7] 第 1 条记录 entry 1: 开示的意见与盐值（salt）与该选票的意见承诺不符",
        "[7.4] 第 9 条记录 entry 9: 结束记录中的表决结果与重算的表决结果不一致",
        "7.7 每个开示与其选票的承诺相符"]),
    ("amount", _payment_amount, [
        "[4.3] 第 14 条记录 entry 14: digest 与记录内容不符",
        "[18.5] 第 14 条记录 entry 14: 付款累计 9,000.00 元（900000 分），超过合同金额 6,000.00 元（600000 分）",
        "18.6 结算数字"]),
    ("removed", _without_third, [
        "[4.1] 第 3 条记录 entry 3: 记录序号为 4，应为 3",
        "[4.2] 第 3 条记录 entry 3: prev 不是前一条记录重算的摘要",
        "[4.6] 链头或记录条数与清单不符"]),
)


def test_a_tampered_bundle_fails_naming_the_step_in_chinese(app, runner, tmp_path, client):
    proposal = _walk_the_vote(app, runner, tmp_path, client)
    pid = str(proposal["id"])
    _works(app, client, pid)
    data = _download(client, pid, tmp_path, "vote.zip")
    keys = _keys(app.test_client(), tmp_path)
    for name, change, said in TAMPERS:
        (tmp_path / f"{name}.zip").write_bytes(_rewrite(data, "chain.jsonl", change))
        code, report = _verify(tmp_path / f"{name}.zip", keys)
        assert code != 0 and "结论 verdict: 验证失败 / FAILED" in report, (name, report)
        assert "[2.1] chain.jsonl 的 SHA-256 摘要与清单不符" in report, (name, report)
        for words in said:
            assert words in report, (name, words, report)
        assert "以下工程与资金数字为链上所载，未经验证" in report, (name, report)


def test_an_emergency_use_with_its_settlement_verifies_with_the_figures_shown(
        app, runner, tmp_path, client):
    from tests.factories import make_roll_csv
    from votes.models import Proposal

    assert runner.invoke(args=["community", "create", "SUN", "--name", "阳光花园"]).exit_code == 0
    roll = make_roll_csv(tmp_path / "roll.csv")
    assert runner.invoke(args=["roll", "import", "--community", "SUN", str(roll)]).exit_code == 0
    staff_accounts(app, runner)
    sign_in(client, "sun_committee")
    form = "/committee/c/SUN/emergency"
    first = _twice(client, form, {
        "title": "1号楼电梯抢修", "scope": "building:1", "budget": "6547.50",
        "category": "elevator", "applicant": "property_company",
        "reason": "曳引机故障，困人两次", "confirm": "1",
        "evidence": ("inspection.pdf", b"%PDF-1.4 inspection")}, form)
    assert any("应急使用已公布在公示栏" in s for s in _flashes(first)), _flashes(first)
    with app.app_context():
        from votes.extensions import db

        pids = list(db.session.scalars(select(Proposal.id).where(Proposal.state == "emergency")))
        db.session.remove()
    assert len(pids) == 1
    pid = str(pids[0])
    shown = _works(app, client, pid)
    final = shown["page"].split('id="final-cost">')[1].split("<")[0]
    assert final == "6,200.00"
    data = _assert_report_matches_pages(app, runner, client, pid, tmp_path, "emergency",
                                        contractor="福州电梯工程有限公司", paid="5,000.00",
                                        final=final)
    code, report = _verify(tmp_path / "emergency.zip", _keys(app.test_client(), tmp_path))
    assert "应急使用（§18.6）" in report, report
    assert data
