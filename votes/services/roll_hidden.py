"""A roll's XLSX rows and columns that Excel and WPS do not show are refused, not read.

The committee reviews the roll in Excel or WPS, often a file a property company made; a row
hidden there (or filtered out, or 0 high) was imported all the same, a flat and an owner,
a voter, no one reviewing the sheet had seen, and a hidden column read as any other. As with
merged cells (roll_file._refuse_merged) the committee is told what to show, and the roll
imported is then the one it sees."""

from __future__ import annotations

from votes.i18n import _
from votes.services.errors import DomainError, Problem


def refuse_hidden(rows: frozenset[int], columns: tuple[tuple[int, int], ...],
                  header: dict[int, str], table: list[list]) -> None:
    """Refuse when a hidden row (1-based; 0 for one the file gives no number) holds a value
    in a column read, or a column read (header: 0-based index -> name) is hidden."""
    from votes.services.roll_file import _cell, _cell_name

    problems = []
    for index in sorted(header):
        if any(first <= index + 1 <= last for first, last in columns):
            problems.append(Problem(1, _(
                "%(column)s 列“%(label)s”在 Excel/WPS 中是隐藏的：导入的内容须是看得见的。请取消隐藏"
                "后保存，再导入", column=_cell_name(1, index)[:-1], label=_cell(table[0][index]))))
    for number in sorted(rows):
        cells = table[number - 1] if 0 < number <= len(table) else []
        if number and not any(_cell(cells[i]) for i in header if i < len(cells)):
            continue  # nothing read there
        problems.append(Problem(number or None, _(
            "第 %(row)s 行在 Excel/WPS 中是隐藏的（隐藏、被筛选掉或行高为 0）：导入的内容须是看得见的。"
            "请取消隐藏、清除筛选后保存，再导入", row=number or "?")))
    if problems:
        raise DomainError(_("名册有 %(n)s 处隐藏的行或列，未导入任何数据", n=len(problems)),
                          problems=problems)
