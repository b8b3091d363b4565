"""Staff accounts: creation, sign-in with argon2 hashes, and what each may see."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import false, func, select
from sqlalchemy.exc import IntegrityError

from votes.core.canonical import format_time
from votes.extensions import db
from votes.models import Community, StaffCommunity, StaffUser
from votes.models.staff import ROLES
from votes.services import audit, clock, signin_devices, signin_throttle
from votes.i18n import _
from votes.services.communities import district_code, get_community
from votes.services.errors import DomainError
from votes.services.plain_text import check_plain
from votes.core.full_width import ascii_forms
from votes.services.tx import unit_of_work

_hasher = PasswordHasher()
_LOGIN = re.compile(r"^[A-Za-z0-9_.@-]{2,64}$")
NAME_MAX = 100  # staff_users.name
# The audit log's actors that are no member: the server itself, the command line, the demo's
# set-up. An account of one of these names would have its member's actions read as no one's.
_MACHINE_ACTORS = audit.MACHINE_ACTORS
# A real hash to verify against when the login is unknown, so both paths take as long.
_DUMMY = _hasher.hash("votes-dummy-password")


# Runs a person types without thinking: digits, the alphabet, the keyboard's rows (forwards
# and backwards, "1234567890" wrapping on to "1234..."). A password that is one of these with
# at most two characters more is refused.
_RUNS = ("12345678901234567890", "abcdefghijklmnopqrstuvwxyz", "qwertyuiopqwertyuiop",
         "asdfghjklasdfghjkl", "zxcvbnmzxcvbnm", "1qaz2wsx3edc4rfv5tgb", "qazwsxedcrfvtgbyhn",
         "1q2w3e4r5t6y7u8i9o0p", "147258369147258369")
# The most common passwords of 10 characters or more (shorter ones are refused anyway), in
# leaked lists from Chinese sites above all; lower case, compared letter case aside.
_COMMON = frozenset((
    "123456789a", "a123456789", "1234567890a", "a1234567890",
    "123456789q", "q123456789", "qq123456789", "qq1234567890", "aa123456789",
    "abc123456789", "abc1234567", "abcd123456", "ab12345678", "12345678910", "1234567899",
    "1111111111a", "1122334455", "1231231231", "123123123123", "111222333444",
    "1314521314", "5201314520", "5201314521", "1314520520", "woaini1314", "woaini5201314",
    "woaini520520", "woaiwojia123", "iloveyou1314", "iloveyou123", "5211314521",
    "1qaz2wsx3edc", "1q2w3e4r5t", "1q2w3e4r5t6y", "qazwsxedcrfv", "qweasdzxc123",
    "123qweasdzxc", "zxcvbnm123", "qwerty123456", "asdfghjkl1", "147258369a",
    "password123", "password1234", "passw0rd123", "admin123456", "admin12345",
    "administrator", "zhang123456", "wang123456", "chen123456", "liu1234567",
    "huang123456", "li123456789"))


def password_problem(login: str, password: str) -> str | None:
    """Why `password` may not be the password of `login` (in words), or None: shorter than
    10, holding the login name, all one character, a run (1234567890, abcdefghij,
    qwertyuiop), or one of the most common passwords. Every place a password is set asks."""
    if len(password) < 10:
        return _("密码至少 10 个字符")
    folded = password.lower()
    if login and login.strip().lower() in folded:
        return _("密码不能包含登录名")
    if len(set(password)) == 1:
        return _("密码不能全是同一个字符")
    if folded in _COMMON:
        return _("这个密码是最常用密码之一，很容易被猜中，请换一个")
    if len(folded) - _longest_run(folded) <= 2:
        return _("密码不能是连续的数字、字母或键盘上相邻的键（如 1234567890、abcdefghij、"
                 "qwertyuiop）")
    return None


def _longest_run(text: str) -> int:
    """The length of the longest part of `text` found in one of _RUNS, forwards or back."""
    runs = _RUNS + tuple(run[::-1] for run in _RUNS)
    best = 0
    for start in range(len(text)):
        # No run is longer than 20: a long password costs no more than a short one.
        for end in range(min(len(text), start + 20), start + best, -1):
            if any(text[start:end] in run for run in runs):
                best = end - start
                break
    return best


def _check_password(login: str, password: str) -> None:
    problem = password_problem(login, password)
    if problem is not None:
        raise DomainError(problem)


def password_matches(stored_hash: str, password: str) -> bool:
    """Whether the password is the one a stored argon2 hash was made of (False, not an
    error, for a hash that does not read)."""
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def create_user(login: str, password: str, role: str, *, name: str = "",
                communities: tuple[str, ...] = (), jurisdiction: str | None = None,
                actor: str = "cli", must_change: bool | None = None) -> StaffUser:
    """A new account; audited. Its member must replace the password at the first sign-in
    (`must_change`) unless told otherwise: by default whenever a person chose it, the
    demo's set-up aside."""
    # fullmatch: the pattern's "$" also matches before a final line break.
    if not 2 <= len(login) <= 64:
        # The pattern refuses these too, but its message names only the characters: "x",
        # all letters, was told it may use letters only.
        raise DomainError(_("登录名须为 2 至 64 个字符（字母、数字和 _.@-）"))
    if not _LOGIN.fullmatch(login):
        raise DomainError(_("登录名只能包含字母、数字和 _.@-"))
    if login.lower() in _MACHINE_ACTORS:
        raise DomainError(_("登录名 %(login)s 为系统保留，请换一个", login=login))
    if role not in ROLES:
        raise DomainError(_("角色必须是 管理员、业委会 或 监管部门"))
    _check_password(login, password)
    # Shown on the accounts page and beside the member's entries: one line, plain text, and
    # within the column (SQLite would have stored any length; PostgreSQL refused with 400).
    name = " ".join(name.split())
    if len(name) > NAME_MAX:
        raise DomainError(_("姓名最多 %(n)s 个字符", n=NAME_MAX))
    check_plain(name)
    jurisdiction = district_code(jurisdiction)
    # Each code once and as the code reads: "SUN,SUN" was the unique constraint's error (an
    # HTTP 500, a traceback), "SUN, MOON" a community " MOON" that does not exist.
    communities = tuple(dict.fromkeys(c.strip() for c in communities if c.strip()))
    if role == "committee" and not communities:
        raise DomainError(_("业委会账号需要指定小区"))
    if role == "regulator" and not jurisdiction:
        raise DomainError(_("监管账号需要指定辖区"))
    # Two spellings of one code (moon, MOON) name one community since codes are read
    # whatever their case: one membership, not the same row added twice.
    found = list({c.id: c for c in map(get_community, communities)}.values())
    try:
        with unit_of_work() as session:
            # The log's lock, taken before the check rather than when the entry is
            # appended, puts two creations at once in turn: the second's check reads the
            # first's row and says so in words.
            audit.lock(session)
            _refuse_taken(session, login)
            user = StaffUser(login=login, name=name or login, role=role,
                             password_hash=_hasher.hash(password),
                             # Whoever chose it knows it: the member replaces it.
                             must_change_password=actor != "demo" if must_change is None
                             else must_change,
                             jurisdiction=jurisdiction if role == "regulator" else None)
            user.communities = [StaffCommunity(community_id=c.id) for c in found]
            session.add(user)
            session.flush()
            audit.record(session, actor, "account.create", target=login,
                         details={"role": role, "communities": [c.code for c in found],
                                  "jurisdiction": jurisdiction or ""})
    except IntegrityError:
        # The unique index on lower(login) (logins_0001) refused a login that a writer
        # without the log's lock (another program's insert) took after the check: the
        # administrator is told the same, read again now that the other is committed.
        with unit_of_work() as session:
            _refuse_taken(session, login)
        raise
    return user


