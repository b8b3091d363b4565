"""Roll upload in the browser: a preview first, then an explicit replace.

Between the two the file waits in instance/uploads, encrypted with the data key (it holds
names, ID numbers and phones), for at most an hour; confirm and cancel delete it, and
expired ones are removed on the next upload and by `votes tick`.

A confirm takes seconds to tens of seconds with a city's roll. It claims the file first (a
rename, which one request wins): a second click or a reload meanwhile is told at once that
the roll is being imported (Importing), and its page follows the import (import_state)
rather than waiting behind the first's lock. A claim older than IMPORT_STALE_SECONDS lost its
process (the import is one transaction: nothing of it stayed) and is confirmed again."""

from __future__ import annotations

import hashlib
import os
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cryptography.exceptions import InvalidTag
from flask import current_app
from sqlalchemy.exc import DatabaseError

from votes.extensions import db
from votes.instance import keep_newest, private_dir
from votes.i18n import _, lazy
from votes.models import AuditEntry, Community
from votes.services import clock, privacy
from votes.services.errors import DomainError, Problem
from votes.services.roll_file import read_roll
from votes.services.schema import database_problem
from votes.services.roll_import import (AlreadyImported, ImportResult, check_settled_balances,
                                        import_roll, imported_upload, landline_note, roll_counts,
                                        zero_deposit_warning)
from votes.services.roll_plan import plan_roll

_SUFFIXES = (".csv", ".xlsx", ".xlsm", ".txt")
PREVIEW_SECONDS = 3600
# Previews one community keeps waiting at once (two members at the same moment, and one
# more): each is up to an upload's size, and without a bound one member's uploads within
# the hour could fill the server's disk. A new one removes that community's oldest.
PREVIEWS_PER_COMMUNITY = 3
MAX_PROBLEMS_LISTED = 100  # as of a ballots file (votes.services.paper_ballots)
# community-token-created(epoch seconds).suffix.enc; while a confirm holds it, .importing
# (its rows being checked) then .writing (being stored): the stage its page says.
_NAME = re.compile(r"^(\d+)-([0-9a-f]{32})-(\d+)(\.[a-z]+)\.enc(\.importing|\.writing)?$")
_CLAIMED, _WRITING = ".importing", ".writing"
_EXPIRED = lazy("上传已失效，请重新上传")
# A 100,000-unit roll imports in 5-25 s (docs/performance.md, and under load more): a claim
# ten minutes old is of a process that stopped (a restart, a crash).
IMPORT_STALE_SECONDS = 600
# Units a slow or busy server imports a second (a 100,000-unit roll: 8 s on a quiet PostgreSQL
# host, three times that loaded), for the confirm form's "may take about …".
UNITS_PER_SECOND = 4000
IMPORTING, WRITING, INTERRUPTED, KEPT = "importing", "writing", "interrupted", "kept"


class Importing(DomainError):
    """The preview is being imported by another request (a second click, a reload): `upload`
    names it for the page that follows the import."""

    def __init__(self, upload: str) -> None:
        super().__init__(_("这份名册正在导入，请不要重复提交；导入完成后页面会显示结果。"))
        self.upload = upload


