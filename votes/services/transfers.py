"""A unit sold during the vote (docs/verification.md §16).

The roll stays as it was frozen at the opening: the buyer votes in the seller's place, as
the seller's voter, on a ballot staff enter with the evidence of the transfer. It
supersedes the seller's ballot, if any — even one the seller cast online, which no other
staff entry may do — and after it the seller can no longer vote.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from votes.core.local_rules import Procedure
from votes.core.identity import check_resident_id, looks_like_resident_id, mask_id
from votes.core.bidi import has_bidi_control
from votes.core.roll import has_control, unit_key
from votes.core.tally import Choice
from votes.extensions import db
from votes.i18n import _
from votes.models import Ballot, FrozenUnit, Proposal, Transfer
from votes.services import buyers, clock, privacy
from votes.services.ballots import BallotRequest, TransferRequest, cast_ballots, voting_problem
from votes.services.clerks import check_clerk
from votes.services.errors import DomainError, Problem
from votes.services.lifecycle import refresh
from votes.services.procedure.common import checked
from votes.services.proxies import ProxyRequest, canonical_id, parse_proxy


@dataclass(frozen=True)
class TransferEntry:
    building: str
    entrance: str
    room: str
    choice: str
    buyer_name: str
    buyer_id: str
    transfer_evidence: tuple[str, bytes] | None  # e.g. the new certificate or the contract
    ballot_form: tuple[str, bytes] | None  # the buyer's signed ballot
    proxy: ProxyRequest | None = None  # when the buyer voted through a proxy


def enter_transfer(proposal: Proposal, entry: TransferEntry, entered_by: str,
                   actor: str) -> Ballot:
    """The buyer's ballot in the seller's place; DomainError (nothing entered) if refused.

    Only on a chain still as written (procedure.common.checked, the correction's check:
    tally.ResultUnshown otherwise), before anything is read: the ballot supersedes the
    seller's and is appended after the head, neither of which a chain altered in the
    database vouches for."""
    proposal = refresh(proposal)
    checked(proposal, _("不能录入过户后新业主的选票"))
    problem = voting_problem(proposal, clock.now())
    if problem:
        raise DomainError(problem)
    unit = db.session.scalar(select(FrozenUnit).where(
        FrozenUnit.proposal_id == proposal.id,
        FrozenUnit.unit_key == unit_key(entry.building, entry.entrance, entry.room)))
    if unit is None:
        raise DomainError(_("该房屋不在本次表决冻结的名册中"))
    holdings = db.session.scalar(select(func.count()).select_from(FrozenUnit).where(
        FrozenUnit.proposal_id == proposal.id, FrozenUnit.voter_key == unit.voter_key))
    if holdings != 1:
        raise DomainError(_("原业主在本次表决范围内有 %(n)s 户，计为一人；冻结的名册不能只把其中一户"
                            "转给新业主，请由原业主表决，过户在下次表决的名册中生效", n=holdings))
    try:
        choice = Choice.parse(entry.choice)
    except ValueError:
        raise DomainError(_("表决意见应为 同意、反对 或 弃权")) from None
    name = " ".join(entry.buyer_name.split())
    typed = privacy.normalise_id(entry.buyer_id)
    # Whether the buyer already votes is looked up by this spelling (votes.services.buyers),
    # so a zero-width space or full-width digits must not make an owner a stranger.
    id_number = buyers.fold_id(typed)
    if not name or len(name) > 100:
        raise DomainError(_("请填写新业主姓名（不超过 100 个字）"))
    if has_control(name) or has_bidi_control(name):  # as an owner's name on the roll
        raise DomainError(_("%(column)s含有控制字符", column=_("新业主姓名")))
    if not canonical_id(id_number) or len(typed) > 64 or has_control(typed):
        raise DomainError(_("请填写新业主证件号码"))
    if not id_number.isascii():  # a look-alike letter (Cyrillic Х for X) is another person
        raise DomainError(_("新业主证件号码只能包含数字和拉丁字母"))
    resident = canonical_id(id_number)
    if len(resident) == 18 and looks_like_resident_id(resident) \
            and not check_resident_id(resident):
        raise DomainError(_("新业主身份证号码 %(id)s 校验位错误", id=mask_id(resident)))
    if entry.proxy is not None and entry.proxy.id_number == resident:
        raise DomainError(_("受托人就是新业主本人（证件号码相同），本人表决不需要委托；"
                            "请不填受托人信息"))
    for file, missing in ((entry.transfer_evidence, _("请上传过户证明（不动产权证书、网签合同等）")),
                          (entry.ballot_form, _("请上传新业主签字的表决票扫描件"))):
        if file is None or not file[1]:
            raise DomainError(missing)
    if entry.transfer_evidence[1] == entry.ballot_form[1]:
        # One scan chosen twice: the ballot would have no signature of the buyer's behind it.
        raise DomainError(_("过户证明与新业主签字的表决票是同一个文件；请分别上传过户证明和"
                            "新业主签字的表决票"))
    if entry.proxy is not None and entry.transfer_evidence[1] == entry.proxy.authorisation[1]:
        # The buyer's proxy would have no letter behind it, or the sale no deed.
        raise DomainError(_("过户证明与授权委托书是同一个文件；同一个文件不能既是过户证明又是"
                            "授权委托书，请分别上传过户证明和新业主签字的书面授权委托书"))
    check_clerk(entered_by)
    request = BallotRequest(
        voter_key=unit.voter_key, choice=choice,
        channel="proxy" if entry.proxy is not None else "paper", entered_by=entered_by,
        evidence=entry.ballot_form, proxy=entry.proxy,
        transfer=TransferRequest(name, id_number, entry.transfer_evidence))
    # Whether the buyer already votes is checked in there, under the proposal's lock
    # (votes.services.buyers).
    return cast_ballots(proposal.id, [request], actor=actor)[0]


def entry_from_form(form, files, proposal: Proposal) -> TransferEntry:
    """The committee page's transfer form and its uploads; with any of the proxy's fields
    filled in, the buyer voted through that proxy (as `votes ballots transfer --proxy-*`)."""
    if not form.get("confirm"):
        raise DomainError(_("请勾选确认：已核对过户证明，以新业主的选票取代原业主的选票"))

    def upload(name):
        from votes.services.documents import scan_upload

        return scan_upload(files.get(name))

    letter = upload("authorisation")
    proxy = None
    if form.get("proxy_name", "").strip() or form.get("proxy_id", "").strip() or letter:
        problems: list[Problem] = []
        proxy = parse_proxy({"proxy_name": form.get("proxy_name", ""),
                             "proxy_id": form.get("proxy_id", ""),
                             "proxy_id_type": form.get("proxy_id_type", ""),
                             "company_staff": form.get("company_staff", ""),
                             "authorisation": "authorisation" if letter else ""},
                            lambda _name: letter, Procedure.from_rules(proposal.rules),
                            lambda message: problems.append(Problem(None, message)))
        if proxy is None:
            if len(problems) == 1:
                raise DomainError(problems[0].message)
            raise DomainError(_("委托信息有 %(n)s 处需要改正", n=len(problems)),
                              problems=problems)
    return TransferEntry(form.get("building", ""), form.get("entrance", ""),
                         form.get("room", ""), form.get("choice", ""),
                         form.get("buyer_name", ""), form.get("buyer_id", ""),
                         upload("transfer_evidence"), upload("ballot_form"), proxy)


def transfers_of(proposal: Proposal) -> list[Transfer]:
    """The transfers entered during this vote, in chain order (buyers' data encrypted)."""
    return list(db.session.scalars(select(Transfer).where(Transfer.proposal_id == proposal.id)
                                   .order_by(Transfer.seq)))
