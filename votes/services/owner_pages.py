"""What the owner's pages and the public board show: the proposal, the voter's view of it,
what the vote costs their flats, and signing out (the ballot: online_ballot; receipts:
owner_receipts)."""

from __future__ import annotations

import functools
from datetime import datetime, timedelta
from dataclasses import dataclass

from sqlalchemy import and_, bindparam, func, select
from sqlalchemy.orm import joinedload

from votes.core.local_rules import Procedure
from votes.extensions import db
from votes.i18n import _
from votes.models import (Ballot, DeviceKey, FrozenUnit, FrozenVoter, Proposal,
                          ProposalDocument, Transfer, VoterAccess)
from votes.services import rows as reads
from votes.services.errors import NotFound
from votes.services.rows import Values
from votes.services.records import scope_totals
from votes.services.tx import unit_of_work


# The statements every owner page runs are built once, with bind parameters: SQLAlchemy
# keeps a statement's cache key on the statement object, so building the statement and
# its key again on each request (about 40% of a page's query CPU) is saved.
@functools.cache
def _proposal_by_uid():
    # The community, items and document names are on the owner's pages: one statement
    # (a handful of rows), not three more; the documents' contents stay in the database.
    return select(Proposal).where(Proposal.uid == bindparam("uid")).options(
        joinedload(Proposal.community), joinedload(Proposal.items),
        joinedload(Proposal.documents).defer(ProposalDocument.content))


def proposal_by_uid(uid: str) -> Proposal:
    from votes.services.lifecycle import refresh

    proposal = db.session.scalars(_proposal_by_uid(), {"uid": uid}).unique().first()
    if proposal is None:
        raise NotFound(_("没有这个表决事项"))
    return refresh(proposal)


def owner_proposal(uid: str):
    """The proposal for an owner's page: plain values read with one statement
    (votes/services/proposal_read.py), brought up to date with the clock. Where the clock
    moves it, refresh returns the ORM instance it moved."""
    from votes.services.lifecycle import refresh
    from votes.services.proposal_read import proposal_values

    proposal = proposal_values(uid)
    if proposal is None:
        raise NotFound(_("没有这个表决事项"))
    proposal = refresh(proposal)
    if proposal.state == "draft":  # never public, as on the board: no plan, no title
        raise NotFound(_("没有这个表决事项"))
    return proposal


@dataclass(frozen=True)
class VoterView:
    """What an owner's page shows of the voter. The units, the voter and the ballots are
    read-only values with the columns of FrozenUnit, FrozenVoter and Ballot (see
    voter_view), not ORM instances."""

    units: list[FrozenUnit]
    share: int
    balance: int | None
    covered: bool | None
    ballot: Ballot | None  # the latest, the one that counts; None when staff withdrew it
    receipts: tuple[str, ...] = ()  # every ballot's receipt, earliest first
    voter: FrozenVoter | None = None
    ballots: tuple[Ballot, ...] = ()  # every ballot, earliest first
    votes: bool = True  # False: holds only units the rules leave out of the vote (§16)
    transfer: Transfer | None = None  # the unit was sold during the vote (§16): the first one
    devices: tuple[str, ...] | None = None  # registered device keys; None: not read
    # The latest ballot even when withdrawn (docs/verification.md §15): the owner's next
    # ballot follows it (its revision), though it does not count.
    latest: Ballot | None = None

    def ballot_with(self, receipt: str) -> Ballot | None:
        """This voter's ballot with that receipt, if any."""
        return next((b for b in self.ballots if b.receipt == receipt), None)

    def sold_ballot(self, ballot: Ballot) -> bool:
        """A ballot entered for the buyer: never shown to whoever holds the seller's link."""
        return self.transfer is not None and ballot.seq >= self.transfer.seq

    @property
    def changes_used(self) -> int:
        """The owner's changes of mind so far; staff corrections and ballots staff withdrew
        as entered for the wrong unit (spec §15) are not theirs."""
        return max(0, sum(1 for b in self.ballots
                          if b.corrects is None and b.withdrawn_by is None) - 1)


