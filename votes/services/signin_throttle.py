"""Failed staff sign-ins counted per login name, whatever address they come from.

The per-address limit on /staff/login (10 a minute) does nothing against someone with many
addresses (a botnet, IPv6 /64s, a carrier's NAT pool) guessing one committee member's
password, and a staff account opens and closes votes and enters paper ballots. So each name
also has its own count, kept in the database (table signin_throttles): the database is the
one store every gunicorn worker of every host shares, and a count read and written under a
row lock in one transaction is exact. The rate limiter's storage is not that store:
`memory://` counts per process, and Redis is optional, keeps nothing durable (a restart or
an eviction forgets a pause) and falls back to per-process counts while down
(docs/deploy.md).

The numbers:
- FREE_FAILURES (5) wrong passwords pause the name for FIRST_PAUSE (1 minute), one failure
  being forgiven every WINDOW (15 minutes) since the count last changed (a leaking count,
  not a window that starts afresh: with a fresh window, 4 guesses every 15 minutes never
  reached the 5th, 384 a day and none of them paused or audited);
- once paused, each further failure pauses it again at once, for twice the last pause, up
  to MAX_PAUSE (15 minutes): 1, 2, 4, 8, 15, 15, ... minutes;
- a successful sign-in clears the name; so does a day (FORGET) without a failure.
While a name is paused every attempt on it is refused, the right password too, without
checking the password (nor spending argon2's time on it); a refused attempt is not counted,
so knocking during a pause does not lengthen it. A guesser gets 5 guesses, then about one
every 15 minutes, whether the name is paused (one per pause) or not (one per failure
forgiven): about 100 a day at most, against an argon2 hash of a password of 10 characters or
more. A stranger failing on purpose pauses the name for at most 15 minutes per failure,
never for good (they can renew it with one request every 15 minutes, as with any
per-account limit; the member then signs in right after a pause ends).

A wrong current password on /staff/password (a member changing their own) counts the same
way under the account's name (staff.change_own_password): a stranger at a shared PC left
signed in must not get unlimited guesses there.

A name is counted whether an account has it or not: an unknown name is paused by the same
count and refused in the same words, so the pause does not tell which names exist.

Every attempt takes its turn before its password is checked: the turn is counted as a
failure (and may start the pause) in a short transaction of its own, and a right password
then clears the name. Attempts sent at once to many workers therefore cannot all be checked
before the first failures are written down: never more than FREE_FAILURES per window.
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from votes.i18n import _
from votes.models import SignInThrottle
from votes.services import clock, privacy
from votes.services.bulk import insert_or_nothing
from votes.services.errors import DomainError
from votes.services.tx import unit_of_work

FREE_FAILURES = 5
WINDOW = timedelta(minutes=15)
FIRST_PAUSE = timedelta(minutes=1)
MAX_PAUSE = timedelta(minutes=15)
FORGET = timedelta(days=1)


class Paused(DomainError):
    """The name is paused until `until`; `failed`: this attempt was a wrong password and
    started the pause (it was checked), otherwise it was refused unchecked."""

    def __init__(self, until: datetime, *, failed: bool = False):
        super().__init__(_("此登录名登录失败次数过多，已暂停登录，请于 %(time)s（北京时间）后再试。",
                           time=clock.local_text(until, "%H:%M:%S")))
        self.until = until
        self.failed = failed


@dataclass(frozen=True)
class Turn:
    """An attempt allowed to check its password, already counted as a failure."""

    key: str
    pause_until: datetime | None = None  # the pause it started, which stands if it fails
    pauses: int = 0  # how many pauses in a row that one is


def name_key(name: str) -> str:
    """The count's key for `name`, the exact string the sign-in looks up
    (staff.lookup_name).

    Folded further (NFKC, then letter case): folding only ever merges spellings, so every
    spelling that can reach an account is counted under that account's key whatever the
    lookup does with case or width, and "Clerk.Wang", "clerk.wang" and "Ｃｌｅｒｋ.Ｗａｎｇ"
    share one count. A keyed hash: a password typed into the name field is not kept."""
    folded = unicodedata.normalize("NFKC", name).casefold()
    return hmac.new(privacy.derived_key("signin-name"),
                    folded.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()


def _locked_row(session: Session, key: str, now: datetime) -> SignInThrottle:
    """The name's row, made if missing, locked for this transaction (on SQLite the INSERT
    takes the database's write lock, which serialises the same way)."""
    while True:
        session.execute(insert_or_nothing(session, SignInThrottle).values(name_key=key, failures=0, locks=0,
                                                last_failure=now)
                        .on_conflict_do_nothing(index_elements=["name_key"]))
        row = session.scalar(select(SignInThrottle).where(SignInThrottle.name_key == key)
                             .with_for_update().execution_options(populate_existing=True))
        if row is not None:  # else `sweep` deleted it as we came: make it again
            return row


def take_turn(key: str) -> Turn:
    """Count an attempt on the name whose count is `key` (name_key) as a failure before its
    password is checked; raise Paused (nothing counted) while the name is paused."""
    now = clock.now()
    with unit_of_work() as session:
        row = _locked_row(session, key, now)
        if row.locked_until is not None and row.locked_until > now:
            raise Paused(row.locked_until)
        if row.last_failure <= now - FORGET:
            row.failures, row.window_start, row.locks = 0, None, 0
        pause = row.locks > 0  # paused before: every failure pauses again
        if not pause:
            # window_start: from when the count leaks, one failure every WINDOW; what is
            # left of a WINDOW carries over, so a steady guesser gets one guess a WINDOW.
            if row.window_start is None or row.failures == 0:
                row.window_start = now
            leaked = (now - row.window_start) // WINDOW
            if leaked:
                row.failures = max(0, row.failures - leaked)
                row.window_start = now if row.failures == 0 else \
                    row.window_start + leaked * WINDOW
            row.failures += 1
            pause = row.failures >= FREE_FAILURES
        row.last_failure = now
        if not pause:
            return Turn(key)
        # The exponent stops growing past the cap (a long siege must not overflow it).
        until = now + min(FIRST_PAUSE * 2 ** min(row.locks, 10), MAX_PAUSE)
        row.locked_until, row.locks = until, row.locks + 1
        row.failures, row.window_start = 0, None
        return Turn(key, until, row.locks)


def clear(session: Session, turn: Turn) -> None:
    """A right password: the name starts afresh (in the caller's transaction)."""
    session.execute(delete(SignInThrottle).where(SignInThrottle.name_key == turn.key))


def forget(session: Session, name: str) -> SignInThrottle | None:
    """Delete the count of `name` (an administrator's `votes users unpause`), in the
    caller's transaction; the row as it was, or None if nothing was counted."""
    row = session.get(SignInThrottle, name_key(name), with_for_update=True)
    if row is not None:
        session.delete(row)
    return row


def sweep(now: datetime | None = None) -> int:
    """Delete the counts of names without a failure for FORGET (`votes tick`); how many.
    Every pause has ended by then (MAX_PAUSE < FORGET)."""
    cutoff = (now or clock.now()) - FORGET
    with unit_of_work() as session:
        return session.execute(delete(SignInThrottle)
                               .where(SignInThrottle.last_failure <= cutoff)).rowcount