def _refuse_taken(session, login: str) -> None:
    """Refuse (DomainError) a login some account has, in this letter case or another:
    "Admin" beside "admin" would read as one person in the audit log and on the chain's
    entries."""
    if session.scalar(select(StaffUser.id).where(
            func.lower(StaffUser.login) == login.lower())):
        raise DomainError(_("登录名 %(login)s 已存在", login=login))


def find_account(session, name: str) -> StaffUser | None:
    """The account `name` names, letter case aside, as create_user tells names apart (it
    refuses "clerk.wang" beside "Clerk.Wang"): SQL lower() on both sides, which SQLite and
    PostgreSQL agree on for the ASCII letters a login may hold. A name with any other
    character names no account (and Python's lower() must not fold one into ASCII: the
    Kelvin sign "\u212a" lowers to "k"). The database holds one spelling of a name at most:
    the unique index on lower(login) (logins_0001) refuses a second, and its upgrade stops
    on a database holding two."""
    if not name.isascii():
        return None
    return session.scalar(select(StaffUser).where(func.lower(StaffUser.login) == name.lower()))


def lookup_name(login: str) -> str:
    """The name the sign-in looks for (find_account): as typed, full-width forms read as
    ASCII, without the spaces around it (an input method's full-width space too). The
    sign-in's count keys on this very string, folded further than this and find_account
    fold it (signin_throttle.name_key: NFKC folds full-width forms too), so no spelling
    reaches an account past its count."""
    return ascii_forms(login).strip()


