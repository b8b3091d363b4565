"""Paper and proxy ballots from a CSV file: every row accepted, or none."""

from __future__ import annotations

import os
import stat
from datetime import timedelta
from pathlib import Path
from typing import Callable

from flask import current_app
from sqlalchemy import func, select

from votes.core.local_rules import Procedure
from votes.core.roll import unit_key
from votes.core.tally import Choice
from votes.extensions import db
from votes.i18n import _, ngettext
from votes.models import (AuditEntry, Ballot, FrozenUnit, FrozenVoter, ProxyRecord, Transfer,
                          Unit)
from votes.services import audit, ballot_forms, clock, proxies, scan_roles
from votes.services.clerks import blank_clerk, unfit_clerk
from votes.services.ballots import (AlreadyVoted, BallotRequest, StaffOverride, Transferred,
                                     cast_ballots, not_counted_message, voting_problem)
from votes.services.errors import DomainError, Problem, WholeInputRefused
from votes.services.lifecycle import get_proposal, refresh
from votes.services.procedure.common import checked
from votes.core.bidi import shown
from votes.services.plain_text import file_label
from votes.services.roll_file import OLE2, ZIP, iter_csv_rows
from votes.services.tx import unit_of_work
from votes.settings import ballot_import_max_bytes, upload_max_bytes

COLUMNS = {
    "building": ("building", "楼栋"), "entrance": ("entrance", "单元"), "room": ("room", "房号"),
    "choice": ("choice", "表决意见", "意见"), "channel": ("channel", "方式", "表决方式"),
    "evidence": ("evidence", "凭证", "扫描件"), "entered_by": ("entered_by", "录入人"),
    # Proxy ballots only (docs/verification.md §16):
    "proxy_name": ("proxy_name", "受托人", "受托人姓名"),
    "proxy_id": ("proxy_id", "受托人证件号码", "受托人证件号", "受托人身份证号"),
    "authorisation": ("authorisation", "授权委托书"),
    "company_staff": ("company_staff", "受托人为物业员工", "物业公司员工"),
}
REQUIRED = ("building", "room", "choice", "channel", "evidence", "entered_by")
_ALIASES = {a.lower(): name for name, aliases in COLUMNS.items() for a in aliases}
# Problems listed of a refused file: a clerk corrects a few rows and imports again; a list
# of every row of a wrong file was a page of 100 MB.
MAX_PROBLEMS_LISTED = 100
# A refused override attempt repeated within this time is the same attempt (a reload).
SAME_ATTEMPT_WINDOW = timedelta(hours=1)


class EvidenceRefused(DomainError):
    """An evidence name that must not be read; accept_rows reports it on its row."""


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


class EvidenceReader:
    """Reads scanned forms named in a ballots file, only from inside one folder.

    The file may come from someone other than the operator, so a name must not reach
    /etc/passwd, the instance folder (keys, database) or a device: it is resolved with
    symlinks followed, must stay inside the folder and be a regular file.

    Every scan stays in memory until the file's ballots are entered, so each file is read
    once however many rows name it (one proxy letter for several principals), and all of
    them together at most `max_total` bytes: past it the whole import is refused before
    anything is entered, rather than the process growing with the file."""

    _PSEUDO = (Path("/proc"), Path("/sys"), Path("/dev"))

    def __init__(self, base: Path, instance: Path, max_bytes: int, max_total: int):
        self.base = base.resolve()
        self.instance = instance.resolve()
        self.max_bytes = max_bytes
        self.max_total = max_total
        self.total = 0
        self._read: dict[Path, bytes] = {}

    def read(self, name: str) -> tuple[str, bytes] | None:
        try:
            target = (self.base / name).resolve(strict=True)
        except FileNotFoundError:
            return None
        except (OSError, RuntimeError, ValueError):  # a loop, a name too long, a NUL byte
            raise EvidenceRefused(_("扫描件 %(name)s 无法读取", name=shown(name)))
        if target in self._read:
            return Path(name).name, self._read[target]
        if not target.is_relative_to(self.base):
            raise EvidenceRefused(_("扫描件 %(name)s 不在扫描件目录 %(dir)s 内（见 --evidence-dir）",
                                    name=shown(name), dir=str(self.base)))
        if any(target.is_relative_to(p) for p in (self.instance, *self._PSEUDO)):
            raise EvidenceRefused(_("扫描件 %(name)s 位于系统目录，不能作为扫描件", name=shown(name)))
        try:
            fd = os.open(target, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
                         | getattr(os, "O_NONBLOCK", 0))
        except OSError:
            raise EvidenceRefused(_("扫描件 %(name)s 无法读取", name=shown(name)))
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                raise EvidenceRefused(_("扫描件 %(name)s 不是普通文件", name=shown(name)))
            if info.st_size > self.max_bytes:
                raise EvidenceRefused(_("扫描件 %(name)s 太大", name=shown(name)))
            self._refuse_past_total(name, info.st_size)
            with os.fdopen(os.dup(fd), "rb") as fh:
                content = fh.read(self.max_bytes + 1)
        finally:
            os.close(fd)
        if len(content) > self.max_bytes:  # it grew after fstat
            raise EvidenceRefused(_("扫描件 %(name)s 太大", name=shown(name)))
        self._refuse_past_total(name, len(content))
        self.total += len(content)
        self._read[target] = content
        return Path(name).name, content

    def _refuse_past_total(self, name: str, size: int) -> None:
        if self.total + size > self.max_total:
            raise WholeInputRefused(_(
                "本文件所列扫描件合计超过 %(limit)s（读到 %(name)s 时），未录入任何选票；"
                "请把选票分成几个文件分别导入（上限见设置 BALLOT_IMPORT_MAX_BYTES）",
                limit=_size(self.max_total), name=shown(name)))


