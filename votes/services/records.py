"""The proposal and frozen roll as the chain binds them and the bundle carries them.

Both are pseudonymous: unit labels, areas and voter keys, never names, IDs or phones.
"""

from __future__ import annotations

import time

from sqlalchemy import func, select

from votes.core.canonical import format_time
from votes.core.chain import GENESIS_PREV, SealedEntry, entry_digest
from votes.core.local_rules import roll_totals
from votes.core.verifier_report import Failure
from votes.extensions import db
from votes.i18n import _
from votes.models import ChainEntry, FrozenUnit, Proposal
from votes.services.errors import DomainError
from votes.services.kept import Kept

MAX_DAMAGE = 20  # problems named one by one; a chain rewritten wholesale is not listed whole


def proposal_record(proposal: Proposal) -> dict:
    """The proposal as bound at voting's opening, or as it stands while still a draft."""
    if proposal.record is not None:
        return proposal.record
    community = proposal.community
    return {
        "uid": proposal.uid,
        "community": {"code": community.code, "name": community.name,
                      "jurisdiction": community.jurisdiction or ""},
        "title": proposal.title,
        "description": proposal.description,
        "matter": proposal.matter,
        "scope": proposal.scope,
        "items": [{"title": i.title, "amount": i.amount} for i in proposal.items],
        "budget": proposal.budget,
        "documents": [{"name": d.name, "sha256": d.sha256, "size": d.size}
                      for d in proposal.documents],
        "emergency": proposal.emergency,
        "max_changes": proposal.max_changes,
        "publicity_start": format_time(proposal.publicity_start),
        "voting_start": format_time(proposal.voting_start),
        "voting_end": format_time(proposal.voting_end),
    }


def frozen_units(proposal: Proposal) -> list[FrozenUnit]:
    return list(db.session.scalars(
        select(FrozenUnit).where(FrozenUnit.proposal_id == proposal.id).order_by(FrozenUnit.id)))


def scope_totals(proposal: Proposal) -> tuple[int, int]:
    """The frozen scope's number of units and total area (centi-m²), counted by the database:
    pages and notices that print only these need not read a city's roll."""
    units, area = db.session.execute(select(func.count(FrozenUnit.id),
                                            func.coalesce(func.sum(FrozenUnit.area), 0))
                                     .where(FrozenUnit.proposal_id == proposal.id)).one()
    return int(units), int(area)  # PostgreSQL sums integers as numeric (a Decimal)


def roll_record(proposal: Proposal) -> dict:
    # Plain rows, not ORM objects: the genesis and every export read the whole roll.
    t = FrozenUnit.__table__.c
    rows = db.session.execute(
        select(t.unit_uid, t.building, t.entrance, t.room, t.area, t.area_basis, t.voter_key,
               t.kind)
        .where(t.proposal_id == proposal.id).order_by(t.id)).all()
    units = []
    for uid, building, entrance, room, area, basis, voter, kind in rows:
        unit = {"unit_id": uid, "building": building, "entrance": entrance, "room": room,
                "area": area, "area_basis": basis, "voter": voter}
        if kind != "dwelling":  # docs/verification.md §16: absent means a dwelling
            unit["kind"] = kind
        units.append(unit)
    roll = {"units": units}
    # The totals the thresholds are judged on: kinds the rules leave out are not counted.
    roll["total_area"], roll["total_headcount"] = roll_totals(roll, proposal.rules)
    return roll


class ChainDamaged(DomainError):
    """The chain in the database is not as the server wrote it (a row that is no entry, a
    row missing, a head the proposal does not carry): no bundle or figure is made of it.

    `failures` say it as the verifier's report would (step of docs/verification.md §5, the
    entry, Chinese / English), for the regulator's stored verification; the message says it
    in the reader's language."""

    def __init__(self, failures: list[Failure], problems: list[str], entries: int,
                 ballots: int, unlisted: int = 0):
        # entries and ballots: the rows the database still holds; unlisted: the problems
        # past the MAX_DAMAGE failures named one by one
        # Said to the committee (their download, the command line); the regulator's
        # verification stores the failures, and other readers ask for their words.
        super().__init__(damage_words(problems, _("不能导出或核对"), COMMITTEE))
        self.failures, self.entries, self.ballots = failures, entries, ballots
        self.unlisted, self.problems = unlisted, problems

    def __str__(self) -> str:  # DomainError's would list `problems` again under the message
        return self.message

    def words(self, audience: str) -> str:
        return damage_words(self.problems, _("不能导出或核对"), audience)


