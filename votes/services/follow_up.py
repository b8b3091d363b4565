"""Chasing non-voters: who has not voted, by building, and what each door knock found.

The list is for door-to-door visits, so it shows whom to ask for, masked: a person's family
name (张*) and phones as 138****1234. A company's or the developer's name is shown in full:
it is public (business registry) and the visitor must know which company to ask for; the
roll holds no contact person for a company, only its phone, which is masked like any other.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select

from votes.core.identity import mask_in_text, mask_name, mask_phone
from votes.core.local_rules import Procedure
from votes.core.roll import OwnerKind
from votes.extensions import db
from votes.i18n import _, lazy
from votes.models import FrozenUnit, FrozenVoter, Proposal, Visit, VoterAccess
from votes.services import audit, clock, privacy
from votes.services.errors import DomainError
from votes.services.plain_text import check_plain
from votes.services.labels import unit_words
from votes.services.notices import unit_label
from votes.services.sheets import fit_columns, sheet_row
from votes.services.tally import voted_voters
from votes.services.tx import unit_of_work

# Shown in the visitor's language (str() of each); the Excel sheet keeps the Chinese msgid.
OUTCOMES = {"not_home": lazy("不在家"), "will_vote": lazy("将网上表决"),
            "paper_collected": lazy("已收纸质票"), "refused": lazy("拒绝表决")}


@dataclass(frozen=True)
class NonVoter:
    voter_key: str
    units: tuple[str, ...]
    area: int
    last_visit: Visit | None
    locked_until: datetime | None = None  # the voting link, after repeated wrong answers
    failures: int = 0
    owners: tuple[str, ...] = ()  # masked: 张*; a company's name in full
    phones: tuple[str, ...] = ()  # masked: 138****1234
    unit_words: tuple[str, ...] = ()  # the units in the visitor's language (units: Chinese)


def masked_contacts(owners_enc: bytes) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(owner names, phones) of a frozen voter, masked for the door-to-door list."""
    owners = json.loads(privacy.decrypt(owners_enc))
    names = tuple(o["name"].strip() if o.get("kind", "person") != OwnerKind.PERSON.value
                  else mask_name(o["name"]) for o in owners)
    phones = tuple(dict.fromkeys(mask_phone(o["phone"]) for o in owners if o.get("phone")))
    return names, phones


def non_voters(proposal: Proposal) -> dict[str, list[NonVoter]]:
    """Voters without a ballot, grouped by the building of their first unit."""
    waiting = _waiting(proposal)
    return _listed(proposal, waiting, set(waiting))


def non_voters_page(proposal: Proposal, building: str | None, all_up_to: int
                    ) -> tuple[dict[str, list[NonVoter]], dict[str, int], str | None]:
    """What the door-to-door page shows: every building's non-voters when there are at most
    `all_up_to` of them, else one building's (`building`, or the first in order) — 20,000
    rows would be a page of 19 MB. Returns (groups shown, non-voters per building, the
    building shown alone or None)."""
    waiting = _waiting(proposal)
    counts = {b: len(voters) for b, voters in waiting.items()}
    if sum(counts.values()) <= all_up_to and building not in counts:
        return _listed(proposal, waiting, set(waiting)), counts, None
    if building not in counts:
        building = next(iter(counts), None)
    return _listed(proposal, waiting, {building}), counts, building


def _waiting(proposal: Proposal) -> dict[str, list[tuple[FrozenVoter, list[FrozenUnit]]]]:
    """Voters without a counted ballot with their units, by the building of their first unit,
    buildings in natural order."""
    from votes.core.roll import natural_key

    voted = voted_voters(db.session, proposal)  # a withdrawn ballot's voter has not voted
    units: dict[str, list[FrozenUnit]] = {}
    for u in db.session.scalars(select(FrozenUnit).where(FrozenUnit.proposal_id == proposal.id)
                                .order_by(FrozenUnit.id)):
        units.setdefault(u.voter_key, []).append(u)
    # One who holds only units the rules leave out (a storeroom, a parking space) has no
    # vote: listed, the visitor chased them for a ballot that is refused.
    excluded = Procedure.from_rules(proposal.rules).excluded_kinds
    waiting: dict[str, list[tuple[FrozenVoter, list[FrozenUnit]]]] = {}
    for voter in db.session.scalars(select(FrozenVoter).where(
            FrozenVoter.proposal_id == proposal.id)):
        mine = units[voter.voter_key]
        if voter.voter_key not in voted and not all(u.kind in excluded for u in mine):
            waiting.setdefault(mine[0].building, []).append((voter, mine))
    return {b: waiting[b] for b in sorted(waiting, key=natural_key)}


