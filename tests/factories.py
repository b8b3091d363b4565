"""Plain test-data factories: make_*(…, **overrides)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from tests import snapshots

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def resident_id(serial: int, region: str = "350502", birth: str = "19800101") -> str:
    """A resident ID with a correct GB 11643 check character."""
    body = f"{region}{birth}{serial % 1000:03d}"
    check = "10X98765432"[sum(int(c) * w for c, w in zip(body, WEIGHTS)) % 11]
    return body + check


HEADER_EN = ["building", "entrance", "room", "area", "area_basis", "owner_name", "owner_id",
             "owner_kind", "phone", "fund_balance"]
HEADER_ZH = ["楼栋", "单元", "房号", "面积", "面积依据", "业主姓名", "证件号码", "业主类型",
             "手机号", "维修资金余额"]


def make_row(**overrides) -> dict:
    row = {"building": "1", "entrance": "1", "room": "101", "area": "89.50",
           "area_basis": "登记", "owner_name": "张三", "owner_id": resident_id(1),
           "owner_kind": "个人", "phone": "13912345678", "fund_balance": "5000.00"}
    row.update(overrides)
    return row


def sample_rows() -> list[dict]:
    """Eight units in two buildings: a co-owned unit, an owner of two units, developer units."""
    return [
        make_row(room="101", owner_name="张三", owner_id=resident_id(1)),
        make_row(room="102", owner_name="李四", owner_id=resident_id(2), area="120.00"),
        make_row(room="102", owner_name="王五", owner_id=resident_id(3), area="120.00"),
        make_row(room="201", owner_name="张三", owner_id=resident_id(1), area="75.25",
                 area_basis="实测"),
        make_row(room="202", owner_name="赵六", owner_id=resident_id(4), area="60.00",
                 area_basis="合同", phone=""),
        make_row(building="2", room="101", owner_name="阳光地产有限公司",
                 owner_id="91350500MA2XXXXX1A", owner_kind="开发建设单位", area="100.00",
                 phone="", fund_balance=""),
        make_row(building="2", room="102", owner_name="阳光地产有限公司",
                 owner_id="91350500MA2XXXXX1A", owner_kind="开发建设单位", area="100.00",
                 phone="", fund_balance=""),
        make_row(building="2", room="201", owner_name="李四", owner_id=resident_id(2),
                 area="110.00"),
    ]


def make_roll_csv(path: Path, rows: list[dict] | None = None, *, header=HEADER_EN,
                  encoding: str = "utf-8") -> Path:
    rows = sample_rows() if rows is None else rows
    names = HEADER_EN + [extra for extra in ("unit_kind", "first_deposit")
                         if any(extra in r for r in rows)]
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(header + names[len(HEADER_EN):])
    for row in rows:
        writer.writerow([row.get(name, "") for name in names])
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def make_roll_xlsx(path: Path, rows: list[dict] | None = None, *, header=HEADER_ZH) -> Path:
    from openpyxl import Workbook

    rows = sample_rows() if rows is None else rows
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for row in rows:
        ws.append([row.get(name, "") for name in HEADER_EN])
    wb.save(path)
    return path


def make_draft(app, runner, tmp_path, *, scope="all", extra=("--schedule",), code="SUN",
               rows=None, rules=(), tolerance=None, matter="use_fund") -> int:
    """A community with the sample roll and a draft proposal (of matter use_fund unless
    told): publicity from 2026-11-20 09:00, voting 2026-12-01 09:00 to 12-08 09:00
    (Beijing), scheduled unless `extra` says otherwise; rules are NAME=VALUE settings of the
    community's rules of procedure, set before the proposal.

    Sets the app clock to 2026-11-19 01:00 UTC, before the publicity; returns the id.
    Writes the roll to tmp_path/roll-CODE.csv. The commands' state is kept per process and
    put back by a later call with the same arguments (tests/snapshots.py)."""
    roll = make_roll_csv(tmp_path / f"roll-{code}.csv", rows)
    key = ("draft", repr(scope), repr(extra), code, repr(rows), repr(rules), repr(tolerance),
           matter)
    return snapshots.replay(app, key, lambda: _draft_commands(
        app, runner, roll, scope=scope, extra=extra, code=code, rules=rules,
        tolerance=tolerance, matter=matter))


def _draft_commands(app, runner, roll, *, scope, extra, code, rules, tolerance,
                    matter) -> int:
    from datetime import datetime, timezone

    app.config["VOTES_NOW"] = datetime(2026, 11, 19, 1, 0, tzinfo=timezone.utc)
    assert runner.invoke(args=["community", "create", code, "--name", "阳光花园"]).exit_code == 0
    for setting in rules:
        result = runner.invoke(args=["community", "rules", code, "--set", setting])
        assert result.exit_code == 0, result.output
    if tolerance is not None:  # percent over the budget a contract may go (frozen, §18)
        result = runner.invoke(args=["works", "tolerance", code, tolerance])
        assert result.exit_code == 0, result.output
    assert runner.invoke(args=["roll", "import", "--community", code, str(roll)]).exit_code == 0
    result = runner.invoke(args=[
        "proposal", "create", "--community", code, "--title", "电梯更换", "--matter", matter,
        "--scope", scope, "--budget", "6547.50", "--item", "电梯更换:6547.50",
        "--publicity-start", "2026-11-20T09:00", "--voting-start", "2026-12-01T09:00",
        "--voting-end", "2026-12-08T09:00", *extra])
    assert result.exit_code == 0, result.output
    return int(result.output.strip())


def make_open_proposal(app, runner, tmp_path, *, scope="all", extra=(), code="SUN",
                       rows=None, rules=(), tolerance=None, matter="use_fund"):
    """make_draft's proposal (scheduled, with `extra` options of its own), open for voting.

    Freezes the app clock at 1 hour into voting; returns the proposal. Kept and put back
    as make_draft's is."""
    key = ("open", repr(scope), repr(extra), code, repr(rows), repr(rules), repr(tolerance),
           matter)
    return dict(snapshots.replay(app, key, lambda: _opened(
        app, runner, tmp_path, scope=scope, extra=extra, code=code, rows=rows, rules=rules,
        tolerance=tolerance, matter=matter)))


