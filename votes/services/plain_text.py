"""Free text staff (or owners) type that goes on the chain, the board, notices or exports.

Text-direction controls make it show as something else than what is stored and signed
(votes.core.bidi); other control characters are invisible, and a workbook cannot even hold
most of them (a vertical tab pasted from Word made every XLSX export of it fail)."""

from __future__ import annotations

import unicodedata

from votes.core.bidi import has_bidi_control
from votes.core.roll import has_control
from votes.i18n import _
from votes.services.errors import DomainError

_NO_LINE_BREAKS = str.maketrans("", "", "\n\r\t")
# Combining marks on one character: Vietnamese puts two (ệ: e, U+0323, U+0302); a letter
# under dozens is drawn as a column of marks across the lines above and below it.
MAX_MARKS = 3


def check_plain(*texts: str, lines: bool = False) -> None:
    """DomainError for text with a direction control or a control character (line feed,
    carriage return and tab allowed where `lines`: a description, a reason, an answer)."""
    for text in texts:
        if has_bidi_control(text):
            raise DomainError(_("文字中不能包含改变文字显示方向的控制符。"))
        if has_control(text.translate(_NO_LINE_BREAKS) if lines else text):
            raise DomainError(_("文字中不能包含控制字符。"))
        if most_marks(text) > MAX_MARKS:
            raise DomainError(_("文字中同一个字上最多叠加 %(n)d 个附加符号（如声调符号），"
                                "请删去多余的符号。", n=MAX_MARKS))


def most_marks(text: str) -> int:
    """The longest run of combining marks (Unicode's Mn, Mc, Me) on one character."""
    most = run = 0
    for c in text:
        run = run + 1 if unicodedata.category(c)[0] == "M" else 0
        most = max(most, run)
    return most


def check_printable(*texts: str) -> None:
    """DomainError for a name or title with a character the printed documents' font cannot
    draw (䶮, 𠮷, ☐): it would print as an empty box on every notice, poster and result
    notice. Refused where it is typed, naming the characters."""
    from votes.services.pdf_text import unprintable

    missing = unprintable("".join(texts))
    if missing:
        raise DomainError(_("“%(chars)s”无法打印：通知和公告所用的字体中没有这个字，印出来是空白方框。"
                            "请改用常用字，或用文字说明（如“吉（上为土）”）。",
                            chars="、".join(missing)))


def plain(text: str, lines: bool = False) -> str:
    """The text without what check_plain refuses in it (direction and other control
    characters; line feed, carriage return and tab kept where `lines`): a refused text
    offered back for correcting, without the invisible characters its writer could
    neither see nor remove."""
    kept = "\n\r\t" if lines else ""
    return "".join(c for c in text if c in kept or not (has_control(c) or has_bidi_control(c)))


FILE_LABEL_MAX = 255  # Evidence.name


def readable_name(name: str) -> str:
    """A file's name as Python gives it (a byte that is not UTF-8 as a lone surrogate,
    which no database, JSON or page can hold), each such byte as U+FFFD."""
    import os

    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return os.fsencode(name).decode("utf-8", "replace")
    return name


def file_label(name: str, limit: int = FILE_LABEL_MAX) -> str:
    """An uploaded file's name as it is kept (Evidence.name) and later shown or offered as a
    download name: without direction and other control characters (a clerk cannot see, let
    alone remove them, and "scan<U+202E>gpj.exe" reads as "scanexe.jpg"), at most `limit`
    characters with its extension kept (a long name from a phone failed an entry on
    PostgreSQL), a byte of a name in another encoding than UTF-8 (a file from a Windows
    machine named in GBK, given on the command line) as U+FFFD. The name is only a label:
    the file is known by its digest."""
    name = readable_name(name)
    name = plain(name).strip() or "file"
    if len(name) <= limit:
        return name
    stem, dot, suffix = name.rpartition(".")
    if not dot or not stem or len(suffix) > 16:
        return name[:limit]
    return stem[:limit - len(suffix) - 1] + "." + suffix