def _listed(proposal: Proposal, waiting: dict, buildings: set[str | None]
            ) -> dict[str, list[NonVoter]]:
    """The non-voters of these buildings as the list shows them: visits, link locks and the
    owners' masked contacts (decrypted for these voters only)."""
    from votes.core.roll import natural_key

    visits: dict[str, Visit] = {}
    for v in db.session.scalars(select(Visit).where(Visit.proposal_id == proposal.id)
                                .order_by(Visit.time, Visit.id)):
        visits[v.voter_key] = v
    access = {a.voter_key: a for a in db.session.scalars(
        select(VoterAccess).where(VoterAccess.proposal_id == proposal.id))}
    now = clock.now()
    groups: dict[str, list[NonVoter]] = {}
    for building, voters in waiting.items():
        if building not in buildings:
            continue
        for voter, mine in voters:
            link = access.get(voter.voter_key)
            locked = link.locked_until if link and link.locked_until and \
                link.locked_until > now else None
            names, phones = masked_contacts(voter.owners_enc)
            groups.setdefault(building, []).append(NonVoter(
                voter.voter_key, tuple(unit_label(u) for u in mine), voter.area,
                visits.get(voter.voter_key), locked, link.failures if link else 0, names,
                phones, tuple(unit_words(u) for u in mine)))
        groups[building].sort(key=lambda n: natural_key(n.units[0]))
    return groups


def record_visit(proposal: Proposal, voter_key: str, outcome: str, note: str,
                 actor: str) -> Visit:
    from votes.services.ballots import voting_problem

    # A door knock chases a vote that can still be cast: after the end (or before the start)
    # a visit, e.g. "paper collected", would record what no longer changes the count.
    problem = voting_problem(proposal, clock.now())
    if problem:
        raise DomainError(_("%(why)s，不能记录走访", why=problem))
    if outcome not in OUTCOMES:
        raise DomainError(_("请选择走访结果"))
    note = " ".join(note.split())
    check_plain(note)
    # Listed on the non-voters page and written into the sheet handed to door-knockers,
    # beside owners and phones the list masks: a phone or ID number typed into the note is
    # masked before it is kept, as in an objection or a payment note.
    note = mask_in_text(note)
    known = db.session.scalar(select(FrozenVoter.id).where(
        FrozenVoter.proposal_id == proposal.id, FrozenVoter.voter_key == voter_key))
    if known is None:
        raise DomainError(_("该业主不在本次表决范围内"))
    with unit_of_work() as session:
        visit = Visit(proposal_id=proposal.id, voter_key=voter_key, outcome=outcome,
                      note=note[:500], recorded_by=actor, time=clock.now())
        session.add(visit)
        audit.record(session, actor, "visit.record", community_id=proposal.community_id,
                     target=str(proposal.id), details={"outcome": outcome})
    return visit


def reprint_notice(proposal: Proposal, voter_key: str, actor: str) -> bytes:
    """One voter's notice again, with the same link and code as the first print (audited:
    the notice opens that voter's ballot)."""
    from votes.services.notices import notices_pdf

    pdf = notices_pdf(str(proposal.id), voter_key)
    with unit_of_work() as session:
        audit.record(session, actor, "notice.reprint", community_id=proposal.community_id,
                     target=str(proposal.id), details={"voter": voter_key})
    return pdf


def print_notices(proposal: Proposal, building: str | None, actor: str) -> bytes:
    """Every voter's notice, or one building's, for a staff member (audited, as a reprint
    is: each notice opens its voter's ballot, and a company's carries its one-time code)."""
    from votes.services.notices import notices_pdf

    pdf = notices_pdf(str(proposal.id), building=building)
    with unit_of_work() as session:
        audit.record(session, actor, "notices.print", community_id=proposal.community_id,
                     target=str(proposal.id), details={"building": building})
    return pdf


def non_voters_xlsx(proposal: Proposal) -> bytes:
    """The non-voters as a sheet to hand out to the door-knockers; not of a chain damaged in
    the database (procedure.common.checked): the ballots table would list as voted an owner
    whose ballot the chain lost, and the sheet, once printed, is not taken back. (The page
    stays: it reads the same table, as the cast does, and shows no figure of the result.)"""
    from openpyxl import Workbook

    from votes.i18n import _
    from votes.services.procedure.common import checked

    checked(proposal, _("不能导出未表决业主名单"))

    wb = Workbook()
    ws = wb.active
    ws.title = "未表决业主"
    ws.append(["楼栋", "房屋", "面积(m²)", "业主", "电话", "最近走访", "走访时间", "备注"])
    row = 1
    for building, voters in non_voters(proposal).items():
        for n in voters:
            row += 1
            v = n.last_visit
            # The area as a number (m², two decimals shown), so the sheet can sum and sort it.
            ws.append(sheet_row(ws, [building, "、".join(n.units), Decimal(n.area).scaleb(-2),
                                    "、".join(n.owners), "、".join(n.phones),
                                    OUTCOMES[v.outcome].msgid if v else "",
                                    clock.local_text(v.time) if v else "", v.note if v else ""]))
            # Not ws.max_row: openpyxl computes it over every cell, each row (quadratic:
            # 20,000 non-voters took over a minute, longer than a proxy waits).
            ws.cell(row, 3).number_format = "#,##0.00"
    fit_columns(ws)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
