"""One ballot made ready before the proposal's lock is taken (votes.services.ballots.
cast_ballots appends it under the lock): whether the voter may still cast it (a sale, the
owner's own online ballot, the changes the rules allow, a form entered again), its files
stored, its chain entry's body and sealed choice. A concurrent ballot for the same voter
makes the revision collide, which the database refuses, so reading the previous ballot
before the lock is safe."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from votes.core import chain, commitment
from votes.core.correction import correcting
from votes.core.local_rules import Procedure
from votes.i18n import _
from votes.models import Ballot, Evidence, Proposal, Transfer
from votes.services import ballot_forms, choices, device_check, proxies
from votes.services.bulk import insert_or_nothing
from votes.services.errors import DomainError
from votes.services.plain_text import file_label

if TYPE_CHECKING:
    from votes.services.ballots import BallotRequest


class AlreadyVoted(DomainError):
    def __init__(self, ballot: Ballot, max_changes: int, staff: bool = False):
        if max_changes and staff:  # a clerk entering a paper/proxy ballot is not the owner
            text = _("该业主已修改过一次表决意见，不能再次修改")
        elif max_changes:
            text = _("您已修改过一次表决意见，不能再次修改")
        else:
            text = _("该业主已经表决，首次提交的表决为最终结果")
        super().__init__(text)
        self.ballot = ballot


class StaffOverride(DomainError):
    """A paper or proxy ballot for a voter who voted online: the owner's own ballot wins."""

    def __init__(self, ballot: Ballot):
        super().__init__(
            _("该业主已于网上亲自表决（第 %(seq)s 条记录），纸质或委托选票不能取代业主本人的"
              "网上表决", seq=ballot.seq))
        self.ballot = ballot


class Transferred(DomainError):
    """A ballot for a voter whose unit was sold during the vote, other than a transfer."""

    def __init__(self):
        super().__init__(_("该房屋已在表决期间过户，新业主的表决已录入；原业主不能再表决，"
                           "新业主如需再次过户须重新提交过户证明"))


class WithdrawnNotCorrected(DomainError):
    """A correction of a ballot staff withdrew: it would put the wrong entry back into the
    count (docs/verification.md 15.3). The voter votes again instead."""

    def __init__(self, ballot: Ballot):
        super().__init__(_("第 %(n)d 条记录已被撤回（第 %(m)d 条记录），不能再更正；如该业主本人"
                           "表决，请按新选票录入", n=ballot.seq, m=ballot.withdrawn_by))


@dataclass
class Prepared:
    """A ballot ready to be sealed onto the chain under the lock."""

    req: BallotRequest
    revision: int
    body: dict
    commitment: str
    choice_enc: bytes
    superseded: int | None = None  # the seller's ballot a transfer supersedes


def keep(session: Session, proposal: Proposal, file: tuple[str, bytes]) -> str:
    """Store an evidence file once per proposal; its SHA-256 hex digest."""
    name, content = file
    name = file_label(name)
    digest = ballot_forms.digest(content)
    known = session.scalar(select(Evidence.id).where(
        Evidence.proposal_id == proposal.id, Evidence.sha256 == digest))
    if known is None:
        # Two clerks may store one scan at once (one proxy letter for several principals):
        # the second stores nothing, where a plain INSERT lost that clerk's ballot.
        session.execute(insert_or_nothing(session, Evidence).values(
            proposal_id=proposal.id, sha256=digest, name=name, content=content)
            .on_conflict_do_nothing(index_elements=["proposal_id", "sha256"]))
    return digest


def keep_all(session: Session, proposal: Proposal, requests: list[BallotRequest]) -> None:
    """Store every file of a batch, each once, in the order of their digests, before any is
    stored one by one as its ballot is prepared (which then finds it). Stored in the file's
    row order, two clerks whose files share scans in another order (the written
    authorisations of two proxy holders, each for several owners) each held the row of one
    and waited for the other's, and PostgreSQL failed one file as a deadlock; in one order,
    the second waits for the first and then stores nothing."""
    files: dict[str, tuple[str, bytes]] = {}
    for req in requests:
        for file in (req.evidence, req.proxy and req.proxy.authorisation,
                     req.transfer and req.transfer.evidence):
            if file is not None:
                files.setdefault(ballot_forms.digest(file[1]), file)
    if len(files) > 1:
        for digest in sorted(files):
            keep(session, proposal, files[digest])


def forms_held(session: Session, proposal: Proposal, requests: list[BallotRequest],
               latest: dict[str, Ballot]) -> dict[str, list[Ballot]]:
    """The ballots holding the forms `prepare` looks for among their voters' own (`latest`:
    each voter's latest ballot), read for the whole batch at once: a file of 1,000 changes
    of ballot was 1,000 statements."""
    return ballot_forms.holders(session, proposal, [
        ballot_forms.digest(req.evidence[1]) for req in requests
        if _may_be_entered_again(req, latest.get(req.voter_key))])


