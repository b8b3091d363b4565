"""Objection and answer texts are published word for word (the board, the result notice,
the fund application) and hashed into the chain: a phone or ID number an owner or the
committee types into one is masked before the text is digested and kept, so what is
published is the text the chain's digest is of (docs/verification.md §17)."""

from __future__ import annotations

import hashlib
import json
import re
from html import unescape

from tests.security.test_objection_access import _verify, closed  # noqa: F401

TYPED = ("请打电话 138 1234 5678 或 １３９１２３４５６７８，身份证 35050219900101123X，"
         "我家 1501 室面积 98.5 平方米")
MASKED = ("请打电话 138****5678 或 139****5678，身份证 3505**************，"
          "我家 1501 室面积 98.5 平方米")
SECRETS = ("1381234", "1234 5678", "１３９１２３４", "9120302", "19900101", "0101123X")


def _entries(client, uid: str, kind: str) -> list[dict]:
    lines = client.get(f"/api/proposals/{uid}/chain").get_data(as_text=True).splitlines()
    return [e["entry"] for e in map(json.loads, lines) if e["entry"]["kind"] == kind]


def _no_secret(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text, secret


def _commitment(uid: str, board: str, text: str) -> str:
    """The commitment (§17) to `text` with the salt published beside it on the board."""
    from votes.core.canonical import canonical_bytes

    part = unescape(board)[unescape(board).index(text):]
    salt = re.search(r'<span class="code small">([0-9a-f]{64})</span>', part).group(1)
    return hashlib.sha256(canonical_bytes({"domain": "votes/objection-text/v1", "proposal": uid,
                                           "salt": salt, "text": text})).hexdigest()


def test_phone_and_id_numbers_are_masked_before_an_objection_is_published(
        app, runner, client, closed):  # noqa: F811
    token = _verify(app, client, closed, "202")
    form = client.get(f"/v/{token}/objection", follow_redirects=True).get_data(as_text=True)
    # The owner is told before sending, next to the box.
    note = form.index('id="objection-masking"')
    assert note < form.index('id="objection-submit"')
    assert "手机号和身份证号" in unescape(form[note:note + 400])
    english = client.get(f"/v/{token}/objection?lang=en",
                         follow_redirects=True).get_data(as_text=True)
    assert "Phone and ID numbers" in english
    client.get(f"/v/{token}/objection?lang=zh_CN", follow_redirects=True)

    filed = client.post(f"/v/{token}/objection", data={"text": TYPED}).get_data(as_text=True)
    assert "已收到您的异议" in filed and MASKED in unescape(filed)
    _no_secret(filed)
    board = client.get(f"/p/{closed['uid']}").get_data(as_text=True)
    assert MASKED in unescape(board)
    _no_secret(board)
    # The entry's commitment is to the published text: anyone can recompute it with the
    # salt the board publishes beside the text, and compare.
    [entry] = _entries(client, closed["uid"], "objection")
    assert entry["body"]["text_commitment"] == _commitment(closed["uid"], board, MASKED)
    # A second send of the same typed text is the objection already filed.
    client.post(f"/v/{token}/objection", data={"text": TYPED})
    assert len(_entries(client, closed["uid"], "objection")) == 1

    seq = entry["seq"]
    answered = runner.invoke(args=["proposal", "answer", closed["pid"], str(seq),
                                   "--decision", "rejected",
                                   "--text", "已电话联系 13912345678 核实"])
    assert answered.exit_code == 0, answered.output
    board = client.get(f"/p/{closed['uid']}").get_data(as_text=True)
    assert "已电话联系 139****5678 核实" in board and "13912345678" not in board
    [answer] = _entries(client, closed["uid"], "answer")
    assert answer["body"]["text_commitment"] == _commitment(closed["uid"], board,
                                                            "已电话联系 139****5678 核实")
    listing = runner.invoke(args=["proposal", "objections", closed["pid"]]).output
    _no_secret(listing)
    assert re.search(r"139\*\*\*\*5678", listing)