def _voter_tables():
    units, voters, ballots = (FrozenUnit.__table__, FrozenVoter.__table__, Ballot.__table__)
    return units, voters, ballots, units.join(voters, and_(
        voters.c.proposal_id == units.c.proposal_id, voters.c.voter_key == units.c.voter_key))


def _voter_ballots(ballots, units):
    return and_(ballots.c.proposal_id == units.c.proposal_id,
                ballots.c.voter_key == units.c.voter_key)


@functools.cache
def _voter_view():
    units, voters, ballots, units_voters = _voter_tables()
    return select(*units.columns, *voters.columns, *ballots.columns).select_from(
        units_voters.outerjoin(ballots, _voter_ballots(ballots, units))).where(
        units.c.proposal_id == bindparam("proposal_id"),
        units.c.voter_key == bindparam("voter_key")).order_by(units.c.id, ballots.c.revision)


@functools.cache
def _proposal_and_voter(pending: bool = False, devices: bool = False):
    # The voter view's columns first (labelled: the proposal's own names must stay its
    # own), then the proposal's and its community's (proposal_read.with_community). Outer
    # joins: the proposal's row comes back for a voter with no unit in it too. `pending`:
    # the voter is the one of the session's pending access (by id, of this proposal), whose
    # columns come first of all. `devices`: the public key of each device key the voter
    # registered in this proposal comes first (the cast checks a signed ballot's key).
    from votes.services.proposal_read import with_community

    units, voters, ballots, units_voters = _voter_tables()
    proposals, accesses, keys = (Proposal.__table__, VoterAccess.__table__,
                                 DeviceKey.__table__)
    columns = [c.label(f"voter{i}__{c.name}")
               for i, c in enumerate((*units.columns, *voters.columns, *ballots.columns))]
    if pending:
        columns = [c.label(f"access__{c.name}") for c in accesses.columns] + columns
    if devices:
        columns = [keys.c.public_key.label("device__public_key")] + columns
    statement = with_community(*columns)
    voter_key = bindparam("voter_key")
    if pending:
        statement = statement.outerjoin(accesses, and_(accesses.c.id == bindparam("access_id"),
                                                       accesses.c.proposal_id == proposals.c.id))
        voter_key = accesses.c.voter_key
    statement = statement \
        .outerjoin(units_voters, and_(units.c.proposal_id == proposals.c.id,
                                      units.c.voter_key == voter_key)) \
        .outerjoin(ballots, _voter_ballots(ballots, units))
    if devices:  # a voter's keys times their units and ballots: still a handful of rows
        statement = statement.outerjoin(keys, and_(keys.c.proposal_id == units.c.proposal_id,
                                                   keys.c.voter_key == units.c.voter_key))
    return statement.where(proposals.c.uid == bindparam("uid")) \
        .order_by(units.c.id, ballots.c.revision)


def owner_proposal_and_view(uid: str, voter_key: str, devices: bool = False):
    """owner_proposal(uid) and the voter's VoterView, read with one statement; the view is
    None where the voter has no unit in this proposal (a session for another proposal: the
    page refuses it). With `devices` the view holds the voter's registered device keys."""
    proposal, _access, view = _proposal_with(False, {"uid": uid, "voter_key": voter_key},
                                             devices)
    return proposal, view


def pending_page(uid: str, access_id: int):
    """owner_proposal(uid), the session's pending access (None unless it is one of this
    proposal's) and its voter's VoterView (None without the access), in one statement:
    the second-factor page."""
    return _proposal_with(True, {"uid": uid, "access_id": access_id})


@functools.cache
def _access_names():
    return tuple(c.name for c in VoterAccess.__table__.columns)


