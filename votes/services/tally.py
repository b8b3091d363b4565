"""Turnout while voting is open; the tally, from the revealed choices, at the close."""

from __future__ import annotations


from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from votes.core import commitment, local_rules
from votes.core.bulk_gc import paused_gc
from votes.core.chain import SealedEntry
from votes.core.commitment import Opening
from votes.core.counting import Electorate, electorate_from_frozen
from votes.core.local_rules import Procedure
from votes.i18n import _
from votes.core.roll import AreaBasis, UnitRecord
from votes.core.rules import Rules
from votes.core.tally import Tally, Turnout, compute_tally, compute_turnout
from votes.models import Ballot, FrozenUnit, Proposal
from votes.services import choices
from votes.services.errors import DomainError
from votes.services.kept import Kept


def frozen_electorate(session: Session, proposal: Proposal) -> Electorate:
    # Plain rows, not ORM objects: an electorate can have 100,000 units.
    t = FrozenUnit.__table__.c
    rows = session.execute(
        select(t.unit_uid, t.building, t.entrance, t.room, t.area, t.area_basis,
               t.fund_balance, t.voter_key, t.kind).where(t.proposal_id == proposal.id)).all()
    bases = {b.value: b for b in AreaBasis}
    none: frozenset[str] = frozenset()
    records = [UnitRecord(unit_id=uid, building=building, entrance=entrance, room=room,
                          area=area, area_basis=bases[basis], owner_keys=none,
                          fund_balance=balance, kind=kind)
               for uid, building, entrance, room, area, basis, balance, _, kind in rows]
    return electorate_from_frozen(records, {r[0]: r[7] for r in rows})


def counting_electorate(session: Session, proposal: Proposal) -> Electorate:
    """The frozen electorate the thresholds are judged on (kinds the rules leave out, out).

    Kept per process once the roll is frozen: the public board shows the turnout on every
    view (each owner's receipt links to it), and building the electorate from its rows,
    sorted flat by flat, cost about 25 µs a unit: a second of CPU a view for an electorate
    of tens of thousands of units, with hundreds of views a minute at a peak. Frozen units
    never change after the freeze (a draft frozen again gets another frozen_at)."""
    excluded = tuple(sorted(Procedure.from_rules(proposal.rules).excluded_kinds))
    key = None
    if proposal.state in _FROZEN and proposal.frozen_at is not None:
        # The uid, not the id: 64 random bits, never the same for two proposals even where
        # a database is restored or made anew and hands out ids again.
        key = (str(session.get_bind().url), proposal.uid, proposal.frozen_at, excluded)
        found = _electorates.get(key)
        if found is not None:
            return found
    built = local_rules.counting_electorate(frozen_electorate(session, proposal), excluded)
    if key is not None:
        _electorates.put(key, built, len(built.units))
    return built


_FROZEN = ("publicity", "voting", "closed", "published")


# An electorate of 20,000 units holds about 10 MB: kept by units, 200,000 in all.
_electorates = Kept(size=200_000)


def _counted(proposal: Proposal | int, *columns):
    """Each voter's ballot with the highest revision: the one that counts — unless a
    withdrawal took it back (docs/verification.md §15): then the voter has none, and the
    ballots it superseded stay superseded."""
    proposal_id = proposal if isinstance(proposal, int) else proposal.id
    # Ranked in one pass over the proposal's ballots, not joined: a join's plan depends on
    # statistics, and right after many ballots are entered (before autovacuum's ANALYZE)
    # PostgreSQL took the ballots for one row and compared every ballot with every
    # voter's latest in a nested loop (a close of 100,000 ballots ran for over 16 minutes;
    # "no later revision exists" went the same way). A sort and a window have no such plan.
    ranked = select(Ballot, func.row_number().over(
        partition_by=Ballot.voter_key, order_by=Ballot.revision.desc()).label("rank")) \
        .where(Ballot.proposal_id == proposal_id).subquery()
    latest = aliased(Ballot, ranked)
    wanted = [latest if c is Ballot else getattr(latest, c.key) for c in columns]
    return (select(*wanted).where(ranked.c.rank == 1, latest.withdrawn_by.is_(None))
            .order_by(latest.seq))


def counted_ballots(session: Session, proposal: Proposal) -> list[Ballot]:
    """Each voter's counted ballot (see _counted)."""
    return list(session.scalars(_counted(proposal, Ballot)))


def voted_voters(session: Session, proposal: Proposal | int) -> set[str]:
    """The voters with a counted ballot: those who take part. A voter whose only ballot
    was withdrawn (entered for the wrong unit) has not voted."""
    return set(session.scalars(_counted(proposal, Ballot.voter_key)))


