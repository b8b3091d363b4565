"""Accepting ballots: each one a signed entry on the proposal's chain."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from votes.core import chain, commitment
from votes.core.correction import correcting
from votes.core.local_rules import Procedure
from votes.core.tally import Choice
from votes.i18n import _
from votes.models import Ballot, Evidence, FrozenUnit, Proposal, ProxyRecord, Transfer
from votes.services import (append_queue, audit, ballot_forms, buyers, choices, clock,
                            device_check, keys, pg_append, privacy, proxies, scan_roles)
from votes.services.bulk import insert_or_nothing
from votes.services.chain_store import Appender, lock_proposal
from votes.services.proxies import ProxyRequest, canonical_id
from votes.services.errors import DomainError
from votes.services.lifecycle import _advance
from votes.services.plain_text import file_label
from votes.services.tx import unit_of_work

CHANNELS = ("online", "paper", "proxy")
CHANNEL_ZH = {"online": "网络", "paper": "纸质", "proxy": "委托"}


@dataclass(frozen=True)
class TransferRequest:
    """The unit was sold during the vote: the buyer (personal data, kept encrypted) votes
    in the seller's place, on the evidence of the transfer (file name, content)."""

    buyer_name: str
    buyer_id: str
    evidence: tuple[str, bytes]


@dataclass(frozen=True)
class BallotRequest:
    voter_key: str
    choice: Choice
    channel: str
    device: dict | None = None
    entered_by: str | None = None
    evidence: tuple[str, bytes] | None = None  # (file name, content)
    salt: str | None = None  # the commitment's salt; the owner's browser picks it if it can
    # Staff correcting a paper/proxy ballot (votes.services.corrections): (seq, reason).
    correction: tuple[int, str] | None = None
    proxy: ProxyRequest | None = None  # channel "proxy": who holds it, the authorisation
    transfer: TransferRequest | None = None  # a new owner's ballot in the seller's place


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


def voting_problem(proposal: Proposal, now: datetime) -> str | None:
    """Why no ballot can be accepted now, or None."""
    if proposal.state in ("draft", "publicity") or now < proposal.voting_start:
        return _("表决尚未开始")
    if proposal.state != "voting" or now >= proposal.voting_end:
        return _("表决已结束")
    return None


class StaffOverride(DomainError):
    """A paper or proxy ballot for a voter who voted online: the owner's own ballot wins."""

    def __init__(self, ballot: Ballot):
        super().__init__(
            _("该业主已于网上亲自表决（第 %(seq)s 条记录），纸质或委托选票不能取代业主本人的"
              "网上表决", seq=ballot.seq))
        self.ballot = ballot


def latest_ballots(session: Session, proposal: Proposal,
                   voter_keys: list[str]) -> dict[str, Ballot]:
    """Each of these voters' latest ballot, in one query."""
    query = select(Ballot).where(Ballot.proposal_id == proposal.id)
    if len(voter_keys) <= 500:
        query = query.where(Ballot.voter_key.in_(voter_keys))
    latest: dict[str, Ballot] = {}
    for ballot in session.scalars(query):
        if ballot.revision >= getattr(latest.get(ballot.voter_key), "revision", -1):
            latest[ballot.voter_key] = ballot
    return latest


@dataclass
class _Prepared:
    req: BallotRequest
    revision: int
    body: dict
    commitment: str
    choice_enc: bytes
    superseded: int | None = None  # the seller's ballot a transfer supersedes


def _keep(session: Session, proposal: Proposal, file: tuple[str, bytes]) -> str:
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


def _keep_all(session: Session, proposal: Proposal, requests: list[BallotRequest]) -> None:
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
            _keep(session, proposal, files[digest])


class WithdrawnNotCorrected(DomainError):
    """A correction of a ballot staff withdrew: it would put the wrong entry back into the
    count (docs/verification.md 15.3). The voter votes again instead."""

    def __init__(self, ballot: Ballot):
        super().__init__(_("第 %(n)d 条记录已被撤回（第 %(m)d 条记录），不能再更正；如该业主本人"
                           "表决，请按新选票录入", n=ballot.seq, m=ballot.withdrawn_by))


def _refuse_corrections_of_withdrawn(session: Session, proposal: Proposal,
                                     prepared: list[_Prepared]) -> None:
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


class Transferred(DomainError):
    """A ballot for a voter whose unit was sold during the vote, other than a transfer."""

    def __init__(self):
        super().__init__(_("该房屋已在表决期间过户，新业主的表决已录入；原业主不能再表决，"
                           "新业主如需再次过户须重新提交过户证明"))


