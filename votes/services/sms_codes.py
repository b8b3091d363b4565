"""One-time codes by SMS for the second factor: sent to the roll's phone, at most so many
a voter, a lobby poster and a phone number, never twice within a minute; the lobby's sends
queued (votes/services/sms_outbox.py) so that every flat is answered alike."""

from __future__ import annotations

import functools
import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from votes.core.identity import mask_phone
from votes.i18n import _, lazy
from votes.models import Proposal, SmsPhoneCount, VoterAccess
from votes.services import clock, privacy, sms_outbox
from votes.services.access import NO_PHONE, check_unlocked
from votes.services.bulk import insert_or_nothing
from votes.services.errors import DomainError
from votes.services.second_factor import OTP_MINUTES, otp_hash, phones
from votes.services.tx import unit_of_work

log = logging.getLogger(__name__)

# A code asked for again within this time is not sent again: the one sent stands. Two taps
# on the button sent two, and the code read first then failed (the second replaced it);
# and each used up one of the hour's SMS_PER_HOUR.
RESEND_AFTER = timedelta(seconds=60)
# SMS codes per voter per hour; the lobby path may use only the first LOBBY_SMS of them,
# so a stranger cannot use up the codes the owner's link needs.
SMS_PER_HOUR = 5
LOBBY_SMS = 3
SMS_WINDOW = timedelta(hours=1)
# And the lobby path at most LOBBY_SMS_DAILY a day: 3 an hour alone let strangers send one
# owner's phone 72 texts a day, night included, each a message the district pays for.
LOBBY_SMS_DAILY = 6
LOBBY_SMS_WINDOW = timedelta(days=1)
# Per phone number a day, across every flat and proposal it is the contact of: the caps
# above are per voter, and one number is on each of its owner's flats and on every proposal
# of the community, so strangers at the poster reached it 6 times a day per voter and per
# proposal. Kept in the database (every worker shares it) under a keyed hash of the number.
# The poster may use PHONE_LOBBY_DAILY of the day's PHONE_DAILY, so strangers cannot use up
# what the owner's own links need. A real owner reaches neither: a code is asked for once a
# sign-in (the session lasts until the browser closes), and one holding 4 flats with
# different co-owners (4 voters) in 3 proposals open at once, signing in to each once a day
# and asking twice each time, asks 24 from the poster; by the links, 50 is twice that. A
# number on far more rows is an office's or an agent's, for the committee to correct.
PHONE_DAILY = 50
PHONE_LOBBY_DAILY = 25
PHONE_WINDOW = timedelta(days=1)


SMS_FAILED = lazy("短信发送失败，没有发出验证码。请稍后再试，或使用其他方式验证。")


class CodeSentRecently(DomainError):
    """A code went out less than RESEND_AFTER ago: it stands and no other is sent. `sent`
    is what `send_code` returns (the masked number, or "")."""

    def __init__(self, sent: str):
        super().__init__(_("验证码已发送，请查收短信。如 1 分钟后仍未收到，可以重新发送。"))
        self.sent = sent


def send_code(access_id: int, *, via_lobby: bool = False) -> str:
    """Send a one-time code to the first phone on the roll; return the masked number ("" on
    the lobby path, which has proved nothing: not even its last digits are shown there).

    At most SMS_PER_HOUR codes per voter an hour, of which the lobby path may ask for
    LOBBY_SMS; none within RESEND_AFTER of the last (CodeSentRecently).

    The send is decided and counted in a transaction of its own, and the gateway called
    after its commit: called under the voter's row lock, a gateway slow up to its timeout
    held every other request on that voter (the resend button, the answer) behind it. On
    the owner's link a send that fails is given back (`_release`) and the owner told
    (SMS_FAILED). On the lobby path the gateway is called after the request has answered,
    by the process's background sender (votes/services/sms_outbox.py), and a failure there
    is never told (`_lobby_send`)."""
    sending = _reserve(access_id, via_lobby)
    if sending.phone is None:
        return ""
    if via_lobby:
        # Waited for here, the gateway's hundreds of milliseconds were what a flat without
        # a phone never takes: the answer's timing told whoever typed building and room
        # which flats have one. Queued, every flat is answered as fast. A full queue (the
        # gateway hung) is a failed send, never one made here instead.
        if not sms_outbox.submit(functools.partial(_lobby_send, sending)):
            _release(sending, phone_only=True)
            log.error("SMS sender queue full (lobby: answered as sent, not sent)")
        return ""
    try:
        send_sms(sending.phone, code_message(sending.code))
    except BaseException as exc:
        # The gateway down, slow past the sender's timeout, or refusing: the count and the
        # code are given back, and the owner is told rather than shown an error page, and
        # may ask again at once.
        _release(sending)
        if isinstance(exc, DomainError) or not isinstance(exc, Exception):
            raise
        log.error("SMS sender failed: %s", gateway_failure(exc, sending))
        raise DomainError(SMS_FAILED) from None
    return mask_phone(sending.phone)