def _size(n: int) -> str:
    for unit, scale in (("MB", 1024 * 1024), ("KB", 1024)):
        if n >= scale:
            return f"{n / scale:.4g} {unit}"
    return f"{n} B"


_WORKBOOKS = (ZIP, OLE2)  # .xlsx; .xls and .et


def max_rows(proposal) -> int:
    """The most ballot rows a file for this vote may have. A voter has at most one row (a
    second is refused), so a file past the voters is wrong anyway; twice as many and some
    leave a file with a few repeated rows its row-by-row report, while a file of another
    size altogether (a wrong export, 32 MB) is refused before it is read to its end."""
    voters = db.session.scalar(select(func.count()).select_from(FrozenVoter).where(
        FrozenVoter.proposal_id == proposal.id)) or 0
    return 2 * voters + 100


def read_rows(data: bytes, entered_by: str | None = None,
              limit: int | None = None) -> list[tuple[int, dict[str, str]]]:
    """(row number, values) for each non-empty row of a ballots CSV. With entered_by (the
    signed-in member in the browser), every row is theirs, whatever a 录入人 column says: the
    chain names who entered a ballot, and a file's column is free text anyone can fill in.
    Past `limit` rows (max_rows) the whole file is refused, without reading the rest."""
    if data.startswith(_WORKBOOKS):
        # Read as text it was "an unknown encoding", which sent the clerk after the wrong fix.
        raise DomainError(_("选票文件须为 CSV，这是 Excel/WPS 表格文件；请在 Excel/WPS 中"
                            "“另存为”CSV（UTF-8）后再导入"))
    table = iter_csv_rows(data)
    first = next(table, None)
    if first is None:
        raise DomainError(_("文件是空的"))
    header = {i: _ALIASES.get(h.strip().lower()) for i, h in enumerate(first)}
    if entered_by is not None:
        header = {i: None if name == "entered_by" else name for i, name in header.items()}
    # As in a roll: a column named twice (房号 and room) is refused, not read from the last
    # one, which entered the ballot for another flat or with another choice than the first.
    seen: set[str] = set()
    for i, name in header.items():
        if name in seen:
            raise DomainError(_("列 %(label)s 重复", label=first[i].strip()))
        if name:
            seen.add(name)
    missing = [n for n in REQUIRED if n not in header.values()
               and not (n == "entered_by" and entered_by is not None)]
    if missing:
        from votes.services.labels import column_label

        raise DomainError(_("缺少必填列：%(columns)s",
                            columns=_("、").join(column_label(COLUMNS[n]) for n in missing)))
    rows = []
    for number, cells in enumerate(table, start=2):
        row = {name: (cells[i].strip() if i < len(cells) else "")
               for i, name in header.items() if name}
        if any(row.values()):
            if limit is not None and len(rows) >= limit:
                raise DomainError(_("选票文件行数超过 %(n)s 行，远多于本次表决的业主人数，"
                                    "未录入任何选票；请检查是否选错了文件", n=limit))
            if entered_by is not None:
                row["entered_by"] = entered_by
            rows.append((number, row))
    return rows


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
    not_changes: dict[str, int] = {}  # as ballots.not_changes_of counts them
    for b in ballots:
        voted[b.voter_key] = b
        if b.corrects is not None or b.withdrawn_by is not None:
            not_changes[b.voter_key] = not_changes.get(b.voter_key, 0) + 1
        if b.evidence is not None and b.withdrawn_by is None:
            # as ballot_forms.holders: a withdrawn ballot holds it no more, a corrected one does
            forms.setdefault(b.evidence, []).append(b)
    withdrawn = {b.seq for b in ballots if b.withdrawn_by is not None}
    letters_on: dict[str, tuple[int, str]] = {}  # letter → (entry, voter), as check_documents
    for letter, seq, voter in db.session.execute(
            select(ProxyRecord.authorisation, ProxyRecord.seq, ProxyRecord.voter_key)
            .where(ProxyRecord.proposal_id == proposal.id).order_by(ProxyRecord.seq)):
        if seq not in withdrawn:
            letters_on.setdefault(letter, (seq, voter))
    deeds_on: dict[str, tuple[int, str]] = {}  # a sale's deed → (entry, voter), the same
    for deed, seq, voter in db.session.execute(
            select(Transfer.evidence, Transfer.seq, Transfer.voter_key)
            .where(Transfer.proposal_id == proposal.id).order_by(Transfer.seq)):
        if seq not in withdrawn:
            deeds_on.setdefault(deed, (seq, voter))
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
            elif own is not None and scan is not None and scan[1] and (mine := [
                    b.seq for b in forms.get(ballot_forms.digest(scan[1]), ())
                    if b.voter_key == unit.voter_key]):
                # A form of one of the voter's ballots (the current one, or one a correction
                # replaced) entered again is no change of ballot (ballots._prepare says why).
                fail(ballot_forms.entered_again_message(
                    scan[0], own.seq if own.seq in mine else mine[0], own))
            elif unit.voter_key in in_file:
                fail(_("该业主在第 %(row)s 行已有选票", row=in_file[unit.voter_key]))
            else:
                in_file[unit.voter_key] = number
            if scan is not None and scan[1]:
                _one_voter_per_form(scan, unit.voter_key, number, forms, forms_in_file,
                                    voters, ballots, fail)
        proxy = None
        if channel == "proxy":
            proxy = proxies.parse_proxy(row, evidence, procedure, fail)
            if proxies.letter_is_form(proxy, scan):
                fail(proxies.letter_is_form_message())
            if proxy is not None and unit is not None:
                if proxies.is_an_owner(db.session, proposal, unit.voter_key, proxy):
                    fail(proxies.own_proxy_message())
                _count_principal(proposal, held, proxy, unit.voter_key, procedure, fail)
            if proxy is not None:
                _one_proxy_per_letter(proposal, letters, proxy, number, fail)
        _one_role_per_scan(scan, proxy, number, forms, letters_on, deeds_on, roles, voters,
                           fail)
        if len(problems) == before:
            requests.append(BallotRequest(voter_key=unit.voter_key, choice=choice,
                                          channel=channel, entered_by=row["entered_by"],
                                          evidence=scan, proxy=proxy))
    if problems:
        _record_conflicts(proposal, actor, conflicts)
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
        _record_conflicts(proposal, actor, [{"voter": err.ballot.voter_key,
                                             "online_entry": err.ballot.seq}])
        raise


