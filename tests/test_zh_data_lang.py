"""What committees and owners typed (titles, descriptions, items, names, objections and
answers, documents) is Chinese. On an English page a screen reader read it with an English
voice, letter salad for a blind owner who chose English: each such value now sits inside an
element with lang="zh-CN" (WCAG 3.1.2). Chinese pages carry no extra lang attribute."""

from __future__ import annotations

import html
import re
from datetime import timedelta

from tests.factories import make_roll_csv, resident_id, voter_token
from tests.money_world import works_done
from tests.procedure_world import END, T0, at, show, vote

TITLE, DESCRIPTION, COMMUNITY = "电梯更换", "更换一号楼两台电梯", "阳光花园"
ITEMS, DOCUMENT = ("曳引机更换", "轿厢装修"), "三家报价单.pdf"
OBJECTION, ANSWER = "电梯报价偏高，请公开比价记录", "报价已经三家比价，比价记录见公示栏附件"
WORKS = ("福州电梯工程有限公司", "业委会", "物业服务中心")
PLAN = (DESCRIPTION, *ITEMS, DOCUMENT)
CHINESE = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
# lang on a span of its own (zh_text) or on a kept text's span (text_filters.kept_text)
ZH = re.compile(r'<span(?: class="kept-lines")? lang="zh-CN">(.*?)</span>', re.S)


def _world(app, runner, tmp_path) -> tuple[str, str]:
    at(app, T0 - timedelta(days=12))
    assert runner.invoke(args=["community", "create", "SUN", "--name", COMMUNITY]).exit_code == 0
    assert runner.invoke(args=["community", "rules", "SUN", "--set",
                               "objection_days=3"]).exit_code == 0
    roll = make_roll_csv(tmp_path / "roll.csv")
    assert runner.invoke(args=["roll", "import", "--community", "SUN", str(roll)]).exit_code == 0
    document = tmp_path / DOCUMENT
    document.write_bytes(b"%PDF-1.4 quotes")
    created = runner.invoke(args=[
        "proposal", "create", "--community", "SUN", "--title", TITLE, "--description",
        DESCRIPTION, "--matter", "use_fund", "--scope", "all", "--budget", "6547.50",
        "--item", f"{ITEMS[0]}:4000.00", "--item", f"{ITEMS[1]}:2547.50", "--doc",
        str(document), "--publicity-start", "2026-11-20T09:00", "--voting-start",
        "2026-12-01T09:00", "--voting-end", "2026-12-08T09:00", "--schedule"])
    assert created.exit_code == 0, created.output
    pid = created.output.strip()
    at(app, T0 + timedelta(hours=1))
    assert runner.invoke(args=["proposal", "open", pid]).exit_code == 0
    return pid, show(runner, pid)["uid"]


def _outside(page: str) -> str:
    """The page's text outside its lang="zh-CN" elements (and the language switch)."""
    body = page.split("<body>", 1)[1]
    body = re.sub(r'<nav class="lang">.*?</nav>', "", body, flags=re.S)
    body = re.sub(r"<script.*?</script>", "", ZH.sub("", body), flags=re.S)
    return html.unescape(re.sub(r"<[^>]*>", " ", body))


def test_typed_chinese_is_marked_on_english_pages_only(sqlite_app, tmp_path):
    app = sqlite_app
    runner = app.test_cli_runner()
    pid, uid = _world(app, runner, tmp_path)
    proposal = {"id": int(pid)}
    pages: dict[str, tuple[tuple[str, ...], dict[str, str]]] = {}

    def get(what, client, url, values, method="get", data=None, status=200):
        seen = {}
        for lang in ("en", "zh_CN"):
            sep = "&" if "?" in url else "?"
            response = getattr(client, method)(f"{url}{sep}lang={lang}", data=data)
            assert response.status_code == status, (what, lang, response.status_code)
            seen[lang] = response.get_data(as_text=True)
        pages[what] = (values, seen)

    public, owner = app.test_client(), app.test_client()
    get("index", public, "/", (COMMUNITY, TITLE))
    get("board voting", public, f"/p/{uid}", (TITLE, COMMUNITY, *PLAN))
    get("pick", public, f"/p/{uid}/pick", (TITLE, COMMUNITY))
    assert owner.get(f"/v/{voter_token(app, proposal, room='101')}").status_code == 302
    get("verify", owner, f"/p/{uid}/verify", (TITLE, COMMUNITY))
    assert owner.post(f"/p/{uid}/verify", data={
        "method": "id", "answer": resident_id(1)[-6:]}).status_code == 302
    get("ballot", owner, f"/p/{uid}/ballot", (TITLE, COMMUNITY, *PLAN))
    get("confirm", owner, f"/p/{uid}/confirm", (TITLE,), "post", {"choice": "agree"})
    vote(runner, tmp_path, pid, {v: "agree" for v in "ACDE"})

    at(app, END)
    assert runner.invoke(args=["tick"]).exit_code == 0
    objector = app.test_client()
    start = objector.get(f"/v/{voter_token(app, proposal, room='102')}/objection")
    done = objector.post(start.location, data={"method": "id", "answer": resident_id(2)[-6:]})
    assert done.status_code == 302, done.get_data(as_text=True)
    assert "objection-filed" in objector.post(done.location, data={"text": OBJECTION}).get_data(
        as_text=True)
    get("objection", objector, done.location, (TITLE, COMMUNITY, OBJECTION))

    at(app, END + timedelta(days=3, hours=1))
    listing = runner.invoke(args=["proposal", "objections", pid]).output
    for seq in sorted(set(re.findall(r"第 (\d+) 条", listing))):
        answered = runner.invoke(args=["proposal", "answer", pid, seq, "--decision",
                                       "rejected", "--text", ANSWER])
        assert answered.exit_code == 0, answered.output
    works_done(runner, tmp_path, pid, payments=("2000.00",))
    assert runner.invoke(args=["works", "settle", pid, "--final-cost",
                               "6400.00"]).exit_code == 0
    get("board settled", public, f"/p/{uid}", (TITLE, COMMUNITY, *PLAN, OBJECTION, ANSWER,
                                               *WORKS))
    get("units", public, f"/p/{uid}/units", (TITLE,))
    get("audit", public, f"/p/{uid}/audit", (TITLE, COMMUNITY))
    reader = app.test_client()
    assert reader.get(f"/v/{voter_token(app, proposal, room='102')}").status_code == 302
    assert reader.post(f"/p/{uid}/verify", data={
        "method": "id", "answer": resident_id(2)[-6:]}).status_code == 302
    get("mine", reader, f"/p/{uid}/mine", (TITLE, COMMUNITY, OBJECTION, ANSWER))
    get("fund", reader, f"/p/{uid}/fund", (TITLE, COMMUNITY))

    unmarked, loose, extra = {}, {}, {}
    for what, (values, seen) in pages.items():
        english, chinese = seen["en"], seen["zh_CN"]
        assert '<html lang="en">' in english and '<html lang="zh-CN">' in chinese
        marked = [html.unescape(v) for v in ZH.findall(english)]
        if missing := [v for v in values if not any(v in m for m in marked)]:
            unmarked[what] = missing
        if found := CHINESE.findall(_outside(english)):
            loose[what] = "".join(found)
        # Chinese pages: the page's own lang and the switch to English, nothing else.
        if (langs := re.findall(r'\slang="([^"]*)"', chinese)) != ["zh-CN", "en"]:
            extra[what] = langs
    assert (unmarked, loose, extra) == ({}, {}, {})