def _lobby_send(sending: _Sending) -> None:
    """The lobby's send, on the background sender's thread, the page already answered.
    A failure was never told there: the page was a flat's without a phone, whose send never
    fails, so during an outage whoever typed building and room would have learnt which
    flats have one. The voter's counts and the unsent code stand (a second tap is "sent
    recently", the hour's allowance runs out alike); only the number's own day count is
    given back, and the failure logged for the operator."""
    try:
        send_sms(sending.phone, code_message(sending.code))
    except BaseException as exc:  # noqa: BLE001 - nobody is waiting to be told
        _release(sending, phone_only=True)
        log.error("SMS sender failed (lobby: answered as sent): %s",
                  gateway_failure(exc, sending))


def gateway_failure(exc: BaseException, sending: "_Sending") -> str:
    """The sender's failure for the operator's log, without what it was sending: a
    gateway's client commonly names the request it failed (its URL or body, with the
    owner's phone number and the message with its live code), and a traceback logged with
    it put both in the log. Each exception of the chain by type and message, the number
    masked, the message and the code left out; no traceback."""
    parts, seen = [], set()
    while exc is not None and id(exc) not in seen and len(parts) < 5:
        seen.add(id(exc))
        words = str(exc)
        for secret, shown in ((code_message(sending.code), "<message>"),
                              (sending.code, "******"),
                              (sending.phone or "", mask_phone(sending.phone or ""))):
            if secret:
                words = words.replace(secret, shown)
        parts.append(f"{type(exc).__name__}: {words}" if words else type(exc).__name__)
        exc = exc.__cause__ or exc.__context__
    return " <- ".join(parts)


@dataclass(frozen=True)
class _Sending:
    """A send counted and committed, the gateway not yet called: what `_release` needs to
    give it back exactly once, and only what is still its own."""

    access_id: int
    phone: str | None  # None: nothing to send (the lobby, a flat without a reachable phone)
    code: str = ""
    otp_hash: str | None = None  # the new code's
    before: tuple[str | None, datetime | None] = (None, None)  # the code state it replaced
    window_start: datetime | None = None  # the windows it was counted in
    lobby_day_start: datetime | None = None
    phone_day_start: datetime | None = None


