"""The objection period (异议期) after the close, the answers and the final result (§17).

With `objection_days` N > 0 in the proposal's rules, the close is the preliminary result.
Owners file objections from the close until exactly N days later (online with their voting
link, or entered by staff with the written objection's scan); the committee answers each;
at the period's end, once every objection is answered, a `result` entry publishes the final
result (by `refresh` on a request or `votes tick`, at the period's end as its time)."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from votes.core import objection as core
from votes.core.canonical import parse_time
from votes.core.follow import decided
from votes.core.identity import mask_in_text
# Lines of one objection or answer, blank ones included: shown line for line on the public
# board, 2,000 line breaks would be a phone's 55,000 px of blank space over every text
# after. The pages show a text stored before the rule by the same rule (core.kept_lines).
from votes.core.kept_lines import MAX_LINES, line_count
from votes.core.procedure import objection_days
from votes.i18n import _, lazy
from votes.models import Objection, Proposal, Transfer, VoterAccess
from votes.services import audit, clock
from votes.services.chain_store import Appender, lock_proposal
from votes.services.errors import DomainError, NotFound
from votes.services.plain_text import check_plain, check_printable
from votes.services.clerks import check_clerk
from votes.services.procedure.common import (close_entry, store_evidence,
                                              voter_of_unit)
from votes.services.tx import unit_of_work

MAX_TEXT = 2000
# Objections one voter may file online: each holds the final result back until answered and
# is a chain entry, so a session filing new texts in a loop must stop somewhere. More points
# go into one text, or to the committee in writing (entered by staff, with the scan).
MAX_ONLINE_OBJECTIONS = 5
# A flat sold during the vote (§16): the buyer votes in the seller's place, as the seller's
# voter, so what that voter files after the close is the buyer's (in writing, entered by
# staff), never the seller's online, and not the seller's to read.
SOLD = lazy("本户已在表决期间过户，由新业主在原业主的位置表决：原业主不能再以本户名义提出异议，"
            "也不能查看本户此后的异议。新业主如有异议，请在异议期内提交书面异议交业主委员会。")


def transferred(proposal: Proposal, voter_key: str, session: Session | None = None) -> bool:
    """Whether the voter's flat was sold during the vote (a transfers row): see SOLD."""
    from votes.extensions import db

    return (session or db.session).scalar(select(Transfer.id).where(
        Transfer.proposal_id == proposal.id, Transfer.voter_key == voter_key)
        .limit(1)) is not None


def period_end(proposal: Proposal) -> datetime | None:
    """The first instant after the objection period, or None without one (or before the
    close)."""
    days = objection_days(proposal.rules or {})
    if not days or proposal.closed_at is None:
        return None
    return core.period_end(proposal.closed_at, days)


def in_period(proposal: Proposal, now: datetime) -> bool:
    end = period_end(proposal)
    return proposal.state == "closed" and end is not None and proposal.closed_at <= now < end


def open_period_end(proposal: Proposal, now: datetime) -> datetime | None:
    """period_end while the period is running at `now` (objections may be filed), else
    None: what an owner's page past the close says instead of "the link has expired"."""
    return period_end(proposal) if in_period(proposal, now) else None


def period_problem(proposal: Proposal, now: datetime) -> str:
    """Why no objection can be filed now (for a proposal outside its objection period)."""
    # Decided without a vote: no result to object to (§18.6). An urgent vote, also flagged
    # emergency, has a result and the period its rules give.
    if proposal.state == "emergency":
        return _("应急使用不经业主表决，没有表决结果，也没有异议期。")
    if not objection_days(proposal.rules or {}):
        return _("本事项不设异议期。")
    end = period_end(proposal)
    if end is None:
        return _("表决结束后才能提出异议。")
    if proposal.state == "published" or now >= end:
        return _("异议期已于 %(t)s 结束，不能再提出异议。", t=clock.local_text(end))
    return _("表决结束后才能提出异议。")


