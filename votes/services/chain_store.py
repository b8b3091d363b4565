"""Appending to a proposal's chain under a lock on the proposal row."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from votes.core import bundle, chain
from votes.core.canonical import format_time
from votes.i18n import _, lazy
from votes.models import ChainEntry, Proposal
from votes.services import keys
from votes.services.errors import DomainError


def lock_proposal(session: Session, proposal_id: int) -> Proposal:
    """Serialise writers of one proposal in one round trip: FOR NO KEY UPDATE on PostgreSQL;
    on SQLite a no-op UPDATE … RETURNING takes the database write lock and reads the row.

    Not FOR UPDATE: a writer stores its scans before the lock (votes.services.ballot_prepare.keep),
    and each such row's foreign key holds a KEY SHARE lock on the proposal row, which FOR
    UPDATE waits for. Two clerks who had each stored a scan then waited for each other, and
    PostgreSQL broke the deadlock by failing one of them. FOR NO KEY UPDATE still excludes
    every other writer (it is what their UPDATE of the row takes)."""
    if session.get_bind().dialect.name == "sqlite":
        query = (update(Proposal).where(Proposal.id == proposal_id)
                 .values(chain_length=Proposal.chain_length).returning(Proposal))
        return session.scalars(query, execution_options={
            "populate_existing": True, "synchronize_session": False}).one()
    return session.scalar(select(Proposal).where(Proposal.id == proposal_id)
                          .with_for_update(key_share=True)
                          .execution_options(populate_existing=True))


def written_format(session: Session, proposal: Proposal) -> str:
    """The bundle format this proposal's chain is exported in, decided by its genesis
    (bundle.chain_format): the current one for a chain not started yet. One read."""
    line = session.scalar(select(ChainEntry.line).where(
        ChainEntry.proposal_id == proposal.id, ChainEntry.seq == 0))
    if line is None:
        return bundle.FORMAT
    return bundle.chain_format(json.loads(line)["entry"]["body"])


def older_format(session: Session, proposal: Proposal) -> str | None:
    """The older format this proposal's chain is written in (votes-bundle/1, a chain a
    release before version 3 started), or None for the current one: what decides whether
    the committee's pages offer the entries only the current format holds. One read."""
    written = written_format(session, proposal)
    return None if written == bundle.FORMAT else written


# What a chain of the older format cannot hold, as a clerk calls it: by kind, and for a
# ballot by the field version 3 added to it (docs/verification.md §9.1).
_NOT_IN_OLDER = {"withdrawal": lazy("撤回选票"), "objection": lazy("异议"),
                 "answer": lazy("异议答复"), "result": lazy("最终结果"),
                 "delivery": lazy("送达记录"), "works": lazy("工程和资金记录"),
                 "emergency": lazy("应急使用记录")}
_BALLOT_FIELDS = {"proxy": lazy("委托表决"), "transfer": lazy("过户后新业主的表决"),
                  "correction": lazy("选票更正")}


class OlderFormat(DomainError):
    """An entry the chain's format cannot hold: appended, it would fail step 1.5 at every
    later export of the vote, and a chain cannot take an entry back."""

    def __init__(self, fmt: str, kind: str, body: dict):
        if kind == "ballot":
            what = next((v for k, v in _BALLOT_FIELDS.items() if k in body), _("该选票"))
        else:
            what = _NOT_IN_OLDER.get(kind, kind)
        super().__init__(_(
            "本表决由升级前的旧版本系统开始，记录链是旧格式（%(format)s），不能记载%(what)s："
            "记上后，本表决的导出包将再也无法通过验证，所以没有录入（未保存任何内容）。旧格式"
            "的表决仍可录入业主本人的网上表决和纸质表决票，并照常结束、导出和验证；%(what)s"
            "请按原有方式在链外办理并留存书面材料，或重新发起表决。",
            format=fmt, what=str(what)))
        self.format, self.kind = fmt, kind


class Head:
    """The chain's head as the locked proposal row records it; the digest and sequence
    number are all the next entry needs, so the last entry is never re-read."""

    def __init__(self, digest: str, length: int):
        self.digest = digest
        self.seq = length - 1


class Appender:
    """Appends several entries in one transaction (a file of paper ballots is all or none).

    Build it only after `lock_proposal`: the head it continues from is the locked row's."""

    def __init__(self, session: Session, proposal: Proposal,
                 signer: keys.Signer | None = None):
        self.session = session
        self.proposal = proposal
        self.signer = signer or keys.signing_key()
        self.last = Head(proposal.chain_head, proposal.chain_length) \
            if proposal.chain_length else None
        self._format: str | None = None

    def format(self) -> str:
        """The format the chain is exported in (read once, on first need)."""
        if self._format is None:
            self._format = written_format(self.session, self.proposal)
        return self._format

    def refuse_unfit(self, kind: str, body: dict) -> None:
        """OlderFormat for an entry the chain's format cannot hold, before anything of it
        is built. Most entries (every online ballot) fit the older format too, so the
        format is read only for the others."""
        if kind == "genesis" or bundle.older_format_holds(kind, body):
            return  # a genesis decides the format
        fmt = self.format()
        if fmt == bundle.FORMAT_V2:
            raise OlderFormat(fmt, kind, body)

    def time(self, when: datetime) -> datetime:
        """The time the next entry carries: never earlier than the entry before it, even
        when clocks of two processes or machines disagree."""
        last = self.proposal.chain_time
        return when if last is None or when >= last else last

    def append(self, kind: str, body: dict, when: datetime) -> chain.SealedEntry:
        self.refuse_unfit(kind, body)
        when = self.time(when)
        entry = chain.next_entry(self.last, proposal=self.proposal.uid, kind=kind,
                                 time=format_time(when), key_id=self.signer.key_id, body=body)
        sealed = chain.seal(entry, self.signer.private_key)
        self.session.add(ChainEntry(
            proposal_id=self.proposal.id, seq=entry["seq"], kind=kind, digest=sealed.digest,
            line=sealed.to_line().decode("utf-8"), created_at=when))
        self.proposal.chain_head = sealed.digest
        self.proposal.chain_length = entry["seq"] + 1
        self.proposal.chain_time = when
        self.last = sealed
        return sealed
