"""Paging for long tables (a community has thousands of units)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

PER_PAGE = 50


@dataclass(frozen=True)
class Page:
    items: Sequence
    number: int
    pages: int
    total: int


def paged(items: Sequence, args: Mapping, per_page: int = PER_PAGE) -> Page:
    try:
        number = max(1, int(args.get("page", 1)))
    except ValueError:
        number = 1
    pages = max(1, -(-len(items) // per_page))
    number = min(number, pages)
    return Page(items[(number - 1) * per_page:number * per_page], number, pages, len(items))
