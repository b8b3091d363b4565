"""What the public board shows of the money: each works step and the settlement."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from votes.extensions import db
from votes.models import FundDebit, Proposal
from votes.services.money.works import works_bodies


@dataclass(frozen=True)
class MoneyView:
    contract: dict | None
    payments: tuple[dict, ...]
    acceptance: dict | None
    settlement: dict | None
    low_units: int  # units below 30% of their first deposit after the settlement
    unknown_units: int = 0  # units whose first deposit is unknown: no one can say

    @property
    def paid(self) -> int:
        return sum(p["amount"] for p in self.payments)


def money_view(proposal: Proposal) -> MoneyView | None:
    """None until a works step is recorded."""
    bodies = works_bodies(db.session, proposal)
    if not bodies:
        return None
    by = {stage: [b["data"] for b in bodies if b["stage"] == stage]
          for stage in ("contract", "payment", "acceptance", "settlement")}
    low = unknown = 0
    if by["settlement"]:
        # Counted in the database: the board and every share look-up show this, and a city's
        # settlement has a debit row per flat.
        low, unknown = db.session.execute(select(
            func.count().filter(FundDebit.low.is_(True)),
            func.count().filter(FundDebit.low.is_(None))).where(
            FundDebit.proposal_id == proposal.id)).one()
    first = lambda stage: by[stage][0] if by[stage] else None  # noqa: E731
    return MoneyView(first("contract"), tuple(by["payment"]), first("acceptance"),
                     first("settlement"), low, unknown)


@dataclass(frozen=True)
class WorksFile:
    """A file a recorded works step carries (the chain binds its SHA-256)."""

    step: str      # the step in words: 合同, 付款 2, 验收, 应急使用
    name: str
    size: int      # bytes
    digest: str
    stored: bool = True  # False: the chain names it, the database holds no such file

    @property
    def size_text(self) -> str:
        if self.size < 1024:
            return f"{self.size} B"
        if self.size < 1024 * 1024:
            return f"{self.size / 1024:.1f} KB"
        return f"{self.size / 1024 / 1024:.1f} MB"


def works_files(proposal: Proposal) -> list[WorksFile]:
    """Each recorded step's files in the order of the chain: the emergency use's evidence,
    the contract, each payment, the acceptance (a settlement carries none). Sizes read in the
    database, the files' bytes left there."""
    import json

    from votes.core import works
    from votes.i18n import _
    from votes.models import ChainEntry, Evidence

    steps: list[tuple[str, list[str]]] = []
    if proposal.state == "emergency":
        # The emergency entry's evidence is read by kind below (works_bodies checks the chain
        # only once a works step is in): of a chain damaged in the database, a row not JSON
        # was a 500 and a rewritten or deleted one listed (and served) as the chain's.
        from votes.services.procedure.common import checked

        checked(proposal, _("不能显示本事项的工程和资金记录"))
    line = db.session.scalar(select(ChainEntry.line).where(
        ChainEntry.proposal_id == proposal.id, ChainEntry.kind == works.EMERGENCY))
    if line is not None:
        steps.append((_("应急使用"), json.loads(line)["entry"]["body"]["evidence"]))
    paid = 0
    for body in works_bodies(db.session, proposal):
        stage = body["stage"]
        if stage == "payment":
            paid += 1
            steps.append((_("付款 %(n)s", n=paid), body["data"]["evidence"]))
        elif stage in ("contract", "acceptance"):
            steps.append((_("合同") if stage == "contract" else _("验收"),
                          body["data"]["evidence"]))
    wanted = {d for _s, digests in steps for d in digests}
    stored = {digest: (name, size) for digest, name, size in db.session.execute(
        select(Evidence.sha256, Evidence.name, func.length(Evidence.content)).where(
            Evidence.proposal_id == proposal.id, Evidence.sha256.in_(wanted)))} if wanted else {}
    return [WorksFile(step, *stored[d], d) if d in stored else
            WorksFile(step, _("（文件未保存）"), 0, d, stored=False)
            for step, digests in steps for d in digests]


def open_works_file(proposal: Proposal, digest: str, actor: str) -> tuple[str, bytes]:
    """The stored file (name, content) of one of works_files (NotFound for any other digest:
    ballot forms, delivery and objection scans are not served here, nor another vote's
    files), its opening audited as procedure scans' are."""
    from votes.i18n import _
    from votes.services.procedure.scans import open_listed_evidence

    listed = next((f for f in works_files(proposal) if f.digest == digest), None)
    return open_listed_evidence(
        proposal, None if listed is None else digest, actor, "works.evidence.open",
        {} if listed is None else {"step": listed.step, "evidence": digest},
        _("没有这份证明材料。"))
