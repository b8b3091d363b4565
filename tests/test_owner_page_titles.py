"""Each owner page is titled for what it is: the title is what a screen reader says first
on every page, and what a phone's tab list and its back-button history show. Every owner
page was titled 维修资金业主表决 alike, the second factor, the ballot, its confirmation and
the receipt, so neither told an owner where they were (WCAG 2.4.2). The title begins with
the page's heading; it never holds the link's token."""

from __future__ import annotations

import re
from html import unescape

from tests.factories import make_open_proposal, resident_id, voter_token
from tests.test_owner_http import cast

SITE = {"zh_CN": "维修资金业主表决", "en": "Maintenance fund owner vote"}


def _title_and_heading(response) -> tuple[str, str]:
    html = response.get_data(as_text=True)
    title = unescape(re.search(r"<title>(.*?)</title>", html, re.S).group(1)).strip()
    heading = re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S).group(1)
    return title, unescape(re.sub(r"<[^>]+>", "", heading)).strip()


def test_every_owner_page_is_titled_by_its_heading(app, runner, tmp_path, client):
    vote = make_open_proposal(app, runner, tmp_path)
    uid = vote["uid"]
    for lang, room, serial in (("zh_CN", "101", 1), ("en", "102", 2)):
        token = voter_token(app, vote, room=room)
        client.get(f"/p/{uid}/signed-out?lang={lang}")  # the language, in the session
        pages = {"invalid link": client.get("/v/AAAAbogus")}
        start = client.get(f"/v/{token}")
        pages["second factor"] = client.get(start.location)
        pages["pick"] = client.get(f"/p/{uid}/pick")
        pages["public board"] = client.get(f"/p/{uid}")
        client.post(f"/p/{uid}/verify", data={"method": "id", "answer": resident_id(serial)[-6:]})
        pages["ballot"] = client.get(f"/p/{uid}/ballot")
        pages["confirm"] = client.post(f"/p/{uid}/confirm", data={"choice": "agree"})
        done, _nonce = cast(client, vote)
        pages["receipt"] = client.get(done.location)
        for name, page in pages.items():
            assert page.status_code in (200, 404), (name, page.status_code)
            title, heading = _title_and_heading(page)
            assert title == f"{heading} · {SITE[lang]}", (lang, name, title, heading)
            assert token not in title
        client.post(f"/p/{uid}/sign-out", data={})
        with client.session_transaction() as state:
            state.clear()