def _reserve(access_id: int, via_lobby: bool) -> _Sending:
    now = clock.now()
    with unit_of_work() as session:
        access = session.get(VoterAccess, access_id, with_for_update=True,
                             populate_existing=True)
        proposal = session.get(Proposal, access.proposal_id)
        if not via_lobby:
            check_unlocked(access, proposal)
        numbers = phones(proposal, access.voter_key)
        if not numbers and not via_lobby:
            raise DomainError(_("名册中没有该房屋业主的手机号，请使用其他方式验证"))
        # The phone's count is locked after the voter's row, always in that order (two
        # voters sharing a number wait for each other's count, never deadlock).
        phone = _phone_count(session, numbers[0], now) if numbers else None
        stand_in = None
        if via_lobby and phone is None:
            # A stand-in, the voter's own: locked and counted as a number is, so that a tap
            # on a flat without a phone runs the statements one with a phone runs. Without
            # it every tap on the poster (the "sent recently" and "too frequent" ones too,
            # which anyone may repeat) was measurably quicker for a flat without a phone.
            stand_in = _phone_count(session, f"{NO_PHONE}{access.proposal_id}:"
                                    f"{access.voter_key}", now)
        capped = via_lobby and phone is not None and phone.sent >= PHONE_LOBBY_DAILY
        if capped:
            # The poster answers as for a flat without a phone (below): a refusal of its own
            # would tell whoever typed building and room that the flat has a phone, and one
            # shared with the flats they tried before. The page says what the cap is.
            numbers, phone, capped_count = [], None, phone
        # Without a phone (the lobby only) no code is made: otp_expires alone marks the send.
        if (access.otp_hash or not numbers) and access.otp_expires and \
                access.otp_expires - timedelta(minutes=OTP_MINUTES) + RESEND_AFTER > now:
            raise CodeSentRecently("" if via_lobby else mask_phone(numbers[0]))
        if phone is not None and phone.sent >= PHONE_DAILY:
            raise DomainError(_(
                "该手机号今天接收的验证码已达上限，请于 %(time)s（北京时间）后再试，"
                "或使用其他方式验证", time=clock.local_text(phone.day_start + PHONE_WINDOW)))
        if access.sms_window_start is None or access.sms_window_start <= now - SMS_WINDOW:
            access.sms_window_start, access.sms_sent = now, 0
        if access.sms_sent >= (LOBBY_SMS if via_lobby else SMS_PER_HOUR):
            raise DomainError(_(
                "验证码发送太频繁，请于 %(time)s（北京时间）后再试，或使用其他方式验证",
                time=clock.local_text(access.sms_window_start + SMS_WINDOW)))
        if via_lobby:
            if access.lobby_sms_day_start is None or \
                    access.lobby_sms_day_start <= now - LOBBY_SMS_WINDOW:
                access.lobby_sms_day_start, access.lobby_sms_sent = now, 0
            if access.lobby_sms_sent >= LOBBY_SMS_DAILY:
                raise DomainError(_(
                    "验证码发送太频繁，请于 %(time)s（北京时间）后再试，或使用其他方式验证",
                    time=clock.local_text(access.lobby_sms_day_start + LOBBY_SMS_WINDOW)))
            access.lobby_sms_sent += 1
        access.sms_sent += 1
        before = (access.otp_hash, access.otp_expires)
        access.otp_expires = now + timedelta(minutes=OTP_MINUTES)
        if not numbers:
            if stand_in is not None:
                stand_in.sent += 1  # its UPDATE, as a number's count has (below)
            elif capped:
                # Written unchanged, the same UPDATE as the stand-in's: a capped number's
                # count must not grow (its owner's links share it), nor its flat tell itself
                # apart from one without a phone by a statement fewer.
                flag_modified(capped_count, "sent")
            # The lobby answers for a flat whose owners have no phone on the roll as for one
            # that has (counted alike, the same page): whoever typed building and room must
            # not learn which it is. Nothing is sent, and no code exists to be guessed.
            # A capped number's flat keeps a code still valid (its owner's link sent it a
            # moment ago, most often): wiped, a stranger tapping 发送 here left the owner a
            # dead code and none on its way. It lives OTP_MINUTES from now, as the page's
            # answer (a second tap "sent recently") must be a phoneless flat's.
            if not (capped and _still_valid(before, now)):
                access.otp_hash = None
            if via_lobby:
                flag_modified(access, "otp_hash")  # written, as a new code's is
            return _Sending(access_id, None)
        phone.sent += 1
        code = f"{secrets.randbelow(10 ** 6):06d}"
        access.otp_hash = otp_hash(access, code)
        return _Sending(access_id, numbers[0], code, access.otp_hash, before,
                        access.sms_window_start,
                        access.lobby_sms_day_start if via_lobby else None, phone.day_start)


