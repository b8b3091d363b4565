"""Codes an owner types or pastes on a Chinese phone keyboard: the receipt on the public
board, the second factor (the ID number's last six, the SMS code). Every reader of a code
typed by a person reads it by one function (votes.core.typed_code.code_characters): the
board read a receipt with NFKC and refused a pasted zero-width space or the quotes and full
stop a message puts around it; the second factor kept a zero-width space or a 。 in the
answer and counted it as a wrong answer, towards the lock of the owner's link."""

from __future__ import annotations

import re

import pytest

from tests.factories import make_open_proposal, voter_token
from tests.test_owner_http import ZHANG_SUFFIX, cast, guesses_counted, verified


@pytest.fixture
def vote(app, runner, tmp_path):
    return make_open_proposal(app, runner, tmp_path)


def _wide(text: str) -> str:
    """A Chinese keyboard in full-width mode: ７ＫＱ２－…"""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def _found(client, uid, typed) -> str:
    page = client.get(f"/p/{uid}", query_string={"receipt": typed}).get_data(as_text=True)
    said = re.search(r'id="lookup-result">(.*?)</p>', page, re.S)
    assert said, page
    return re.sub(r"<[^>]+>|\s+", " ", said.group(1))


def test_the_board_reads_a_receipt_as_a_chinese_phone_types_or_pastes_it(app, client, vote):
    from votes.core.receipt_code import grouped, short_code

    verified(client, app, vote)
    r, _nonce = cast(client, vote, "agree")
    digest = r.headers["Location"].rsplit("/", 1)[1]
    code = grouped(short_code(digest))
    typed = [
        "\u200b" + code,                    # pasted from a chat: a zero-width space before it
        code + "\ufeff",                    # … or a byte-order mark after it
        "\u200b".join(code),                # a web page's zero-width breaks between letters
        f"“{code}”",                        # in Chinese quotes, as a message quotes it
        f"【{code}】。",                     # in brackets, with the sentence's full stop
        f"：{code}，",                       # after the colon of 回执码：, before a comma
        _wide(code).replace("－", "——"),     # full-width letters, the keyboard's dash ——
        code.replace("-", "\u3000"),        # ideographic spaces
        code.replace("-", "\ufe63"),        # small hyphen-minus
        "\u200b" + _wide(digest[:20]) + "。",
    ]
    for text in typed:
        words = _found(client, vote["uid"], text)
        assert "第 1 条记录" in words, (text, words)
    for text in (code + "\u202e", "回执" + code, code[:-1] + "。", f"“{code[:6]}”{code[6:]}"):
        assert "这不是有效的回执码" in _found(client, vote["uid"], text), text


@pytest.mark.parametrize("typed", [
    lambda s: "\u200b" + s,                 # pasted with a zero-width space
    lambda s: _wide(s) + "\u200b",
    lambda s: f"“{s}”",
    lambda s: s + "。",
    lambda s: s[:3] + "\u3000" + s[3:],     # an ideographic space between the groups
])
def test_the_id_suffix_is_read_as_typed_on_a_chinese_keyboard(app, client, vote, typed):
    client.get(f"/v/{voter_token(app, vote)}")
    r = client.post(f"/p/{vote['uid']}/verify", data={"method": "id",
                                                       "answer": typed(ZHANG_SUFFIX)})
    assert r.status_code == 302 and r.headers["Location"].endswith("/ballot"), \
        r.get_data(as_text=True)
    assert not guesses_counted(app, vote)


def test_the_sms_code_is_read_as_pasted_from_the_message(app, client, vote):
    sent = []
    app.config["SMS_SENDER"] = lambda phone, text: sent.append((phone, text))
    client.get(f"/v/{voter_token(app, vote)}")
    client.post(f"/p/{vote['uid']}/code")
    code = re.search(r"(\d{6})", sent[0][1]).group(1)
    r = client.post(f"/p/{vote['uid']}/verify",
                    data={"method": "sms", "answer": "\u200b" + _wide(code) + "。"})
    assert r.status_code == 302 and r.headers["Location"].endswith("/ballot"), \
        r.get_data(as_text=True)


def test_an_answer_of_another_length_is_said_and_never_counted_a_whole_id_is_read(
        app, client, vote):
    """The boxes no longer stop a seventh character (a pasted code's invisible characters
    are read past), so an answer of five or seven, never right, was counted as a wrong
    guess towards the lock of the owner's link; and an owner who typed the whole ID number
    was told it was wrong. Now the length is said and nothing counted; a whole ID number is
    read as its last six."""
    from tests.factories import resident_id
    from votes.services.second_factor import MAX_FAILURES

    client.get(f"/v/{voter_token(app, vote)}")
    # one more than the failures that lock the link (and within the page's rate limit)
    for answer in ([ZHANG_SUFFIX + "1", ZHANG_SUFFIX[:5]] * MAX_FAILURES)[:MAX_FAILURES + 1]:
        r = client.post(f"/p/{vote['uid']}/verify", data={"method": "id", "answer": answer})
        page = r.get_data(as_text=True)
        assert r.status_code in (200, 400) and f"您输入了 {len(answer)} 个" in page, page
    assert not guesses_counted(app, vote)
    r = client.post(f"/p/{vote['uid']}/verify",
                    data={"method": "id", "answer": " ".join(resident_id(1))})
    assert r.status_code == 302 and r.headers["Location"].endswith("/ballot"), \
        r.get_data(as_text=True)