def objections(proposal: Proposal) -> list[Objection]:
    from votes.extensions import db

    return list(db.session.scalars(select(Objection).where(
        Objection.proposal_id == proposal.id).order_by(Objection.seq)))


def filed_by(proposal: Proposal, voter_key: str) -> list[Objection]:
    """The objections of one voter (online or entered by staff), in the order filed: shown
    to that owner on their objection page."""
    from votes.extensions import db

    return list(db.session.scalars(select(Objection).where(
        Objection.proposal_id == proposal.id, Objection.voter_key == voter_key)
        .order_by(Objection.seq)))


def final_due(proposal: Proposal, now: datetime) -> bool:
    """The final result can be written: the period is over and every objection answered."""
    end = period_end(proposal)
    return proposal.state == "closed" and end is not None and now >= end and \
        all(o.answer_seq is not None for o in objections(proposal))


def refuse_manual_publish(proposal: Proposal) -> None:
    if objection_days(proposal.rules or {}):
        end = period_end(proposal)
        raise DomainError(_("本事项设有异议期：最终结果在异议期满（%(t)s）且每件异议都已答复后"
                            "自动公布，不能提前公布。", t=clock.local_text(end) if end else ""))


def publish_final_if_due(session: Session, proposal: Proposal, now: datetime) -> None:
    """Write the `result` entry (the locked proposal's), at the period's end as its time."""
    if not final_due(proposal, now):
        return
    close = close_entry(proposal)
    rows = objections(proposal)
    body = core.result_body(close=close.seq, preliminary=decided(close.entry["body"]),
                            objections=[o.seq for o in rows],
                            answers={o.seq: (o.answer_seq, o.decision) for o in rows})
    sealed = Appender(session, proposal).append("result", body, period_end(proposal))
    proposal.state = "published"
    proposal.published_at = parse_time(sealed.entry["time"])
    audit.record(session, audit.CLOCK, "proposal.final_result",
                 community_id=proposal.community_id, target=str(proposal.id),
                 details={"seq": sealed.seq, "passed": body["passed"], "objections": len(rows)})


def _text(text: str, what: str) -> str:
    # A browser sends a text box's line breaks as CR LF, which the box itself counts as one
    # character (its maxlength): one line feed, as stored and digested, whoever sends it.
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        raise DomainError(_("请填写%(w)s内容。", w=what))
    if len(text) > MAX_TEXT:
        raise DomainError(_("%(w)s不能超过 %(n)d 字。", w=what, n=MAX_TEXT))
    lines = line_count(text)
    if lines > MAX_LINES:
        raise DomainError(_("%(w)s最多 %(n)d 行（含空行），您填写了 %(m)d 行。"
                            "请把内容合并成较少的段落后再提交。", w=what, n=MAX_LINES, m=lines))
    check_plain(text, lines=True)
    check_printable(text)  # printed on the result notice and the application form
    # Published word for word and digested into the chain (the published text must hash
    # to the entry's digest): a phone or ID number typed into it is masked before either,
    # as screens mask them (the form tells the owner so before they send).
    return mask_in_text(text)


