"""One signed ballot form, one signer.

A clerk holding one real signed form could otherwise attach its scan to ballots for many
owners and make up their votes. A form already attached to another signer's staff-entered
ballot of the same proposal is refused; the same signer's form may come again in a
correction, never as a change of ballot (the owner's change is on a new form: a form any
of their ballots still holds entered again is refused, votes.services.ballot_prepare.prepare, not
only their current ballot's: corrected onto a junk scan, the original form entered again
was the owner's change, on no new signature). The buyer
of a flat sold during the vote votes under the seller's voter but is another signer: the
seller's form is not the buyer's.

Only a withdrawal (§15: the ballot was entered for the wrong unit) frees a ballot's form
for its own signer. A correction does not, not even of the ballot it replaced: the
corrected voter still has a counted ballot, so a clerk who "corrected" a ballot onto a
junk scan could otherwise put its real form on another voter's ballot, one signature
behind two counted ballots. A form typed against the wrong flat is put right by
withdrawing that ballot and entering the form again for its signer. The verifier's 6.12
still lets a correction free the form (docs/verification.md §3.2): the server is the
stricter, so the bundles it writes pass, and older bundles still verify.

Proxies' written authorisations are not ballot forms: one letter may name several
principals (§16), and a ballot keeps only its form's digest (`Ballot.evidence`), never the
letter's; nor may one scan be two of a form, a letter and a sale's deed
(votes.services.scan_roles.check_documents).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator

from sqlalchemy import select, true
from sqlalchemy.orm import Session

from votes.i18n import _
from votes.models import Ballot, FrozenUnit, Proposal, Transfer
from votes.services.errors import DomainError
from votes.services.notices import delivery_key, unit_label


def digest(content: bytes) -> str:
    """What a ballot's chain entry carries for its form (votes.services.ballot_prepare.keep)."""
    return hashlib.sha256(content).hexdigest()


def among(column, digests: Iterable[str] | None) -> Iterator:
    """Conditions on a digest column, one a statement, that together keep the rows of these
    digests: a statement's parameters stay few. With None, one condition keeping every row
    (all of the vote's documents, read once for a whole file of ballots)."""
    if digests is None:
        yield true()
        return
    wanted = sorted(set(digests))
    for start in range(0, len(wanted), 500):
        yield column.in_(wanted[start:start + 500])


def holders(session: Session, proposal: Proposal,
            digests: Iterable[str]) -> dict[str, list[Ballot]]:
    """For each of these form digests, the proposal's ballots it is attached to (in chain
    order; ballots entered before this rule may share one), but those a withdrawal took
    back: a ballot a correction replaced still holds its form (the module says why)."""
    found: dict[str, list[Ballot]] = {}
    for digests_wanted in among(Ballot.evidence, digests):
        for ballot in session.scalars(select(Ballot).where(
                Ballot.proposal_id == proposal.id, digests_wanted,
                Ballot.withdrawn_by.is_(None))
                .order_by(Ballot.seq)):
            found.setdefault(ballot.evidence, []).append(ballot)
    return found


def labels(session: Session, proposal: Proposal, voter_keys: Iterable[str]) -> dict[str, str]:
    """How a clerk names each voter: their units, as on the notices."""
    units: dict[str, list[FrozenUnit]] = {}
    for u in session.scalars(select(FrozenUnit).where(
            FrozenUnit.proposal_id == proposal.id,
            FrozenUnit.voter_key.in_(sorted(set(voter_keys))))):
        units.setdefault(u.voter_key, []).append(u)
    return {key: units_label(found) for key, found in units.items()}


def units_label(units: Iterable[FrozenUnit]) -> str:
    """One voter's units as a clerk reads them, in the notices' order."""
    return "、".join(unit_label(u) for u in sorted(units, key=delivery_key))


def used_message(units: str, name: str, seq: int, other: str,
                 withdraw: int | None = None) -> str:
    """`withdraw`: the entry whose withdrawal would free the form (to_withdraw), if any."""
    if withdraw is not None:
        return _("%(units)s 的表决票扫描件 %(name)s 已是第 %(seq)s 条记录（%(other)s）所附的表决票；"
                 "一张表决票只能用于签字业主本人的选票。第 %(seq)s 条记录已被更正，更正后表决票仍归"
                 "该记录；如确是录错了房屋，请先撤回第 %(withdraw)s 条记录再重新录入",
                 units=units, name=name, seq=seq, other=other, withdraw=withdraw)
    return _("%(units)s 的表决票扫描件 %(name)s 已是第 %(seq)s 条记录（%(other)s）所附的表决票；"
             "一张表决票只能用于签字业主本人的选票", units=units, name=name, seq=seq, other=other)


