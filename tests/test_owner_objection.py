"""The owner's objection pages (§17) over HTTP, as an owner goes through them: filed, then
the page again (reloaded, in another language)."""

from __future__ import annotations

import re
from html import unescape

from tests.security.test_objection_access import (SUFFIX, _filed, _verify, closed,  # noqa: F401
                                                lock_by_guessing)

TEXT = "表决票不是我签的"


def test_the_objection_page_shows_what_the_owner_filed_in_any_language(
        app, runner, client, closed):  # noqa: F811
    """After filing, the page's 中文/English link (a GET of the same address), or opening
    the page again, showed the empty form as if nothing were filed: an owner would file
    again, perhaps a different text, each holding the final result back. The page now
    shows the owner's objections, with their record numbers, before any new form."""
    token = _verify(app, client, closed, "202")
    filed = client.post(f"/v/{token}/objection", data={"text": TEXT})
    assert "已收到您的异议" in filed.get_data(as_text=True)
    seq = _seq(app, closed)
    for url in (f"/v/{token}/objection", f"/v/{token}/objection?lang=en",
                f"/v/{token}/objection?lang=zh_CN"):
        page = client.get(url, follow_redirects=True)
        html = page.get_data(as_text=True)
        assert page.status_code == 200 and TEXT in html, html
        assert f'id="my-objection-{seq}"' in html
        # A form for another objection is there, folded under the ones filed.
        assert html.index(TEXT) < html.index('name="text"')
        assert "<details" in html
    assert "You have filed" in client.get(f"/v/{token}/objection?lang=en",
                                          follow_redirects=True).get_data(as_text=True)
    client.get(f"/v/{token}/objection?lang=zh_CN", follow_redirects=True)
    # Another owner's page shows none of it.
    other = app.test_client()
    own = _verify(app, other, closed, "102")
    html = other.get(f"/v/{own}/objection", follow_redirects=True).get_data(as_text=True)
    assert TEXT not in html and "<details" not in html and 'name="text"' in html
    assert len(_texts(app, closed)) == 1


def _texts(app, proposal) -> list[str]:
    from sqlalchemy import select

    from votes.extensions import db
    from votes.models import Objection

    with app.app_context():
        texts = list(db.session.scalars(select(Objection.text).where(
            Objection.proposal_id == proposal["id"]).order_by(Objection.seq)))
        db.session.remove()
    return texts


def test_the_lobby_objection_page_shows_what_the_owner_filed(app, runner, client,
                                                              closed):  # noqa: F811
    uid = closed["uid"]
    picked = client.post(f"/p/{uid}/pick", data={"building": "1", "entrance": "1",
                                                  "room": "202"})
    assert picked.status_code == 302, picked.get_data(as_text=True)
    done = client.post(f"/p/{uid}/verify", data={"method": "id", "answer": SUFFIX["202"]})
    assert done.status_code == 302 and done.location.endswith(f"/p/{uid}/objection")
    assert "已收到您的异议" in client.post(f"/p/{uid}/objection",
                                          data={"text": TEXT}).get_data(as_text=True)
    html = client.get(f"/p/{uid}/objection?lang=en").get_data(as_text=True)
    assert TEXT in html and "You have filed" in html


def _seq(app, proposal) -> int:
    from sqlalchemy import select

    from votes.extensions import db
    from votes.models import Objection

    with app.app_context():
        seq = db.session.scalar(select(Objection.seq).where(
            Objection.proposal_id == proposal["id"]))
        db.session.remove()
    return seq


def test_a_refused_objection_keeps_the_owners_text_in_the_form(app, runner, client,
                                                                closed):  # noqa: F811
    """An objection refused (too long, or pasted from Word with a control character in it)
    came back as an empty form: the owner's text, perhaps a long one, was gone, to be typed
    again. The form comes back with it, to be corrected and sent."""
    token = _verify(app, client, closed, "202")
    pasted = "第一点：公示时间不足。\x0b第二点：面积有误。"
    long_text = "面积登记有误。" * 300
    for text in (pasted, long_text):
        page = client.post(f"/v/{token}/objection", data={"text": text})
        html = page.get_data(as_text=True)
        assert page.status_code == 200 and "已收到您的异议" not in html
        assert "面积有误" in html or "面积登记有误。" * 10 in html, html
    assert _filed(app, runner, closed) == []
    # Refused after one was filed: the folded form is opened, with the text.
    client.post(f"/v/{token}/objection", data={"text": TEXT})
    html = client.post(f"/v/{token}/objection", data={"text": pasted}).get_data(as_text=True)
    assert '<details id="another-objection" open>' in html and "面积有误" in html
    # Without the invisible character it was refused for: sent again as shown, it is filed.
    shown = re.search(r'name="text"[^>]*>([^<]*)</textarea>', html).group(1)
    assert "\x0b" not in shown and "面积有误" in shown
    again = client.post(f"/v/{token}/objection", data={"text": unescape(shown)})
    assert "已收到您的异议" in again.get_data(as_text=True)


