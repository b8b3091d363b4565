"""Printable voting notices: one per voter, with the QR code of that voter's link."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from votes.core.numbers import format_yuan
from votes.core.rules import Matter
from votes.extensions import db
from votes.models import FrozenUnit, FrozenVoter, VoterAccess
from votes.services.access import methods, notice_code, voter_link
from votes.services.clock import local_text
from votes.services.errors import DomainError
from votes.services.lifecycle import get_proposal, refresh


def unit_label(u: FrozenUnit) -> str:
    entrance = f"{u.entrance}单元" if u.entrance else ""
    return f"{u.building}号楼{entrance}{u.room}室"


def notices_pdf(proposal_ref: str) -> bytes:
    from votes.services.notices_pdf import Notice, render_notices

    proposal = refresh(get_proposal(proposal_ref))
    if proposal.state == "draft":
        raise DomainError("请先开始公示，冻结表决范围后再打印通知 "
                          "(start publicity first: notices need the frozen electorate)")
    if proposal.state in ("closed", "published"):
        raise DomainError("表决已结束，不能再打印表决通知 (voting is closed)")
    units: dict[str, list[str]] = {}
    for u in db.session.scalars(select(FrozenUnit).where(FrozenUnit.proposal_id == proposal.id)
                                .order_by(FrozenUnit.id)):
        units.setdefault(u.voter_key, []).append(unit_label(u))
    shares = dict(db.session.execute(select(FrozenVoter.voter_key, FrozenVoter.share)
                                     .where(FrozenVoter.proposal_id == proposal.id)).all())
    accesses = db.session.scalars(select(VoterAccess).where(
        VoterAccess.proposal_id == proposal.id).order_by(VoterAccess.id))
    board = f"{current_app.config['BASE_URL'].rstrip('/')}/p/{proposal.uid}"
    notices = [
        Notice(community=proposal.community.name, units=tuple(units[a.voter_key]),
               title=proposal.title, matter=Matter(proposal.matter).label_zh,
               share=format_yuan(shares[a.voter_key]),
               voting_start=local_text(proposal.voting_start), voting_end=local_text(proposal.voting_end),
               link=voter_link(proposal, a), board=board, code=_code(proposal, a))
        for a in sorted(accesses, key=lambda a: units[a.voter_key][0])
    ]
    return render_notices(notices)


def _code(proposal, access: VoterAccess) -> str:
    if not methods(proposal, access.voter_key).notice_code:
        return ""
    return notice_code(proposal, access.voter_key, access.issue)


def poster_pdf(proposal_ref: str) -> bytes:
    """The lobby poster: a QR code for the page where owners pick building and room."""
    from votes.services.notices_pdf import render_poster

    proposal = refresh(get_proposal(proposal_ref))
    if proposal.state in ("draft", "closed", "published"):
        raise DomainError("只有公示中或表决中的事项可以打印海报 (print posters in publicity or voting)")
    link = f"{current_app.config['BASE_URL'].rstrip('/')}/p/{proposal.uid}/pick"
    return render_poster(proposal.community.name, proposal.title,
                         local_text(proposal.voting_end), link)
