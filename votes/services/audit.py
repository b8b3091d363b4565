"""The staff audit log: every change a staff member makes, hash-chained like the ballots."""

from __future__ import annotations

import csv
import hashlib
import hmac
import io

from sqlalchemy import or_, select, text
from sqlalchemy.orm import Session

from votes.core.canonical import canonical_digest, format_time
from votes.core.cells import safe_row
from votes.extensions import db
from votes.models import AuditEntry, Community, Proposal
from votes.services import clock, privacy

GENESIS = "0" * 64
# The actor of what the server does by itself: the clock's moves of a proposal (publicity,
# opening, closing, the final result), the sign-in's pauses. No account may take the name
# (votes.services.staff._MACHINE_ACTORS).
CLOCK = "system"
# Actors that are no account: no account may take their names (staff.create_user).
MACHINE_ACTORS = ("system", "cli", "demo")


def _fields(e: AuditEntry) -> dict:
    return {"seq": e.seq, "prev": e.prev, "time": format_time(e.time), "actor": e.actor,
            "action": e.action, "community": e.community_id, "target": e.target,
            "details": e.details}


def lock(session: Session) -> None:
    """Hold the log for appending until the transaction ends (one writer at a time: each
    entry links to the one before); a caller that reads the log to decide what to append
    takes it first."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("LOCK TABLE audit_entries IN SHARE ROW EXCLUSIVE MODE"))


def record(session: Session, actor: str, action: str, *, community_id: int | None = None,
           target: str = "", details: dict | None = None) -> AuditEntry:
    """Append within the caller's transaction, so the action and its record land together.
    An action of a staff account disabled meanwhile is refused (DomainError) and, with the
    caller's transaction, undone."""
    lock(session)
    if action != "account.signout":  # ending sessions never needs the account active
        _refuse_disabled(session, actor)
    last = session.scalar(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1))
    entry = AuditEntry(seq=0 if last is None else last.seq + 1,
                       prev=GENESIS if last is None else last.digest, time=clock.now(),
                       actor=actor, action=action, community_id=community_id,
                       target=str(target), details=details or {})
    entry.digest = canonical_digest(_fields(entry))
    session.add(entry)
    session.flush()
    return entry


def _refuse_disabled(session: Session, actor: str) -> None:
    """A request checks its account when it starts; disabled after that, the account's
    action still went through (a one-request window). Read again now, under the log's lock:
    a disable is audited, so it commits either before this read (seen here) or after this
    transaction commits (the action came first). A row lock (FOR SHARE) is not taken: the
    account's own writers lock its row before the log (change_user, end_sessions, sign-in),
    and this caller holds the log before the row: the two would deadlock."""
    from votes.i18n import _
    from votes.models import StaffUser
    from votes.services.errors import DomainError

    if actor in MACHINE_ACTORS:
        return
    active = session.scalar(select(StaffUser.active).where(StaffUser.login == actor))
    if active is False:
        raise DomainError(_("账号不存在或已停用"))


def verify_log() -> list[str]:
    """Problems found re-checking every link and digest; empty means intact."""
    problems, prev = [], GENESIS
    for n, e in enumerate(db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq))):
        if e.seq != n:
            problems.append(f"entry {e.seq}: expected sequence {n}")
        if e.prev != prev:
            problems.append(f"entry {e.seq}: previous digest does not match")
        if canonical_digest(_fields(e)) != e.digest:
            problems.append(f"entry {e.seq}: digest does not match its content")
        prev = e.digest
    return problems


def published(digest: str) -> str:
    """What witnesses are served for an entry's digest: HMAC-SHA256 of it under a key of
    this deployment's (derived from VOTES_DATA_KEY). The digest itself is a plain hash of the
    previous digest and the entry's time, actor, action, target and details, so served as
    it is it would confirm anyone's guess of an entry (a login and account.signout); keyed,
    it still changes whenever the log does, which is all a witness compares."""
    return hmac.new(privacy.derived_key("audit-publication"), digest.encode(),
                    hashlib.sha256).hexdigest()