def test_an_objection_the_form_allowed_is_not_refused_for_its_line_breaks(
        app, runner, client, closed):  # noqa: F811
    """The form's text box holds at most 2000 characters, a line break counting as one; the
    browser sends each break as CR LF, and the filing counted those as two: a full box of
    paragraphs was refused as longer than 2000. Line breaks are one character (a line feed)
    as the text is stored and digested, whichever way a browser sends them."""
    token = _verify(app, client, closed, "202")
    lines = ["第%d点：" % n + "面" * (200 - len("第%d点：" % n) - 1) for n in range(10)]
    assert len("\n".join(lines)) <= 2000  # what the text box let the owner type
    filed = client.post(f"/v/{token}/objection", data={"text": "\r\n".join(lines)})
    assert "已收到您的异议" in filed.get_data(as_text=True)
    assert _texts(app, closed) == ["\n".join(lines)]
    # The same text sent again (a reload) is still the one filed.
    again = client.post(f"/v/{token}/objection", data={"text": "\r\n".join(lines)})
    assert "已收到您的异议" in again.get_data(as_text=True)
    assert len(_texts(app, closed)) == 1


def test_back_to_the_second_factor_in_the_objection_period_leads_to_the_form(
        app, client, closed):  # noqa: F811
    """On a phone, Back from the objection form reloads the second-factor page, and a second
    tap on 验证 posts it again: both led on to the ballot, which answered 表决已结束 (410).
    In the objection period they lead on to the signed-in owner's objection form."""
    uid = closed["uid"]
    _verify(app, client, closed, "202")
    for again in (client.get(f"/p/{uid}/verify"),
                  client.post(f"/p/{uid}/verify", data={"method": "id",
                                                         "answer": SUFFIX["202"]})):
        assert again.status_code == 302 and again.location.endswith(f"/p/{uid}/objection")
    page = client.get(f"/p/{uid}/objection")
    assert page.status_code == 200 and 'name="text"' in page.get_data(as_text=True)


def test_the_objection_form_without_a_session_says_how_to_object(app, client,
                                                                 closed):  # noqa: F811
    """The signed-in owner's objection form opened without the session (a browser that lost
    its cookie, the address saved) said 验证业主身份后再表决 (to vote, after the vote) and
    nothing else; it says how to verify for an objection, by the notice's QR code or
    building and room, and leads to the latter."""
    uid = closed["uid"]
    page = client.get(f"/p/{uid}/objection")
    html = page.get_data(as_text=True)
    assert page.status_code == 403 and "再表决" not in html and "提出异议" in html, html
    assert f'href="/p/{uid}/pick"' in html
    # So do the owner's other pages (the ballot, a receipt) opened without the session.
    for url in (f"/p/{uid}/ballot", f"/p/{uid}/receipt/ab"):
        html = client.get(url).get_data(as_text=True)
        assert "再表决" not in html and f'href="/p/{uid}/pick"' in html


def test_owners_behind_one_address_each_file_their_objections(app, closed):  # noqa: F811
    """The objection form allowed 10 filings a minute per client address, all owners (of
    every vote) together: at an owners' meeting on the hall's Wi-Fi, or behind a carrier's
    NAT, the eleventh filing in a minute was refused (操作太频繁) with the owner's text gone.
    The limit is per address and owner, as the second factor's is; one session still stops
    at it."""
    from tests.factories import resident_id

    app.config["RATELIMIT_ENABLED"] = True
    owners = {"101": resident_id(1)[-6:], "102": SUFFIX["102"], "202": SUFFIX["202"]}
    clients = {}
    for room, suffix in owners.items():
        clients[room] = app.test_client()
        token = _verify_room(app, clients[room], closed, room, suffix)
        clients[room] = (clients[room], token)
    for n in range(4):
        for room, (owner, token) in clients.items():
            r = owner.post(f"/v/{token}/objection", data={"text": f"{room} 第{n}点异议"})
            assert r.status_code == 200 and "已收到您的异议" in r.get_data(as_text=True), (room, n)
    assert len(_texts(app, closed)) == 12
    owner, token = clients["101"]
    codes = [owner.post(f"/v/{token}/objection", data={"text": "再一点"}).status_code
             for _ in range(10)]
    assert codes[-1] == 429


