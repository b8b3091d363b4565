"""Which account entries of the audit log a regulator reads: what was done to a committee
account (created, communities changed, password reset, signed in) while it served one of
the district's communities. Account entries carry no community, so when the account served
which is read from the log itself: its creation and every change of its communities name
the communities it served from then on."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, or_, select

from votes.extensions import db
from votes.models import AuditEntry, Community, StaffCommunity, StaffUser


@dataclass(frozen=True)
class Span:
    """The account entries of `login` numbered `first` to `last` (None: without bound)."""

    login: str
    first: int | None = None
    last: int | None = None


def district_spans(communities: list[Community]) -> list[Span]:
    """When each committee account served any of these communities. Read by the time of
    the change, not the account's communities now: a member added from another district
    brought no entries of its time there (sign-in addresses), and a member moved away took
    none with it (a reset and a sign-in as the member just before the move stay read)."""
    codes = {c.code for c in communities}
    now: dict[str, set[str]] = {}
    for login, code in db.session.execute(
            select(StaffUser.login, Community.code)
            .join(StaffCommunity, StaffCommunity.user_id == StaffUser.id, isouter=True)
            .join(Community, Community.id == StaffCommunity.community_id, isouter=True)
            .where(StaffUser.role == "committee")):
        now.setdefault(login, set()).update([code] if code else [])
    if not now:
        return []
    served: dict[str, list[tuple[int, set[str]]]] = {}
    created: set[str] = set()
    for seq, login, action, details in db.session.execute(
            select(AuditEntry.seq, AuditEntry.target, AuditEntry.action, AuditEntry.details)
            .where(AuditEntry.action.in_(("account.create", "account.change")),
                   AuditEntry.target.in_(list(now)))
            .order_by(AuditEntry.seq)):
        if isinstance(details, dict) and isinstance(details.get("communities"), list):
            served.setdefault(login, []).append((seq, set(map(str, details["communities"]))))
            created.update([login] if action == "account.create" else [])
    spans = []
    for login, current in now.items():
        changes = served.get(login, [])
        # An account made without its creation in the log (a restore, another program):
        # what it served before its first recorded change is unknown, and its communities
        # now are taken for it only when nothing was recorded since.
        serving = login not in created and not changes and bool(current & codes)
        start = None
        for seq, them in changes:
            now_serving = bool(them & codes)
            if now_serving and not serving:
                start = seq
            elif serving and not now_serving:
                spans.append(Span(login, start, seq))  # the move away is read too
            serving = now_serving
        if serving:
            spans.append(Span(login, start))
    return sorted(spans, key=lambda s: (s.login, s.first or 0))


def condition(spans: list[Span]):
    """The SQL condition on AuditEntry of the account entries these spans let be read.
    Accounts read whole (the usual case: made for the district and never moved) go in one
    IN list, so that a district of many members makes no long chain of ORs."""
    whole = [s.login for s in spans if s.first is None and s.last is None]
    parts = [AuditEntry.target.in_(whole)] if whole else []
    for s in spans:
        if s.first is None and s.last is None:
            continue
        bounds = [AuditEntry.target == s.login]
        if s.first is not None:
            bounds.append(AuditEntry.seq >= s.first)
        if s.last is not None:
            bounds.append(AuditEntry.seq <= s.last)
        parts.append(and_(*bounds))
    return and_(AuditEntry.action.startswith("account.", autoescape=True), or_(*parts))