def _prepare(session: Session, proposal: Proposal, req: BallotRequest, units: list[str],
             previous: Ballot | None) -> _Prepared:
    """Everything about one ballot that needs no lock: its revision and its entry body.
    A concurrent ballot for the same voter makes the revision collide, which the database
    refuses, so reading the previous ballot before the lock is safe."""
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
    if previous is not None and transfer is None and req.correction is None \
            and req.evidence is not None:
        # A form of the voter's entered again (a double click, a file imported twice, the
        # form a correction replaced) was taken, where a change is allowed, as the owner's
        # change: one they never signed, and their own was then refused. Any of their
        # ballots not withdrawn holds it, not only the current one. A correction keeps it.
        held = ballot_forms.held_by_voter(session, proposal, req.voter_key,
                                          ballot_forms.digest(req.evidence[1]))
        if held:
            raise DomainError(ballot_forms.entered_again_message(
                req.evidence[0], previous.seq if previous.seq in held else held[0], previous))
    if (req.proxy is not None) != (req.channel == "proxy"):
        raise DomainError(_("委托表决须附受托人信息和书面授权委托书"))
    if proxies.letter_is_form(req.proxy, req.evidence):
        raise DomainError(proxies.letter_is_form_message())
    if transfer is not None and req.channel == "online":
        raise DomainError(_("过户后的表决须由工作人员录入"))
    evidence_digest = None if req.evidence is None else _keep(session, proposal, req.evidence)
    proxy = None
    if req.proxy is not None:
        if req.proxy.company_staff and Procedure.from_rules(proposal.rules).proxy_staff_barred:
            raise DomainError(proxies.staff_barred_message())
        proxy = {"holder": proxies.holder_key(proposal.uid, req.proxy.id_number),
                 "authorisation": _keep(session, proposal, req.proxy.authorisation),
                 "company_staff": req.proxy.company_staff}
    salt = req.salt or choices.new_salt()
    committed = commitment.commit(proposal.uid, req.voter_key, req.choice.value, salt)
    body = chain.ballot_body(
        voter=req.voter_key, units=units, commitment=committed, channel=req.channel,
        device=req.device, entered_by=req.entered_by, evidence=evidence_digest, proxy=proxy,
        transfer=None if transfer is None else _keep(session, proposal, transfer.evidence))
    if req.correction is not None:
        body = correcting(body, *req.correction)
    # Salt, commitment and the encrypted (choice, salt) need no lock either: the lock
    # covers only the clock, the signature and the writes.
    return _Prepared(req, revision, body, committed, choices.seal(req.choice, salt),
                     None if transfer is None or previous is None else previous.seq)


def _refuse_repeated_transfers(session: Session, proposal: Proposal,
                               prepared: list[_Prepared]) -> None:
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


