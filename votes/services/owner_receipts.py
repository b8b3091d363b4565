"""An owner's receipts: the receipt page of their own ballot, and what the board says of a
receipt typed into its look-up (counted, superseded, withdrawn, not found)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from votes.core.tally import Choice
from votes.extensions import db
from votes.i18n import _
from votes.models import Ballot, ChainEntry, Proposal
from votes.services.owner_pages import VoterView


@dataclass(frozen=True)
class ReceiptDetails:
    """One of the owner's own ballots, for their receipt page: what they chose, and the salt
    that lets them check, once the close reveals it, that their commitment opens to it."""

    ballot: Ballot
    choice: Choice
    salt: str | None


def receipt_details(proposal: Proposal, view: VoterView, digest: str
                    ) -> ReceiptDetails | None:
    """The owner's ballot with this receipt, unsealed for them alone (None if not theirs).

    Reads the ballots voter_view already loaded: the receipt page stays within its budget.
    After the close, where the page says the ballot is in the result, only of a chain still
    as written (records.check_chain: the chain no longer moves, so a process reads it once;
    tally.ResultUnshown otherwise). Not while voting is open: each cast moves the head, and
    the page every owner lands on after casting would read the whole chain each time (one
    statement past its budget, tests/test_owner_sql_budget.py, and the chain's every row);
    the page then says only that the ballot was recorded, and the board's lookup, which
    says "counted", checks the chain."""
    from votes.services.choices import unseal
    from votes.services.procedure.common import checked

    ballot = view.ballot_with(digest)
    if ballot is None:
        return None
    if proposal.state in ("closed", "published"):
        checked(proposal, _("不能确认您的选票是否计入表决结果"))
    choice, salt = unseal(ballot.choice_enc)
    return ReceiptDetails(ballot, choice, salt)


@dataclass(frozen=True)
class ReceiptLookup:
    code: str
    seq: int | None
    counted: bool = False
    superseded: bool = False
    ambiguous: bool = False  # two ballots share this short code: ask for the full receipt
    withdrawn_by: int | None = None  # the withdrawal entry that took this ballot back
    malformed: bool = False  # not a receipt code at all (a character short, a U, …)
    channel: str | None = None  # how it was cast (online, paper, proxy): never its choice
    cast_at: datetime | None = None
    # A superseded ballot: the entry that replaced it, and how — "transfer" (the new owner's
    # after a sale, §16), "correction" (a clerk's, §15) or "change" (a later ballot for the
    # same voter) — with its channel and time, the owner's way to tell whether it was them;
    # and the voter's entry that counts now (None: a withdrawal took it back).
    replaced_by: object = None  # the replacing Ballot
    replaced_how: str | None = None
    counts_now: int | None = None
    damaged: str | None = None  # the chain is damaged in the database: nothing is said of it


def latest_ballot(proposal: Proposal, voter_key: str) -> Ballot | None:
    return db.session.scalar(select(Ballot).where(
        Ballot.proposal_id == proposal.id, Ballot.voter_key == voter_key)
        .order_by(Ballot.revision.desc()).limit(1))


def _entries_for(proposal: Proposal, code: str) -> list[ChainEntry] | None:
    """The ballot entries the owner's typing may mean (None: not a receipt at all).

    Read as `votes verify --find-receipt` reads it (receipt_code.read_receipt). A
    10-character short code is compared in full (50 bits); a digest or a prefix of at least
    16 digits of it by its start."""
    from votes.core import receipt_code

    read = receipt_code.read_receipt(code)
    if read is None:
        return None
    kind, code = read
    query = select(ChainEntry).where(ChainEntry.proposal_id == proposal.id,
                                     ChainEntry.kind == "ballot")
    if kind == receipt_code.SHORT:
        candidates = db.session.scalars(query.where(
            ChainEntry.digest.startswith(receipt_code.hex_prefix(code))).limit(20))
        return [e for e in candidates if receipt_code.short_code(e.digest) == code]
    return list(db.session.scalars(query.where(ChainEntry.digest.startswith(code)).limit(2)))


def lookup_receipt(proposal: Proposal, code: str) -> ReceiptLookup:
    """What the board says of a receipt: counted, superseded, withdrawn, not found. Never of
    a chain damaged in the database (records.check_chain, remembered per process by length
    and head): neither "counted" nor "not found" (the owner's row may be the one deleted)."""
    from votes.services.procedure.common import checked
    from votes.services.tally import ResultUnshown

    try:
        checked(proposal, _("现在不能核验回执"))
    except ResultUnshown as unshown:
        return ReceiptLookup(code, None, damaged=unshown.message)
    entries = _entries_for(proposal, code)
    if entries is None:
        return ReceiptLookup(code, None, malformed=True)
    if not entries:
        return ReceiptLookup(code, None)
    if len(entries) > 1:
        # Never pick one of two: the wrong one would tell an owner their ballot counted.
        return ReceiptLookup(code, None, ambiguous=True)
    ballot = db.session.scalar(select(Ballot).where(Ballot.receipt == entries[0].digest))
    latest = latest_ballot(proposal, ballot.voter_key)
    if ballot.withdrawn_by is not None:  # taken back as entered for the wrong unit (§15)
        return ReceiptLookup(code, entries[0].seq, withdrawn_by=ballot.withdrawn_by)
    counted = latest.id == ballot.id
    if counted:
        return ReceiptLookup(code, entries[0].seq, True, channel=ballot.channel,
                             cast_at=ballot.cast_at)
    return _superseded(proposal, code, ballot, latest)


def _superseded(proposal: Proposal, code: str, ballot: Ballot, latest: Ballot) -> ReceiptLookup:
    """What replaced a ballot that no longer counts: the voter's next ballot."""
    from votes.models import Transfer

    following = db.session.scalar(select(Ballot).where(
        Ballot.proposal_id == proposal.id, Ballot.voter_key == ballot.voter_key,
        Ballot.revision == ballot.revision + 1))
    if db.session.scalar(select(Transfer.id).where(Transfer.proposal_id == proposal.id,
                                                   Transfer.seq == following.seq)):
        how = "transfer"
    elif following.corrects == ballot.seq:
        how = "correction"
    else:
        how = "change"
    return ReceiptLookup(code, ballot.seq, False, True, channel=ballot.channel,
                         cast_at=ballot.cast_at, replaced_by=following, replaced_how=how,
                         counts_now=latest.seq if latest.withdrawn_by is None else None)
