"""English pages speak English around their data: no Chinese punctuation or words leak from
templates or services into ?lang=en pages (the catalogue test cannot see punctuation written
next to a translated string, nor a Chinese word joined or looked up outside gettext)."""

from __future__ import annotations

import html
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PUNCTUATION = re.compile(r"[：（）；，、。“”！？\u3000]")
CHINESE = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]+")
# Words a language switch shows in the other language, and the data typed by the worlds below.
DATA = ("中文", "阳光花园", "电梯更换", "消防水泵抢修", "消防水泵失效，需立即抢修",
        "福州电梯工程有限公司", "业委会", "物业服务中心", "预付款1", "预付款")
NAMES = re.compile(r"[张李王赵阳刘陈][*＊]*")


def _outside_tags(source: str) -> str:
    """The template with its comments, {{ }} and {% %} blanked (line numbers kept)."""
    def blank(m):
        return re.sub(r"[^\n]", " ", m.group())
    return re.sub(r"\{#.*?#\}|\{\{.*?\}\}|\{%.*?%\}", blank, source, flags=re.S)


def test_templates_keep_chinese_punctuation_inside_translated_strings():
    """"申请人：" written as {{ _("申请人") }}： showed "Applicant：" on English pages."""
    found = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        source = path.read_text(encoding="utf-8")
        for number, line in enumerate(_outside_tags(source).split("\n"), 1):
            if PUNCTUATION.search(line):
                found.append(f"{path.relative_to(ROOT)}:{number}")
        for block in re.finditer(r"\{\{.*?\}\}|\{%.*?%\}", source, flags=re.S):
            for literal in re.finditer(r"""(["'])((?:(?!\1).)*)\1""", block.group()):
                before = block.group()[:literal.start()].rstrip()
                if CHINESE.search(literal.group(2)) and not re.search(r"\b_\($", before) \
                        and literal.group(2) not in ("是", "否"):  # option values
                    number = source[:block.start()].count("\n") + 1
                    found.append(f"{path.relative_to(ROOT)}:{number} {literal.group(0)}")
    assert found == []


def _world(app, runner, tmp_path):
    from tests.money_world import fire_pump_emergency, passed_vote, staff_accounts, works_done

    vote = passed_vote(app, runner, tmp_path)
    works_done(runner, tmp_path, vote["pid"])
    emergency = fire_pump_emergency(runner, tmp_path)
    staff_accounts(app, runner)
    with app.app_context():
        from votes.services.lifecycle import get_proposal

        return vote["pid"], get_proposal(vote["pid"]).uid, emergency, \
            get_proposal(emergency).uid


def _text(response) -> str:
    if response.mimetype == "text/csv":
        return response.data.decode("utf-8-sig")
    text = html.unescape(response.get_data(as_text=True))
    return re.sub(r"<script.*?</script>|<style.*?</style>", "", text, flags=re.S)


def _leaks(text: str) -> list[str]:
    for word in sorted(DATA, key=len, reverse=True):
        text = text.replace(word, " ")
    return sorted(set(CHINESE.findall(NAMES.sub(" ", text))))


def test_english_pages_show_no_chinese_around_the_data(app, runner, tmp_path):
    from tests.staff_world import sign_in

    pid, uid, emergency, emergency_uid = _world(app, runner, tmp_path)
    committee, regulator, public = app.test_client(), app.test_client(), app.test_client()
    sign_in(committee, "sun_committee")
    sign_in(regulator, "district")
    pages = [(public, u) for u in (
        "/", f"/p/{uid}", f"/p/{uid}/share", f"/p/{uid}/audit", f"/p/{uid}/units",
        f"/p/{emergency_uid}", f"/p/{emergency_uid}/audit", "/staff/login")]
    pages += [(committee, u) for u in (
        "/committee/", "/committee/c/SUN", "/committee/c/SUN/proposals/new",
        f"/committee/p/{pid}", f"/committee/p/{pid}/non-voters",
        f"/committee/p/{pid}/paper-ballots", f"/committee/p/{pid}/scans",
        f"/committee/p/{pid}/works", f"/committee/p/{emergency}",
        f"/committee/p/{emergency}/works", "/committee/c/SUN/emergency")]
    pages += [(regulator, u) for u in (
        "/regulator/", f"/regulator/p/{pid}", f"/regulator/p/{emergency}",
        f"/regulator/p/{pid}/scans", "/regulator/?format=csv")]
    leaks = {}
    for client, url in pages:
        response = client.get(url + ("&" if "?" in url else "?") + "lang=en")
        assert response.status_code == 200, url
        if found := _leaks(_text(response)):
            leaks[url] = found
    assert leaks == {}
    # Chinese keeps its own punctuation, as before.
    page = public.get(f"/p/{emergency_uid}?lang=zh_CN").get_data(as_text=True)
    assert "申请人：</strong>" in page and "情形：</strong>" in page
    page = committee.get("/committee/c/SUN?lang=zh_CN").get_data(as_text=True)
    assert re.search(r"房屋（\d+）", page)


def test_english_emergency_form_prefills_a_scope_it_reads_back():
    """The English emergency form offered 全体业主; its English, read back, is everyone."""
    from votes.core.roll import Scope
    from votes.core.scope_words import parse_scope_words

    assert parse_scope_words("all owners", []) == Scope("all")


def test_english_delivery_with_a_bad_time_is_refused_in_english(app, runner, tmp_path, client):
    """The refusal read "送达时间 delivered at “soon” is not a valid time" in English."""
    import io

    from tests.procedure_world import open_vote
    from tests.staff_world import committee_clerk, sign_in

    pid = open_vote(app, runner, tmp_path, "follow_majority=full")
    committee_clerk(runner)
    sign_in(client, "clerk")
    refused = client.post(f"/committee/p/{pid}/delivery?lang=en", follow_redirects=True,
                          data={"building": "2", "entrance": "1", "room": "201",
                                "method": "registered_mail", "delivered_at": "soon",
                                "evidence": (io.BytesIO(b"receipt"), "ems.jpg")},
                          content_type="multipart/form-data")
    text = html.unescape(refused.get_data(as_text=True))
    assert "Delivered at" in text and "送达时间" not in text


def test_committee_page_of_an_emergency_shows_no_voting_period(app, runner, tmp_path):
    """An emergency use has no vote, yet its committee page said "表决 … 至 …"."""
    from tests.money_world import fire_pump_emergency, staff_accounts
    from tests.factories import make_roll_csv
    from tests.staff_world import sign_in

    roll = make_roll_csv(tmp_path / "roll.csv")
    assert runner.invoke(args=["community", "create", "SUN", "--name", "阳光花园"]).exit_code == 0
    assert runner.invoke(args=["roll", "import", "--community", "SUN", str(roll)]).exit_code == 0
    emergency = fire_pump_emergency(runner, tmp_path)
    staff_accounts(app, runner)
    committee = app.test_client()
    sign_in(committee, "sun_committee")
    chinese = committee.get(f"/committee/p/{emergency}?lang=zh_CN").get_data(as_text=True)
    assert "未经业主表决" in chinese and "表决 " not in chinese.split("id=\"procedure\"")[1][:600]
    english = committee.get(f"/committee/p/{emergency}?lang=en").get_data(as_text=True)
    assert "Voting " not in english.split("id=\"procedure\"")[1][:600]
