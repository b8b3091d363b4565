"""A district regulator's walk through the regulator pages: what each says and where it leads."""

from __future__ import annotations

import csv
import html
import io
import re

from tests.money_world import evidence, passed_vote, staff_accounts
from tests.staff_world import sign_in


def _badge(client, title: str) -> str:
    page = client.get("/regulator/").get_data(as_text=True)
    row = re.search(rf"<tr><td>[^<]*</td><td><a [^>]*>{title}</a>.*?</tr>", page, re.S).group(0)
    return re.findall(r'<span class="badge[^"]*">([^<]+)</span>', row)[-1]


def _csv_verification(client) -> str:
    data = client.get("/regulator/?format=csv").get_data().decode("utf-8-sig")
    return next(csv.DictReader(io.StringIO(data)))["验证"]


def test_a_verification_of_an_older_chain_head_is_not_shown_as_verified(app, runner,
                                                                        tmp_path, client):
    """The regulator verifies a passed vote; the committee then records the contract (a new
    chain entry nobody has verified). The overview, the CSV and the proposal page kept
    saying 已验证 of a chain that has grown since."""
    pid = passed_vote(app, runner, tmp_path)["pid"]
    staff_accounts(app, runner)
    sign_in(client, "district")
    verified = client.post(f"/regulator/p/{pid}/verify", follow_redirects=True).get_data(as_text=True)
    assert "验证通过 / VERIFIED" in verified
    assert _badge(client, "电梯更换") == "已验证" and _csv_verification(client) == "已验证"

    contract = runner.invoke(args=["works", "contract", pid, "--contractor", "甲公司",
                                   "--amount", "6000.00", "--evidence", evidence(tmp_path)])
    assert contract.exit_code == 0, contract.output
    assert _badge(client, "电梯更换") == "验证后有新记录，需重新验证"
    assert _csv_verification(client) == "验证后有新记录，需重新验证"
    page = client.get(f"/regulator/p/{pid}").get_data(as_text=True)
    assert "验证后有新记录，需重新验证" in page and ">已验证<" not in page

    client.post(f"/regulator/p/{pid}/verify", follow_redirects=True)
    assert _badge(client, "电梯更换") == "已验证"


def test_the_verify_address_opened_again_leads_back_to_the_proposal(app, runner, tmp_path,
                                                                   client):
    """After 验证导出包 the browser shows /regulator/p/N/verify; opening it again (reload
    refused, back/forward, the address copied to a colleague, history) answered 405 无法处理
    这个请求, a dead end."""
    pid = passed_vote(app, runner, tmp_path)["pid"]
    staff_accounts(app, runner)
    sign_in(client, "district")
    client.post(f"/regulator/p/{pid}/verify", follow_redirects=True)
    again = client.get(f"/regulator/p/{pid}/verify")
    assert again.status_code == 302 and again.location.endswith(f"/regulator/p/{pid}")
    page = client.get(again.location).get_data(as_text=True)
    assert "最近一次验证：" in page and "已验证" in page


def test_the_regulator_sees_when_a_preliminary_result_becomes_final(app, runner, tmp_path):
    """A vote in its objection period: the regulator's page said 初步结果：表决通过 and no
    more — not until when objections run, not the objections filed nor whether they were
    answered, so the regulator could not tell when to expect the final result (and the
    application package it would then release money on)."""
    from tests.procedure_world import close_at_end, open_vote, scan, unit_args, vote
    from tests.staff_world import staff_client

    pid = open_vote(app, runner, tmp_path, "objection_days=3")
    vote(runner, tmp_path, pid, {v: "agree" for v in "ABCDE"})
    close_at_end(app, runner, pid)
    filed = runner.invoke(args=["proposal", "objection", pid, *unit_args("C"), "--text",
                                "我家面积登记有误", "--evidence", scan(tmp_path, "o.pdf", b"o")])
    assert filed.exit_code == 0, filed.output
    client = staff_client(app, runner, "district", "--role", "admin")
    page = client.get(f"/regulator/p/{pid}").get_data(as_text=True)
    assert "初步结果：表决通过" in page
    assert "异议期至 2026-12-11 09:00（北京时间）" in page
    assert "我家面积登记有误" in page and "业主委员会尚未答复" in page
    assert 'id="download-application"' not in page


