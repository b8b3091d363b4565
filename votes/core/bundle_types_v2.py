"""The types of bundles of format votes-bundle/1, verified by the rules of version 2 of
docs/verification.md (§9.1 there): the types of votes.core.bundle_types without what
version 3 added — no rules of procedure in the genesis rules (§16, §17, §19), no unit
`kind`, no `proxy`, `transfer` or `correction` in a ballot, no `follow` in the close, and
only the kinds genesis, device, ballot and close.
"""

from __future__ import annotations

from votes.core.bundle_types import (BALLOT, BODIES, CLOSE, ENTRY, GENESIS, RULES, ROLL,
                                     Enum, type_errors)

RULES_V2 = {k: v for k, v in RULES.items()
            if k not in ("proxy_limit", "proxy_staff_barred", "excluded_kinds",
                         "objection_days", "follow_majority")}
ROLL_V2 = {**ROLL, "units": [{k: v for k, v in ROLL["units"][0].items() if k != "kind"}]}
GENESIS_V2 = {**GENESIS, "rules": RULES_V2}
BALLOT_V2 = {k: v for k, v in BALLOT.items() if k not in ("proxy", "transfer")}
CLOSE_V2 = {k: v for k, v in CLOSE.items() if k != "follow"}
BODIES_V2 = {"genesis": GENESIS_V2, "device": BODIES["device"], "ballot": BALLOT_V2,
             "close": CLOSE_V2}
ENTRY_V2 = {**ENTRY, "kind": Enum(tuple(BODIES_V2))}
SEALED_V2 = {"digest": "hex64", "entry": ENTRY_V2, "sig": "str"}


def entry_type_errors_v2(sealed) -> list[str]:
    """A sealed chain line's type errors by version 2, the body typed by the entry's kind."""
    return type_errors(sealed, SEALED_V2) or body_type_errors_v2(sealed["entry"])


def body_type_errors_v2(entry: dict) -> list[str]:
    """The type errors of an entry's body by version 2, typed by its kind (a kind of
    BODIES_V2)."""
    return type_errors(entry["body"], BODIES_V2[entry["kind"]], "$.entry.body")
