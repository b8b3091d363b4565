"""Changing one's mind before anything is public: edit or delete a draft.

Once publicity starts, owners may rely on what they read, so nothing is edited in place:
a proposal in publicity can only be withdrawn (lifecycle.withdraw) and drafted anew.
"""

from __future__ import annotations

import dataclasses

from votes.core.numbers import format_yuan
from sqlalchemy import delete

from votes.models import Proposal, ProposalDocument, ProposalItem
from votes.services import audit, clock
from votes.i18n import _
from votes.services.chain_store import lock_proposal
from votes.services.errors import DomainError
from votes.services.lifecycle import STATE_ZH, proposal_now
from votes.services.proposal_create import (ProposalDraft, check_draft, refuse_too_many_bytes,
                                            stored_documents)
from votes.services.tx import unit_of_work


def _iso(value) -> str:
    return clock.local_text(value, "%Y-%m-%dT%H:%M") if value else ""


def draft_of(proposal: Proposal) -> ProposalDraft:
    """The proposal's current fields as a draft to edit (times in Beijing time)."""
    return ProposalDraft(
        community=proposal.community.code, title=proposal.title,
        description=proposal.description or "", matter=proposal.matter, scope=proposal.scope,
        budget=format_yuan(proposal.budget).replace(",", ""),
        items=tuple(f"{i.title}:{format_yuan(i.amount).replace(',', '')}"
                    for i in proposal.items),
        voting_start=_iso(proposal.voting_start), voting_end=_iso(proposal.voting_end),
        publicity_start=_iso(proposal.publicity_start),
        allow_change=proposal.max_changes > 0, emergency=proposal.emergency)


def refuse_unless_draft(p: Proposal) -> None:
    """DomainError unless `p` is a draft, the only state whose fields may change."""
    if p.state != "draft":
        raise DomainError(_("只有草稿可以修改或删除，当前状态：%(state)s；公示开始后只能撤回",
                            state=_(STATE_ZH[p.state])))


def edit_draft(proposal_ref: str, draft: ProposalDraft, actor: str = "cli", *,
               remove_documents: tuple[int, ...] = ()) -> Proposal:
    """Replace a draft's fields; `draft.documents` are added, `remove_documents` (positions)
    dropped. An edit withdraws any confirmed publicity schedule: the committee confirms the
    changed plan again."""
    # As the clock has made it: a scheduled draft whose publicity start has passed is in
    # publicity even when the timer has not run since (one that cannot start stays a draft).
    proposal = proposal_now(proposal_ref)
    refuse_unless_draft(proposal)
    draft = dataclasses.replace(draft, community=proposal.community.code)
    checked = check_draft(draft, clock.now())
    with unit_of_work() as session:
        p = lock_proposal(session, proposal.id)
        refuse_unless_draft(p)  # again under the lock: publicity may have just started
        for name, value in checked.fields.items():
            setattr(p, name, value)
        p.publicity_scheduled = False
        p.items = [ProposalItem(position=i, title=t, amount=a)
                   for i, (t, a) in enumerate(checked.items)]
        kept = [d for d in p.documents if d.position not in set(remove_documents)]
        refuse_too_many_bytes(checked.documents, sum(d.size for d in kept))
        first = max((d.position for d in p.documents), default=-1) + 1
        p.documents = kept + stored_documents(checked.documents, first)
        audit.record(session, actor, "proposal.edit", community_id=p.community_id,
                     target=str(p.id),
                     details={"title": p.title, "budget": p.budget, "scope": p.scope,
                              "documents": [d.sha256 for d in p.documents]})
    return p


def delete_draft(proposal_ref: str, actor: str = "cli") -> None:
    """Delete a draft that was never published; the audit log keeps what it was."""
    proposal = proposal_now(proposal_ref)
    with unit_of_work() as session:
        p = lock_proposal(session, proposal.id)
        refuse_unless_draft(p)
        audit.record(session, actor, "proposal.delete", community_id=p.community_id,
                     target=str(p.id), details={"title": p.title, "budget": p.budget})
        # Core deletes: a draft has no frozen rows, and the ORM would try to load them.
        for model in (ProposalItem, ProposalDocument):
            session.execute(delete(model).where(model.proposal_id == p.id))
        session.execute(delete(Proposal).where(Proposal.id == p.id))
        session.expunge(p)