def _one_voter_per_form(scan: tuple[str, bytes], voter: str, number: int,
                        forms: dict[str, list[Ballot]],
                        forms_in_file: dict[str, tuple[int, str]],
                        voters: dict[str, list[FrozenUnit]], ballots: list[Ballot],
                        fail: Callable[[str], None]) -> None:
    """The row's signed form must not be another voter's, on a ballot already entered or on
    a row above (votes.services.ballot_forms); the same voter's form may come again."""
    form = ballot_forms.digest(scan[1])
    earlier = next((b for b in forms.get(form, ()) if b.voter_key != voter), None)
    if earlier is not None:
        fail(ballot_forms.used_message(_named(voters, voter), scan[0], earlier.seq,
                                       _named(voters, earlier.voter_key),
                                       ballot_forms.to_withdraw(ballots, earlier)))
    elif form in forms_in_file and forms_in_file[form][1] != voter:
        fail(_("表决票扫描件 %(name)s 与第 %(row)s 行另一位业主的表决票是同一个文件；"
               "一张表决票只能用于签字业主本人的选票；几张表决票扫描在同一个文件里的，"
               "请每张单独扫描成一个文件", name=scan[0], row=forms_in_file[form][0]))
    else:
        forms_in_file.setdefault(form, (number, voter))


def _named(voters: dict[str, list[FrozenUnit]], voter: str) -> str:
    return ballot_forms.units_label(voters.get(voter, ()))


