"""The second factor: what an owner answers to prove the link or the lobby's building and
room is theirs (the last six of an ID number, a company's notice code, an SMS code), the
failures counted towards the link's lock, and which answers a voter's owners allow."""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select

from votes.core.chain import PROOFS
from votes.core.identity import valid_phone
from votes.core.typed_code import code_characters
from votes.extensions import db
from votes.i18n import _, lazy
from votes.models import FrozenVoter, LobbyFailure, Proposal, VoterAccess
from votes.services import clock, lobby, privacy, rows
from votes.services.access import CODE_LENGTH, _code_hash, check_unlocked, notice_code_characters
from votes.services.errors import DomainError
from votes.services.tx import unit_of_work

MAX_FAILURES = 5
LOCK_MINUTES = 15
# How long an SMS code is good for (sms_codes sends it).
OTP_MINUTES = 10
PERSON = "person"


def _owners(proposal: Proposal, voter_key: str, voter: FrozenVoter | None = None) -> list[dict]:
    if voter is None:
        voter = db.session.scalar(select(FrozenVoter).where(
            FrozenVoter.proposal_id == proposal.id, FrozenVoter.voter_key == voter_key))
    return json.loads(privacy.decrypt(voter.owners_enc))


def phones(proposal: Proposal, voter_key: str, voter: FrozenVoter | None = None) -> list[str]:
    """The owners' mobile phones (a landline on the roll gets no text); pass the voter's row
    when the page has it already."""
    return [o["phone"] for o in _owners(proposal, voter_key, voter) if _mobile(o)]


def _mobile(owner: dict) -> bool:
    """Whether the roll gives this owner a number an SMS reaches (not a landline)."""
    return bool(owner.get("phone")) and valid_phone(owner["phone"])


@dataclass(frozen=True)
class Methods:
    """The second factors open to a voter."""

    id_suffix: bool  # a person among the owners: the last 6 characters of their ID number
    notice_code: bool  # a company or the developer among them: the code on the notice
    sms: bool  # a mobile phone on the roll


# Offered on the lobby path whatever the voter's owners: the voter's own methods would tell
# whoever typed a building and room whether the owner is a person or a company.
ANY_METHOD = Methods(id_suffix=True, notice_code=True, sms=True)


def methods(proposal: Proposal, voter_key: str, voter: FrozenVoter | None = None) -> Methods:
    return _methods_of(_owners(proposal, voter_key, voter))


def _methods_of(owners: list[dict]) -> Methods:
    return Methods(id_suffix=any(o.get("kind", PERSON) == PERSON for o in owners),
                   notice_code=any(o.get("kind", PERSON) != PERSON for o in owners),
                   sms=any(map(_mobile, owners)))


BAD_METHOD = lazy("验证方式无效，请在本页重新选择验证方式。")
NOT_FOR_COMPANIES = lazy(
    "单位和开发建设单位的统一社会信用代码是公开的，不能用其后6位验证身份。请输入表决通知上印的"
    "单位验证码，或用名册登记的联系电话接收短信验证码；也可以向业主委员会申请纸质表决票或委托表决")


class NoPendingAccess(Exception):
    """The session names no access of this proposal: the web answers a plain 404."""


@dataclass(frozen=True)
class Attempt:
    ok: bool
    remaining: int = 0
    locked_until: datetime | None = None
    # Lobby path only: no more answers from this client (or for this voter) until then.
    wait_until: datetime | None = None
    voter_key: str = ""  # whose second factor passed (when ok)
    proposal_id: int = 0  # the proposal they passed it for (when ok)
    # When an owner of the voter last signed out (when ok): the sign-in is dated after it.
    signed_out_at: datetime | None = None


@functools.cache
def _pending_access():
    # The voter's owners (encrypted) come with it: the check needs them, and a statement
    # of their own was a round trip more.
    of_voter = (FrozenVoter.proposal_id == VoterAccess.proposal_id,
                FrozenVoter.voter_key == VoterAccess.voter_key)
    owners = select(FrozenVoter.owners_enc).where(*of_voter).scalar_subquery()
    # And when an owner of the voter last signed out: a sign-in is dated after it (another
    # host's clock may have set it ahead of this one's).
    signed_out = select(FrozenVoter.signed_out_at).where(*of_voter).scalar_subquery()
    # So do the proposal's uid, state and window: while voting is open (nearly always) the
    # answer needs no statement of its own to read the proposal (see `verify_second_factor`).
    proposals = Proposal.__table__
    return select(VoterAccess.__table__, select(LobbyFailure.id).where(
        LobbyFailure.access_id == VoterAccess.id).exists().label("lobbied"),
        owners.label("owners_enc"), signed_out.label("signed_out_at"), proposals.c.uid.label("proposal_uid"),
        proposals.c.state.label("proposal_state"),
        proposals.c.voting_start.label("proposal_voting_start"),
        proposals.c.voting_end.label("proposal_voting_end")).join(
        proposals, proposals.c.id == VoterAccess.proposal_id).where(
        VoterAccess.id == bindparam("access_id")).with_for_update(of=VoterAccess)


class StageUnsure(Exception):
    """The proposal is not plainly open for voting now: its stage has to be checked (and
    the proposal perhaps moved on by the clock) before the answer is."""


def _plainly_open(access, now: datetime) -> bool:
    return access.proposal_state == "voting" and \
        access.proposal_voting_start <= now < access.proposal_voting_end


@functools.cache
def _verified():
    accesses = VoterAccess.__table__
    return accesses.update().where(accesses.c.id == bindparam("access_id")).values(
        failures=0, otp_hash=None, verified_at=bindparam("now"))


