"""A form with a file input checks the chosen files against the server's limit before it is
sent (upload_limit.js, data-max-bytes on the form): sent, the request is refused with 413
before a field is read and what was typed is gone. The 413 page says to go back, where the
browser still has what was typed."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from tests.money_world import passed_vote, staff_accounts
from tests.procedure_world import open_vote
from tests.staff_world import committee_clerk, sign_in

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
MARK = 'data-max-bytes="{{ upload_max_bytes() }}"'


def _forms_with_files(source: str) -> tuple[list[str], int]:
    """The <form ...> tags of a template that carry a file input (written in the form, or by
    a macro of the same template called there), and how many file inputs are left outside
    every form and macro (a form this walk cannot see: the test fails on it)."""
    macros = {m.group(1): m.group(2) for m in re.finditer(
        r"{%-? macro (\w+)\(.*?%}(.*?){%-? endmacro", source, re.S)}
    filing = {name for name, body in macros.items() if 'type="file"' in body}
    outside = source
    for body in macros.values():
        outside = outside.replace(body, "")
    tags = []
    for form in re.finditer(r"(<form\b[^>]*>)(.*?)</form>", outside, re.S):
        tag, body = form.group(1), form.group(2)
        if 'type="file"' in body or any(f"{name}(" in body for name in filing):
            tags.append(tag)
        outside = outside.replace(form.group(0), "")
    return tags, outside.count('type="file"')


def test_every_form_with_a_file_input_carries_the_limit():
    seen = 0
    for path in sorted(TEMPLATES.rglob("*.html")):
        tags, stray = _forms_with_files(path.read_text(encoding="utf-8"))
        assert stray == 0, f"{path.name}: a file input outside any form this test can see"
        for tag in tags:
            seen += 1
            assert MARK in tag and 'enctype="multipart/form-data"' in tag, (path.name, tag)
    assert seen >= 13  # paper, bulk, transfer, corrections, works, proposal, roll...


def _file_forms(html: str) -> list[str]:
    return [m.group(1) for m in re.finditer(r"(<form\b[^>]*>)(?:(?!</form>).)*type=\"file\"",
                                            html, re.S)]


def test_the_pages_carry_the_limit_and_the_shared_script(app, runner, tmp_path, client):
    app.config["MAX_CONTENT_LENGTH"] = 3 * 1024 * 1024
    pid = open_vote(app, runner, tmp_path, "follow_majority=full")
    committee_clerk(runner, "SUN")
    sign_in(client, "clerk")
    page = client.get(f"/committee/p/{pid}")
    html = page.get_data(as_text=True)
    forms = _file_forms(html)
    assert len(forms) >= 4  # paper ballot, bulk file, transfer, delivery
    assert all(f'data-max-bytes="{3 * 1024 * 1024}"' in tag for tag in forms)
    script = re.search(r'<script src="([^"]*upload_limit\.js)" defer data-too-large="([^"]*)"',
                       html)
    assert script and "3 MB" in script.group(2) and "已填写的内容都还在" in script.group(2)
    # No inline script: the page's policy runs only files served from /static/.
    csp = page.headers["Content-Security-Policy"]
    assert "script-src http://localhost/static/;" in csp and "unsafe-inline" not in csp
    assert "<script>" not in html and " onsubmit=" not in html and " onchange=" not in html
    served = client.get(script.group(1))
    assert served.status_code == 200 and b"data-max-bytes" in served.data
    assert b"preventDefault" in served.data and b"setCustomValidity" in served.data
    served.close()

    english = client.get(f"/committee/p/{pid}?lang=en").get_data(as_text=True)
    assert "The files chosen are too large" in english


def test_the_works_page_carries_the_limit(app, runner, tmp_path, client):
    pid = passed_vote(app, runner, tmp_path)["pid"]
    staff_accounts(app, runner)
    sign_in(client, "sun_committee")
    html = client.get(f"/committee/p/{pid}/works").get_data(as_text=True)
    forms = _file_forms(html)
    assert forms and all(f'data-max-bytes="{32 * 1024 * 1024}"' in tag for tag in forms)
    assert "upload_limit.js" in html


def test_the_too_large_page_says_to_go_back(app, runner, tmp_path, client):
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    pid = open_vote(app, runner, tmp_path, "follow_majority=full")
    committee_clerk(runner, "SUN")
    sign_in(client, "clerk")
    # As a browser sends it: no Referer (the pages' policy is no-referrer).
    r = client.post(f"/committee/p/{pid}/delivery", content_type="multipart/form-data", data={
        "building": "2", "entrance": "1", "room": "201", "method": "registered_mail",
        "delivered_at": "2026-11-28T10:00",
        "evidence": (io.BytesIO(b"\xff\xd8\xff" + b"0" * 2 * 1024 * 1024), "ems.jpg")})
    html = r.get_data(as_text=True)
    assert r.status_code == 413
    message = html.split('id="error-message">')[1].split("</p>")[0]
    assert "不能超过 1 MB" in message and "什么都没有保存" in message
    assert "请用浏览器的“后退”返回上一页（刚才填写的内容通常还在）" in message
    # The way back is the history's (the script's), shown only by it without a page to open.
    assert re.search(r'<p hidden><a class="button" id="go-back" href="#" data-history-back>', html)
    assert "重新打开页面" not in html and "upload_limit.js" in html

    english = client.post(f"/committee/p/{pid}/delivery?lang=en",
                          content_type="multipart/form-data",
                          data={"evidence": (io.BytesIO(b"0" * 2 * 1024 * 1024), "e.jpg")})
    text = english.get_data(as_text=True)
    assert english.status_code == 413 and "Back button to return to the previous page" in text


@pytest.mark.browser
def test_in_the_browser_a_file_too_large_is_refused_before_sending(sqlite_app, tmp_path):
    """Chromium with the page's real policy: a file over the limit is refused on the page,
    nothing sent, everything typed still there; sent anyway (the check taken away), the 413
    page's link goes back to the form with what was typed."""
    from tests.browser import desk_browser, live_server, need_tools, page_html
    from tests.staff_world import PASSWORD

    need_tools("chromium")
    pytest.importorskip("playwright")
    app = sqlite_app
    app.config["WTF_CSRF_ENABLED"] = True
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    runner = app.test_cli_runner()
    pid = open_vote(app, runner, tmp_path, "follow_majority=full")
    committee_clerk(runner, "SUN")
    big = tmp_path / "ems.jpg"
    big.write_bytes(b"\xff\xd8\xff" + b"0" * 2 * 1024 * 1024)
    small = tmp_path / "small.jpg"
    small.write_bytes(b"\xff\xd8\xff receipt")
    with live_server(app) as base, desk_browser() as page:
        page.goto(base + "/staff/login")
        page.fill("#login", "clerk")
        page.fill("#password", PASSWORD)
        page.click("#login-submit")
        page.goto(f"{base}/committee/p/{pid}")
        page.fill("#d-building", "2")
        page.fill("#d-room", "201")
        page.fill("#d-at", "2026-12-01T10:00")
        page.set_input_files("#d-evidence", str(big))
        note = page.locator("#delivery-form >> xpath=preceding-sibling::p[@role='alert'][1]")
        assert "不能超过 1 MB" in note.inner_text()
        page.click("#delivery-submit")
        assert page.url == f"{base}/committee/p/{pid}"  # not sent
        assert page.input_value("#d-room") == "201"
        assert "已录入送达记录 0 户" in page_html(page)
        # A file within the limit chosen instead: the refusal goes.
        page.set_input_files("#d-evidence", str(small))
        assert note.is_hidden()

        # Sent anyway (as from a page without the script): the 413 page, and its link back.
        page.set_input_files("#d-evidence", str(big))
        page.evaluate("document.getElementById('delivery-form').removeAttribute('data-max-bytes');"
                      "document.getElementById('d-evidence').setCustomValidity('')")
        page.click("#delivery-submit")
        page.wait_for_load_state()
        assert "后退" in page.inner_text("#error-message")
        page.click("#go-back")
        page.wait_for_url(f"{base}/committee/p/{pid}")
        page.wait_for_load_state()
        assert page.input_value("#d-room") == "201"


