"""The lobby path's throttle: answers given after picking building and room on the poster.

That path proves nothing, so anyone can reach any voter's second factor there. Its wrong
answers never touch the link's lockout (access.check_unlocked); instead:
- per voter and client: CLIENT_FREE wrong answers, then each further one waits BACKOFF,
  doubled per failure (backoff, no hard lock a stranger could put the owner in);
- per voter, all clients together: at most VOTER_DAILY wrong answers per WINDOW.
That is the bound on guessing from the lobby: 10 a day, so at most 300 guesses in a
30-day vote against the >= 15,500 values the last 6 characters of an ID number take even
for someone who knows the owner's birth year, month and sex (< 2 %), against a 6-digit SMS
code that changes with every send (< 0.03 %), or against a 40-bit notice code.
The owner's own link (a 144-bit token on the notice) keeps working throughout, and
verifying through it clears the lobby count.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from votes.models import LobbyFailure, VoterAccess
from votes.services import clock, privacy
from votes.services.tx import unit_of_work

CLIENT_FREE = 3
BACKOFF = timedelta(minutes=15)
VOTER_DAILY = 10
WINDOW = timedelta(days=1)


def _client_key(client: str) -> str:
    # Client addresses are personal data: only a keyed hash is kept, for a day.
    return hmac.new(privacy.derived_key("lobby-client"), client.encode(),
                    hashlib.sha256).hexdigest()[:32]


def state(session: Session, access: VoterAccess, client: str,
          now: datetime) -> tuple[datetime | None, int]:
    """(when this client may next answer for this voter on the lobby path, None if now;
    how many answers it may give before it has to wait)."""
    client = _client_key(client)
    since = now - WINDOW
    times = list(session.scalars(select(LobbyFailure.time).where(
        LobbyFailure.access_id == access.id, LobbyFailure.time > since)
        .order_by(LobbyFailure.time)))
    if len(times) >= VOTER_DAILY:
        return times[-VOTER_DAILY] + WINDOW, 0
    mine = list(session.scalars(select(LobbyFailure.time).where(
        LobbyFailure.access_id == access.id, LobbyFailure.client == client,
        LobbyFailure.time > since).order_by(LobbyFailure.time)))
    if len(mine) < CLIENT_FREE:
        return None, min(CLIENT_FREE - len(mine), VOTER_DAILY - len(times))
    until = mine[-1] + BACKOFF * 2 ** (len(mine) - CLIENT_FREE)
    return (until, 0) if until > now else (None, 1)


def record_failure(session: Session, access: VoterAccess, client: str,
                   now: datetime) -> tuple[datetime | None, int]:
    """Count a wrong answer; return the new state (see `state`)."""
    # Only this voter's rows, which the caller's lock on the access row serialises: deleting
    # every voter's, two concurrent wrong answers could lock each other's rows in opposite
    # orders (a deadlock on PostgreSQL). Other voters' old rows go in `sweep`.
    session.execute(delete(LobbyFailure).where(LobbyFailure.access_id == access.id,
                                               LobbyFailure.time <= now - WINDOW))
    session.add(LobbyFailure(access_id=access.id, client=_client_key(client), time=now))
    session.flush()
    return state(session, access, client, now)


def clear(session: Session, access: VoterAccess) -> None:
    session.execute(delete(LobbyFailure).where(LobbyFailure.access_id == access.id))


def sweep(now: datetime | None = None) -> int:
    """Delete every voter's wrong answers older than WINDOW (`votes tick`), so the hashed
    client addresses of a voter nobody answers for again are not kept past the day either;
    return how many. Rows a wrong answer's transaction holds are skipped, not waited for
    (the next tick takes them): the sweep never waits, so it cannot deadlock with one."""
    cutoff = (now or clock.now()) - WINDOW
    expired = select(LobbyFailure.id).where(LobbyFailure.time <= cutoff) \
        .with_for_update(skip_locked=True).scalar_subquery()
    with unit_of_work() as session:
        return session.execute(delete(LobbyFailure).where(LobbyFailure.id.in_(expired))) \
            .rowcount