def _verify_room(app, client, closed, room, suffix) -> str:  # noqa: F811
    from tests.factories import voter_token

    token = voter_token(app, closed, room=room)
    start = client.get(f"/v/{token}/objection")
    done = client.post(start.location, data={"method": "id", "answer": suffix})
    assert done.status_code == 302 and done.location.endswith(f"/p/{closed['uid']}/objection")
    return token


def test_an_objections_paragraphs_keep_their_breaks_where_it_is_shown(
        app, runner, client, closed):  # noqa: F811
    """An objection of two paragraphs was shown as one run-on line (a text's line feeds in
    a plain <p>) on the owner's page and on the public board."""
    token = _verify(app, client, closed, "202")
    text = "第一，表决票不是我签的。\n第二，请核对签名。"
    assert "已收到您的异议" in client.post(f"/v/{token}/objection",
                                           data={"text": text}).get_data(as_text=True)
    kept = f'<span class="kept-lines">{text}</span>'
    assert kept in client.get(f"/v/{token}/objection", follow_redirects=True).get_data(as_text=True)
    assert kept in app.test_client().get(f"/p/{closed['uid']}").get_data(as_text=True)
    assert ".kept-lines { white-space: pre-line; }" in client.get(
        "/static/votes.css").get_data(as_text=True)


def test_an_objection_sent_to_a_link_a_stranger_locked_keeps_the_owners_text(
        app, runner, closed):  # noqa: F811
    """An owner signed in through their link types an objection; meanwhile a stranger with a
    photo of the notice fails its second factor until the link locks. The owner's send was
    answered with the bare 423 page (链接已暂时锁定) and the typed text, perhaps a long one,
    was gone. The page still files nothing through the locked link, but shows the text to
    copy, and leads to building and room, where the owner files it."""
    owner, stranger = app.test_client(), app.test_client()
    token = _verify(app, owner, closed, "202")
    lock_by_guessing(stranger, token)
    typed = "第一点：公示时间不足。\r\n第二点：面积登记有误<b>"
    for lang in ("", "?lang=en", "?lang=zh_CN"):
        posted = owner.post(f"/v/{token}/objection{lang}", data={"text": typed})
        html = posted.get_data(as_text=True)
        assert posted.status_code == 423, html
        assert "第一点：公示时间不足。" in html and "第二点：面积登记有误&lt;b&gt;" in html, html
        assert 'id="kept-objection"' in html and "readonly" in html
        assert f"/p/{closed['uid']}/pick" in html
        assert ("has not been filed" if lang == "?lang=en" else "尚未提交") in html
    assert _filed(app, runner, closed) == []
    # A GET of the locked link has nothing typed to keep.
    assert 'id="kept-objection"' not in owner.get(
        f"/v/{token}/objection", follow_redirects=True).get_data(
        as_text=True)


def test_after_the_period_the_owner_still_sees_their_objections_and_the_answers(
        app, runner, client, closed):  # noqa: F811
    """Once the objection period was over, the owner's objection page (by the link or from
    the lobby) said only 异议期已结束: what the owner had filed, and the committee's answer
    to it, were on the public board alone, among everyone's. The page shows them, read-only
    (no form), to the owner who filed them, and to no one else."""
    from datetime import timedelta

    from tests.procedure_world import END, at

    token = _verify(app, client, closed, "202")
    other = app.test_client()
    _verify(app, other, closed, "102")
    assert "已收到您的异议" in client.post(f"/v/{token}/objection",
                                          data={"text": TEXT}).get_data(as_text=True)
    seq = _seq(app, closed)
    at(app, END + timedelta(days=3, hours=1))  # the period is over
    answered = runner.invoke(args=["proposal", "answer", closed["pid"], str(seq), "--decision",
                                   "rejected", "--text", "经核对签名，系本人所签"])
    assert answered.exit_code == 0, answered.output
    for url in (f"/v/{token}/objection", f"/p/{closed['uid']}/objection"):
        page = client.get(url)
        html = page.get_data(as_text=True)
        assert page.status_code == 200 and "异议期已于" in html, html
        assert f'id="my-objection-{seq}"' in html and TEXT in html
        # The time filed stays on one line on a phone: it broke at its date's hyphen.
        mine = html.split(f'id="my-objection-{seq}"', 1)[1].split("</strong>", 1)[0]
        assert re.search(r'<span class="nowrap">\d{4}-\d{2}-\d{2} [^<]*</span>', mine), mine
        assert "经核对签名，系本人所签" in html and "异议不成立" in html
        # No form to file or change an objection; only the owner's sign-out.
        forms = html.split("<main")[-1].split("<form")[1:]
        assert 'name="text"' not in html and all('id="sign-out-form"' in f for f in forms)
    assert "经核对签名" in client.get(f"/p/{closed['uid']}/objection?lang=en").get_data(
        as_text=True)
    client.get(f"/p/{closed['uid']}/objection?lang=zh_CN")
    # Another owner's session, and a visitor with the link alone, see none of it there.
    for who in (other, app.test_client()):
        for url in (f"/v/{token}/objection", f"/p/{closed['uid']}/objection"):
            html = who.get(url).get_data(as_text=True)
            assert TEXT not in html and "经核对签名" not in html, (url, html)


