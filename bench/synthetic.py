"""Shared by the benchmarks that build a bundle without a database: close and write it."""

from __future__ import annotations

import io

from votes.core import chain, signing
from votes.core.bundle import write_bundle
from votes.core.bundle import recompute_tally


def close_and_write(sealed: list, *, proposal: dict, roll: dict, rules: dict, openings,
                    key, kid: str) -> bytes:
    """Append the close entry (tally recomputed from the openings) and write the bundle."""
    tally = recompute_tally(roll, rules, sealed, [o.to_dict() for o in openings])
    counted = [s.seq for s in chain.counted_ballots(sealed).values()]
    sealed.append(chain.seal(chain.next_entry(sealed[-1], proposal="bench", kind="close",
                                              time="2026-01-09T00:00:00Z", key_id=kid,
                                              body=chain.close_body(tally.to_dict(), counted,
                                                                   openings)),
                             key))
    out = io.BytesIO()
    write_bundle(out, proposal=proposal, roll=roll, chain=sealed, private_key=key,
                 keyring=signing.KeyRing({kid: key.public_key()}),
                 created_at="2026-01-09T00:00:00Z")
    return out.getvalue()
