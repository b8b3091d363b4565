"""Voters' pseudonyms (the `v-…` keys of the chain and the bundle), per proposal.

The owners' ID hashes are keyed once for the whole deployment (privacy.id_hash). A voter
key made from them alone (counting.voter_key) named one owner alike in every vote of every
community: once one vote tied it to a flat, every other choice of that owner followed. A
proposal frozen now names its voters under a secret of its own (an HMAC key derived from
the data key and the proposal uid, as its unit ids are: freeze.unit_ids). A proposal
frozen before keeps the keys its chain already carries: proposals.voter_keying records
which scheme its freeze used. Every look-up from an owner to a voter of a proposal goes
through `voter_key_of`."""

from __future__ import annotations

import hmac
from typing import Callable, Iterable

from votes.core.counting import keyed_voter_key, voter_key
from votes.services import privacy

LEGACY = 1  # counting.voter_key: one key per owner set for the whole deployment
PER_PROPOSAL = 2  # counting.keyed_voter_key under the proposal's own secret
FREEZE_SCHEME = PER_PROPOSAL  # the scheme a proposal frozen now uses


def _secret(proposal_uid: str) -> bytes:
    return hmac.digest(privacy.derived_key("voter-key"), proposal_uid.encode("utf-8"), "sha256")


def voter_key_of(proposal, scheme: int | None = None) -> Callable[[Iterable[str]], str]:
    """The function naming a set of owners' ID hashes as the voter they are in `proposal`
    (under `scheme`, by default the one its freeze recorded). Made once per proposal."""
    scheme = proposal.voter_keying if scheme is None else scheme
    if scheme == LEGACY:
        return voter_key
    return keyed_voter_key(_secret(proposal.uid))