def _file(proposal: Proposal, voter: str, text: str, channel: str, actor: str,
          evidence=None) -> Objection:
    text = _text(text, _("异议"))
    with unit_of_work() as session:
        p = lock_proposal(session, proposal.id)
        appender = Appender(session, p)
        # Checked at the time the entry will carry: never before the last entry's, which an
        # answer given after the period's end puts past it, whatever this machine's clock says.
        now = appender.time(clock.now())
        if not in_period(p, now):
            raise DomainError(period_problem(p, now))
        if channel == "online" and transferred(p, voter, session):
            raise DomainError(str(SOLD))
        if channel == "online":
            # The owner's page answers the POST itself: a refresh or a second tap sends the
            # same text again. Each objection holds the final result back until answered,
            # so the same owner's same text is the one already filed (under the lock: two
            # sends at once find each other), never a second entry.
            same = session.scalar(select(Objection).where(
                Objection.proposal_id == p.id, Objection.voter_key == voter,
                Objection.channel == "online", Objection.text == text)
                .order_by(Objection.seq).limit(1))
            if same is not None:
                return same
            if session.scalar(select(func.count()).select_from(Objection).where(
                    Objection.proposal_id == p.id, Objection.voter_key == voter,
                    Objection.channel == "online")) >= MAX_ONLINE_OBJECTIONS:
                raise DomainError(_("您已在网上提出 %(n)d 件异议，不能再提交。如有其他异议，请写在一份"
                                    "书面异议中交业主委员会。", n=MAX_ONLINE_OBJECTIONS))
        digest = store_evidence(session, p, evidence) if channel == "staff" else None
        salt = secrets.token_hex(32)
        body = core.objection_body(voter=voter, text=text, channel=channel,
                                   entered_by=actor if channel == "staff" else None,
                                   evidence=digest, proposal=p.uid, salt=salt)
        sealed = appender.append("objection", body, now)
        row = Objection(proposal_id=p.id, seq=sealed.seq, voter_key=voter, text=text,
                        channel=channel, entered_by=body["entered_by"], filed_at=now,
                        text_salt=salt)
        session.add(row)
        audit.record(session, actor, "proposal.objection", community_id=p.community_id,
                     target=str(p.id), details={"seq": sealed.seq, "channel": channel})
    return row


def check_in_period(proposal: Proposal) -> None:
    """DeadEnd (the closed link's page) outside the objection period: after the close an
    owner's second factor serves only to file an objection."""
    from votes.services.access import DeadEnd
    from votes.services.lifecycle import refresh

    proposal = refresh(proposal)
    if not in_period(proposal, clock.now()):
        raise DeadEnd("closed", _("表决已结束，不能再表决"), proposal)


def file_online(token: str, text: str, voter_key: str) -> tuple[Proposal, Objection]:
    """An owner's objection through their own voting link; `voter_key`: whose second factor
    the session verified, which must be the link's voter (and the link not locked)."""
    from votes.services.access import check_unlocked, link_access

    found = link_access(token)
    if found is None:
        raise NotFound(_("链接无效。"))
    access, proposal = found
    if access.voter_key != voter_key:
        raise DomainError(_("请先验证身份"))
    check_unlocked(access, proposal)
    return proposal, _file(proposal, access.voter_key, text, "online", "owner")


def file_signed_in(proposal: Proposal, voter_key: str, text: str) -> Objection:
    """An owner's objection from a session that passed the second factor for `voter_key`
    from the lobby poster (building and room). The link's lockout is not checked: it
    belongs to the link, as for the ballot, and the lobby has its own throttle; else a
    stranger with a photo of the notice could keep the owner from objecting at all."""
    return _file(proposal, voter_key, text, "online", "owner")


def proposal_of_link(token: str) -> tuple[Proposal, VoterAccess]:
    from votes.services.access import link_access
    from votes.services.lifecycle import refresh

    found = link_access(token)
    if found is None:
        raise NotFound(_("链接无效。"))
    access, proposal = found
    return refresh(proposal), access


def file_by_staff(proposal_ref: str, building: str, entrance: str, room: str, text: str,
                  evidence, actor: str) -> Objection:
    """An objection received in writing, entered by staff with the scan as evidence."""
    from votes.services.lifecycle import get_proposal, refresh

    proposal = refresh(get_proposal(proposal_ref))
    voter = voter_of_unit(proposal, building, entrance, room)
    if evidence is None or not evidence[1]:
        raise DomainError(_("请上传书面异议的扫描件。"))
    check_clerk(actor)
    return _file(proposal, voter, text, "staff", actor, evidence)