def test_the_regulator_reaches_the_settlement_details_from_its_page(app, runner, tmp_path,
                                                                   client):
    """docs/fund-application.md: 结算明细 (each flat's balance and shortfall) is open to the
    district's regulator, and the route lets it in, but its page had no link to it: only
    the committee's works page, which the regulator cannot open."""
    from tests.money_world import works_done

    pid = passed_vote(app, runner, tmp_path)["pid"]
    works_done(runner, tmp_path, pid)
    assert runner.invoke(args=["works", "settle", pid, "--final-cost", "6000.00"]).exit_code == 0
    staff_accounts(app, runner)
    sign_in(client, "district")
    page = client.get(f"/regulator/p/{pid}").get_data(as_text=True)
    link = re.search(r'id="settlement-balances-pdf" href="([^"]+)"', page)
    assert link, "no link to the settlement details"
    pdf = client.get(link.group(1))
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"


def test_the_servers_own_check_says_what_it_trusts(app, runner, tmp_path, client):
    """验证导出包 checks the bundle with the server's own keys: an insider holding the key
    would get the same VERIFIED. The page says so and how to check independently; the
    application package's README says the outcome in words, not 'verified'."""
    import zipfile

    pid = passed_vote(app, runner, tmp_path)["pid"]
    staff_accounts(app, runner)
    sign_in(client, "district")
    page = client.get(f"/regulator/p/{pid}").get_data(as_text=True)
    assert "服务器用自己的密钥验证" in page and "votes verify bundle.zip --keys" in page, page
    english = client.get(f"/regulator/p/{pid}?lang=en").get_data(as_text=True)
    assert "with its own keys" in english
    # The command's placeholders are text: in English "<the keys file …>" was sent as a
    # tag, which the browser dropped ("--keys (or --fingerprint ) on your own computer").
    assert "--keys &lt;the keys file the district publishes outside this system&gt;" in english
    assert "--fingerprint &lt;key fingerprint&gt;" in english
    assert "--keys &lt;辖区在本系统之外公布的密钥文件&gt;" in page
    package = client.get(f"/committee/p/{pid}/application.zip")
    assert package.status_code == 200
    with zipfile.ZipFile(io.BytesIO(package.data)) as z:
        readme = z.read("README.txt").decode("utf-8")
    assert "验证结果：验证通过（服务器自检）" in readme and "：verified" not in readme, readme


def test_the_last_verification_is_shown_when_the_regulator_comes_back(app, runner, tmp_path,
                                                                     client):
    """After 验证导出包 the report was shown once, on the page the button answered; a
    regulator coming back later saw only a badge, a time and a login: not what failed, and
    no way to read or keep the report the server had stored. The page now says what failed
    (the checks, in Chinese) and offers the stored report's full text to download."""
    from sqlalchemy import select

    from votes.extensions import db
    from votes.models import ChainEntry

    pid = passed_vote(app, runner, tmp_path)["pid"]
    staff_accounts(app, runner)
    sign_in(client, "district")
    page = client.get(f"/regulator/p/{pid}").get_data(as_text=True)
    assert 'id="verification-report"' not in page
    assert client.get(f"/regulator/p/{pid}/verification.txt").status_code == 404

    client.post(f"/regulator/p/{pid}/verify", follow_redirects=True)
    page = client.get(f"/regulator/p/{pid}").get_data(as_text=True)
    last = re.search(r'<div id="last-verification">.*?</div>', page, re.S).group(0)
    assert "已验证" in last and "district" in last and "未通过的检查" not in last, last
    link = re.search(r'id="verification-report" href="([^"]+)"', last).group(1)
    assert "下载验证报告全文" in last
    text = client.get(link)
    assert text.status_code == 200 and text.mimetype == "text/plain"
    assert "attachment" in text.headers["Content-Disposition"]
    body = text.get_data(as_text=True)
    assert "验证人：district" in body and "验证通过 / VERIFIED" in body, body

    # The chain altered behind the app's back: the next verification fails, and the page
    # says which checks did, when the regulator comes back to it.
    with app.app_context():
        entry = db.session.scalars(select(ChainEntry).where(
            ChainEntry.proposal_id == int(pid)).order_by(ChainEntry.seq)).all()[1]
        entry.line = entry.line.replace('"time":"', '"time":"1', 1)
        db.session.commit()
    client.post(f"/regulator/p/{pid}/verify", follow_redirects=True)
    page = client.get(f"/regulator/p/{pid}").get_data(as_text=True)
    last = re.search(r'<div id="last-verification">.*?</div>', page, re.S).group(0)
    assert "验证失败" in last and "未通过的检查" in last, last
    failed = re.findall(r'<li class="failed-check">([^<]+)</li>', last)
    assert failed and all(re.match(r"\d", f) for f in failed), failed
    body = client.get(link).get_data(as_text=True)
    assert "验证失败 / FAILED" in body and all(f.split()[0] in body for f in failed)

    # In English the same checks, by the English titles of the spec's step index; the
    # stored report (the verifier's own, bilingual) is not rewritten.
    from tests.test_english_pages import _leaks
    from votes.core.step_titles import STEP_TITLES_EN

    page = client.get(f"/regulator/p/{pid}?lang=en").get_data(as_text=True)
    last = re.search(r'<div id="last-verification">.*?</div>', page, re.S).group(0)
    english = re.findall(r'<li class="failed-check">([^<]+)</li>', last)
    assert [f.split()[0] for f in english] == [f.split()[0] for f in failed], english
    assert all(STEP_TITLES_EN[f.split()[0]] in html.unescape(f) for f in english), english
    assert _leaks(html.unescape(last)) == [], last
    assert "验证失败 / FAILED" in client.get(f"{link}?lang=en").get_data(as_text=True)


