"""Owners reaching their vote: voting links and notice codes, the lobby's look-up by building
and room, the stage a proposal must be in, lockouts (the second factor: second_factor)."""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
from urllib.parse import quote
from datetime import datetime, timedelta

from flask import current_app, has_request_context, request
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from votes.core.roll import normalise_entrance, unit_key
from votes.extensions import db
from votes.i18n import _, lazy
from votes.models import (FrozenUnit, Proposal, VoterAccess)
from votes.services import clock, privacy, rows
from votes.services.bulk import insert_rows
from votes.services.errors import DomainError

# The lobby's stand-in for a flat without a phone (see _reserve): never a valid number.
NO_PHONE = "no-phone:"
# The notice code of company and developer voters: 8 characters of a 32-letter alphabet
# without look-alikes (40 bits).
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
CODE_LENGTH = 8


def link_token(proposal: Proposal, voter_key: str, issue: int) -> str:
    return _link_token(privacy.derived_key("link"), proposal.uid, voter_key, issue)


def _link_token(key: bytes, proposal_uid: str, voter_key: str, issue: int) -> str:
    mac = hmac.new(key, f"{proposal_uid}:{voter_key}:{issue}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac[:18]).decode()  # 144 bits, 24 characters


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def notice_code(proposal: Proposal, voter_key: str, issue: int) -> str:
    """The one-time code printed on a company's or the developer's notice.

    Like the link it is derived from a server key, so a reprinted notice carries the same
    code and the database keeps only its keyed hash; bumping `issue` replaces both."""
    mac = hmac.new(privacy.derived_key("notice-code"),
                   f"{proposal.uid}:{voter_key}:{issue}".encode(), hashlib.sha256).digest()
    value = int.from_bytes(mac[:8], "big")
    chars = []
    for _position in range(CODE_LENGTH):
        value, digit = divmod(value, len(CODE_ALPHABET))
        chars.append(CODE_ALPHABET[digit])
    code = "".join(chars)
    return f"{code[:4]}-{code[4:]}"


def _code_hash(access: VoterAccess, code: str) -> str:
    return _code_hash_of(access.voter_key, code)


def notice_code_characters(code: str) -> str:
    """The letters and digits of a typed notice code (ASCII: the code's alphabet is), upper
    case. isalnum() kept Chinese characters too, so a code pasted with the words before it
    (验证码ABCD-EFGH) was a wrong answer, counted towards the link's lock."""
    return "".join(ch for ch in code.upper() if ch.isascii() and ch.isalnum())


def _code_hash_of(voter_key: str, code: str) -> str:
    plain = notice_code_characters(code)
    return hmac.new(privacy.derived_key("notice-code-hash"), f"{voter_key}:{plain}"
                    .encode(), hashlib.sha256).hexdigest()


def create_access(session: Session, proposal: Proposal, voter_keys, coded=frozenset()) -> None:
    """Give every voter a link when the electorate is frozen (notices go out in publicity);
    the voters in `coded` (a company or the developer among the owners) also get the hash of
    the code printed on their notice. Persons never use one, so none is made for them."""
    link_key, proposal_id, uid = privacy.derived_key("link"), proposal.id, proposal.uid
    rows = [{"proposal_id": proposal_id, "voter_key": key, "issue": 1, "failures": 0,
             "lockouts": 0, "token_hash": _hash(_link_token(link_key, uid, key, 1)),
             "notice_code_hash": (_code_hash_of(key, notice_code(proposal, key, 1))
                                  if key in coded else None),
             "sms_sent": 0, "lobby_sms_sent": 0}
            for key in voter_keys]
    insert_rows(session, VoterAccess.__table__, rows)  # an electorate: up to 100,000 voters


def public_base_url() -> str:
    """The address owners open (VOTES_BASE_URL); inside a web request, unset means the
    request's own host. Elsewhere (the CLI) an unset one is refused rather than printing
    links to a default address that no owner can reach."""
    base = (current_app.config.get("BASE_URL") or "").strip().rstrip("/")
    if base:
        return base
    if has_request_context():
        return request.host_url.rstrip("/")
    raise DomainError(_("未设置 VOTES_BASE_URL：通知和海报上的网址须是业主能打开的本系统地址，"
                        "例如 VOTES_BASE_URL=https://vote.example.cn"))


def lobby_link(proposal: Proposal) -> str:
    """The poster's address: building and room, then the second factor (every owner's own
    way in, a public paper may carry it, unlike a voter's link)."""
    return f"{public_base_url()}/p/{proposal.uid}/pick"


def receipt_lookup_link(proposal_uid: str, digest: str) -> str:
    """The board's lookup of one receipt, which the receipt's QR code and saved card carry.
    At the configured address, as the notices' links: an address taken from the request's
    Host header put any site a request named into an owner's receipt (public_base_url)."""
    return f"{public_base_url()}/p/{quote(proposal_uid, safe='')}?receipt={quote(digest, safe='')}"


def voter_link(proposal: Proposal, access: VoterAccess) -> str:
    return f"{public_base_url()}/v/{link_token(proposal, access.voter_key, access.issue)}"


class DeadEnd(DomainError):
    """A link or page that cannot lead to a ballot; `kind` picks the page to show."""

    def __init__(self, kind: str, message: str, proposal: Proposal | None = None,
                 until: datetime | None = None):
        super().__init__(message)
        self.kind = kind
        self.proposal = proposal
        self.until = until


@functools.cache
def _access_by_hash():
    # Built once (its cache key is kept on the statement): the link page runs it each time,
    # and reads the access's proposal with it (one round trip, not two).
    return select(VoterAccess, Proposal).join(Proposal, Proposal.id == VoterAccess.proposal_id) \
        .where(VoterAccess.token_hash == bindparam("token_hash"))


def link_access(token: str) -> tuple[VoterAccess, Proposal] | None:
    """The voter access of a voting link and its proposal, whatever the proposal's state
    (objections use the same link after the close); None for no such link."""
    row = db.session.execute(_access_by_hash(), {"token_hash": _hash(token)}).first()
    return None if row is None else (row[0], row[1])


def resolve_link(token: str) -> tuple[Proposal, VoterAccess]:
    """The link page's proposal and access, as read-only values (one statement,
    votes/services/proposal_read.py); DeadEnd when the link cannot be used now."""
    from votes.services.proposal_read import link_values

    found = link_values(_hash(token))
    if found is None:
        raise DeadEnd("invalid", _("链接无效"))
    access, proposal = found
    check_open(proposal)
    check_unlocked(access, proposal)
    return proposal, access


def check_open(proposal: Proposal) -> None:
    from votes.services.lifecycle import refresh

    proposal = refresh(proposal)
    now = clock.now()
    if proposal.state == "withdrawn":
        raise DeadEnd("withdrawn", _("本事项已撤回，不再表决"),
                      proposal)
    if proposal.state in ("draft", "publicity") or now < proposal.voting_start:
        raise DeadEnd("not_open", _("表决尚未开始"), proposal)
    if proposal.state != "voting" or now >= proposal.voting_end:
        raise DeadEnd("closed", _("表决已结束，不能再表决"),
                      proposal)


# An owner may sign in READ-ONLY after the vote (closed or published, past any objection
# period) with the same link or lobby poster, the same second factor, lockout and throttle,
# to see their ballot as counted, their objections with the answers and what the settlement
# took from their flats. Settlement comes months after the vote, and an owner session ends
# when the phone's browser closes, so the way in has to stay open after the close. It
# stays open until READ_ONLY_DAYS after the proposal's last chain entry: the close, the
# final result, an answer, or a works stage (contract, payment, acceptance, settlement,
# §18), so settled works can be checked for a year after the settlement, the year within
# which an owner may sue to revoke a decision (Civil Code art. 280). A vote whose works
# never start closes its read-only way a year after its last entry too; a later works
# stage opens it again for a year. Past it, the link and the poster say so (DeadEnd
# "expired", 410); the public board and the committee keep the records.
# docs/deploy.md, "Owners after the vote".
READ_ONLY_DAYS = 365
READ_ONLY_STATES = ("closed", "published")
# An emergency use (§18.6) debits every flat of its scope without a vote: its owners sign in
# read-only the same way, by building and room (no voting notice is handed out for one; the
# board leads there), or a company or the developer by the link and notice code of its
# letter (money/emergency_letters.py), from its publication to a year after its last entry,
# to see what was taken.
RECORD_STATES = READ_ONLY_STATES + ("emergency",)


def read_only_until(proposal: Proposal) -> datetime | None:
    """The first instant the read-only sign-in is refused, or None for a proposal that has
    none (not closed yet, withdrawn)."""
    if proposal.state not in RECORD_STATES:
        return None
    last = proposal.chain_time or proposal.closed_at or proposal.voting_end
    return last + timedelta(days=READ_ONLY_DAYS)


def read_only_stage(proposal: Proposal) -> bool:
    """Whether a second factor for `proposal` now signs in read-only: past the vote and
    any objection period (within it the link leads to the objection form instead)."""
    from votes.services.procedure.objections import in_period

    return proposal.state in RECORD_STATES and not in_period(proposal, clock.now())


def check_read_only(proposal: Proposal) -> None:
    """DeadEnd unless a read-only sign-in is open now (see READ_ONLY_DAYS)."""
    from votes.services.lifecycle import refresh

    proposal = refresh(proposal)
    if not read_only_stage(proposal):
        raise DeadEnd("closed", _("表决已结束，不能再表决"), proposal)
    until = read_only_until(proposal)
    if clock.now() >= until:
        raise DeadEnd("expired", _("查询期限已过，不能再登录查看本户的表决记录"), proposal, until)


READ_ONLY_REFUSED = lazy("表决已结束，您现在是只读登录：只能查看本户的表决记录，不能表决、"
                         "提出异议或登记设备，本次提交没有记录。")


@functools.cache
def _pending_values():
    return select(VoterAccess.__table__).where(VoterAccess.id == bindparam("access_id"))


def pending_access(access_id: int):
    """The access a session is verifying (all its columns, read-only), or None."""
    found = rows.fetch_values(_pending_values(), {"access_id": access_id})
    return found[0] if found else None


def check_unlocked(access: VoterAccess, proposal: Proposal | None = None) -> None:
    """DeadEnd while the link is locked; without `proposal`, the access's proposal is read
    only then, for the locked link's page."""
    if access.locked_until and access.locked_until > clock.now():
        if proposal is None:
            proposal = db.session.get(Proposal, access.proposal_id)
        raise DeadEnd("locked", _("验证失败次数过多，链接已暂时锁定"),
                      proposal, access.locked_until)


# The longest building, entrance or room the poster looks up: the roll's labels are at most
# roll_plan.LABEL_MAX (64) characters, and an owner may type spaces and suffixes around one.
TYPED_LABEL_MAX = 256


def find_by_unit(proposal: Proposal, building: str, entrance: str, room: str,
                 objection: bool = False, read_only: bool = False) -> tuple[VoterAccess, int]:
    """The poster path: an owner picks building and room instead of scanning a notice; the
    voter's access and the picked unit's id. With `objection`, for filing one in the
    objection period after the close (§17) rather than for voting; with `read_only`, for
    the read-only sign-in after the vote (READ_ONLY_DAYS)."""
    if objection:
        from votes.services.procedure.objections import check_in_period

        check_in_period(proposal)
    elif read_only:
        check_read_only(proposal)
    else:
        check_open(proposal)
    if max(len(building), len(entrance), len(room)) > TYPED_LABEL_MAX:
        # No flat: not normalised either, whose memoised functions would keep it (and its
        # copy) in every worker for anyone who sends one.
        raise DeadEnd("not_in_scope", _("该房屋不在本次表决范围内"), proposal)
    units = db.session.scalars(select(FrozenUnit).where(
        FrozenUnit.proposal_id == proposal.id,
        FrozenUnit.unit_key == unit_key(building, entrance, room))).all()
    if not units:
        units = _any_stairwell(proposal, building, entrance, room)
        if len(units) > 1:
            raise EntranceNeeded(_("该楼栋有多个单元有此房号，请填写单元。"))
    # Two frozen units under one key (a roll frozen before spellings were checked) cannot
    # be told apart: send the owner to the notice's own link rather than guess.
    if len(units) == 1:
        access = db.session.scalar(select(VoterAccess).where(
            VoterAccess.proposal_id == proposal.id, VoterAccess.voter_key == units[0].voter_key))
        # The link's lockout is not checked here: it belongs to the link. The lobby
        # has its own throttle, applied to each answer (verify_second_factor).
        return access, units[0].id
    raise DeadEnd("not_in_scope", _("该房屋不在本次表决范围内"),
                  proposal)


class EntranceNeeded(DomainError):
    """Building and room typed without a stairwell, and more than one stairwell has it."""


def _any_stairwell(proposal: Proposal, building: str, entrance: str,
                   room: str) -> list[FrozenUnit]:
    """The units of the building with that room where the owner typed no stairwell (the
    poster says 没有可不填), or typed one for a building whose units have none."""
    typed = normalise_entrance(entrance)
    prefix = unit_key(building, "", "")[:-1]  # the building's part and its separator
    candidates = db.session.scalars(select(FrozenUnit).where(
        FrozenUnit.proposal_id == proposal.id,
        FrozenUnit.unit_key.startswith(prefix, autoescape=True))).all()
    return [u for u in candidates if (not typed or not normalise_entrance(u.entrance))
            and unit_key(building, u.entrance, room) == u.unit_key]
