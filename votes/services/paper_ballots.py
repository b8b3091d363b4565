"""Paper and proxy ballots from a CSV file: every row accepted, or none."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from sqlalchemy import select

from votes.core.roll import normalise_building, normalise_entrance
from votes.core.tally import Choice
from votes.extensions import db
from votes.models import Ballot, FrozenUnit, Unit
from votes.services import audit, clock
from votes.services.ballots import (BallotRequest, StaffOverride, cast_ballots,
                                     voting_problem)
from votes.services.errors import DomainError, Problem
from votes.services.lifecycle import get_proposal, refresh
from votes.services.roll_file import csv_rows
from votes.services.tx import unit_of_work

COLUMNS = {
    "building": ("building", "楼栋"), "entrance": ("entrance", "单元"), "room": ("room", "房号"),
    "choice": ("choice", "表决意见", "意见"), "channel": ("channel", "方式", "表决方式"),
    "evidence": ("evidence", "凭证", "扫描件"), "entered_by": ("entered_by", "录入人"),
}
REQUIRED = ("building", "room", "choice", "channel", "evidence", "entered_by")
_ALIASES = {a.lower(): name for name, aliases in COLUMNS.items() for a in aliases}


def _label(building: str, entrance: str, room: str) -> tuple[str, str, str]:
    return normalise_building(building), normalise_entrance(entrance), room.strip()


def import_paper_ballots(proposal_ref: str, path: str, actor: str = "cli") -> list[Ballot]:
    """The CLI's file: evidence paths are relative to the CSV's folder."""
    proposal = refresh(get_proposal(proposal_ref))
    file = Path(path)
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise DomainError(f"无法读取文件 {path} (cannot read file): {exc.strerror}") from None

    def evidence(name: str) -> tuple[str, bytes] | None:
        try:
            return Path(name).name, (file.parent / name).read_bytes()
        except OSError:
            return None

    return accept_rows(proposal, read_rows(data), evidence, actor)


def read_rows(data: bytes) -> list[tuple[int, dict[str, str]]]:
    """(row number, values) for each non-empty row of a ballots CSV."""
    table = csv_rows(data)
    if not table:
        raise DomainError("文件是空的 (the file is empty)")
    header = {i: _ALIASES.get(h.strip().lower()) for i, h in enumerate(table[0])}
    missing = [n for n in REQUIRED if n not in header.values()]
    if missing:
        raise DomainError("缺少必填列 (missing columns): " + ", ".join(missing))
    rows = []
    for number, cells in enumerate(table[1:], start=2):
        row = {name: (cells[i].strip() if i < len(cells) else "")
               for i, name in header.items() if name}
        if any(row.values()):
            rows.append((number, row))
    return rows


def accept_rows(proposal, rows, evidence: Callable[[str], tuple[str, bytes] | None],
                actor: str) -> list[Ballot]:
    """Check every row, then enter all of them as chain entries, or none."""
    problem = voting_problem(proposal, clock.now())
    if problem:
        raise DomainError(f"{problem}；未录入任何选票 (no ballot was entered)")
    frozen = {_label(u.building, u.entrance, u.room): u for u in db.session.scalars(
        select(FrozenUnit).where(FrozenUnit.proposal_id == proposal.id))}
    existing = {_label(u.building, u.entrance, u.room) for u in db.session.scalars(
        select(Unit).where(Unit.community_id == proposal.community_id))}
    voted: dict[str, Ballot] = {}  # each voter's latest ballot
    for b in db.session.scalars(select(Ballot).where(Ballot.proposal_id == proposal.id)
                                .order_by(Ballot.revision)):
        voted[b.voter_key] = b
    conflicts: list[dict] = []
    problems: list[Problem] = []
    requests: list[BallotRequest] = []
    in_file: dict[str, int] = {}
    for number, row in rows:
        before = len(problems)

        def fail(message: str) -> None:
            problems.append(Problem(number, message))

        key = _label(row.get("building", ""), row.get("entrance", ""), row.get("room", ""))
        unit = frozen.get(key)
        if unit is None:
            if key in existing:
                fail("该房屋不在本次表决范围内 (unit outside the proposal's scope)")
            else:
                fail("名册中没有该房屋 (unknown unit)")
        try:
            choice = Choice.parse(row.get("choice", ""))
        except ValueError:
            fail(f"表决意见 '{row.get('choice', '')}' 无效，应为 同意/反对/弃权 "
                 "(choice must be agree/disagree/abstain)")
        channel = row.get("channel", "").lower()
        channel = {"纸质": "paper", "委托": "proxy", "代理": "proxy"}.get(channel, channel)
        if channel not in ("paper", "proxy"):
            fail(f"表决方式 '{row.get('channel', '')}' 无效，应为 paper/proxy (纸质/委托)")
        if not row.get("entered_by"):
            fail("录入人为空 (entered_by is empty)")
        scan = None
        if not row.get("evidence"):
            fail("缺少表决票扫描件 (evidence is empty)")
        else:
            scan = evidence(row["evidence"])
            if scan is None:
                fail(f"找不到扫描件 {row['evidence']} (evidence file not found)")
        if unit is not None:
            own = voted.get(unit.voter_key)
            if own is not None and own.channel == "online":
                # The owner's own online ballot wins over anything staff enter for them.
                fail(StaffOverride(own).message)
                conflicts.append({"row": number, "voter": unit.voter_key, "online_entry": own.seq,
                                  "channel": channel})
            elif unit.voter_key in voted and not proposal.max_changes:
                fail("该业主已经表决 (this voter has already voted)")
            elif unit.voter_key in in_file:
                fail(f"该业主在第 {in_file[unit.voter_key]} 行已有选票 "
                     f"(this voter already has a ballot on row {in_file[unit.voter_key]})")
            else:
                in_file[unit.voter_key] = number
        if len(problems) == before:
            requests.append(BallotRequest(voter_key=unit.voter_key, choice=choice,
                                          channel=channel, entered_by=row["entered_by"],
                                          evidence=scan))
    if problems:
        _record_conflicts(proposal, actor, conflicts)
        raise DomainError(
            f"有 {len(problems)} 行被拒绝，未录入任何选票 "
            f"({len(problems)} rows rejected; no ballot was entered)", problems=problems)
    if not requests:
        raise DomainError("文件中没有选票 (the file has no ballots)")
    try:
        return cast_ballots(proposal.id, requests, actor=actor)
    except StaffOverride as err:  # the owner voted online while the clerk was entering
        _record_conflicts(proposal, actor, [{"voter": err.ballot.voter_key,
                                             "online_entry": err.ballot.seq}])
        raise


def _record_conflicts(proposal, actor: str, conflicts: list[dict]) -> None:
    """Refused paper/proxy entries for owners who voted online go to the audit log (the
    committee's record of the attempt), committed on their own since the entry is refused."""
    if not conflicts:
        return
    with unit_of_work() as session:
        audit.record(session, actor, "ballots.override_refused",
                     community_id=proposal.community_id, target=str(proposal.id),
                     details={"conflicts": conflicts})
