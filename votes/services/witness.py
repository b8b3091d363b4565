"""The app's side of witnessing: the public chain API and the witnesses' cosignatures.

The chain is public (ballots carry pseudonymous voter keys only), so anyone may fetch it;
only cosignatures signed by a witness key the deployment configured (WITNESS_KEYS, a keys
file like /.well-known/votes-keys.json) are stored, and only if they agree with our chain.
"""

from __future__ import annotations

import json
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from votes.core import signing, witness
from votes.core.canonical import CanonicalError, canonical_bytes, parse_canonical, parse_time
from votes.core.verifier_integrity import load_keys_file
from votes.extensions import db
from votes.i18n import _
from votes.models import ChainEntry, Proposal, WitnessCosignature
from votes.services.errors import DomainError, NotFound
from votes.services.tx import unit_of_work

MAX_LINES = 2000  # chain lines per API response; a witness pages on with ?from=


class Conflict(DomainError):
    """A cosignature that contradicts our chain (the witness saw another history)."""


def witness_keys() -> signing.KeyRing:
    """The configured witnesses' public keys (none when WITNESS_KEYS is unset)."""
    path = (current_app.config.get("WITNESS_KEYS") or "").strip()
    if not path:
        return signing.KeyRing()
    try:
        return load_keys_file(Path(path).read_bytes())
    except (OSError, ValueError) as exc:
        # The operator's mistake, told in the log; a witness only learns it was not accepted.
        current_app.logger.error("WITNESS_KEYS %s cannot be read: %s", path, exc)
        raise DomainError(_("见证人密钥未配置好，暂不能接收见证签名")) from None


# Chain heads per GET /api/heads answer, unless the witness asks for fewer (?limit=), and
# the most it may ask for: a city's every head in one answer grew with every vote held.
HEADS_PAGE = 1000
HEADS_PAGE_MAX = 5000


def heads(limit: int | None = None, after: str | None = None) -> tuple[list[dict], str | None]:
    """The proposals' current chain heads, the starting point of a witness's poll: a page of
    at most `limit` (HEADS_PAGE, at most HEADS_PAGE_MAX) in the order of the proposals'
    creation, from the one after the proposal `after` names; and the cursor of the next
    page (the uid of this page's last proposal), None on the last. A proposal is never
    deleted once its chain has an entry, so a cursor stays good; one that holds a chain
    first while a witness pages is read in its next round. NotFound for an `after` that
    names no chain."""
    limit = min(HEADS_PAGE if limit is None else limit, HEADS_PAGE_MAX)
    query = select(Proposal.uid, Proposal.chain_length, Proposal.chain_head) \
        .where(Proposal.chain_length > 0).order_by(Proposal.id).limit(limit + 1)
    if after is not None:
        query = query.where(Proposal.id > _proposal(after).id)
    rows = db.session.execute(query).all()
    page = [{"proposal": uid, "length": length, "head": head}
            for uid, length, head in rows[:limit]]
    return page, page[-1]["proposal"] if len(rows) > limit else None


def chain_lines(uid: str, start: int) -> list[str]:
    """Sealed chain lines from position `start` (at most MAX_LINES)."""
    return chain_page(uid, start)[1]()


def chain_page(uid: str, start: int):
    """(tag, lines): a validator of the page from position `start`, and a function that
    reads its lines (at most MAX_LINES) — not called for a client that holds the page.

    The page is the entries start … end-1 (end: the chain's length, at most MAX_LINES on);
    the digest of entry end-1 covers every entry before it, so (start, end, that digest)
    names the page's bytes: it changes with a new entry while the page is not full, and a
    full page keeps it for good. No entry past `end` is read, even one committed since the
    proposal's row was."""
    proposal = _proposal(uid)
    start = max(0, start)
    end = max(start, min(proposal.chain_length, start + MAX_LINES))
    last = proposal.chain_head if end == proposal.chain_length else db.session.scalar(
        select(ChainEntry.digest).where(ChainEntry.proposal_id == proposal.id,
                                        ChainEntry.seq == end - 1))
    proposal_id = proposal.id

    def lines() -> list[str]:
        return list(db.session.scalars(
            select(ChainEntry.line).where(ChainEntry.proposal_id == proposal_id,
                                          ChainEntry.seq >= start, ChainEntry.seq < end)
            .order_by(ChainEntry.seq)))

    return f"{start}-{end}-{last}", lines


