"""Text for the people who read the bundle's report.txt and ballots.csv: times in Beijing
time, as every notice and page shows them (the chain keeps UTC)."""

from __future__ import annotations

from datetime import timedelta, timezone

from votes.core.canonical import parse_time

# China has kept UTC+8 all year since 1991: a fixed offset, so the offline verifier needs
# no time-zone database (Windows has none for zoneinfo without the tzdata package).
BEIJING = timezone(timedelta(hours=8))
ZONE_ZH = "北京时间"


def beijing_text(utc: str) -> str:
    """A chain time ('2026-12-01T01:00:00Z') as a person reads it: '2026-12-01 09:00'.
    Text that is not such a time is returned as it is (an older bundle's odd field)."""
    try:
        return parse_time(utc).astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return str(utc)
