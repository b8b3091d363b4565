"""What staff-entered ballots (paper, proxy, a buyer's after a sale, a correction) are
checked against under the proposal's lock, where an entry another clerk appended a moment
ago is seen and none can be appended meanwhile, and how they are recorded in the audit log.
An owner's online ballot carries none of their documents and is not logged."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from votes.i18n import _
from votes.models import Ballot, Proposal, ProxyRecord, Transfer
from votes.services import audit, ballot_forms, buyers, choices, privacy, proxies, scan_roles
from votes.services.ballot_prepare import Prepared, WithdrawnNotCorrected
from votes.services.errors import DomainError
from votes.services.proxies import canonical_id

if TYPE_CHECKING:
    from votes.services.ballots import BallotRequest


def buyers_on_roll(session: Session, proposal: Proposal,
                   prepared: list[Prepared]) -> dict[int, set[str]]:
    """By position in `prepared`: the frozen roll's owners each buyer is, however the roll
    spells their ID. One decryption per voter, so read before the lock (the frozen roll
    does not change)."""
    return {i: buyers.sole_owner_voters(session, proposal, p.req.transfer.buyer_id)
            for i, p in enumerate(prepared) if p.req.transfer is not None}


def refuse_under_lock(session: Session, proposal: Proposal, prepared: list[Prepared],
                      roll_owners: dict[int, set[str]]) -> None:
    """Holding the proposal's lock: refuse the batch if any of its ballots corrects one
    withdrawn meanwhile, repeats a transfer, or would share a document with a ballot of
    the vote or of the batch. `roll_owners`: buyers_on_roll."""
    _refuse_corrections_of_withdrawn(session, proposal, prepared)
    _refuse_repeated_transfers(session, proposal, prepared)
    # No concurrent entry can slip a proxy past the limit.
    proxies.check_limit(session, proposal, [
        (p.body["proxy"]["holder"], p.req.voter_key, p.req.proxy.id_number)
        for p in prepared if p.req.proxy is not None])
    # Nor one written authorisation stand behind two proxies' ballots.
    proxies.check_letters(session, proposal, [
        (p.body["proxy"]["authorisation"], p.body["proxy"]["holder"])
        for p in prepared if p.req.proxy is not None])
    # Nor one scan be two of a ballot's form, a written authorisation and a deed.
    scan_roles.check_documents(session, proposal, [
        (p.req.voter_key, p.body["evidence"], p.req.evidence and p.req.evidence[0],
         p.req.proxy and p.body["proxy"]["authorisation"], p.body.get("transfer"))
        for p in prepared])
    # Nor two clerks attach one signed form to two voters' ballots, nor enter two
    # sales to one buyer: each sees what the other appended.
    ballot_forms.refuse_shared(session, proposal, [
        (p.req.voter_key, p.body["evidence"], p.req.evidence[0],
         p.req.transfer is not None)
        for p in prepared if p.body["evidence"] is not None])
    for i, p in enumerate(prepared):
        if p.req.transfer is not None:
            buyers.refuse_counted_twice(session, proposal, p.req.voter_key,
                                        p.req.transfer.buyer_id, roll_owners[i])


def record(session: Session, actor: str, proposal: Proposal, prepared: list[Prepared],
           accepted: list[Ballot]) -> None:
    """The audit log's entry of the staff member who entered the accepted ballots."""
    requests = [p.req for p in prepared]
    session.flush()
    audit.record(session, actor, _audit_action(requests),
                 community_id=proposal.community_id, target=str(proposal.id),
                 details={**_audit_details(requests, accepted),
                          **_procedure_details(prepared, accepted)})