def test_the_too_large_pages_way_back_stays_on_this_site(app, runner, tmp_path, client):
    """The 413 page links the Referer's path when it is this site's. A path beginning with
    a backslash (/\\evil.example/) passed the check (it does not begin //), and browsers
    read a backslash as a slash: the link went to another site. Only a path the site serves
    is linked: none with a backslash or a control character."""
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    pid = open_vote(app, runner, tmp_path, "follow_majority=full")
    committee_clerk(runner, "SUN")
    sign_in(client, "clerk")
    for referer in ("http://localhost/\\evil.example/x", "http://localhost/\t/evil.example",
                    "http://localhost//evil.example"):
        r = client.post(f"/committee/p/{pid}/delivery", content_type="multipart/form-data",
                        headers={"Referer": referer},
                        data={"evidence": (io.BytesIO(b"0" * 2 * 1024 * 1024), "e.jpg")})
        html = r.get_data(as_text=True)
        assert r.status_code == 413
        assert "evil.example" not in html, referer
    ok = client.post(f"/committee/p/{pid}/delivery", content_type="multipart/form-data",
                     headers={"Referer": f"http://localhost/committee/p/{pid}?tab=1"},
                     data={"evidence": (io.BytesIO(b"0" * 2 * 1024 * 1024), "e.jpg")})
    assert f'href="/committee/p/{pid}?tab=1"' in ok.get_data(as_text=True)
