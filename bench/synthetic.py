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


def staged_proposal(community: str):
    """A use-fund proposal drafted eight days ago, scheduled, whose voting began an hour ago
    (open it with open_voting). Needs an app context."""
    from datetime import datetime, timedelta, timezone

    from votes.services.proposal_create import ProposalDraft, create_proposal

    now = datetime.now(timezone.utc).replace(microsecond=0)
    return create_proposal(ProposalDraft(
        community=community, title="t", matter="use_fund", scope="all", budget="356000",
        publicity_start=(now - timedelta(days=8)).isoformat(),
        voting_start=(now - timedelta(hours=1)).isoformat(),
        voting_end=(now + timedelta(days=7)).isoformat()), schedule=True,
        created_at=now - timedelta(days=8, minutes=1))
