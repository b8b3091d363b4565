"""The one clock the services read; tests set app.config["VOTES_NOW"] to a fixed time."""

from __future__ import annotations

from datetime import date, datetime, timezone

from flask import current_app, has_app_context


def now() -> datetime:
    if has_app_context():
        fixed = current_app.config.get("VOTES_NOW")
        if fixed is not None:
            return fixed
    return datetime.now(timezone.utc).replace(microsecond=0)


def wall_now() -> datetime:
    """The real time, for what ages by the wall clock whatever proposal time a test set with
    VOTES_NOW (a staff session's age and idleness: tests move VOTES_NOW by days with one
    browser signed in); tests set app.config["VOTES_WALL_NOW"]."""
    if has_app_context():
        fixed = current_app.config.get("VOTES_WALL_NOW")
        if fixed is not None:
            return fixed
    return datetime.now(timezone.utc)


def parse_iso(text: str, what: str) -> datetime:
    """Parse an ISO 8601 time; without an offset it is Beijing time (what people type)."""
    from zoneinfo import ZoneInfo

    from votes.i18n import _
    from votes.services.errors import DomainError

    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
        if value.tzinfo is None:
            value = value.replace(tzinfo=ZoneInfo("Asia/Shanghai"))
        # Chain times are whole seconds; keep stored times equal to what the chain binds.
        return value.astimezone(timezone.utc).replace(microsecond=0)
    except (ValueError, OverflowError):
        # OverflowError: a time that parses but has no UTC time inside datetime's years
        # 1-9999 (0001-01-01T00:00 in Beijing time, 9999-12-31T23:59-14:00) was a 500.
        raise DomainError(_("%(what)s“%(text)s”不是有效时间，例如 2026-12-01T09:00",
                            what=what, text=text)) from None


def local_time(when: datetime) -> datetime:
    """A stored UTC time in Beijing time, where a time is written without its zone (a ZIP
    member's date) and read as the reader's local time."""
    from zoneinfo import ZoneInfo

    return when.astimezone(ZoneInfo("Asia/Shanghai"))


def local_text(when: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A stored UTC time as people read it: Beijing time."""
    return local_time(when).strftime(fmt) if when else ""


def printed_date(when: date | datetime | str | None) -> str:
    """A day as a printed Chinese document writes it, the way a posted notice is dated:
    2026年12月8日. A stored time is taken in Beijing; a "YYYY-MM-DD" day (an acceptance's)
    as it is. The screens keep 2026-12-08; on paper the result notice, the settlement
    notice and the application form each wrote the day another way (2026年12月08日,
    2026-12-08), on papers the fund office reads side by side."""
    if not when:
        return ""
    if isinstance(when, str):
        when = date.fromisoformat(when)
    if isinstance(when, datetime):
        when = local_time(when).date()
    return f"{when.year}年{when.month}月{when.day}日"


def printed_time(when: datetime | None) -> str:
    """A time on a printed document: printed_date's day, then the Beijing clock time
    (2026年12月8日 09:00)."""
    return f"{printed_date(when)} {local_text(when, '%H:%M')}" if when else ""
