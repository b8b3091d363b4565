"""Proxy ballots (委托): the written authorisation, who holds the proxy, and the community's
limits on proxies (docs/verification.md §16)."""

from __future__ import annotations

import hashlib
import hmac
import json
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Callable, Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from votes.core.bidi import has_bidi_control, shown
from votes.core.identity import (DEFAULT_ID_TYPE, ID_TYPES, check_resident_id, id_type_of,
                                 looks_like_resident_id, mask_id, valid_id_of_type)
from votes.core.local_rules import Procedure
from votes.core.roll import has_control
from votes.i18n import _
from votes.models import Ballot, FrozenVoter, Proposal, ProxyRecord
from votes.services import privacy
from votes.services.ballot_forms import among
from votes.services.errors import DomainError, WholeInputRefused

NAME_MAX = 100
ID_MAX = 64
YES = ("是", "yes", "y", "true", "1", "on")
NO = ("否", "no", "n", "false", "0", "off", "")


@dataclass(frozen=True)
class ProxyRequest:
    """A proxy as the clerk entered it: name and ID (personal data), the declared flag
    "works for the property company", the written authorisation (file name, content), and
    the type of the ID (a code of identity.ID_TYPES; None for a proxy entered before the
    type was asked, whose correction keeps it so)."""

    name: str
    id_number: str
    company_staff: bool
    authorisation: tuple[str, bytes]
    id_type: str | None = DEFAULT_ID_TYPE


def holder_key(proposal_uid: str, id_number: str) -> str:
    """The proxy's pseudonym on this proposal's chain: a keyed hash of their ID number,
    bound to the proposal so that it links nothing across votes nor to an owner's key."""
    message = f"{proposal_uid}\n{canonical_id(id_number)}".encode("utf-8")
    return hmac.new(privacy.derived_key("proxy-holder"), message, hashlib.sha256).hexdigest()


def canonical_id(id_number: str) -> str:
    """The one spelling of an ID number that the proxy limit counts by: full-width forms
    folded (NFKC), upper case, and only its letters and digits kept, so that spaces of any
    kind, zero-width characters or hyphens do not make one proxy two holders."""
    folded = unicodedata.normalize("NFKC", id_number).upper()
    return "".join(c for c in folded if c.isalnum())


def parse_proxy(row: dict, read_file: Callable[[str], tuple[str, bytes] | None],
                procedure: Procedure, fail: Callable[[str], None]) -> ProxyRequest | None:
    """The proxy of a ballots-file row or form (proxy_name, proxy_id, authorisation,
    company_staff); each problem goes to fail(), and then None."""
    problems = []
    name = " ".join((row.get("proxy_name") or "").split())
    typed = privacy.normalise_id(row.get("proxy_id") or "")
    id_number = canonical_id(typed)
    id_type = id_type_of(row.get("proxy_id_type") or "")
    if id_type is None:
        problems.append(_("受托人证件类型“%(value)s”无效，应为 %(types)s",
                          value=shown((row.get("proxy_id_type") or "")[:40]),
                          types=id_type_names()))
    if not name:
        problems.append(_("委托表决须填写受托人姓名"))
    elif len(name) > NAME_MAX or has_control(name) or has_bidi_control(name):
        problems.append(_("受托人姓名过长或含有控制字符"))
    if not id_number:
        problems.append(_("委托表决须填写受托人证件号码"))
    elif len(typed) > ID_MAX or has_control(typed):
        problems.append(_("受托人证件号码过长或含有控制字符"))
    elif not id_number.isascii():  # a look-alike letter (Cyrillic Х for X) is another holder
        problems.append(_("受托人证件号码只能包含数字和拉丁字母"))
    elif id_type == "resident" and looks_like_resident_id(id_number) \
            and not check_resident_id(id_number):
        problems.append(_("受托人身份证号码 %(id)s 校验位错误", id=mask_id(id_number)))
    elif id_type is not None and not valid_id_of_type(id_type, id_number):
        # The proxy limit counts by this number: "1", "2", "3" were three more proxies.
        problems.append(id_form_message(id_type, id_number))
    flag = (row.get("company_staff") or "").strip().lower()
    staff = flag in YES
    if flag not in YES and flag not in NO:
        problems.append(_("“受托人是否为物业服务企业工作人员”应填 是 或 否"))
    elif procedure.proxy_staff_barred and not flag:
        problems.append(_("本小区议事规则禁止物业服务企业工作人员作为受托人，须声明受托人是否为其工作人员"))
    elif staff and procedure.proxy_staff_barred:
        problems.append(staff_barred_message())
    authorisation = None
    if not row.get("authorisation"):
        problems.append(_("委托表决须附书面授权委托书"))
    else:
        try:
            authorisation = read_file(row["authorisation"])
        except WholeInputRefused:
            raise
        except DomainError as refused:  # a path outside the evidence folder, say
            problems.append(refused.message)
        else:
            if authorisation is None:
                problems.append(_("找不到授权委托书 %(name)s", name=shown(row["authorisation"])))
            elif not authorisation[1]:
                problems.append(_("授权委托书是空文件"))
    for problem in problems:
        fail(problem)
    if problems:
        return None
    return ProxyRequest(name, id_number, staff, authorisation, id_type)