def head() -> dict | None:
    """The log's last entry as witnesses see it (GET /api/audit/head): its seq, published
    digest and time, nothing of what was done; None for an empty log."""
    last = db.session.execute(select(AuditEntry.seq, AuditEntry.digest, AuditEntry.time)
                              .order_by(AuditEntry.seq.desc()).limit(1)).first()
    return None if last is None else {"seq": last.seq, "digest": published(last.digest),
                                      "time": format_time(last.time)}


def digest_at(seq: int) -> str:
    """The published digest of entry `seq` (GET /api/audit/digests/<seq>); NotFound if there
    is none."""
    from votes.i18n import _
    from votes.services.errors import NotFound

    digest = db.session.scalar(select(AuditEntry.digest).where(AuditEntry.seq == seq))
    if digest is None:
        raise NotFound(_("审计日志没有第 %(seq)s 条", seq=seq))
    return published(digest)


def entries(community_ids: list[int] | None = None, limit: int | None = None,
            accounts: list = (), before: int | None = None) -> list[AuditEntry]:
    """The log, newest first: all of it (community_ids None), or the entries of these
    communities and the account entries (account.*: created, changed, signed in...), which
    carry no community, of the `accounts` spans (audit_scope.Span: an account while it
    served one of the communities); only those older than the entry numbered `before`, if
    given."""
    from votes.services import audit_scope

    query = select(AuditEntry).order_by(AuditEntry.seq.desc())
    if before is not None:
        query = query.where(AuditEntry.seq < before)
    if community_ids is not None:
        seen = AuditEntry.community_id.in_(community_ids)
        if accounts:
            seen = or_(seen, audit_scope.condition(list(accounts)))
        query = query.where(seen)
    if limit:
        query = query.limit(limit)
    return list(db.session.scalars(query))


# The actions whose target is a proposal's id (an account's login, a community's code or a
# key's id otherwise).
_ON_PROPOSALS = ("proposal.", "works.", "ballots.", "notice.", "notices.", "visit.")


def proposal_titles(shown: list[AuditEntry]) -> dict[str, str]:
    """The title of each proposal these entries were done to, by the entry's target; a
    deleted draft's from its delete entry's details, else none."""
    ids = {int(e.target) for e in shown
           if e.action.startswith(_ON_PROPOSALS) and e.target.isdigit()}
    if not ids:
        return {}
    titles = {str(pid): title for pid, title in db.session.execute(
        select(Proposal.id, Proposal.title).where(Proposal.id.in_(ids)))}
    for e in shown:
        if e.action == "proposal.delete" and isinstance(e.details, dict) \
                and e.details.get("title") and e.target not in titles:
            titles[e.target] = e.details["title"]
    return titles


CSV_COLUMNS = ("seq", "time_utc", "actor", "action", "community", "community_code", "target",
               "details", "prev", "digest", "published")


def export_csv(community_ids: list[int] | None = None, accounts: list[str] = ()) -> bytes:
    """The log, oldest first, one entry a row (columns: CSV_COLUMNS; README.md says how to
    recompute each digest from its row). `details` is the canonical JSON the digest covers
    and `time_utc` the digest's own time text, so every digest can be recomputed from the
    file; `community_code` is for people and is not covered by the digest, and `published`
    is what witnesses were served for the entry (`published`), to compare with theirs."""
    from votes.core.canonical import canonical_bytes

    shown = list(reversed(entries(community_ids, accounts=accounts)))
    ids = {e.community_id for e in shown if e.community_id is not None}
    codes = {cid: code for cid, code in db.session.execute(
        select(Community.id, Community.code).where(Community.id.in_(ids)))} if ids else {}
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for e in shown:
        writer.writerow(safe_row([e.seq, format_time(e.time), e.actor, e.action,
                                  "" if e.community_id is None else e.community_id,
                                  codes.get(e.community_id, ""), e.target,
                                  canonical_bytes(e.details).decode("utf-8"), e.prev,
                                  e.digest, published(e.digest)]))
    return ("\ufeff" + out.getvalue()).encode("utf-8")