def test_an_objection_sent_after_the_period_ended_comes_back_to_be_copied(
        app, runner, client, closed):  # noqa: F811
    """An owner who began typing before the period's end and sent after it was told 异议期已于…
    结束 and the text was gone, not even to keep. It comes back, read-only, to be copied, by
    the link and from the lobby; nothing is filed."""
    from datetime import timedelta

    from tests.procedure_world import END, at

    token = _verify(app, client, closed, "202")
    at(app, END + timedelta(days=3, hours=1))  # the period ended while the owner typed
    for url in (f"/v/{token}/objection", f"/p/{closed['uid']}/objection"):
        page = client.post(url, data={"text": TEXT})
        html = page.get_data(as_text=True)
        assert page.status_code == 200 and "异议期已于" in html, html
        assert 'id="kept-objection"' in html and TEXT in html and "readonly" in html
        assert 'name="text"' not in html
    assert _texts(app, closed) == []


def test_an_objection_and_its_answer_are_named_by_when_not_by_record_number(
        app, runner, client, closed):  # noqa: F811
    """The owner's records and the board labelled each objection 异议（第 7 条记录，…）
    and each answer 答复（第 8 条记录）: to an owner, the seventh record of something, or
    a seventh objection. They lead with when it was filed and who answered; the record
    number stays beside them, for whoever checks the chain."""
    from datetime import timedelta

    from tests.procedure_world import END, at

    token = _verify(app, client, closed, "202")
    client.post(f"/v/{token}/objection", data={"text": TEXT})
    seq = _seq(app, closed)
    at(app, END + timedelta(days=3, hours=1))
    answered = runner.invoke(args=["proposal", "answer", closed["pid"], str(seq), "--decision",
                                   "rejected", "--text", "经核对签名，系本人所签"])
    assert answered.exit_code == 0, answered.output
    for url in (f"/p/{closed['uid']}/mine", f"/p/{closed['uid']}"):
        html = client.get(f"{url}?lang=zh_CN").get_data(as_text=True)
        text = re.sub(r"<[^>]+>", "", html)
        assert "条记录，" not in text and not re.search(r"(?<!的)答复（第", text), text
        assert re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} 提出的异议（第 %d 条记录）：" % seq,
                         text), text
        assert f"业主委员会的答复（第 {seq + 1} 条记录）：异议不成立" in text, text
        # The record number is an aside for an auditor, kept on one line on a phone.
        assert f'<span class="muted record nowrap">（第 {seq} 条记录）</span>' in html, html
        english = re.sub(r"<[^>]+>", "", client.get(f"{url}?lang=en").get_data(as_text=True))
        assert re.search(r"Objection filed \d{4}-\d{2}-\d{2} \d{2}:\d{2} \(entry %d\)" % seq,
                         english), english
        assert f"The committee's answer (entry {seq + 1})" in unescape(english), english