def id_type_names() -> str:
    """The ID types as a message lists them: 居民身份证、…… 或 外国人永久居留身份证."""
    names = [_(name) for name, _aliases in ID_TYPES.values()]
    return _("%(some)s 或 %(last)s", some=_("、").join(names[:-1]), last=names[-1])


def id_form_message(id_type: str, id_number: str) -> str:
    """What a proxy's ID not of its declared type's form is told: the form expected."""
    forms = {
        "resident": _("18 位：6 位地址码、8 位出生日期、3 位顺序码和 1 位校验码（数字或 X）"),
        "hk_macao": _("H 或 M 开头，后接 8 位数字（旧版为 10 位）"),
        "taiwan": _("8 位数字"),
        "passport": _("5 至 9 位拉丁字母或数字，含数字"),
        "foreign_pr": _("3 位字母加 12 位数字（2017 年版），或 9 开头的 18 位、含出生日期、"
                        "末位为校验码（2023 年版）"),
    }
    return _("受托人证件号码 %(id)s 不是有效的%(type)s号码：应为%(form)s；受托人用其他证件的，"
             "请在“受托人证件类型”中选择（可选 %(types)s）", id=mask_id(id_number) or "-",
             type=_(ID_TYPES[id_type][0]), form=forms[id_type], types=id_type_names())


def is_an_owner(session: Session, proposal: Proposal, voter_key: str,
                proxy: ProxyRequest) -> bool:
    """Whether the proxy is one of the voter's own owners (a co-owner included), however the
    roll spelled the ID: an owner signs their own form, which is a paper ballot, and a
    proxy "authorised" by themself would count against a proxy's limit in their place."""
    owners = session.scalar(select(FrozenVoter.owners_enc).where(
        FrozenVoter.proposal_id == proposal.id, FrozenVoter.voter_key == voter_key))
    if owners is None:
        return False
    return any(canonical_id(o.get("id") or "") == proxy.id_number
               for o in json.loads(privacy.decrypt(owners)))


def own_proxy_message() -> str:
    return _("受托人就是该户业主本人（证件号码相同），本人表决不需要委托；"
             "请按纸质票录入（方式选“纸质”），不填受托人")


def letter_is_form_message() -> str:
    return _("授权委托书与表决票是同一个文件；请分别上传表决票扫描件和业主签字的书面授权委托书")


def letter_is_form(proxy: ProxyRequest | None, form: tuple[str, bytes] | None) -> bool:
    """Whether one scan stands for both the ballot form and the written authorisation: the
    proxy ballot would then have no authorisation behind it (as a transfer's evidence that
    is the buyer's form, votes.services.transfers)."""
    return proxy is not None and form is not None and proxy.authorisation[1] == form[1]


def staff_barred_message() -> str:
    return _("本小区议事规则禁止物业服务企业工作人员作为受托人")


def limit_message(limit: int, id_number: str) -> str:
    return _("受托人 %(id)s 在本次表决中已代理 %(n)s 户，达到议事规则规定的上限，不能再代理",
             id=mask_id(id_number), n=limit)


def principals(session: Session, proposal: Proposal, holders: set[str]) -> dict[str, set[str]]:
    """For each of these holders, the voters they already hold a proxy for in this vote: by
    proxy ballots counted or superseded, not by those a withdrawal took back (entered for
    the wrong unit, docs/verification.md 16.3)."""
    found: dict[str, set[str]] = {h: set() for h in holders}
    if holders:
        for holder, voter in session.execute(
                select(ProxyRecord.holder, ProxyRecord.voter_key)
                .join(Ballot, (Ballot.proposal_id == ProxyRecord.proposal_id)
                      & (Ballot.seq == ProxyRecord.seq))
                .where(ProxyRecord.proposal_id == proposal.id,
                       ProxyRecord.holder.in_(sorted(holders)),
                       Ballot.withdrawn_by.is_(None))):
            found[holder].add(voter)
    return found