@dataclass(frozen=True)
class LastSignIn:
    """What the account's member is shown after signing in, to notice someone else using
    it: the sign-in before this one (None for the first) and the password resets by someone
    else since then (at most the last RESETS_SHOWN, as (time, who))."""

    time: datetime | None
    address: str
    resets: tuple[tuple[datetime, str], ...]


RESETS_SHOWN = 5


def _last_signin(session, login: str) -> LastSignIn:
    """Read from the audit log before this sign-in is appended to it."""
    from votes.models import AuditEntry

    mine = (AuditEntry.target == login)
    before = session.scalar(select(AuditEntry).where(mine, AuditEntry.action == "account.signin")
                            .order_by(AuditEntry.seq.desc()).limit(1))
    changes = select(AuditEntry).where(mine, AuditEntry.action == "account.change",
                                       AuditEntry.actor != login)
    if before is not None:
        changes = changes.where(AuditEntry.seq > before.seq)
    resets = [(e.time, e.actor) for e in session.scalars(changes.order_by(AuditEntry.seq))
              if (e.details or {}).get("password") == "reset"]
    return LastSignIn(before.time if before else None,
                      str((before.details or {}).get("address", "")) if before else "",
                      tuple(resets[-RESETS_SHOWN:]))


@dataclass(frozen=True)
class SignIn:
    user: StaffUser
    device_cookie: str  # for the browser: signin_devices.COOKIE
    generation: int  # the account's session_generation when its password was still this one
    last: LastSignIn | None = None  # the account's sign-in before this one


def authenticate(login: str, password: str, device_cookie: str | None = None,
                 address: str = "") -> SignIn | None:
    """The active account of this name and password (and the browser's new device cookie),
    or None. A sign-in is audited with the client's `address`, in the transaction that
    gives it.

    Raises signin_throttle.Paused while the name is paused (the password unchecked), and
    on the wrong password that pauses it: too many failures under one name, from whatever
    addresses, pause it, known or not (votes/services/signin_throttle.py). Not so for a
    browser whose `device_cookie` names a device that signed in to this account and has
    not failed too often since: its attempts are counted against the device, not the name
    (votes/services/signin_devices.py)."""
    name = lookup_name(login)
    entries = signin_devices.read(device_cookie)
    key = signin_throttle.name_key(name)
    entry = signin_devices.entry_for(entries, key)
    device_turn = signin_devices.take_turn(entry) if entry is not None else None
    turn = signin_throttle.take_turn(key) if device_turn is None else None
    user = find_account(db.session, name)
    if device_turn is not None and user is not None and user.id != device_turn.user_id:
        user = None  # the device's account is another spelling's (an older database's)
    checked_hash = user.password_hash if user else _DUMMY
    right = password_matches(checked_hash, password)
    if not right or user is None or not user.active:
        _failed(turn, device_turn, user)
        return None
    with unit_of_work() as session:
        if turn is not None:
            signin_throttle.clear(session, turn)
        cookie = signin_devices.remember(session, user, checked_hash, entries, device_turn)
        if cookie is None:
            # Reset or disabled while argon2 checked the password: a session given now
            # would carry the generation the reset bumped, and outlive the reset. The name
            # keeps its turn, counted as the failure it now is.
            session.rollback()
        else:
            # Read under remember's lock on the account: after the commit, a reset made
            # meanwhile would be read instead.
            generation = user.session_generation
            if _hasher.check_needs_rehash(user.password_hash):
                user.password_hash = _hasher.hash(password)
            audit.lock(session)  # no sign-in appended between the read and this one
            last = _last_signin(session, user.login)
            audit.record(session, user.login, "account.signin", target=user.login,
                         details={"address": address})
    if cookie is None:
        _failed(turn, device_turn, user)
        return None
    return SignIn(user, cookie, generation, last)


