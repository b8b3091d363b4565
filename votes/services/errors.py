from __future__ import annotations


INVALID_INPUT = ("输入的内容过长或含有无效字符，未保存任何内容 "
                 "(input too long or with invalid characters; nothing was saved)")


class DomainError(Exception):
    """A refusal fit to show a user as it is (no stack trace, nothing half-applied)."""

    def __init__(self, message: str, *, problems: list["Problem"] | None = None):
        super().__init__(message)
        self.message = message
        self.problems = problems or []

    def __str__(self) -> str:
        lines = [self.message]
        lines += [str(p) for p in self.problems]
        return "\n".join(lines)


class NotFound(DomainError):
    pass


class Problem:
    """One rejected input row: the row number as a spreadsheet shows it, and why."""

    def __init__(self, row: int | None, message: str):
        self.row = row
        self.message = message

    def __str__(self) -> str:
        if self.row is None:
            return f"  - {self.message}"
        return f"  - 第 {self.row} 行 (row {self.row}): {self.message}"

    def __repr__(self) -> str:
        return f"Problem({self.row!r}, {self.message!r})"