OWNERS, COMMITTEE, REGULATOR = "owners", "committee", "regulator"  # who reads the words


def whom_to_tell(audience: str) -> str:
    """What a reader of a damaged chain's refusal is to do: the owners tell the committee and
    the maintenance-fund office (the regulator); the committee, who cannot mend the database,
    calls that office and the system administrator; the regulator, who is that office, finds
    the damaged entries with its own verification."""
    if audience == REGULATOR:
        return _("请用“验证导出包”查看损坏的位置，并通知系统管理员核查。")
    if audience == COMMITTEE:
        return _("请联系维修资金管理部门和系统管理员核查。")
    return _("请告知业主委员会和维修资金管理部门（监管部门）核查。")


def damage_words(problems: list[str], what: str, audience: str) -> str:
    """A refusal for a chain damaged in the database: the damage, what cannot be done of
    it (`what`), whom to tell (whom_to_tell)."""
    return _("本事项的表决记录在数据库中已被改动或损坏（%(problems)s），%(what)s。",
             problems=_("；").join(problems), what=what) + whom_to_tell(audience)


def chain_entries(proposal: Proposal) -> list[SealedEntry]:
    """The proposal's chain up to the head its row carries (an entry appended since the row
    was read is the next reader's), each row checked to be there and to be an entry whose
    digest is its content's and whose place is its own (seq, prev, kind, proposal: steps
    4.1–4.3 and 4.5 of docs/verification.md §5), the last one the head: ChainDamaged
    otherwise. Not the signatures (4.4): a row rewritten with its digests recomputed breaks
    the link to the next one, or the head; only the last entry and the head column, rewritten
    together, are left to the regulator's verification."""
    return _read_checked(proposal, 0, GENESIS_PREV)


def _read_checked(proposal: Proposal, start: int, prev: str) -> list[SealedEntry]:
    """chain_entries from entry `start` on (the entries before it found sound already, the
    last of them of digest `prev`)."""
    rows = db.session.execute(
        select(ChainEntry.seq, ChainEntry.line, ChainEntry.kind)
        .where(ChainEntry.proposal_id == proposal.id, ChainEntry.seq >= start,
               ChainEntry.seq < proposal.chain_length)
        .order_by(ChainEntry.seq))
    entries: list[SealedEntry] = []
    damage: list[tuple[Failure, str]] = []
    expected, ballots, present = start, 0, 0
    for seq, line, kind in rows:
        if seq != expected:
            damage.append(_missing(expected, seq - 1))
            prev = None  # the link across the gap is the missing rows' to say
        expected = seq + 1
        present += 1
        ballots += kind == "ballot"
        try:
            sealed = SealedEntry.from_stored(line)
            digest = entry_digest(sealed.entry)
            out_of_place = row_out_of_place(sealed, digest, seq, kind, prev, proposal.uid)
        except ROW_UNREADABLE:
            damage.append(unreadable_row(seq))
            prev = None
            continue
        if out_of_place is not None:
            damage.append(out_of_place)
        prev = digest
        entries.append(sealed)
    if expected < proposal.chain_length:
        damage.append(_missing(expected, proposal.chain_length - 1))
    if not damage and entries and entries[-1].digest != proposal.chain_head:
        last = proposal.chain_length - 1
        damage.append((Failure("4.6", "数据库中事项的链头不是这条最后记录的摘要 / the proposal's "
                               "head in the database is not this last entry's digest", last),
                       _("事项的链头与第 %(n)s 条记录（最后一条）不一致", n=last)))
    if damage:
        if start:  # said of the whole chain: what it holds, every damage in it
            return _read_checked(proposal, 0, GENESIS_PREV)
        failures, problems = (list(x) for x in zip(*damage[:MAX_DAMAGE]))
        unlisted = max(0, len(damage) - MAX_DAMAGE)
        if unlisted:
            problems.append(_("另有 %(n)s 处", n=unlisted))
        raise ChainDamaged(failures, problems, present, ballots, unlisted)
    return entries


# A chain found sound is read whole again after this long, in every process that shows
# what it decided: a row altered behind the app's back among those already checked.
WHOLE_AGAIN_SECONDS = 60


