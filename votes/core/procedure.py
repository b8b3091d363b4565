"""Rules of procedure that change how a vote ends: an objection period and 从多.

Both are community settings frozen into the genesis `rules` (docs/verification.md §17, §19),
each with the Civil Code's default: no objection period (the result is final at the close)
and no "follow the majority" (only real ballots count).
"""

from __future__ import annotations

from typing import Mapping

from votes.core.numbers import whole_number

# 从多 modes: off (default); "quorum": non-voters whose notice delivery is proved count
# toward participation only; "full": they also join the majority of those who voted.
FOLLOW_MODES = ("off", "quorum", "full")
MAX_OBJECTION_DAYS = 30
DEFAULTS = {"objection_days": 0, "follow_majority": "off"}


def check_setting(name: str, raw) -> int | str:
    """The value of one setting, or ValueError with a sentence fit for a user."""
    if name == "objection_days":
        days = whole_number(str(raw).strip())
        if days is None or days > MAX_OBJECTION_DAYS:
            raise ValueError(f"objection_days must be a whole number of days from 0 to "
                             f"{MAX_OBJECTION_DAYS}")
        return days
    if name == "follow_majority":
        value = str(raw).strip()
        if value not in FOLLOW_MODES:
            raise ValueError(f"follow_majority must be one of {', '.join(FOLLOW_MODES)}")
        return value
    raise ValueError(f"unknown setting {name}")


def procedure_rules(settings: Mapping | None) -> dict:
    """The two settings as the genesis `rules` carries them (defaults where unset)."""
    settings = settings or {}
    return {name: settings.get(name, default) for name, default in DEFAULTS.items()}


def objection_days(rules: Mapping) -> int:
    return int(rules.get("objection_days", 0))


def follow_mode(rules: Mapping) -> str:
    return rules.get("follow_majority", "off")
