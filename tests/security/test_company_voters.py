"""Issue 9.2: a company's or the developer's public credit code proves nothing.

The attacker reads the unified social credit code from a public register and types its
last 6 characters, from the unit's notice link or from the lobby poster."""

from __future__ import annotations

import re

import pytest

from tests.browser import need_tools, pdf_text
from tests.factories import make_open_proposal, make_row, resident_id, sample_rows, voter_token

DEVELOPER_CODE = "91350500MA2XXXXX1A"  # 2-1-101 and 2-1-102, no phone on the roll
COMPANY_CODE = "91350503MA31234567"  # 2-1-202, with a contact phone


@pytest.fixture
def vote(app, runner, tmp_path):
    rows = sample_rows() + [make_row(building="2", room="202", owner_name="鹭岛贸易有限公司",
                                     owner_id=COMPANY_CODE, owner_kind="单位",
                                     phone="13800000009", area="50.00")]
    return make_open_proposal(app, runner, tmp_path, rows=rows)


def _ballot_open(client, vote) -> bool:
    return client.get(f"/p/{vote['uid']}/ballot").status_code == 200


@pytest.mark.parametrize("room,credit", [("101", DEVELOPER_CODE), ("202", COMPANY_CODE)])
def test_credit_code_suffix_is_refused_from_the_link(app, client, vote, room, credit):
    client.get(f"/v/{voter_token(app, vote, room, building='2')}")
    page = client.get(f"/p/{vote['uid']}/verify").get_data(as_text=True)
    assert 'value="id"' not in page and 'value="notice"' in page  # the right options
    r = client.post(f"/p/{vote['uid']}/verify", data={"method": "id", "answer": credit[-6:]})
    text = r.get_data(as_text=True)
    assert r.status_code == 200 and "统一社会信用代码是公开的" in text and "单位验证码" in text
    assert not _ballot_open(client, vote)


def test_credit_code_suffix_is_refused_from_the_lobby(app, client, vote):
    client.post(f"/p/{vote['uid']}/pick", data={"building": "2", "entrance": "1", "room": "101"})
    r = client.post(f"/p/{vote['uid']}/verify", data={"method": "id",
                                                     "answer": DEVELOPER_CODE[-6:]})
    # A plain wrong answer there (the reason would tell a stranger the owner is a company);
    # the notice-code form beside it says why a credit code cannot serve.
    text = r.get_data(as_text=True)
    assert "验证未通过" in text and "统一社会信用代码是公开的" in text
    assert not _ballot_open(client, vote)


def test_persons_keep_the_id_suffix_and_cannot_use_a_notice_code(app, client, vote):
    client.get(f"/v/{voter_token(app, vote, '101')}")
    page = client.get(f"/p/{vote['uid']}/verify").get_data(as_text=True)
    assert 'value="id"' in page and 'value="notice"' not in page
    assert client.post(f"/p/{vote['uid']}/verify",
                       data={"method": "notice", "answer": "2345-6789"}).status_code == 200
    assert not _ballot_open(client, vote)
    r = client.post(f"/p/{vote['uid']}/verify", data={"method": "id",
                                                     "answer": resident_id(1)[-6:]})
    assert r.status_code == 302 and _ballot_open(client, vote)


def test_developer_votes_with_the_code_printed_on_its_notice(app, runner, client, vote,
                                                             tmp_path):
    need_tools("pdftotext")
    pdf = tmp_path / "notices.pdf"
    assert runner.invoke(args=["notices", str(vote["id"]), "-o", str(pdf)]).exit_code == 0
    text = pdf_text(pdf)
    pages = text.split("\f")
    codes = {i: re.findall(r"单位验证码：?\s*([0-9A-Z]{4}-[0-9A-Z]{4})", p)
             for i, p in enumerate(pages)}
    developer = [i for i, p in enumerate(pages) if "2号楼1单元101室" in p]
    company = [i for i, p in enumerate(pages) if "2号楼1单元202室" in p]
    assert len(developer) == 1 and len(codes[developer[0]]) == 1
    assert len(codes[company[0]]) == 1 and codes[company[0]] != codes[developer[0]]
    # Persons' notices carry no code.
    assert sum(1 for c in codes.values() if c) == 2
    code = codes[developer[0]][0]
    # The company's code does not open the developer's ballot.
    client.get(f"/v/{voter_token(app, vote, '101', building='2')}")
    wrong = client.post(f"/p/{vote['uid']}/verify",
                        data={"method": "notice", "answer": codes[company[0]][0]})
    assert wrong.status_code == 200 and not _ballot_open(client, vote)
    # Short of the code's eight characters: said, and no guess.
    short = client.post(f"/p/{vote['uid']}/verify", data={"method": "notice", "answer": code[:4]})
    assert "应输入 8 个字符，您输入了 4 个" in short.get_data(as_text=True)
    # Pasted with the words printed before it: only its letters and digits are the code.
    r = client.post(f"/p/{vote['uid']}/verify", data={
        "method": "notice", "answer": "单位验证码：" + code.lower().replace("-", " ")})
    assert r.status_code == 302 and _ballot_open(client, vote)
    with app.app_context():
        from sqlalchemy import select

        from votes.extensions import db
        from votes.models import VoterAccess

        stored = db.session.scalars(select(VoterAccess.notice_code_hash)).all()
        assert stored and all(code.replace("-", "") not in (h or "") for h in stored)


def test_company_votes_with_an_sms_code_to_its_registered_phone(app, client, vote):
    sent = []
    app.config["SMS_SENDER"] = lambda phone, text: sent.append((phone, text))
    client.get(f"/v/{voter_token(app, vote, '202', building='2')}")
    client.post(f"/p/{vote['uid']}/code")
    assert sent and sent[0][0] == "13800000009"
    code = re.search(r"(\d{6})", sent[0][1]).group(1)
    r = client.post(f"/p/{vote['uid']}/verify", data={"method": "sms", "answer": code})
    assert r.status_code == 302 and _ballot_open(client, vote)
