"""Emergency use (应急使用) of the fund without an owner vote, for dangers to safety.

The committee or the property company applies with the confirmation evidence; the plan is
published on the board at once, saying that no vote was held and why. On the chain it is a
genesis (the scope's roll frozen for the apportionment) followed by an `emergency` entry,
never ballots or a close (docs/verification.md §18.6); works and settlement follow as after
a passed vote."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Sequence

from sqlalchemy import select

from votes.core import works
from votes.extensions import db
from votes.i18n import _
from votes.models import ChainEntry, Proposal, ProposalItem
from votes.services import audit, clock
from votes.services.chain_store import Appender
from votes.services.errors import DomainError
from votes.services.plain_text import check_plain
from votes.services.money.works import EvidenceFile, store_evidence
from votes.services.proposal_create import (DocumentUpload, ProposalDraft, check_draft,
                                            stored_documents)
from votes.services.tx import unit_of_work

CATEGORY_ZH = {"elevator": "电梯故障危及人身安全", "fire": "消防设施失效",
               "leak": "屋面、外墙渗漏或管道爆裂", "facade": "外墙、附属物脱落危及安全"}
APPLICANT_ZH = {"committee": "业主委员会", "property_company": "物业服务企业"}
MAX_REASON = 2000


@dataclass(frozen=True)
class EmergencyApplication:
    community: str
    title: str
    scope: str
    budget: str
    category: str  # one of works.CATEGORIES
    applicant: str  # committee or property_company
    reason: str  # why it cannot wait for a vote: shown on the board
    items: tuple[str, ...] = ()
    documents: tuple[DocumentUpload, ...] = ()
    description: str = ""


def _check(app: EmergencyApplication) -> str:
    if app.category not in works.CATEGORIES:
        raise DomainError(_("应急使用仅限电梯故障、消防设施失效、渗漏或管道爆裂、外墙脱落等危及安全的情形。"))
    if app.applicant not in works.APPLICANTS:
        raise DomainError(_("应急使用应由业主委员会或物业服务企业申请。"))
    reason = " ".join((app.reason or "").split())
    if not reason or len(reason) > MAX_REASON:
        raise DomainError(_("请说明为何不能等待业主表决（不超过 2000 字），它将显示在公示栏。"))
    check_plain(reason)
    return reason


def apply_emergency(app: EmergencyApplication, evidence: Sequence[EvidenceFile],
                    actor: str = "cli") -> Proposal:
    """Create the emergency use and publish it at once: genesis and emergency entry."""
    reason = _check(app)
    now = clock.now().replace(microsecond=0)  # chain times are whole seconds
    draft = ProposalDraft(
        community=app.community, title=app.title, matter="use_fund", scope=app.scope,
        budget=app.budget, publicity_start=now.isoformat(), voting_start=now.isoformat(),
        # The window is required by the genesis (5.6); no ballot ever falls in it.
        voting_end=(now + timedelta(days=1)).isoformat(), items=app.items,
        documents=app.documents, description=app.description, emergency=True)
    checked = check_draft(draft, now)
    if checked.fields["budget"] <= 0:
        # Nothing could ever be contracted or paid under it, and it would stand on the board
        # for good: an emergency use is never withdrawn.
        raise DomainError(_("应急使用的预算必须大于 0。"))
    with unit_of_work() as session:
        cap = _refuse_above_cap(session, checked)
        _refuse_repeat(session, checked, evidence)
        p = Proposal(uid=secrets.token_hex(8), community_id=checked.community.id,
                     state="draft", chain_length=0, created_at=now, **checked.fields)
        p.items = [ProposalItem(position=i, title=t, amount=a)
                   for i, (t, a) in enumerate(checked.items)]
        p.documents = stored_documents(checked.documents)
        session.add(p)
        session.flush()
        from votes.services.lifecycle import open_without_vote

        open_without_vote(session, p, now)
        body = works.emergency_body(category=app.category, applicant=app.applicant,
                                    reason=reason, evidence=store_evidence(session, p, evidence))
        sealed = Appender(session, p).append(works.EMERGENCY, body, now)
        p.state = "emergency"
        # The cap in force when it was published (0: none): the community may change it later.
        audit.record(session, actor, "proposal.emergency", community_id=p.community_id,
                     target=str(p.id), details={"category": app.category,
                                                "applicant": app.applicant,
                                                "entry": sealed.digest,
                                                "emergency_max_budget": cap})
    return p


def _refuse_above_cap(session, checked) -> int:
    """The community's rules may cap what an emergency use, decided without the owners, may
    budget (emergency_max_budget): above it the works need an owner vote. Read under the
    community's lock, so a change of the rule made at the same moment is judged before or
    after, never half. The server's rule only: the cap is not in the genesis, and a
    verifier does not check it (docs/verification.md §18.6)."""
    from votes.core.local_rules import emergency_cap
    from votes.core.numbers import format_yuan
    from votes.services.communities import lock_community

    community = lock_community(session, checked.community.id)
    cap = emergency_cap(community.rules)
    budget = checked.fields["budget"]
    if cap and budget > cap:
        raise DomainError(_("本小区议事规则规定，应急使用（不经业主表决）的预算不得超过 %(cap)s 元，"
                            "本次预算 %(budget)s 元；超过上限的维修须经业主表决。",
                            cap=format_yuan(cap), budget=format_yuan(budget)))
    return cap


def _refuse_repeat(session, checked, evidence: Sequence[EvidenceFile]) -> None:
    """The same application sent again (a double click, a reload, two members at once) would
    publish a second emergency use, never to be withdrawn, and a second apportionment of the
    same danger: refused when an emergency use of the same scope already carries every
    evidence file this one brings. The community's row is locked first, so two at once
    are judged one after the other."""
    import hashlib

    from votes.services.communities import lock_community

    digests = {hashlib.sha256(f.content).hexdigest() for f in evidence if f.content}
    if not digests:
        return  # store_evidence refuses it with its own message
    lock_community(session, checked.community.id)
    rows = session.execute(select(Proposal.title, ChainEntry.line).join(
        ChainEntry, ChainEntry.proposal_id == Proposal.id).where(
        Proposal.community_id == checked.community.id,
        Proposal.scope == checked.fields["scope"], ChainEntry.kind == works.EMERGENCY))
    for title, line in rows:
        if digests <= set(json.loads(line)["entry"]["body"]["evidence"]):
            raise DomainError(_("同一范围、同样证明材料的应急使用“%(title)s”已经公布，不能重复申请；"
                                "如确为另一次险情，请上传它自己的证明材料。", title=title))


def emergency_facts(proposal: Proposal) -> dict | None:
    """The emergency entry's body with its labels, or None for a voted proposal."""
    line = db.session.scalar(select(ChainEntry.line).where(
        ChainEntry.proposal_id == proposal.id, ChainEntry.kind == works.EMERGENCY))
    if line is None:
        return None
    body = json.loads(line)["entry"]["body"]
    from votes.services.labels import applicant_label, emergency_category_label

    # Labels in the visitor's language (the _ZH tables are the printed, Chinese ones).
    return {**body, "category_zh": CATEGORY_ZH[body["category"]],
            "applicant_zh": APPLICANT_ZH[body["applicant"]],
            "category_label": emergency_category_label(body["category"]),
            "applicant_label": applicant_label(body["applicant"])}
