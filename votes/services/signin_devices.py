"""Known browsers: a pause of a staff login name does not stop a browser that signed in to
that account before.

The per-name count (signin_throttle) stops guessing from many addresses, but it lets a
stranger who knows a committee member's login name keep them out: one wrong password every
15 minutes renews the pause (on the last evening of a vote, when the paper ballots must be
entered). So a successful sign-in leaves a cookie in the browser (COOKIE, for LIFETIME,
signed with the app's SECRET_KEY, HttpOnly, sent to /staff/login only) that names the
account by its count's key (signin_throttle.name_key, not the login in clear) and a random
device id. An attempt that brings a cookie honoured for the name it tries is not refused by
the name's pause, and its failures are not counted under the name: they are counted under
the device instead, and FREE_FAILURES of them in a row (before a sign-in with it succeeds)
end the device's exemption. Attempts without such a cookie are counted and paused by name
as before.

The devices are rows of signin_devices, in the database every worker of every host shares
(the reasons of signin_throttle's docstring), one per browser and account. A list of the
devices that exist, rather than a list of revoked ones, because:
- a cookie is honoured only while its row exists: changing the account's password, or
  disabling or enabling it, deletes the account's rows (forget), and with them every cookie
  issued so far, without a counter in staff_users that the cookie would have to bind (the
  session generation will not do: signing out bumps it, and a member who signs out every
  evening would never keep an exemption);
- its failures need a row anyway, and rows are few: one per browser that signed in within
  LIFETIME, deleted by `votes tick` after that (sweep);
- the row is written in the transaction that ends a successful sign-in, under the account's
  row lock and only if its password hash is still the one just checked, so a password
  changed at that very moment cannot leave a device behind.

A copied cookie grants nothing without the password, and the per-address limit still
applies; it gives its holder at most FREE_FAILURES guesses outside the name's count, once.
Each failure is counted before the password is checked (one UPDATE ... WHERE failures < 5),
so guesses sent at once with one cookie get no more. A cookie remembers up to ACCOUNTS
accounts, for a community office's shared computer.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from votes.models import SignInDevice, StaffUser
from votes.services import clock
from votes.services.tx import unit_of_work

COOKIE = "votes_staff_device"
LIFETIME = timedelta(days=90)
FREE_FAILURES = 5
ACCOUNTS = 5
_SALT = "votes.staff-device"


@dataclass(frozen=True)
class Entry:
    """One account a browser signed in to, as its cookie names it."""

    key: str  # signin_throttle.name_key of the account's login
    device: str  # random, 128 bits; the table keeps only its hash
    expires: int  # Unix time


@dataclass(frozen=True)
class DeviceTurn:
    """An attempt the device's exemption lets through, already counted as its failure."""

    device_hash: str
    user_id: int
    last: bool  # failing, it ends the exemption


def _serializer() -> URLSafeSerializer:
    fallbacks = list(current_app.config.get("SECRET_KEY_FALLBACKS") or ())
    return URLSafeSerializer([*fallbacks, current_app.secret_key], salt=_SALT)


def read(cookie: str | None) -> tuple[Entry, ...]:
    """The unexpired entries of a browser's cookie; none if it is missing, altered or not
    signed with this app's secret key."""
    if not cookie or len(cookie) > 4000:
        return ()
    try:
        data = _serializer().loads(cookie)
    except BadSignature:
        return ()
    now = clock.now().timestamp()
    if not isinstance(data, list):
        return ()
    return tuple(Entry(*item) for item in data[:ACCOUNTS]
                 if isinstance(item, list) and len(item) == 3
                 and isinstance(item[0], str) and isinstance(item[1], str)
                 and isinstance(item[2], int) and item[2] > now)


def entry_for(entries: tuple[Entry, ...], key: str) -> Entry | None:
    return next((entry for entry in entries if entry.key == key), None)


def device_hash(device: str) -> str:
    return hashlib.sha256(device.encode()).hexdigest()


def take_turn(entry: Entry) -> DeviceTurn | None:
    """Count an attempt as a failure of the cookie's device before its password is checked,
    if the device is honoured for the entry's name; None (nothing counted) if not: the
    attempt then takes its turn under the name like any other."""
    hashed = device_hash(entry.device)
    with unit_of_work() as session:
        row = session.execute(
            update(SignInDevice)
            .where(SignInDevice.device_hash == hashed, SignInDevice.name_key == entry.key,
                   SignInDevice.failures < FREE_FAILURES)
            .values(failures=SignInDevice.failures + 1)
            .returning(SignInDevice.user_id, SignInDevice.failures)
            .execution_options(synchronize_session=False)).one_or_none()
    if row is None:
        return None
    return DeviceTurn(hashed, row.user_id, row.failures >= FREE_FAILURES)


def remember(session: Session, user: StaffUser, checked_hash: str,
             entries: tuple[Entry, ...], used: DeviceTurn | None) -> str | None:
    """A right password (in the caller's transaction, after its first write): the browser's
    new cookie, naming this account's device (`used`, its failures cleared, else a new one)
    and the other accounts it already named. None if the password changed, or the account
    was disabled, since the password was checked."""
    from votes.services.signin_throttle import name_key

    now = clock.now()
    current = session.get(StaffUser, user.id, with_for_update=True, populate_existing=True)
    if current is None or not current.active or current.password_hash != checked_hash:
        return None
    key = name_key(current.login)
    known = entry_for(entries, key)
    if used is not None and known is not None:
        device = known.device
        session.execute(update(SignInDevice).where(SignInDevice.device_hash == used.device_hash)
                        .values(failures=0, last_signin=now)
                        .execution_options(synchronize_session=False))
    else:
        if known is not None:  # a device no longer honoured, or forgotten: replaced
            session.execute(delete(SignInDevice)
                            .where(SignInDevice.device_hash == device_hash(known.device)))
        device = secrets.token_urlsafe(16)
        session.add(SignInDevice(device_hash=device_hash(device), user_id=current.id,
                                 name_key=key, failures=0, last_signin=now))
    entry = Entry(key, device, int((now + LIFETIME).timestamp()))
    others = [e for e in entries if e.key != key][:ACCOUNTS - 1]
    return _serializer().dumps([[e.key, e.device, e.expires] for e in (entry, *others)])


def forget(session: Session, user_id: int) -> None:
    """Every device of the account stops being honoured (a new password, disabled)."""
    session.execute(delete(SignInDevice).where(SignInDevice.user_id == user_id))


def sweep(now: datetime | None = None) -> int:
    """Delete the devices whose cookie has expired (`votes tick`); how many."""
    cutoff = (now or clock.now()) - LIFETIME
    with unit_of_work() as session:
        return session.execute(delete(SignInDevice)
                               .where(SignInDevice.last_signin <= cutoff)).rowcount