def test_an_objection_of_blank_lines_cannot_push_the_board_down(app, runner, client,
                                                                 closed):  # noqa: F811
    """The attack: an owner's objection of two words and 1,990 line breaks (the text box's
    2,000 characters) was filed and shown line for line (white-space: pre-line) on the
    public board: 55,000 px of blank space on a phone, under which every other objection,
    the committee's answers and the receipt check lay out of reach. So did a column of
    1,000 one-character lines. An objection holds at most MAX_LINES lines; the owner is told,
    the text kept in the form to be joined up."""
    from votes.services.procedure.objections import MAX_LINES

    token = _verify(app, client, closed, "202")
    for flood in ("第一行" + "\r\n" * 1990 + "最后一行", "。\r\n" * 999):
        page = client.post(f"/v/{token}/objection", data={"text": flood})
        html = page.get_data(as_text=True)
        assert page.status_code == 200 and "已收到您的异议" not in html
        assert f"最多 {MAX_LINES} 行" in html, html
        assert flood.replace("\r\n", "\n") in html.replace("\r\n", "\n")  # kept to be joined
    assert _filed(app, runner, closed) == []
    # Paragraphs up to the limit, blank lines between them, are filed as written.
    text = "\n\n".join(f"第{n}点：面积有误。" for n in range(1, (MAX_LINES + 1) // 2 + 1))
    assert MAX_LINES - 2 <= text.count("\n") + 1 <= MAX_LINES
    filed = client.post(f"/v/{token}/objection", data={"text": text.replace("\n", "\r\n")})
    assert "已收到您的异议" in filed.get_data(as_text=True)
    assert _texts(app, closed) == [text]


def test_an_objection_sent_after_the_sign_in_ended_comes_back_to_be_copied(
        app, runner, closed):  # noqa: F811
    """An owner types an objection on one phone while the household signs out on another
    (or the sign-in's hours run out). The send was answered 请先验证身份 and the text, up to
    2,000 characters, was gone without a word, where a period ended or a link locked
    meanwhile gives it back. It comes back, read-only, to be copied; nothing is filed."""
    owner, other_phone = app.test_client(), app.test_client()
    _verify(app, owner, closed, "202")
    _verify(app, other_phone, closed, "202")
    assert other_phone.post(f"/p/{closed['uid']}/sign-out").status_code == 302
    typed = "第一点：公示时间不足。\r\n第二点：面积登记有误<b>"
    for lang in ("", "?lang=en"):
        posted = owner.post(f"/p/{closed['uid']}/objection{lang}", data={"text": typed})
        html = posted.get_data(as_text=True)
        assert posted.status_code == 403, html
        assert ('id="session-ended"' in html) == (not lang)  # said once, the sign-in gone
        assert "第一点：公示时间不足。" in html and "第二点：面积登记有误&lt;b&gt;" in html, html
        assert 'id="kept-objection"' in html and "readonly" in html
        assert ("has not been filed" if lang else "尚未提交") in html
        assert f"/p/{closed['uid']}/pick" in html
    assert _filed(app, runner, closed) == []
    # A GET has nothing typed to keep.
    assert 'id="kept-objection"' not in owner.get(f"/p/{closed['uid']}/objection").get_data(
        as_text=True)
    # Sent once the period is over as well: kept, and said that it can no longer be filed.
    from datetime import timedelta

    from tests.procedure_world import END, at

    at(app, END + timedelta(days=3, hours=1))
    html = owner.post(f"/p/{closed['uid']}/objection?lang=zh_CN", data={"text": typed}).get_data(
        as_text=True)
    assert "异议期已过" in html and 'id="kept-objection"' in html and "第二点" in html, html
    assert _filed(app, runner, closed) == []


def test_an_objection_stacking_marks_on_one_letter_is_refused(app, runner, client,
                                                              closed):  # noqa: F811
    """The attack: a letter under 50 combining accents (U+0300, U+0301, U+0303, U+0309 ...),
    which the browser draws as a column of marks running over the lines above and below it
    on the public board, over other owners' objections and the committee's answers. At
    most MAX_MARKS marks on one character; a name with two on a letter (e, U+0303, U+0301) still
    files."""
    from votes.services.plain_text import MAX_MARKS

    token = _verify(app, client, closed, "202")
    for zalgo in ("面积有误" + "\u0300\u0301\u0303\u0309" * 12 + "。",
                  "a" + "\u0301" * (MAX_MARKS + 1)):
        page = client.post(f"/v/{token}/objection", data={"text": zalgo})
        html = page.get_data(as_text=True)
        assert page.status_code == 200 and "已收到您的异议" not in html
        assert f"最多叠加 {MAX_MARKS} 个" in html, html
    assert _filed(app, runner, closed) == []
    text = "表决票不是我签的，签名是 Nguye\u0303\u0301n Jose\u0301"
    filed = client.post(f"/v/{token}/objection", data={"text": text})
    assert "已收到您的异议" in filed.get_data(as_text=True)
    assert _texts(app, closed) == [text]