def _proposal_with(pending: bool, params: dict, devices: bool = False):
    """Read _proposal_and_voter(pending, devices): (proposal, pending access or None, view
    or None)."""
    from votes.services.lifecycle import refresh
    from votes.services.proposal_read import proposal_from_row

    done, found = reads.fetch(_proposal_and_voter(pending, devices), params)
    if not found:
        raise NotFound(_("没有这个表决事项"))
    keys = 1 if devices else 0
    lead = keys + (len(_access_names()) if pending else 0)
    width = lead + sum(len(names) for names in _voter_view_names())
    proposal = refresh(proposal_from_row(done.names[width:], found[0][width:]))
    if proposal.state == "draft":  # never public (owner_proposal): as if it did not exist,
        raise NotFound(_("没有这个表决事项"))  # to an owner signed in for another vote too
    first = found[0]
    access = None
    if pending and first[keys + _access_names().index("id")] is not None:
        access = Values.of(_access_names(), first[keys:lead])
    if first[lead + _voter_view_names()[0].index("id")] is None:
        return proposal, access, None
    key = access.voter_key if pending else params["voter_key"]
    registered = tuple(dict.fromkeys(row[0] for row in found if row[0] is not None)) \
        if devices else None
    return proposal, access, _view_of(proposal, key, [row[lead:width] for row in found],
                                      registered)


@functools.cache
def _voter_view_names():
    return tuple(tuple(c.name for c in model.__table__.columns)
                 for model in (FrozenUnit, FrozenVoter, Ballot))


def voter_view(proposal: Proposal, voter_key: str) -> VoterView:
    """One query (votes.services.rows): the voter's units with their share, and their
    ballots (a voter has a unit or a few and at most a couple of ballots, so the join stays
    a handful of rows). The rows are plain read-only values (proposal_read.Values): the
    pages only show them, and the ORM's bookkeeping of each was most of this query's cost."""
    _done, rows = reads.fetch(_voter_view(), {"proposal_id": proposal.id,
                                              "voter_key": voter_key})
    return _view_of(proposal, voter_key, rows)


def _view_of(proposal, voter_key: str, rows, devices: tuple[str, ...] | None = None
             ) -> VoterView:
    unit_names, voter_names, ballot_names = _voter_view_names()
    first_voter, first_ballot = len(unit_names), len(unit_names) + len(voter_names)
    units_by_id: dict = {}
    ballots_by_id: dict = {}
    unit_id, ballot_id = unit_names.index("id"), first_ballot + ballot_names.index("id")
    for row in rows:
        if row[unit_id] not in units_by_id:  # each unit once, in roll order
            units_by_id[row[unit_id]] = Values.of(unit_names, row[:first_voter])
        if row[ballot_id] is not None and row[ballot_id] not in ballots_by_id:
            ballots_by_id[row[ballot_id]] = Values.of(ballot_names, row[first_ballot:])
    units = list(units_by_id.values())
    balances = [u.fund_balance for u in units]
    balance = None if any(b is None for b in balances) else sum(balances)
    covered = None if balance is None else all(u.fund_balance >= u.share for u in units)
    ballots = sorted(ballots_by_id.values(), key=lambda b: b.revision)
    voter = Values.of(voter_names, rows[0][first_voter:first_ballot])
    excluded = Procedure.from_rules(proposal.rules).excluded_kinds
    transfer = None
    if ballots and ballots[-1].channel != "online":
        # A transfer's ballot is staff-entered and nothing but another transfer follows it:
        # the online owner's pages never need this query.
        transfer = db.session.scalar(select(Transfer).where(
            Transfer.proposal_id == proposal.id, Transfer.voter_key == voter_key)
            .order_by(Transfer.seq).limit(1))
    latest = ballots[-1] if ballots else None
    counted = latest if latest is not None and latest.withdrawn_by is None else None
    return VoterView(units, voter.share, balance, covered, counted,
                     tuple(b.receipt for b in ballots), voter, tuple(ballots),
                     any(u.kind not in excluded for u in units), transfer, devices, latest)


@dataclass(frozen=True)
class FlatDebit:
    """One of the owner's flats after the settlement (§18): the share of the budget they
    were shown when voting, and what the settlement took from its maintenance-fund account
    (`debit`, a FundDebit; None where the settlement holds no row for the flat)."""

    unit: FrozenUnit
    estimate: int  # fen: the flat's share of the budget, as frozen when voting opened
    debit: object | None

    @property
    def known(self) -> bool:
        """Whether the money records know what was taken: not where the flat's balance was
        never given (nothing could be taken, and no one can say what the account holds)."""
        return self.debit is not None and self.debit.balance_before is not None


