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


ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _settled_package(app, runner, tmp_path) -> dict:
    """A passed vote, its works done and settled at 6,400.00; every printed document."""
    import zipfile

    from tests.money_world import works_done

    vote = passed_vote(app, runner, tmp_path, rows=low_balance_rows())
    pid = vote["pid"]
    works_done(runner, tmp_path, pid)
    assert runner.invoke(args=["works", "settle", pid, "--final-cost", "6400.00"]).exit_code == 0
    docs = {"result-notice": _result_notice(app, pid)}
    for name, args in (("settlement", []), ("settlement-balances", ["--balances"])):
        out = tmp_path / f"{name}.pdf"
        result = runner.invoke(args=["works", "settlement-notice", pid, *args, "-o", str(out)])
        assert result.exit_code == 0, result.output
        docs[name] = out.read_bytes()
    out = tmp_path / "application.zip"
    result = runner.invoke(args=["works", "application", pid, "-o", str(out)])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(out) as z:
        docs.update({n: z.read(n) for n in z.namelist()})
    return docs


def test_every_printed_document_writes_its_dates_one_way(app, runner, tmp_path):
    """The result notice was dated 2026年12月08日, the settlement notice 2026-12-08, its
    acceptance 2026-12-08 and the form's vote 2026-12-01 09:00: three ways on papers the fund
    office reads side by side, two of them on the result notice alone. Every printed
    document writes a day as a posted notice does, 2026年12月8日, and a time after it."""
    docs = _settled_package(app, runner, tmp_path)
    texts = {name: _flat(docs[name]) for name in ("result-notice", "settlement",
                                                  "settlement-balances", "application-form.pdf")}
    for name, text in texts.items():
        assert not ISO_DAY.search(text), (name, ISO_DAY.search(text).group(0), text)
        assert "2026年12月08日" not in text, name
    assert "表决时间：2026年12月1日09:00至2026年12月8日09:00（北京时间）" in texts["result-notice"]
    assert "日期：2026年12月8日" in texts["result-notice"]
    for name in ("settlement", "settlement-balances"):
        assert "验收日期：2026年12月8日" in texts[name], texts[name]
        assert "日期：2026年12月8日" in texts[name]
    assert "业主表决：2026年12月1日09:00至2026年12月8日09:00（北京时间）" in \
        texts["application-form.pdf"]


def test_the_voting_notice_and_poster_write_dates_as_the_other_documents(app, runner, tmp_path):
    """The voting notice gave its periods as 2026-12-01 09:00 and its own date as
    2026年12月01日, the poster its end as 2026-12-08 09:00: the same helper as the result
    and settlement notices now writes them all."""
    from tests.factories import make_open_proposal

    vote = make_open_proposal(app, runner, tmp_path)
    notices = tmp_path / "notices.pdf"
    result = runner.invoke(args=["notices", str(vote["id"]), "-o", str(notices)])
    assert result.exit_code == 0, result.output
    with app.app_context():
        from votes.services.notices import poster_pdf

        poster = poster_pdf(str(vote["id"]))
    for text in (_flat(notices), _flat(poster)):
        assert not ISO_DAY.search(text), text
        assert "2026年12月8日09:00" in text, text
    assert "日期：2026年12月1日" in _flat(notices)