def test_another_districts_regulator_reads_no_verification(app, runner, tmp_path, client):
    """The stored report and the page's failed checks belong to the proposal's district: a
    regulator of another district (or a committee member) gets the 404 of a proposal that
    does not exist, not the report nor its time and verifier."""
    from tests.staff_world import PASSWORD

    pid = passed_vote(app, runner, tmp_path)["pid"]
    staff_accounts(app, runner)
    sign_in(client, "district")
    client.post(f"/regulator/p/{pid}/verify", follow_redirects=True)
    assert client.get(f"/regulator/p/{pid}/verification.txt").status_code == 200
    result = runner.invoke(args=["users", "create", "--no-must-change", "other_district",
                                 "--role", "regulator", "--jurisdiction", "350503",
                                 "--password", PASSWORD])
    assert result.exit_code == 0, result.output
    for login, status in (("other_district", 404), ("sun_committee", 403)):
        other = app.test_client()
        sign_in(other, login)
        for path in (f"/regulator/p/{pid}/verification.txt", f"/regulator/p/{pid}"):
            answer = other.get(path)
            assert answer.status_code == status, (login, path)
            assert "验证人" not in answer.get_data(as_text=True)


def _outside_raw_report(page: str) -> str:
    """The page's text without the verifier's own report (bilingual as `votes verify`
    prints it, kept folded under the summary) and without tags."""
    page = re.sub(r'<details id="verify-raw">.*?</details>', "", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]*>", " ", page))


def test_the_verification_reads_in_the_pages_language(app, runner, tmp_path, client):
    """After 验证导出包 the page showed the command-line verifier's report: Chinese and
    English on every line, and its figures in the program's words (quorum_area ≥2/3:
    59475/65475 needed 43650 → met, 通过 PASSED). A district official reads the verdict, the
    key, the thresholds and the result in the page's language; the report itself stays,
    folded, and as the download."""
    from tests.money_world import works_done

    pid = passed_vote(app, runner, tmp_path)["pid"]
    works_done(runner, tmp_path, pid)
    staff_accounts(app, runner)
    sign_in(client, "district")
    page = client.post(f"/regulator/p/{pid}/verify", follow_redirects=True).get_data(as_text=True)
    assert '<details id="verify-raw">' in page and "验证通过 / VERIFIED" in page
    text = _outside_raw_report(page)
    for english in ("quorum_area", "approval_headcount", "needed", " met", "VERIFIED", "PASSED",
                    "verdict", "signed by", "trust anchor", "contractor", "yuan"):
        assert english not in text, english
    summary = _outside_raw_report(page.split('id="verify-summary"', 1)[1])
    for chinese in ("验证通过", "参与表决专有面积", "436.50 m²", "达到", "表决通过", "签名密钥", "（签署本导出包）",
                    "ed25519:", "福州电梯工程有限公司", "6,000.00 元", "2,000.00 元"):
        assert chinese in summary, chinese

    english_page = client.post(f"/regulator/p/{pid}/verify?lang=en", follow_redirects=True).get_data(as_text=True)
    summary = _outside_raw_report(english_page.split('id="verify-summary"', 1)[1])
    assert not re.findall(r"[\u3000-\u9fff\uff00-\uffef]+",
                          summary.replace("福州电梯工程有限公司", "")
                          .replace("电梯更换", "").replace("业委会", "")
                          .replace("物业服务中心", "")), summary
    for words in ("Verified", "Area of participating owners", "met", "Passed", "Signing key",
                  "6,000.00 yuan"):
        assert words in summary, words