def _proposal(uid: str) -> Proposal:
    proposal = db.session.scalar(select(Proposal).where(Proposal.uid == uid))
    if proposal is None or not proposal.chain_length:
        raise NotFound(_("没有这个表决记录链"))
    return proposal


def accept_cosignature(data: bytes) -> bool:
    """Store a witness's cosignature; True if new, False if already held.

    DomainError when it is not a valid cosignature by a configured witness, Conflict when
    the head it cosigns is not our entry at that position."""
    try:
        cosig = parse_canonical(data)
    except CanonicalError as exc:
        raise DomainError(_("见证签名格式错误（不是规范 JSON：%(problem)s）", problem=str(exc))) from None
    problem = witness.cosignature_problem(cosig, witness_keys())
    if problem:
        raise DomainError(_("见证签名无效：%(problem)s", problem=problem))
    stmt = cosig["statement"]
    try:
        return _store(cosig, stmt)
    except IntegrityError:
        # The same cosignature posted twice at once: the other request stored it.
        return False


def _store(cosig: dict, stmt: dict) -> bool:
    with unit_of_work() as session:
        proposal = session.scalar(select(Proposal).where(Proposal.uid == stmt["proposal"]))
        if proposal is None:
            raise NotFound(_("没有这个表决事项"))
        # A length past the chain names no entry of ours, and past an INTEGER (2^31) the
        # database refused the query itself (a 400 page, not the 409 a witness reads).
        ours = None if not 0 < stmt["length"] <= proposal.chain_length else session.execute(
            select(ChainEntry.digest, ChainEntry.line).where(
                ChainEntry.proposal_id == proposal.id,
                ChainEntry.seq == stmt["length"] - 1)).first()
        if ours is None or ours.digest != stmt["head"]:
            raise Conflict(_("见证签名与本链不符：所签的链头不是本链第 %(seq)s 条记录",
                             seq=stmt['length'] - 1))
        # Our entries' times never go backwards, so the head is the latest the cosignature
        # covers. One dated after the witness's time (beyond the skew allowed) fails step
        # 10.4 in every bundle exported with it: not stored.
        entry_time = json.loads(ours.line)["entry"]["time"]
        if witness.too_late(entry_time, parse_time(stmt["time"])):
            raise DomainError(_("见证签名无效：所签的第 %(seq)s 条记录时间为 %(entry)s，"
                                "晚于见证时间 %(time)s 超过 %(skew)s 秒",
                                seq=stmt["length"] - 1, entry=entry_time, time=stmt["time"],
                                skew=witness.CLOCK_SKEW))
        held = session.scalar(select(WitnessCosignature.id).where(
            WitnessCosignature.proposal_id == proposal.id,
            WitnessCosignature.witness == stmt["witness"],
            WitnessCosignature.length == stmt["length"]))
        if held is not None:
            return False
        session.add(WitnessCosignature(
            proposal_id=proposal.id, witness=stmt["witness"], length=stmt["length"],
            head=stmt["head"], signed_at=parse_time(stmt["time"]),
            line=canonical_bytes(cosig).decode("utf-8")))
    return True


def latest_cosignatures(proposal: Proposal) -> list[WitnessCosignature]:
    """Each witness's longest cosigned head of this proposal, for the public board."""
    longest = (select(WitnessCosignature.witness, func.max(WitnessCosignature.length)
                      .label("length"))
               .where(WitnessCosignature.proposal_id == proposal.id)
               .group_by(WitnessCosignature.witness).subquery())
    return list(db.session.scalars(
        select(WitnessCosignature).join(longest, (WitnessCosignature.witness == longest.c.witness)
                                        & (WitnessCosignature.length == longest.c.length))
        .where(WitnessCosignature.proposal_id == proposal.id)
        .order_by(WitnessCosignature.witness)))


def export_cosignatures(proposal: Proposal, entries: int) -> list[dict]:
    """The proposal's stored cosignatures of heads among its first `entries` entries (the
    chain the bundle holds), for the bundle's witness.jsonl. During the vote a ballot and
    its cosignature may be stored between reading the chain and reading these: a
    cosignature of a head past the bundle's chain would fail its step 10.3."""
    lines = db.session.scalars(
        select(WitnessCosignature.line).where(WitnessCosignature.proposal_id == proposal.id,
                                              WitnessCosignature.length <= entries)
        .order_by(WitnessCosignature.length, WitnessCosignature.witness))
    return [parse_canonical(line.encode("utf-8")) for line in lines]
