"""The documents printed after a vote (result notice, settlement notice, the fund
application package) say one thing in one way: units, dates, and which money is which."""

from __future__ import annotations

import re

from tests.browser import pdf_text
from tests.money_world import low_balance_rows, passed_vote


def _flat(pdf) -> str:
    return re.sub(r"\s+", "", pdf_text(pdf))


def _result_notice(app, pid) -> bytes:
    with app.app_context():
        from votes.services.lifecycle import get_proposal
        from votes.services.result_notice import result_notice_pdf

        return result_notice_pdf(get_proposal(pid))


def test_the_result_notice_gives_areas_in_square_metres_and_heads_in_people(
        app, runner, tmp_path):
    """The result notice printed its figures bare ("594.75 / 654.75"), where the settlement
    notice, the application form and the screens say m²: an owner could not tell an area
    from a count. Every area has its m², every headcount its 人, as on the form."""
    pid = passed_vote(app, runner, tmp_path, rows=low_balance_rows())["pid"]
    text = _flat(_result_notice(app, pid))
    assert "参与表决专有面积：594.75m²/654.75m²，门槛≥2/3，需436.50m²，达到" in text, text
    assert "参与表决人数：4人/5人，门槛≥2/3，需4人，达到" in text, text
    assert "同意的专有面积：394.75m²/594.75m²" in text, text
