"""Issue 11, plain Chinese: styled error pages in both languages, a favicon, the brand link
per role, each role's landing page, and states named as people say them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.staff_world import PASSWORD, build, sign_in

WERKZEUG = ("Werkzeug", "<title>404 Not Found</title>", "<title>403 Forbidden</title>",
            "<title>500 Internal Server Error</title>", "<title>429 Too Many Requests</title>",
            "The requested URL was not found", "Internal Server Error")


@pytest.fixture
def world(app, runner, tmp_path):
    return build(app, runner, tmp_path)


def _styled(response, status, *words):
    html = response.get_data(as_text=True)
    assert response.status_code == status
    assert 'class="brand"' in html and "votes.css" in html and "favicon.svg" in html
    assert not any(w in html for w in WERKZEUG), html
    for word in words:
        assert word in html, (word, html)


@pytest.mark.parametrize("lang, words", [
    ("zh_CN", {403: "您没有权限查看这个页面", 404: "找不到该页面", 405: "无法处理这个请求",
               429: "操作太频繁", 500: "系统出错"}),
    ("en", {403: "You are not allowed to see this page", 404: "Page not found",
            405: "This request could not be handled", 429: "Too many attempts",
            500: "System error"}),
])
def test_error_pages_are_styled_in_both_languages(app, world, client, lang, words):
    def boom():
        raise RuntimeError("a bug")

    app.add_url_rule("/test-boom", "test_boom", boom)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    client.get(f"/?lang={lang}")
    _styled(client.get("/no/such/page"), 404, words[404])
    _styled(client.get("/test-boom"), 500, words[500])
    assert "a bug" not in client.get("/test-boom").get_data(as_text=True)
    _styled(client.post("/"), 405, words[405])
    sign_in(client, "district")  # a regulator on a committee page: wrong role
    client.get(f"/?lang={lang}")  # signing in starts a new session
    _styled(client.get("/committee/"), 403, words[403])
    client.post("/staff/logout")
    client.get(f"/?lang={lang}")
    for _ in range(10):
        client.post("/staff/login", data={"login": "district", "password": "wrong"})
    _styled(client.post("/staff/login", data={"login": "district", "password": "wrong"}),
            429, words[429])


def test_favicon(app, client):
    r = client.get("/favicon.ico")
    assert r.status_code == 301
    icon = client.get(r.headers["Location"])
    assert icon.status_code == 200 and b"<svg" in icon.data


@pytest.mark.parametrize("login, home", [("sun_committee", "/committee/"),
                                         ("district", "/regulator/"), ("admin1", "/admin/")])
def test_each_role_lands_on_its_workspace_and_the_brand_leads_there(app, world, client, login,
                                                                    home):
    assert 'id="brand" href="/"' in client.get("/").get_data(as_text=True)
    r = client.post("/staff/login", data={"login": login, "password": PASSWORD})
    assert r.status_code == 302 and r.headers["Location"].endswith(home)
    page = client.get(home).get_data(as_text=True)
    assert f'id="brand" href="{home}"' in page
    # Also on public pages and error pages while signed in.
    assert f'id="brand" href="{home}"' in client.get("/no/such/page").get_data(as_text=True)


def test_states_are_labelled_not_judged_before_the_close(app, world, runner, client):
    sid = str(world["sun"]["id"])
    shown = runner.invoke(args=["proposal", "show", sid]).output
    assert "结果：表决中" in shown and "→ 尚未达到" in shown
    assert "NOT PASSED" not in shown and "未通过" not in shown and "→ 未达到" not in shown
    english = runner.invoke(args=["proposal", "show", sid], env={"VOTES_LANG": "en"}).output
    assert "Result: Voting in progress" in english and "NOT PASSED" not in english
    assert "表决" not in english
    draft = runner.invoke(args=[
        "proposal", "create", "--community", "SUN", "--title", "门禁", "--matter", "use_fund",
        "--scope", "all", "--budget", "100", "--voting-start", "2026-12-09T12:00",
        "--voting-end", "2026-12-15T12:00"]).output.strip()
    shown = runner.invoke(args=["proposal", "show", draft]).output
    assert "草稿" in shown and "未达到" not in shown and "NOT PASSED" not in shown
    sign_in(client, "sun_committee")
    page = client.get(f"/committee/p/{draft}").get_data(as_text=True)
    assert ">草稿<" in page and "未达到" not in page and "差 " not in page
    page = client.get(f"/committee/p/{sid}").get_data(as_text=True)
    assert ">表决中<" in page and "表决未通过" not in page and "未达到，差" not in page
    en = client.get(f"/committee/p/{sid}?lang=en").get_data(as_text=True)
    assert ">Voting in progress<" in en
    board = client.get(f"/p/{world['sun']['uid']}?lang=zh_CN").get_data(as_text=True)
    assert "表决中" in board and "表决未通过" not in board and "未达到，差" not in board
    client.post("/staff/logout")
    sign_in(client, "district")
    page = client.get(f"/regulator/p/{sid}").get_data(as_text=True)
    assert ">表决中<" in page and ">未达到<" not in page and ">尚未达到<" in page
    row = next(r for r in client.get("/regulator/?format=csv").data.decode("utf-8-sig")
               .splitlines() if "电梯更换" in r).split(",")
    assert row[2] == "表决中" and row[11] == ""  # no verdict before the close
    # After the close, the result is judged.
    app.config["VOTES_NOW"] = world["t0"] + timedelta(days=8)
    shown = runner.invoke(args=["proposal", "show", sid]).output
    assert "结果：未通过" in shown and "表决中" not in shown


def _luminance(hex_colour: str) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(int(hex_colour[i:i + 2], 16) / 255) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


@pytest.mark.parametrize("sheet", ["/static/staff.css", "/static/votes.css"])
def test_a_warning_notice_has_an_amber_colour_of_its_own(client, sheet):
    """A flash of class `warning` (the roll import's zero-deposit notice) showed in the default
    blue, like a plain note: it has its own light amber, with dark text readable on it."""
    import re

    css = client.get(sheet).get_data(as_text=True)
    rule = re.search(r"\.flash\.warning\{([^}]*)\}", css)
    assert rule, css
    colours = dict(re.findall(r"(background|color):(#[0-9a-fA-F]{6})", rule.group(1)))
    background, text = colours["background"], colours["color"]
    red, green, blue = (int(background[i:i + 2], 16) for i in (1, 3, 5))
    assert red > green > blue and _luminance(background) > 0.8  # light amber
    ratio = (_luminance(background) + 0.05) / (_luminance(text) + 0.05)
    assert ratio >= 4.5, ratio  # WCAG AA for body text
