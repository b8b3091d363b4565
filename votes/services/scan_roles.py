"""One scan, one role among a vote's ballots: a signed ballot form, a proxy's written
authorisation (votes.services.proxies) or a sale's deed (votes.services.transfers), never
two of them, so that one real signed document stands behind one counted ballot."""

from __future__ import annotations

from typing import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from votes.i18n import _
from votes.models import Ballot, Proposal, Transfer
from votes.services import ballot_forms, proxies
from votes.services.errors import DomainError


def check_documents(session: Session, proposal: Proposal,
                    entries: list[tuple[str, str | None, str | None, str | None,
                                        str | None]]) -> None:
    """entries: (voter, form digest, form's file name, letter digest, transfer deed digest)
    of the staff-entered ballots about to be added. One scan is a ballot form, a proxy's
    written authorisation or a sale's deed (过户证明, §16), only one of them: one real
    signed document would otherwise stand behind two counted ballots, ballot X's form and
    ballot Y's letter, or the buyer's "sale" and an owner's "form" (letter_is_form refuses
    form and letter on one ballot). A deed may come again for its flat (the buyer's entry
    put right), a letter for its proxy's principals (check_letters). A ballot a withdrawal
    took back holds none of them any more, as for a form alone (ballot_forms.holders); a
    replaced or superseded one still does. Call it holding the proposal's lock: a ballot
    another clerk appended a moment ago is then seen. The verifier's step 6.13
    (votes.core.verifier_scans) checks the same rule in a bundle: change the two together."""
    roles: dict[str, tuple[str, str]] = {}  # digest → (role, voter), the first in the batch
    forms: dict[str, str | None] = {}  # form → its file name
    for voter, form, name, letter, deed in entries:
        for role, scan in (("form", form), ("letter", letter), ("deed", deed)):
            if scan is None:
                continue
            if role == "form":
                forms.setdefault(scan, name)
            first, of = roles.setdefault(scan, (role, voter))
            if first != role:  # in this batch, or on this ballot (a deed that is its letter)
                named = ballot_forms.labels(session, proposal, [of, voter])
                pair = {first: named.get(of, ""), role: named.get(voter, "")}
                if "deed" not in pair:
                    raise DomainError(form_and_letter_message(
                        forms.get(scan) or "", pair["form"], pair["letter"]))
                if "form" in pair:
                    raise DomainError(deed_and_form_message(pair["deed"], pair["form"]))
                raise DomainError(deed_and_letter_message(pair["deed"], pair["letter"]))
    letters = {scan for scan, (role, _voter) in roles.items() if role == "letter"}
    deeds = {scan for scan, (role, _voter) in roles.items() if role == "deed"}

    def named(voter: str) -> str:
        return ballot_forms.labels(session, proposal, [voter]).get(voter, "")

    for form, (_holder, seq, voter) in proxies.letters_on_ballots(session, proposal,
                                                                   forms).items():
        raise DomainError(form_is_a_letter_message(forms[form] or "", seq, named(voter)))
    for form, (seq, voter) in deeds_on_ballots(session, proposal, forms).items():
        raise DomainError(form_is_a_deed_message(forms[form] or "", seq, named(voter)))
    for letter, held in ballot_forms.holders(session, proposal, letters).items():
        raise DomainError(letter_is_a_form_message(held[0].seq, named(held[0].voter_key)))
    for letter, (seq, voter) in deeds_on_ballots(session, proposal, letters).items():
        raise DomainError(letter_is_a_deed_message(seq, named(voter)))
    for deed, held in ballot_forms.holders(session, proposal, deeds).items():
        raise DomainError(deed_is_a_form_message(held[0].seq, named(held[0].voter_key)))
    for deed, (_holder, seq, voter) in proxies.letters_on_ballots(session, proposal, deeds).items():
        raise DomainError(deed_is_a_letter_message(seq, named(voter)))


