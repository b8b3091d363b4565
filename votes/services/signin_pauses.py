"""The audit log's record of sign-in pauses (signin_throttle), written by `votes tick`.

A sign-in that paused a name wrote an entry for an account's name only, and the log's head
is public (GET /api/audit/head, for witnesses): a stranger who paused a name and saw the
head's seq go up knew an account had it. An entry for every name a stranger types would
take a row per five requests. So no entry is written at the sign-in, for any name: each
tick writes one for all the pauses started since the last it wrote, naming the accounts
among them and counting the names no account has, and none when there were none. Whether
the head moves then says only that some name was paused."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from votes.core.canonical import format_time, parse_time
from votes.models import AuditEntry, SignInThrottle, StaffUser
from votes.services import audit, clock
from votes.services.signin_throttle import name_key
from votes.services.tx import unit_of_work

ACTION = "account.signin_pauses"
# A turn is counted in a short transaction of its own, stamped before it commits: pauses
# stamped in the last few seconds are left to the next tick, so that one committing while
# this tick reads is not passed over for good.
SETTLE = timedelta(seconds=10)


def record(now: datetime | None = None) -> int:
    """Append one entry for the pauses started since the last such entry (how many)."""
    # Whole seconds, as the entry keeps it: the next tick starts just after what it says.
    through = ((now or clock.now()) - SETTLE).replace(microsecond=0)
    with unit_of_work() as session:
        audit.lock(session)  # two ticks at once: the second reads the first's entry
        # The name's last turn paused it (a turn that does not leaves an older pause's end).
        started = (select(SignInThrottle)
                   .where(SignInThrottle.locked_until > SignInThrottle.last_failure,
                          SignInThrottle.last_failure <= through))
        if not session.scalar(select(started.exists())):
            return 0  # the usual minute: the log is not searched
        # A pause is at most a day old (its row goes a day after its last failure) and
        # recorded by the first tick after it: the search back stops within that day.
        last = session.scalar(select(AuditEntry.details).where(AuditEntry.action == ACTION)
                              .order_by(AuditEntry.seq.desc()).limit(1))
        if isinstance(last, dict) and isinstance(last.get("through"), str):
            mark = parse_time(last["through"])
            started = started.where(SignInThrottle.last_failure > mark)
        rows = list(session.scalars(started))
        if not rows:
            return 0
        logins = {name_key(login): login for login in session.scalars(select(StaffUser.login))}
        named = sorted(({"login": logins[r.name_key], "pause": r.locks,
                         "until": format_time(r.locked_until)}
                        for r in rows if r.name_key in logins), key=lambda a: a["login"])
        audit.record(session, "system", ACTION, details={
            "accounts": named, "other_names": len(rows) - len(named),
            "through": format_time(through)})
        return len(rows)