def verify_second_factor(access_id: int, answer: str, method: str = "id", *,
                         via_lobby: bool = False, client: str = "",
                         proposal_id: int | None = None, proposal_uid: str | None = None,
                         stage_checked: bool = True) -> Attempt:
    """Check the second factor and count failures.

    `method` is "id" (last 6 characters of a person owner's ID number), "notice" (the
    code on a company's or the developer's notice) or "sms". `via_lobby` says the voter was
    reached by building and room rather than by the link; `client` is the requester's
    address, for the lobby's per-client throttle. With `proposal_id` or `proposal_uid`, an
    access of another proposal (or none) raises NoPendingAccess. Without `stage_checked`
    (the caller has not read the proposal), StageUnsure is raised, with nothing written,
    unless the proposal is open for voting now."""
    if method not in PROOFS:
        # Not an answer of any kind: the session would keep it as the owner's proof (the
        # chain's device entry names one of PROOFS only), and an unknown one was checked as
        # the ID suffix. Refused as a malformed form is, before anything is read or counted.
        raise DomainError(BAD_METHOD)
    # Read as every code a person types is (typed_code: a Chinese keyboard's full-width
    # １２３４５Ｘ and ideographic spaces, a zero-width space or the 。 of the SMS pasted
    # with it): kept in the answer, each was a wrong guess towards the link's lock.
    answer = code_characters(answer).upper()
    now = clock.now()
    with unit_of_work() as session:
        # The access row, locked, and whether lobby failures are counted against it (read
        # with it: the owner's own link clears them, and there are seldom any to clear).
        # Plain values (votes/services/rows.py): a right answer needs no ORM instance, only
        # the one UPDATE below; a wrong one loads the (already locked) row to count it.
        found = rows.fetch_values(_pending_access(), {"access_id": access_id})
        if not found or (proposal_id is not None and found[0].proposal_id != proposal_id) \
                or (proposal_uid is not None and found[0].proposal_uid != proposal_uid):
            raise NoPendingAccess(access_id)
        access = found[0]  # its columns, with `lobbied`, `owners_enc` and the proposal's
        if not stage_checked and not _plainly_open(access, now):
            raise StageUnsure()
        if not answer:  # nothing typed is no guess: asked for, never counted as a failure
            raise DomainError(_("请先填写，再点“验证”。"))
        if method == "id" and len(answer) in (15, 18):
            # The whole ID number, pasted or typed: its last six are the answer asked for
            # (whoever has the whole number has them).
            answer = answer[-6:]
        typed, expected = ((notice_code_characters(answer), CODE_LENGTH) if method == "notice"
                           else (answer, 6))
        if len(typed) != expected:
            # Never right, so no guess: said, and not counted towards the link's lock (the
            # page's boxes no longer stop a seventh character, so that a pasted code's
            # invisible characters can be read past).
            raise DomainError(_("应输入 %(expected)s 个字符，您输入了 %(count)s 个，请核对后重新输入。",
                                expected=expected, count=len(typed)))
        owners = json.loads(privacy.decrypt(access.owners_enc))
        allowed = _methods_of(owners)
        if method == "id" and not allowed.id_suffix and not via_lobby:
            # From the lobby it is a wrong answer like any other: saying why would tell a
            # stranger that the owner is a company.
            raise DomainError(NOT_FOR_COMPANIES)
        if via_lobby:
            wait, _left = lobby.state(session, access, client, now)
            if wait is not None:
                return Attempt(False, 0, None, wait)
        else:
            check_unlocked(access)
        if method == "sms":
            ok = bool(access.otp_hash and access.otp_expires and access.otp_expires > now
                      and hmac.compare_digest(access.otp_hash, otp_hash(access, answer)))
        elif method == "notice":
            ok = allowed.notice_code and bool(access.notice_code_hash) and \
                hmac.compare_digest(access.notice_code_hash, _code_hash(access, answer))
        else:
            # As bytes: compare_digest refuses text with non-ASCII characters (a 500),
            # whoever's they are, the owner's typing or an ID of another kind on the roll.
            ok = len(answer) == 6 and any(
                hmac.compare_digest(privacy.normalise_id(o["id"])[-6:].encode(),
                                    answer.encode())
                for o in owners if o.get("kind", PERSON) == PERSON)
        if ok:
            if not via_lobby and access.lobbied:
                session.execute(_verified(), {"access_id": access.id, "now": now})
                lobby.clear(session, access)  # the owner's own link clears the lobby count
            else:  # the usual case: the UPDATE and the COMMIT in one round trip
                rows.write_and_commit(_verified(), {"access_id": access.id, "now": now},
                                      session)
            return Attempt(True, voter_key=access.voter_key, proposal_id=access.proposal_id,
                           signed_out_at=access.signed_out_at)
        if via_lobby:
            wait, left = lobby.record_failure(session, access, client, now)
            return Attempt(False, left, None, wait)
        access = session.get(VoterAccess, access.id)  # locked above, in this transaction
        access.failures += 1
        if access.failures >= MAX_FAILURES:
            # Each further lockout doubles, so guessing 10^6 suffixes stays hopeless.
            access.locked_until = now + timedelta(minutes=LOCK_MINUTES * 2 ** access.lockouts)
            access.lockouts += 1
            access.failures = 0
            return Attempt(False, 0, access.locked_until)
        return Attempt(False, MAX_FAILURES - access.failures)


def otp_hash(access: VoterAccess, code: str) -> str:
    return hmac.new(privacy.derived_key("otp"), f"{access.id}:{code}".encode(),
                    hashlib.sha256).hexdigest()
