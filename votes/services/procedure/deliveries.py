"""Proved deliveries of the notice and the 从多 figures at the close (docs §19).

Staff record, per voter, how and when the notice reached the owner, with a scan of the
proof; each record is a `delivery` chain entry before the close. Only where the community's
rules adopt 从多 (frozen in the proposal's rules)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from votes.core.canonical import format_time, parse_time
from votes.core.follow import (DELIVERY_METHODS, compute_follow,
                               counted_areas, delivery_body)
from votes.core.local_rules import Procedure
from votes.core.procedure import follow_mode
from votes.core.rules import Rules
from votes.core.tally import Tally
from votes.i18n import _
from votes.models import FrozenUnit, FrozenVoter, Proposal
from votes.services import audit, clock
from votes.services.chain_store import Appender, lock_proposal
from votes.services.errors import DomainError
from votes.services.labels import delivery_method_label
from votes.services.clerks import check_clerk
from votes.services.procedure.common import (entries_of, store_evidence,
                                              voter_of_unit)
from votes.services.tx import unit_of_work


@dataclass(frozen=True)
class Delivery:
    seq: int
    voter_key: str
    method: str
    delivered_at: datetime
    entered_by: str
    evidence: str

    @property
    def method_label(self) -> str:
        return delivery_method_label(self.method)


def record_delivery(proposal_ref: str, building: str, entrance: str, room: str, method: str,
                    delivered_at: str, evidence, actor: str) -> Delivery:
    """Enter one proved delivery (staff); DomainError for anything that cannot be proved."""
    from votes.services.lifecycle import get_proposal, refresh

    proposal = refresh(get_proposal(proposal_ref))
    # An emergency use has no vote, so no notice of one to deliver (§18.6). Not
    # proposal.emergency: an urgent vote (shorter publicity) carries it too, and its
    # notices are delivered as any vote's.
    if proposal.state == "emergency":
        raise DomainError(_("应急使用不经业主表决，没有表决通知，不能录入送达记录。"))
    if follow_mode(proposal.rules or {}) == "off":
        raise DomainError(_("本小区议事规则未采用“从多”，无需录入送达记录。"))
    method = {"当面": "hand", "当面签收": "hand", "挂号": "registered_mail", "邮寄": "registered_mail",
              "挂号邮寄": "registered_mail", "电子": "electronic",
              "电子送达": "electronic"}.get(method.strip(), method.strip())
    if method not in DELIVERY_METHODS:
        raise DomainError(_("送达方式应为当面签收、挂号邮寄或电子送达。"))
    when = clock.parse_iso(delivered_at, _("送达时间"))
    voter = voter_of_unit(proposal, building, entrance, room)
    if voter not in counted_voters(proposal, [voter]):
        raise DomainError(_("本小区议事规则规定车位、储藏室不计入表决，仅持有此类房屋的业主不参加"
                            "本次表决，也不适用“从多”，无需录入送达记录。"))
    check_clerk(actor)
    with unit_of_work() as session:
        # The proof is stored before the lock, as a clerk's ballot stores its scan: stored
        # under it, a delivery waited for the row of a ballot that brought the same file
        # (a scanned packet, receipt and form) while that ballot waited for the lock, and
        # PostgreSQL failed one of them as a deadlock.
        digest = store_evidence(session, proposal, evidence)
        p = lock_proposal(session, proposal.id)
        now = clock.now()
        if p.state != "voting" or not p.voting_start <= now < p.voting_end:
            raise DomainError(_("送达记录只能在表决期间录入（表决结束前）。"))
        if when > now:
            raise DomainError(_("送达时间不能晚于现在。"))
        if p.frozen_at and when < p.frozen_at:
            raise DomainError(_("送达时间早于方案公示，不能作为本次表决通知的送达。"))
        if any(d.voter_key == voter for d in deliveries(p)):
            raise DomainError(_("该业主的送达记录已录入。"))
        body = delivery_body(voter=voter, method=method, delivered_at=format_time(when),
                             evidence=digest, entered_by=actor)
        sealed = Appender(session, p).append("delivery", body, now)
        audit.record(session, actor, "proposal.delivery", community_id=p.community_id,
                     target=str(p.id), details={"seq": sealed.seq, "voter": voter,
                                                "method": method, "evidence": digest})
    return Delivery(sealed.seq, voter, method, when, actor, digest)


def deliveries(proposal: Proposal) -> list[Delivery]:
    """The delivery entries on the proposal's chain, in order."""
    out = []
    for s in entries_of(proposal, "delivery"):
        b = s.entry["body"]
        out.append(Delivery(s.seq, b["voter"], b["method"], parse_time(b["delivered_at"]),
                            b["entered_by"], b["evidence"]))
    return out


def counted_voters(proposal: Proposal, keys: list[str]) -> set[str]:
    """Those of these voter keys that hold a unit of a kind the rules count (§16)."""
    from votes.extensions import db

    excluded = Procedure.from_rules(proposal.rules).excluded_kinds
    query = select(FrozenUnit.voter_key).where(FrozenUnit.proposal_id == proposal.id,
                                               FrozenUnit.voter_key.in_(keys))
    if excluded:
        query = query.where(FrozenUnit.kind.not_in(excluded))
    return set(db.session.scalars(query))


def follow_at_close(session: Session, proposal: Proposal, tally: Tally,
                    voted: set[str]) -> dict | None:
    """The close's `follow`: the 从多 figures, or None where the rules do not adopt it.
    Followers are counted over the units the rules count (§16, §19)."""
    mode = follow_mode(proposal.rules or {})
    if mode == "off":
        return None
    excluded = Procedure.from_rules(proposal.rules).excluded_kinds
    if excluded:
        t = FrozenUnit.__table__.c
        area_of = counted_areas(session.execute(
            select(t.voter_key, t.area, t.kind).where(t.proposal_id == proposal.id)).all(),
            excluded)
    else:  # every unit counts: a voter's frozen area is the sum over all their units
        area_of = dict(session.execute(select(FrozenVoter.voter_key, FrozenVoter.area)
                                       .where(FrozenVoter.proposal_id == proposal.id)).all())
    delivered = [d.voter_key for d in deliveries(proposal)]
    return compute_follow(tally, Rules.from_dict(proposal.rules), mode, area_of, voted,
                          delivered).to_dict()

