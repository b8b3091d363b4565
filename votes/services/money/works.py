"""Recording the works on the proposal's chain: contract, payments, acceptance (§18)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from votes.core.full_width import ascii_forms
from votes.core.identity import mask_in_text
from votes.core import works
from votes.core.numbers import format_yuan
from votes.extensions import db
from votes.i18n import _
from votes.models import ChainEntry, Evidence, Proposal, ProposalDocument
from votes.services import audit, clock
from votes.services.chain_store import Appender, lock_proposal
from votes.services.errors import DomainError
from votes.services.labels import stage_label
from votes.services.lifecycle import proposal_now
from votes.services.plain_text import file_label
from votes.services.tx import unit_of_work

MAX_EVIDENCE = 20 * 1024 * 1024
MAX_PARTICIPANTS = 50
STAGE_ZH = {"contract": "合同", "payment": "付款中", "acceptance": "验收", "settlement": "结算"}
ACCEPTED_PAYMENT_ZH = "已验收，付款中"  # a payment after the acceptance (labels.stage_label)


@dataclass(frozen=True)
class EvidenceFile:
    name: str
    content: bytes


def tolerance_bp(proposal: Proposal) -> int:
    """How far above the approved budget a contract may go without a new vote (basis
    points): the community's rule as the proposal froze it when it was created (0 unless
    set), never the rule as it may read after the vote (§18)."""
    return int((proposal.rules or {}).get("budget_tolerance_bp", 0))


def works_bodies(session: Session, proposal: Proposal) -> list[dict]:
    """The works entries' bodies, in chain order: only of a chain as written (contract,
    payments and settlement are figures the pages and files show); tally.ResultUnshown
    otherwise. A chain with no works entry (a vote before its close: the board's every
    view) is not checked here."""
    lines = session.scalars(select(ChainEntry.line).where(
        ChainEntry.proposal_id == proposal.id, ChainEntry.kind == works.KIND)
        .order_by(ChainEntry.seq)).all()
    if lines:
        from votes.services.procedure.common import checked

        checked(proposal, _("不能显示本事项的工程和资金记录"))
    return [json.loads(line)["entry"]["body"] for line in lines]


def money_summaries(proposal_ids: Sequence[int]) -> dict[int, dict | None]:
    """money_stage of each proposal, in one query (the regulator's overview), unchecked: the
    overview shows none of a chain its figures find damaged (oversight.overview_rows). None
    for a proposal with a works row that is no entry: a row not JSON was a 500 of the
    whole overview, every community's votes with it."""
    bodies: dict[int, list[dict] | None] = {pid: [] for pid in proposal_ids}
    if proposal_ids:
        for pid, line in db.session.execute(select(ChainEntry.proposal_id, ChainEntry.line).where(
                ChainEntry.proposal_id.in_(list(proposal_ids)), ChainEntry.kind == works.KIND)
                .order_by(ChainEntry.proposal_id, ChainEntry.seq)):
            if bodies[pid] is None:
                continue
            try:
                bodies[pid].append(json.loads(line)["entry"]["body"])
            except (ValueError, KeyError, TypeError):  # JSONDecodeError is a ValueError
                bodies[pid] = None
    return {pid: None if items is None else _with_stage_words(works.money_stage(items))
            for pid, items in bodies.items()}


def money_summary(proposal: Proposal) -> dict:
    """Stage reached and amounts (fen) for the committee's and the regulator's pages."""
    summary = _with_stage_words(works.money_stage(works_bodies(db.session, proposal)))
    summary["budget"] = proposal.budget
    return summary


def _with_stage_words(summary: dict) -> dict:
    """The stage reached in words: Chinese for the printed documents (stage_zh), the
    visitor's language for pages (stage_label); empty before any works entry."""
    accepted = summary["accepted"]
    summary["stage_zh"] = ACCEPTED_PAYMENT_ZH if summary["stage"] == "payment" and accepted \
        else STAGE_ZH.get(summary["stage"], "")
    summary["stage_label"] = stage_label(summary["stage"], accepted) if summary["stage"] else ""
    return summary


def decision(session: Session, proposal: Proposal) -> str:
    """'vote' when the close passed on using the fund, 'emergency' for an emergency use;
    else a refusal."""
    kinds = set(session.scalars(select(ChainEntry.kind).where(
        ChainEntry.proposal_id == proposal.id, ChainEntry.kind.in_(("close", "emergency")))))
    if "emergency" in kinds or proposal.state == "emergency":
        from votes.services.procedure.common import checked

        # A vote's is checked by its close (outcome, close_entry); an emergency use's here,
        # its emergency entry deleted included.
        checked(proposal)
    if "emergency" in kinds:
        return "emergency"
    if proposal.state not in ("closed", "published") or "close" not in kinds:
        raise DomainError(_("表决结束且通过后才能登记工程和资金。"))
    from votes.services.procedure.outcome import outcome

    decided = outcome(proposal)  # by 从多 where adopted, after any objection period
    if decided.objection_days and decided.final is None:
        raise DomainError(_("异议期结束并公布最终结果后才能登记工程和资金。"))
    if not decided.result_passed:
        raise DomainError(_("表决未通过，不能动用维修资金。"))
    _spends_fund(proposal)
    return "vote"


def spends_no_fund(proposal: Proposal) -> bool:
    """True once the decision is final and lets no money out of the fund: the vote failed
    (by its final result where there is an objection period), or it decided another matter
    than using the fund. An owner of such a vote is told so, never that a settlement is
    still to come; False while the result may still change, and for a passed use."""
    if proposal.state not in ("closed", "published"):
        return False
    from votes.services.procedure.outcome import outcome

    decided = outcome(proposal)
    if decided is None or decided.preliminary:
        return False
    return not decided.result_passed or proposal.matter != "use_fund"


def _spends_fund(proposal: Proposal) -> None:
    """Only a decision to use the fund (使用维修资金, or an emergency use, which is one) lets
    money out of it. A passed vote on another matter — "other" with a budget, or raising
    the fund (续筹) — decided nothing of the kind, and its thresholds may be the lower ones
    of another matter than the community's rules set for using the fund."""
    if proposal.matter != "use_fund":
        from votes.services.labels import matter_label

        raise DomainError(_("只有“使用维修资金”的表决通过后才能动用维修资金；本事项是“%(matter)s”。",
                            matter=matter_label(proposal.matter)))


def older_format_refusal(session: Session, proposal: Proposal) -> str | None:
    """Why no works can be recorded on this vote: its chain was started before version 3
    of the spec, and its bundle's format (votes-bundle/1) has no works entry — one appended
    would fail step 1.5 of every later export, and the chain cannot take it back."""
    from votes.services.chain_store import older_format

    written = older_format(session, proposal)
    if written is None:
        return None
    return _("本表决由升级前的旧版本系统开始，记录链是旧格式（%(format)s），不能记载工程和资金："
             "记上后，本表决的导出包将再也无法通过验证，所以不能在本表决上登记工程和资金。本表决"
             "的导出包和申请材料仍可照常生成；工程和资金请按原有方式向维修资金管理部门办理，或"
             "重新发起表决，待其通过后在新表决上登记。", format=written)


def works_refusal(session: Session, proposal: Proposal) -> str | None:
    """Why no works can be recorded on this proposal now, None when they can: what
    append_stage would refuse (the decision, the chain's format), said on the works page
    before the committee fills in a form and uploads its scans."""
    from votes.services.records import COMMITTEE
    from votes.services.tally import ResultUnshown

    try:
        decision(session, proposal)
    except ResultUnshown as damaged:  # the works page is the committee's: its words
        return damaged.words(COMMITTEE)
    except DomainError as err:
        return err.message
    return older_format_refusal(session, proposal)


def order_refusal(stage: str, seen: Sequence[str]) -> str | None:
    """Why this stage cannot be recorded now (the same order step 18.3 checks)."""
    if "settlement" in seen:
        return _("已结算，不能再登记。")
    if stage == "contract":
        return _("合同已登记，不能再登记第二份。") if seen else None
    if not seen:
        return _("请先登记施工合同。")
    if stage == "acceptance" and "acceptance" in seen:
        return _("验收已登记。")
    if stage == "settlement" and "acceptance" not in seen:
        return _("请先登记验收。")
    return None


def store_evidence(session: Session, proposal: Proposal,
                   files: Sequence[EvidenceFile]) -> list[str]:
    """Keep each file with the proposal; its SHA-256 is what the chain entry carries."""
    if not files:
        raise DomainError(_("请上传至少一个证明材料（合同、凭证、照片或报告）。"))
    digests = []
    for f in files:
        if not f.content or len(f.content) > MAX_EVIDENCE:
            raise DomainError(_("证明材料 %(name)s 为空或超过 20 MB。", name=file_label(f.name, 100)))
        digest = hashlib.sha256(f.content).hexdigest()
        known = session.scalar(select(Evidence.id).where(
            Evidence.proposal_id == proposal.id, Evidence.sha256 == digest))
        if known is None and digest not in digests:
            session.add(Evidence(proposal_id=proposal.id, sha256=digest, name=file_label(f.name),
                                 content=f.content))
        digests.append(digest)
    return digests


def append_stage(proposal_ref: str, stage: str, actor: str, build) -> Proposal:
    """Under the proposal's lock: check the decision and the order, let build(session, p,
    bodies, when) make the body (or refuse), append it at `when`, audit it — all in one
    commit. `when` is the time the entry carries, for what build stores beside it."""
    # As the clock has made it, from the CLI as from the works pages: a vote ended by the
    # clock is closed whether or not `votes tick` has run since.
    proposal = proposal_now(proposal_ref)
    with unit_of_work() as session:
        p = lock_proposal(session, proposal.id)
        decision(session, p)
        refusal = older_format_refusal(session, p)
        if refusal:
            raise DomainError(refusal)
        bodies = works_bodies(session, p)
        refusal = order_refusal(stage, [b["stage"] for b in bodies])
        if refusal:
            raise DomainError(refusal)
        appender = Appender(session, p)
        when = appender.time(clock.now())
        body = build(session, p, bodies, when)
        sealed = appender.append(works.KIND, body, when)
        details = {k: v for k, v in body["data"].items() if k != "evidence"}
        audit.record(session, actor, f"works.{stage}", community_id=p.community_id,
                     target=str(p.id), details={"entry": sealed.digest, **details})
    return p


def _plain(*texts: str) -> None:
    """Contractor, notes and names go on the chain and the public board as typed (a mobile
    or ID number in them masked first, as in an objection: mask_in_text), and on the
    settlement notice and the application form: a character their font lacks would print
    as an empty box on a notice posted to every owner."""
    from votes.services.plain_text import check_plain, check_printable

    check_plain(*texts, lines=True)
    check_printable(*texts)


def _positive(amount: int) -> int:
    if amount <= 0:
        raise DomainError(_("金额必须大于 0。"))
    return amount


def beyond_emergency() -> str:
    """What is true past the tolerance for an emergency use: there was no vote to hold again,
    its budget cannot be raised once published (§18.6), and only the owners can let more of
    the fund out, by a vote on using it."""
    return _("超出部分不能作为应急使用列支。应急使用未经业主表决，其预算公布后不能提高；超出的费用"
             "须另行发起“使用维修资金”的业主表决，通过后在该表决上登记。")


def refuse_above_emergency_cap(p: Proposal, amount: int, what: str) -> None:
    """An emergency use's contract or final cost above the community's cap on what may be
    spent without an owner vote (emergency_max_budget): the tolerance over the budget took
    a use budgeted at the cap past it, without a vote. Its published budget stands if the
    cap was lowered since; the cap is the server's rule, read as it is now (§18.6)."""
    from votes.core.local_rules import emergency_cap

    if p.state != "emergency":
        return
    cap = emergency_cap(p.community.rules)
    if cap and amount > max(cap, p.budget):
        raise DomainError(_(
            "%(what)s %(amount)s 元超过本小区议事规则规定的应急使用（不经业主表决）预算上限 "
            "%(cap)s 元（%(what)s最高 %(most)s 元）：%(why)s", what=what,
            amount=format_yuan(amount), cap=format_yuan(cap),
            most=format_yuan(max(cap, p.budget)), why=beyond_emergency()))


def record_contract(proposal_ref: str, *, contractor: str, amount: int,
                    evidence: Sequence[EvidenceFile], actor: str = "cli") -> Proposal:
    contractor = mask_in_text(" ".join((contractor or "").split()))
    if not contractor or len(contractor) > 200:
        raise DomainError(_("请填写施工单位名称（不超过 200 字）。"))
    _plain(contractor)

    def build(session, p, bodies, when):
        tolerance = tolerance_bp(p)
        if not works.within_tolerance(_positive(amount), p.budget, tolerance):
            # The most it may be, as the settlement's refusal says it: no budget × (1 +
            # tolerance) worked out by hand.
            figures = dict(amount=format_yuan(amount), budget=format_yuan(p.budget),
                           pct=format_yuan(tolerance),
                           most=format_yuan(works.most_within_tolerance(p.budget, tolerance)))
            if p.state == "emergency":
                raise DomainError(_(
                    "合同金额 %(amount)s 元超过应急使用预算 %(budget)s 元，且超出幅度大于本小区"
                    "议事规则允许的 %(pct)s%%（合同金额最高 %(most)s 元）：%(why)s",
                    why=beyond_emergency(), **figures))
            raise DomainError(_(
                "合同金额 %(amount)s 元超过表决通过的预算 %(budget)s 元，且超出幅度大于本小区"
                "议事规则允许的 %(pct)s%%：合同金额最高 %(most)s 元，超出的费用需要重新表决。",
                **figures))
        refuse_above_emergency_cap(p, amount, _("合同金额"))
        return works.contract_body(contractor=contractor, amount=amount, tolerance_bp=tolerance,
                                   evidence=store_evidence(session, p, evidence))

    return append_stage(proposal_ref, "contract", actor, build)


def record_payment(proposal_ref: str, *, amount: int, note: str,
                   evidence: Sequence[EvidenceFile], actor: str = "cli") -> Proposal:
    # Masked before the cut: a number the cut fell inside was published in part (an ID
    # number's region and birth date), too short for the mask to know it.
    note = mask_in_text(" ".join((note or "").split()))[:200]
    _plain(note)

    def build(session, p, bodies, when):
        summary = works.money_stage(bodies)
        if summary["paid"] + _positive(amount) > summary["contract"]:
            raise DomainError(_(
                "付款合计将达到 %(total)s 元，超过合同金额 %(contract)s 元。",
                total=format_yuan(summary["paid"] + amount),
                contract=format_yuan(summary["contract"])))
        # Read before store_evidence adds this payment's own files to the session.
        on_record = _on_record(session, p, evidence)
        digests = store_evidence(session, p, evidence)
        used = {d for b in bodies if b["stage"] == "payment" for d in b["data"]["evidence"]}
        if used.issuperset(digests):
            # A form sent twice (a double click, a reload) is the same payment again: the
            # chain cannot take it back, and the fund would show it paid twice.
            raise DomainError(_(
                "这些付款凭证已登记过一笔付款：同一笔付款不能登记两次。如确为另一笔付款，"
                "请上传它自己的付款凭证。"))
        _refuse_borrowed_voucher(session, p, bodies, evidence, digests, on_record)
        return works.payment_body(amount=amount, note=note, evidence=digests)

    return append_stage(proposal_ref, "payment", actor, build)


def _on_record(session: Session, p: Proposal, files: Sequence[EvidenceFile]) -> dict[str, str]:
    """Which of these files the proposal already holds, by digest: its published documents
    (by their name) and every scan kept with it — ballots, proxies, deliveries, withdrawals,
    the works' files (an empty name: what they were recorded as is not kept beside them)."""
    wanted = {hashlib.sha256(f.content).hexdigest() for f in files}
    held = dict.fromkeys(session.scalars(select(Evidence.sha256).where(
        Evidence.proposal_id == p.id, Evidence.sha256.in_(wanted))), "")
    for digest, name in session.execute(select(ProposalDocument.sha256, ProposalDocument.name)
                                        .where(ProposalDocument.proposal_id == p.id,
                                               ProposalDocument.sha256.in_(wanted))):
        held[digest] = name  # a document's own name says more than a scan's
    return held


def _refuse_borrowed_voucher(session: Session, p: Proposal, bodies: Sequence[dict],
                            files: Sequence[EvidenceFile], digests: Sequence[str],
                            on_record: dict[str, str]) -> None:
    """A payment whose every file the proposal already holds — as the contract, the
    acceptance's photos and report, the emergency's confirmation, an earlier payment's
    voucher, a published document, a ballot's or a delivery's scan — has no voucher of its
    own: the chain would say the money went out on the strength of the contract, or of an
    owner's ballot. One file of its own, with the contract alongside, is a voucher."""
    earlier: dict[str, str] = {}
    line = session.scalar(select(ChainEntry.line).where(
        ChainEntry.proposal_id == p.id, ChainEntry.kind == works.EMERGENCY))
    scans = [] if line is None else [("emergency", json.loads(line)["entry"]["body"])]
    for stage, body in scans + [(b["stage"], b["data"]) for b in bodies]:
        for d in body["evidence"]:
            earlier.setdefault(d, stage)
    for d, document in on_record.items():
        earlier.setdefault(d, "document" if document else "other")
    if not all(d in earlier for d in digests):
        return
    name, stage, d = next((file_label(f.name, 100), earlier[d], d) for f, d in zip(files, digests)
                          if earlier[d] != "payment")
    if stage == "contract":
        said = _("付款凭证“%(name)s”与已登记的合同是同一文件。", name=name)
    elif stage == "acceptance":
        said = _("付款凭证“%(name)s”与已登记的验收材料是同一文件。", name=name)
    elif stage == "emergency":
        said = _("付款凭证“%(name)s”与已登记的应急使用证明材料是同一文件。", name=name)
    elif stage == "document":
        said = _("付款凭证“%(name)s”与本议案公布的附件“%(document)s”是同一文件。", name=name,
                 document=on_record[d][:100])
    else:
        said = _("付款凭证“%(name)s”与本表决已登记的其他材料是同一文件（如纸质表决票、委托书或"
                 "送达凭证的扫描件）。", name=name)
    if stage in ("contract", "acceptance", "emergency"):
        raise DomainError(_("%(said)s合同、验收或证明材料不能作为付款凭证：每笔付款须上传它自己的"
                            "付款凭证（如银行回单、收款收据）。", said=said))
    raise DomainError(_("%(said)s已为其他用途登记的文件不能作为付款凭证：每笔付款须上传它自己的"
                        "付款凭证（如银行回单、收款收据）。", said=said))


def record_acceptance(proposal_ref: str, *, date: str, participants: Sequence[str],
                      evidence: Sequence[EvidenceFile], actor: str = "cli") -> Proposal:
    names = [mask_in_text(" ".join(n.split()))[:100] for n in participants if n and n.strip()]
    # Full-width digits and dashes (a Chinese input method's) read as amounts' do; the
    # chain keeps the date in ASCII, as §18.1 has it.
    date = ascii_forms(date or "").strip()
    if not works.is_date(date):  # the shape, and a day of the calendar
        raise DomainError(_("验收日期应写作 YYYY-MM-DD。"))
    if not names:
        raise DomainError(_("请填写参加验收的人员或单位。"))
    if len(names) > MAX_PARTICIPANTS:  # the entry is on the chain and the public board
        raise DomainError(_("参加验收的人员或单位最多 %(n)d 个。", n=MAX_PARTICIPANTS))
    _plain(*names)

    def build(session, p, bodies, when):
        refusal = _acceptance_date_refusal(p, date, when)
        if refusal:
            raise DomainError(refusal)
        return works.acceptance_body(date=date, participants=names,
                                     evidence=store_evidence(session, p, evidence))

    return append_stage(proposal_ref, "acceptance", actor, build)


def _acceptance_date_refusal(p: Proposal, text: str, when) -> str | None:
    """An acceptance is recorded once it took place, so never after today, and the chain
    keeps its date for good: "9999-12-31" made the settlement notice show an acceptance
    after its own date. Today is the entry's own day in Beijing time (the chain's time,
    not a clock stepped back behind it). Nor before the decision: voting opened (for an
    emergency use, its application published) before any works the fund pays for."""
    from votes.services.clock import local_text

    today = local_text(when, "%Y-%m-%d")
    if text > today:  # YYYY-MM-DD strings order as the dates do
        return _("验收日期 %(date)s 晚于今天（%(today)s）：请在验收完成后登记，填写实际验收的日期。",
                 date=text, today=today)
    if p.state == "emergency":  # not p.emergency: an urgent vote is decided at its close
        start = local_text(p.voting_start, "%Y-%m-%d")
        if text < start:
            return _("验收日期 %(date)s 早于本应急使用申请公布的日期 %(start)s：请填写实际验收的"
                     "日期。", date=text, start=start)
        return None
    # A vote decided at its close: a date while it was still open (its first days included)
    # is before any decision to spend, as much as one before it opened.
    from votes.services.procedure.common import close_entry

    closed = local_text(clock.parse_iso(close_entry(p).entry["time"], "close"), "%Y-%m-%d")
    if text < closed:
        return _("验收日期 %(date)s 早于本表决结束的日期 %(closed)s：表决通过后才能动用维修"
                 "资金施工，请填写实际验收的日期。", date=text, closed=closed)
    return None


def set_tolerance(code: str, percent: str, actor: str = "cli") -> int:
    """The community's tolerance over an approved budget, in percent with 2 decimals
    (e.g. "5" or "5.5"); returns basis points. Audited; proposals keep their contracts."""
    from votes.core.numbers import parse_yuan
    from votes.services.communities import get_community, lock_community

    community = get_community(code)
    try:
        bp = parse_yuan(percent)  # hundredths, exactly like fen
    except ValueError:
        bp = -1
    if not 0 <= bp <= works.BASIS_POINTS:
        raise DomainError(_("允许超出预算的幅度应为 0 到 100 之间、最多两位小数的百分数。"))
    with unit_of_work() as session:
        # The rules as they are now, under the row's lock (communities.set_rules): another
        # change made at the same moment is kept, not written over.
        community = lock_community(session, community.id)
        community.rules = {**(community.rules or {}), "budget_tolerance_bp": bp}
        audit.record(session, actor, "community.tolerance", community_id=community.id,
                     target=code, details={"budget_tolerance_bp": bp})
    return bp
