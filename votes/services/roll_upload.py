"""Roll upload in the browser: a preview first, then an explicit replace."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

from votes.core.counting import electorate
from votes.core.roll import AreaBasis, Scope, UnitRecord
from votes.models import Community
from votes.services.errors import DomainError, Problem
from votes.services.roll_file import read_roll
from votes.services.roll_import import ImportResult, import_roll, plan_roll

_SUFFIXES = (".csv", ".xlsx", ".xlsm", ".txt")


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


def _folder() -> Path:
    path = Path(current_app.instance_path) / "uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


def preview_upload(community: Community, filename: str, data: bytes) -> Preview:
    suffix = Path(filename).suffix.lower()
    try:
        if suffix not in _SUFFIXES:
            raise DomainError("请上传 CSV 或 XLSX 文件 (upload a CSV or XLSX file)")
        plan = plan_roll(read_roll(filename, data))
    except DomainError as err:
        return Preview(None, filename, err.problems, err.message)
    records = [UnitRecord(str(i), b, e, r, u.area, AreaBasis(u.basis.value), frozenset(u.owners),
                          developer=all(plan.owners[h].kind.value == "developer" for h in u.owners))
               for i, ((b, e, r), u) in enumerate(plan.units.items())]
    e = electorate(records, Scope("all"))
    token = secrets.token_hex(16)
    (_folder() / f"{community.id}-{token}{suffix}").write_bytes(data)
    return Preview(token, filename, [], None, len(plan.units), len(plan.owners),
                   e.total_headcount, e.total_area)


def confirm_upload(community: Community, token: str, actor: str) -> ImportResult:
    if not token.isalnum():
        raise DomainError("上传已失效，请重新上传 (the upload has expired; upload again)")
    matches = list(_folder().glob(f"{community.id}-{token}.*"))
    if not matches:
        raise DomainError("上传已失效，请重新上传 (the upload has expired; upload again)")
    path = matches[0]
    try:
        return import_roll(community.code, path, replace=True, data=path.read_bytes(),
                           actor=actor)
    finally:
        path.unlink(missing_ok=True)