def _failed(turn: signin_throttle.Turn | None, device_turn: signin_devices.DeviceTurn | None,
            user: StaffUser | None) -> None:
    """A failed attempt (already counted by its turn): if its turn started a pause, Paused
    is raised, the same for a name no account has (the pause is audited by votes tick,
    signin_pauses). If it ended a device's exemption, the log says so (a member's mistakes,
    or someone holding a copy of their cookie)."""
    if device_turn is not None:
        if device_turn.last:
            with unit_of_work() as session:
                account = session.get(StaffUser, device_turn.user_id)
                if account is not None:
                    audit.record(session, "system", "account.signin_device_dropped",
                                 target=account.login,
                                 details={"failures": signin_devices.FREE_FAILURES})
        return
    if turn is None or turn.pause_until is None:
        return
    # Not audited here, whoever's the name: votes tick records the pauses (signin_pauses).
    raise signin_throttle.Paused(turn.pause_until, failed=True)


def visible_communities(user: StaffUser) -> list[Community]:
    """Every community this account may see; others answer 404."""
    query = select(Community).order_by(Community.code)
    if user.role == "committee":
        query = query.where(Community.id.in_([c.community_id for c in user.communities]))
    elif user.role == "regulator":
        # An account without a district sees none: "no district" is not a district, and
        # the database would match it to every community that has none.
        query = query.where(Community.jurisdiction == user.jurisdiction) \
            if user.jurisdiction else query.where(false())
    return list(db.session.scalars(query))


def may_see(user: StaffUser, community: Community) -> bool:
    if user.role == "admin":
        return True
    if user.role == "committee":
        return any(c.community_id == community.id for c in user.communities)
    return user.role == "regulator" and bool(user.jurisdiction) \
        and community.jurisdiction == user.jurisdiction


def all_users() -> list[StaffUser]:
    return list(db.session.scalars(select(StaffUser).order_by(StaffUser.login)))


def change_user(login: str, *, actor: str, active: bool | None = None,
                password: str | None = None) -> StaffUser:
    """Enable or disable an account, or set a new password; audited."""
    with unit_of_work() as session:
        user = find_account(session, lookup_name(login))
        if user is None:
            raise DomainError(_("没有登录名为 %(login)s 的账号", login=login))
        # Locked and read again: the generation is written back as read plus one, and a
        # member's own password change committed meanwhile had given its session that very
        # number, which then outlived this reset.
        user = session.get(StaffUser, user.id, with_for_update=True, populate_existing=True)
        if user.login == actor and active is False:
            raise DomainError(_("不能停用自己的账号"))
        if user.login == actor and password is not None:
            # /staff/password asks for the current one: an unattended browser must not take
            # the account for good through the accounts page.
            raise DomainError(_("不能在账号管理中重设自己的密码，请在“修改密码”页修改（须输入当前密码）"))
        details = {}
        user.session_generation += 1
        session.flush()  # the account's row is locked before its devices go
        signin_devices.forget(session, user.id)
        if active is not None:
            user.active = active
            details["active"] = active
        if password is not None:
            _check_password(user.login, password)
            user.password_hash = _hasher.hash(password)
            # Someone else's choice: the member replaces it at their next sign-in.
            user.must_change_password = actor != user.login
            details["password"] = "reset"
        audit.record(session, actor, "account.change", target=user.login, details=details)
    return user


def set_communities(login: str, community_ids, *, actor: str) -> StaffUser:
    """The communities a committee account serves, replaced by those of `community_ids`
    (as a form sends them: text); audited with their codes. None is refused, as at
    creation, and so is an id of no community. Read afresh on every request (may_see): a
    member removed from a community loses it at their next one."""
    from votes.core.numbers import whole_number

    ids = set()
    for raw in community_ids:
        number = whole_number(str(raw).strip(), digits=18)
        if number is None:
            raise DomainError(_("没有这个小区"))
        ids.add(number)
    with unit_of_work() as session:
        user = find_account(session, lookup_name(login))
        if user is None:
            raise DomainError(_("没有登录名为 %(login)s 的账号", login=login))
        # Locked: two administrators saving at once would each add the same row.
        user = session.get(StaffUser, user.id, with_for_update=True, populate_existing=True)
        if user.role != "committee":
            raise DomainError(_("只有业委会账号属于小区"))
        if not ids:
            raise DomainError(_("业委会账号需要指定小区"))
        found = list(session.scalars(select(Community).where(Community.id.in_(ids))
                                     .order_by(Community.code)))
        if len(found) != len(ids):
            raise DomainError(_("没有这个小区"))
        kept = {c.community_id: c for c in user.communities}
        user.communities = [kept.get(c.id) or StaffCommunity(community_id=c.id) for c in found]
        audit.record(session, actor, "account.change", target=user.login,
                     details={"communities": [c.code for c in found]})
    return user