@dataclass(frozen=True)
class Preview:
    token: str | None
    filename: str
    problems: list[Problem]
    message: str | None
    units: int = 0
    owners: int = 0
    headcount: int = 0
    area: int = 0
    landlines: int = 0  # owners whose number is a fixed line: no SMS code for them
    zero_deposits: tuple[str, ...] = ()  # labels of the units whose first deposit is 0

    @property
    def counts(self) -> str:
        return _("将导入 %(counts)s。", counts=roll_counts(self.units, self.owners,
                                                          self.headcount, self.area))

    @property
    def landline_note(self) -> str | None:
        return landline_note(self.landlines)

    @property
    def zero_deposit_warning(self) -> str | None:
        return zero_deposit_warning(self.zero_deposits)

    @property
    def wait(self) -> str:
        """Roughly how long the confirm may take, said before the click."""
        seconds = -(-self.units // UNITS_PER_SECOND)
        if seconds >= 60:
            return _("导入 %(n)s 户的名册可能需要约 %(m)s 分钟（服务器繁忙时更久）。点击一次后请等待页面"
                     "更新，不要刷新或再次点击。", n=self.units, m=-(-seconds // 60))
        return _("导入 %(n)s 户的名册可能需要约 %(s)s 秒（服务器繁忙时更久）。点击一次后请等待页面"
                 "更新，不要刷新或再次点击。", n=self.units, s=max(5, -(-seconds // 5) * 5))


def _folder() -> Path:
    return private_dir(Path(current_app.instance_path) / "uploads")


def preview_upload(community: Community, filename: str, data: bytes) -> Preview:
    sweep_expired()
    suffix = Path(filename).suffix.lower()
    try:
        if suffix not in _SUFFIXES:
            raise DomainError(_("请上传 CSV 或 XLSX 文件"))
        plan = plan_roll(read_roll(filename, data))
        # Said before the committee confirms; the import checks it again under its lock.
        check_settled_balances(db.session, community.id, plan)
    except DomainError as err:
        return Preview(None, filename, _first_problems(err.problems), err.message)
    e = plan.electorate()
    _make_room(community)
    token = secrets.token_hex(16)
    name = f"{community.id}-{token}-{int(clock.now().timestamp())}{suffix}.enc"
    fd = os.open(_folder() / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(privacy.encrypt_bytes(data, name.encode()))
    return Preview(token, filename, [], None, len(plan.units), len(plan.owners),
                   e.total_headcount, e.total_area, plan.landlines, plan.zero_deposits)


def _first_problems(problems: list[Problem]) -> list[Problem]:
    """The first problems of a refused roll, and how many more: a file of another kind
    (columns shifted, a city's export) has some on every row, and the page listing them
    all was tens of MB. The committee corrects the first ones and uploads again; the
    heading still says how many there are."""
    if len(problems) <= MAX_PROBLEMS_LISTED:
        return problems
    return problems[:MAX_PROBLEMS_LISTED] + [Problem(None, _(
        "另有 %(n)s 个问题未列出；请先改正以上各行", n=len(problems) - MAX_PROBLEMS_LISTED))]


def _make_room(community: Community) -> None:
    """Remove the community's oldest previews so that the new one is at most the
    PREVIEWS_PER_COMMUNITY-th."""
    waiting = []
    for path in _folder().glob(f"{community.id}-*.enc"):
        match = _NAME.match(path.name)
        if match and match.group(1) == str(community.id):
            waiting.append((int(match.group(3)), path))
    keep_newest(waiting, PREVIEWS_PER_COMMUNITY - 1)


def _find(community: Community, token: str, ending: str = ".enc") -> Path | None:
    if not re.fullmatch(r"[0-9a-f]{32}", token or ""):
        return None
    matches = sorted(_folder().glob(f"{community.id}-{token}-*{ending}"))
    return matches[0] if matches else None


def _stale(path: Path) -> bool:
    try:
        return clock.wall_now().timestamp() - path.stat().st_mtime > IMPORT_STALE_SECONDS
    except FileNotFoundError:
        return False


class _Claim:
    """A preview's file renamed as one request's to import: the request that renames it
    wins; another (a second click) is told the roll is being imported. Its name then says
    the stage (renamed again: mtime, the claim's time, stays) until it is released back to a
    preview or dropped."""

    def __init__(self, path: Path, upload: str) -> None:
        self.preview, self.path = path, path.with_name(path.name + _CLAIMED)
        try:
            now = clock.wall_now().timestamp()
            os.utime(path, (now, now))  # when it was claimed, for _stale
            os.rename(path, self.path)
        except FileNotFoundError:
            raise Importing(upload) from None

    def writing(self) -> None:
        writing = self.preview.with_name(self.preview.name + _WRITING)
        try:
            os.rename(self.path, writing)
            self.path = writing
        except FileNotFoundError:
            pass  # swept past its hour: the import has its contents

    def release(self) -> None:
        _release(self.path, self.preview)

    def drop(self) -> None:
        self.path.unlink(missing_ok=True)


def _release(claimed: Path, path: Path) -> None:
    """A claimed file back to a preview, for the confirm to be clicked again."""
    try:
        os.rename(claimed, path)
    except FileNotFoundError:
        pass  # swept past its hour meanwhile


def _upload_id(token: str) -> str:
    """How the log names a preview: its token's digest (the token itself confirms it)."""
    return hashlib.sha256(token.encode()).hexdigest()[:32]


def confirm_upload(community: Community, token: str, actor: str) -> ImportResult:
    """Replace the roll with the preview's file, once: a second confirm (a double click, the
    back button, two at the same moment) raises Importing while the first runs, and
    AlreadyImported, saying when and by whom, once it has."""
    sweep_expired()
    upload = _upload_id(token or "")
    path = _find(community, token)
    if path is None:
        claimed = (_find(community, token, ".enc" + _CLAIMED)
                   or _find(community, token, ".enc" + _WRITING))
        if claimed is not None and not _stale(claimed):
            raise Importing(upload)
        done = re.fullmatch(r"[0-9a-f]{32}", token or "") and imported_upload(
            db.session, community.id, upload)
        if done:
            raise AlreadyImported(done.time, done.actor)
        if claimed is None:
            raise DomainError(_EXPIRED)
        # Its process stopped mid-import, whose transaction went with it: imported again.
        path = claimed.with_name(claimed.name[:claimed.name.rindex(".")])
        _release(claimed, path)
    claimed = _Claim(path, upload)
    stages = iter((None, claimed.writing))  # import_roll tells of reading, then of writing

    def progress(_said: str) -> None:
        stage = next(stages, None)
        if stage is not None:
            stage()

    try:
        suffix = _NAME.match(path.name).group(4)
        try:
            data = privacy.decrypt_bytes(claimed.path.read_bytes(), path.name.encode())
        except (InvalidTag, OSError, ValueError):
            raise DomainError(_EXPIRED) from None
        result = import_roll(community.code, f"roll-upload{suffix}", replace=True, data=data,
                             actor=actor, upload=upload, progress=progress)
    except DomainError:
        # The file refused (or imported already): another click would be refused alike.
        claimed.drop()
        raise
    except DatabaseError as exc:
        # Not the file's (a lock timeout behind a freeze, a database not answering): it
        # waits, within its hour, for the confirm to be clicked again. A fault stays one.
        claimed.release()
        problem = database_problem(exc)
        if problem is None:
            raise
        raise DomainError(_("名册未导入：%(problem)s。上传的名册已保留一小时：请返回预览页，稍后再次"
                            "确认导入。", problem=problem)) from None
    except BaseException:
        claimed.release()
        raise
    claimed.drop()
    return result


@dataclass(frozen=True)
class ImportState:
    """Where the import of a preview is, for the page that follows it: `done`, the log's
    entry, once imported; else `state`: IMPORTING (its rows being checked) or WRITING while a
    confirm holds it, for `seconds`; INTERRUPTED if that confirm's process stopped; KEPT if a
    confirm failed and the preview waits for another; None if there is no such preview
    (cancelled, expired, refused)."""

    state: str | None = None
    done: AuditEntry | None = None
    seconds: int = 0


def import_state(community: Community, upload: str) -> ImportState:
    """The import of the preview whose token's digest is `upload`."""
    done = imported_upload(db.session, community.id, upload)
    if done is not None:
        return ImportState(done=done)
    for path in _folder().glob(f"{community.id}-*.enc*"):
        match = _NAME.match(path.name)
        if match and match.group(1) == str(community.id) and _upload_id(match.group(2)) == upload:
            if not match.group(5):
                return ImportState(KEPT)
            if _stale(path):
                return ImportState(INTERRUPTED)
            try:
                seconds = int(clock.wall_now().timestamp() - path.stat().st_mtime)
            except FileNotFoundError:  # renamed this moment: its next stage, or its end
                return import_state(community, upload)
            return ImportState(WRITING if match.group(5) == _WRITING else IMPORTING,
                               seconds=max(seconds, 0))
    return ImportState()


def cancel_upload(community: Community, token: str) -> None:
    """The committee dropped the preview: its file goes at once."""
    path = _find(community, token)
    if path is not None:
        path.unlink(missing_ok=True)


def sweep_expired(now: datetime | None = None) -> int:
    """Delete previews older than an hour (and anything else left in the folder, such as
    plaintext files from older versions); return how many were removed."""
    folder = Path(current_app.instance_path) / "uploads"
    if not folder.is_dir():
        return 0
    cutoff = (now or clock.now()).timestamp() - PREVIEW_SECONDS
    removed = 0
    for path in folder.iterdir():
        match = _NAME.match(path.name)
        if match and int(match.group(3)) > cutoff:
            continue
        if path.is_file() or path.is_symlink():
            path.unlink(missing_ok=True)
            removed += 1
    return removed
