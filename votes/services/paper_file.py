"""A ballots file as the clerk brings it: its CSV rows read into values by column, and the
scanned forms it names read from one folder, before anything is checked against the vote
(votes.services.paper_ballots.accept_rows)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from sqlalchemy import func, select

from votes.core.bidi import shown
from votes.extensions import db
from votes.i18n import _
from votes.models import FrozenVoter
from votes.services.errors import DomainError, WholeInputRefused
from votes.services.roll_file import OLE2, ZIP, iter_csv_rows

COLUMNS = {
    "building": ("building", "楼栋"), "entrance": ("entrance", "单元"), "room": ("room", "房号"),
    "choice": ("choice", "表决意见", "意见"), "channel": ("channel", "方式", "表决方式"),
    "evidence": ("evidence", "凭证", "扫描件"), "entered_by": ("entered_by", "录入人"),
    # Proxy ballots only (docs/verification.md §16):
    "proxy_name": ("proxy_name", "受托人", "受托人姓名"),
    "proxy_id": ("proxy_id", "受托人证件号码", "受托人证件号", "受托人身份证号"),
    # Blank or absent: a resident ID (votes.core.identity.ID_TYPES lists the others).
    "proxy_id_type": ("proxy_id_type", "受托人证件类型"),
    "authorisation": ("authorisation", "授权委托书"),
    "company_staff": ("company_staff", "受托人为物业员工", "物业公司员工"),
}
REQUIRED = ("building", "room", "choice", "channel", "evidence", "entered_by")
_ALIASES = {a.lower(): name for name, aliases in COLUMNS.items() for a in aliases}


class EvidenceRefused(DomainError):
    """An evidence name that must not be read; accept_rows reports it on its row."""


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