# No 0/o, 1/l/i: a password read out over the phone or copied from a screen by hand.
_GENERATED = "abcdefghjkmnpqrstuvwxyz23456789"


def generated_password(login: str) -> str:
    """A random password for `login` (16 characters, about 79 bits) that password_problem
    accepts: a login of two letters may occur in a draw, which is then drawn again."""
    while True:
        password = "".join(secrets.choice(_GENERATED) for _n in range(16))
        if password_problem(login, password) is None:
            return password


def change_own_password(user_id: int, current: str, password: str, again: str) -> int:
    """A member's own new password, set with the one they had: the administrator, who chose
    the first, then no longer knows it. Ends the account's other sessions and forgets its
    browsers, as a reset does; audited as the member's. The account's new session
    generation, for the session the member changed it in.

    The current password is checked as a sign-in checks one, its guesses counted under the
    account's name (signin_throttle: the same count and pauses, known browsers not exempt):
    at a shared PC left signed in, a stranger could otherwise try passwords here without
    limit. Raises Paused as authenticate does."""
    account = db.session.get(StaffUser, user_id)
    if account is None or not account.active:
        raise DomainError(_("账号不存在或已停用"))
    if password != again:
        raise DomainError(_("两次输入的新密码不一致"))
    if password == current:
        # The password an administrator chose, typed again: they would still know it.
        raise DomainError(_("新密码不能与当前密码相同"))
    _check_password(account.login, password)
    turn = signin_throttle.take_turn(signin_throttle.name_key(account.login))
    with unit_of_work() as session:
        user = session.get(StaffUser, user_id, with_for_update=True, populate_existing=True)
        if user is None or not user.active:
            raise DomainError(_("账号不存在或已停用"))
        if password_matches(user.password_hash, current):
            signin_throttle.clear(session, turn)
            user.session_generation += 1
            session.flush()  # the account's row is locked before its devices go
            signin_devices.forget(session, user.id)
            user.password_hash = _hasher.hash(password)
            user.must_change_password = False
            audit.record(session, user.login, "account.change", target=user.login,
                         details={"password": "changed"})
            return user.session_generation
    _failed(turn, None, user)  # raises Paused if this guess paused the name
    raise DomainError(_("当前密码不正确"))


def unpause(login: str, *, actor: str = "cli") -> tuple[str, datetime | None] | None:
    """Forget the failed sign-ins counted under a name, and so end its pause now (an
    administrator's way out when a stranger keeps a member's name paused and the member has
    no known browser at hand); audited. (The name as the log names it, the end of the pause
    it ended or None if it was not paused), or None if nothing was counted under it."""
    name, now = lookup_name(login), clock.now()
    with unit_of_work() as session:
        row = signin_throttle.forget(session, name)
        if row is None:
            return None
        until = row.locked_until if row.locked_until and row.locked_until > now else None
        user = find_account(session, name)
        target = user.login if user else name
        audit.record(session, actor, "account.signin_unpaused", target=target,
                     details={"until": format_time(until) if until else ""})
    return target, until


def end_sessions(user_id: int, address: str = "") -> None:
    """Sign the account out everywhere: every session cookie issued so far stops working.
    Audited as the member's sign-out, from the client's `address`."""
    with unit_of_work() as session:
        user = session.get(StaffUser, user_id, with_for_update=True)
        if user is not None:
            user.session_generation += 1
            audit.record(session, user.login, "account.signout", target=user.login,
                         details={"address": address})


def set_jurisdiction(code: str, jurisdiction: str | None, actor: str) -> Community:
    """Move a community to another district (its regulator changes with it); audited."""
    community = get_community(code)
    jurisdiction = district_code(jurisdiction)
    with unit_of_work() as session:
        community.jurisdiction = jurisdiction
        audit.record(session, actor, "community.jurisdiction", community_id=community.id,
                     target=code, details={"jurisdiction": community.jurisdiction or ""})
    return community
