"""Paper and proxy ballots from a CSV file: every row checked against the vote, then all
accepted, or none. Reading the file is votes.services.paper_file's; a row's documents
(form, written authorisation) are checked by votes.services.paper_documents."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Callable

from flask import current_app
from sqlalchemy import select

from votes.core.local_rules import Procedure
from votes.core.roll import unit_key
from votes.core.tally import Choice
from votes.extensions import db
from votes.i18n import _, ngettext
from votes.models import AuditEntry, Ballot, FrozenUnit, Transfer, Unit
from votes.services import audit, ballot_forms, clock, proxies, scan_roles
from votes.services.clerks import blank_clerk, unfit_clerk
from votes.services.ballot_prepare import AlreadyVoted, StaffOverride, Transferred
from votes.services.ballots import (BallotRequest, cast_ballots, not_counted_message,
                                     voting_problem)
from votes.services.errors import DomainError, Problem
from votes.services.lifecycle import get_proposal, refresh
from votes.services.paper_documents import (count_principal, one_proxy_per_letter,
                                            one_role_per_scan, one_voter_per_form)
from votes.services.paper_file import EvidenceReader, EvidenceRefused, max_rows, read_rows
from votes.services.procedure.common import checked
from votes.core.bidi import shown
from votes.services.plain_text import file_label
from votes.services.tx import unit_of_work
from votes.settings import ballot_import_max_bytes, upload_max_bytes

# Problems listed of a refused file: a clerk corrects a few rows and imports again; a list
# of every row of a wrong file was a page of 100 MB.
MAX_PROBLEMS_LISTED = 100
# A refused override attempt repeated within this time is the same attempt (a reload).
SAME_ATTEMPT_WINDOW = timedelta(hours=1)


def import_paper_ballots(proposal_ref: str, path: str, actor: str = "cli",
                         evidence_dir: str | None = None) -> list[Ballot]:
    """The CLI's file: evidence paths must lie inside evidence_dir (default: the CSV's folder)."""
    proposal = refresh(get_proposal(proposal_ref))
    file = Path(path)
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise DomainError(_("无法读取文件 %(path)s：%(reason)s", path=path, reason=exc.strerror)) from None
    base = Path(evidence_dir) if evidence_dir else file.parent
    if not base.is_dir():
        raise DomainError(_("扫描件目录 %(dir)s 不存在", dir=str(base)))
    reader = EvidenceReader(base, Path(current_app.instance_path),
                            upload_max_bytes(current_app.config),
                            ballot_import_max_bytes(current_app.config))
    return accept_rows(proposal, read_rows(data, limit=max_rows(proposal)), reader.read, actor)


def accept_rows(proposal, rows, evidence: Callable[[str], tuple[str, bytes] | None],
                actor: str, *, one_form: bool = False) -> list[Ballot]:
    """Check every row, then enter all of them as chain entries, or none. `one_form`: the
    one row is a form the clerk typed (paper_entry.enter_paper_ballot), whose page already
    says 未录入任何选票: a refusal then names its faults, not rows.

    Only on a chain still as written (procedure.common.checked, the correction's check:
    tally.ResultUnshown otherwise), before any row is read: the ballots would be appended
    after the head of a chain the database no longer vouches for."""
    checked(proposal, _("不能录入选票"))
    problem = voting_problem(proposal, clock.now())
    if problem:
        if one_form:
            raise DomainError(problem)
        raise DomainError(_("%(problem)s；未录入任何选票", problem=problem))
    frozen: dict[str, list[FrozenUnit]] = {}
    voters: dict[str, list[FrozenUnit]] = {}  # to name a voter by their units
    for u in db.session.scalars(select(FrozenUnit).where(FrozenUnit.proposal_id == proposal.id)):
        frozen.setdefault(u.unit_key, []).append(u)
        voters.setdefault(u.voter_key, []).append(u)
    existing = set(db.session.scalars(
        select(Unit.unit_key).where(Unit.community_id == proposal.community_id)))
    voted: dict[str, Ballot] = {}  # each voter's latest ballot
    forms: dict[str, list[Ballot]] = {}  # each signed form's ballots (checked again under the lock)
    ballots = list(db.session.scalars(select(Ballot).where(Ballot.proposal_id == proposal.id)
                                      .order_by(Ballot.revision, Ballot.seq)))
    not_changes: dict[str, int] = {}  # as ballot_prepare.not_changes_of counts them
    for b in ballots:
        voted[b.voter_key] = b
        if b.corrects is not None or b.withdrawn_by is not None:
            not_changes[b.voter_key] = not_changes.get(b.voter_key, 0) + 1
        if b.evidence is not None and b.withdrawn_by is None:
            # as ballot_forms.holders: a withdrawn ballot holds it no more, a corrected one does
            forms.setdefault(b.evidence, []).append(b)
    # Every letter and deed of the vote, read once for the whole file by the readers
    # check_documents asks under the lock about the digests of the batch.
    letters_on = proxies.letters_on_ballots(db.session, proposal, None)
    deeds_on = scan_roles.deeds_on_ballots(db.session, proposal, None)
    roles: dict[str, tuple[str, int]] = {}  # a scan of this file → ("form"/"letter", row)
    forms_in_file: dict[str, tuple[int, str]] = {}  # signed form → (row, voter)
    conflicts: list[dict] = []
    problems: list[Problem] = []
    requests: list[BallotRequest] = []
    in_file: dict[str, int] = {}
    procedure = Procedure.from_rules(proposal.rules)
    # What cast_ballots would refuse for the whole file, said here on the row (and checked
    # there again): a flat sold during the vote, a voter the rules leave out of the count.
    transferred = set(db.session.scalars(select(Transfer.voter_key).where(
        Transfer.proposal_id == proposal.id)))
    counted = None if not procedure.excluded_kinds else {
        key for key, units in voters.items()
        if any(u.kind not in procedure.excluded_kinds for u in units)}
    held: dict[str, set[str]] = {}  # proxy holder → voters, in this vote and this file
    letters: dict[str, tuple[str, int | None, int | None]] = {}  # letter → (holder, row, entry)
    for number, row in rows:
        before = len(problems)

        def fail(message: str) -> None:
            problems.append(Problem(number, message))

        key = unit_key(row.get("building", ""), row.get("entrance", ""), row.get("room", ""))
        matches = frozen.get(key, [])
        unit = matches[0] if len(matches) == 1 else None
        if len(matches) > 1:
            # Only a roll frozen before spellings were checked can hold one flat twice.
            fail(_("名册中该房屋有两种写法，无法确定是哪一套，请联系管理员"))
        elif unit is None:
            if key in existing:
                fail(_("该房屋不在本次表决范围内"))
            else:
                fail(_("名册中没有该房屋"))
        try:
            choice = Choice.parse(row.get("choice", ""))
        except ValueError:
            fail(_("表决意见“%(value)s”无效，应为 同意、反对 或 弃权", value=row.get("choice", "")))
        channel = row.get("channel", "").lower()
        channel = {"纸质": "paper", "委托": "proxy", "代理": "proxy"}.get(channel, channel)
        if channel not in ("paper", "proxy"):
            fail(_("表决方式“%(value)s”无效，应为 纸质 或 委托", value=row.get("channel", "")))
        if blank_clerk(row.get("entered_by")):
            fail(_("录入人为空"))
        elif unfit_clerk(row["entered_by"]):
            fail(_("录入人过长或含有控制字符"))
        scan = None
        if not row.get("evidence"):
            fail(_("缺少表决票扫描件"))
        else:
            try:
                scan = evidence(row["evidence"])
            except EvidenceRefused as refused:
                fail(refused.message)
            else:
                if scan is None:
                    fail(_("找不到扫描件 %(name)s", name=shown(row["evidence"])))
                elif not scan[1]:  # a ballot needs the signed form, not an empty upload
                    fail(_("表决票扫描件是空文件"))
                else:  # named in messages below as it is kept
                    scan = (file_label(scan[0]), scan[1])
        if unit is not None:
            own = voted.get(unit.voter_key)
            if counted is not None and unit.voter_key not in counted:
                fail(not_counted_message())
            if unit.voter_key in transferred:
                fail(Transferred().message)
            elif own is not None and own.channel == "online":
                # The owner's own online ballot wins over anything staff enter for them.
                fail(StaffOverride(own).message)
                conflicts.append({"row": number, "voter": unit.voter_key, "online_entry": own.seq,
                                  "channel": channel})
            elif own is not None and own.withdrawn_by is None and not proposal.max_changes:
                # (a withdrawn ballot, entered for the wrong unit, was not the owner's vote)
                fail(_("该业主已经表决"))
            elif own is not None and \
                    own.revision + 1 - not_changes.get(unit.voter_key, 0) > proposal.max_changes:
                fail(AlreadyVoted(own, proposal.max_changes, staff=True).message)
            elif own is not None and scan is not None and scan[1] and (
                    again := ballot_forms.entered_again(forms, scan[0],
                                                        ballot_forms.digest(scan[1]), own)):
                # A form of one of the voter's ballots (the current one, or one a correction
                # replaced) entered again is no change of ballot (ballot_prepare.prepare says why).
                fail(again)
            elif unit.voter_key in in_file:
                fail(_("该业主在第 %(row)s 行已有选票", row=in_file[unit.voter_key]))
            else:
                in_file[unit.voter_key] = number
            if scan is not None and scan[1]:
                one_voter_per_form(scan, unit.voter_key, number, forms, forms_in_file, voters,
                                   ballots, fail)
        proxy = None
        if channel == "proxy":
            proxy = proxies.parse_proxy(row, evidence, procedure, fail)
            if proxies.letter_is_form(proxy, scan):
                fail(proxies.letter_is_form_message())
            if proxy is not None and unit is not None:
                if proxies.is_an_owner(db.session, proposal, unit.voter_key, proxy):
                    fail(proxies.own_proxy_message())
                count_principal(proposal, held, proxy, unit.voter_key, procedure, fail)
            if proxy is not None:
                one_proxy_per_letter(proposal, letters, proxy, number, fail)
        one_role_per_scan(scan, proxy, number, forms, letters_on, deeds_on, roles, voters, fail)
        if len(problems) == before:
            requests.append(BallotRequest(voter_key=unit.voter_key, choice=choice,
                                          channel=channel, entered_by=row["entered_by"],
                                          evidence=scan, proxy=proxy))
    if problems:
        record_conflicts(proposal, actor, conflicts)
        if one_form:  # one fault said as it is; several listed under one line
            if len(problems) == 1:
                raise DomainError(problems[0].message)
            raise DomainError(_("这张表决票有 %(n)s 处需要改正", n=len(problems)),
                              problems=problems)
        listed = problems[:MAX_PROBLEMS_LISTED]
        if len(problems) > MAX_PROBLEMS_LISTED:
            listed.append(Problem(None, _("另有 %(n)s 个问题未列出；请先改正以上各行",
                                          n=len(problems) - MAX_PROBLEMS_LISTED)))
        # A row with two faults is one refused row (a form's proxy without ID and letter).
        refused = len({p.row for p in problems})
        raise DomainError(ngettext("有 %(num)s 行被拒绝，未录入任何选票",
                                   "有 %(num)s 行被拒绝，未录入任何选票", refused),
                          problems=listed)
    if not requests:
        raise DomainError(_("文件中没有选票"))
    try:
        return cast_ballots(proposal.id, requests, actor=actor)
    except StaffOverride as err:  # the owner voted online while the clerk was entering
        record_conflicts(proposal, actor, [{"voter": err.ballot.voter_key,
                                             "online_entry": err.ballot.seq}])
        raise


def _conflict_key(conflict: dict) -> tuple:
    """What an attempt to override an owner's online ballot is, for the auditor: the owner,
    the online ballot it would have overridden, and the channel (a row number is where the
    clerk typed it, not a different attempt)."""
    return conflict["voter"], conflict["online_entry"], conflict.get("channel")


def record_conflicts(proposal, actor: str, conflicts: list[dict]) -> None:
    """Refused paper/proxy entries for owners who voted online go to the audit log (the
    committee's record of the attempt), committed on their own since the entry is refused.

    The same attempt by the same clerk within SAME_ATTEMPT_WINDOW is recorded once: a reload
    of the refused page re-posts the form, and ten records of one attempt read as ten
    attempts. Tried again later, it is recorded again (an auditor sees the persistence)."""
    if not conflicts:
        return
    with unit_of_work() as session:
        audit.lock(session)  # so two reloads at once do not both find no earlier record
        since = clock.now() - SAME_ATTEMPT_WINDOW
        recorded = {_conflict_key(c) for e in session.scalars(
            select(AuditEntry).where(AuditEntry.action == "ballots.override_refused",
                                     AuditEntry.target == str(proposal.id),
                                     AuditEntry.actor == actor, AuditEntry.time >= since))
            for c in e.details.get("conflicts", ())}
        conflicts = [c for c in conflicts if _conflict_key(c) not in recorded]
        if not conflicts:
            return
        audit.record(session, actor, "ballots.override_refused",
                     community_id=proposal.community_id, target=str(proposal.id),
                     details={"conflicts": conflicts})