def flat_debits(proposal, view: VoterView) -> list[FlatDebit] | None:
    """The settlement's debits of the voter's own flats (view.units), or None before the
    works are settled. Read by the flats' keys: never another flat's row."""
    from votes.models import FundDebit

    keys = [u.unit_key for u in view.units]
    if not keys or proposal.state not in ("closed", "published", "emergency"):
        return None
    found = {d.unit_key: d for d in db.session.scalars(select(FundDebit).where(
        FundDebit.proposal_id == proposal.id, FundDebit.unit_key.in_(keys)))}
    if not found:  # a settlement debits every flat of the frozen roll at once, or none
        return None
    return [FlatDebit(u, u.share, found.get(u.unit_key)) for u in view.units]


@dataclass(frozen=True)
class EmergencyAccount:
    """An emergency use (§18.6) as one owner sees it: what was decided without them, and
    what it takes from their own flats. Amounts in fen, areas in centi-m²."""

    facts: dict  # the emergency entry's body with its labels (emergency_facts)
    flats: list[FlatDebit]  # the voter's flats: the estimate, and the debit once settled
    settled: bool
    budget: int
    final_cost: int | None  # the settlement's, None before it
    total_area: int  # the scope's frozen area, over which every share is apportioned


def emergency_account(proposal, view: VoterView) -> EmergencyAccount:
    """The owner's page of an emergency use. The settled final cost is the sum of the
    settlement's shares (they add up to it exactly, §18.2): a total, no other flat's row."""
    from votes.models import FundDebit
    from votes.services.money.emergency import emergency_facts

    debits = flat_debits(proposal, view)
    final_cost = None
    if debits is not None:
        # int(): PostgreSQL sums integers as numeric (a Decimal).
        final_cost = int(db.session.scalar(select(func.sum(FundDebit.share)).where(
            FundDebit.proposal_id == proposal.id)) or 0)
    _units, total_area = scope_totals(proposal)
    flats = debits if debits is not None else [FlatDebit(u, u.share, None) for u in view.units]
    return EmergencyAccount(emergency_facts(proposal), flats, debits is not None,
                            proposal.budget, final_cost, total_area)


@functools.cache
def _signed_out_at():
    voters = FrozenVoter.__table__
    return select(voters.c.signed_out_at).where(
        voters.c.proposal_id == bindparam("proposal_id"),
        voters.c.voter_key == bindparam("voter_key"))


def signed_out_at(proposal_id: int, voter_key: str) -> datetime | None:
    """When an owner of the voter last signed out (None: never, or no such voter): for the
    owner pages that do not read the voter with their proposal."""
    _done, found = reads.fetch(_signed_out_at(), {"proposal_id": proposal_id,
                                                   "voter_key": voter_key})
    return found[0][0] if found else None


# How far hosts' clocks may differ: a session another host signed in just before the
# sign-out, its clock ahead of this one's, carries a later time than this host's now.
SIGN_OUT_SKEW = timedelta(minutes=1)


def sign_out(proposal_id: int, voter_key: str, signed_in: datetime, now: datetime) -> None:
    """Record that an owner of the voter signed out: every session of the voter signed in at
    or before this time is refused from now on (votes/web/login.py), the one signing out too
    even where this host's clock is behind the one that signed it in (`signed_in`), and
    those another host signed in up to SIGN_OUT_SKEW ahead of this one. A sign-in after it
    is dated after it (login.sign_in_time), so the margin refuses no later sign-in."""
    from sqlalchemy import or_, update

    until = max(now + SIGN_OUT_SKEW, signed_in)
    voters = FrozenVoter.__table__
    # Only from a session still signed in: a cookie signed out since (a copy kept on a shared
    # phone) would otherwise, with no second factor, end each new sign-in of the household
    # as often as it was sent. The sign-out is never moved back (until >= signed_in).
    with unit_of_work() as session:
        session.execute(update(voters).where(
            voters.c.proposal_id == proposal_id, voters.c.voter_key == voter_key,
            or_(voters.c.signed_out_at.is_(None), voters.c.signed_out_at < signed_in))
            .values(signed_out_at=until))
