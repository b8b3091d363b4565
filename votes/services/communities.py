from __future__ import annotations

import re

from sqlalchemy import select

from votes.extensions import db
from votes.models import Community
from votes.services import audit
from votes.services.errors import DomainError, NotFound
from votes.services.tx import unit_of_work

_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def create_community(code: str, name: str, jurisdiction: str | None = None,
                     actor: str = "cli") -> Community:
    code = code.strip()
    name = name.strip()
    if not _CODE.match(code):
        raise DomainError(
            f"小区编码 '{code}' 无效：只能包含字母、数字、-、_ 和 . "
            "(community code may only contain letters, digits, -, _ and .)"
        )
    if not name:
        raise DomainError("小区名称不能为空 (community name must not be empty)")
    with unit_of_work() as session:
        if session.scalar(select(Community).where(Community.code == code)):
            raise DomainError(f"小区编码 {code} 已存在 (community {code} already exists)")
        community = Community(code=code, name=name, jurisdiction=(jurisdiction or None), rules={})
        session.add(community)
        session.flush()
        audit.record(session, actor, "community.create", community_id=community.id,
                     target=code, details={"name": name, "jurisdiction": jurisdiction or ""})
    return community


def get_community(code: str) -> Community:
    community = db.session.scalar(select(Community).where(Community.code == code))
    if community is None:
        raise NotFound(f"没有编码为 {code} 的小区 (no community with code {code})")
    return community


def list_communities() -> list[Community]:
    return list(db.session.scalars(select(Community).order_by(Community.code)))