def check_chain(proposal: Proposal) -> None:
    """chain_entries' check for a reader that shows what the chain decided (the close's
    tally, the result, a receipt's count) without needing the entries: ChainDamaged as it
    raises it. A chain found sound is remembered per process by its length and head: the
    pages that show it read only the entries appended since (during the vote, the board's
    lookup, open to anyone, would otherwise read the whole chain at every cast), and the
    whole chain again once a minute.

    Not seen until then: a row altered behind the app's back among the entries this
    process had already found sound."""
    key = (str(db.session.get_bind().url), proposal.uid)
    known = _sound.get(key)
    now = time.monotonic()
    if known is not None and now - known[2] < WHOLE_AGAIN_SECONDS:
        length, head, whole_at = known
        if (length, head) == (proposal.chain_length, proposal.chain_head):
            return
        if 0 < length < proposal.chain_length:
            _read_checked(proposal, length, head)
            _sound.put(key, (proposal.chain_length, proposal.chain_head, whole_at), replace=True)
            return
    chain_entries(proposal)
    _sound.put(key, (proposal.chain_length, proposal.chain_head, now), replace=True)


def check_cost(proposal: Proposal) -> int:
    """How many entries check_chain would read for this proposal now: none for a chain this
    process found sound at its length and head within the minute, the entries since for
    one it found sound shorter, else the whole chain. Reads nothing."""
    known = _sound.get((str(db.session.get_bind().url), proposal.uid))
    length = proposal.chain_length or 0
    if known is None or time.monotonic() - known[2] >= WHOLE_AGAIN_SECONDS:
        return length
    if (known[0], known[1]) == (proposal.chain_length, proposal.chain_head):
        return 0
    return length - known[0] if 0 < known[0] < length else length


def forget_checked() -> None:
    """Drop the chains remembered as sound (tests)."""
    _sound.clear()


_sound = Kept(size=4096)


# What reading a row that is no entry raises (JSONDecodeError is a ValueError; a field of the
# wrong type or missing the others).
ROW_UNREADABLE = (ValueError, KeyError, TypeError, AttributeError)


def unreadable_row(seq: int) -> tuple[Failure, str]:
    """The damage of a row at `seq` that is not a readable entry (ROW_UNREADABLE)."""
    return (Failure("1.4", "数据库中的这条记录不是可读取的记录 / this row in the "
                    "database is not a readable entry", seq), _("第 %(n)s 条记录无法读取", n=seq))


def row_out_of_place(sealed: SealedEntry, digest: str, seq: int, kind: str, prev: str | None,
                     uid: str) -> tuple[Failure, str] | None:
    """The first of steps 4.3, 4.1, 4.2 and 4.5 a readable row fails, said of it; None for an
    entry as written in its place. `prev`: the recomputed digest of the row before (None
    when that one is missing or unreadable, already said)."""
    entry = sealed.entry
    if sealed.digest != digest:
        return (Failure("4.3", "digest 与记录内容不符 / digest does not match the entry's content",
                        seq), _("第 %(n)s 条记录的内容已被改动", n=seq))
    if entry["seq"] != seq or entry["kind"] != kind:
        return (Failure("4.1", f"记录序号为 {str(entry['seq'])[:20]}，应为 {seq} / sequence "
                        f"number {str(entry['seq'])[:20]} where {seq} was expected", seq),
                _("第 %(n)s 条记录不在原来的位置", n=seq))
    if prev is not None and entry["prev"] != prev:
        return (Failure("4.2", "prev 不是前一条记录重算的摘要 / prev is not the recomputed "
                        "digest of the entry before it", seq),
                _("第 %(n)s 条记录与前一条记录接不上", n=seq))
    if entry["proposal"] != uid:
        return (Failure("4.5", "记录属于另一事项 / entry belongs to another proposal", seq),
                _("第 %(n)s 条记录属于另一事项", n=seq))
    return None


def _missing(first: int, last: int) -> tuple[Failure, str]:
    span = str(first) if first == last else f"{first}–{last}"
    english = f"entry {span} is" if first == last else f"entries {span} are"
    return (Failure("4.1", f"数据库中缺少第 {span} 条记录 / {english} missing from the database",
                    first),
            _("缺少第 %(n)s 条记录", n=first) if first == last
            else _("缺少第 %(first)s–%(last)s 条记录", first=first, last=last))