def deeds_on_ballots(session: Session, proposal: Proposal,
                     scans: Iterable[str] | None) -> dict[str, tuple[int, str]]:
    """For each of these digests (None: every one) that is the deed of a sale entered in
    this vote, on a ballot no withdrawal took back: (entry, voter) of the first such sale."""
    found: dict[str, tuple[int, str]] = {}
    for deeds_wanted in ballot_forms.among(Transfer.evidence, scans):
        for deed, seq, voter in session.execute(
                select(Transfer.evidence, Transfer.seq, Transfer.voter_key)
                .join(Ballot, (Ballot.proposal_id == Transfer.proposal_id)
                      & (Ballot.seq == Transfer.seq))
                .where(Transfer.proposal_id == proposal.id, deeds_wanted,
                       Ballot.withdrawn_by.is_(None))
                .order_by(Transfer.seq)):
            found.setdefault(deed, (seq, voter))
    return found


def form_is_a_letter_message(name: str, seq: int, other: str) -> str:
    return _("表决票扫描件 %(name)s 已是第 %(seq)s 条记录（%(other)s）所附的书面授权委托书；"
             "同一个文件不能既是表决票又是授权委托书，请分别上传表决票扫描件和业主签字的"
             "书面授权委托书", name=name, seq=seq, other=other)


def letter_is_a_form_message(seq: int, other: str) -> str:
    return _("这份授权委托书已是第 %(seq)s 条记录（%(other)s）所附的表决票；同一个文件不能既是"
             "表决票又是授权委托书，请分别上传表决票扫描件和业主签字的书面授权委托书",
             seq=seq, other=other)


def form_and_letter_message(name: str, form_of: str, letter_of: str) -> str:
    return _("%(form_of)s 的表决票扫描件与 %(letter_of)s 的授权委托书是同一个文件（%(name)s）；"
             "同一个文件不能既是表决票又是授权委托书，请分别上传表决票扫描件和业主签字的"
             "书面授权委托书", name=name, form_of=form_of, letter_of=letter_of)


def form_is_a_deed_message(name: str, seq: int, sold: str) -> str:
    return _("表决票扫描件 %(name)s 已是第 %(seq)s 条记录（%(sold)s 过户后新业主的选票）所附的"
             "过户证明；同一个文件不能既是过户证明又是表决票，请上传签字业主本人的表决票扫描件",
             name=name, seq=seq, sold=sold)


def letter_is_a_deed_message(seq: int, sold: str) -> str:
    return _("这份授权委托书已是第 %(seq)s 条记录（%(sold)s 过户后新业主的选票）所附的过户证明；"
             "同一个文件不能既是过户证明又是授权委托书，请上传业主签字的书面授权委托书",
             seq=seq, sold=sold)


def deed_is_a_form_message(seq: int, other: str) -> str:
    return _("过户证明已是第 %(seq)s 条记录（%(other)s）所附的表决票；同一个文件不能既是过户证明"
             "又是表决票，请上传过户证明（不动产权证书、网签合同等）", seq=seq, other=other)


def deed_is_a_letter_message(seq: int, other: str) -> str:
    return _("过户证明已是第 %(seq)s 条记录（%(other)s）所附的书面授权委托书；同一个文件不能既是"
             "过户证明又是授权委托书，请上传过户证明（不动产权证书、网签合同等）",
             seq=seq, other=other)


def deed_and_form_message(sold: str, form_of: str) -> str:
    return _("%(sold)s 的过户证明与 %(form_of)s 的表决票扫描件是同一个文件；同一个文件不能既是"
             "过户证明又是表决票，请分别上传过户证明和签字业主本人的表决票扫描件",
             sold=sold, form_of=form_of)


def deed_and_letter_message(sold: str, letter_of: str) -> str:
    return _("%(sold)s 的过户证明与 %(letter_of)s 的授权委托书是同一个文件；同一个文件不能既是"
             "过户证明又是授权委托书，请分别上传过户证明和业主签字的书面授权委托书",
             sold=sold, letter_of=letter_of)