def _opened(app, runner, tmp_path, *, scope, extra, code, rows, rules, tolerance, matter):
    from datetime import datetime, timedelta, timezone

    t0 = datetime(2026, 12, 1, 1, 0, tzinfo=timezone.utc)
    pid = str(make_draft(app, runner, tmp_path, scope=scope, extra=("--schedule", *extra),
                         code=code, rows=rows, rules=rules, tolerance=tolerance, matter=matter))
    app.config["VOTES_NOW"] = t0 + timedelta(hours=1)
    assert runner.invoke(args=["proposal", "open", pid]).exit_code == 0
    with app.app_context():
        from votes.services.lifecycle import get_proposal

        proposal = get_proposal(pid)
        return {"id": proposal.id, "uid": proposal.uid, "t0": t0}


def voter_token(app, proposal: dict, room: str = "101", building: str = "1") -> str:
    """The link token of the voter owning building/room."""
    from sqlalchemy import select

    from votes.extensions import db
    from votes.models import FrozenUnit, Proposal, VoterAccess
    from votes.services.access import link_token

    with app.app_context():
        p = db.session.get(Proposal, proposal["id"])
        unit = db.session.scalar(select(FrozenUnit).where(
            FrozenUnit.proposal_id == p.id, FrozenUnit.building == building,
            FrozenUnit.room == room))
        access = db.session.scalar(select(VoterAccess).where(
            VoterAccess.proposal_id == p.id, VoterAccess.voter_key == unit.voter_key))
        return link_token(p, access.voter_key, access.issue)


def assert_limited_per_address(app, client, url: str, per_minute: int) -> None:
    """`url` answers one address `per_minute` times, then 429; another address still gets it."""
    app.config["RATELIMIT_ENABLED"] = True
    answers = [client.get(url).status_code for _ in range(per_minute + 1)]
    assert answers == [200] * per_minute + [429]
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "192.0.2.9"
    assert other.get(url).status_code == 200


def sign_in_owner(app, client, proposal: dict, room: str, serial: int) -> None:
    """The owner of 1-`room` (ID number resident_id(serial)) signed in on `client` by the
    ID number's last six characters."""
    token = voter_token(app, proposal, room=room)
    start = client.get(f"/v/{token}")
    assert start.status_code == 302, start.get_data(as_text=True)
    done = client.post(start.location, data={"method": "id", "answer": resident_id(serial)[-6:]})
    assert done.status_code == 302 and done.location.endswith("/ballot"), done.location


def paper_then_close(app, runner, tmp_path, proposal: dict, choice: str) -> None:
    """The sample roll's 1-101, 1-102, 2-101 and 2-201 voting `choice` on paper, then the
    vote closed at its end."""
    from datetime import timedelta

    pid = str(proposal["id"])
    lines = ["building,entrance,room,choice,channel,evidence,entered_by"]
    for building, room in (("1", "101"), ("1", "102"), ("2", "101"), ("2", "201")):
        name = f"scan-{building}-{room}.pdf"
        (tmp_path / name).write_bytes(f"%PDF-1.4 scanned form {building}-{room}".encode())
        lines.append(f"{building},1,{room},{choice},paper,{name},clerk")
    (tmp_path / "ballots.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert runner.invoke(args=["ballots", "import", pid, str(tmp_path / "ballots.csv")]) \
        .exit_code == 0
    app.config["VOTES_NOW"] = proposal["t0"] + timedelta(days=7, hours=1)
    assert runner.invoke(args=["proposal", "close", pid]).exit_code == 0

