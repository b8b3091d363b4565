"""A proposal's life: draft → publicity → voting → closed → published.

Moves happen when their time has come (checked by `refresh` on every request and by
`votes tick`) or by a committee action where the rules allow it.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from votes.core import chain
from votes.core.bundle import FORMAT_V2
from votes.core.canonical import format_time, parse_time
from votes.core.bulk_gc import paused_gc
from votes.core.numbers import whole_number
from votes.extensions import db
from votes.i18n import _
from votes.models import FrozenVoter, Proposal
from votes.models.base import MAX_ID
from votes.services import audit, clock
from votes.services.chain_store import Appender, lock_proposal
from votes.services.errors import DomainError, NotFound
from votes.services.records import proposal_record, roll_record
from votes.services.schema import database_problem
from votes.services.procedure.objections import final_due, refuse_manual_publish
from votes.services.tally import closing_tally, voted_voters
from votes.services.tx import unit_of_work
from votes.services.freeze import freeze

log = logging.getLogger(__name__)

STATE_ZH = {"draft": "草稿", "publicity": "公示中", "voting": "表决中", "closed": "已结束",
            "published": "结果已公布", "withdrawn": "已撤回"}
STATE_EN = {"draft": "draft", "publicity": "in publicity", "voting": "voting in progress",
            "closed": "closed", "published": "result published", "withdrawn": "withdrawn"}
STATE_ZH["emergency"], STATE_EN["emergency"] = "应急使用（未经表决）", "emergency use, no vote"


def get_proposal(proposal_ref: str | int) -> Proposal:
    ref = str(proposal_ref)
    query = select(Proposal).where(Proposal.uid == ref)
    number = whole_number(ref, digits=len(str(MAX_ID)))
    if number is not None and number <= MAX_ID:
        query = select(Proposal).where((Proposal.id == number) | (Proposal.uid == ref))
    proposal = db.session.scalar(query)
    if proposal is None:
        raise NotFound(_("没有编号为 %(ref)s 的表决事项", ref=ref))
    return proposal


def _open(session: Session, proposal: Proposal, when: datetime) -> None:
    session.flush()
    proposal.record = proposal_record(proposal)
    body = chain.genesis_body(proposal.record, roll_record(proposal), proposal.rules)
    Appender(session, proposal).append("genesis", body, when)
    proposal.state = "voting"
    proposal.opened_at = when


def _close(session: Session, proposal: Proposal, when: datetime) -> None:
    from votes.services.procedure.deliveries import follow_at_close

    tally, counted, openings = closing_tally(session, proposal)  # reveals the choices
    appender = Appender(session, proposal)  # its read of the format serves its check too
    body = chain.close_body(tally.to_dict(), counted, openings)
    if appender.format() == FORMAT_V2:
        # A chain started before version 3: its genesis froze no 从多 and its close has no
        # `follow` (docs/verification.md §9.1); with one it failed 1.5 at every export.
        del body["follow"]
    else:
        voted = voted_voters(session, proposal)  # a withdrawn ballot's voter did not vote
        body["follow"] = follow_at_close(session, proposal, tally, voted)  # apart (§19)
    sealed = appender.append("close", body, when)
    proposal.state = "closed"
    proposal.closed_at = parse_time(sealed.entry["time"])  # whole seconds, as the chain has it


def open_without_vote(session: Session, proposal: Proposal, when: datetime) -> None:
    """An emergency use (应急使用): freeze the scope and write the genesis at once, in the
    caller's transaction; no publicity period and no ballots follow."""
    freeze(session, proposal, when)
    _open(session, proposal, when)


def _advance(session: Session, proposal: Proposal, now: datetime, mine: str = "") -> None:
    """Apply every move whose time has come, in order, each at its own time, and audit each
    as the clock's (actor "system") in the same transaction, under the caller's lock on the
    proposal: of two timers or pages at once, only the one that moves it records the move.
    `mine` is the action a committee member's move audits under the member's name (the
    click that opened or closed a vote whose time had come): not the clock's as well."""
    with paused_gc():  # freezing, opening and closing handle a whole electorate
        _advance_now(session, proposal, now, mine)


