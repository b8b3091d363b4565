"""One flat, one spelling on every document and page.

A roll row "Ｂ座１２３号楼 / 1单元 / ８０８室" (full-width, as a Chinese input method types
it) printed as B座123号楼1单元８０８室 on the voting notice, as its stored parts
Ｂ座１２３号楼 | 1单元 | ８０８室 on the result notice, as Ｂ座１２３号楼号楼1单元单元８０８室室
on the owner's own pages and Ｂ座１２３号楼-1单元-８０８室 on the board: an owner comparing
them saw four flats. Every one now prints the notices' label (votes.core.scope_words.flat_words)."""

from __future__ import annotations

import re
from datetime import timedelta

from tests.browser import need_tools, pdf_text
from tests.factories import make_open_proposal, make_row, resident_id, sample_rows, voter_token
from tests.staff_world import clerk_client

LABEL = "B座123号楼1单元808室"


def _text(html: str) -> str:
    return re.sub(r"\s+", "", re.sub(r"<[^>]+>", "", html))


def test_a_full_width_roll_row_prints_one_label_everywhere(app, runner, tmp_path):
    need_tools("pdftotext")
    rows = sample_rows() + [make_row(building="Ｂ座１２３号楼", entrance="1单元", room="８０８室",
                                     owner_name="钱七", owner_id=resident_id(77))]
    vote = make_open_proposal(app, runner, tmp_path, rows=rows)
    pid = str(vote["id"])
    notices = tmp_path / "notices.pdf"
    assert runner.invoke(args=["notices", pid, "-o", str(notices)]).exit_code == 0
    printed = re.sub(r"\s+", "", pdf_text(notices))
    assert LABEL in printed and "８０８" not in printed

    owner = app.test_client()
    start = owner.get(f"/v/{voter_token(app, vote, room='８０８室', building='Ｂ座１２３号楼')}")
    signed = owner.post(start.location, data={"method": "id", "answer": resident_id(77)[-6:]})
    ballot = _text(owner.get(signed.location).get_data(as_text=True))
    assert f"房屋{LABEL}" in ballot, ballot
    english = _text(owner.get(signed.location + "?lang=en").get_data(as_text=True))
    assert "buildingB座123,entrance1,room808" in english, english

    app.config["VOTES_NOW"] = vote["t0"] + timedelta(days=7, hours=1)
    assert runner.invoke(args=["proposal", "close", pid]).exit_code == 0
    result = clerk_client(app, runner).get(f"/committee/p/{pid}/result-notice.pdf").data
    printed = re.sub(r"\s+", "", pdf_text(result, layout=False))
    assert LABEL in printed and "Ｂ座" not in printed and "８０８" not in printed, printed
    assert "1号楼1单元101室" in printed  # every flat by the notices' label

    board = _text(app.test_client().get(f"/p/{vote['uid']}/units?lang=zh_CN")
                  .get_data(as_text=True))
    assert LABEL in board and "Ｂ座" not in board and "1号楼1单元101室" in board, board