def _same_transfer(session: Session, proposal: Proposal, prepared: _Prepared,
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


def _append(session: Session, appender: Appender, proposal: Proposal, prepared: _Prepared,
            now: datetime) -> Ballot:
    """Under the proposal lock: seal the prepared body onto the chain, record the ballot."""
    req = prepared.req
    sealed = appender.append("ballot", prepared.body, now)
    ballot = Ballot(proposal_id=proposal.id, voter_key=req.voter_key,
                    revision=prepared.revision, seq=sealed.entry["seq"],
                    choice_enc=prepared.choice_enc, commitment=prepared.commitment,
                    channel=req.channel, receipt=sealed.digest,
                    entered_by=req.entered_by, cast_at=now,
                    corrects=req.correction[0] if req.correction else None,
                    evidence=prepared.body["evidence"])
    session.add(ballot)
    seq, body = sealed.entry["seq"], prepared.body
    if req.proxy is not None:
        proxies.record(session, proposal, seq, req.voter_key, req.proxy,
                       body["proxy"]["holder"], body["proxy"]["authorisation"], req.entered_by,
                       now)
    if req.transfer is not None:
        encrypt = privacy.encryptor()
        session.add(Transfer(proposal_id=proposal.id, seq=seq, voter_key=req.voter_key,
                             buyer_name_enc=encrypt(req.transfer.buyer_name),
                             buyer_id_enc=encrypt(req.transfer.buyer_id),
                             evidence=body["transfer"], superseded_seq=prepared.superseded,
                             entered_by=req.entered_by, created_at=now))
    return ballot


def lock_for_voting(session: Session, proposal_id: int, signer) -> tuple[Proposal, Appender,
                                                                          datetime]:
    """Take the proposal's lock, bring it up to date and check that voting is open. The time
    is read only now, under the lock, and never earlier than the last entry's: concurrent
    writers may be woken in any order."""
    proposal = lock_proposal(session, proposal_id)
    now = clock.now()
    _advance(session, proposal, now)
    appender = Appender(session, proposal, signer)
    now = appender.time(now)
    problem = voting_problem(proposal, now)
    if problem:
        raise DomainError(problem)
    return proposal, appender, now


def _append_pg(session: Session, proposal: Proposal, prepared: _Prepared) -> Ballot | None:
    """One online ballot on PostgreSQL, appended with those this process casts on the same
    proposal at the same moment (votes.services.append_queue): lock, time, sign, and one
    round trip for the writes and the COMMIT. None when the locked row says the proposal
    must move first (its window has ended), or there is no signing key yet: the general
    path then does what is needed, under the lock it takes again."""
    appended = append_queue.append(session, proposal, prepared)
    if appended is None:
        return None
    req = prepared.req
    return Ballot(id=appended.ballot_id, receipt=appended.sealed.digest, cast_at=appended.at,
                  proposal_id=proposal.id, voter_key=req.voter_key, revision=prepared.revision,
                  seq=appended.sealed.seq, choice_enc=prepared.choice_enc,
                  commitment=prepared.commitment, channel=req.channel,
                  entered_by=req.entered_by)


def voter_units(session: Session, proposal: Proposal,
                voter_keys: list[str]) -> dict[str, list[str]]:
    """The frozen units of these voters (one query; the whole roll only for big files)."""
    query = select(FrozenUnit.voter_key, FrozenUnit.unit_uid).where(
        FrozenUnit.proposal_id == proposal.id).order_by(FrozenUnit.id)
    if len(voter_keys) <= 500:
        query = query.where(FrozenUnit.voter_key.in_(voter_keys))
    rows = session.execute(query)
    units: dict[str, list[str]] = {}
    for voter_key, unit_uid in rows:
        units.setdefault(voter_key, []).append(unit_uid)
    return units


def _procedure_details(prepared: list[_Prepared], accepted: list[Ballot]) -> dict:
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


def _check_counted(session: Session, proposal: Proposal, voter_keys: list[str]) -> None:
    """Where the rules leave kinds of unit out of the count, a voter holding only such
    units (a parking space, a storeroom) has no vote; they still pay their share."""
    if not Procedure.from_rules(proposal.rules).excluded_kinds:
        return  # every unit of the scope counts, and the voters were found in its roll
    counted = buyers.counted_voters(session, proposal, voter_keys)
    if any(key not in counted for key in voter_keys):
        raise DomainError(not_counted_message())


def not_counted_message() -> str:
    return _("本小区议事规则规定车位、储藏室不计入表决，仅持有此类房屋的业主不参加本次表决")


def cast_ballots(proposal_id: int, requests: list[BallotRequest],
                 actor: str | None = None,
                 units: dict[str, list[str]] | None = None,
                 latest: dict[str, Ballot] | None = None, proposal=None) -> list[Ballot]:
    """Accept all the ballots or none; each becomes one chain entry. `proposal`: the
    proposal as the caller read it in this request (its ORM instance or the owner pages'
    values, votes.services.proposal_read), to check before the lock.

    The proposal row is locked only for the append itself: units, previous ballots, entry
    bodies and the signing key are ready before, and the entry's time is read after the
    lock is taken (never earlier than the entry before it), so times never go backwards
    however the database orders the lock's waiters."""
    try:
        with unit_of_work() as session:
            if proposal is None:
                proposal = session.get(Proposal, proposal_id)
            problem = voting_problem(proposal, clock.now())  # fail fast; re-checked below
            if problem:
                raise DomainError(problem)
            keys_wanted = [r.voter_key for r in requests]
            if units is None:  # the online ballot read them already, with its device keys
                units = voter_units(session, proposal, keys_wanted)
            if latest is None:  # the online ballot read them already, with the units
                latest = latest_ballots(session, proposal, keys_wanted)
            _check_counted(session, proposal, keys_wanted)
            _keep_all(session, proposal, requests)
            prepared = []
            for req in requests:
                if req.voter_key not in units:
                    raise DomainError(_("该房屋不在本次表决范围内"))
                prepared.append(_prepare(session, proposal, req, units[req.voter_key],
                                         latest.get(req.voter_key)))
            if pg_append.applies(session, len(prepared), actor, requests[0].evidence,
                                 prepared[0].body):
                ballot = _append_pg(session, proposal, prepared[0])
                if ballot is not None:
                    return [ballot]
            # The frozen roll's owners each buyer is, however the roll spells their ID: one
            # decryption per voter, read before the lock (the frozen roll does not change).
            roll_owners = {i: buyers.sole_owner_voters(session, proposal, p.req.transfer.buyer_id)
                           for i, p in enumerate(prepared) if p.req.transfer is not None}
            signer = keys.signing_key()
            proposal, appender, now = lock_for_voting(session, proposal_id, signer)
            device_check.refuse_unsigned_after_registration(session, proposal_id, requests)
            _refuse_corrections_of_withdrawn(session, proposal, prepared)
            _refuse_repeated_transfers(session, proposal, prepared)
            # Under the lock: no concurrent entry can slip a proxy past the limit.
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
            accepted = [_append(session, appender, proposal, p, now) for p in prepared]
            if actor is not None:  # staff entering paper/proxy ballots; owners stay unlogged
                session.flush()
                audit.record(session, actor, _audit_action(requests),
                             community_id=proposal.community_id, target=str(proposal.id),
                             details={**_audit_details(requests, accepted),
                                      **_procedure_details(prepared, accepted)})
            session.flush()
            for ballot in accepted:
                # Detached with their values, so callers read them without a reload query.
                session.expunge(ballot)
    except Exception as exc:
        if not isinstance(exc, IntegrityError) and not pg_append.is_duplicate(exc):
            raise
        # A concurrent request for the same voter won the race; the database refused ours.
        if actor is not None:
            # Staff: theirs was not the ballot accepted (the owner's own, a buyer's, another
            # clerk's was): what to do is to look, not to trust that it went in.
            raise DomainError(_("同一业主的另一张选票刚刚被受理，本次录入没有保存；请查看该业主的"
                                "表决记录，确有需要再重新录入")) from None
        winner = _latest_of(proposal_id, requests[0].voter_key)
        if winner is not None and winner.channel != "online":
            # A clerk's entry won, not the owner's own earlier click: "accepted" would tell
            # the owner that their choice counts.
            raise DomainError(_("工作人员刚刚为您录入了纸质或委托选票（第 %(seq)s 条记录），"
                                "您这次的网上表决没有保存；请刷新页面查看表决记录",
                                seq=winner.seq)) from None
        raise DomainError(_("该业主的表决已被受理，请勿重复提交")) from None
    return accepted


def _latest_of(proposal_id: int, voter_key: str) -> Ballot | None:
    """The voter's latest ballot, read afresh after a lost race."""
    with unit_of_work() as session:
        return latest_ballots(session, session.get(Proposal, proposal_id),
                              [voter_key]).get(voter_key)


_UNREAD = object()


def cast_ballot(proposal_id: int, request: BallotRequest, units: list[str] | None = None,
                previous: Ballot | None | object = _UNREAD, proposal=None) -> Ballot:
    """One ballot; `units`, `previous` (the voter's latest ballot, None if none) and
    `proposal` when the caller has read them already."""
    return cast_ballots(proposal_id, [request],
                        units=None if units is None else {request.voter_key: units},
                        latest=None if previous is _UNREAD else
                        ({} if previous is None else {request.voter_key: previous}),
                        proposal=proposal)[0]


def not_changes_of(session: Session, proposal: Proposal, voter_key: str) -> int:
    """How many of the voter's ballots are not the owner's changes of mind: staff
    corrections, and ballots a withdrawal took back (with the entries their corrections
    replaced: one wrong staff entry), as 6.7 counts (docs/verification.md §15)."""
    return session.scalar(select(func.count()).select_from(Ballot).where(
        Ballot.proposal_id == proposal.id, Ballot.voter_key == voter_key,
        Ballot.corrects.is_not(None) | Ballot.withdrawn_by.is_not(None)))


def _audit_action(requests: list[BallotRequest]) -> str:
    return "ballots.correct" if any(r.correction for r in requests) else "ballots.enter"


def _audit_details(requests: list[BallotRequest], accepted: list[Ballot]) -> dict:
    details: dict = {"entries": [b.seq for b in accepted]}
    fixes = [{"entry": b.seq, "corrects": r.correction[0], "reason": r.correction[1]}
             for r, b in zip(requests, accepted) if r.correction]
    if fixes:
        details["corrections"] = fixes
    return details


def ballot_count(session: Session, proposal: Proposal) -> int:
    return session.scalar(select(func.count()).select_from(Ballot)
                          .where(Ballot.proposal_id == proposal.id))