def _advance_now(session: Session, proposal: Proposal, now: datetime, mine: str) -> None:
    def moved(action: str, when: datetime) -> None:
        if action != mine:
            _audit(session, audit.CLOCK, action, proposal,
                   {"by": "clock", "at": format_time(when)})

    if proposal.state == "draft" and proposal.publicity_scheduled \
            and proposal.publicity_start <= now \
            and proposal.publicity_start >= proposal.created_at:  # never back-dated
        freeze(session, proposal, proposal.publicity_start)
        moved("proposal.publicity", proposal.frozen_at)
    if proposal.state == "publicity" and proposal.voting_start <= now:
        _open(session, proposal, max(proposal.voting_start, proposal.frozen_at))
        moved("proposal.open", proposal.opened_at)
    if proposal.state == "voting" and proposal.voting_end <= now:
        _close(session, proposal, proposal.voting_end)
        moved("proposal.close", proposal.closed_at)
    if proposal.state == "closed":
        from votes.services.procedure.objections import publish_final_if_due

        publish_final_if_due(session, proposal, now)


def refresh(proposal: Proposal) -> Proposal:
    """Bring one proposal up to date with the clock (called on every request)."""
    return _refresh(proposal)[0]


def refresh_or_keep(proposal: Proposal) -> Proposal:
    """refresh, or the proposal where it stands when the move the clock makes due refuses
    (a scheduled draft whose scope has no flat left on a replaced roll): the refusal is the
    move's own to say (the committee's page, `votes tick`), not that of whatever reads or
    edits the proposal meanwhile."""
    try:
        return refresh(proposal)
    except DomainError:
        return proposal


def proposal_now(proposal_ref: str | int) -> Proposal:
    """get_proposal, as the clock has made it (refresh_or_keep): what every page of a
    proposal reads, and the commands and services that act on one by its reference."""
    return refresh_or_keep(get_proposal(proposal_ref))


def _refresh(proposal: Proposal) -> tuple[Proposal, str]:
    """refresh, and the state this call moved the proposal from: as read under the lock, so
    that of two timers at once only the one that moved it says so."""
    now = clock.now()
    if not _due(proposal, now):
        return proposal, proposal.state
    with unit_of_work() as session:
        locked = lock_proposal(session, proposal.id)
        before = locked.state
        # The clock is read again under the lock, so no entry predates the one before it.
        _advance(session, locked, clock.now())
    return locked, before


def _due(p: Proposal, now: datetime) -> bool:
    return (p.state == "draft" and p.publicity_scheduled
            and p.created_at <= p.publicity_start <= now) or \
        (p.state == "publicity" and p.voting_start <= now) or \
        (p.state == "voting" and p.voting_end <= now) or \
        (p.state == "closed" and final_due(p, now))


def tick(refused: list[tuple[int, str]] | None = None) -> list[tuple[Proposal, str, str]]:
    """Move every proposal whose time has come; return (proposal, from, to).

    A proposal that cannot move (a refusal: say its scope has no flat left on a roll
    replaced after its publicity was scheduled) stays as it is, and with `refused` is
    listed there as (id, message) while the others still move: one community's problem
    must not stop the timer of every other (closes, openings, the sweeps after it)."""
    moved = []
    ids = db.session.scalars(select(Proposal.id).where(
        Proposal.state.in_(("draft", "publicity", "voting", "closed"))).order_by(Proposal.id))
    for proposal_id in list(ids):
        try:
            # Read inside the guard: a connection lost here ended the whole run.
            proposal = db.session.get(Proposal, proposal_id)
            # Its own transaction, rolled back on a refusal.
            proposal, before = _refresh(proposal)
        except DomainError as err:
            if refused is None:
                raise
            refused.append((proposal_id, _refusal(err)))
            continue
        except Exception as exc:
            # A fault of this proposal's own (a database error, a bug its data meets) failed
            # every run at the same place: no later proposal of any community was closed
            # or opened by the timer. Its transaction is already rolled back; the operator
            # gets the proposal on the list, and the traceback of a fault in the log. A
            # database the environment let down (unreachable, a lock timeout) is said as
            # such, as every other command says it, not as a bug.
            if refused is None:
                raise
            _forget()
            problem = database_problem(exc)
            if problem is None:
                log.exception("votes tick: proposal %s could not move", proposal_id)
                problem = _("内部错误（%(kind)s），详见服务器日志", kind=type(exc).__name__)
            else:
                log.warning("votes tick: proposal %s could not move: %s", proposal_id, problem)
            refused.append((proposal_id, problem))
            continue
        if proposal.state != before:
            moved.append((proposal, before, proposal.state))
    return moved