def answer(proposal_ref: str, seq: int, decision: str, text: str, actor: str) -> Objection:
    """The committee's answer to the objection at chain position `seq`."""
    from votes.services.lifecycle import get_proposal, refresh

    proposal = refresh(get_proposal(proposal_ref))
    if decision not in core.DECISIONS:
        raise DomainError(_("答复结论应为：异议不成立、异议成立但不影响结果、异议成立且影响结果之一。"))
    text = _text(text, _("答复"))
    check_clerk(actor)
    with unit_of_work() as session:
        p = lock_proposal(session, proposal.id)
        # Read afresh under the lock (populate_existing): a row this session loaded before
        # it would keep the answer_seq of then, and a second member's answer, waiting on the
        # lock while the first was appended, would pass the check below.
        row = None if not 0 <= seq < 2 ** 31 else session.scalar(  # an INTEGER column
            select(Objection).where(Objection.proposal_id == p.id, Objection.seq == seq)
            .execution_options(populate_existing=True))
        if row is None:
            raise DomainError(_("没有第 %(n)s 条异议。", n=seq))
        if row.answer_seq is not None:
            raise DomainError(_("第 %(n)s 条异议已经答复。", n=seq))
        if p.state != "closed":
            raise DomainError(_("最终结果已公布，不能再答复。"))
        # The time the entry carries (never before the entry ahead of it, whatever this
        # machine's clock says) is the answer's stored time too.
        appender = Appender(session, p)
        now = appender.time(clock.now())
        salt = secrets.token_hex(32)
        body = core.answer_body(objection=seq, decision=decision, text=text, answered_by=actor,
                                proposal=p.uid, salt=salt)
        sealed = appender.append("answer", body, now)
        row.answer_seq, row.decision, row.answer_text = sealed.seq, decision, text
        row.answer_salt = salt
        row.answered_by, row.answered_at = actor, now
        audit.record(session, actor, "proposal.answer", community_id=p.community_id,
                     target=str(p.id), details={"seq": sealed.seq, "objection": seq,
                                                "decision": decision})
        publish_final_if_due(session, p, now)  # the last answer after the period's end
    return row


MAX_REASON = 500


def withdraw_text(proposal_ref: str, seq: int, reason: str, actor: str) -> Objection:
    """Take the text of the objection or answer at chain position `seq` off the board and
    the result notice (it names a person, gives a phone number...), with the reason. The
    chain keeps the digest and the entry, so the bundle still verifies and the board still
    shows that an objection was filed and how it was answered (docs §17). The salt that
    opens the entry's commitment is no longer published with it: without it the commitment
    cannot be checked against guesses of the text."""
    from votes.services.lifecycle import get_proposal

    proposal = get_proposal(proposal_ref)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("请填写撤下公示的理由。"))
    if len(reason) > MAX_REASON:
        raise DomainError(_("理由不能超过 %(n)d 字。", n=MAX_REASON))
    check_plain(reason, lines=True)
    # The reason says what personal data the text held, and is kept in the audit log for
    # good (regulators read and export it): a phone or ID number quoted in it is masked, as
    # in the texts themselves.
    reason = mask_in_text(reason)
    check_clerk(actor)
    with unit_of_work() as session:
        p = lock_proposal(session, proposal.id)
        row = None if not 0 <= seq < 2 ** 31 else session.scalar(  # INTEGER columns
            select(Objection).where(Objection.proposal_id == p.id,
                                    (Objection.seq == seq) | (Objection.answer_seq == seq))
            .execution_options(populate_existing=True))  # afresh, as answer() reads it
        if row is None:
            raise DomainError(_("没有第 %(n)s 条异议或答复。", n=seq))
        part = "objection" if row.seq == seq else "answer"
        if (row.text_withdrawn if part == "objection" else row.answer_withdrawn) is not None:
            raise DomainError(_("第 %(n)s 条记录的内容已经撤下公示。", n=seq))
        if part == "objection":
            row.text_withdrawn = reason
        else:
            row.answer_withdrawn = reason
        audit.record(session, actor, "proposal.text_withdrawn", community_id=p.community_id,
                     target=str(p.id), details={"seq": seq, "part": part, "reason": reason})
    return row