def check_limit(session: Session, proposal: Proposal,
                entries: list[tuple[str, str, str]]) -> None:
    """entries: (holder, voter, proxy's ID number) of the proxy ballots about to be added.
    Refuses the lot when one holder would represent more voters than the rules allow."""
    limit = Procedure.from_rules(proposal.rules).proxy_limit
    if not limit or not entries:
        return
    held = principals(session, proposal, {h for h, _v, _i in entries})
    for holder, voter, id_number in entries:
        held[holder].add(voter)
        if len(held[holder]) > limit:
            raise DomainError(limit_message(limit, id_number))


def letters_held(session: Session, proposal: Proposal,
                 letters: set[str]) -> dict[str, tuple[str, int]]:
    """For each of these written authorisations (digests) on a proxy ballot of this vote,
    that ballot's holder and entry, the first such; not ballots a withdrawal took back
    (entered for the wrong unit, as `principals` counts them)."""
    return {letter: (holder, seq)
            for letter, (holder, seq, _voter) in letters_on_ballots(session, proposal,
                                                                      letters).items()}


def letters_on_ballots(session: Session, proposal: Proposal,
                       letters: Iterable[str] | None) -> dict[str, tuple[str, int, str]]:
    """For each of these digests (None: every one) that is the written authorisation of a
    proxy ballot of this vote no withdrawal took back: (holder, entry, voter) of the first
    such ballot."""
    found: dict[str, tuple[str, int, str]] = {}
    for letters_wanted in among(ProxyRecord.authorisation, letters):
        for letter, holder, seq, voter in session.execute(
                select(ProxyRecord.authorisation, ProxyRecord.holder, ProxyRecord.seq,
                       ProxyRecord.voter_key)
                .join(Ballot, (Ballot.proposal_id == ProxyRecord.proposal_id)
                      & (Ballot.seq == ProxyRecord.seq))
                .where(ProxyRecord.proposal_id == proposal.id, letters_wanted,
                       Ballot.withdrawn_by.is_(None))
                .order_by(ProxyRecord.seq)):
            found.setdefault(letter, (holder, seq, voter))
    return found


def check_letters(session: Session, proposal: Proposal, entries: list[tuple[str, str]]) -> None:
    """entries: (letter digest, holder) of the proxy ballots about to be added. A written
    authorisation names one proxy: it may serve several of that proxy's principals (§16),
    never another proxy's ballot, where one real letter would stand behind ballots "held" by
    made-up proxies, each under the community's limit. Call it holding the proposal's lock:
    a letter another clerk entered a moment ago is then seen."""
    if not entries:
        return
    held = letters_held(session, proposal, {letter for letter, _holder in entries})
    batch: dict[str, str] = {}
    for letter, holder in entries:
        if letter in held and held[letter][0] != holder:
            raise DomainError(letter_of_another_message(held[letter][1]))
        if batch.setdefault(letter, holder) != holder:
            raise DomainError(_("同一份授权委托书用于另一位受托人的委托票；一份授权委托书只委托"
                                "一位受托人，请核对受托人证件号码和所附的授权委托书"))
























def letter_of_another_message(seq: int) -> str:
    return _("这份授权委托书已用于另一位受托人的委托票（第 %(seq)s 条记录）；一份授权委托书"
             "只委托一位受托人，请核对受托人证件号码和所附的授权委托书", seq=seq)


def record(session: Session, proposal: Proposal, seq: int, voter_key: str, req: ProxyRequest,
           holder: str, authorisation: str, entered_by: str, when: datetime) -> None:
    """`when`: the ballot entry's time (the app's clock, as the chain has it)."""
    encrypt = privacy.encryptor()
    session.add(ProxyRecord(proposal_id=proposal.id, seq=seq, voter_key=voter_key,
                            holder=holder, name_enc=encrypt(req.name),
                            id_enc=encrypt(req.id_number), id_type=req.id_type,
                            company_staff=req.company_staff,
                            authorisation=authorisation, entered_by=entered_by, created_at=when))