def _refusal(err: DomainError) -> str:
    """A proposal's refusal to move, as the timer's journal says it: a chain damaged in the
    database (the close refuses to seal a tally over it) in the words of the command line,
    the office's and the administrator's (votes.commands.domain_errors)."""
    from votes.services.records import COMMITTEE, ChainDamaged
    from votes.services.tally import CloseMissing, ResultUnshown

    if isinstance(err, (ResultUnshown, ChainDamaged, CloseMissing)):
        return err.words(COMMITTEE)
    return err.message


def _forget() -> None:
    """Roll the session back after a failed move; a lost connection may fail that too, and
    then the session is dropped, the next proposal starting on a new one."""
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001  (the connection is gone: nothing to roll back)
        db.session.remove()


def journal_name(proposal: Proposal, limit: int = 16) -> str:
    """A proposal as the timer's journal names it beside its id: the community's code and
    its title, shortened ("SUN 二号楼电梯更换及井道消防设…")."""
    title = proposal.title if len(proposal.title) <= limit else proposal.title[:limit] + "…"
    return f"{proposal.community.code} {title}"


def _committee_move(proposal_ref: str, actor: str, action: str, act,
                    details: dict | None = None) -> Proposal:
    """Run one committee action under the proposal's lock, and audit it in the same commit,
    unless `act` returns NOTHING_DONE (what it was asked was already done, by someone else:
    the audit log must not name this actor for it)."""
    proposal = get_proposal(proposal_ref)
    with unit_of_work() as session:
        p = lock_proposal(session, proposal.id)
        # The time is read under the lock, like every chain entry's time.
        if act(session, p, clock.now()) is not NOTHING_DONE:
            _audit(session, actor, action, p, details)
    return p


NOTHING_DONE = object()


def start_publicity(proposal_ref: str, actor: str = "cli") -> Proposal:
    """Committee action: publish the plan now and freeze the electorate."""

    def act(session: Session, p: Proposal, now: datetime) -> None:
        if p.state != "draft":
            raise DomainError(_("只有草稿可以开始公示，当前状态：%(state)s",
                                state=_(STATE_ZH[p.state])))
        from votes.services.proposal_create import check_publicity_length

        check_publicity_length(p, now)
        p.publicity_start = now  # publicity starts when it is published, not before
        freeze(session, p, now)

    return _committee_move(proposal_ref, actor, "proposal.publicity", act)


def open_voting(proposal_ref: str, actor: str = "cli") -> Proposal:
    """Committee action: open voting once its start time has come."""

    def act(session: Session, p: Proposal, now: datetime) -> None:
        if p.state == "emergency":  # decided without a vote (§18.6): never opened for one
            raise DomainError(_("应急使用不经业主表决，不能开始表决。"))
        if p.state in ("voting", "closed", "published", "withdrawn"):
            raise DomainError(_("表决已开始或已结束，当前状态：%(state)s",
                                state=_(STATE_ZH[p.state])))
        if p.state == "draft" and not p.publicity_scheduled:
            raise DomainError(_("草稿尚未公示：请先开始公示，公示期满后才能开始表决"))
        if now < p.voting_start:
            raise DomainError(_("表决开始时间 %(time)s 未到，公示期内不能提前开始",
                                time=clock.local_text(p.voting_start)))
        _advance(session, p, now, mine="proposal.open")

    return _committee_move(proposal_ref, actor, "proposal.open", act)


def close_voting(proposal_ref: str, actor: str = "cli") -> Proposal:
    """Committee action: close after the end, or early once every voter has voted."""

    def act(session: Session, p: Proposal, now: datetime):
        if p.state in ("closed", "published"):
            return NOTHING_DONE  # the timer, or another member, closed it first
        _advance(session, p, now, mine="proposal.close")
        if p.state in ("closed", "published"):
            return  # the end had come: this click is what closed it
        if p.state != "voting":
            raise DomainError(_("表决尚未开始，当前状态：%(state)s",
                                state=_(STATE_ZH[p.state])))
        voters = session.scalar(select(func.count()).select_from(FrozenVoter)
                                .where(FrozenVoter.proposal_id == p.id))
        voted = len(voted_voters(session, p))  # a withdrawn ballot's voter has not voted
        if voted < voters:
            raise DomainError(_("表决截止时间 %(time)s 未到，且尚有 %(left)s 位业主未表决，不能提前结束",
                                time=clock.local_text(p.voting_end), left=voters - voted))
        _close(session, p, now)

    return _committee_move(proposal_ref, actor, "proposal.close", act)