def _refuse_corrections_of_withdrawn(session: Session, proposal: Proposal,
                                     prepared: list[Prepared]) -> None:
    """Under the lock: a withdrawal appended since the correction was prepared wins (the
    ballot it names is no longer there to correct)."""
    named = [p.req.correction[0] for p in prepared if p.req.correction is not None]
    if not named:
        return
    withdrawn = session.scalar(select(Ballot).where(
        Ballot.proposal_id == proposal.id, Ballot.seq.in_(named),
        Ballot.withdrawn_by.is_not(None)).execution_options(populate_existing=True).limit(1))
    if withdrawn is not None:
        raise WithdrawnNotCorrected(withdrawn)


def _refuse_repeated_transfers(session: Session, proposal: Proposal,
                               prepared: list[Prepared]) -> None:
    """Under the lock: a transfer whose voter's current ballot is this very entry (the
    transfer form sent again: a double click, the back button) is refused. Re-entering the
    buyer's ballot is how an entry is put right (corrections.py), so it was taken as one,
    the chain holding the same ballot twice. Read before the lock, two sends at once both
    found no such ballot, and the second lost only on the ballot's revision."""
    for p in prepared:
        if p.req.transfer is None:
            continue
        current = session.scalar(select(Ballot).where(
            Ballot.proposal_id == proposal.id, Ballot.voter_key == p.req.voter_key)
            .order_by(Ballot.revision.desc()).limit(1)
            .execution_options(populate_existing=True))
        if current is not None and _same_transfer(session, proposal, p, current):
            raise DomainError(_("这位新业主的这张表决票已按相同意见录入（第 %(seq)s 条记录），"
                                "未再次录入", seq=current.seq))


def _same_transfer(session: Session, proposal: Proposal, prepared: Prepared,
                   current: Ballot) -> bool:
    """Whether the voter's current ballot is this buyer's, on this form, with this choice,
    channel and proxy: the transfer entered already. Anything else differing is the clerk
    putting the entry right."""
    req, body = prepared.req, prepared.body
    if current.withdrawn_by is not None or current.channel != req.channel or \
            body["evidence"] is None or current.evidence != body["evidence"]:
        return False
    sale = session.scalar(select(Transfer).where(Transfer.proposal_id == proposal.id,
                                                 Transfer.seq == current.seq))
    if sale is None or sale.evidence != body["transfer"] or \
            privacy.decrypt(sale.buyer_name_enc) != req.transfer.buyer_name or \
            canonical_id(privacy.decrypt(sale.buyer_id_enc)) != \
            canonical_id(req.transfer.buyer_id) or \
            choices.unseal(current.choice_enc)[0] != req.choice:
        return False
    if req.proxy is None:
        return True
    held = session.scalar(select(ProxyRecord).where(ProxyRecord.proposal_id == proposal.id,
                                                    ProxyRecord.seq == current.seq))
    return held is not None and held.holder == body["proxy"]["holder"] and \
        held.authorisation == body["proxy"]["authorisation"] and \
        held.company_staff == req.proxy.company_staff and \
        privacy.decrypt(held.name_enc) == req.proxy.name


def _procedure_details(prepared: list[Prepared], accepted: list[Ballot]) -> dict:
    """For the audit log: which entries are proxy ballots, and which are transfers (with
    the seller's ballot each supersedes)."""
    details: dict = {}
    proxy = [b.seq for p, b in zip(prepared, accepted) if p.req.proxy is not None]
    transfers = [{"entry": b.seq, "supersedes": p.superseded}
                 for p, b in zip(prepared, accepted) if p.req.transfer is not None]
    if proxy:
        details["proxy_entries"] = proxy
    if transfers:
        details["transfers"] = transfers
    return details


def _audit_action(requests: list[BallotRequest]) -> str:
    return "ballots.correct" if any(r.correction for r in requests) else "ballots.enter"


def _audit_details(requests: list[BallotRequest], accepted: list[Ballot]) -> dict:
    details: dict = {"entries": [b.seq for b in accepted]}
    fixes = [{"entry": b.seq, "corrects": r.correction[0], "reason": r.correction[1]}
             for r, b in zip(requests, accepted) if r.correction]
    if fixes:
        details["corrections"] = fixes
    return details
