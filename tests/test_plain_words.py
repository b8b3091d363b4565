"""Issue 11, plain Chinese everywhere: every page of every role, in zh_CN, in every state a
proposal goes through, shows no internal word (state, matter, area basis, role, threshold,
channel names, Python values) in its visible text, and every page answers with a styled page.

Visible text is what a reader sees: tags, scripts, styles and attribute values are removed.
Data that people typed (names, titles, logins) is not judged; the fixtures use Chinese
titles and logins that contain no listed word standing alone."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest

from tests.browser import pdf_text
from tests.factories import resident_id, voter_token
from tests.staff_world import build, sign_in

# Whole words only ("sun_committee" is a login, not the word committee).
INTERNAL = ("draft", "publicity", "voting", "closed", "published", "withdrawn", "use_fund",
            "raise_fund", "change_use", "rebuild", "registered", "surveyed", "contract",
            "measured", "quorum_area", "quorum_headcount", "approval_area",
            "approval_headcount", "approval_base", "participating", "committee", "regulator",
            "admin", "online", "paper", "proxy", "agree", "disagree", "abstain", "person",
            "company", "developer", "not_home", "will_vote", "None", "True", "False",
            "NOT PASSED", "PASSED", "centi", "fen", "UTC", "Traceback", "proposal", "ballots",
            "roll", "account", "withdraw", "schedule", "building", "entrance")
PATTERN = re.compile(r"(?<![\w-])(" + "|".join(re.escape(w) for w in INTERNAL) + r")(?![\w-])",
                     re.IGNORECASE)
CASE_SENSITIVE = {"None", "True", "False"}


def visible_text(page: str) -> str:
    page = re.sub(r"(?is)<(script|style|template)\b.*?</\1>", " ", page)
    page = re.sub(r"(?s)<!--.*?-->", " ", page)
    page = re.sub(r"(?s)<[^>]*>", " ", page)
    return html.unescape(page)


def internal_words(text: str) -> list[str]:
    found = []
    for match in PATTERN.finditer(text):
        word = match.group(1)
        if word.capitalize() in CASE_SENSITIVE and word not in CASE_SENSITIVE:
            continue  # "none" as an English word cannot occur in Chinese text anyway
        found.append(text[max(0, match.start() - 30):match.end() + 30].replace("\n", " "))
    return found


def test_the_word_check_itself():
    page = ('<p title="draft">草稿</p><script>var voting = 1</script><td>sun_committee</td>'
            '<input value="use_fund"><span>admin1</span>')
    assert internal_words(visible_text(page)) == []
    assert internal_words(visible_text("<p>状态：voting</p>"))
    assert internal_words(visible_text("<p>quorum_area ≥2/3</p>"))
    assert internal_words(visible_text("<td>None</td>")) and not internal_words("无")


@pytest.fixture
def states(app, runner, tmp_path):
    """The SUN vote open (world), plus a draft, one in publicity, one withdrawn, one
    closed and one whose result is published, all in community SUN."""
    world = build(app, runner, tmp_path)
    t0 = world["t0"]
    app.config["VOTES_NOW"] = t0 - timedelta(days=12, hours=-1)

    def create(title, start, end, *extra, publicity="2026-11-20T09:00"):
        result = runner.invoke(args=[
            "proposal", "create", "--community", "SUN", "--title", title, "--matter",
            "use_fund", "--scope", "building:1", "--budget", "356000", "--item",
            "屋面防水:356000", "--publicity-start", publicity, "--voting-start", start,
            "--voting-end", end, *extra])
        assert result.exit_code == 0, result.output
        return int(result.output.strip())

    ids = {"draft": create("门禁改造", "2026-12-20T09:00", "2026-12-27T09:00"),
           "publicity": create("外墙修缮", "2026-12-05T09:00", "2026-12-12T09:00", "--schedule"),
           "withdrawn": create("水泵更换", "2026-12-05T09:00", "2026-12-12T09:00", "--schedule"),
           "closed": create("屋面防水", "2026-12-01T09:00", "2026-12-01T09:30", "--schedule"),
           "published": create("消防维修", "2026-12-01T09:00", "2026-12-01T09:30",
                               "--schedule")}
    app.config["VOTES_NOW"] = t0 + timedelta(minutes=5)
    assert runner.invoke(args=["tick"]).exit_code == 0  # scheduled ones open by themselves
    app.config["VOTES_NOW"] = t0 + timedelta(hours=1)
    assert runner.invoke(args=["tick"]).exit_code == 0
    assert runner.invoke(args=["proposal", "publish-result", str(ids["published"])]).exit_code == 0
    assert runner.invoke(args=["proposal", "withdraw", str(ids["withdrawn"]), "--reason",
                               "报价单有误，重新询价"]).exit_code == 0
    ids["open"] = world["sun"]["id"]
    with app.app_context():
        from votes.extensions import db
        from votes.models import Proposal

        proposals = {k: db.session.get(Proposal, v) for k, v in ids.items()}
        assert {k: p.state for k, p in proposals.items()} == {
            "draft": "draft", "publicity": "publicity", "withdrawn": "withdrawn",
            "closed": "closed", "published": "published", "open": "voting"}
        uids = {k: p.uid for k, p in proposals.items()}
    return {"world": world, "ids": ids, "uids": uids}


class Walk:
    """GETs (and a few POSTs) pages in zh_CN, collecting every internal word seen."""

    def __init__(self, client):
        self.client = client
        self.problems: list[str] = []
        self.seen = 0

    def page(self, url, status=200, method="get", **kwargs):
        response = getattr(self.client, method)(url, **kwargs)
        assert response.status_code == status, (url, response.status_code)
        self.check(url, response)
        return response

    def check(self, url, response):
        if response.status_code in (301, 302, 303):
            return
        kind = response.mimetype
        if kind == "application/pdf":
            body = pdf_text(response.data)
            assert "表决" in body, (url, "no text extracted")
            self.seen += 1
            self.problems += [f"{url}: …{w}…" for w in internal_words(body)]
            return
        if kind not in ("text/html", "text/csv"):
            return
        body = response.get_data(as_text=True)
        if kind == "text/html":
            assert 'class="brand"' in body, (url, "not a styled page")
            body = visible_text(body)
        self.seen += 1
        self.problems += [f"{url}: …{w}…" for w in internal_words(body)]


def test_no_internal_word_on_any_page_of_any_role(app, client, states):
    ids, uids, world = states["ids"], states["uids"], states["world"]
    client.get("/?lang=zh_CN")
    walk = Walk(client)

    # The public: start page, every board, its audit page, the lobby pick page, errors.
    walk.page("/")
    walk.page("/staff/login")
    for key, uid in uids.items():  # a draft is not public yet
        walk.page(f"/p/{uid}", status=404 if key == "draft" else 200)
        walk.page(f"/p/{uid}/audit", status=404 if key == "draft" else 200)
    walk.page(f"/p/{uids['open']}/pick")
    walk.page(f"/p/{uids['open']}?receipt=ABCD")
    walk.page("/no/such/page", status=404)
    walk.page("/p/nosuchproposal", status=404)

    # An owner: the link, the second factor, the ballot, confirm, the receipt, the board.
    sun = world["sun"]
    r = walk.page(f"/v/{voter_token(app, sun, '101')}", status=302)
    walk.page(r.headers["Location"])
    walk.page(f"/p/{sun['uid']}/verify", method="post", status=200,
              data={"method": "id", "answer": "000000"})  # a wrong answer first
    r = walk.page(f"/p/{sun['uid']}/verify", method="post", status=302,
                  data={"method": "id", "answer": resident_id(1)[-6:]})
    walk.page(f"/p/{sun['uid']}/ballot")
    confirm = walk.page(f"/p/{sun['uid']}/confirm", method="post", data={"choice": "agree"})
    nonce = re.search(r'name="nonce" value="([0-9a-f]+)"',
                      confirm.get_data(as_text=True)).group(1)
    r = walk.page(f"/p/{sun['uid']}/cast", method="post", status=302,
                  data={"choice": "agree", "nonce": nonce})
    walk.page(r.headers["Location"])
    digest = r.headers["Location"].rsplit("/", 1)[1]
    walk.page(f"/p/{sun['uid']}?receipt={digest[:10]}")
    for key in ("draft", "publicity", "withdrawn", "closed"):  # links before/after voting
        with app.app_context():
            token = voter_token(app, {"id": ids[key]}, "101") if key != "draft" else None
        if token:
            r = client.get(f"/v/{token}")
            walk.check(f"/v/ ({key})", r)
            if r.status_code == 302:
                walk.page(r.headers["Location"])

    # The committee.
    sign_in(client, "sun_committee")
    walk.page("/committee/")
    walk.page("/committee/c/SUN")
    walk.page("/committee/c/SUN/proposals/new")
    for key, pid in ids.items():
        walk.page(f"/committee/p/{pid}")
    walk.page(f"/committee/p/{ids['draft']}/edit")
    walk.page(f"/committee/p/{ids['open']}/non-voters")
    walk.page(f"/committee/p/{ids['open']}/notices")
    walk.page(f"/committee/p/{ids['open']}/notices.pdf")  # printed documents too
    walk.page(f"/committee/p/{ids['open']}/poster.pdf")
    walk.page(f"/committee/p/{ids['closed']}/result-notice.pdf")
    walk.page("/committee/c/SUN/proposals/new", method="post",
              data={"title": "t", "matter": "use_fund", "scope": "building:9", "budget": "1",
                    "voting_start": "2026-12-20T09:00", "voting_end": "2026-12-27T09:00",
                    "action": "preview"})
    walk.page("/admin/", status=403)
    walk.page(f"/committee/p/{world['moon']['id']}", status=404)
    client.post("/staff/logout")

    # The regulator.
    sign_in(client, "district")
    walk.page("/regulator/")
    walk.page("/regulator/?format=csv")
    for key, pid in ids.items():
        walk.page(f"/regulator/p/{pid}")
    walk.page("/committee/", status=403)
    client.post("/staff/logout")

    # The administrator.
    sign_in(client, "admin1")
    walk.page("/admin/")
    walk.page("/admin/audit")
    client.post("/staff/logout")

    assert walk.seen >= 35
    assert walk.problems == [], "\n".join(walk.problems)


def test_the_english_board_states_the_rule_and_scope_in_english(app, client, states):
    uid = states["uids"]["publicity"]
    page = client.get(f"/p/{uid}?lang=en").get_data(as_text=True)
    rule = re.search(r'<p id="plan-rule">(.*?)</p>', page, re.S).group(1)
    scope = re.search(r'<p id="plan-scope">(.*?)</p>', page, re.S).group(1)
    assert "at least 2/3 of the total area" in rule and "more than half" in rule
    assert "Scope: building 1" in scope
    assert not re.search(r"[\u4e00-\u9fff]", rule + scope), (rule, scope)
    chinese = client.get(f"/p/{uid}?lang=zh_CN").get_data(as_text=True)
    assert "须有专有面积占范围内总面积2/3以上" in chinese and "列支范围：1号楼" in chinese


def test_refusals_reach_the_web_in_the_visitors_language(app, client, states):
    sign_in(client, "sun_committee")
    form = {"title": "t", "matter": "use_fund", "scope": "all", "budget": "999",
            "item_title": ["防水"], "item_amount": ["1000.00"],
            "voting_start": "2026-12-20T09:00", "voting_end": "2026-12-27T09:00",
            "action": "create"}
    english = client.post("/committee/c/SUN/proposals/new?lang=en", data=form)
    text = visible_text(english.get_data(as_text=True))
    assert "The items add up to 1,000.00 yuan, not the budget of 999.00 yuan" in text
    assert "不一致" not in text
    chinese = client.post("/committee/c/SUN/proposals/new?lang=zh_CN",
                          data={**form, "budget": "12.345"})
    text = visible_text(chinese.get_data(as_text=True))
    assert "金额必须是不小于0且最多两位小数的数字" in text  # a core refusal, translated
    english = client.post("/committee/c/SUN/proposals/new?lang=en",
                          data={**form, "budget": "12.345"})
    assert "the amount must be a non-negative number" in english.get_data(as_text=True)