def publish_result(proposal_ref: str, actor: str = "cli") -> Proposal:
    """Committee action: publish the result of a closed vote."""

    def act(session: Session, p: Proposal, now: datetime) -> None:
        _advance(session, p, now)
        if p.state != "closed":
            raise DomainError(_("只有已结束的表决可以公布结果，当前状态：%(state)s",
                                state=_(STATE_ZH[p.state])))
        refuse_manual_publish(p)
        p.state = "published"
        p.published_at = now

    return _committee_move(proposal_ref, actor, "proposal.publish", act)


def made_already(p: Proposal, move: str) -> str | None:
    """What to tell a committee member whose move was made already: by the clock (the
    page's own request moves a proposal whose time has come, before the click is read), or,
    for a close, by another member. The click has nothing left to do, which must be said,
    not passed over in silence. None when the move's own refusal says where it stands."""
    from votes.models import AuditEntry

    if move == "close" and p.state in ("closed", "published"):
        action, when = "proposal.close", p.closed_at
    elif move == "open" and p.state in ("voting", "closed", "published"):
        action, when = "proposal.open", p.opened_at
    elif move in ("start-publicity", "schedule-publicity") and p.state != "draft" \
            and p.frozen_at is not None:
        action, when = "proposal.publicity", p.frozen_at
    else:
        return None
    actor = db.session.scalar(select(AuditEntry.actor).where(
        AuditEntry.target == str(p.id), AuditEntry.action == action)
        .order_by(AuditEntry.seq).limit(1))
    time = clock.local_text(when)
    if actor != audit.CLOCK:
        if action != "proposal.close" or actor is None:
            return None
        return _("表决已于 %(time)s 由 %(who)s 结束，无需再结束表决。", time=time, who=actor)
    if action == "proposal.close":
        return _("表决已于结束时间 %(time)s 自动结束，无需再结束表决。", time=time)
    if action == "proposal.open":
        return _("表决已于开始时间 %(time)s 按计划自动开始，无需再开始表决。", time=time)
    return _("公示已于计划时间 %(time)s 自动开始，无需再开始公示。", time=time)


def _audit(session: Session, actor: str, action: str, p: Proposal,
           details: dict | None = None) -> None:
    audit.record(session, actor, action, community_id=p.community_id, target=str(p.id),
                 details={"state": p.state, "chain_head": p.chain_head or "", **(details or {})})


def schedule_publicity(proposal_ref: str, actor: str = "cli") -> Proposal:
    """Committee action: confirm the draft's planned publicity start; from then on the
    proposal moves to publicity by itself at that time (`refresh`, `votes tick`)."""

    def act(session: Session, p: Proposal, now: datetime) -> None:
        if p.state != "draft":
            raise DomainError(_("只有草稿可以安排公示，当前状态：%(state)s",
                                state=_(STATE_ZH[p.state])))
        if p.publicity_start is None or p.publicity_start < now:
            raise DomainError(_("计划的公示开始时间已过去：请改为立即开始公示，或修改草稿的时间"))
        from votes.services.proposal_create import check_publicity_length

        check_publicity_length(p, p.publicity_start)
        p.publicity_scheduled = True

    return _committee_move(proposal_ref, actor, "proposal.schedule", act)


def withdraw(proposal_ref: str, reason: str, actor: str = "cli") -> Proposal:
    """Committee action: end a proposal in publicity without a vote or result, with a reason
    shown on its board."""
    from votes.core.identity import mask_in_text
    from votes.services.plain_text import check_plain

    reason = (reason or "").strip()
    check_plain(reason, lines=True)
    # Shown to anyone on the board: a phone or ID number quoted in it (whose owner asked
    # for the withdrawal) is masked as in an objection; an ID number's last six characters
    # are its owner's second factor.
    reason = mask_in_text(reason)

    def act(session: Session, p: Proposal, now: datetime) -> None:
        _advance(session, p, now)
        if p.state == "voting":
            raise DomainError(_("表决已开始，不能撤回：已有业主可能已投票，选票已记入记录链；"
                                "只能按期结束表决并公布结果"))
        if p.state == "draft":
            raise DomainError(_("草稿尚未公示，无需撤回，可直接修改或删除"))
        if p.state != "publicity":
            raise DomainError(_("只有公示中的事项可以撤回，当前状态：%(state)s",
                                state=_(STATE_ZH[p.state])))
        if not reason:
            raise DomainError(_("请填写撤回原因，它将显示在公示栏"))
        if len(reason) > 2000:
            raise DomainError(_("撤回原因不能超过 2000 字"))
        p.state = "withdrawn"
        p.withdrawn_at = now
        p.withdraw_reason = reason

    return _committee_move(proposal_ref, actor, "proposal.withdraw", act, {"reason": reason})
