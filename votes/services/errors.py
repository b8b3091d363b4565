from __future__ import annotations

from votes.i18n import _, lazy


INVALID_INPUT = lazy("输入的内容过长或含有无效字符，未保存任何内容")


class DomainError(Exception):
    """A refusal fit to show a user as it is (no stack trace, nothing half-applied)."""

    def __init__(self, message: str, *, problems: list["Problem"] | None = None):
        super().__init__(message)
        # A lazy translation is resolved here; a Said is kept as one (its msgid with it).
        self.message = message if isinstance(message, str) else str(message)
        self.problems = problems or []

    def __str__(self) -> str:
        lines = [self.message]
        lines += [str(p) for p in self.problems]
        return "\n".join(lines)


class NotFound(DomainError):
    pass


class WholeInputRefused(DomainError):
    """A limit on the input as a whole, not one row's problem: code that collects each
    row's problems lets it through, and nothing is entered."""


class VerifierBusy(DomainError):
    """This process is exporting or verifying another whole vote (export.verifying): nothing
    was made. The web answers it wherever it is raised: 503, Retry-After, try in a minute."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or _(
            "服务器正在验证另一份导出包，本次未生成任何文件。请约一分钟后再试。"))


class Problem:
    """One rejected input row: the row number as a spreadsheet shows it, and why."""

    def __init__(self, row: int | None, message: str):
        self.row = row
        self.message = message

    def __str__(self) -> str:
        if self.row is None:
            return f"  - {self.message}"
        return "  - " + _("第 %(row)s 行：%(message)s", row=self.row, message=self.message)

    def __repr__(self) -> str:
        return f"Problem({self.row!r}, {self.message!r})"