def _release(sending: _Sending, phone_only: bool = False) -> None:
    """Give back a send the gateway did not make: its counts, in the windows it was
    counted in (one that has started afresh since owes it nothing), and the code state it
    replaced, unless a later send or an answer has replaced its code in turn. With
    `phone_only`, the number's day count alone (the lobby's failure, see _lobby_send)."""
    with unit_of_work() as session:
        access = session.get(VoterAccess, sending.access_id, with_for_update=True,
                             populate_existing=True)
        phone = session.scalar(select(SmsPhoneCount).where(
            SmsPhoneCount.phone_key == _phone_key(sending.phone)).with_for_update()
            .execution_options(populate_existing=True))
        if phone is not None and phone.day_start == sending.phone_day_start and phone.sent > 0:
            phone.sent -= 1
        if phone_only:
            # The code the owner already holds, still valid, stays theirs (as a capped tap
            # keeps it): the unsent one would leave them typing a dead code. Nothing of it
            # shows on the poster's page.
            if access.otp_hash == sending.otp_hash and _still_valid(sending.before,
                                                                    clock.now()):
                access.otp_hash = sending.before[0]
            return
        if access.sms_window_start == sending.window_start and access.sms_sent > 0:
            access.sms_sent -= 1
        if sending.lobby_day_start is not None and access.lobby_sms_sent > 0 and \
                access.lobby_sms_day_start == sending.lobby_day_start:
            access.lobby_sms_sent -= 1
        if access.otp_hash == sending.otp_hash:
            access.otp_hash, access.otp_expires = sending.before


def _still_valid(code_state: tuple[str | None, datetime | None], now: datetime) -> bool:
    """Whether a (code hash, expiry) the voter held is a code they can still type."""
    otp_hash, expires = code_state
    return otp_hash is not None and expires is not None and expires > now


def _phone_key(phone: str) -> str:
    # A keyed hash: the table of counts must not be a list of the owners' numbers.
    return hmac.new(privacy.derived_key("sms-phone"), phone.strip().encode(),
                    hashlib.sha256).hexdigest()


def _phone_count(session: Session, phone: str, now: datetime) -> SmsPhoneCount:
    """The number's count for its current day, made if missing, locked for this
    transaction (on SQLite the INSERT takes the database's write lock, as serialising)."""
    key = _phone_key(phone)
    while True:
        session.execute(insert_or_nothing(session, SmsPhoneCount)
                        .values(phone_key=key, sent=0, day_start=now)
                        .on_conflict_do_nothing(index_elements=["phone_key"]))
        row = session.scalar(select(SmsPhoneCount).where(SmsPhoneCount.phone_key == key)
                             .with_for_update().execution_options(populate_existing=True))
        if row is not None:  # else `sweep_phone_counts` deleted it as we came: make it again
            break
    if row.day_start <= now - PHONE_WINDOW:
        row.day_start, row.sent = now, 0
    return row


def sweep_phone_counts(now: datetime | None = None) -> int:
    """Delete the counts of numbers whose day is over (`votes tick`); how many."""
    cutoff = (now or clock.now()) - PHONE_WINDOW
    with unit_of_work() as session:
        return session.execute(delete(SmsPhoneCount)
                               .where(SmsPhoneCount.day_start <= cutoff)).rowcount


def code_message(code: str) -> str:
    """The text of a one-time code: one SMS (at most 70 characters, signature included),
    no link, and a warning against the caller who says they are the committee and asks for
    it (anyone at the lobby poster can have a code sent to any owner's phone)."""
    return (f"【维修资金表决】验证码 {code}，{OTP_MINUTES} 分钟内有效，仅用于业主本人登录表决。"
            "请勿告诉任何人（包括自称工作人员者），非本人操作请忽略。")


def send_sms(phone: str, text: str) -> None:
    """The pluggable SMS sender; "log" appends to instance/sms.log for offline use."""
    sender = current_app.config.get("SMS_SENDER", "log")
    if callable(sender):
        sender(phone, text)
        return
    if sender != "log":
        # A gateway's name (VOTES_SMS_SENDER=aliyun) is no sender: a live code must not land
        # in the file instead, with the owner waiting for a text that never comes.
        from votes.instance import refuse_log_sms

        refuse_log_sms(phone, text)
    path = Path(current_app.instance_path) / "sms.log"
    with path.open("a", encoding="utf-8") as fh:
        fh.write(f"{clock.now().isoformat()} to {mask_phone(phone)}: {text}\n")