def _count_principal(proposal, held: dict[str, set[str]], proxy: proxies.ProxyRequest,
                     voter: str, procedure: Procedure, fail: Callable[[str], None]) -> None:
    """The row's principal counted against the proxy's limit (the vote so far and the rows
    above); the row that goes past it is refused. Checked again under the lock."""
    if not procedure.proxy_limit:
        return
    holder = proxies.holder_key(proposal.uid, proxy.id_number)
    if holder not in held:
        held[holder] = proxies.principals(db.session, proposal, {holder})[holder]
    held[holder].add(voter)
    if len(held[holder]) > procedure.proxy_limit:
        fail(proxies.limit_message(procedure.proxy_limit, proxy.id_number))


def _one_proxy_per_letter(proposal, letters: dict[str, tuple[str, int | None, int | None]],
                          proxy: proxies.ProxyRequest, number: int,
                          fail: Callable[[str], None]) -> None:
    """The row's written authorisation must not be another proxy's, on a ballot entered
    already or a row above (proxies.check_letters; checked again under the lock)."""
    letter = ballot_forms.digest(proxy.authorisation[1])
    holder = proxies.holder_key(proposal.uid, proxy.id_number)
    if letter not in letters:
        held = proxies.letters_held(db.session, proposal, {letter}).get(letter)
        letters[letter] = (holder, number, None) if held is None else (held[0], None, held[1])
    first, row, seq = letters[letter]
    if first == holder:
        return
    if seq is not None:
        fail(proxies.letter_of_another_message(seq))
    else:
        fail(_("这份授权委托书已用于第 %(row)s 行另一位受托人的委托票；一份授权委托书只委托"
               "一位受托人，请核对受托人证件号码和所附的授权委托书", row=row))


def _one_role_per_scan(scan: tuple[str, bytes] | None, proxy: proxies.ProxyRequest | None,
                       number: int, forms: dict[str, list[Ballot]],
                       letters_on: dict[str, tuple[int, str]],
                       deeds_on: dict[str, tuple[int, str]],
                       roles: dict[str, tuple[str, int]],
                       voters: dict[str, list[FrozenUnit]],
                       fail: Callable[[str], None]) -> None:
    """The row's form must not be a written authorisation, nor its letter a form, of a
    ballot entered already or a row above, nor either a sale's deed: one signed document
    behind two ballots (scan_roles.check_documents; checked again under the lock). The row's
    own letter as its own form is letter_is_form's. A file's rows carry no deeds."""
    form = ballot_forms.digest(scan[1]) if scan is not None and scan[1] else None
    letter = None if proxy is None else ballot_forms.digest(proxy.authorisation[1])
    if form is not None and form in deeds_on:
        seq, voter = deeds_on[form]
        fail(scan_roles.form_is_a_deed_message(scan[0], seq, _named(voters, voter)))
    if letter is not None and letter in deeds_on:
        seq, voter = deeds_on[letter]
        fail(scan_roles.letter_is_a_deed_message(seq, _named(voters, voter)))
    if form is not None and form != letter:
        if form in letters_on:
            seq, voter = letters_on[form]
            fail(scan_roles.form_is_a_letter_message(scan[0], seq, _named(voters, voter)))
        elif roles.get(form, ("form",))[0] == "letter":
            fail(_("表决票扫描件 %(name)s 与第 %(row)s 行的授权委托书是同一个文件；同一个文件不能"
                   "既是表决票又是授权委托书，请分别上传表决票扫描件和业主签字的书面授权委托书",
                   name=scan[0], row=roles[form][1]))
    if letter is not None and letter != form:
        if letter in forms:
            held = forms[letter][0]
            fail(scan_roles.letter_is_a_form_message(held.seq, _named(voters, held.voter_key)))
        elif roles.get(letter, ("letter",))[0] == "form":
            fail(_("这份授权委托书与第 %(row)s 行的表决票扫描件是同一个文件；同一个文件不能"
                   "既是表决票又是授权委托书，请分别上传表决票扫描件和业主签字的书面授权委托书",
                   row=roles[letter][1]))
    if form is not None:
        roles.setdefault(form, ("form", number))
    if letter is not None:
        roles.setdefault(letter, ("letter", number))


def _conflict_key(conflict: dict) -> tuple:
    """What an attempt to override an owner's online ballot is, for the auditor: the owner,
    the online ballot it would have overridden, and the channel (a row number is where the
    clerk typed it, not a different attempt)."""
    return conflict["voter"], conflict["online_entry"], conflict.get("channel")


def _record_conflicts(proposal, actor: str, conflicts: list[dict]) -> None:
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