def test_a_verification_is_audited_as_a_check_not_a_download(app, runner, tmp_path, client):
    """验证导出包 was written to the audit log as 导出记录, the same as a download of the
    bundle: a reader could not tell who checked a vote from who took its records away. It is
    now its own action, in words in both languages."""
    pid = passed_vote(app, runner, tmp_path)["pid"]
    staff_accounts(app, runner)
    sign_in(client, "district")
    client.post(f"/regulator/p/{pid}/verify", follow_redirects=True)
    assert client.get(f"/committee/p/{pid}/bundle.zip").status_code == 200
    rows = [r for r in csv.DictReader(io.StringIO(
        client.get("/admin/audit?format=csv").data.decode("utf-8-sig")))
        if r["actor"] == "district" and r["target"] == pid]
    assert [r["action"] for r in rows] == ["proposal.verify", "proposal.export"], rows
    # Written as the job starts (votes/services/verify_jobs.py), once: the chain head it set
    # out to check and the job; the outcome is the verification's, shown on its page.
    assert '"job":' in rows[0]["details"] and "chain_head" in rows[0]["details"]
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "验证记录" in page and "导出记录" in page
    english = client.get("/admin/audit?lang=en").get_data(as_text=True)
    assert "Records verified" in english and "Records exported" in english


def test_an_interim_check_says_a_quorum_is_not_reached_yet(app, runner, tmp_path, client):
    """验证导出包 while voting: the summary's thresholds said 未达到 / not met, in the
    warning's colour, of a quorum the vote may still reach — a failed check to a regulator
    skimming the table. While the vote is in progress a quorum short of it is 尚未达到."""
    from tests.factories import make_open_proposal

    pid = str(make_open_proposal(app, runner, tmp_path)["id"])
    (tmp_path / "s.pdf").write_bytes(b"%PDF-1.4 scanned form 1-101")
    (tmp_path / "b.csv").write_text("building,entrance,room,choice,channel,evidence,entered_by\n"
                                    "1,1,101,agree,paper,s.pdf,clerk\n", encoding="utf-8")
    assert runner.invoke(args=["ballots", "import", pid, str(tmp_path / "b.csv")]).exit_code == 0
    staff_accounts(app, runner)
    sign_in(client, "district")
    for lang, short, failed in (("zh", "尚未达到", "未达到"), ("en", "Not reached yet", "not met")):
        page = client.post(f"/regulator/p/{pid}/verify?lang={lang}", follow_redirects=True).get_data(as_text=True)
        summary = page.split('id="verify-summary"', 1)[1].split('id="verify-raw"', 1)[0]
        cells = re.findall(r'<span class="(ok|warn|muted)">([^<]+)</span></td></tr>', summary)
        assert cells and all(cell == ("muted", short) for cell in cells), (lang, cells)
        assert f">{failed}<" not in summary


def test_a_failed_verification_vouches_for_no_signature_nor_checked_works(app, runner, tmp_path,
                                                                          client, monkeypatch):
    """The bundle's manifest signature does not verify (3.2): the summary still marked the
    key （签署本导出包）/ (signed this bundle), and headed the works figures 工程与资金（已核对
    的链上记录）/ (from the chain entries checked) beside 未经验证 — two statements of a check
    that passed, on a page whose verdict is that it failed."""
    import zipfile

    from tests.money_world import works_done
    from votes.services import verify_jobs

    pid = passed_vote(app, runner, tmp_path)["pid"]
    works_done(runner, tmp_path, pid)
    real = verify_jobs.verify_exported

    def bad_manifest_signature(data: bytes, progress=None):
        out = io.BytesIO()
        with zipfile.ZipFile(io.BytesIO(data)) as old, zipfile.ZipFile(out, "w") as new:
            for info in old.infolist():
                body = old.read(info)
                if info.filename == "manifest.sig":
                    body = (b"B" if body[:1] != b"B" else b"C") + body[1:]
                new.writestr(info, body)
        return real(out.getvalue(), progress)

    monkeypatch.setattr(verify_jobs, "verify_exported", bad_manifest_signature)
    staff_accounts(app, runner)
    sign_in(client, "district")
    for lang, signed, checked in (("zh", "签署本导出包", "已核对"), ("en", "signed this bundle",
                                                                 "entries checked")):
        page = client.post(f"/regulator/p/{pid}/verify?lang={lang}", follow_redirects=True).get_data(as_text=True)
        assert "[3.2]" in page, page
        summary = _outside_raw_report(page.split('id="verify-summary"', 1)[1])
        assert "福州电梯工程有限公司" in summary
        assert signed not in summary and checked not in summary, (lang, summary)
