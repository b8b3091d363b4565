"""Owners proving they own a unit: voting links, the second factor, lockouts."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from votes.core.identity import mask_phone
from votes.core.roll import unit_key
from votes.extensions import db
from votes.models import FrozenUnit, FrozenVoter, Proposal, VoterAccess
from votes.services import clock, privacy
from votes.services.errors import DomainError
from votes.services.tx import unit_of_work

MAX_FAILURES = 5
LOCK_MINUTES = 15
OTP_MINUTES = 10


def link_token(proposal: Proposal, voter_key: str, issue: int) -> str:
    mac = hmac.new(privacy.derived_key("link"), f"{proposal.uid}:{voter_key}:{issue}".encode(),
                   hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac[:18]).decode()  # 144 bits, 24 characters


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_access(session: Session, proposal: Proposal, voter_keys) -> None:
    """Give every voter a link when the electorate is frozen (notices go out in publicity)."""
    for key in voter_keys:
        session.add(VoterAccess(proposal_id=proposal.id, voter_key=key, issue=1,
                                token_hash=_hash(link_token(proposal, key, 1))))


def voter_link(proposal: Proposal, access: VoterAccess) -> str:
    base = current_app.config["BASE_URL"].rstrip("/")
    return f"{base}/v/{link_token(proposal, access.voter_key, access.issue)}"


class DeadEnd(DomainError):
    """A link or page that cannot lead to a ballot; `kind` picks the page to show."""

    def __init__(self, kind: str, message: str, proposal: Proposal | None = None,
                 until: datetime | None = None):
        super().__init__(message)
        self.kind = kind
        self.proposal = proposal
        self.until = until


def resolve_link(token: str) -> tuple[Proposal, VoterAccess]:
    access = db.session.scalar(select(VoterAccess).where(VoterAccess.token_hash == _hash(token)))
    if access is None:
        raise DeadEnd("invalid", "链接无效 (this link is not valid)")
    proposal = db.session.get(Proposal, access.proposal_id)
    check_open(proposal)
    check_unlocked(access, proposal)
    return proposal, access


def check_open(proposal: Proposal) -> None:
    from votes.services.lifecycle import refresh

    proposal = refresh(proposal)
    now = clock.now()
    if proposal.state in ("draft", "publicity") or now < proposal.voting_start:
        raise DeadEnd("not_open", "表决尚未开始 (voting has not opened yet)", proposal)
    if proposal.state != "voting" or now >= proposal.voting_end:
        raise DeadEnd("closed", "表决已结束，链接已失效 (voting is closed; the link has expired)",
                      proposal)


def check_unlocked(access: VoterAccess, proposal: Proposal) -> None:
    if access.locked_until and access.locked_until > clock.now():
        raise DeadEnd("locked", "验证失败次数过多，链接已暂时锁定 (too many failed attempts)",
                      proposal, access.locked_until)


def find_by_unit(proposal: Proposal, building: str, entrance: str, room: str) -> VoterAccess:
    """The poster path: an owner picks building and room instead of scanning a notice."""
    check_open(proposal)
    units = db.session.scalars(select(FrozenUnit).where(
        FrozenUnit.proposal_id == proposal.id,
        FrozenUnit.unit_key == unit_key(building, entrance, room))).all()
    # Two frozen units under one key (a roll frozen before spellings were checked) cannot
    # be told apart: send the owner to the notice's own link rather than guess.
    if len(units) == 1:
        access = db.session.scalar(select(VoterAccess).where(
            VoterAccess.proposal_id == proposal.id, VoterAccess.voter_key == units[0].voter_key))
        check_unlocked(access, proposal)
        return access
    raise DeadEnd("not_in_scope", "该房屋不在本次表决范围内 (this unit is not in this vote)",
                  proposal)


def _owners(proposal: Proposal, voter_key: str) -> list[dict]:
    voter = db.session.scalar(select(FrozenVoter).where(
        FrozenVoter.proposal_id == proposal.id, FrozenVoter.voter_key == voter_key))
    return json.loads(privacy.decrypt(voter.owners_enc))


def phones(proposal: Proposal, voter_key: str) -> list[str]:
    return [o["phone"] for o in _owners(proposal, voter_key) if o.get("phone")]


@dataclass(frozen=True)
class Attempt:
    ok: bool
    remaining: int = 0
    locked_until: datetime | None = None


def verify_second_factor(access_id: int, answer: str, method: str = "id") -> Attempt:
    """Check the last 6 characters of an owner's ID, or the SMS code; count failures."""
    answer = answer.strip().upper()
    now = clock.now()
    with unit_of_work() as session:
        access = session.get(VoterAccess, access_id, with_for_update=True)
        proposal = session.get(Proposal, access.proposal_id)
        check_unlocked(access, proposal)
        if method == "sms":
            ok = bool(access.otp_hash and access.otp_expires and access.otp_expires > now
                      and hmac.compare_digest(access.otp_hash, _otp_hash(access, answer)))
        else:
            ok = len(answer) == 6 and any(
                hmac.compare_digest(privacy.normalise_id(o["id"])[-6:], answer)
                for o in _owners(proposal, access.voter_key))
        if ok:
            access.failures = 0
            access.otp_hash = None
            access.verified_at = now
            return Attempt(True)
        access.failures += 1
        if access.failures >= MAX_FAILURES:
            # Each further lockout doubles, so guessing 10^6 suffixes stays hopeless.
            access.locked_until = now + timedelta(minutes=LOCK_MINUTES * 2 ** access.lockouts)
            access.lockouts += 1
            access.failures = 0
            return Attempt(False, 0, access.locked_until)
        return Attempt(False, MAX_FAILURES - access.failures)


def _otp_hash(access: VoterAccess, code: str) -> str:
    return hmac.new(privacy.derived_key("otp"), f"{access.id}:{code}".encode(),
                    hashlib.sha256).hexdigest()


def send_code(access_id: int) -> str:
    """Send a one-time code to the first phone on the roll; return the masked number."""
    with unit_of_work() as session:
        access = session.get(VoterAccess, access_id, with_for_update=True)
        proposal = session.get(Proposal, access.proposal_id)
        check_unlocked(access, proposal)
        numbers = phones(proposal, access.voter_key)
        if not numbers:
            raise DomainError("名册中没有该房屋业主的手机号，请使用身份证号码后6位验证 "
                              "(no phone on the roll for this unit)")
        code = f"{secrets.randbelow(10 ** 6):06d}"
        access.otp_hash = _otp_hash(access, code)
        access.otp_expires = clock.now() + timedelta(minutes=OTP_MINUTES)
        send_sms(numbers[0], f"【维修资金表决】您的验证码是 {code}，{OTP_MINUTES} 分钟内有效。")
    return mask_phone(numbers[0])


def send_sms(phone: str, text: str) -> None:
    """The pluggable SMS sender; "log" appends to instance/sms.log for offline use."""
    sender = current_app.config.get("SMS_SENDER", "log")
    if callable(sender):
        sender(phone, text)
        return
    path = Path(current_app.instance_path) / "sms.log"
    with path.open("a", encoding="utf-8") as fh:
        fh.write(f"{clock.now().isoformat()} to {mask_phone(phone)}: {text}\n")