def to_withdraw(ballots: Iterable[Ballot], held: Ballot) -> int | None:
    """When corrections replaced `held`, the entry a clerk withdraws to free its form: its
    last correction, if that is still its voter's current ballot (a withdrawal takes back
    the entries its corrections replaced, and only a voter's current ballot). None when no
    correction replaced it, or a later ballot (the owner's change, a sale) came after."""
    mine = [b for b in ballots if b.voter_key == held.voter_key]
    correction_of = {b.corrects: b for b in mine if b.corrects is not None}
    head = held
    while head.seq in correction_of:
        head = correction_of[head.seq]
    current = max(mine, key=lambda b: b.revision)
    if head.seq == held.seq or current.seq != head.seq or head.withdrawn_by is not None:
        return None
    return head.seq


def entered_message(name: str, seq: int) -> str:
    return _("表决票扫描件 %(name)s 已录入，是该业主当前选票（第 %(seq)s 条记录）所附的表决票；"
             "同一张表决票不能再录入一次。业主改变意见须另签新的表决票；录入的意见有误的，"
             "请更正第 %(seq)s 条记录", name=name, seq=seq)


def entered_again_message(name: str, held: int, current: Ballot) -> str:
    """The form of the voter's ballot `held` (not withdrawn) entered again for them, as
    neither a correction nor a transfer: no change of ballot, whichever of their ballots
    holds it (`current`: their latest)."""
    if held == current.seq:
        return entered_message(name, held)
    if current.withdrawn_by is None:
        return _("表决票扫描件 %(name)s 已录入，是该业主第 %(seq)s 条记录所附的表决票（该记录已被"
                 "第 %(current)s 条记录取代）；同一张表决票不能再录入一次。业主改变意见须另签新的"
                 "表决票；录入有误的，请更正该业主当前的选票（第 %(current)s 条记录）",
                 name=name, seq=held, current=current.seq)
    return _("表决票扫描件 %(name)s 已录入，是该业主第 %(seq)s 条记录所附的表决票；同一张表决票"
             "不能再录入一次。业主改变意见须另签新的表决票", name=name, seq=held)


def entered_again(found: dict[str, list[Ballot]], name: str, form: str,
                  current: Ballot) -> str | None:
    """Why the form (digest `form`, file `name`) is no new ballot for `current`'s voter (their
    latest ballot): one of their ballots holds it already (`found`: `holders` of it, read
    for a whole batch at once). None if none of theirs does."""
    held = [b.seq for b in found.get(form, ()) if b.voter_key == current.voter_key]
    if not held:
        return None
    return entered_again_message(name, current.seq if current.seq in held else held[0],
                                 current)


def shared_message(name: str, first: str, second: str) -> str:
    return _("%(first)s 与 %(second)s 的表决票扫描件是同一个文件（%(name)s）；"
             "一张表决票只能用于签字业主本人的选票；几张表决票扫描在同一个文件里的，请每张单独扫描成一个文件",
             name=name, first=first, second=second)


def refuse_shared(session: Session, proposal: Proposal,
                  forms: list[tuple[str, str, str, bool]]) -> None:
    """forms: (voter, digest, file name, whether the buyer's) of the staff-entered ballots
    about to be added. A form is its signer's: the voter's, or, for a flat sold during the
    vote, its buyer's, who votes under the seller's voter but never signed the seller's form
    (nor the seller the buyer's).

    Call it holding the proposal's lock, in the transaction that appends them: a ballot
    another clerk appended a moment ago is then seen, and none can be appended meanwhile."""
    if not forms:
        return
    first: dict[str, tuple[tuple[str, bool], str]] = {}
    for voter, form, name, buyer in forms:
        earlier = first.setdefault(form, ((voter, buyer), name))
        if earlier[0] != (voter, buyer):
            named = _signers(session, proposal, [earlier[0], (voter, buyer)])
            raise DomainError(shared_message(name, named[earlier[0]], named[voter, buyer]))
    found = holders(session, proposal, first)
    bought = set(session.scalars(select(Transfer.seq).where(
        Transfer.proposal_id == proposal.id,
        Transfer.voter_key.in_(sorted({b.voter_key for held in found.values() for b in held})))))
    for form, ballots in found.items():
        signer, name = first[form]
        for ballot in ballots:
            other = (ballot.voter_key, ballot.seq in bought)
            if other != signer:
                named = _signers(session, proposal, [signer, other])
                theirs = session.scalars(select(Ballot).where(
                    Ballot.proposal_id == proposal.id, Ballot.voter_key == ballot.voter_key))
                raise DomainError(used_message(named[signer], name, ballot.seq, named[other],
                                               to_withdraw(theirs, ballot)))


def _signers(session: Session, proposal: Proposal,
             signers: list[tuple[str, bool]]) -> dict[tuple[str, bool], str]:
    """How a clerk names each signer: the voter's units, "(新业主)" after a buyer's."""
    named = labels(session, proposal, {voter for voter, _buyer in signers})
    return {(voter, buyer): named.get(voter, "") + (_("（新业主）") if buyer else "")
            for voter, buyer in signers}