def current_turnout(session: Session, proposal: Proposal) -> Turnout:
    """Who has voted, against the quorum; reads no choice."""
    return compute_turnout(counting_electorate(session, proposal),
                           voted_voters(session, proposal), Rules.from_dict(proposal.rules))


def closing_tally(session: Session, proposal: Proposal
                  ) -> tuple[Tally, list[int], list[Opening]]:
    """At the close: unseal each counted ballot, check that it opens the commitment its
    chain entry carries, and count. A sealed choice that does not open (the database was
    altered) stops the close rather than publish a tally the bundle would contradict."""
    with paused_gc():  # 100,000 ballots, lines and units
        return _closing_tally(session, proposal)


def _closing_tally(session: Session, proposal: Proposal
                   ) -> tuple[Tally, list[int], list[Opening]]:
    # Rows, not ORM objects: only these three columns are needed.
    ballots = session.execute(_counted(proposal, Ballot.seq, Ballot.voter_key,
                                       Ballot.choice_enc)).all()
    bodies = {sealed.entry["seq"]: sealed.entry["body"] for sealed in _sound_chain(proposal)
              if sealed.entry["kind"] == "ballot"}
    openings, voted = [], {}
    unseal = choices.unsealer()
    for b in ballots:
        choice, salt = unseal(b.choice_enc)
        body = bodies.get(b.seq, {})  # a ballot row at an entry of another kind: not opened
        if salt is None or not commitment.opens(body.get("commitment", ""), proposal.uid,
                                                b.voter_key, choice.value, salt):
            raise DomainError(_("第 %(seq)s 条记录的加密意见与记录链上的承诺不符，不能结束表决",
                                seq=b.seq))
        openings.append(Opening(b.seq, choice.value, salt))
        voted[b.voter_key] = choice
    tally = compute_tally(counting_electorate(session, proposal), voted,
                          Rules.from_dict(proposal.rules))
    return tally, sorted(b.seq for b in ballots), openings


def _sound_chain(proposal: Proposal) -> list[SealedEntry]:
    """The whole chain, each entry checked (records.chain_entries), read in the close's own
    transaction under the proposal's lock: not the per-process memory of a chain found
    sound (records.check_chain), for a close is sealed once and for good. The ballots'
    lines the tally opens are read from it: the check costs no second read of them."""
    from votes.services.records import ChainDamaged, chain_entries

    try:
        return chain_entries(proposal)
    except ChainDamaged as damaged:
        raise CloseRefused(damaged) from damaged


def final_tally(session: Session, proposal: Proposal) -> Tally:
    """The tally the close entry published (for a closed vote): the entry as
    procedure.common.close_entry keeps it, read once per process."""
    from votes.services.procedure.common import close_entry

    # close_entry refuses (ResultUnshown) a chain no longer as written: the close's tally is
    # the result only of a chain as it was written.
    close = close_entry(proposal)
    if close is None:  # only a database altered behind the app's back: it writes one at close
        raise CloseMissing()
    return Tally.from_dict(close.entry["body"]["tally"])


class ResultUnshown(DomainError):
    """The chain is damaged in the database (records.ChainDamaged): no result is shown.

    The words end with whom to tell, for the reader (records.whom_to_tell): an owner is
    asked to tell the committee and the maintenance-fund office, the committee to call the
    office and the system administrator, the regulator pointed to its verification. `what`
    says what cannot be shown (the result, the owner's ballot, the objections …)."""

    def __init__(self, damaged, audience: str = "owners", what: str | None = None):
        from votes.services.records import damage_words

        super().__init__(damage_words(damaged.problems, what or _("不能显示表决结果"),
                                      audience))
        self.damaged, self.what = damaged, what

    def words(self, audience: str) -> str:
        """The same refusal in the words for another reader."""
        return ResultUnshown(self.damaged, audience, self.what).message


class CloseMissing(DomainError):
    """The close entry is not in the database (a closed vote always has one): no result."""

    def __init__(self, audience: str = "owners"):
        from votes.services.records import whom_to_tell

        super().__init__(_("数据库中本事项的表决结束记录缺失，表决记录已被改动或损坏，不能显示表决结果。")
                         + whom_to_tell(audience))

    def words(self, audience: str) -> str:
        return CloseMissing(audience).message


class CloseRefused(ResultUnshown):
    """The chain is damaged in the database (records.ChainDamaged): the vote is not closed.
    A close entry seals a tally onto the chain it follows; over a chain no bundle can be
    made of, it would seal a result no one can verify. Nothing is appended, the proposal
    stays as it is, and each reader is told why in its words (ResultUnshown's)."""

    def __init__(self, damaged, audience: str = "owners", what: str | None = None):
        super().__init__(damaged, audience, what or _("不能结束表决，也不能计票"))