def _may_be_entered_again(req: BallotRequest, previous: Ballot | None) -> bool:
    """Whether the request's form could be one of its voter's ballots' already: a staff
    ballot after their first, neither a transfer (the buyer's form) nor a correction."""
    return previous is not None and req.transfer is None and req.correction is None \
        and req.evidence is not None


def prepare(session: Session, proposal: Proposal, req: BallotRequest, units: list[str],
            previous: Ballot | None, held: dict[str, list[Ballot]]) -> Prepared:
    """Everything about one ballot that needs no lock: its revision and its entry body
    (the module says why reading `previous` before the lock is safe). `held`: the batch's
    forms_held."""
    transfer = req.transfer
    if transfer is None and previous is not None:
        # A transfer supersedes even an owner's online ballot (§16): the seller is no longer
        # the owner. Only the voter's first ballot needs no look-up (the online fast path).
        if session.scalar(select(Transfer.id).where(Transfer.proposal_id == proposal.id,
                                                    Transfer.voter_key == req.voter_key)):
            raise Transferred()
        if previous.channel == "online" and req.channel != "online":
            raise StaffOverride(previous)
    if req.correction is not None and (previous is None or previous.seq != req.correction[0]):
        # Another ballot for the voter landed after the caller looked (§15.3): it, not the
        # one named, is what a correction would have to replace.
        raise DomainError(_("第 %(n)d 条记录已被第 %(m)d 条取代，只能更正该业主当前有效的选票",
                            n=req.correction[0], m=previous.seq if previous else 0))
    if req.correction is not None and previous.withdrawn_by is not None:
        raise WithdrawnNotCorrected(previous)
    if req.device is not None and previous is not None:  # a first ballot has no nonce before it
        device_check.refuse_nonce_used_before(session, proposal, req.voter_key,
                                              req.device["nonce"])
    revision = 0 if previous is None else previous.revision + 1
    # Neither a transfer (§16), a staff correction (§15) nor a ballot staff withdrew (§15,
    # entered for the wrong unit) is one of the owner's changes.
    if revision > proposal.max_changes and transfer is None and req.correction is None and \
            revision - not_changes_of(session, proposal, req.voter_key) > proposal.max_changes:
        raise AlreadyVoted(previous, proposal.max_changes, staff=req.channel != "online")
    if _may_be_entered_again(req, previous):
        # A form of the voter's entered again (a double click, a file imported twice, the
        # form a correction replaced) was taken, where a change is allowed, as the owner's
        # change: one they never signed, and their own was then refused. Any of their
        # ballots not withdrawn holds it, not only the current one. A correction keeps it.
        again = ballot_forms.entered_again(held, req.evidence[0],
                                           ballot_forms.digest(req.evidence[1]), previous)
        if again:
            raise DomainError(again)
    if (req.proxy is not None) != (req.channel == "proxy"):
        raise DomainError(_("委托表决须附受托人信息和书面授权委托书"))
    if proxies.letter_is_form(req.proxy, req.evidence):
        raise DomainError(proxies.letter_is_form_message())
    if transfer is not None and req.channel == "online":
        raise DomainError(_("过户后的表决须由工作人员录入"))
    evidence_digest = None if req.evidence is None else keep(session, proposal, req.evidence)
    proxy = None
    if req.proxy is not None:
        if req.proxy.company_staff and Procedure.from_rules(proposal.rules).proxy_staff_barred:
            raise DomainError(proxies.staff_barred_message())
        proxy = {"holder": proxies.holder_key(proposal.uid, req.proxy.id_number),
                 "authorisation": keep(session, proposal, req.proxy.authorisation),
                 "company_staff": req.proxy.company_staff}
    salt = req.salt or choices.new_salt()
    committed = commitment.commit(proposal.uid, req.voter_key, req.choice.value, salt)
    body = chain.ballot_body(
        voter=req.voter_key, units=units, commitment=committed, channel=req.channel,
        device=req.device, entered_by=req.entered_by, evidence=evidence_digest, proxy=proxy,
        transfer=None if transfer is None else keep(session, proposal, transfer.evidence))
    if req.correction is not None:
        body = correcting(body, *req.correction)
    # Salt, commitment and the encrypted (choice, salt) need no lock either: the lock
    # covers only the clock, the signature and the writes.
    return Prepared(req, revision, body, committed, choices.seal(req.choice, salt),
                     None if transfer is None or previous is None else previous.seq)


def not_changes_of(session: Session, proposal: Proposal, voter_key: str) -> int:
    """How many of the voter's ballots are not the owner's changes of mind: staff
    corrections, and ballots a withdrawal took back (with the entries their corrections
    replaced: one wrong staff entry), as 6.7 counts (docs/verification.md §15)."""
    return session.scalar(select(func.count()).select_from(Ballot).where(
        Ballot.proposal_id == proposal.id, Ballot.voter_key == voter_key,
        Ballot.corrects.is_not(None) | Ballot.withdrawn_by.is_not(None)))
