"""A community whose elevator vote passed and closed: the start of the money stage."""

from __future__ import annotations

from datetime import timedelta

from tests import snapshots
from tests.factories import (make_open_proposal, make_roll_csv, make_row, resident_id,
                             sample_rows)


def low_balance_rows() -> list[dict]:
    """The sample roll, with 1-202's balance small (700.00) and 1-201's tiny (100.00)."""
    rows = sample_rows()
    rows[3] = dict(rows[3], fund_balance="100.00")
    rows[4] = dict(rows[4], fund_balance="700.00")
    return rows


def passed_vote(app, runner, tmp_path, code="SUN", rows=None, tolerance=None,
                matter="use_fund", extra=()) -> dict:
    """Budget 6547.50; 4 of 5 voters take part, 3 agree: passed and closed. Kept per
    process and put back, as make_open_proposal's proposal is (tests/snapshots.py); the
    roll, the scans and the ballots file are written to tmp_path either way."""
    make_roll_csv(tmp_path / f"roll-{code}.csv", rows)
    lines = ["building,entrance,room,choice,channel,evidence,entered_by"]
    for building, room, choice in (("1", "101", "agree"), ("1", "102", "agree"),
                                   ("2", "101", "disagree"), ("2", "201", "agree")):
        # Each voter's own signed form: one scan may not stand for several voters.
        name = f"scan-{building}-{room}.pdf"
        (tmp_path / name).write_bytes(f"%PDF-1.4 scanned form {building}-{room}".encode())
        lines.append(f"{building},1,{room},{choice},paper,{name},clerk")
    path = tmp_path / f"ballots-{code}.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    key = ("passed vote", code, repr(rows), repr(tolerance), matter, repr(extra))
    return dict(snapshots.replay(app, key, lambda: _passed(
        app, runner, tmp_path, path, code=code, rows=rows, tolerance=tolerance, matter=matter,
        extra=extra)))


def _passed(app, runner, tmp_path, ballots, **options) -> dict:
    proposal = make_open_proposal(app, runner, tmp_path, **options)
    pid = str(proposal["id"])
    result = runner.invoke(args=["ballots", "import", pid, str(ballots)])
    assert result.exit_code == 0, result.output
    app.config["VOTES_NOW"] = proposal["t0"] + timedelta(days=7, hours=1)
    result = runner.invoke(args=["proposal", "close", pid])
    assert result.exit_code == 0, result.output
    return {**proposal, "pid": pid}


def passed_vote_before_version_3(app, runner, tmp_path, monkeypatch, **kwargs) -> dict:
    """passed_vote, its chain started as a release before version 3 of the spec started it
    (exported as votes-bundle/1, docs/verification.md §9.1): genesis rules without the rules
    of procedure. The close, without the 从多 figures, is the server's own for such a vote."""
    from tests.older_format import genesis_before_version_3

    with genesis_before_version_3(monkeypatch):
        return passed_vote(app, runner, tmp_path, **kwargs)


def evidence(tmp_path, name="contract.pdf", content=b"%PDF-1.4 signed contract") -> str:
    path = tmp_path / name
    path.write_bytes(content)
    return str(path)


def today(app) -> str:
    """The app clock's day in Beijing time, YYYY-MM-DD: a date an acceptance may carry."""
    from datetime import datetime, timezone
    from zoneinfo import ZoneInfo

    now = app.config.get("VOTES_NOW") or datetime.now(timezone.utc)
    return now.astimezone(ZoneInfo("Asia/Shanghai")).date().isoformat()


def works_done(runner, tmp_path, pid: str, *, contract="6000.00", payments=("2000.00",),
               accepted=True):
    """Contract, payments and (unless `accepted` is false) acceptance through the CLI (each
    must succeed). The works are accepted today by the app's clock: an acceptance after
    today is refused."""
    steps = [["works", "contract", pid, "--contractor", "福州电梯工程有限公司",
              "--amount", contract, "--evidence", evidence(tmp_path)]]
    steps += [["works", "payment", pid, "--amount", a, "--note", f"预付款{i + 1}",
               "--evidence", evidence(tmp_path, f"voucher{i}.pdf", f"voucher {i}".encode())]
              for i, a in enumerate(payments)]
    if accepted:
        steps.append(["works", "acceptance", pid, "--date", today(runner.app), "--participant",
                      "业委会", "--participant", "物业服务中心", "--evidence",
                      evidence(tmp_path, "photo.jpg", b"\xff\xd8 photo"), "--evidence",
                      evidence(tmp_path, "report.pdf", b"%PDF-1.4 report")])
    for args in steps:
        result = runner.invoke(args=args)
        assert result.exit_code == 0, (args, result.output)


__all__ = ["passed_vote", "passed_vote_before_version_3", "works_done", "today", "evidence",
           "low_balance_rows", "make_row", "resident_id"]


def fire_pump_emergency(runner, tmp_path, code="SUN") -> str:
    """An emergency use (no vote) of all of `code`'s flats, its works done; its id."""
    applied = runner.invoke(args=[
        "works", "emergency", "--community", code, "--title", "消防水泵抢修", "--scope", "all",
        "--budget", "6547.50", "--category", "fire", "--applicant", "committee", "--reason",
        "消防水泵失效，需立即抢修", "--evidence", evidence(tmp_path, "fire.pdf", b"%PDF fire")])
    assert applied.exit_code == 0, applied.output
    other = applied.output.strip()
    works_done(runner, tmp_path, other)
    return other


def staff_accounts(app, runner, code="SUN", jurisdiction="350502") -> None:
    """A committee member of the community and the district's regulator."""
    from tests.staff_world import PASSWORD

    with app.app_context():
        from votes.services.communities import get_community
        from votes.services.tx import unit_of_work

        with unit_of_work():
            get_community(code).jurisdiction = jurisdiction
    for args in ([f"{code.lower()}_committee", "--role", "committee", "--community", code],
                 ["district", "--role", "regulator", "--jurisdiction", jurisdiction]):
        result = runner.invoke(args=["users", "create", "--no-must-change", *args, "--password", PASSWORD])
        assert result.exit_code == 0, result.output
